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
