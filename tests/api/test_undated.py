"""Engagements whose source gives no start date, through the API: written, read, filtered, paged."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.choices import DatePrecision, SharingLevel
from cases.models import Engagement
from tests.factories import (
    ActorFactory,
    EngagementFactory,
    SituationFactory,
    UndatedEngagementFactory,
)

pytestmark = pytest.mark.django_db

READ_ONLY = {"id", "version", "created_at", "updated_at"}


def test_an_undated_engagement_is_created_read_and_written_back_unchanged(api):
    # Shared with the partner at AMBER: its source accepts contributions by default.
    situation = SituationFactory(sharing=SharingLevel.AMBER, shared_with=[api.partner.actor])
    body = {
        "situation": str(situation.pk),
        "title": "Quiet good offices",
        "instrument": "good-offices",
        "lead_actor": str(ActorFactory().pk),
        "started_on": None,
        "outcome": "not-stated",
    }
    created = api.post("engagements/", body)
    assert created.status_code == 201, created.json()
    record = created.json()
    assert (record["started_on"], record["started_precision"]) == (None, None)
    assert record["outcome"] == "not-stated"
    stored = Engagement.objects.get(pk=record["id"])
    assert stored.started_on is None
    assert str(stored) == "Quiet good offices (date not given)"

    path = f"engagements/{record['id']}/"
    assert api.get(path).json() == record
    # What a partner read can be written back as it is: same content, same version.
    again = api.put(path, {k: v for k, v in record.items() if k not in READ_ONLY})
    assert again.status_code == 200, again.json()
    assert again.json()["version"] == 1

    # Given a date later, the precision means something again.
    dated = api.patch(path, {"started_on": "2010-06-14", "started_precision": "month"})
    assert dated.status_code == 200, dated.json()
    assert (dated.json()["started_on"], dated.json()["started_precision"]) == (
        "2010-06-01",
        "month",
    )


def test_leaving_out_the_start_date_is_allowed_but_ending_before_a_start_is_not(api):
    # Shared with the partner at AMBER: its source accepts contributions by default.
    situation = SituationFactory(sharing=SharingLevel.AMBER, shared_with=[api.partner.actor])
    body = {
        "situation": str(situation.pk),
        "title": "Envoy",
        "instrument": "special-envoy",
        "lead_actor": str(ActorFactory().pk),
        "ended_on": "2011-01-31",
    }
    created = api.post("engagements/", body)
    assert created.status_code == 201, created.json()
    assert created.json()["started_on"] is None
    bad = api.post(
        "engagements/", {**body, "started_on": "2012-01-01", "started_precision": "year"}
    )
    assert bad.status_code == 400
    assert "ended_on" in bad.json()["error"]["fields"]


@pytest.fixture
def mixed():
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    dated = [
        EngagementFactory(situation=situation, started_on=dt.date(2010, 1, 1) + dt.timedelta(k))
        for k in range(3)
    ]
    undated = [UndatedEngagementFactory(situation=situation) for _ in range(3)]
    return {str(e.pk) for e in dated}, {str(e.pk) for e in undated}


def walk(api, params: str) -> list[dict]:
    rows, url = [], f"/api/v1/engagements/?{params}"
    while url:
        page = api.client.get(url)
        assert page.status_code == 200, page.json()
        rows += page.json()["results"]
        url = page.json()["next"]
    return rows


@pytest.mark.parametrize("ordering", ["started_on", "-started_on"])
def test_ordering_by_start_puts_undated_last_and_pages_walk_every_record_once(api, mixed, ordering):
    dated, undated = mixed
    rows = walk(api, f"ordering={ordering}&limit=2")
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == 6
    assert set(ids[:3]) == dated and set(ids[3:]) == undated
    starts = [r["started_on"] for r in rows[:3]]
    assert starts == sorted(starts, reverse=ordering.startswith("-"))
    assert [r["started_precision"] for r in rows[3:]] == [None] * 3
    assert [r["started_precision"] for r in rows[:3]] == [DatePrecision.DAY] * 3


def test_filters_by_start_leave_undated_out_and_dated_false_lists_them(api, mixed):
    dated, undated = mixed

    def ids(params):
        return {r["id"] for r in api.get("engagements/", params).json()["results"]}

    assert ids({"started_after": "2000-01-01"}) == dated
    assert ids({"started_before": "2100-01-01"}) == dated
    assert ids({"dated": "false"}) == undated
    assert ids({"dated": "true"}) == dated
    assert ids({}) == dated | undated
