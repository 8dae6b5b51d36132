"""Per resource: create, read, replace, patch, delete, validation errors, idempotent PUT, If-Match."""

from __future__ import annotations

import uuid

import pytest

from cases.choices import SharingLevel
from cases.models import Engagement, Situation, WarningIndicator
from tests.factories import (
    ActorFactory,
    AssessmentFactory,
    EngagementFactory,
    ParagraphFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db


def situation_body(**overrides):
    body = {
        "title": "Guinea: contested run-off",
        "slug": f"guinea-{uuid.uuid4().hex[:8]}",
        "countries": ["GN"],
        "region": "africa",
        "subregion": "western-africa",
        "crisis_type": "election-related-violence",
        "status": "monitoring",
        "risk_level": 3,
        "sharing": "green",
        "summary": "Tension after the first round.",
    }
    return {**body, **overrides}


def bodies(partner_actor):
    """A valid body per resource, with the records it needs (the partner adds to a situation
    shared with it at AMBER, whose source accepts contributions by default)."""
    situation = SituationFactory(sharing=SharingLevel.AMBER, shared_with=[partner_actor])
    engagement = EngagementFactory(situation=situation)
    lead = ActorFactory()
    return {
        "situations": situation_body(),
        "indicators": {
            "situation": str(situation.pk),
            "category": "hate-speech",
            "severity": 3,
            "description": "Radio broadcasts inciting violence",
            "observed_on": "2010-06-14",
            "observed_precision": "month",
        },
        "actors": {
            "name": "Mano River Union",
            "acronym": "MRU",
            "kind": "subregional-organisation",
        },
        "engagements": {
            "situation": str(situation.pk),
            "title": "Envoy visit",
            "instrument": "special-envoy",
            "lead_actor": str(lead.pk),
            "partners": [{"actor": str(partner_actor.pk), "role": "joint"}],
            "started_on": "2010-07-01",
        },
        "assessments": {
            "engagement": str(engagement.pk),
            "element": "partnerships",
            "rating": 2,
            "evidence": "Joint UN–ECOWAS mission",
        },
    }


CHANGES = {
    "situations": {"summary": "Calmer after mediation."},
    "indicators": {"severity": 4},
    "actors": {"description": "Subregional body of Guinea, Liberia, Sierra Leone, Côte d'Ivoire"},
    "engagements": {"outcome": "averted"},
    "assessments": {"rating": 3},
}


@pytest.mark.parametrize("resource", list(CHANGES))
def test_crud_round_trip(api, resource):
    body = bodies(api.partner.actor)[resource]
    created = api.post(f"{resource}/", body)
    assert created.status_code == 201, created.json()
    record = created.json()
    assert record["version"] == 1
    assert created.headers["ETag"] == '"1"'
    uuid.UUID(record["id"])
    for name, value in body.items():
        if name not in {"observed_on"}:
            assert record[name] == value, name
    assert record["observed_on"] == "2010-06-01" if resource == "indicators" else True

    path = f"{resource}/{record['id']}/"
    assert api.get(path).json() == record
    listed = api.get(f"{resource}/").json()["results"]
    assert record["id"] in [r["id"] for r in listed]

    patched = api.patch(path, CHANGES[resource], HTTP_IF_MATCH='"1"')
    assert patched.status_code == 200, patched.json()
    assert patched.json()["version"] == 2
    for name, value in CHANGES[resource].items():
        assert patched.json()[name] == value

    replaced = api.put(path, {**body, **CHANGES[resource]})
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 2, "same content: no new version"

    deleted = api.delete(path, HTTP_IF_MATCH='"2"')
    assert deleted.status_code == 204
    assert api.get(path).status_code == 404


def test_put_with_client_id_creates_once_and_replays_unchanged(api):
    situation_id = uuid.uuid4()
    body = situation_body()
    first = api.put(f"situations/{situation_id}/", body)
    assert first.status_code == 201
    assert first.json()["id"] == str(situation_id)
    second = api.put(f"situations/{situation_id}/", body)
    assert second.status_code == 200
    assert second.json()["version"] == 1
    assert second.json()["updated_at"] == first.json()["updated_at"]
    assert Situation.objects.filter(pk=situation_id).count() == 1
    assert Situation.history.filter(id=situation_id).count() == 1


def test_put_replaces_the_whole_record(api):
    situation_id = uuid.uuid4()
    api.put(f"situations/{situation_id}/", situation_body(summary="To be dropped", slug="gn-1"))
    replaced = api.put(
        f"situations/{situation_id}/",
        {k: v for k, v in situation_body(slug="gn-1").items() if k != "summary"},
    )
    assert replaced.json()["summary"] == ""
    assert replaced.json()["version"] == 2


def test_stale_if_match_answers_412_with_the_current_version_and_changes_nothing(api):
    situation_id = uuid.uuid4()
    body = situation_body(slug="gn-412")
    api.put(f"situations/{situation_id}/", body)
    api.put(f"situations/{situation_id}/", {**body, "status": "escalated"})
    for call in (
        lambda: api.put(
            f"situations/{situation_id}/", {**body, "risk_level": 4}, HTTP_IF_MATCH='"1"'
        ),
        lambda: api.patch(f"situations/{situation_id}/", {"risk_level": 4}, HTTP_IF_MATCH='"1"'),
        lambda: api.delete(f"situations/{situation_id}/", HTTP_IF_MATCH='"1"'),
    ):
        response = call()
        assert response.status_code == 412
        assert response.json()["error"]["code"] == "precondition_failed"
        assert response.json()["error"]["current_version"] == 2
    situation = Situation.objects.get(pk=situation_id)
    assert (situation.version, situation.risk_level) == (2, 3)
    ok = api.patch(f"situations/{situation_id}/", {"risk_level": 4}, HTTP_IF_MATCH='"2"')
    assert ok.status_code == 200
    assert ok.headers["ETag"] == '"3"'


def test_changing_only_the_sharing_list_is_a_new_version(api):
    listed = ActorFactory()
    situation_id = uuid.uuid4()
    body = situation_body(slug="gn-list", sharing="amber", shared_with=[str(api.partner.actor.pk)])
    assert api.put(f"situations/{situation_id}/", body).json()["version"] == 1
    again = api.put(
        f"situations/{situation_id}/",
        {**body, "shared_with": [str(api.partner.actor.pk), str(listed.pk)]},
    )
    assert again.json()["version"] == 2
    assert sorted(again.json()["shared_with"]) == sorted(
        [str(api.partner.actor.pk), str(listed.pk)]
    )


def test_engagement_partner_roles_are_replaced(api):
    body = bodies(api.partner.actor)["engagements"]
    created = api.post("engagements/", body).json()
    other = ActorFactory()
    replaced = api.put(
        f"engagements/{created['id']}/",
        {**body, "partners": [{"actor": str(other.pk), "role": "supporting"}]},
    ).json()
    assert replaced["partners"] == [{"actor": str(other.pk), "role": "supporting"}]
    assert replaced["version"] == 2
    engagement = Engagement.objects.get(pk=created["id"])
    assert list(engagement.partner_roles.values_list("actor_id", "role")) == [
        (other.pk, "supporting")
    ]


def test_citations_name_paragraphs(api):
    paragraph = ParagraphFactory()
    created = api.post("situations/", situation_body(citations=[str(paragraph.uuid)]))
    assert created.json()["citations"] == [str(paragraph.uuid)]
    document = api.get(f"documents/{paragraph.document.uuid}/").json()
    assert [p["id"] for p in document["paragraphs"]] == [str(paragraph.uuid)]
    for bad in ([paragraph.pk], ["not-a-uuid"], [str(uuid.uuid4())]):
        response = api.post("situations/", situation_body(citations=bad))
        assert response.status_code == 400, bad
        assert "citations" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"sharing": "purple"}, "sharing"),
        ({"risk_level": 9}, "risk_level"),
        ({"countries": ["XX"]}, "countries"),
        ({"title": ""}, "title"),
        ({"title": 12 * "long title " * 3}, "title"),
    ],
)
def test_bad_input_is_a_400_with_field_messages(api, body, field):
    response = api.post("situations/", situation_body(**body))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert not Situation.objects.exists()


def test_model_rules_are_field_errors(api):
    situation = SituationFactory(sharing=SharingLevel.AMBER, shared_with=[api.partner.actor])
    future = api.post(
        "indicators/",
        {
            "situation": str(situation.pk),
            "category": "hate-speech",
            "severity": 2,
            "description": "x",
            "observed_on": "2999-01-01",
        },
    )
    assert future.status_code == 400
    assert "observed_on" in future.json()["error"]["fields"]
    backwards = api.post(
        "engagements/",
        {
            "situation": str(situation.pk),
            "title": "x",
            "instrument": "mediation",
            "lead_actor": str(ActorFactory().pk),
            "started_on": "2010-05-01",
            "ended_on": "2010-04-01",
        },
    )
    assert backwards.status_code == 400
    assert "ended_on" in backwards.json()["error"]["fields"]
    assert not WarningIndicator.objects.exists()


@pytest.mark.parametrize(
    "raw",
    ["not json", "[1, 2]", '"text"', "null"],
)
def test_malformed_bodies_are_400_not_500(api, raw):
    response = api.client.post("/api/v1/situations/", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"parse_error", "validation_error"}


def test_garbage_query_values_are_400(api):
    for params in (
        {"risk_level": "high"},
        {"updated_after": "yesterday"},
        {"limit": "0"},
        {"limit": "x"},
        {"cursor": "%%%"},
        {"ordering": "summary"},
        {"region": "atlantis"},
    ):
        response = api.get("situations/", params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] in {"validation_error", "invalid_cursor"}
    assert api.get("changes/", {"since": "abc"}).status_code == 400


def test_deleting_an_actor_still_referred_to_is_a_409(internal_api):
    engagement = EngagementFactory()
    response = internal_api.delete(f"/api/v1/actors/{engagement.lead_actor_id}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_read_only_resources(api):
    elements = api.get("success-elements/").json()
    assert [e["code"] for e in elements] == [
        "early-warning",
        "flexibility",
        "partnerships",
        "sustainability",
        "evaluation",
        "resources",
    ]
    assert api.get("success-elements/evaluation/").json()["name"] == "Evaluation"
    assert api.post("success-elements/", {"code": "x"}).status_code == 405
    assert api.delete("success-elements/evaluation/").status_code == 405
    paragraph = ParagraphFactory()
    documents = api.get("documents/").json()["results"]
    assert documents[0]["paragraph_count"] == 1
    assert api.put(f"documents/{paragraph.document.uuid}/", {}).status_code == 405


def test_list_filters_search_and_ordering(api):
    low = SituationFactory(risk_level=1, title="Kyrgyzstan", region="asia", countries=["KG"])
    high = SituationFactory(risk_level=4, title="Guinea", countries=["GN", "SL"])
    WarningIndicatorFactory(situation=high, severity=4)

    def ids(params):
        return [r["id"] for r in api.get("situations/", params).json()["results"]]

    assert ids({"region": "asia"}) == [str(low.pk)]
    assert ids({"country": "SL"}) == [str(high.pk)]
    assert ids({"risk_level_min": 3}) == [str(high.pk)]
    assert ids({"severity_min": 4}) == [str(high.pk)]
    assert ids({"search": "kyrgyz"}) == [str(low.pk)]
    assert ids({"ordering": "title"}) == [str(high.pk), str(low.pk)]
    assert ids({"ordering": "-risk_level"}) == [str(high.pk), str(low.pk)]
    assert ids({"updated_after": "2999-01-01T00:00:00Z"}) == []
    indicators = api.get("indicators/", {"severity": 4, "country": "GN"}).json()["results"]
    assert [i["situation"] for i in indicators] == [str(high.pk)]


def test_cursor_pagination_walks_every_record_once(api):
    made = {str(SituationFactory(risk_level=1 + n % 4).pk) for n in range(23)}
    for ordering in ("-updated_at", "risk_level", "title"):
        seen, url = [], f"/api/v1/situations/?limit=5&ordering={ordering}"
        while url:
            page = api.client.get(url).json()
            seen += [r["id"] for r in page["results"]]
            url = page["next"]
        assert len(seen) == len(set(seen)) == 23
        assert set(seen) == made


def test_assessment_elements_and_unique_rating(api):
    assessment = AssessmentFactory(engagement__situation__sharing=SharingLevel.GREEN)
    duplicate = api.post(
        "assessments/",
        {"engagement": str(assessment.engagement_id), "element": "early-warning", "rating": 1},
    )
    assert duplicate.status_code == 400
    assert api.get("assessments/").json()["results"][0]["element"] == "early-warning"
