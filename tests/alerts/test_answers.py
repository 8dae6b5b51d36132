"""Issue 13, items 1 and 2: which engagement answers a warning sign (a desk officer's link, an
engagement under way, the first one after), and the clock that stops (closed or de-escalated at
a status date, or measured as of a report's issue date). On PostgreSQL, as the recompute runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerts.choices import ACTIVE_STATUSES
from alerts.models import Alert, SituationInterval, UnansweredWarning
from alerts.services import evaluate_rules, recompute_intervals
from alerts.services.intervals import AnswerState, warning_intervals_of
from cases import services
from cases.choices import DatePrecision, Severity, SituationStatus
from cases.models import Engagement, WarningIndicator
from tests.factories import (
    DocumentFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

from .helpers import days_ago

pytestmark = pytest.mark.django_db

TODAY = dt.date(2011, 1, 1)
D = dt.date
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR


def sign(situation, on, precision=DAY, severity=Severity.HIGH):
    return WarningIndicatorFactory(
        situation=situation, observed_on=on, observed_precision=precision, severity=severity
    )


def step(situation, on, precision=DAY, **kwargs):
    return EngagementFactory(
        situation=situation, started_on=on, started_precision=precision, **kwargs
    )


def answer_of(indicator: WarningIndicator):
    recompute_intervals(today=TODAY)
    return warning_intervals_of(WarningIndicator.objects.filter(pk=indicator.pk)).get()


def situation_row(situation, today=TODAY) -> SituationInterval:
    recompute_intervals(today=today)
    return SituationInterval.objects.get(situation=situation)


def is_unanswered(indicator) -> bool:
    return UnansweredWarning.objects.filter(indicator=indicator).exists()


# --- 1. Answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "precision", "observed", "observed_precision"),
    [
        (D(2010, 6, 1), DAY, D(2010, 6, 10), DAY),  # began ten days before
        (D(2010, 6, 10), DAY, D(2010, 6, 10), DAY),  # the same day: on or before it
        (D(2010, 4, 1), MONTH, D(2010, 6, 10), DAY),  # "April 2010", para. 23's UNRCCA
        (D(2010, 4, 1), MONTH, D(2010, 6, 1), MONTH),  # April, sign in June
        (D(2009, 1, 1), YEAR, D(2010, 6, 10), DAY),  # "2009"
        (D(2009, 1, 1), YEAR, D(2010, 1, 1), YEAR),  # "2009", sign in "2010"
        (D(2010, 1, 1), DAY, D(2010, 1, 1), YEAR),  # 1 January: on or before any day of 2010
    ],
)
def test_an_engagement_under_way_when_the_sign_appeared_has_it_in_hand(
    started, precision, observed, observed_precision
):
    situation = SituationFactory()
    under_way = step(situation, started, precision)  # not ended
    warning = sign(situation, observed, observed_precision)
    row = answer_of(warning)
    assert row.answer_state == AnswerState.IN_HAND
    assert (row.days_min, row.days_max) == (0, 0) and row.is_exact and not row.is_open
    assert not is_unanswered(warning)
    interval = situation_row(situation)
    assert not interval.is_open and (interval.days_min, interval.days_max) == (0, 0)
    assert interval.first_action == under_way


@pytest.mark.parametrize(
    ("started", "precision", "observed", "observed_precision", "days"),
    [
        (D(2010, 6, 1), MONTH, D(2010, 6, 10), DAY, (0, 20)),  # June: before or after the 10th
        (D(2010, 1, 1), YEAR, D(2010, 6, 1), MONTH, (0, 364 - 151)),  # 2010 vs June 2010
        (D(2010, 6, 10), DAY, D(2010, 6, 1), MONTH, (0, 9)),  # 10 June vs June
        (D(2010, 6, 20), DAY, D(2010, 6, 10), DAY, (10, 10)),  # a new step after it
    ],
)
def test_ties_at_a_coarser_precision_are_answered_with_bounds_from_zero(
    started, precision, observed, observed_precision, days
):
    situation = SituationFactory()
    step(situation, started, precision)
    warning = sign(situation, observed, observed_precision)
    row = answer_of(warning)
    assert row.answer_state == AnswerState.ANSWERED
    assert (row.days_min, row.days_max) == days
    assert (situation_row(situation).days_min, situation_row(situation).days_max) == days


@pytest.mark.parametrize(
    ("ended", "ended_precision", "observed", "observed_precision", "answered"),
    [
        (D(2010, 6, 9), DAY, D(2010, 6, 10), DAY, False),  # ended the day before
        (D(2010, 6, 10), DAY, D(2010, 6, 10), DAY, True),  # ended that day: not before it
        (D(2010, 5, 1), MONTH, D(2010, 6, 1), MONTH, False),  # May vs June
        (D(2010, 6, 1), MONTH, D(2010, 6, 10), DAY, True),  # "June": may have ended after
        (D(2009, 1, 1), YEAR, D(2010, 1, 1), YEAR, False),  # 2009 vs 2010
        (D(2010, 1, 1), YEAR, D(2010, 6, 10), DAY, True),  # "2010": may have ended after
    ],
)
def test_an_engagement_ended_before_the_sign_does_not_answer_it(
    ended, ended_precision, observed, observed_precision, answered
):
    situation = SituationFactory()
    step(situation, D(2009, 1, 1), YEAR, ended_on=ended, ended_precision=ended_precision)
    warning = sign(situation, observed, observed_precision)
    row = answer_of(warning)
    assert row.answer_state == (AnswerState.IN_HAND if answered else AnswerState.UNANSWERED)
    assert is_unanswered(warning) is not answered
    assert situation_row(situation).is_open is not answered


@pytest.mark.parametrize("precision", [DAY, MONTH, YEAR])
def test_a_link_wins_over_dates(precision):
    situation = SituationFactory()
    warning = sign(situation, D(2010, 6, 10))
    step(situation, D(2010, 5, 1))  # under way: would have it in hand
    step(situation, D(2010, 6, 20))  # a new step: would answer it in 10 days
    linked = step(situation, D(2011, 1, 1) if precision != DAY else D(2010, 8, 1), precision)
    services.save_engagement(linked, responds_to=[warning])
    row = answer_of(warning)
    expected = {
        DAY: (52, 52),  # 1 August 2010
        MONTH: (205, 235),  # January 2011
        YEAR: (205, 569),  # 2011
    }[precision]
    assert row.answer_state == AnswerState.ANSWERED and row.linked
    assert (row.days_min, row.days_max) == expected
    interval = situation_row(situation)
    assert (interval.days_min, interval.days_max) == expected
    assert interval.first_action == linked


def test_a_link_to_an_engagement_under_way_is_in_hand_and_a_link_ended_before_still_answers():
    situation = SituationFactory()
    warning = sign(situation, D(2010, 6, 10))
    earlier = step(situation, D(2010, 3, 1), ended_on=D(2010, 3, 31))  # ended before the sign
    assert answer_of(warning).answer_state == AnswerState.UNANSWERED
    services.save_engagement(earlier, responds_to=[warning])  # the desk officer says it does
    row = answer_of(warning)
    assert row.answer_state == AnswerState.IN_HAND and (row.days_min, row.days_max) == (0, 0)
    assert not is_unanswered(warning)


def test_an_undated_engagement_answers_only_through_a_link():
    situation = SituationFactory()
    warning = sign(situation, D(2010, 6, 10))
    undated = step(situation, None)
    assert answer_of(warning).answer_state == AnswerState.UNANSWERED
    assert is_unanswered(warning) and situation_row(situation).is_open

    services.save_engagement(undated, responds_to=[warning])
    row = answer_of(warning)
    assert row.answer_state == AnswerState.ANSWERED and not row.is_open
    assert row.days_min is None and row.days_max is None  # when is unknown
    assert not is_unanswered(warning)
    interval = situation_row(situation)
    assert not interval.is_open and interval.days_min is None and interval.days_max is None
    assert interval.first_action is None and interval.measured_to is None


def test_links_are_edited_from_the_sign_too_and_kept_in_the_engagements_history():
    situation = SituationFactory()
    warning = sign(situation, D(2010, 6, 10))
    first, second = step(situation, None), step(situation, D(2010, 8, 1))
    version = first.version
    services.save_indicator(warning, answered_by=[first, second])
    assert set(warning.answered_by.all()) == {first, second}
    first.refresh_from_db()
    assert first.version == version + 1
    assert first.history.first().responds_to.filter(warningindicator=warning).exists()

    services.save_indicator(warning, answered_by=[second])
    assert list(warning.answered_by.all()) == [second]
    assert not Engagement.objects.get(pk=first.pk).responds_to.exists()
    assert not first.history.first().responds_to.exists()  # the latest state: unlinked


def test_an_engagement_answers_signs_of_its_own_situation_only():
    elsewhere = sign(SituationFactory(), D(2010, 6, 10))
    engagement = step(SituationFactory(), D(2010, 6, 20))
    with pytest.raises(ValidationError):
        services.save_engagement(engagement, responds_to=[elsewhere])
    assert not engagement.responds_to.exists()


# --- 2. The clock stops -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "status_on", "precision", "days", "measured_to"),
    [
        (SituationStatus.CLOSED, D(2010, 7, 10), DAY, (30, 30), D(2010, 7, 10)),
        (SituationStatus.DE_ESCALATED, D(2010, 9, 1), MONTH, (83, 112), D(2010, 9, 30)),
        (SituationStatus.CLOSED, D(2010, 1, 1), YEAR, (0, 204), D(2010, 12, 31)),
    ],
)
def test_a_closed_or_de_escalated_situation_is_measured_to_its_status_date(
    status, status_on, precision, days, measured_to
):
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10))
    situation.status, situation.status_on, situation.status_precision = (
        status,
        status_on,
        precision,
    )
    services.save_situation(situation)
    row = situation_row(situation, today=D(2026, 12, 2))
    assert row.is_open and row.is_stopped and row.stopped_on == measured_to
    assert (row.days_min, row.days_max) == days and row.measured_to == measured_to
    # The periodic run does not advance it.
    recompute_intervals(today=D(2026, 12, 3))
    assert SituationInterval.objects.get(situation=situation).measured_to == measured_to


def test_a_situation_seeded_from_a_report_is_measured_as_of_its_issue_date():
    report = DocumentFactory(symbol="S/2011/552", issued_on=D(2011, 8, 26))
    situation = SituationFactory(as_of=report)
    sign(situation, D(2011, 6, 1))
    row = situation_row(situation, today=D(2026, 12, 2))
    assert row.is_stopped and row.measured_to == D(2011, 8, 26)
    assert (row.days_min, row.days_max) == (86, 86) and row.is_exact
    # A later status date does not move the stop: the earlier one holds.
    situation.status, situation.status_on = SituationStatus.CLOSED, D(2020, 1, 1)
    services.save_situation(situation)
    assert situation_row(situation, today=D(2026, 12, 2)).measured_to == D(2011, 8, 26)


def test_a_running_clock_is_measured_to_today_and_a_status_without_a_date_stops_alerts_only():
    running = SituationFactory()
    sign(running, D(2010, 6, 10))
    row = situation_row(running)
    assert not row.is_stopped and row.stopped_on is None and row.measured_to == TODAY

    undated_stop = SituationFactory(status=SituationStatus.DE_ESCALATED)
    sign(undated_stop, D(2010, 6, 10))
    row = situation_row(undated_stop)
    assert row.is_stopped and row.stopped_on is None and row.measured_to == TODAY


def test_a_reopened_situation_runs_again():
    situation = SituationFactory(status=SituationStatus.CLOSED, status_on=D(2010, 7, 10))
    sign(situation, D(2010, 6, 10))
    assert situation_row(situation).measured_to == D(2010, 7, 10)
    situation.status = SituationStatus.ESCALATED  # the status date stays, but counts no more
    services.save_situation(situation)
    row = situation_row(situation)
    assert not row.is_stopped and row.measured_to == TODAY and row.days_max == 205


def test_no_alert_is_raised_on_a_stopped_clock():
    report = DocumentFactory(symbol="S/2011/552", issued_on=D(2011, 8, 26))
    running = SituationFactory()
    de_escalated = SituationFactory(
        status=SituationStatus.DE_ESCALATED, status_on=days_ago(50), status_precision=DAY
    )
    seeded = SituationFactory(as_of=report)
    for situation in (running, de_escalated, seeded):
        sign(situation, days_ago(60), severity=Severity.CRITICAL)
    now = timezone.now()
    recompute_intervals(today=timezone.localdate(now))
    evaluate_rules(now=now)
    alerted = set(Alert.objects.values_list("situation_id", flat=True))
    assert running.pk in alerted
    assert de_escalated.pk not in alerted and seeded.pk not in alerted
    # The unanswered signs are still stored (the situation page lists them).
    assert UnansweredWarning.objects.filter(situation=seeded).exists()

    # The clock stops on a running situation: its alert resolves.
    running.status, running.status_on = SituationStatus.CLOSED, days_ago(1)
    services.save_situation(running)
    recompute_intervals(today=timezone.localdate(now))
    evaluate_rules(now=now)
    assert not Alert.objects.filter(situation=running, status__in=ACTIVE_STATUSES).exists()
