"""Issue 13, item 4 over the API: briefings (a decision maker alerted: the notification milestone)
and a warning sign's report date (the detection milestone), read and written like the other
records, shared as their situation, in the change feed, and counted by the recompute."""

from __future__ import annotations

import pytest

from alerts.services import recompute_intervals
from cases import services
from cases.choices import BriefingKind
from cases.models import Briefing, WarningIndicator
from tests.factories import (
    ActorFactory,
    BriefingFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db


def test_a_briefing_is_created_read_and_counted_as_the_notification(
    internal_api, django_capture_on_commit_callbacks
):
    situation = SituationFactory(sharing="green")
    WarningIndicatorFactory(situation=situation, reported_on="2010-06-12")
    secretary_general = ActorFactory(name="Secretary-General", acronym="SG")
    with django_capture_on_commit_callbacks(execute=False):
        response = internal_api.post(
            "/api/v1/briefings/",
            {
                "situation": str(situation.pk),
                "kind": BriefingKind.NOTE_TO_SECRETARY_GENERAL,
                "briefed_on": "2010-06-01",
                "briefed_precision": "month",
                "recipient": str(secretary_general.pk),
                "summary": "Note on rising tension",
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "note-to-sg" and body["version"] == 1
    assert (body["briefed_on"], body["briefed_precision"]) == ("2010-06-01", "month")
    assert body["recipient"] == str(secretary_general.pk) and body["citations"] == []
    briefing = Briefing.objects.get(pk=body["id"])
    assert briefing.history.count() == 1
    recompute_intervals()
    figures = internal_api.get(f"/api/v1/intervals/{situation.pk}/").json()
    assert (figures["notified_from"], figures["notified_until"]) == ("2010-06-01", "2010-06-30")
    assert (figures["detected_from"], figures["detected_until"]) == ("2010-06-12", "2010-06-12")
    listed = internal_api.get("/api/v1/briefings/", {"situation": str(situation.pk)}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]


def test_bad_briefings_answer_400_with_field_messages(internal_api):
    situation = SituationFactory()
    response = internal_api.post(
        "/api/v1/briefings/",
        {"situation": str(situation.pk), "kind": "rumour", "briefed_on": "2999-01-01"},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "kind" in fields
    future = internal_api.post(
        "/api/v1/briefings/",
        {"situation": str(situation.pk), "kind": "lead-actor", "briefed_on": "2999-01-01"},
        format="json",
    )
    assert future.status_code == 400
    assert "briefed_on" in future.json()["error"]["fields"]
    assert not Briefing.objects.exists()


def test_a_briefing_is_in_the_change_feed_and_leaves_it_with_its_situations_sharing(api):
    situation = SituationFactory(sharing="green")
    briefing = BriefingFactory(situation=situation)
    changes = api.get("changes/", {"limit": 1000}).json()["changes"]
    entry = next(c for c in changes if c["id"] == str(briefing.pk))
    assert entry["type"] == "briefing" and entry["op"] == "upsert"
    assert entry["data"]["kind"] == briefing.kind
    # The situation turned RED: the briefing goes with it, as a delete for this partner.
    situation.sharing = "red"
    services.save_situation(situation)
    later = api.get("changes/", {"limit": 1000}).json()["changes"]
    last = [c for c in later if c["id"] == str(briefing.pk)][-1]
    assert last["op"] == "delete"
    assert api.get(f"briefings/{briefing.pk}/").status_code == 404


def test_a_warning_signs_report_date_round_trips_with_its_precision(internal_api):
    situation = SituationFactory()
    created = internal_api.post(
        "/api/v1/indicators/",
        {
            "situation": str(situation.pk),
            "category": "hate-speech",
            "severity": 3,
            "description": "Broadcasts",
            "observed_on": "2010-06-10",
            "reported_on": "2010-06-20",
            "reported_precision": "month",
        },
        format="json",
    ).json()
    # Normalised to the month's first day, as every partial date is.
    assert (created["reported_on"], created["reported_precision"]) == ("2010-06-01", "month")
    plain = WarningIndicatorFactory(situation=situation)
    row = internal_api.get(f"/api/v1/indicators/{plain.pk}/").json()
    assert (row["reported_on"], row["reported_precision"]) == (None, None)
    # Written back as read: no report date, no precision.
    response = internal_api.put(f"/api/v1/indicators/{plain.pk}/", row, format="json")
    assert response.status_code == 200
    assert WarningIndicator.objects.get(pk=plain.pk).reported_on is None
    early = internal_api.patch(
        f"/api/v1/indicators/{plain.pk}/", {"reported_on": "2010-06-01"}, format="json"
    )
    assert early.status_code == 400
    assert "reported_on" in early.json()["error"]["fields"]
