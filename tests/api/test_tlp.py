"""The TLP matrix: for every level, a partner on and off the sharing list, every endpoint.

A partner sees CLEAR and GREEN; AMBER and AMBER+STRICT only where its organisation is on the
situation's sharing list; RED never. Children inherit the situation's level. A forbidden record
answers exactly like a missing one.
"""

from __future__ import annotations

import json
import uuid

import pytest

from api.changes import read_page
from cases import services
from cases.choices import SharingLevel
from cases.models import Situation
from cases.sharing import Clearance
from tests.factories import (
    ActorFactory,
    AssessmentFactory,
    BriefingFactory,
    EngagementFactory,
    EngagementPartnerFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db

CASES = [(level, listed) for level in SharingLevel.values for listed in (True, False)]


def expected_visible(level: str, listed: bool) -> bool:
    return level in {"clear", "green"} or (level in {"amber", "amber+strict"} and listed)


def case_id(case):
    return f"{case[0]}-{'listed' if case[1] else 'unlisted'}"


@pytest.fixture
def world(api):
    """One situation at the level, with an indicator, an engagement (partner role), an
    assessment and a briefing; plus a visible GREEN control situation."""

    def build(level: str, listed: bool):
        situation = SituationFactory(
            sharing=level,
            title=f"Needle {level}",
            shared_with=[api.partner.actor] if listed else [],
        )
        records = {
            "situations": situation,
            "indicators": WarningIndicatorFactory(situation=situation, description="Needle"),
            "engagements": EngagementFactory(situation=situation, title="Needle"),
        }
        EngagementPartnerFactory(engagement=records["engagements"], actor=api.partner.actor)
        records["assessments"] = AssessmentFactory(
            engagement=records["engagements"], evidence="Needle"
        )
        records["briefings"] = BriefingFactory(situation=situation, summary="Needle")
        return records

    return build


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_detail_list_filter_search_related(api, world, case):
    level, listed = case
    records = world(level, listed)
    visible = expected_visible(level, listed)
    missing = api.get(f"situations/{uuid.uuid4()}/")
    for resource, record in records.items():
        detail = api.get(f"{resource}/{record.pk}/")
        if visible:
            assert detail.status_code == 200, resource
        else:
            assert (detail.status_code, detail.json()) == (404, missing.json()), resource
        listing = [r["id"] for r in api.get(f"{resource}/").json()["results"]]
        assert (str(record.pk) in listing) is visible, resource
        filtered = [
            r["id"] for r in api.get(f"{resource}/", {"region": "africa"}).json()["results"]
        ]
        assert (str(record.pk) in filtered) is visible, resource
        searched = [
            r["id"] for r in api.get(f"{resource}/", {"search": "Needle"}).json()["results"]
        ]
        assert (str(record.pk) in searched) is visible, resource
        assert len(listing) == (1 if visible else 0), resource
    situation = records["situations"]
    for resource in ("indicators", "engagements", "assessments", "briefings"):
        related = api.get(f"{resource}/", {"situation": str(situation.pk)}).json()["results"]
        assert len(related) == (1 if visible else 0)
    by_partner = api.get("engagements/", {"partner": str(api.partner.actor.pk)}).json()
    assert len(by_partner["results"]) == (1 if visible else 0)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_change_feed(api, world, case):
    level, listed = case
    records = world(level, listed)
    visible = expected_visible(level, listed)
    entries = api.get("changes/", {"limit": 1000}).json()["changes"]
    seen = {e["id"] for e in entries}
    for record in records.values():
        assert (str(record.pk) in seen) is visible
    assert all(e["op"] == "upsert" for e in entries)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_writes_and_batch(api, world, case):
    level, listed = case
    records = world(level, listed)
    visible = expected_visible(level, listed)
    situation = records["situations"]
    missing = api.put(f"indicators/{uuid.uuid4()}/", {"colour": 1})
    hidden_put = api.put(f"indicators/{records['indicators'].pk}/", {"severity": 1})
    hidden_patch = api.patch(f"situations/{situation.pk}/", {"risk_level": 1})
    hidden_delete = api.delete(f"engagements/{records['engagements'].pk}/")
    new_indicator = {
        "situation": str(situation.pk),
        "category": "hate-speech",
        "severity": 2,
        "description": "x",
        "observed_on": "2010-01-01",
    }
    created = api.post("indicators/", new_indicator)
    batch = api.post("indicators/batch/", {"records": [new_indicator]})
    batch_hidden = api.post(
        "situations/batch/",
        {"records": [{"id": str(situation.pk), "title": "x"}]},
    )
    if visible:
        # Adding to a situation, like editing its content, is a contribution: only where the
        # source accepts them (on the list at AMBER by default; issue 14, TLP 2.0 on writes).
        contributes = level == "amber"
        assert created.status_code == (201 if contributes else 403)
        if contributes:
            assert batch.status_code == 200
        else:
            assert batch.status_code == 400  # all or nothing, the refused item named
            assert batch.json()["error"]["records"][0]["code"] == "permission_denied"
        expected = 200 if contributes else 403
        assert api.patch(f"situations/{situation.pk}/", {"risk_level": 1}).status_code == expected
        assert hidden_put.status_code in {400, 403}
    else:
        assert missing.status_code == 400  # unknown field on a missing id: validation first
        # A PUT on a hidden id answers as on a missing one: its incomplete body first (400).
        assert hidden_put.status_code == 400
        assert hidden_put.json() == api.put(f"indicators/{uuid.uuid4()}/", {"severity": 1}).json()
        for response in (hidden_patch, hidden_delete):
            assert response.status_code == 404
            assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
        assert created.status_code == 400
        ghost_id = str(uuid.uuid4())
        ghost = api.post("indicators/", {**new_indicator, "situation": ghost_id})
        assert created.json() == json.loads(
            json.dumps(ghost.json()).replace(ghost_id, str(situation.pk))
        )
        assert batch.status_code == 400
        assert batch_hidden.status_code == 400
        # As for an id nobody holds: the incomplete record is the error, not its existence.
        batch_unknown = api.post(
            "situations/batch/", {"records": [{"id": str(uuid.uuid4()), "title": "x"}]}
        )
        assert batch_hidden.json()["error"]["records"][0]["code"] == "validation_error"
        assert (
            batch_hidden.json()["error"]["records"][0]["fields"]
            == batch_unknown.json()["error"]["records"][0]["fields"]
        )
    assert Situation.objects.get(pk=situation.pk).title.startswith("Needle")


def test_internal_people_see_every_level(internal_api):
    for level in SharingLevel.values:
        SituationFactory(sharing=level)
    listing = internal_api.get("/api/v1/situations/").json()["results"]
    assert len(listing) == 5


def test_people_without_staff_rights_see_clear_and_green_only(db):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    for level in SharingLevel.values:
        SituationFactory(sharing=level)
    client = APIClient()
    client.force_authenticate(UserFactory())
    listing = client.get("/api/v1/situations/").json()["results"]
    assert sorted(r["sharing"] for r in listing) == ["clear", "green"]
    assert client.post("/api/v1/situations/", {}, format="json").status_code == 403


def test_partner_writes_what_it_created_or_what_is_shared_with_it(api, make_api):
    other = make_api()
    green = SituationFactory(sharing="green")
    assert api.patch(f"situations/{green.pk}/", {"risk_level": 1}).status_code == 403
    mine = api.post(
        "situations/",
        {
            "title": "Mine",
            "slug": "mine",
            "region": "africa",
            "crisis_type": "political-crisis",
            "sharing": "green",
        },
    ).json()
    assert api.patch(f"situations/{mine['id']}/", {"risk_level": 1}).status_code == 200
    assert other.patch(f"situations/{mine['id']}/", {"risk_level": 2}).status_code == 403
    shared = SituationFactory(sharing="amber", shared_with=[other.partner.actor])
    assert other.patch(f"situations/{shared.pk}/", {"risk_level": 4}).status_code == 200
    assert api.patch(f"situations/{shared.pk}/", {"risk_level": 4}).status_code == 404


def test_a_partner_cannot_share_itself_out_of_a_record(api):
    mine = api.post(
        "situations/",
        {
            "title": "Mine",
            "slug": "mine-red",
            "region": "africa",
            "crisis_type": "political-crisis",
            "sharing": "green",
        },
    ).json()
    response = api.patch(f"situations/{mine['id']}/", {"sharing": "red"})
    assert response.status_code == 400
    assert "sharing" in response.json()["error"]["fields"]
    assert Situation.objects.get(pk=mine["id"]).sharing == "green"


def test_tightening_appears_as_a_delete_and_loosening_as_an_upsert(api):
    situation = SituationFactory(sharing="green")
    indicator = WarningIndicatorFactory(situation=situation)
    hidden = SituationFactory(sharing="red")
    WarningIndicatorFactory(situation=hidden)
    first = api.get("changes/").json()
    assert {e["id"] for e in first["changes"]} >= {str(situation.pk), str(indicator.pk)}
    assert str(hidden.pk) not in {e["id"] for e in first["changes"]}

    situation.sharing = "amber"
    services.save_situation(situation)
    tightened = api.get("changes/", {"since": first["cursor"]}).json()
    assert {(e["id"], e["op"], e["data"]) for e in tightened["changes"]} == {
        (str(situation.pk), "delete", None),
        (str(indicator.pk), "delete", None),
    }
    hidden.title = "Edited while red"
    services.save_situation(hidden)
    situation.summary = "edited while hidden"
    services.save_situation(situation)
    quiet = api.get("changes/", {"since": tightened["cursor"]}).json()
    assert quiet["changes"] == []

    services.save_situation(situation, shared_with=[api.partner.actor])
    loosened = api.get("changes/", {"since": quiet["cursor"]}).json()
    assert {(e["id"], e["op"]) for e in loosened["changes"]} == {
        (str(situation.pk), "upsert"),
        (str(indicator.pk), "upsert"),
    }
    data = next(e["data"] for e in loosened["changes"] if e["id"] == str(situation.pk))
    assert data["summary"] == "edited while hidden"


def test_hidden_records_leave_no_tombstone(api):
    hidden = SituationFactory(sharing="red")
    indicator = WarningIndicatorFactory(situation=hidden)
    ids = {hidden.pk, indicator.pk}
    services.delete_record(indicator)
    services.delete_record(hidden)
    partner_view = api.get("changes/").json()["changes"]
    assert {e["id"] for e in partner_view} == {str(api.partner.actor.pk)}
    internal_view = read_page(Clearance.internal(), 0, 100).entries
    assert {e["id"] for e in internal_view if e["op"] == "delete"} == ids


def test_actors_are_not_under_tlp(api):
    actor = ActorFactory()
    assert api.get(f"actors/{actor.pk}/").status_code == 200
