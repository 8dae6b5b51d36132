"""The situation page says, for each warning sign, how it was answered (S/2011/552, para. 47):
by a new step after N days, in hand (an engagement under way when it appeared), or unanswered for N
days so far — measured to the day the clock stopped, not to today, once it stopped."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.services import recompute_intervals
from cases.choices import DatePrecision, Severity, SituationStatus
from cases.sharing import Clearance
from dashboards.selectors import situation as situation_selectors
from tests.factories import EngagementFactory, SituationFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db

D = dt.date


def outcomes(situation) -> dict[str, str]:
    picture = situation_selectors.picture(Clearance.internal(), situation.slug)
    table = situation_selectors.events_table(picture)
    return {row["detail"]: row["outcome"] for row in table.rows if row["kind"] == "Warning sign"}


def test_each_sign_reads_answered_in_hand_or_unanswered():
    situation = SituationFactory(status=SituationStatus.CLOSED, status_on=D(2010, 9, 30))
    WarningIndicatorFactory(
        situation=situation, observed_on=D(2010, 3, 1), description="Sign before the envoy"
    )
    envoy = EngagementFactory(
        situation=situation,
        title="Envoy appointed",
        started_on=D(2010, 3, 11),
        ended_on=D(2010, 5, 31),
    )
    WarningIndicatorFactory(
        situation=situation, observed_on=D(2010, 4, 1), description="Sign while the envoy works"
    )
    WarningIndicatorFactory(
        situation=situation,
        observed_on=D(2010, 7, 1),
        observed_precision=DatePrecision.MONTH,
        severity=Severity.CRITICAL,
        description="Sign after the envoy left",
    )
    recompute_intervals(full=True)

    assert outcomes(situation) == {
        "Sign before the envoy": f"Answered by a new step: {envoy.title}, after 10 days",
        "Sign while the envoy works": f"In hand: {envoy.title} was under way",
        # July 2010 to the closing on 30 September 2010, not to today: 61–91 days.
        "Sign after the envoy left": "Unanswered: 61–91 days (clock stopped 30 September 2010)",
    }


def test_an_unanswered_sign_of_a_running_clock_waits_to_today():
    situation = SituationFactory()
    today = dt.date.today()
    WarningIndicatorFactory(
        situation=situation, observed_on=today - dt.timedelta(days=12), description="Fresh sign"
    )
    recompute_intervals(full=True)
    assert outcomes(situation) == {"Fresh sign": "Unanswered: 12 days so far"}
