"""The change feed: in order, nothing missed, nothing repeated, TLP applied."""

from __future__ import annotations

import random
import time
import uuid

import pytest

from api.changes import read_page
from cases import services
from cases.choices import SharingLevel
from cases.models import Situation
from cases.sharing import Clearance
from feed.log import assign_positions
from feed.models import Change
from tests.concurrency import HeldTransaction, commit_on_another_thread
from tests.factories import (
    ActorFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

RESOURCES = {
    "situation": "situations",
    "indicator": "indicators",
    "engagement": "engagements",
    "actor": "actors",
    "assessment": "assessments",
}


def sync(api, store: dict, cursor: str, limit: int, pages: int | None = None):
    """Apply feed pages to ``store`` ({(type, id): version}); returns (cursor, has_more, log)."""
    log = []
    has_more = True
    while has_more and (pages is None or pages > 0):
        page = api.get("changes/", {"since": cursor, "limit": limit}).json()
        assert len(page["changes"]) <= limit
        for entry in page["changes"]:
            key = (entry["type"], entry["id"])
            log.append((key, entry["op"], entry["version"]))
            if entry["op"] == "upsert":
                assert entry["data"]["id"] == entry["id"]
                assert entry["data"]["version"] == entry["version"]
                store[key] = entry["version"]
            else:
                assert entry["data"] is None
                store.pop(key, None)
        cursor, has_more = page["cursor"], page["has_more"]
        pages = None if pages is None else pages - 1
    return cursor, has_more, log


def server_view(api) -> dict:
    """What the partner may see now, read through the list endpoints."""
    visible = {}
    for type_, resource in RESOURCES.items():
        url = f"/api/v1/{resource}/?limit=1000"
        while url:
            page = api.client.get(url).json()
            for row in page["results"]:
                visible[(type_, row["id"])] = row["version"]
            url = page["next"]
    return visible


@pytest.mark.django_db
def test_partner_syncing_in_pages_of_7_while_another_client_writes_ends_with_the_visible_set(
    api, internal_api
):
    rng = random.Random(552)
    actors = [api.partner.actor, *ActorFactory.create_batch(3)]
    situations = [
        SituationFactory(sharing=rng.choice(SharingLevel.values), shared_with=[actors[0]])
        for _ in range(6)
    ]
    for situation in situations:
        WarningIndicatorFactory.create_batch(2, situation=situation)
        EngagementFactory(situation=situation, lead_actor=rng.choice(actors))

    def write_something():
        situation = rng.choice(situations)
        action = rng.randrange(6)
        if action == 0:
            internal_api.patch(
                f"/api/v1/situations/{situation.pk}/",
                {"sharing": rng.choice(SharingLevel.values)},
                format="json",
            )
        elif action == 1:
            internal_api.post(
                "/api/v1/indicators/",
                {
                    "situation": str(situation.pk),
                    "category": "hate-speech",
                    "severity": rng.randint(1, 4),
                    "description": "new sign",
                    "observed_on": "2011-03-01",
                },
                format="json",
            )
        elif action == 2:
            indicator = situation.indicators.order_by("?").first()
            if indicator:
                internal_api.delete(f"/api/v1/indicators/{indicator.pk}/")
        elif action == 3:
            internal_api.patch(
                f"/api/v1/situations/{situation.pk}/",
                {"shared_with": [] if rng.random() < 0.5 else [str(actors[0].pk)]},
                format="json",
            )
        elif action == 4:
            internal_api.patch(
                f"/api/v1/situations/{situation.pk}/",
                {"summary": f"update {rng.random()}"},
                format="json",
            )
        else:
            engagement = situation.engagements.first()
            if engagement:
                internal_api.patch(
                    f"/api/v1/engagements/{engagement.pk}/",
                    {"objective": f"objective {rng.random()}"},
                    format="json",
                )

    store, cursor, full_log = {}, "0", []
    for _ in range(40):
        cursor, _, log = sync(api, store, cursor, limit=7, pages=1)
        full_log += log
        for _ in range(rng.randint(0, 3)):
            write_something()
    cursor, has_more, log = sync(api, store, cursor, limit=7)
    full_log += log
    assert not has_more
    assert store == server_view(api)
    # Never the same change twice: one record's consecutive entries always differ.
    last = {}
    for key, op, version in full_log:
        assert last.get(key) != (op, version), key
        last[key] = (op, version)
    # Resuming from the final cursor finds nothing new.
    assert api.get("changes/", {"since": cursor}).json()["changes"] == []


@pytest.mark.django_db
def test_feed_limits_and_cursor(api):
    for _ in range(5):
        SituationFactory(sharing="green")
    first = api.get("changes/", {"limit": 2}).json()
    assert len(first["changes"]) == 2 and first["has_more"]
    rest = api.get("changes/", {"since": first["cursor"], "limit": 100}).json()
    ids = [e["id"] for e in first["changes"] + rest["changes"]]
    assert len(ids) == len(set(ids)) == 5 + 1  # five situations and the partner's actor
    assert not rest["has_more"]
    assert api.get("changes/", {"limit": 5001}).status_code == 400
    assert api.get("changes/", {"since": "-1"}).status_code == 400


@pytest.mark.django_db
def test_deletes_stay_as_tombstones(api):
    situation = SituationFactory(sharing="green")
    situation_id = situation.pk
    services.delete_record(situation)
    entries = api.get("changes/").json()["changes"]
    tombstones = [e for e in entries if e["id"] == str(situation_id)]
    assert tombstones == [
        {"type": "situation", "id": str(situation_id), "op": "delete", "version": 2, "data": None}
    ]


@pytest.mark.django_db
def test_recreating_a_deleted_id_continues_its_version(internal_api):
    """A desk officer (who sees every record, so nothing is hidden from them) may bring a
    deleted id back; its versions go on from the tombstone's. Partners may not: an id that
    left their view stays out of it (``tests/api/test_existence.py``)."""
    situation_id = uuid.uuid4()
    body = {
        "title": "Phoenix",
        "slug": "phoenix",
        "region": "africa",
        "crisis_type": "political-crisis",
        "sharing": "green",
    }
    url = f"/api/v1/situations/{situation_id}/"
    internal_api.put(url, body, format="json")
    internal_api.delete(url)
    again = internal_api.put(url, body, format="json")
    assert again.status_code == 201
    assert again.json()["version"] == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_transactions_committing_out_of_order_are_neither_missed_nor_repeated():
    """A transaction holding a lower change id commits after a younger one and after a reader
    has paged past the younger one's id: the reader still gets both, once."""
    clearance = Clearance.internal()
    start = read_page(clearance, 0, 1000).cursor
    ids = {}
    slow = HeldTransaction(
        lambda: ids.update(slow=SituationFactory(sharing="green", title="Slow").pk)
    )
    slow.start()
    commit_on_another_thread(
        lambda: ids.update(fast=SituationFactory(sharing="green", title="Fast").pk)
    )
    slow_id = Change.objects.filter(object_id=ids["fast"]).values_list("id", flat=True).first()
    assert slow_id is not None  # the younger transaction's change is committed…

    # …with a higher id than the older, uncommitted one: a bigserial cursor would pass it.
    early = read_page(clearance, start, 1000)
    assert [e["id"] for e in early.entries] == []
    assert early.cursor == start

    slow.commit()
    # Positions wait for every older transaction of the cluster to end (other sessions too),
    # so the two changes may take a moment to be served — then both, in commit order.
    deadline = time.monotonic() + 60
    late = read_page(clearance, early.cursor, 1000)
    while not late.entries and time.monotonic() < deadline:
        time.sleep(0.2)
        late = read_page(clearance, early.cursor, 1000)
    assert [e["id"] for e in late.entries] == [ids["slow"], ids["fast"]]
    assert read_page(clearance, late.cursor, 1000).entries == []
    assert Situation.objects.filter(pk__in=ids.values()).count() == 2
    assign_positions()
    assert not Change.objects.filter(position__isnull=True).exists()


@pytest.mark.django_db
def test_backfill_records_bulk_loaded_records_once(api):
    from django.core.management import call_command

    from cases.models import Situation as SituationModel
    from cases.models import WarningIndicator
    from feed.log import backfill

    shared = SituationModel.objects.bulk_create(
        [
            SituationModel(
                title="Bulk amber",
                slug="bulk-amber",
                region="africa",
                crisis_type="political-crisis",
                sharing="amber",
            ),
            SituationModel(
                title="Bulk red",
                slug="bulk-red",
                region="africa",
                crisis_type="political-crisis",
                sharing="red",
            ),
        ]
    )
    services.save_situation(shared[0], shared_with=[api.partner.actor])  # records this one
    WarningIndicator.objects.bulk_create(
        [
            WarningIndicator(
                situation=s,
                category="hate-speech",
                severity=2,
                description="bulk",
                observed_on="2010-01-01",
            )
            for s in shared
        ]
    )
    counts = backfill()
    assert counts["situation"] == 1 and counts["indicator"] == 2
    assert backfill() == {k: 0 for k in counts}
    call_command("backfill_change_feed")
    seen = {e["id"] for e in api.get("changes/").json()["changes"]}
    amber_indicator = WarningIndicator.objects.get(situation=shared[0])
    red_indicator = WarningIndicator.objects.get(situation=shared[1])
    assert {str(shared[0].pk), str(amber_indicator.pk)} <= seen
    assert not {str(shared[1].pk), str(red_indicator.pk)} & seen
