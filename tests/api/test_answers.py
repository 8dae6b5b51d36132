"""Issue 13: which warning signs an engagement answers, read and written over the API."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.models import UnansweredWarning
from alerts.services import recompute_intervals
from cases.choices import SharingLevel
from tests.factories import (
    DocumentFactory,
    SituationFactory,
    UndatedEngagementFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db

READ_ONLY = {"id", "version", "created_at", "updated_at"}


class Client:
    """The session client of a logged-in desk officer (superuser), with JSON bodies."""

    def __init__(self, client):
        self.client = client

    def get(self, path):
        return self.client.get(f"/api/v1/{path}")

    def patch(self, path, data):
        return self.client.patch(f"/api/v1/{path}", data, format="json")

    def put(self, path, data):
        return self.client.put(f"/api/v1/{path}", data, format="json")


def test_a_desk_officer_links_an_undated_engagement_to_the_sign_it_answers(internal_api):
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    sign = WarningIndicatorFactory(situation=situation, observed_on=dt.date(2010, 6, 10))
    engagement = UndatedEngagementFactory(situation=situation)
    api = Client(internal_api)
    path = f"engagements/{engagement.pk}/"
    record = api.get(path).json()
    assert record["responds_to"] == []
    recompute_intervals()
    assert UnansweredWarning.objects.filter(indicator=sign).exists()

    linked = api.patch(path, {"responds_to": [str(sign.pk)]})
    assert linked.status_code == 200, linked.json()
    assert linked.json()["responds_to"] == [str(sign.pk)]
    assert linked.json()["version"] == record["version"] + 1
    recompute_intervals()
    assert not UnansweredWarning.objects.filter(indicator=sign).exists()

    # Written back as read: nothing changes; a PUT without the field unlinks it.
    again = api.put(path, {k: v for k, v in linked.json().items() if k not in READ_ONLY})
    assert again.status_code == 200 and again.json()["version"] == linked.json()["version"]
    body = {k: v for k, v in linked.json().items() if k not in READ_ONLY | {"responds_to"}}
    assert api.put(path, body).json()["responds_to"] == []


def test_a_sign_of_another_situation_is_refused(internal_api):
    engagement = UndatedEngagementFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    elsewhere = WarningIndicatorFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    response = Client(internal_api).patch(
        f"engagements/{engagement.pk}/", {"responds_to": [str(elsewhere.pk)]}
    )
    assert response.status_code == 400
    assert "responds_to" in response.json()["error"]["fields"]
    assert not engagement.responds_to.exists()


def test_the_date_a_situation_was_closed_is_written_and_its_stopped_clock_read(internal_api):
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    WarningIndicatorFactory(situation=situation, observed_on=dt.date(2010, 6, 10))
    api = Client(internal_api)
    path = f"situations/{situation.pk}/"
    closed = api.patch(
        path, {"status": "closed", "status_on": "2010-07-15", "status_precision": "month"}
    )
    assert closed.status_code == 200, closed.json()
    assert (closed.json()["status_on"], closed.json()["status_precision"]) == (
        "2010-07-01",
        "month",
    )
    recompute_intervals()
    figures = api.get(f"intervals/{situation.pk}/").json()
    assert figures["is_open"] and figures["is_stopped"]
    assert figures["stopped_on"] == figures["measured_to"] == "2010-07-31"
    assert (figures["days_min"], figures["days_max"]) == (21, 51)


def test_a_situation_shows_the_report_it_is_measured_as_of_read_only(internal_api):
    document = DocumentFactory(symbol="S/2011/552", issued_on=dt.date(2011, 8, 26))
    situation = SituationFactory(sharing=SharingLevel.GREEN, as_of=document)
    api = Client(internal_api)
    path = f"situations/{situation.pk}/"
    record = api.get(path).json()
    assert (record["as_of"], record["as_of_issued_on"]) == ("S/2011/552", "2011-08-26")
    # Sent back as read, or changed, it is ignored: the seed sets it, not a client.
    written = api.patch(path, {"as_of": "S/2099/1", "as_of_issued_on": "2026-01-01"})
    assert written.status_code == 200, written.json()
    assert written.json()["as_of"] == "S/2011/552"
    assert written.json()["version"] == record["version"]
    other = api.get(f"situations/{SituationFactory(sharing=SharingLevel.GREEN).pk}/").json()
    assert (other["as_of"], other["as_of_issued_on"]) == (None, None)


def test_a_sign_shows_the_engagements_that_answer_it(internal_api):
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    sign = WarningIndicatorFactory(situation=situation)
    engagements = [UndatedEngagementFactory(situation=situation) for _ in range(2)]
    api = Client(internal_api)
    assert api.get(f"indicators/{sign.pk}/").json()["answered_by"] == []
    for engagement in engagements:
        api.patch(f"engagements/{engagement.pk}/", {"responds_to": [str(sign.pk)]})
    record = api.get(f"indicators/{sign.pk}/").json()
    assert record["answered_by"] == sorted(str(e.pk) for e in engagements)
    listed = api.get(f"indicators/?situation={situation.pk}").json()["results"]
    assert listed[0]["answered_by"] == record["answered_by"]
    # Read-only: written there, on each engagement's responds_to.
    body = {k: v for k, v in record.items() if k not in READ_ONLY} | {"answered_by": []}
    assert api.put(f"indicators/{sign.pk}/", body).status_code == 200
    assert sign.answered_by.count() == 2


def test_the_schema_documents_as_of_and_answered_by_as_read_only(internal_api):
    schema = internal_api.get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    situation, indicator = (
        components["Situation"]["properties"],
        components["Indicator"]["properties"],
    )
    assert situation["as_of"]["readOnly"] and situation["as_of_issued_on"]["readOnly"]
    assert situation["as_of_issued_on"]["format"] == "date"
    assert indicator["answered_by"]["readOnly"]
    assert indicator["answered_by"]["items"]["format"] == "uuid"


def test_an_engagement_moved_to_another_situation_drops_its_links_to_the_signs_it_left(
    internal_api,
):
    first = SituationFactory(sharing=SharingLevel.GREEN)
    second = SituationFactory(sharing=SharingLevel.GREEN)
    sign = WarningIndicatorFactory(situation=first)
    engagement = UndatedEngagementFactory(situation=first)
    api = Client(internal_api)
    path = f"engagements/{engagement.pk}/"
    api.patch(path, {"responds_to": [str(sign.pk)]})

    # Named again with the move, the old situation's sign is refused and nothing is written.
    refused = api.patch(path, {"situation": str(second.pk), "responds_to": [str(sign.pk)]})
    assert refused.status_code == 400
    assert "responds_to" in refused.json()["error"]["fields"]
    engagement.refresh_from_db()
    assert engagement.situation_id == first.pk and list(engagement.responds_to.all()) == [sign]

    # Moved alone, its links to the signs it left go; its history keeps them.
    moved = api.patch(path, {"situation": str(second.pk)})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["responds_to"] == []
    assert not sign.answered_by.exists()
    linked_before = [
        list(h.responds_to.values_list("warningindicator_id", flat=True))
        for h in engagement.history.order_by("history_date")
    ]
    assert [sign.pk] in linked_before and linked_before[-1] == []
