"""The overview's interval figures come from the summary the interval recompute stores.

After an edit, the recompute the edit queues (run here the moment the edit commits, as a worker
would a few seconds later) leaves the figures exactly equal to a computation from scratch: the
percentiles of the stored intervals joined to the situations as they are now, the way the overview
computed them before the summary existed. Who may see a situation is checked on the situation
itself: a partner never gets a figure over a situation it may not see, not even before a recompute.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from celery import current_app
from django.db import connection
from django.db.models import F

from alerts.models import IntervalFigure, IntervalSummary, MeasureSettings, SituationInterval
from alerts.services import recompute_intervals, save_measure_settings
from alerts.services.summary import sync_summary
from cases import services
from cases.choices import CrisisType, Instrument, Region, RiskLevel, Severity, SharingLevel
from cases.models import Engagement, Situation, WarningIndicator
from cases.sharing import Clearance
from dashboards import pages
from dashboards.filters import SituationFilters
from dashboards.selectors import overview
from dashboards.selectors.common import label, visible
from dashboards.stats import Percentile, summarise
from tests.concurrency import HeldTransaction
from tests.factories import ActorFactory, EngagementFactory, WarningIndicatorFactory
from tracker import jobs

D = dt.date
STAFF = Clearance.internal()
PUBLIC = Clearance.public()


def partner(world) -> Clearance:
    return Clearance.for_actors([world.partner.pk])


def figures(clearance=STAFF, filters=None) -> dict:
    overall, by = pages.overview_intervals(clearance, filters or SituationFilters(data={}))
    return {table.key: table.rows for table in (overall, *by.values())}


# --- The reference: the figures computed from scratch, as the overview did before -------------

ANSWERED = {"is_open": False, "days_min__isnull": False}


def _spec() -> dict:
    """Counts and percentiles of the bounds, as issue 13 defines them (no midpoint)."""
    from django.db.models import Case, FloatField, Q, Value, When

    known_days = MeasureSettings.load().known_within_days
    answered = Q(**ANSWERED)
    known = answered & Q(width__lte=known_days)

    def when(condition, value):
        return Case(When(condition, then=value), default=Value(None), output_field=FloatField())

    counts = {
        "answered": answered,
        "answered_unknown": Q(is_open=False, days_min__isnull=True),
        "open": Q(is_open=True),
        "known": known,
    }
    for days in overview.SHARE_DAYS:
        counts[f"met_{days}"] = answered & Q(days_max__lte=days)
        counts[f"missed_{days}"] = Q(days_min__gt=days)
        counts[f"cannot_tell_{days}"] = ~(counts[f"met_{days}"] | counts[f"missed_{days}"])
    return {
        "values": {
            "low": when(answered, F("days_min")),
            "high": when(answered, F("days_max")),
            "known_low": when(known, F("days_min")),
            "known_high": when(known, F("days_max")),
        },
        "counts": counts,
        "percentiles": {
            "median_low": Percentile("low", 0.5),
            "median_high": Percentile("high", 0.5),
            "p90_low": Percentile("low", 0.9),
            "p90_high": Percentile("high", 0.9),
            "known_median_low": Percentile("known_low", 0.5),
            "known_median_high": Percentile("known_high", 0.5),
        },
    }


def _texts(row: dict) -> dict:
    row["known_days"] = MeasureSettings.load().known_within_days
    return overview._with_texts(row)


def from_scratch(clearance=STAFF, filters=None) -> dict:
    from django.db.models.functions import ExtractYear

    filters = filters or SituationFilters(data={})
    rows = visible(
        SituationInterval.objects.filter(warning_from__isnull=False),
        clearance,
        filters,
        "situation",
    ).annotate(width=F("days_max") - F("days_min"))
    (overall,) = summarise(rows, **_spec())
    result = {"interval-overall": [_texts(overall)]}
    expressions = {
        "region": F("situation__region"),
        "crisis_type": F("situation__crisis_type"),
        "instrument": F("first_action__instrument"),
        "year": ExtractYear("warning_from"),
    }
    for grouping, expression in expressions.items():
        queryset = rows.filter(first_action__isnull=False) if grouping == "instrument" else rows
        table = summarise(queryset, group_by={"group": expression}, **_spec())
        enum = overview.GROUPINGS[grouping][1]
        for row in table:
            _texts(row)
            row["group_label"] = label(enum, row["group"]) if enum else str(row["group"])
        result[f"interval-by-{grouping.replace('_', '-')}"] = table
    return result


def viewers(world) -> list[tuple[Clearance, SituationFilters | None]]:
    return [
        (STAFF, None),
        (partner(world), None),
        (PUBLIC, None),
        (STAFF, SituationFilters(data={"region": Region.AFRICA})),
        (partner(world), SituationFilters(data={"risk": RiskLevel.HIGH})),
        (STAFF, SituationFilters(data={"year_from": 2011, "year_to": 2012})),
    ]


def assert_as_from_scratch(world) -> None:
    for clearance, filters in viewers(world):
        assert figures(clearance, filters) == from_scratch(clearance, filters), (clearance, filters)


@pytest.fixture
def queued_jobs(monkeypatch, django_capture_on_commit_callbacks):
    """``with queued_jobs():`` runs what the writes inside queue, when they commit, in process.

    The jobs the world's own writes queued are dropped first: the world ran a full recompute
    (and a transaction queues a job once, so they would hide the edit's).
    """
    monkeypatch.setattr(
        jobs,
        "enqueue",
        lambda job, *args, countdown=None: bool(current_app.tasks[job].apply(args=args)),
    )

    def run():
        connection.run_on_commit.clear()
        return django_capture_on_commit_callbacks(execute=True)

    return run


# --- Right after an edit and its recompute ----------------------------------------------------


def _region_saved(w):
    w.alpha.region = Region.EUROPE
    services.save_situation(w.alpha)


def _crisis_type_saved(w):
    w.charlie.crisis_type = CrisisType.POLITICAL_CRISIS
    services.save_situation(w.charlie)


def _risk_level_saved(w):
    w.bravo.risk_level = RiskLevel.LOW
    services.save_situation(w.bravo)


def _first_action_instrument(w):
    w.alpha_action.instrument = Instrument.MEDIATION
    services.save_engagement(w.alpha_action)


def _answered_by_a_new_engagement(w):
    EngagementFactory(
        situation=w.foxtrot, started_on=D(2012, 1, 20), instrument=Instrument.MEDIATION
    )


def _earlier_warning(w):
    WarningIndicatorFactory(situation=w.charlie, observed_on=D(2010, 6, 1), severity=Severity.HIGH)


def _only_warning_deleted(w):
    services.delete_record(WarningIndicator.objects.filter(situation=w.alpha).get())


def _engagement_moved(w):
    # From bravo (which loses its first action) to foxtrot (which gains one).
    w.bravo_action.situation = w.foxtrot
    w.bravo_action.started_on = D(2012, 2, 1)
    services.save_engagement(w.bravo_action)


def _situation_deleted(w):
    services.delete_record(w.bravo)


def _threshold_raised(w):
    settings = MeasureSettings.load()
    settings.threshold_severity = Severity.CRITICAL
    save_measure_settings(settings)


def _known_within_narrowed(w):
    # Echo's 15–45 days is 30 wide: known to within 31 days, not to within 10.
    settings = MeasureSettings.load()
    settings.known_within_days = 10
    save_measure_settings(settings)


EDITS = {
    "region saved": _region_saved,
    "crisis type saved": _crisis_type_saved,
    "risk level saved": _risk_level_saved,
    "instrument of a first action": _first_action_instrument,
    "new engagement answers a warning": _answered_by_a_new_engagement,
    "earlier warning": _earlier_warning,
    "a situation's only warning deleted": _only_warning_deleted,
    "engagement moved to another situation": _engagement_moved,
    "situation deleted": _situation_deleted,
    "threshold raised (every interval recomputed)": _threshold_raised,
    "known to within N days narrowed (every figure recomputed)": _known_within_narrowed,
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_after_an_edit_and_its_recompute_the_figures_are_those_from_scratch(
    world, queued_jobs, edit
):
    assert_as_from_scratch(world)
    before = {i: figures(c, f) for i, (c, f) in enumerate(viewers(world))}

    with queued_jobs():
        edit(world)

    assert_as_from_scratch(world)
    assert {i: figures(c, f) for i, (c, f) in enumerate(viewers(world))} != before


def test_until_its_recompute_has_run_an_edit_leaves_the_figures_as_they_were(world, queued_jobs):
    before = figures()
    _region_saved(world)  # committed, its recompute still queued

    assert figures() == before
    recompute_intervals([world.alpha.pk])  # what the queued job does
    assert figures() == from_scratch() != before


def test_the_periodic_run_advances_open_intervals_in_the_figures(world):
    # A warning three days old, unanswered: "within 7 days" cannot be told until a week passed.
    WarningIndicatorFactory(situation=world.golf, observed_on=D(2024, 1, 1), severity=Severity.HIGH)
    recompute_intervals(full=True, today=D(2024, 1, 4))
    before = figures()

    assert recompute_intervals(today=D(2024, 2, 20)).mode == "incremental"

    after = figures()
    assert after == from_scratch()
    was, now = before["interval-overall"][0], after["interval-overall"][0]
    assert (now["missed_7"], now["cannot_tell_7"]) == (
        was["missed_7"] + 1,
        was["cannot_tell_7"] - 1,
    )


def test_a_year_filter_sees_a_new_warning_sign_at_once(world):
    filters = SituationFilters(data={"year_from": 2013})
    before = figures(filters=filters)
    WarningIndicatorFactory(situation=world.alpha, observed_on=D(2013, 5, 1), severity=Severity.LOW)

    after = figures(filters=filters)

    assert after == from_scratch(filters=filters)
    assert after != before


def test_a_full_run_repairs_a_summary_changed_behind_its_back(world):
    Situation.objects.filter(pk=world.bravo.pk).update(region=Region.OCEANIA)  # no save, no job
    IntervalSummary.objects.filter(pk=world.charlie.pk).delete()
    IntervalSummary.objects.filter(pk=world.alpha.pk).update(days_min=F("days_min") + 5)

    recompute_intervals(full=True)

    assert_as_from_scratch(world)


# --- Clearance: checked on the situation, at once ----------------------------------------------


def test_another_partner_never_gets_this_partners_figures(world):
    seen_by_partner = figures(partner(world))
    another = Clearance.for_actors([ActorFactory().pk])

    seen_by_another = figures(another)

    assert seen_by_another == from_scratch(another)
    assert seen_by_another["interval-overall"][0]["rows"] == (
        seen_by_partner["interval-overall"][0]["rows"] - 1  # india, shared with the partner only
    )
    assert seen_by_another == figures(PUBLIC)  # nothing else is shared with it


def test_a_sharing_level_lowered_hides_the_situation_from_the_partner_before_any_recompute(world):
    before = figures(partner(world))
    world.india.sharing = SharingLevel.RED
    services.save_situation(world.india)  # its recompute not run

    after = figures(partner(world))

    assert after == from_scratch(partner(world))
    assert after["interval-overall"][0]["rows"] == before["interval-overall"][0]["rows"] - 1


def test_a_partner_taken_off_the_list_loses_the_situation_at_once(world):
    before = figures(partner(world))
    services.save_situation(
        world.india, shared_with=world.india.shared_with.exclude(pk=world.partner.pk)
    )

    after = figures(partner(world))

    assert after == from_scratch(partner(world))
    assert after["interval-overall"][0]["rows"] == before["interval-overall"][0]["rows"] - 1


def test_a_partner_put_on_the_list_gains_the_situation_at_once(world):
    Situation.objects.filter(pk=world.hotel.pk).update(sharing=SharingLevel.AMBER)
    before = figures(partner(world))
    world.hotel.refresh_from_db()
    services.save_situation(
        world.hotel, shared_with=[*world.hotel.shared_with.all(), world.partner]
    )

    after = figures(partner(world))

    assert after == from_scratch(partner(world))
    assert after["interval-overall"][0]["rows"] == before["interval-overall"][0]["rows"] + 1


# --- Runs repeated, runs at once --------------------------------------------------------------


def _summary() -> list[tuple]:
    return list(IntervalSummary.objects.order_by("pk").values_list())


def test_a_run_repeated_leaves_the_summary_as_it_was(world, django_assert_max_num_queries):
    stored = _summary()
    assert len(stored) == 8  # every situation with a first warning (not golf, not juliet)

    recompute_intervals(full=True)
    recompute_intervals([world.alpha.pk, world.bravo.pk])
    recompute_intervals([world.alpha.pk, world.bravo.pk])
    recompute_intervals()

    assert _summary() == stored
    assert_as_from_scratch(world)
    figures_stored = list(IntervalFigure.objects.order_by("pk").values_list())
    assert sync_summary(None) == (0, 0, 0)  # nothing written: nothing changed
    assert sync_summary([world.alpha.pk], open_intervals=True) == (0, 0, 0)
    assert list(IntervalFigure.objects.order_by("pk").values_list()) == figures_stored


def test_a_change_no_figure_shows_writes_the_summary_row_alone(world):
    world.bravo.risk_level = RiskLevel.LOW  # a filter's value, in no figure over every situation
    services.save_situation(world.bravo)

    assert sync_summary([world.bravo.pk]) == (1, 0, 0)
    assert_as_from_scratch(world)


def test_the_summary_takes_a_constant_number_of_queries(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        sync_summary(None)
    with django_assert_num_queries(1):
        sync_summary([world.alpha.pk, world.bravo.pk], open_intervals=True)
    with django_assert_num_queries(0):
        sync_summary([])  # an incremental run that found nothing


def _waiting_for_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_runs_at_once_write_the_summary_one_after_the_other(world):
    def first():
        Engagement.objects.filter(pk=world.alpha_action.pk).update(instrument=Instrument.MEDIATION)
        recompute_intervals([world.alpha.pk])

    held = HeldTransaction(first)
    held.start()  # its summary written, not committed: it holds the summary's lock
    errors: list[Exception] = []

    def second():
        try:
            recompute_intervals(full=True)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    other = threading.Thread(target=second)
    other.start()
    deadline = time.monotonic() + 10
    while not _waiting_for_an_advisory_lock():
        assert time.monotonic() < deadline, "the second run did not wait for the first"
        time.sleep(0.05)
    held.commit()
    other.join(20)

    assert not errors
    assert not other.is_alive()
    assert_as_from_scratch(world)
    instruments = dict(IntervalSummary.objects.values_list("situation__slug", "instrument"))
    assert instruments["alpha"] == Instrument.MEDIATION
