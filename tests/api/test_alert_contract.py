"""Alerts keep the API's contract: a UUID ``id``, a ``version`` that grows with every change,
``If-Match`` on acknowledge, and a place in the change feed — also when the alert rules and the
lifecycle services write them with set-based SQL that fires no signal."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.choices import AlertStatus
from alerts.models import Alert, AlertEvent
from alerts.services import evaluate_rules, recompute_intervals, resolve
from api.changes import read_page
from cases import services
from cases.choices import Severity, SharingLevel
from cases.models import Situation
from cases.sharing import Clearance
from feed.log import assign_positions, backfill
from feed.models import Change, FeedRecord
from tests.concurrency import HeldTransaction, commit_on_another_thread
from tests.factories import (
    ActorFactory,
    AlertFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db

CRITICAL_7 = "No action 7 days after a critical warning"

TLP = [
    ("clear", False, True),
    ("green", False, True),
    ("amber", True, True),
    ("amber", False, False),
    ("amber+strict", True, True),
    ("amber+strict", False, False),
    ("red", True, False),
    ("red", False, False),
]


def is_uuid(value) -> bool:
    return isinstance(value, str) and str(uuid.UUID(value)) == value


def warned_situation(api, level: str, listed: bool) -> Situation:
    """A situation with a critical warning left unanswered for ten days."""
    situation = SituationFactory(
        sharing=level, shared_with=[api.partner.actor] if listed else [ActorFactory()]
    )
    WarningIndicatorFactory(
        situation=situation,
        severity=Severity.CRITICAL,
        observed_on=timezone.localdate() - dt.timedelta(days=10),
    )
    return situation


def run_rules():
    recompute_intervals()
    return evaluate_rules()


def feed(api, since: str = "0") -> tuple[list[dict], str]:
    page = api.get("changes/", {"since": since, "limit": 5000}).json()
    assert not page["has_more"]
    return page["changes"], page["cursor"]


def alert_entries(entries: list[dict], alert: Alert) -> list[tuple[str, int]]:
    return [
        (e["op"], e["version"])
        for e in entries
        if e["type"] == "alert" and e["id"] == str(alert.uuid)
    ]


# --- ids, versions, If-Match -----------------------------------------------------------------


def test_alert_ids_are_uuids_with_a_version(api):
    alert = AlertFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    (row,) = api.get("alerts/").json()["results"]
    assert row["id"] == str(alert.uuid) and is_uuid(row["id"])
    assert row["version"] == 1 and row["updated_at"]
    detail = api.get(f"alerts/{alert.uuid}/")
    assert detail.status_code == 200 and detail.json() == row
    assert detail["ETag"] == '"1"'
    assert api.get(f"alerts/{alert.uuid}/", HTTP_IF_NONE_MATCH='"1"').status_code == 304
    # The integer key is no route, and alerts have distinct ids.
    assert api.get(f"alerts/{alert.pk}/").status_code == 404
    other = AlertFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    assert other.uuid != alert.uuid


def test_acknowledging_grows_the_version_by_one_and_answers_an_etag(api):
    alert = AlertFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    before = Alert.objects.get(pk=alert.pk).updated_at
    response = api.post(
        f"alerts/{alert.uuid}/acknowledge/", {"comment": "Envoy sent"}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    stored = Alert.objects.get(pk=alert.pk)
    assert (stored.version, stored.status) == (2, AlertStatus.ACKNOWLEDGED)
    assert stored.updated_at > before
    # Resolving (lifecycle service, an UPDATE) is a change too.
    assert resolve(Alert.objects.filter(pk=alert.pk), None, "Done") == 1
    assert api.get(f"alerts/{alert.uuid}/").json()["version"] == 3


def test_a_stale_if_match_on_acknowledge_is_a_412_and_changes_nothing(api):
    alert = AlertFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    alert.measure = 25
    alert.save()  # version 2
    changes = Change.objects.count()
    response = api.post(f"alerts/{alert.uuid}/acknowledge/", {"comment": "x"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    error = response.json()["error"]
    assert (error["code"], error["current_version"]) == ("precondition_failed", 2)
    stored = Alert.objects.get(pk=alert.pk)
    assert (stored.status, stored.version, stored.acknowledgement) == (AlertStatus.OPEN, 2, "")
    assert not AlertEvent.objects.filter(alert=alert).exists()
    assert Change.objects.count() == changes
    ok = api.post(f"alerts/{alert.uuid}/acknowledge/", {}, HTTP_IF_MATCH='W/"2"')
    assert ok.status_code == 200 and ok["ETag"] == '"3"'


# --- the change feed ---------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "listed", "visible"), TLP)
def test_alerts_raised_by_the_rules_reach_cleared_partners_only(api, level, listed, visible):
    situation = warned_situation(api, level, listed)
    run_rules()
    alert = Alert.objects.get(situation=situation, rule__name=CRITICAL_7)
    entries, cursor = feed(api)
    if not visible:
        assert alert_entries(entries, alert) == []
        assert all(e["id"] != str(alert.uuid) for e in entries)
        return
    assert alert_entries(entries, alert) == [("upsert", 1)]
    data = next(e["data"] for e in entries if e["id"] == str(alert.uuid))
    assert data == api.get(f"alerts/{alert.uuid}/").json()

    # Acknowledging (API → lifecycle UPDATE): one more upsert at version 2.
    api.post(f"alerts/{alert.uuid}/acknowledge/", {"comment": "On it"})
    entries, cursor = feed(api, cursor)
    assert alert_entries(entries, alert) == [("upsert", 2)]
    # The next day the rules see the sign's wait grow (ON CONFLICT DO UPDATE): version 3. (A new
    # sign raised the situation's measure before; it is now an alert of its own.)
    tomorrow = timezone.now() + dt.timedelta(days=1)
    evaluate_rules(now=tomorrow)
    entries, cursor = feed(api, cursor)
    assert alert_entries(entries, alert) == [("upsert", 3)]
    assert Alert.objects.get(pk=alert.pk).version == 3
    # Running again with nothing new writes nothing and tells nothing.
    evaluate_rules(now=tomorrow)
    entries, cursor = feed(api, cursor)
    assert alert_entries(entries, alert) == []


def test_tightening_the_situations_sharing_turns_its_alerts_into_deletes(api, make_api):
    situation = warned_situation(api, SharingLevel.AMBER, listed=True)
    run_rules()
    alert = Alert.objects.get(situation=situation, rule__name=CRITICAL_7)
    staying = make_api()
    services.save_situation(
        situation, shared_with=[*situation.shared_with.all(), staying.partner.actor]
    )
    entries, cursor = feed(api)
    assert alert_entries(entries, alert) == [("upsert", 1)]
    _, staying_cursor = feed(staying)

    services.save_situation(
        situation, shared_with=situation.shared_with.exclude(pk=api.partner.actor.pk)
    )
    entries, cursor = feed(api, cursor)
    assert alert_entries(entries, alert) == [("delete", 1)]
    assert api.get(f"alerts/{alert.uuid}/").status_code == 404
    # The partner still listed is told nothing new.
    entries, _ = feed(staying, staying_cursor)
    assert alert_entries(entries, alert) == []

    # Loosened again, the alert comes back into view; RED hides it from everyone.
    services.save_situation(
        situation, shared_with=[*situation.shared_with.all(), api.partner.actor]
    )
    entries, cursor = feed(api, cursor)
    assert alert_entries(entries, alert) == [("upsert", 1)]
    situation.sharing = SharingLevel.RED
    services.save_situation(situation)
    entries, cursor = feed(api, cursor)
    assert alert_entries(entries, alert) == [("delete", 1)]


def test_a_deleted_alert_is_a_tombstone(api):
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    engagement = EngagementFactory(situation=situation)
    alert = AlertFactory(situation=situation, engagement=engagement)
    entries, cursor = feed(api)
    assert alert_entries(entries, alert) == [("upsert", 1)]
    services.delete_record(engagement)  # an alert about an engagement goes with it
    entries, _ = feed(api, cursor)
    assert alert_entries(entries, alert) == [("delete", 2)]


def test_deleting_the_situation_leaves_tombstones_of_its_alerts(api):
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    alert = AlertFactory(situation=situation)
    entries, cursor = feed(api)
    assert alert_entries(entries, alert) == [("upsert", 1)]
    situation_id = str(situation.pk)
    services.delete_record(situation)
    entries, _ = feed(api, cursor)
    assert alert_entries(entries, alert) == [("delete", 2)]
    assert ("situation", situation_id, "delete") in {(e["type"], e["id"], e["op"]) for e in entries}


def test_the_rules_record_the_feed_in_a_fixed_number_of_statements(api):
    """Set-based: the number of statements of a run does not grow with the alerts it raises."""
    counts = []
    for n in (2, 8):
        for _ in range(n):
            warned_situation(api, SharingLevel.GREEN, listed=False)
        recompute_intervals()
        before = Alert.objects.count()
        with CaptureQueriesContext(connection) as queries:
            evaluate_rules()
        assert Alert.objects.count() == before + n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert FeedRecord.objects.filter(type="alert").count() == Alert.objects.count() == 10
    entries, _ = feed(api)
    assert {e["id"] for e in entries if e["type"] == "alert"} == {
        str(u) for u in Alert.objects.values_list("uuid", flat=True)
    }


def test_backfill_records_alerts_written_set_based(api):
    green = SituationFactory(sharing=SharingLevel.GREEN)
    red = SituationFactory(sharing=SharingLevel.RED)
    rule = AlertFactory(situation=green).rule
    now = timezone.now()
    Alert.objects.bulk_create(
        Alert(
            rule=rule,
            situation=situation,
            subject_key=f"bulk:{situation.pk.hex}",
            level=rule.level,
            opened_at=now,
            measured_at=now,
        )
        for situation in (green, red)
    )
    bulk = list(Alert.objects.filter(subject_key__startswith="bulk:"))
    assert len({a.uuid for a in bulk}) == 2
    assert not FeedRecord.objects.filter(object_id__in=[a.uuid for a in bulk]).exists()
    assert backfill()["alert"] == 2
    assert backfill()["alert"] == 0
    entries, _ = feed(api)
    told = {e["id"] for e in entries if e["type"] == "alert"}
    by_situation = {a.situation_id: str(a.uuid) for a in bulk}
    assert by_situation[green.pk] in told and by_situation[red.pk] not in told


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_alerts_raised_in_a_transaction_that_commits_late_are_not_missed():
    """The rules' set-based feed rows carry their transaction's id like every change: a run that
    commits after a younger writer and after a reader paged past it is still served, once."""
    public = Clearance.public()
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    WarningIndicatorFactory(
        situation=situation,
        severity=Severity.CRITICAL,
        observed_on=timezone.localdate() - dt.timedelta(days=10),
    )
    recompute_intervals()
    # The set-up's own changes wait for older transactions of the whole cluster (other
    # sessions too) before they are positioned: start after them.
    deadline = time.monotonic() + 60
    while Change.objects.filter(position__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
        assign_positions()
    start = read_page(public, 0, 5000).cursor
    ids = {}

    def slow_rules():
        evaluate_rules()
        ids["alert"] = Alert.objects.get(situation=situation, rule__name=CRITICAL_7).uuid

    slow = HeldTransaction(slow_rules)
    slow.start()
    commit_on_another_thread(
        lambda: ids.update(fast=SituationFactory(sharing=SharingLevel.GREEN, title="Fast").pk)
    )
    # The younger writer has committed, but the older run has not: neither is served yet (the
    # younger one's change waits behind the older transaction).
    early = read_page(public, start, 5000)
    assert not {ids["alert"], ids["fast"]} & {e["id"] for e in early.entries}

    slow.commit()
    # Positions wait for every older transaction of the cluster: poll, keeping what is served.
    deadline = time.monotonic() + 60
    told, cursor = [], early.cursor
    wanted = {("alert", ids["alert"], "upsert"), ("situation", ids["fast"], "upsert")}
    while not wanted <= set(told) and time.monotonic() < deadline:
        page = read_page(public, cursor, 5000)
        told += [(e["type"], e["id"], e["op"]) for e in page.entries]
        cursor = page.cursor
        time.sleep(0.2)
    assert told.count(("alert", ids["alert"], "upsert")) == 1, told
    assert told.count(("situation", ids["fast"], "upsert")) == 1, told
    again = read_page(public, cursor, 5000).entries
    assert not {ids["alert"], ids["fast"]} & {e["id"] for e in again}


def test_alerts_on_situations_the_feed_never_saw_are_recorded_in_a_fixed_number_of_statements(
    api,
):
    """Situations loaded in bulk (no services, no backfill yet) get their feed rows set-based when
    the rules raise alerts on them, and partners see them with the sharing they have."""
    counts, hidden = [], []
    for n in (2, 8):
        situations = [warned_situation(api, SharingLevel.GREEN, listed=False) for _ in range(n)]
        hidden.append(warned_situation(api, SharingLevel.RED, listed=True))
        ids = [s.pk for s in [*situations, hidden[-1]]]
        FeedRecord.objects.filter(type="situation", object_id__in=ids).delete()
        Change.objects.filter(type="situation", object_id__in=ids).delete()
        recompute_intervals()
        with CaptureQueriesContext(connection) as queries:
            evaluate_rules()
        counts.append(len(queries))
        assert FeedRecord.objects.filter(type="situation", object_id__in=ids).count() == n + 1
    assert counts[0] == counts[1], counts
    entries, _ = feed(api)
    told = {(e["type"], e["id"]) for e in entries}
    shown = {("alert", str(u)) for u in Alert.objects.values_list("uuid", flat=True)}
    red = {
        ("alert", str(u))
        for u in Alert.objects.filter(situation__in=hidden).values_list("uuid", flat=True)
    }
    assert len(shown) == 12 and len(red) == 2
    assert told & shown == shown - red
    assert not any(("situation", str(s.pk)) in told for s in hidden)


def test_an_alert_names_its_warning_sign_with_its_date_at_its_precision(api):
    situation = warned_situation(api, SharingLevel.GREEN, listed=False)
    indicator = situation.indicators.get()
    indicator.observed_on = dt.date(2010, 6, 1)
    indicator.observed_precision = "month"
    indicator.threshold_moment = True
    services.save_indicator(indicator)
    run_rules()
    alert = Alert.objects.get(situation=situation)
    data = api.get(f"alerts/{alert.uuid}/").json()
    assert data["indicator"] == {
        "id": str(indicator.pk),
        "category": indicator.category,
        "description": indicator.description,
        "severity": Severity.CRITICAL,
        "observed_on": "2010-06-01",
        "observed_precision": "month",
        "threshold_moment": True,
    }
    assert (data["level"], data["escalated_from"]) == (Severity.CRITICAL, None)
    listed = api.get("alerts/", {"indicator": str(indicator.pk)}).json()
    assert [row["indicator"]["id"] for row in listed["results"]] == [str(indicator.pk)]
