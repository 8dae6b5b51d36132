"""``POST /api/v1/<resource>/batch/`` set-based (issue 14, finding 5): a batch of any size costs
the same number of queries, and writes what the same records written one by one would — versions,
history with its author and reason, the change feed with each record's audience and source, links
and partner roles — all or nothing, each refused item named by its index."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import SituationInterval
from alerts.tasks import refresh_situations
from cases.models import Actor, Assessment, Engagement, Situation, WarningIndicator
from feed.models import Change, FeedRecord
from tests.factories import (
    ActorFactory,
    EngagementFactory,
    ParagraphFactory,
    SituationFactory,
    success_element,
)
from tracker import jobs

pytestmark = pytest.mark.django_db


def _records(kind: str, n: int, world: dict) -> list[dict]:
    if kind == "situations":
        return [
            {
                "id": str(uuid.uuid4()),
                "title": f"S {i}",
                "slug": f"s-{uuid.uuid4().hex[:12]}",
                "region": "africa",
                "crisis_type": "political-crisis",
                "sharing": "amber",
                "shared_with": [str(world["partner_actor"].pk), str(world["other"].pk)],
                "citations": [str(world["paragraph"].uuid)],
            }
            for i in range(n)
        ]
    if kind == "indicators":
        return [
            {
                "situation": str(world["situation"].pk),
                "category": "hate-speech",
                "severity": 2,
                "description": f"sign {i}",
                "observed_on": "2010-01-01",
                "citations": [str(world["paragraph"].uuid)],
            }
            for i in range(n)
        ]
    if kind == "engagements":
        return [
            {
                "id": str(uuid.uuid4()),
                "situation": str(world["situation"].pk),
                "title": f"E {i}",
                "instrument": "good-offices",
                "lead_actor": str(world["other"].pk),
                "partners": [{"actor": str(world["other"].pk), "role": "supporting"}],
                "responds_to": [str(world["sign"].pk)],
            }
            for i in range(n)
        ]
    if kind == "briefings":
        return [
            {
                "situation": str(world["situation"].pk),
                "kind": "note-to-sg",
                "briefed_on": "2010-02-01",
            }
            for _ in range(n)
        ]
    if kind == "assessments":
        engagements = [
            EngagementFactory(situation=world["situation"], title=f"A {i}") for i in range(n)
        ]
        return [
            {"engagement": str(e.pk), "element": "early-warning", "rating": 2} for e in engagements
        ]
    if kind == "actors":
        return [
            {
                "name": f"Actor {uuid.uuid4().hex[:10]}",
                "kind": "civil-society",
                "parent": str(world["other"].pk),
            }
            for _ in range(n)
        ]
    raise ValueError(kind)


@pytest.fixture
def world(api):
    other = ActorFactory()
    # The partner's own situation: it may add to it (it is its source).
    situation = api.post(
        "situations/",
        {
            "title": "Own",
            "slug": "own",
            "region": "africa",
            "crisis_type": "political-crisis",
            "sharing": "green",
        },
    ).json()
    situation = Situation.objects.get(pk=situation["id"])
    sign = WarningIndicator.objects.create(
        situation=situation, category="hate-speech", severity=2, description="x",
        observed_on="2010-01-01",
    )  # fmt: skip
    success_element()
    return {
        "partner_actor": api.partner.actor,
        "other": other,
        "situation": situation,
        "sign": sign,
        "paragraph": ParagraphFactory(),
    }


def _queries(api, kind: str, records: list[dict]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.post(f"{kind}/batch/", {"records": records})
    assert response.status_code == 200, response.json()
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "kind", ["situations", "indicators", "engagements", "briefings", "assessments", "actors"]
)
def test_a_batch_costs_the_same_queries_whatever_its_size(
    api, world, kind, django_assert_max_num_queries
):
    small = _records(kind, 10, world)
    large = _records(kind, 200, world)
    created_small = _queries(api, kind, small)
    with django_assert_max_num_queries(created_small):
        assert api.post(f"{kind}/batch/", {"records": large}).status_code == 200


CONTENT = {
    "situations": "summary",
    "indicators": "description",
    "engagements": "objective",
    "briefings": "summary",
    "assessments": "evidence",
    "actors": "description",
}


@pytest.mark.parametrize("kind", sorted(CONTENT))
def test_an_update_batch_costs_the_same_queries_whatever_its_size(
    api, world, kind, django_assert_max_num_queries
):
    small, large = _records(kind, 10, world), _records(kind, 200, world)
    for records in (small, large):
        results = api.post(f"{kind}/batch/", {"records": records}).json()["results"]
        for record, result in zip(records, results, strict=True):
            record.update(id=result["id"], **{CONTENT[kind]: "revised"})
            if kind == "engagements":
                record["partners"] = [{"actor": str(world["partner_actor"].pk), "role": "lead"}]
                record["responds_to"] = []
    updated_small = _queries(api, kind, small)
    with django_assert_max_num_queries(updated_small):
        response = api.post(f"{kind}/batch/", {"records": large})
    assert {r["status"] for r in response.json()["results"]} == {"updated"}
    assert {r["version"] for r in response.json()["results"]} == {2}


def test_a_batch_writes_what_one_by_one_writes(api, world):
    records = _records("situations", 3, world)
    response = api.post("situations/batch/", {"records": records})
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["created"] * 3
    situation = Situation.objects.get(pk=records[0]["id"])
    assert situation.version == 1
    assert set(situation.shared_with.values_list("pk", flat=True)) == {
        world["partner_actor"].pk,
        world["other"].pk,
    }
    history = situation.history.get()
    assert history.history_type == "+"
    assert history.history_change_reason == f"API: partner {api.partner.name}"
    assert set(history.shared_with.values_list("actor_id", flat=True)) == {
        world["partner_actor"].pk,
        world["other"].pk,
    }
    record = FeedRecord.objects.get(type="situation", object_id=situation.pk)
    assert record.created_by_id == api.partner.pk and record.version == 1
    assert world["partner_actor"].pk.hex in record.audience_actors
    # The same again: unchanged, no new version, history or feed entry.
    again = api.post("situations/batch/", {"records": records}).json()["results"]
    assert [r["status"] for r in again] == ["unchanged"] * 3
    assert Change.objects.filter(object_id=situation.pk).count() == 1
    # Its list narrowed: a new version, a history row, the feed's audience and its children's.
    child = api.post(
        "indicators/",
        {
            "situation": records[0]["id"],
            "category": "hate-speech",
            "severity": 2,
            "description": "x",
            "observed_on": "2010-01-01",
        },
    ).json()
    records[0]["shared_with"] = [str(world["partner_actor"].pk)]
    again = api.post("situations/batch/", {"records": records}).json()["results"]
    assert [r["status"] for r in again] == ["updated", "unchanged", "unchanged"]
    assert again[0]["version"] == 2 and api.get(f"situations/{situation.pk}/")["ETag"] == '"2"'
    assert situation.history.count() == 2
    child_record = FeedRecord.objects.get(type="indicator", object_id=child["id"])
    assert child_record.audience_actors == world["partner_actor"].pk.hex
    assert child_record.seq == 2  # created, then its situation's audience changed


def test_engagement_roles_and_answers_in_a_batch(api, world):
    records = _records("engagements", 2, world)
    assert api.post("engagements/batch/", {"records": records}).status_code == 200
    engagement = Engagement.objects.get(pk=records[0]["id"])
    assert list(engagement.partner_roles.values_list("actor_id", "role")) == [
        (world["other"].pk, "supporting")
    ]
    assert list(engagement.responds_to.all()) == [world["sign"]]
    # The sign shows its new answers: one new version and one feed entry for the whole batch.
    sign = WarningIndicator.objects.get(pk=world["sign"].pk)
    assert sign.version == world["sign"].version + 1
    assert FeedRecord.objects.get(type="indicator", object_id=sign.pk).version == sign.version
    assert engagement.history.get().responds_to.count() == 1
    records[0]["partners"] = [{"actor": str(world["partner_actor"].pk), "role": "lead"}]
    results = api.post("engagements/batch/", {"records": records}).json()["results"]
    assert [r["status"] for r in results] == ["updated", "unchanged"]
    assert list(engagement.partner_roles.values_list("actor_id", "role")) == [
        (world["partner_actor"].pk, "lead")
    ]
    elsewhere = SituationFactory(sharing="green")
    records[1]["situation"] = str(elsewhere.pk)  # its answer is a sign of its old situation
    response = api.post("engagements/batch/", {"records": records})
    assert response.status_code == 400


def test_each_refused_item_is_named_and_nothing_is_written(api, world):
    records = _records("situations", 5, world)
    records[1]["slug"] = records[3]["slug"]  # taken within the batch
    records[2]["region"] = "atlantis"
    records[4]["id"] = records[0]["id"]  # the same record twice
    SituationFactory(slug="taken")
    records[0]["slug"] = "taken"
    response = api.post("situations/batch/", {"records": records})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "batch_rejected"
    by_index = {r["index"]: r for r in error["records"]}
    assert sorted(by_index) == [0, 2, 3, 4]
    assert by_index[0]["fields"] == {"slug": ["This slug is not available; choose another."]}
    assert "region" in by_index[2]["fields"]
    assert "slug" in by_index[3]["fields"]
    assert "id" in by_index[4]["fields"]
    assert not Situation.objects.filter(title__startswith="S ").exists()


def test_a_model_rule_refuses_its_item_by_index(api, world):
    records = _records("indicators", 3, world)
    records[2]["observed_on"] = "2999-01-01"
    response = api.post("indicators/batch/", {"records": records})
    assert response.status_code == 400
    (refused,) = response.json()["error"]["records"]
    assert refused["index"] == 2 and "observed_on" in refused["fields"]
    assert WarningIndicator.objects.count() == 1  # the fixture's sign only


def test_actors_of_a_batch_may_not_form_a_cycle(api, world):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    records = [
        {"id": a, "name": "Actor a", "kind": "civil-society"},
        {"id": b, "name": "Actor b", "kind": "civil-society", "parent": a},
    ]
    response = api.post("actors/batch/", {"records": records[:1]})
    assert response.status_code == 200
    assert api.post("actors/batch/", {"records": records[1:]}).status_code == 200
    records[0]["parent"] = b  # a under b under a
    response = api.post("actors/batch/", {"records": records})
    assert response.status_code == 400
    assert response.json()["error"]["records"][0]["fields"] == {
        "parent": ["An actor cannot be its own parent or the parent of its ancestors."]
    }
    assert Actor.objects.get(pk=a).parent_id is None


def test_an_actor_may_name_as_parent_an_actor_of_the_same_batch(api, world):
    parent, child = str(uuid.uuid4()), str(uuid.uuid4())
    records = [
        {"id": child, "name": "Country team", "kind": "civil-society", "parent": parent},
        {"id": parent, "name": "Regional office", "kind": "civil-society"},
    ]
    response = api.post("actors/batch/", {"records": records})
    assert response.status_code == 200, response.json()
    assert str(Actor.objects.get(pk=child).parent_id) == parent
    unknown = {"name": "Orphan", "kind": "civil-society", "parent": str(uuid.uuid4())}
    response = api.post("actors/batch/", {"records": [unknown]})
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["records"][0]["fields"]


def test_a_batch_queues_one_recompute_for_every_situation_it_touched(
    api, world, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(jobs, "enqueue", lambda job, *args, **_: sent.append((job, args)) or True)
    other = SituationFactory(sharing="green")
    records = _records("indicators", 4, world)
    records[3]["situation"] = str(other.pk)
    FeedRecord.objects.filter(type="situation", object_id=other.pk).update(
        created_by_id=api.partner.pk
    )  # the partner's own situation too
    connection.run_on_commit.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("indicators/batch/", {"records": records}).status_code == 200
    expected = sorted([str(world["situation"].pk), str(other.pk)])
    assert sent == [(jobs.REFRESH_SITUATIONS, (expected,))]
    # The job recomputes them together: each situation's interval is stored.
    refresh_situations(expected)
    assert SituationInterval.objects.filter(situation_id__in=expected).count() == 2


def test_links_of_any_json_type_answer_as_for_one_record(api, world):
    """The batch reads every id its items name at once: a number, an object or a list where an
    id goes is refused for its item as one record's write refuses it, never a 500."""
    records = _records("indicators", 5, world)
    for record, odd in zip(records, [3.5, 7, {"a": 1}, ["x"], True], strict=True):
        record["situation"] = odd
    response = api.post("indicators/batch/", {"records": records})
    assert response.status_code == 400
    failures = response.json()["error"]["records"]
    assert [f["index"] for f in failures] == [0, 1, 2, 3, 4]
    for failure, record in zip(failures, records, strict=True):
        alone = api.post("indicators/", record).json()["error"]["fields"]
        assert failure["fields"] == alone


def test_a_desk_officers_batch_is_theirs_in_the_history(internal_api, world):
    user = internal_api.handler._force_user
    records = _records("assessments", 2, world)
    response = internal_api.post("/api/v1/assessments/batch/", {"records": records}, format="json")
    assert response.status_code == 200, response.json()
    for row in response.json()["results"]:
        assessment = Assessment.objects.get(pk=row["id"])
        assert assessment.assessed_by == user
        history = assessment.history.get()
        assert (history.history_user, history.history_change_reason) == (user, "API")
        record = FeedRecord.objects.get(type="assessment", object_id=assessment.pk)
        assert record.created_by_id is None and record.situation_id == world["situation"].pk


def test_a_record_deleted_and_sent_again_continues_its_versions(internal_api, world):
    """By a desk officer: a partner may not bring a deleted id back (tests/api/test_existence.py)."""
    records = _records("situations", 1, world)
    url = "/api/v1/situations/"
    sent = internal_api.post(f"{url}batch/", {"records": records}, format="json")
    assert sent.status_code == 200
    assert internal_api.delete(f"{url}{records[0]['id']}/").status_code == 204
    again = internal_api.post(f"{url}batch/", {"records": records}, format="json").json()["results"]
    assert again[0]["status"] == "created" and again[0]["version"] == 3  # 1, its delete 2
    assert internal_api.get(f"{url}{records[0]['id']}/")["ETag"] == '"3"'


def test_a_partner_does_not_bring_a_deleted_id_back_in_a_batch(api, world):
    records = _records("situations", 1, world)
    assert api.post("situations/batch/", {"records": records}).status_code == 200
    assert api.delete(f"situations/{records[0]['id']}/").status_code == 204
    again = api.post("situations/batch/", {"records": records})
    assert again.status_code == 400
    assert again.json()["error"]["records"] == [
        {"index": 0, "id": records[0]["id"], "code": "not_found"}
    ]
    assert api.get(f"situations/{records[0]['id']}/").status_code == 404


def test_tlp_on_writes_holds_in_a_batch(api, world):
    """Checked from what the batch read for all its items: a partner on an AMBER list edits the
    content of the desk's situation, never its sharing list."""
    desk = SituationFactory(sharing="amber", shared_with=[world["partner_actor"]], slug="desk")
    record = {
        "id": str(desk.pk),
        "title": "Edited by a partner",
        "slug": "desk",
        "region": desk.region,
        "crisis_type": desk.crisis_type,
        "sharing": "amber",
        "shared_with": [str(world["partner_actor"].pk)],
    }
    response = api.post("situations/batch/", {"records": [record]})
    assert response.status_code == 200, response.json()
    assert response.json()["results"][0]["status"] == "updated"
    widened = {**record, "shared_with": [str(world["partner_actor"].pk), str(world["other"].pk)]}
    response = api.post("situations/batch/", {"records": [record, widened][1:]})
    assert response.status_code == 400
    (refused,) = response.json()["error"]["records"]
    assert refused["code"] == "permission_denied" and "shared_with" in refused["fields"]
    assert list(Situation.objects.get(pk=desk.pk).shared_with.all()) == [world["partner_actor"]]
