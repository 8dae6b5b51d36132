"""The warning-to-action interval (S/2011/552, para. 47), as stored by the recompute."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from alerts.models import MeasureSettings, SituationInterval, UnansweredWarning
from alerts.services import intervals, recompute_intervals, save_measure_settings
from cases import services
from cases.choices import DatePrecision, Severity
from cases.dates import period_end
from cases.models import Situation, WarningIndicator
from tests.factories import EngagementFactory, SituationFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2011, 1, 1)
D = dt.date
MONTH, YEAR = DatePrecision.MONTH, DatePrecision.YEAR


def warning(situation, on, severity=Severity.HIGH, precision=DatePrecision.DAY):
    return WarningIndicatorFactory(
        situation=situation, observed_on=on, observed_precision=precision, severity=severity
    )


def action(situation, on, precision=DatePrecision.DAY, **kwargs):
    return EngagementFactory(
        situation=situation, started_on=on, started_precision=precision, **kwargs
    )


def measure(situation, today=TODAY) -> SituationInterval:
    recompute_intervals(today=today)
    return SituationInterval.objects.get(situation=situation)


def test_a_situation_without_warnings_has_a_row_with_no_interval():
    situation = SituationFactory()
    row = measure(situation)
    assert row.warning_from is None and row.first_warning is None
    assert row.days_min is None and row.days_max is None
    assert not row.is_open and not row.is_exact
    assert row.interval_display == "no warning"


def test_warnings_below_the_threshold_do_not_start_the_interval():
    situation = SituationFactory()
    warning(situation, D(2010, 6, 10), severity=Severity.MEDIUM)
    row = measure(situation)
    assert row.threshold_severity == Severity.HIGH
    assert row.first_warning is None and row.days_max is None


def test_a_warning_answered_by_an_engagement_gives_the_days_between():
    situation = SituationFactory()
    first = warning(situation, D(2010, 6, 10))
    step = action(situation, D(2010, 6, 20), title="Statement of concern")
    row = measure(situation)
    assert (row.days_min, row.days_max) == (10, 10)
    assert row.is_exact and not row.is_open and row.measured_to is None
    assert row.first_warning == first and row.first_action == step
    assert row.interval_display == "10 days"


def test_an_unanswered_warning_is_an_open_interval_measured_to_today():
    situation = SituationFactory()
    warning(situation, D(2010, 6, 10))
    row = measure(situation)
    assert row.is_open and row.measured_to == TODAY
    assert row.days_min == row.days_max == (TODAY - D(2010, 6, 10)).days == 205
    assert row.first_action is None
    assert row.interval_display == "open: 205 days so far"


def test_an_action_ended_before_the_warning_does_not_count():
    situation = SituationFactory()
    warning(situation, D(2010, 6, 10))
    action(situation, D(2010, 5, 1), ended_on=D(2010, 6, 9))
    row = measure(situation)
    assert row.is_open and row.first_action is None and row.days_max == 205

    later = action(situation, D(2010, 7, 1))
    row = measure(situation)
    assert not row.is_open and row.first_action == later and row.days_max == 21


def test_with_several_warnings_the_interval_starts_at_the_first_at_or_above_the_threshold():
    situation = SituationFactory()
    warning(situation, D(2010, 3, 1), severity=Severity.MEDIUM)  # below the threshold
    first = warning(situation, D(2010, 6, 10), severity=Severity.HIGH)
    warning(situation, D(2010, 7, 1), severity=Severity.CRITICAL)
    action(situation, D(2010, 6, 20))
    row = measure(situation)
    assert row.first_warning == first
    assert (row.warning_from, row.days_min, row.days_max) == (D(2010, 6, 10), 10, 10)


def test_a_month_precision_warning_gives_bounds_not_a_made_up_day():
    situation = SituationFactory()
    warning(situation, D(2010, 6, 1), precision=MONTH)  # "June 2010"
    action(situation, D(2010, 6, 20))
    row = measure(situation)
    # The warning came on one of 1–30 June and the action on 20 June, after it.
    assert (row.warning_from, row.warning_until) == (D(2010, 6, 1), D(2010, 6, 30))
    assert (row.days_min, row.days_max) == (0, 19)
    assert not row.is_exact
    assert row.interval_display == "0–19 days"


def test_a_month_precision_action_gives_bounds_too():
    situation = SituationFactory()
    warning(situation, D(2010, 6, 10))
    action(situation, D(2010, 7, 1), precision=MONTH)  # "July 2010"
    row = measure(situation)
    assert (row.action_from, row.action_until) == (D(2010, 7, 1), D(2010, 7, 31))
    assert (row.days_min, row.days_max) == (21, 51)


def test_an_action_in_the_month_of_the_warning_may_have_answered_it():
    situation = SituationFactory()
    warning(situation, D(2010, 6, 15))
    action(situation, D(2010, 6, 1), precision=MONTH)  # some day of June: maybe after the 15th
    row = measure(situation)
    assert not row.is_open and (row.days_min, row.days_max) == (0, 15)


def test_year_precision_on_both_sides():
    situation = SituationFactory()
    warning(situation, D(2010, 1, 1), precision=YEAR)  # "2010"
    action(situation, D(2011, 3, 15))
    row = measure(situation, today=D(2011, 6, 1))
    assert (row.days_min, row.days_max) == (74, 438)


def test_an_open_month_precision_warning_is_bounded_too():
    situation = SituationFactory()
    warning(situation, D(2010, 12, 1), precision=MONTH)
    row = measure(situation, today=D(2010, 12, 20))
    # It may have come as late as 31 December: the shortest wait so far is 0, the longest 19.
    assert row.is_open and (row.days_min, row.days_max) == (0, 19) and not row.is_exact


def test_the_threshold_is_a_setting_and_changing_it_moves_the_first_warning():
    situation = SituationFactory()
    medium = warning(situation, D(2010, 3, 1), severity=Severity.MEDIUM)
    warning(situation, D(2010, 6, 10), severity=Severity.HIGH)
    critical = warning(situation, D(2010, 7, 1), severity=Severity.CRITICAL)
    action(situation, D(2010, 6, 20), ended_on=D(2010, 6, 30))

    settings = MeasureSettings.load()
    settings.threshold_severity = Severity.CRITICAL
    save_measure_settings(settings)
    row = measure(situation)
    # The critical sign of 1 July came after the only engagement: unanswered.
    assert row.threshold_severity == Severity.CRITICAL
    assert row.first_warning == critical and row.is_open

    settings.threshold_severity = Severity.MEDIUM
    save_measure_settings(settings)
    row = measure(situation)
    assert row.first_warning == medium and (row.days_min, row.days_max) == (111, 111)


def test_every_warning_sign_gets_its_time_to_the_next_engagement():
    situation = SituationFactory()
    early = warning(situation, D(2010, 6, 10), severity=Severity.LOW)
    late = warning(situation, D(2010, 6, 25))
    unanswered = warning(situation, D(2010, 8, 1))
    action(situation, D(2010, 6, 20), ended_on=D(2010, 6, 24))
    action(situation, D(2010, 7, 5), ended_on=D(2010, 7, 31))
    recompute_intervals(today=TODAY)
    rows = {row.pk: row for row in intervals.warning_intervals_of(WarningIndicator.objects.all())}
    assert (rows[early.pk].days_min, rows[early.pk].days_max) == (10, 10)
    assert (rows[late.pk].days_min, rows[late.pk].action_from) == (10, D(2010, 7, 5))
    open_row = rows[unanswered.pk]
    assert open_row.is_open and open_row.days_max is None  # the wait grows daily
    # Only the unanswered sign is stored, with its wait read to the day asked.
    (stored,) = UnansweredWarning.objects.all()
    assert stored.indicator == unanswered and stored.situation_id == situation.pk
    assert stored.days_open(TODAY) == (153, 153)


def test_a_sign_answered_later_leaves_the_unanswered_ones_and_a_deleted_action_brings_it_back():
    situation = SituationFactory()
    sign = warning(situation, D(2010, 6, 10), severity=Severity.LOW)  # any severity counts
    recompute_intervals(today=TODAY)
    assert list(UnansweredWarning.objects.values_list("indicator_id", flat=True)) == [sign.pk]

    step = action(situation, D(2010, 6, 1), precision=MONTH)  # June: may be after the 10th
    recompute_intervals(today=TODAY)
    assert not UnansweredWarning.objects.exists()

    services.delete_record(step)
    recompute_intervals([situation.pk], today=TODAY)
    assert UnansweredWarning.objects.get().indicator == sign


def test_a_sign_moved_to_a_situation_that_answered_it_is_no_longer_unanswered():
    before, after = SituationFactory(), SituationFactory()
    sign = warning(before, D(2010, 6, 10))
    action(after, D(2010, 6, 20))
    recompute_intervals(today=TODAY)
    assert UnansweredWarning.objects.get().situation_id == before.pk

    sign.situation = after
    services.save_indicator(sign)
    recompute_intervals([after.pk], today=TODAY)  # the refresh after the save: the new situation
    assert not UnansweredWarning.objects.exists()


def test_a_second_run_rewrites_nothing_and_a_deleted_action_reopens_the_interval():
    situation = SituationFactory()
    warning(situation, D(2010, 6, 10))
    step = action(situation, D(2010, 6, 20), ended_on=D(2010, 6, 30))
    warning(situation, D(2010, 7, 1))  # after the only engagement ended: unanswered
    first = recompute_intervals(today=TODAY)
    assert (first.indicator_rows, first.situation_rows) == (1, 1)
    again = recompute_intervals(today=TODAY)
    assert (again.indicator_rows, again.situation_rows, again.deleted_rows) == (0, 0, 0)

    services.delete_record(step)
    recompute_intervals([situation.pk], today=TODAY)
    row = SituationInterval.objects.get(situation=situation)
    assert row.is_open and row.first_action is None and row.days_max == 205


def test_deleting_the_first_warning_moves_the_interval_to_the_next_one():
    situation = SituationFactory()
    first = warning(situation, D(2010, 6, 10))
    second = warning(situation, D(2010, 6, 15))
    action(situation, D(2010, 6, 20))
    measure(situation)
    services.delete_record(first)
    recompute_intervals([situation.pk], today=TODAY)
    row = SituationInterval.objects.get(situation=situation)
    assert row.first_warning == second and row.days_max == 5


def test_the_periodic_run_picks_up_changes_since_the_last_run_and_advances_open_intervals():
    answered, unanswered = SituationFactory(), SituationFactory()
    warning(answered, D(2010, 6, 10))
    warning(unanswered, D(2010, 6, 10))
    assert recompute_intervals(today=TODAY).mode == "full"  # nothing stored yet

    action(answered, D(2010, 6, 20))  # a save after the run
    result = recompute_intervals(today=TODAY + dt.timedelta(days=1))
    assert result.mode == "incremental"
    assert SituationInterval.objects.get(situation=answered).days_max == 10
    row = SituationInterval.objects.get(situation=unanswered)
    assert row.measured_to == TODAY + dt.timedelta(days=1) and row.days_max == 206


def test_a_periodic_run_with_nothing_changed_writes_nothing(django_assert_max_num_queries):
    indicator = warning(SituationFactory(), D(2010, 6, 10))
    recompute_intervals(today=TODAY)
    # Everything was last touched well before the run.
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Situation.objects.update(updated_at=an_hour_ago)
    WarningIndicator.objects.update(updated_at=an_hour_ago)
    WarningIndicator.history.update(history_date=an_hour_ago)
    Situation.history.update(history_date=an_hour_ago)
    assert indicator.situation.interval.changed_at is not None
    with django_assert_max_num_queries(8):
        result = recompute_intervals(today=TODAY)
    assert (result.mode, result.indicator_rows, result.situation_rows) == ("incremental", 0, 0)
    assert result.advanced_rows == 0


def test_a_full_run_removes_rows_whose_records_were_deleted_behind_djangos_back():
    situation = SituationFactory()
    gone = warning(situation, D(2010, 6, 10))
    recompute_intervals(today=TODAY)
    WarningIndicator.objects.filter(pk=gone.pk)._raw_delete("default")
    result = recompute_intervals(full=True, today=TODAY)
    assert result.deleted_rows == 1
    assert not UnansweredWarning.objects.filter(pk=gone.pk).exists()


def test_a_failure_half_way_leaves_nothing_half_written():
    situation = SituationFactory()
    warning(situation, D(2010, 6, 10))
    with (
        mock.patch.object(intervals, "_link_first_warning_and_action", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        recompute_intervals(today=TODAY)
    assert not UnansweredWarning.objects.exists()
    assert not SituationInterval.objects.exists()


def make_situations(count: int) -> None:
    for n in range(count):
        situation = SituationFactory()
        warning(situation, D(2010, 6, 1 + n % 20), severity=Severity.HIGH)
        warning(situation, D(2010, 5, 1), precision=MONTH, severity=Severity.LOW)
        if n % 2:
            action(situation, D(2010, 6, 25))


@pytest.mark.parametrize("mode", ["full", "incremental", "situations"])
def test_the_recompute_query_count_does_not_grow_with_the_number_of_situations(
    mode, django_assert_max_num_queries
):
    def run():
        if mode == "situations":
            ids = list(SituationInterval.objects.values_list("situation_id", flat=True))
            return recompute_intervals(ids, today=TODAY)
        return recompute_intervals(full=mode == "full", today=TODAY)

    counts = []
    for count in (5, 50):
        make_situations(count if not counts else count - 5)
        recompute_intervals(full=True, today=TODAY)
        with django_assert_max_num_queries(10) as captured:
            run()
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert SituationInterval.objects.count() == 50


def _expected_interval(situation, threshold: int, today: dt.date) -> dict:
    """The situation's stored row as the module docstring defines it, worked out in Python."""
    warnings = [w for w in situation.indicators.all() if w.severity >= threshold]
    row = {
        "situation_id": situation.pk,
        "threshold_severity": threshold,
        "warning_from": None,
        "warning_until": None,
        "action_from": None,
        "action_until": None,
        "days_min": None,
        "days_max": None,
        "is_open": False,
        "is_exact": False,
        "measured_to": None,
        "first_warning_id": None,
        "first_action_id": None,
    }
    if not warnings:
        return row
    w_from = min(w.observed_on for w in warnings)
    w_until = min(period_end(w.observed_on, w.observed_precision) for w in warnings)
    first = min(
        (w for w in warnings if w.observed_on == w_from),
        key=lambda w: (period_end(w.observed_on, w.observed_precision), w.created_at, w.pk),
    )
    row.update(warning_from=w_from, warning_until=w_until, first_warning_id=first.pk)
    # Each sign's answers: its linked engagements, else the dated ones not ended before it.
    answering = []
    for w in warnings:
        linked = list(w.answered_by.all())
        answering += linked or [
            e
            for e in situation.engagements.all()
            if e.started_on is not None
            and (e.ended_on is None or period_end(e.ended_on, e.ended_precision) >= w.observed_on)
        ]
    if not answering:
        row.update(
            days_min=max((today - w_until).days, 0),
            days_max=max((today - w_from).days, 0),
            is_open=True,
            is_exact=w_from == w_until,
            measured_to=today,
        )
        return row
    dated = [e for e in answering if e.started_on is not None]
    if not dated:  # answered only by undated linked engagements: days unknown
        return row
    a_from = min(e.started_on for e in dated)
    a_until = min(period_end(e.started_on, e.started_precision) for e in dated)
    first = min(
        (e for e in dated if e.started_on == a_from),
        key=lambda e: (period_end(e.started_on, e.started_precision), e.created_at, e.pk),
    )
    days_min, days_max = max((a_from - w_until).days, 0), max((a_until - w_from).days, 0)
    row.update(
        action_from=a_from,
        action_until=a_until,
        days_min=days_min,
        days_max=days_max,
        is_exact=days_min == days_max,
        first_action_id=first.pk,
    )
    return row


def test_each_situation_gets_the_interval_the_definition_gives(monkeypatch):
    """The stored rows against the definition worked out in Python, on every edge: same-day
    answers, month and year periods that overlap the warning, warnings below the threshold,
    undated and earlier engagements, situations without a warning, ties on the first day; the
    links set-based (a first run) and row by row agree. The stored unanswered signs must be
    exactly the signs the on-read measure finds open."""
    import random

    rng = random.Random(552)
    precisions = [DatePrecision.DAY, MONTH, YEAR]
    for n in range(40):
        situation = SituationFactory()
        days = [D(2009, 1, 1) + dt.timedelta(days=rng.randrange(0, 730)) for _ in range(6)]
        for on in days[:4] if n % 10 else []:
            warning(
                situation,
                on,
                precision=rng.choice(precisions),
                severity=rng.choice([Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]),
            )
        for on in days[2:]:  # two engagements start the day of a warning
            ended = on + dt.timedelta(days=rng.randrange(0, 200)) if rng.random() < 0.4 else None
            action(situation, on, precision=rng.choice(precisions), ended_on=ended)
        if rng.random() < 0.3:
            undated = action(situation, None)
            signs = list(situation.indicators.all())
            if signs and rng.random() < 0.5:  # an undated engagement answers through a link
                services.save_engagement(undated, responds_to=[rng.choice(signs)])
        if n % 7 == 3:  # a link wins over dates
            signs, steps = list(situation.indicators.all()), list(situation.engagements.all())
            if signs and steps:
                services.save_engagement(steps[-1], responds_to=signs[:1])
    # Most engagements never end, so under way they answer every later sign: one left open.
    left_open = SituationFactory()
    warning(left_open, D(2010, 6, 10))
    action(left_open, D(2010, 5, 1), ended_on=D(2010, 5, 31))
    # Ties on the first day: the warning and the action whose period ends first are linked,
    # then the one recorded first.
    tied = SituationFactory()
    warning(tied, D(2010, 1, 1), precision=YEAR)
    first_warning = warning(tied, D(2010, 1, 1), precision=MONTH)
    warning(tied, D(2010, 1, 1), precision=MONTH)
    action(tied, D(2010, 1, 1), precision=MONTH)
    first_action = action(tied, D(2010, 1, 1))
    action(tied, D(2010, 1, 1))

    def stored() -> dict:
        return {
            row["situation_id"]: row
            for row in SituationInterval.objects.values(
                "situation_id",
                "threshold_severity",
                "warning_from",
                "warning_until",
                "action_from",
                "action_until",
                "days_min",
                "days_max",
                "is_open",
                "is_exact",
                "measured_to",
                "first_warning_id",
                "first_action_id",
            )
        }

    monkeypatch.setattr(intervals, "LINK_ALL_FROM", 0)  # the first run's set-based links
    recompute_intervals(today=TODAY, full=True)
    computed = stored()
    assert computed[tied.pk]["first_warning_id"] == first_warning.pk
    assert computed[tied.pk]["first_action_id"] == first_action.pk
    situations = Situation.objects.prefetch_related("indicators__answered_by", "engagements")
    expected = {s.pk: _expected_interval(s, Severity.HIGH, TODAY) for s in situations}
    assert computed == expected
    # The links row by row, as a run on some situations finds them.
    SituationInterval.objects.update(first_warning=None, first_action=None)
    intervals._link_first_warning_and_action(None, Severity.HIGH, timezone.now())
    assert stored() == expected
    assert len(computed) == Situation.objects.count() == 42
    kinds = {(row["warning_from"] is None, row["is_open"]) for row in computed.values()}
    assert kinds == {(True, False), (False, True), (False, False)}  # none, open, answered
    linked = [row for row in computed.values() if row["first_action_id"]]
    assert len(linked) > 10 and all(row["first_warning_id"] for row in linked)
    assert any(not row["is_exact"] for row in linked)  # periods give bounds

    on_read = intervals.warning_intervals_of(WarningIndicator.objects.all())
    open_signs = {row.pk for row in on_read if row.is_open}
    assert set(UnansweredWarning.objects.values_list("indicator_id", flat=True)) == open_signs
    assert 0 < len(open_signs) < WarningIndicator.objects.count()
