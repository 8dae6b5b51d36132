"""Issue 13: which warning signs an engagement answers, read and written over the API."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.models import UnansweredWarning
from alerts.services import recompute_intervals
from cases.choices import SharingLevel
from tests.factories import (
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
    figures = api.get(path).json()["warning_to_action"]
    assert figures["is_open"] and figures["is_stopped"]
    assert figures["stopped_on"] == figures["measured_to"] == "2010-07-31"
    assert (figures["days_min"], figures["days_max"]) == (21, 51)
