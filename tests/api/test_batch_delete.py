"""Deletes in a batch (``{"id": …, "delete": true}`` items of ``POST /api/v1/<resource>/batch/``):
the rules of ``DELETE`` on each record, all or nothing with the failing item named, the history
and the change feed told of each, at a cost that does not grow with the batch."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Engagement, Situation, WarningIndicator
from tests.factories import EngagementFactory, SituationFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db


def _situation_body(title: str, sharing: str = "green") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "title": title,
        "slug": f"s-{uuid.uuid4().hex[:12]}",
        "region": "africa",
        "crisis_type": "political-crisis",
        "sharing": sharing,
    }


def _own_situations(api, n: int) -> list[str]:
    records = [_situation_body(f"Own {i}") for i in range(n)]
    response = api.post("situations/batch/", {"records": records})
    assert response.status_code == 200, response.json()
    return [r["id"] for r in records]


def _deletes(ids) -> dict:
    return {"records": [{"id": i, "delete": True} for i in ids]}


def test_the_source_deletes_its_records_in_one_batch_with_history_and_feed(api, make_api):
    ids = _own_situations(api, 3)
    WarningIndicatorFactory(situation=Situation.objects.get(pk=ids[0]))
    reader = make_api()
    cursor = reader.get("changes/").json()["cursor"]

    response = api.post("situations/batch/", _deletes(ids[:2]))

    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [(r["index"], r["id"], r["status"]) for r in results] == [
        (0, ids[0], "deleted"),
        (1, ids[1], "deleted"),
    ]
    assert [r["version"] for r in results] == [2, 2]
    assert set(Situation.objects.values_list("pk", flat=True)) == {uuid.UUID(ids[2])}
    assert not WarningIndicator.objects.exists()  # taken with its situation, as DELETE does
    for pk in ids[:2]:
        last = Situation.history.filter(id=pk).order_by("-history_id").first()
        assert last.history_type == "-"
        assert last.history_change_reason == f"API: partner {api.partner.name}"
        assert Situation.history.filter(id=pk, history_type="-").count() == 1
        assert api.get(f"situations/{pk}/").status_code == 404
    told = reader.get("changes/", {"since": cursor}).json()["changes"]
    deletes = {(e["type"], e["id"]) for e in told if e["op"] == "delete"}
    assert {("situation", ids[0]), ("situation", ids[1])} <= deletes
    assert {e["type"] for e in told if e["op"] == "delete"} == {"situation", "indicator"}
    assert all(e["data"] is None for e in told if e["op"] == "delete")


def test_one_refused_delete_leaves_every_record_and_names_its_index(api, make_api):
    ids = _own_situations(api, 2)
    others = make_api()
    theirs = _own_situations(others, 1)[0]

    response = api.post("situations/batch/", _deletes([ids[0], theirs, ids[1]]))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "batch_rejected"
    assert [(r["index"], r["code"]) for r in error["records"]] == [(1, "permission_denied")]
    assert Situation.objects.filter(pk__in=[*ids, theirs]).count() == 3
    assert not Situation.history.filter(history_type="-").exists()


def test_a_hidden_or_unknown_id_answers_not_found_alike(api):
    hidden = SituationFactory(sharing="red")
    unknown = uuid.uuid4()
    response = api.post("situations/batch/", _deletes([hidden.pk, unknown]))
    assert response.status_code == 400
    records = response.json()["error"]["records"]
    assert [(r["index"], r["code"]) for r in records] == [(0, "not_found"), (1, "not_found")]
    assert Situation.objects.filter(pk=hidden.pk).exists()


def test_a_partner_on_the_list_may_not_delete_what_it_did_not_create(make_api):
    ecowas = make_api()
    situation = SituationFactory(sharing="amber", shared_with=[ecowas.partner.actor])
    sign = WarningIndicatorFactory(situation=situation)
    response = ecowas.post("indicators/batch/", _deletes([sign.pk]))
    assert response.status_code == 400
    assert response.json()["error"]["records"][0]["code"] == "permission_denied"
    assert WarningIndicator.objects.filter(pk=sign.pk).exists()


def test_a_desk_officer_deletes_any_record_in_a_batch(internal_api):
    engagements = EngagementFactory.create_batch(2)
    sign = WarningIndicatorFactory(situation=engagements[0].situation)
    engagements[0].responds_to.add(sign)
    version = WarningIndicator.objects.get(pk=sign.pk).version
    response = internal_api.post(
        "/api/v1/engagements/batch/", _deletes([e.pk for e in engagements]), format="json"
    )
    assert response.status_code == 200, response.json()
    assert not Engagement.objects.exists()
    # The sign no longer shows the engagement that answered it: a new version for partners.
    assert WarningIndicator.objects.get(pk=sign.pk).version == version + 1


@pytest.mark.parametrize(
    "item",
    [
        {"delete": True},
        {"id": "not-a-uuid", "delete": True},
        {"id": str(uuid.uuid4()), "delete": "yes"},
        {"id": str(uuid.uuid4()), "delete": True, "title": "kept?"},
    ],
)
def test_a_malformed_delete_item_is_refused_by_its_index(api, item):
    ids = _own_situations(api, 1)
    response = api.post("situations/batch/", {"records": [{"id": ids[0], "delete": True}, item]})
    assert response.status_code == 400
    records = response.json()["error"]["records"]
    assert [r["index"] for r in records] == [1]
    assert records[0]["code"] == "validation_error"
    assert Situation.objects.filter(pk=ids[0]).exists()


def test_writes_and_deletes_in_one_batch(api):
    ids = _own_situations(api, 1)
    new = _situation_body("New")
    response = api.post("situations/batch/", {"records": [new, {"id": ids[0], "delete": True}]})
    assert response.status_code == 200, response.json()
    assert [r["status"] for r in response.json()["results"]] == ["created", "deleted"]
    assert list(Situation.objects.values_list("pk", flat=True)) == [uuid.UUID(new["id"])]


@pytest.mark.parametrize("kind", ["situations", "indicators"])
def test_a_delete_batch_costs_the_same_queries_for_2_or_50_records(
    api, kind, django_assert_max_num_queries
):
    def batch(n: int) -> list[str]:
        if kind == "situations":
            ids = _own_situations(api, n)
            for pk in ids:  # each takes a sign with it
                WarningIndicatorFactory(situation=Situation.objects.get(pk=pk))
            return ids
        situation = _own_situations(api, 1)[0]
        records = [
            {
                "id": str(uuid.uuid4()),
                "situation": situation,
                "category": "hate-speech",
                "severity": 2,
                "description": f"sign {i}",
                "observed_on": "2010-01-01",
            }
            for i in range(n)
        ]
        assert api.post("indicators/batch/", {"records": records}).status_code == 200
        return [r["id"] for r in records]

    small, large = batch(2), batch(50)

    with CaptureQueriesContext(connection) as captured:
        assert api.post(f"{kind}/batch/", _deletes(small)).status_code == 200
    with django_assert_max_num_queries(len(captured.captured_queries)):
        response = api.post(f"{kind}/batch/", _deletes(large))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
