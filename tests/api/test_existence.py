"""Hidden equals unknown, writes included (issue 14, finding 6): nothing a partner sends tells it
that a record it may not see exists."""

from __future__ import annotations

import uuid

import pytest

from cases.models import Situation
from tests.factories import SituationFactory

pytestmark = pytest.mark.django_db


def situation_body(slug: str, **extra) -> dict:
    return {
        "title": "Probe",
        "slug": slug,
        "region": "africa",
        "crisis_type": "political-crisis",
        "sharing": "green",
        **extra,
    }


def test_a_slug_clash_reads_the_same_for_a_hidden_and_a_visible_situation(api):
    SituationFactory(sharing="red", slug="hidden-one")
    SituationFactory(sharing="green", slug="visible-one")
    hidden = api.post("situations/", situation_body("hidden-one"))
    visible = api.post("situations/", situation_body("visible-one"))
    assert hidden.status_code == visible.status_code == 400
    assert hidden.json() == visible.json()
    assert "already exists" not in str(hidden.json())


@pytest.mark.parametrize(
    "case",
    ["stale-if-match", "invalid-body", "valid-body"],
)
def test_put_on_a_hidden_id_answers_as_on_an_unknown_one(api, case):
    hidden = SituationFactory(sharing="red", title="Secret")
    unknown = uuid.uuid4()
    headers, body = {}, situation_body(f"probe-{case}")
    if case == "stale-if-match":
        headers = {"HTTP_IF_MATCH": '"1"'}
    if case == "invalid-body":
        body = {**body, "region": "atlantis"}
    on_hidden = api.put(f"situations/{hidden.pk}/", body, **headers)
    if case == "valid-body":
        # The one answer that cannot match: an unknown id is created, a taken one cannot be.
        assert on_hidden.status_code == 404
        assert on_hidden.json() == {"error": {"code": "not_found", "message": "Not found."}}
    else:
        on_unknown = api.put(f"situations/{unknown}/", body, **headers)
        assert on_hidden.status_code == on_unknown.status_code
        assert on_hidden.status_code == (412 if case == "stale-if-match" else 400)
        assert on_hidden.json() == on_unknown.json()
    assert Situation.objects.get(pk=hidden.pk).title == "Secret"
    assert not Situation.objects.filter(pk=unknown).exists()


def test_batch_items_on_hidden_ids_answer_as_on_unknown_ones(api):
    hidden = SituationFactory(sharing="red")
    unknown = uuid.uuid4()
    invalid = {"region": "atlantis"}
    on_hidden = api.post(
        "situations/batch/",
        {"records": [{**situation_body("b-hidden"), **invalid, "id": str(hidden.pk)}]},
    )
    on_unknown = api.post(
        "situations/batch/",
        {"records": [{**situation_body("b-hidden"), **invalid, "id": str(unknown)}]},
    )
    assert on_hidden.status_code == on_unknown.status_code == 400
    strip = lambda r: [{k: v for k, v in i.items() if k != "id"} for i in r["error"]["records"]]  # noqa: E731
    assert strip(on_hidden.json()) == strip(on_unknown.json())


def _deleted_id(api) -> uuid.UUID:
    """An id the partner itself created and then deleted (its feed showed the tombstone)."""
    gone = uuid.uuid4()
    assert api.put(f"situations/{gone}/", situation_body(f"gone-{gone.hex[:8]}")).status_code == 201
    assert api.delete(f"situations/{gone}/").status_code == 204
    return gone


@pytest.mark.parametrize("case", ["stale-if-match", "invalid-body", "valid-body"])
def test_put_on_a_hidden_id_answers_as_on_a_deleted_one(api, case):
    """The one answer a hidden id could not share with an unknown one (a create) is shared with
    the ids a partner knows to be gone: a record whose label was tightened past the partner
    reaches its feed as a delete, and a PUT on its id must not tell it apart from a record that
    was really deleted. So a deleted id is not created again by a partner."""
    hidden = SituationFactory(sharing="red", title="Secret")
    gone = _deleted_id(api)
    headers, body = {}, situation_body(f"again-{case}")
    if case == "stale-if-match":
        headers = {"HTTP_IF_MATCH": '"1"'}
    if case == "invalid-body":
        body = {**body, "region": "atlantis"}
    on_hidden = api.put(f"situations/{hidden.pk}/", body, **headers)
    on_gone = api.put(f"situations/{gone}/", body, **headers)
    assert on_hidden.status_code == on_gone.status_code
    assert on_hidden.json() == on_gone.json()
    assert on_gone.status_code == {"stale-if-match": 412, "invalid-body": 400}.get(case, 404)
    assert not Situation.objects.filter(pk=gone).exists()
    assert Situation.objects.get(pk=hidden.pk).title == "Secret"


def test_batch_items_on_hidden_and_deleted_ids_answer_alike(api):
    hidden = SituationFactory(sharing="red")
    gone = _deleted_id(api)
    answers = [
        api.post(
            "situations/batch/",
            {"records": [{**situation_body(f"b-{n}"), "id": str(pk)}]},
        )
        for n, pk in enumerate([hidden.pk, gone])
    ]
    assert [a.status_code for a in answers] == [400, 400]
    strip = lambda r: [{k: v for k, v in i.items() if k != "id"} for i in r["error"]["records"]]  # noqa: E731
    on_hidden, on_gone = (strip(a.json()) for a in answers)
    assert on_hidden == on_gone == [{"index": 0, "code": "not_found"}]
    assert not Situation.objects.filter(pk=gone).exists()


@pytest.mark.parametrize("header", ["HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH"])
def test_a_batch_with_a_precondition_header_answers_alike_for_hidden_and_unknown_ids(api, header):
    """A batch's items carry no precondition of their own; a header on the batch request was
    checked against the hidden items only (412 there, 400 or 201 for an unknown id). It is now
    refused for the whole batch, whatever ids it holds."""
    hidden = SituationFactory(sharing="red")
    unknown = uuid.uuid4()
    invalid = {"region": "atlantis"}
    answers = [
        api.post(
            "situations/batch/",
            {"records": [{**situation_body(f"p-{n}"), **invalid, "id": str(pk)}]},
            **{header: '"1"' if header == "HTTP_IF_MATCH" else "*"},
        )
        for n, pk in enumerate([hidden.pk, unknown])
    ]
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].json() == answers[1].json()
    wanted = "If-Match" if header == "HTTP_IF_MATCH" else "If-None-Match"
    assert answers[0].json()["error"]["fields"] == {wanted: ["Not taken by a batch."]}
