"""A small world with known answers for the dashboard figures.

Intervals (first warning of High severity or above → first engagement on or after it):

| situation | region | sharing | warning | first action | days | instrument |
| --- | --- | --- | --- | --- | --- | --- |
| alpha | Africa | GREEN | 2010-01-01 | 2010-01-04 | 3 | good offices |
| bravo | Africa | GREEN | 2010-02-01 (critical) | 2010-02-11 | 10 | special envoy |
| charlie | Asia | GREEN | 2010-06-10 | 2010-07-10 | 30 | council statement |
| delta (closed) | Asia | GREEN | 2011-03-01 | 2011-06-09 | 100 | mediation |
| echo | Europe | CLEAR | May 2011 (month) | 2011-06-15 | 15–45, midpoint 30 | fact-finding |
| foxtrot | Africa | GREEN | 2012-01-01 | none | open | – |
| golf | Americas | GREEN | Low warning only | – | no interval | – |
| hotel | Africa | RED | 2010-01-01 | 2010-01-02 | 1 | good offices |
| india | Asia | AMBER, shared with the partner | 2010-03-01 | 2010-03-21 | 20 | démarche |
| juliet | Oceania | AMBER+STRICT, shared with another | no warning | 2011-01-10 | no interval | good offices |

Delta also has a High warning on 2011-07-01 that no engagement followed: unanswered.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from alerts.choices import AlertStatus
from alerts.services import recompute_intervals
from cases import services
from cases.choices import (
    CrisisType,
    DatePrecision,
    Instrument,
    Region,
    RiskLevel,
    Severity,
    SharingLevel,
    SituationStatus,
    SuccessElementCode,
)
from tests.factories import (
    ActorFactory,
    AlertFactory,
    AlertRuleFactory,
    AssessmentFactory,
    DeskOfficerFactory,
    EngagementFactory,
    PartnerFactory,
    ReviewerFactory,
    SituationFactory,
    UserFactory,
    WarningIndicatorFactory,
    partner_member,
    success_element,
)

from .browser import chromium  # noqa: F401 (the browser tests' fixture)

PASSWORD = "correct-horse-battery-staple"
D = dt.date


def _situation(slug, region, *, sharing=SharingLevel.GREEN, **extra):
    return SituationFactory(
        slug=slug, title=slug.capitalize(), region=region, sharing=sharing, **extra
    )


def _warn(situation, day, severity=Severity.HIGH, precision=DatePrecision.DAY):
    return WarningIndicatorFactory(
        situation=situation, observed_on=day, severity=severity, observed_precision=precision
    )


def _act(situation, day, instrument, **extra):
    return EngagementFactory(
        situation=situation,
        started_on=day,
        instrument=instrument,
        title=f"{situation.title} action",
        **extra,
    )


def build_world() -> SimpleNamespace:
    partner = ActorFactory(name="Partner organisation", acronym="PARTNER")
    w = SimpleNamespace(partner=partner)
    w.alpha = _situation(
        "alpha",
        Region.AFRICA,
        crisis_type=CrisisType.CONSTITUTIONAL_CRISIS,
        risk_level=RiskLevel.HIGH,
    )
    w.bravo = _situation(
        "bravo",
        Region.AFRICA,
        crisis_type=CrisisType.ELECTION_RELATED_VIOLENCE,
        risk_level=RiskLevel.CRITICAL,
    )
    w.charlie = _situation("charlie", Region.ASIA, crisis_type=CrisisType.INTER_ETHNIC_VIOLENCE)
    w.delta = _situation(
        "delta",
        Region.ASIA,
        crisis_type=CrisisType.INTER_ETHNIC_VIOLENCE,
        status=SituationStatus.CLOSED,
    )
    w.echo = _situation(
        "echo", Region.EUROPE, sharing=SharingLevel.CLEAR, crisis_type=CrisisType.POLITICAL_CRISIS
    )
    w.foxtrot = _situation("foxtrot", Region.AFRICA, crisis_type=CrisisType.POPULAR_UNREST)
    w.golf = _situation("golf", Region.AMERICAS, crisis_type=CrisisType.POLITICAL_CRISIS)
    w.hotel = _situation(
        "hotel",
        Region.AFRICA,
        sharing=SharingLevel.RED,
        crisis_type=CrisisType.CONSTITUTIONAL_CRISIS,
    )
    w.india = _situation(
        "india",
        Region.ASIA,
        sharing=SharingLevel.AMBER,
        crisis_type=CrisisType.INTER_ETHNIC_VIOLENCE,
    )
    services.save_situation(w.india, shared_with=[partner])
    # AMBER+STRICT, shared with another organisation only: internal eyes only in this world.
    w.juliet = _situation(
        "juliet",
        Region.OCEANIA,
        sharing=SharingLevel.AMBER_STRICT,
        crisis_type=CrisisType.POLITICAL_CRISIS,
    )
    services.save_situation(
        w.juliet, shared_with=[ActorFactory(name="Other organisation", acronym="OTHER")]
    )

    _warn(w.alpha, D(2010, 1, 1))
    w.alpha_action = _act(w.alpha, D(2010, 1, 4), Instrument.GOOD_OFFICES)
    _warn(w.bravo, D(2010, 2, 1), Severity.CRITICAL)
    w.bravo_action = _act(w.bravo, D(2010, 2, 11), Instrument.SPECIAL_ENVOY)
    _warn(w.charlie, D(2010, 6, 10))
    _act(w.charlie, D(2010, 7, 10), Instrument.COUNCIL_STATEMENT)
    _warn(w.delta, D(2011, 3, 1))
    _act(w.delta, D(2011, 6, 9), Instrument.MEDIATION)
    w.delta_late = _warn(w.delta, D(2011, 7, 1))
    _warn(w.echo, D(2011, 5, 1), precision=DatePrecision.MONTH)
    _act(w.echo, D(2011, 6, 15), Instrument.FACT_FINDING)
    _warn(w.foxtrot, D(2012, 1, 1))
    _warn(w.golf, D(2012, 1, 1), Severity.LOW)
    _warn(w.hotel, D(2010, 1, 1))
    w.hotel_action = _act(w.hotel, D(2010, 1, 2), Instrument.GOOD_OFFICES)
    _warn(w.india, D(2010, 3, 1))
    _act(w.india, D(2010, 3, 21), Instrument.SG_DEMARCHE)

    def rate(engagement, code, rating):
        AssessmentFactory(engagement=engagement, element=success_element(code), rating=rating)

    rate(w.alpha_action, SuccessElementCode.EARLY_WARNING, 3)
    rate(w.alpha_action, SuccessElementCode.FLEXIBILITY, 2)
    rate(w.alpha_action, SuccessElementCode.PARTNERSHIPS, 1)
    rate(w.bravo_action, SuccessElementCode.EARLY_WARNING, 1)
    rate(w.bravo_action, SuccessElementCode.FLEXIBILITY, 2)
    rate(w.hotel_action, SuccessElementCode.EARLY_WARNING, 0)
    rate(w.hotel_action, SuccessElementCode.RESOURCES, 0)
    w.juliet_action = _act(w.juliet, D(2011, 1, 10), Instrument.GOOD_OFFICES)
    rate(w.juliet_action, SuccessElementCode.SUSTAINABILITY, 3)

    recompute_intervals(full=True)

    critical = AlertRuleFactory(name="No action, critical", level=Severity.CRITICAL)
    high = AlertRuleFactory(name="No action, high", level=Severity.HIGH)
    medium = AlertRuleFactory(name="Stale", kind="stale", min_severity=None, level=Severity.MEDIUM)
    w.foxtrot_alert = AlertFactory(rule=critical, situation=w.foxtrot)
    w.hotel_alert = AlertFactory(rule=high, situation=w.hotel)
    w.alpha_alert = AlertFactory(rule=medium, situation=w.alpha, status=AlertStatus.ACKNOWLEDGED)
    return w


@pytest.fixture
def world(db) -> SimpleNamespace:
    return build_world()


@pytest.fixture
def staff(db):
    """A desk officer: internal clearance, may acknowledge alerts."""
    return DeskOfficerFactory(username="desk", password=PASSWORD)


@pytest.fixture
def reviewer(db):
    return ReviewerFactory(username="reviewer", password=PASSWORD)


@pytest.fixture
def outsider(db):
    """Logged in, not staff, no partner organisation: TLP:CLEAR and GREEN only."""
    return UserFactory(username="outsider", password=PASSWORD)


@pytest.fixture
def partner_user(db, world):
    """A partner organisation's person, not staff: cleared for AMBER where the partner is listed
    (a ``partners.PartnerMember`` of the partner organisation whose actor is ``world.partner``)."""
    user = UserFactory(username="partner", password=PASSWORD)
    partner_member(user, PartnerFactory(name="Partner organisation", actor=world.partner))
    return user
