"""The overview's interval figures are kept between requests only while nothing they read changed.

Each test warms the kept figures, changes the data along one write path, and expects the figures
the viewer gets to be exactly those computed afresh (and, for a path that matters, different from
before). The writes commit, as in production: ``django_db(transaction=True)``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alerts.models import MeasureSettings, SituationInterval
from alerts.services import recompute_intervals
from cases.choices import CrisisType, Instrument, Region, Severity, SharingLevel
from cases.models import Situation
from cases.sharing import Clearance
from dashboards import freshness, pages
from dashboards.filters import SituationFilters
from tests.concurrency import HeldTransaction
from tests.factories import ActorFactory, AlertFactory, EngagementFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

D = dt.date
STAFF = Clearance.internal()


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of this test's own (the figures are kept on PostgreSQL only)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "f"}
    }
    settings.DASHBOARD_FIGURE_CACHE = True


def no_filters() -> SituationFilters:
    return SituationFilters(data={})


def figures(clearance=STAFF, filters=None) -> dict:
    overall, by = pages.overview_intervals(clearance, filters or no_filters())
    return {table.key: table.rows for table in (overall, *by.values())}


def fresh(settings, clearance=STAFF, filters=None) -> dict:
    settings.DASHBOARD_FIGURE_CACHE = False
    try:
        return figures(clearance, filters)
    finally:
        settings.DASHBOARD_FIGURE_CACHE = True


def interval_statements(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return result, sum('"alerts_situationinterval"' in q["sql"] for q in queries.captured_queries)


def partner(world) -> Clearance:
    return Clearance.for_actors([world.partner.pk])


# --- Kept while unchanged -------------------------------------------------------------------


def test_unchanged_figures_are_served_without_recomputing(world, settings):
    first, computed = interval_statements(figures)
    again, recomputed = interval_statements(figures)

    assert computed == 5
    assert recomputed == 0
    assert again == first == fresh(settings)


def test_an_alert_does_not_touch_the_figures_and_keeps_them(world, settings):
    before = figures()
    AlertFactory(situation=world.charlie)

    after, recomputed = interval_statements(figures)

    assert recomputed == 0
    assert after == before == fresh(settings)


# --- Every write path that changes them -----------------------------------------------------


def _region_saved(w):
    w.alpha.region = Region.EUROPE
    w.alpha.save()


def _region_updated_in_bulk(w):
    Situation.objects.filter(pk=w.bravo.pk).update(region=Region.OCEANIA)


def _crisis_type_saved(w):
    w.charlie.crisis_type = w.alpha.crisis_type
    w.charlie.save()


def _first_action_instrument(w):
    w.alpha_action.instrument = Instrument.MEDIATION
    w.alpha_action.save()


def _answered_by_a_new_engagement(w):
    EngagementFactory(
        situation=w.foxtrot, started_on=D(2012, 1, 20), instrument=Instrument.MEDIATION
    )
    recompute_intervals(full=True)


def _earlier_warning_recomputed(w):
    WarningIndicatorFactory(situation=w.charlie, observed_on=D(2010, 6, 1), severity=Severity.HIGH)
    recompute_intervals(full=True)


def _threshold_raised(w):
    settings = MeasureSettings.load()
    settings.threshold_severity = Severity.CRITICAL
    settings.save()
    recompute_intervals(full=True)


def _stored_intervals_rewritten_in_sql(w):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SituationInterval._meta.db_table} SET days_min = days_min + 2,"
            " days_max = days_max + 2 WHERE NOT is_open"
        )


def _situation_deleted(w):
    w.bravo.delete()


WRITES = {
    "region saved": _region_saved,
    "region updated in bulk": _region_updated_in_bulk,
    "crisis type saved": _crisis_type_saved,
    "instrument of a first action": _first_action_instrument,
    "new engagement, intervals recomputed": _answered_by_a_new_engagement,
    "new earlier warning, intervals recomputed": _earlier_warning_recomputed,
    "threshold raised, intervals recomputed": _threshold_raised,
    "stored intervals rewritten in SQL": _stored_intervals_rewritten_in_sql,
    "situation deleted": _situation_deleted,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_committed_write_is_seen_at_once(world, settings, write):
    before = figures()
    write(world)

    after = figures()

    assert after == fresh(settings)
    assert after != before


def test_the_day_moving_on_is_seen_once_the_job_advances_the_open_intervals(world, settings):
    # A warning three days old, unanswered: undecided for "within 7 days" until a week passed.
    WarningIndicatorFactory(situation=world.golf, observed_on=D(2024, 1, 1), severity=Severity.HIGH)
    recompute_intervals(full=True, today=D(2024, 1, 4))
    before = figures()

    recompute_intervals(today=D(2024, 2, 20))

    after = figures()
    assert after == fresh(settings)
    assert (
        after["interval-overall"][0]["decided_7"] == before["interval-overall"][0]["decided_7"] + 1
    )


def test_a_year_filter_sees_a_new_warning_sign_at_once(world, settings):
    filters = SituationFilters(data={"year_from": 2013})
    before = figures(filters=filters)
    WarningIndicatorFactory(situation=world.alpha, observed_on=D(2013, 5, 1), severity=Severity.LOW)

    after = figures(filters=filters)

    assert after == fresh(settings, filters=filters)
    assert after != before


# --- Clearance: a partner never gets more -----------------------------------------------------


def test_each_clearance_and_filter_gets_its_own_figures(world, settings):
    staff = figures()
    seen_by_partner = figures(partner(world))
    public = figures(Clearance.public())
    africa = figures(filters=SituationFilters(data={"region": Region.AFRICA}))

    assert seen_by_partner == fresh(settings, partner(world))
    assert public == fresh(settings, Clearance.public())
    assert staff["interval-overall"][0]["rows"] > seen_by_partner["interval-overall"][0]["rows"]
    assert seen_by_partner["interval-overall"][0]["rows"] > public["interval-overall"][0]["rows"]
    assert africa == fresh(settings, filters=SituationFilters(data={"region": Region.AFRICA}))


def test_another_partner_never_gets_the_figures_kept_for_this_one(world, settings):
    seen_by_partner = figures(partner(world))
    another = Clearance.for_actors([ActorFactory().pk])

    seen_by_another = figures(another)

    assert seen_by_another == fresh(settings, another)
    assert seen_by_another["interval-overall"][0]["rows"] == (
        seen_by_partner["interval-overall"][0]["rows"] - 1  # india, shared with the partner only
    )


def test_a_sharing_level_lowered_hides_the_situation_from_the_partner_at_once(world, settings):
    before = figures(partner(world))
    world.india.sharing = SharingLevel.RED
    world.india.save()

    after = figures(partner(world))

    assert after == fresh(settings, partner(world))
    assert after["interval-overall"][0]["rows"] == before["interval-overall"][0]["rows"] - 1


def test_a_partner_taken_off_the_list_loses_the_situation_at_once(world, settings):
    before = figures(partner(world))
    world.india.shared_with.remove(world.partner)

    after = figures(partner(world))

    assert after == fresh(settings, partner(world))
    assert after["interval-overall"][0]["rows"] == before["interval-overall"][0]["rows"] - 1


def test_a_partner_put_on_the_list_gains_the_situation_at_once(world, settings):
    Situation.objects.filter(pk=world.hotel.pk).update(sharing=SharingLevel.AMBER)
    before = figures(partner(world))
    world.hotel.shared_with.add(world.partner)

    after = figures(partner(world))

    assert after == fresh(settings, partner(world))
    assert after["interval-overall"][0]["rows"] == before["interval-overall"][0]["rows"] + 1


# --- Transactions ---------------------------------------------------------------------------


def test_a_transaction_running_while_the_figures_are_computed_is_seen_when_it_commits(
    world, settings
):
    writer = HeldTransaction(
        lambda: Situation.objects.filter(pk=world.alpha.pk).update(region=Region.EUROPE)
    )
    writer.start()
    while_open = figures()
    assert while_open == figures()  # the uncommitted change is neither seen nor a reason to wait

    writer.commit()

    after = figures()
    assert after == fresh(settings)
    assert after != while_open


def test_figures_computed_by_a_transaction_that_wrote_are_not_kept(world, settings):
    before = figures()

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        Situation.objects.filter(pk=world.alpha.pk).update(region=Region.EUROPE)
        inside = figures()
        assert inside != before  # its own change is seen inside
        raise RolledBack

    assert figures() == before == fresh(settings)


def test_figures_kept_for_another_database_of_the_same_name_are_not_served(world, settings):
    figures()
    key = freshness.cache_key("overview-intervals", STAFF, no_filters())
    entry = freshness.cache.get(key)
    entry["log"] = -1
    entry["value"] = ({}, {})
    freshness.cache.set(key, entry)

    assert figures() == fresh(settings)


# --- The change log ---------------------------------------------------------------------------


def test_the_change_log_is_pruned_as_transactions_write(world):
    def write() -> tuple[int, int]:
        with transaction.atomic(), connection.cursor() as cursor:
            Situation.objects.filter(pk=world.alpha.pk).update(risk_level=2)
            cursor.execute(
                "SELECT pg_current_xact_id()::text::bigint,"
                " pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
            )
            return cursor.fetchone()

    early = [write()[0] for _ in range(40)]
    # Writers go on until one whose transaction id is a multiple of 64 prunes.
    for _ in range(10_000):
        xid, horizon = write()
        if xid % 64 == 0:
            break

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xid::text::bigint FROM {freshness.LOG_TABLE}")
        kept = {row[0] for row in cursor.fetchall()}
    # Every transaction that had finished before the pruner's snapshot is gone (a transaction
    # still running elsewhere in the cluster holds the horizon back, never forward).
    assert xid in kept
    assert all(x >= horizon for x in kept)
    assert not {x for x in early if x < horizon} & kept


def test_figures_kept_before_a_pruning_are_not_served_after_it(world, settings):
    before = figures()
    with transaction.atomic():
        # A transaction that both changes the figures and prunes (as one in 64 writers does).
        Situation.objects.filter(pk=world.alpha.pk).update(region=Region.EUROPE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT dashboards_prune_changes()")

    after, recomputed = interval_statements(figures)

    assert recomputed == 5
    assert after == fresh(settings) != before


# --- What is watched ------------------------------------------------------------------------


def test_every_watched_table_notes_its_changes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = 'dashboards_note_change' AND t.tgenabled <> 'D'"
        )
        noted = {name for (name,) in cursor.fetchall()}
    assert {model._meta.db_table for model in freshness.WATCHED} <= noted


def test_the_kept_figures_read_only_watched_tables(world):
    watched = {model._meta.db_table for model in freshness.WATCHED}
    filters = SituationFilters(
        data={
            "region": Region.ASIA,
            "crisis_type": CrisisType.INTER_ETHNIC_VIOLENCE,
            "risk": 2,
            "year_from": 2009,
        }
    )
    read = set()
    for clearance in (STAFF, partner(world), Clearance.public()):
        for f in (no_filters(), filters, SituationFilters(data={"year_to": 2012, "risk": 1})):
            with CaptureQueriesContext(connection) as queries:
                pages.interval_overall_table(clearance, f)
                for grouping in pages.overview.GROUPINGS:
                    pages.overview.interval_by(clearance, f, grouping)
            for query in queries.captured_queries:
                read |= set(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', query["sql"]))
    assert read
    assert read <= watched, read - watched
