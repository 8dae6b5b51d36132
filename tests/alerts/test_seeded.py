"""Issue 13, item 7: on the seed drawn from S/2011/552, recomputed and evaluated today, the alerts
say what the report says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from alerts.choices import ACTIVE_STATUSES, RuleKind
from alerts.models import Alert, SituationInterval, UnansweredWarning
from alerts.services import evaluate_rules, recompute_intervals
from alerts.services.intervals import AnswerState, warning_intervals_of
from cases.models import Situation, WarningIndicator
from cases.seed import load_seed, seed_id

ISSUED = dt.date(2011, 8, 26)  # S/2011/552


@pytest.fixture(scope="module")
def evaluated(django_db_setup, django_db_blocker):
    """The seed loaded, its intervals recomputed and the rules evaluated with today's date,
    once for the module and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_seed()
        recompute_intervals(full=True)
        evaluate_rules()
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("evaluated")]


def test_every_seeded_clock_stops_by_the_reports_issue_date():
    rows = SituationInterval.objects.all()
    assert rows.count() == Situation.objects.count()
    assert not rows.filter(is_stopped=False).exists()
    assert not rows.filter(stopped_on__gt=ISSUED).exists()
    # Guinea's stops when the report says the transition was completed: December 2010 (para. 24).
    guinea = rows.get(situation__slug="guinea-transition-2009-2010")
    assert guinea.stopped_on == dt.date(2010, 12, 31)
    assert rows.get(situation__slug="libya").stopped_on == ISSUED


def test_no_alert_about_an_unanswered_sign_is_open_on_a_stopped_clock():
    """Before issue 13: 17 open alerts on the seed, 11 contradicting the report (a critical "no
    action for 6028 days" on Kyrgyzstan, June 2010, among them)."""
    stopped = SituationInterval.objects.filter(is_stopped=True).values("situation")
    open_alerts = Alert.objects.filter(status__in=ACTIVE_STATUSES, situation__in=stopped)
    assert not open_alerts.filter(rule__kind=RuleKind.NO_ACTION).exists()
    # What stays open is about the record, not the clock: engagements the report shows ended,
    # assessed on fewer than the six elements.
    assert set(open_alerts.values_list("rule__kind", flat=True)) <= {RuleKind.UNASSESSED}
    assert not open_alerts.filter(engagement__ended_on__isnull=True).exists()


def test_kyrgyzstan_june_2010_is_answered_by_unrccas_response():
    sign = warning_intervals_of(
        WarningIndicator.objects.filter(
            pk=seed_id("indicator", "kyrgyzstan-2010-06-inter-ethnic-violence")
        )
    ).get()
    unrcca = seed_id("engagement", "kyrgyzstan-unrcca-crisis-response-2010")
    assert sign.linked and list(sign.answered_by.values_list("pk", flat=True)) == [unrcca]
    # Under way since April 2010 when the violence broke out in June (para. 23).
    assert sign.answer_state == AnswerState.IN_HAND
    assert (sign.days_min, sign.days_max) == (0, 0)
    assert not UnansweredWarning.objects.filter(indicator=sign).exists()


def test_the_seeded_signs_the_report_answers_are_not_left_unanswered():
    """Gaza (the Panel of Inquiry, para. 32) and Madagascar (the SADC mediation, para. 20) are
    answered through their links although the report does not date those engagements."""
    assert not UnansweredWarning.objects.exists()
    for key in ("gaza-flotilla-2010-05-31", "madagascar-2011-unresolved-crisis"):
        sign = warning_intervals_of(WarningIndicator.objects.filter(pk=seed_id("indicator", key)))
        assert sign.get().answer_state != AnswerState.UNANSWERED, key
