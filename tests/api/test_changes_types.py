"""``GET /api/v1/changes/?types=situation,indicator``: a partner mirroring only some record types
reads only their changes, page after page, with the feed's cursor."""

from __future__ import annotations

import pytest

from cases import services
from tests.factories import (
    ActorFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db


def _read_all(api, params: dict, limit: int) -> tuple[list[dict], int]:
    entries, cursor, has_more, pages = [], "0", True, 0
    while has_more:
        page = api.get("changes/", {**params, "since": cursor, "limit": limit})
        assert page.status_code == 200, page.json()
        body = page.json()
        assert len(body["changes"]) <= limit
        entries += body["changes"]
        cursor, has_more = body["cursor"], body["has_more"]
        pages += 1
    return entries, pages


def test_a_filtered_read_across_pages_gets_exactly_the_types_asked_for(api):
    situations = [SituationFactory(sharing="green") for _ in range(4)]
    signs = [WarningIndicatorFactory(situation=s) for s in situations for _ in range(2)]
    for situation in situations:
        EngagementFactory(situation=situation)
    ActorFactory.create_batch(3)
    hidden = SituationFactory(sharing="red")
    WarningIndicatorFactory(situation=hidden)

    entries, pages = _read_all(api, {"types": "situation,indicator"}, limit=3)

    assert pages >= 4  # the cursor carried the filtered read over several pages
    assert {e["type"] for e in entries} == {"situation", "indicator"}
    seen = {(e["type"], e["id"]) for e in entries}
    expected = {("situation", str(s.pk)) for s in situations} | {
        ("indicator", str(i.pk)) for i in signs
    }
    assert seen == expected  # nothing missed, nothing hidden shown
    assert len(entries) == len(seen)  # nothing repeated

    everything, _ = _read_all(api, {}, limit=100)
    unfiltered = [
        (e["type"], e["id"], e["version"])
        for e in everything
        if e["type"] in {"situation", "indicator"}
    ]
    assert [(e["type"], e["id"], e["version"]) for e in entries] == unfiltered


def test_a_cursor_from_a_filtered_read_resumes_it_after_new_writes(api):
    situation = SituationFactory(sharing="green")
    first = api.get("changes/", {"types": "indicator"}).json()
    assert first["changes"] == []

    sign = WarningIndicatorFactory(situation=situation)
    EngagementFactory(situation=situation)
    SituationFactory(sharing="green")
    after = api.get("changes/", {"types": "indicator", "since": first["cursor"]}).json()

    assert [(e["type"], e["id"]) for e in after["changes"]] == [("indicator", str(sign.pk))]
    assert after["has_more"] is False


def test_deletes_of_the_types_asked_for_are_told(api):
    situation = SituationFactory(sharing="green")
    start = api.get("changes/", {"types": "situation"}).json()["cursor"]
    situation_id = str(situation.pk)

    services.delete_record(situation)
    page = api.get("changes/", {"types": "situation", "since": start}).json()
    assert [(e["id"], e["op"]) for e in page["changes"]] == [(situation_id, "delete")]


@pytest.mark.parametrize("types", ["situation,nonsense", "", "situations", "situation,,indicator"])
def test_an_unknown_type_answers_400_naming_the_allowed_ones(api, types):
    response = api.get("changes/", {"types": types})
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["types"][0]
    assert "situation, indicator, actor" in message
    assert "follow-up" in message
