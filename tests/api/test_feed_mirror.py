"""Issue 14, finding 3: whatever the API shows of a record is part of its life. A figure the jobs
derive (the warning-to-action interval, the engagements answering a sign) changes with a new
version, a new ETag and a feed entry, so a mirror built from the feed equals the API, field for
field, after any sequence of writes and recomputes."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.services import evaluate_rules, recompute_intervals
from cases.choices import SharingLevel
from tests.factories import EngagementFactory, SituationFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db

RESOURCES = {
    "situation": "situations",
    "indicator": "indicators",
    "engagement": "engagements",
    "interval": "intervals",
    "alert": "alerts",
}


def follow(api, mirror: dict, cursor: str) -> str:
    """Apply every feed entry after ``cursor`` to ``mirror`` ({(type, id): data})."""
    has_more = True
    while has_more:
        page = api.get("changes/", {"since": cursor, "limit": 100}).json()
        for entry in page["changes"]:
            key = (entry["type"], entry["id"])
            if entry["op"] == "upsert":
                mirror[key] = entry["data"]
            else:
                mirror.pop(key, None)
        cursor, has_more = page["cursor"], page["has_more"]
    return cursor


def served(api) -> dict:
    """Every record the partner may read now, as the list endpoints give it."""
    records = {}
    for type_, resource in RESOURCES.items():
        url = f"/api/v1/{resource}/?limit=1000"
        while url:
            response = api.client.get(url)
            assert response.status_code == 200, (resource, response.content[:300])
            page = response.json()
            for row in page["results"]:
                records[(type_, row["id"])] = row
            url = page["next"]
    return records


def mirrored(mirror: dict) -> dict:
    return {key: data for key, data in mirror.items() if key[0] in RESOURCES}


def test_a_mirror_built_from_the_feed_equals_the_api_after_writes_and_recomputes(api, internal_api):
    situation = SituationFactory(sharing=SharingLevel.CLEAR)
    sign = WarningIndicatorFactory(
        situation=situation, severity=4, observed_on=dt.date(2011, 3, 1), observed_precision="day"
    )
    engagement = EngagementFactory(
        situation=situation, started_on=dt.date(2011, 5, 1), started_precision="day"
    )
    # Another situation's sign no engagement answers: an alert that shows the sign.
    waiting = WarningIndicatorFactory(
        situation=SituationFactory(sharing=SharingLevel.CLEAR),
        severity=4,
        observed_on=dt.date(2011, 3, 1),
        observed_precision="day",
    )

    def jobs(day: dt.date) -> None:
        recompute_intervals(today=day)
        evaluate_rules(now=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC))

    jobs(dt.date(2011, 6, 1))
    assert api.get("alerts/", {"indicator": str(waiting.pk)}).json()["results"]
    mirror: dict = {}
    cursor = follow(api, mirror, "0")
    assert mirrored(mirror) == served(api)
    interval = api.get(f"intervals/{situation.pk}/").json()
    assert interval["days_min"] == 61 and not interval["is_open"]

    steps = [
        # An earlier sign: the interval starts earlier (the situation itself is not written).
        lambda: internal_api.post(
            "/api/v1/indicators/",
            {
                "situation": str(situation.pk),
                "category": "hate-speech",
                "severity": 4,
                "description": "earlier sign",
                "observed_on": "2011-01-10",
            },
            format="json",
        ),
        # The engagement is linked to the first sign: the sign's answered_by changes.
        lambda: internal_api.patch(
            f"/api/v1/engagements/{engagement.pk}/",
            {"responds_to": [str(sign.pk)]},
            format="json",
        ),
        # The engagement goes: both signs are unanswered, the interval is open.
        lambda: internal_api.delete(f"/api/v1/engagements/{engagement.pk}/"),
        # The waiting sign is reworded: its alert shows the new words.
        lambda: internal_api.patch(
            f"/api/v1/indicators/{waiting.pk}/",
            {"description": "Reworded by the desk"},
            format="json",
        ),
        # The situation is closed: the clock stops.
        lambda: internal_api.patch(
            f"/api/v1/situations/{situation.pk}/",
            {"status": "closed", "status_on": "2011-08-01", "status_precision": "day"},
            format="json",
        ),
    ]
    today = dt.date(2011, 6, 1)
    for step in steps:
        response = step()
        assert response.status_code in (200, 201, 204), response.content[:300]
        today += dt.timedelta(days=1)
        jobs(today)
        cursor = follow(api, mirror, cursor)
        assert mirrored(mirror) == served(api)

    # The same day, nothing but the sign's words change: its alert is a new version all the same.
    alert = api.get("alerts/", {"indicator": str(waiting.pk)}).json()["results"][0]
    internal_api.patch(
        f"/api/v1/indicators/{waiting.pk}/", {"description": "Reworded again"}, format="json"
    )
    jobs(today)
    cursor = follow(api, mirror, cursor)
    assert mirrored(mirror) == served(api)
    assert mirror[("alert", alert["id"])]["indicator"]["description"] == "Reworded again"
    assert mirror[("alert", alert["id"])]["version"] == alert["version"] + 1


def test_a_derived_figure_that_changes_bumps_the_version_and_etag_and_says_so_in_the_feed(api):
    situation = SituationFactory(sharing=SharingLevel.CLEAR)
    WarningIndicatorFactory(
        situation=situation, severity=4, observed_on=dt.date(2011, 3, 1), observed_precision="day"
    )
    recompute_intervals(today=dt.date(2011, 4, 1))
    path = f"intervals/{situation.pk}/"
    first = api.get(path)
    assert first.status_code == 200
    etag = first["ETag"]
    cursor = api.get("changes/", {"since": "0", "limit": 1000}).json()["cursor"]

    # Nothing changed: same version, 304.
    recompute_intervals(today=dt.date(2011, 4, 1))
    assert api.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304

    # A day later the open interval is a day longer: a new version, a new ETag, a feed entry.
    recompute_intervals(today=dt.date(2011, 4, 2))
    later = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert later.status_code == 200
    assert later.json()["days_max"] == first.json()["days_max"] + 1
    assert later.json()["version"] == first.json()["version"] + 1
    assert later["ETag"] != etag
    entries = api.get("changes/", {"since": cursor}).json()["changes"]
    assert [(e["type"], e["id"], e["version"]) for e in entries] == [
        ("interval", str(situation.pk), later.json()["version"])
    ]


def test_a_partner_never_reads_the_interval_of_a_situation_it_may_not_see(api):
    hidden = SituationFactory(sharing=SharingLevel.RED)
    WarningIndicatorFactory(situation=hidden, severity=4, observed_on=dt.date(2011, 3, 1))
    recompute_intervals(today=dt.date(2011, 4, 1))
    assert api.get(f"intervals/{hidden.pk}/").status_code == 404
    assert api.get("intervals/").json()["results"] == []
    entries = api.get("changes/", {"since": "0", "limit": 1000}).json()["changes"]
    assert not [e for e in entries if e["id"] == str(hidden.pk)]
