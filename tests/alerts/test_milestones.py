"""Issue 13, item 4: the four milestones (emergence, detection, notification, first response) and
the 7-1-7 targets between them — met, missed, or cannot tell at the dates' precision, never a
guess. On PostgreSQL, as the recompute stores the bounds and the overview derives the outcomes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerts.models import MeasureSettings, SituationInterval
from alerts.services import recompute_intervals, save_measure_settings
from alerts.services.milestones import Outcome, situation_outcomes
from cases import services
from cases.choices import DatePrecision, Severity, SituationStatus
from tests.factories import (
    BriefingFactory,
    DocumentFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2011, 1, 1)
D = dt.date
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
MET, MISSED, CANNOT_TELL = Outcome.MET, Outcome.MISSED, Outcome.CANNOT_TELL


def sign(situation, on, precision=DAY, reported=None, reported_precision=DAY, **kwargs):
    return WarningIndicatorFactory(
        situation=situation,
        observed_on=on,
        observed_precision=precision,
        reported_on=reported,
        reported_precision=reported_precision,
        **kwargs,
    )


def briefing(situation, on, precision=DAY):
    return BriefingFactory(situation=situation, briefed_on=on, briefed_precision=precision)


def step(situation, on, precision=DAY, **kwargs):
    return EngagementFactory(
        situation=situation, started_on=on, started_precision=precision, **kwargs
    )


def outcome(situation, target: str, today=TODAY) -> str | None:
    recompute_intervals(today=today)
    return situation_outcomes(situation.pk, today=today)[1][target]


# --- Detect: first warning sign → the desk (7 days) ------------------------------------------


@pytest.mark.parametrize(
    ("observed", "observed_precision", "reported", "reported_precision", "expected"),
    [
        # Day precision: 5 days met, 7 days met (the target itself), 8 days missed.
        (D(2010, 6, 10), DAY, D(2010, 6, 15), DAY, MET),
        (D(2010, 6, 10), DAY, D(2010, 6, 17), DAY, MET),
        (D(2010, 6, 10), DAY, D(2010, 6, 18), DAY, MISSED),
        # Month precision: June 2010 to 30 June lies within 0–29 days: cannot tell; seen on the
        # 28th and reported "June 2010": at most 2 days, met; reported in September: missed.
        (D(2010, 6, 1), MONTH, D(2010, 6, 30), DAY, CANNOT_TELL),
        (D(2010, 6, 28), DAY, D(2010, 6, 1), MONTH, MET),
        (D(2010, 6, 1), MONTH, D(2010, 9, 1), MONTH, MISSED),
        # Year precision: 2010 to 2010 cannot tell; 2008 to 2011 missed; seen on 30 December and
        # reported "2010": at most a day, met.
        (D(2010, 1, 1), YEAR, D(2010, 1, 1), YEAR, CANNOT_TELL),
        (D(2008, 1, 1), YEAR, D(2011, 1, 1), YEAR, MISSED),
        (D(2010, 12, 30), DAY, D(2010, 1, 1), YEAR, MET),
    ],
)
def test_detection_from_the_report_date_at_every_precision(
    observed, observed_precision, reported, reported_precision, expected
):
    situation = SituationFactory()
    sign(situation, observed, observed_precision, reported, reported_precision)
    assert outcome(situation, "detect", today=D(2012, 1, 1)) == expected


def test_detection_is_the_first_sign_to_reach_the_desk():
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10), reported=D(2010, 7, 1))
    # A later sign reached the desk within a day of the first warning.
    sign(situation, D(2010, 6, 12), reported=D(2010, 6, 12))
    row_outcome = outcome(situation, "detect")
    row = SituationInterval.objects.get(situation=situation)
    assert (row.detected_from, row.detected_until) == (D(2010, 6, 12), D(2010, 6, 12))
    assert row_outcome == MET


def test_without_a_report_date_a_desk_officers_sign_was_detected_the_day_it_was_logged():
    today = timezone.localdate()
    recent, late = SituationFactory(), SituationFactory()
    sign(recent, today - dt.timedelta(days=3))
    sign(late, today - dt.timedelta(days=30))
    assert outcome(recent, "detect", today=today) == MET
    assert outcome(late, "detect", today=today) == MISSED
    row = SituationInterval.objects.get(situation=late)
    assert row.detected_from == row.detected_until == today


def test_a_sign_seeded_from_a_report_without_a_report_date_cannot_tell_not_the_load_date():
    report = DocumentFactory(symbol="S/2011/552", issued_on=D(2011, 8, 26))
    seeded = SituationFactory(as_of=report)
    sign(seeded, D(2011, 6, 1))
    assert outcome(seeded, "detect", today=D(2026, 12, 2)) == CANNOT_TELL
    row = SituationInterval.objects.get(situation=seeded)
    # Not the day it was loaded: only that it reached the desk no earlier than it was observed.
    assert (row.detected_from, row.detected_until) == (D(2011, 6, 1), None)
    # Given its report date, it is measured like any other.
    indicator = seeded.indicators.get()
    indicator.reported_on = D(2011, 6, 3)
    services.save_indicator(indicator)
    assert outcome(seeded, "detect", today=D(2026, 12, 2)) == MET


def test_a_sign_cannot_be_reported_before_it_was_observed_nor_in_the_future():
    situation = SituationFactory()
    with pytest.raises(ValidationError) as error:
        sign(situation, D(2010, 6, 10), reported=D(2010, 6, 9))
    assert "reported_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        sign(situation, D(2010, 6, 10), reported=timezone.localdate() + dt.timedelta(days=2))
    # Reported "June 2010" for a sign of 10 June: the month may end after it.
    assert sign(situation, D(2010, 6, 10), reported=D(2010, 6, 1), reported_precision=MONTH)


# --- Notify: the desk → a decision maker (1 day) -----------------------------------------------


@pytest.mark.parametrize(
    ("briefed", "precision", "expected"),
    [
        (D(2010, 6, 15), DAY, MET),  # the same day
        (D(2010, 6, 16), DAY, MET),  # a day later
        (D(2010, 6, 18), DAY, MISSED),
        (D(2010, 6, 1), MONTH, CANNOT_TELL),  # June: 0–15 days after 15 June
        (D(2010, 7, 1), MONTH, MISSED),  # July: at least 16 days
        (D(2010, 1, 1), YEAR, CANNOT_TELL),
        (D(2011, 1, 1), YEAR, MISSED),
    ],
)
def test_notification_at_every_precision(briefed, precision, expected):
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10), reported=D(2010, 6, 15))
    briefing(situation, briefed, precision)
    assert outcome(situation, "notify", today=D(2012, 1, 1)) == expected


def test_a_briefing_in_the_month_the_sign_reached_the_desk_at_its_end_is_met():
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10), reported=D(2010, 6, 30))
    briefing(situation, D(2010, 6, 1), MONTH)
    assert outcome(situation, "notify") == MET


def test_no_briefing_yet_is_missed_once_the_target_has_passed_and_cannot_tell_before():
    late, fresh = SituationFactory(), SituationFactory()
    sign(late, D(2010, 6, 10), reported=D(2010, 6, 15))
    sign(fresh, D(2010, 12, 31), reported=D(2010, 12, 31))
    assert outcome(late, "notify") == MISSED
    assert outcome(fresh, "notify") == CANNOT_TELL  # one day since: the target not yet passed
    # A briefing before the first warning is no notification of it.
    briefing(late, D(2010, 1, 5))
    assert outcome(late, "notify") == MISSED
    assert SituationInterval.objects.get(situation=late).notified_from is None


def test_a_missing_milestone_is_measured_to_the_stopped_clock_not_to_today():
    early_stop = SituationFactory(status=SituationStatus.CLOSED, status_on=D(2010, 6, 15))
    later_stop = SituationFactory(status=SituationStatus.CLOSED, status_on=D(2010, 6, 20))
    month_stop = SituationFactory(
        status=SituationStatus.DE_ESCALATED, status_on=D(2010, 6, 1), status_precision=MONTH
    )
    for situation in (early_stop, later_stop, month_stop):
        sign(situation, D(2010, 6, 10), reported=D(2010, 6, 15))
    assert outcome(early_stop, "notify", today=D(2026, 1, 1)) == CANNOT_TELL
    assert outcome(later_stop, "notify", today=D(2026, 1, 1)) == MISSED
    # Stopped some day of June: it may have stopped before the target passed.
    assert outcome(month_stop, "notify", today=D(2026, 1, 1)) == CANNOT_TELL


def test_notification_after_an_unknown_detection_date_cannot_tell_unless_bounded():
    report = DocumentFactory(symbol="S/2011/552", issued_on=D(2011, 8, 26))
    seeded = SituationFactory(as_of=report)
    sign(seeded, D(2011, 6, 1))
    briefing(seeded, D(2011, 6, 5))
    # Detection lies on or after 1 June, on a day not known: notification 0–4 days later.
    assert outcome(seeded, "notify", today=D(2026, 1, 1)) == CANNOT_TELL
    # Briefed on the day of the sign: whenever it reached the desk, no later than that day.
    same_day = SituationFactory(as_of=report)
    sign(same_day, D(2011, 6, 1))
    briefing(same_day, D(2011, 6, 1))
    assert outcome(same_day, "notify", today=D(2026, 1, 1)) == MET


# --- Respond: the decision maker → the first response (7 days) ----------------------------------


@pytest.mark.parametrize(
    ("started", "precision", "expected"),
    [
        (D(2010, 6, 20), DAY, MET),
        (D(2010, 6, 23), DAY, MET),  # exactly 7 days
        (D(2010, 6, 30), DAY, MISSED),
        (D(2010, 6, 1), MONTH, CANNOT_TELL),  # June: under way or up to 14 days later
        (D(2010, 8, 1), MONTH, MISSED),
        (D(2010, 1, 1), YEAR, CANNOT_TELL),  # 2010: under way, or months later
        (D(2011, 1, 1), YEAR, MISSED),
    ],
)
def test_first_response_at_every_precision(started, precision, expected):
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10), reported=D(2010, 6, 12))
    briefing(situation, D(2010, 6, 16))
    step(situation, started, precision)
    assert outcome(situation, "respond", today=D(2012, 1, 1)) == expected


def test_a_response_already_in_hand_meets_the_target():
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10), reported=D(2010, 6, 12))
    briefing(situation, D(2010, 6, 16))
    step(situation, D(2010, 4, 1))  # under way when the sign appeared
    assert outcome(situation, "respond") == MET


def test_no_response_is_missed_past_the_target_and_without_a_briefing_cannot_tell():
    unanswered, unbriefed = SituationFactory(), SituationFactory()
    sign(unanswered, D(2010, 6, 10), reported=D(2010, 6, 12))
    briefing(unanswered, D(2010, 6, 16))
    assert outcome(unanswered, "respond") == MISSED
    # Answered, but no decision maker alerted: the interval from notification cannot be told;
    # the notification itself is missed.
    sign(unbriefed, D(2010, 6, 10), reported=D(2010, 6, 12))
    step(unbriefed, D(2010, 6, 13))
    assert outcome(unbriefed, "respond") == CANNOT_TELL
    assert outcome(unbriefed, "notify") == MISSED


def test_a_response_known_only_through_an_undated_engagement_cannot_tell():
    situation = SituationFactory()
    warning = sign(situation, D(2010, 6, 10), reported=D(2010, 6, 12))
    briefing(situation, D(2010, 6, 16))
    undated = EngagementFactory(situation=situation, started_on=None)
    services.save_engagement(undated, responds_to=[warning])
    assert outcome(situation, "respond") == CANNOT_TELL


def test_a_situation_without_a_warning_at_the_threshold_has_no_outcome():
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10), severity=Severity.LOW, reported=D(2010, 6, 12))
    assert outcome(situation, "detect") is None


# --- Targets: admin-editable, named after 7-1-7 ----------------------------------------------


def test_the_targets_default_to_7_1_7_and_a_change_counts_at_once():
    settings = MeasureSettings.load()
    assert settings.targets == {"detect": 7, "notify": 1, "respond": 7}
    help_text = MeasureSettings._meta.get_field("notify_target_days").help_text
    assert "7-1-7" in help_text
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10), reported=D(2010, 6, 12))
    briefing(situation, D(2010, 6, 16))
    step(situation, D(2010, 6, 30))
    assert outcome(situation, "respond") == MISSED
    settings.respond_target_days = 30
    save_measure_settings(settings)
    # Derived from the stored bounds when read: no recompute needed.
    assert situation_outcomes(situation.pk, today=TODAY)[1]["respond"] == MET


def test_a_briefing_saved_queues_its_situations_recompute_and_counts():
    situation = SituationFactory()
    sign(situation, D(2010, 6, 10), reported=D(2010, 6, 15))
    assert outcome(situation, "notify") == MISSED
    recorded = briefing(situation, D(2010, 6, 16))
    # The incremental run finds the situation changed by the briefing.
    recompute_intervals(today=TODAY)
    assert situation_outcomes(situation.pk, today=TODAY)[1]["notify"] == MET
    services.delete_record(recorded)
    recompute_intervals(today=TODAY)
    assert situation_outcomes(situation.pk, today=TODAY)[1]["notify"] == MISSED
