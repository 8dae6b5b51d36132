"""Applying another tracker's feed entries (plain data): ids, labels, deletes, conflicts."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from cases.models import Actor, Situation, WarningIndicator
from federation.apply import apply_entries, settle
from federation.models import ConflictStatus, SyncConflict, SyncSource
from feed.models import Change, FeedRecord
from tests import factories

from . import bodies
from .bodies import delete, upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    partner = factories.PartnerFactory(name="Remote tracker")
    return SyncSource.objects.create(url="http://remote.example/", token="t", partner=partner)


def test_pulled_records_keep_their_ids_their_label_and_their_source(source):
    org = bodies.actor(name="Regional Unit", acronym="RU")
    sit = bodies.situation(sharing="amber", shared_with=[org["id"]], title="Border tension")
    sign = bodies.indicator(sit["id"], severity=4)

    outcome = apply_entries(
        source, [upsert("indicator", sign), upsert("situation", sit), upsert("actor", org)]
    )

    assert outcome.created == 3 and outcome.skipped == 0
    situation = Situation.objects.get(pk=sit["id"])
    assert (situation.title, situation.sharing) == ("Border tension", "amber")
    assert [str(a.pk) for a in situation.shared_with.all()] == [org["id"]]
    assert WarningIndicator.objects.get(pk=sign["id"]).severity == 4
    # Written as any write: its history (with the reason) and our own change feed.
    history = situation.history.first()
    assert history.history_change_reason == "sync from http://remote.example/"
    assert Change.objects.filter(object_id=situation.pk).exists()
    # Its source is the organisation that runs the other tracker.
    record = FeedRecord.objects.get(type="situation", object_id=situation.pk)
    assert record.created_by_id == source.partner_id


def test_running_the_same_entries_again_changes_nothing(source):
    sit = bodies.situation()
    entries = [upsert("situation", sit), upsert("indicator", bodies.indicator(sit["id"]))]
    apply_entries(source, entries)
    changes = Change.objects.count()

    outcome = apply_entries(source, entries)

    assert (outcome.unchanged, outcome.created, outcome.updated) == (2, 0, 0)
    assert Situation.objects.get(pk=sit["id"]).version == 1
    assert Change.objects.count() == changes


def test_a_sharing_list_keeps_only_organisations_known_here_and_matches_them_by_name(source):
    ours = factories.ActorFactory(name="Economic Community of West African States")
    theirs = bodies.actor(name=ours.name)  # the same organisation, under the other's id
    unknown = str(uuid.uuid4())  # an organisation the feed never showed us
    sit = bodies.situation(sharing="amber+strict", shared_with=[theirs["id"], unknown])

    apply_entries(source, [upsert("actor", theirs), upsert("situation", sit)])

    situation = Situation.objects.get(pk=sit["id"])
    assert situation.sharing == "amber+strict"
    assert list(situation.shared_with.all()) == [ours]  # mapped; the unknown one dropped
    assert not Actor.objects.filter(pk=theirs["id"]).exists()


def test_a_partner_here_sees_a_pulled_record_only_as_its_label_allows(source):
    listed = factories.PartnerFactory(name="Listed")
    other = factories.PartnerFactory(name="Not listed")
    amber = bodies.situation(sharing="amber", shared_with=[str(listed.actor_id)])
    green = bodies.situation(sharing="green")
    apply_entries(source, [upsert("situation", amber), upsert("situation", green)])

    def seen_by(partner) -> set[str]:
        _, key = factories.partner_token(partner, scopes=("read",))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        answer = client.get("/api/v1/situations/")
        assert answer.status_code == 200
        return {row["id"] for row in answer.json()["results"]}

    assert seen_by(listed) == {amber["id"], green["id"]}
    assert seen_by(other) == {green["id"]}


def test_a_delete_or_a_tightened_label_deletes_here_with_what_the_record_holds(source):
    sit = bodies.situation()
    sign = bodies.indicator(sit["id"])
    apply_entries(source, [upsert("situation", sit), upsert("indicator", sign)])

    outcome = apply_entries(source, [delete("situation", sit["id"], version=2)])

    assert outcome.deleted == 1
    assert not Situation.objects.filter(pk=sit["id"]).exists()
    assert not WarningIndicator.objects.filter(pk=sign["id"]).exists()
    # Partners of ours are told, as for any delete here.
    assert Change.objects.filter(object_id=sit["id"], op="delete").exists()


def test_a_record_changed_on_both_sides_is_a_conflict_not_an_overwrite(source):
    sit = bodies.situation(summary="as agreed")
    apply_entries(source, [upsert("situation", sit)])
    situation = Situation.objects.get(pk=sit["id"])
    situation.summary = "our desk's reading"
    situation.save()

    outcome = apply_entries(
        source, [upsert("situation", {**sit, "summary": "their reading"}, version=2)]
    )

    assert outcome.conflicts == 1
    situation.refresh_from_db()
    assert situation.summary == "our desk's reading"
    conflict = SyncConflict.objects.get()
    assert conflict.status == ConflictStatus.OPEN
    assert conflict.local_body["summary"] == "our desk's reading"
    assert conflict.remote_body["summary"] == "their reading"

    desk = factories.DeskOfficerFactory()
    settle(conflict, take_remote=True, by=desk)

    situation.refresh_from_db()
    assert situation.summary == "their reading"
    assert situation.history.first().history_user == desk
    # Settled: their next change applies as usual.
    apply_entries(source, [upsert("situation", {**sit, "summary": "later"}, version=3)])
    situation.refresh_from_db()
    assert situation.summary == "later"


def test_a_change_on_one_side_only_is_no_conflict(source):
    sit = bodies.situation(summary="as agreed")
    apply_entries(source, [upsert("situation", sit)])
    situation = Situation.objects.get(pk=sit["id"])
    situation.summary = "changed here only"
    situation.save()

    # The source's feed tells the record again, unchanged there (our own change comes back
    # from a tracker that pulled it too, or it was only its audience that changed).
    outcome = apply_entries(source, [upsert("situation", sit, version=1)])

    assert outcome.conflicts == 0
    situation.refresh_from_db()
    assert situation.summary == "changed here only"


def test_ours_is_not_kept_wider_than_the_source_label(source):
    sit = bodies.situation(sharing="green", summary="as agreed")
    apply_entries(source, [upsert("situation", sit)])
    situation = Situation.objects.get(pk=sit["id"])
    situation.summary = "ours"
    situation.save()

    apply_entries(
        source,
        [upsert("situation", {**sit, "summary": "theirs", "sharing": "amber+strict"}, version=2)],
    )

    # The content waits for a desk officer; the label they narrowed is narrowed at once.
    situation.refresh_from_db()
    assert (situation.summary, situation.sharing) == ("ours", "amber+strict")
    conflict = SyncConflict.objects.get()
    # Keeping ours keeps our content under their label, never wider.
    settle(conflict, take_remote=False)
    situation.refresh_from_db()
    assert (situation.summary, situation.sharing) == ("ours", "amber+strict")
    assert SyncConflict.objects.get().status == ConflictStatus.KEPT_LOCAL


def test_keeping_ours_wider_than_their_label_is_refused(source):
    sit = bodies.situation(sharing="amber+strict", summary="as agreed")
    apply_entries(source, [upsert("situation", sit)])
    situation = Situation.objects.get(pk=sit["id"])
    situation.summary, situation.sharing = "ours", "green"
    situation.save()
    apply_entries(source, [upsert("situation", {**sit, "summary": "theirs"}, version=2)])
    conflict = SyncConflict.objects.get()
    # The conflict narrowed ours to their label; our desk opens it again before settling.
    situation.refresh_from_db()
    assert situation.sharing == "amber+strict"
    situation.sharing = "green"
    situation.save()

    with pytest.raises(ValueError, match="wider"):
        settle(conflict, take_remote=False)
    assert SyncConflict.objects.get().status == ConflictStatus.OPEN


def test_a_record_this_tracker_refuses_is_skipped_with_its_reason(source):
    factories.SituationFactory(slug="taken")
    sit = bodies.situation(slug="taken")
    fine = bodies.situation()

    outcome = apply_entries(source, [upsert("situation", sit), upsert("situation", fine)])

    assert outcome.skipped == 1 and outcome.created == 1
    assert "slug" in outcome.reasons[0]
    assert not Situation.objects.filter(pk=sit["id"]).exists()


def test_a_delete_that_echoes_our_own_tightened_label_keeps_our_record(source):
    # Ours, shared with the source's organisation; they pulled it.
    situation = factories.SituationFactory(sharing="green")
    sit = bodies.situation(situation.pk, title=situation.title, slug=situation.slug)
    # We narrow it to an organisation that is not theirs: they lose sight of it and delete
    # their copy; their feed tells us of that delete.
    situation.sharing = "amber+strict"
    situation.save()

    outcome = apply_entries(source, [delete("situation", sit["id"], version=2)])

    assert outcome.deleted == 0
    assert Situation.objects.filter(pk=situation.pk).exists()


def test_a_delete_of_a_record_they_still_may_see_deletes_ours_too(source):
    situation = factories.SituationFactory(sharing="green")

    outcome = apply_entries(source, [delete("situation", situation.pk, version=2)])

    assert outcome.deleted == 1
    assert not Situation.objects.filter(pk=situation.pk).exists()


def test_a_delete_of_their_record_deletes_it_whatever_its_label(source):
    sit = bodies.situation(sharing="amber", shared_with=[])  # theirs, listing nobody of ours
    apply_entries(source, [upsert("situation", sit)])

    outcome = apply_entries(source, [delete("situation", sit["id"], version=2)])

    assert outcome.deleted == 1
