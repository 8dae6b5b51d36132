"""The Python client (``client/tracker_client``) against a live tracker: paging, reads, writes
with If-Match, batches and the API's errors, each as a partner system sees them."""

from __future__ import annotations

import uuid

import pytest

from cases.choices import SharingLevel
from tests.factories import PartnerFactory, SituationFactory
from tracker_client import (
    AuthenticationFailed,
    BatchRejected,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationError,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def situation(**fields) -> dict:
    return {
        "title": "Tensions after the vote",
        "slug": f"s-{uuid.uuid4().hex[:12]}",
        "region": "africa",
        "crisis_type": "political-crisis",
        "sharing": "green",
        **fields,
    }


def test_a_list_is_read_to_its_end_through_the_next_cursor_and_shows_only_what_is_shared(connect):
    shown = {str(SituationFactory(sharing=SharingLevel.GREEN).pk) for _ in range(7)}
    hidden = SituationFactory(sharing=SharingLevel.RED)
    client = connect()

    pages = list(client.pages("situations", limit=3, ordering="title"))

    assert [len(page) for page in pages] == [3, 3, 1]
    assert {row["id"] for page in pages for row in page} == shown
    assert {row["id"] for row in client.list("situations", limit=2)} == shown
    assert str(hidden.pk) not in {row["id"] for row in client.list("situations")}
    with pytest.raises(NotFound) as missing:
        client.get("situations", str(hidden.pk))
    assert missing.value.code == "not_found"


def test_a_stale_if_match_is_refused_with_the_current_version_and_changes_nothing(connect):
    client = connect()
    created = client.create("situations", situation())
    held = client.get("situations", created["id"])
    assert held["version"] == created["version"] == 1

    updated = client.put(
        "situations", held["id"], situation(slug=held["slug"], title="Renamed"), if_match=held
    )
    assert updated["version"] == 2 and updated["title"] == "Renamed"

    with pytest.raises(PreconditionFailed) as stale:
        client.put(
            "situations", held["id"], situation(slug=held["slug"], title="Lost"), if_match=held
        )
    assert stale.value.status == 412 and stale.value.code == "precondition_failed"
    assert stale.value.current_version == 2
    with pytest.raises(PreconditionFailed):
        client.patch("situations", held["id"], {"title": "Lost too"}, if_match=1)
    with pytest.raises(PreconditionFailed):
        client.delete("situations", held["id"], if_match='"1"')
    assert client.get("situations", held["id"])["title"] == "Renamed"

    # If-None-Match: * creates only.
    with pytest.raises(PreconditionFailed):
        client.put("situations", held["id"], situation(slug=held["slug"]), create_only=True)
    new_id = str(uuid.uuid4())
    assert client.put("situations", new_id, situation(), create_only=True)["id"] == new_id

    patched = client.patch("situations", held["id"], {"title": "Patched"}, if_match=updated)
    assert patched["version"] == 3
    client.delete("situations", held["id"], if_match=patched)
    with pytest.raises(NotFound):
        client.get("situations", held["id"])


def test_errors_carry_the_api_error_shape(connect, live_server):
    client = connect()
    with pytest.raises(ValidationError) as invalid:
        client.create("situations", {"title": "No region"})
    assert invalid.value.status == 400 and invalid.value.code == "validation_error"
    assert "region" in invalid.value.fields and "slug" in invalid.value.fields

    reader = connect(scopes=("read",))
    with pytest.raises(PermissionDenied) as refused:
        reader.create("situations", situation())
    assert refused.value.code == "insufficient_scope"

    with pytest.raises(AuthenticationFailed) as unknown:
        connect(key="not-a-token").list("situations").__next__()
    assert unknown.value.status == 401


def test_a_batch_larger_than_the_api_takes_is_sent_in_chunks(connect):
    client = connect()
    actors = [
        {"id": str(uuid.uuid4()), "name": f"Mediator {i}", "kind": "regional-organisation"}
        for i in range(1001)
    ]

    results = client.batch("actors", actors)

    assert [r["index"] for r in results] == list(range(1001))
    assert [r["id"] for r in results] == [a["id"] for a in actors]
    assert {r["status"] for r in results} == {"created"}
    assert (
        len({row["id"] for row in client.list("actors", limit=1000)} & {a["id"] for a in actors})
        == 1001
    )
    # Again: a replay changes nothing; a change updates.
    assert {r["status"] for r in client.batch("actors", actors[:3])} == {"unchanged"}
    renamed = [{**actor, "name": actor["name"] + " (renamed)"} for actor in actors[:3]]
    assert {r["status"] for r in client.batch("actors", renamed)} == {"updated"}


def test_a_refused_chunk_names_its_records_by_their_index_in_the_whole_input(connect):
    client = connect()
    records = [situation() for _ in range(5)]
    records[3]["region"] = "atlantis"

    with pytest.raises(BatchRejected) as rejected:
        client.batch("situations", records, chunk_size=2)

    assert [failure["index"] for failure in rejected.value.records] == [3]
    assert "region" in rejected.value.records[0]["fields"]
    # The first chunk was written; the refused one (records 2 and 3) and the last were not.
    assert [r["index"] for r in rejected.value.written] == [0, 1]
    slugs = {row["slug"] for row in client.list("situations")}
    assert slugs == {records[0]["slug"], records[1]["slug"]}


def test_a_partner_member_session_and_a_desk_session_see_through_the_same_client(desk, connect):
    secret = SituationFactory(sharing=SharingLevel.RED)
    partner = PartnerFactory()
    assert desk.get("situations", str(secret.pk))["id"] == str(secret.pk)
    with pytest.raises(NotFound):
        connect(partner).get("situations", str(secret.pk))
    written = desk.patch("situations", str(secret.pk), {"title": "Seen by the desk"}, if_match=1)
    assert written["version"] == 2
