"""Applying another tracker's feed entries (plain data): ids, labels, deletes, conflicts."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases import services
from cases.models import (
    Actor,
    Assessment,
    Briefing,
    Engagement,
    EngagementPartner,
    Situation,
    WarningIndicator,
)
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


# --- Engagements (partner roles, answered signs), briefings, assessments ----------------------

# What the API shows of a record that sync does not carry over, or that each tracker counts.
NOT_SYNCED = {"version", "created_at", "updated_at", "citations"}


def shown_here(resource: str, id_) -> dict:
    """A record as the local API shows it to a desk officer, without what sync does not carry."""
    desk = factories.DeskOfficerFactory()
    client = APIClient()
    client.force_authenticate(desk)
    answer = client.get(f"/api/v1/{resource}/{id_}/")
    assert answer.status_code == 200, answer.content
    return _comparable(answer.json())


def _comparable(body: dict) -> dict:
    body = {k: v for k, v in body.items() if k not in NOT_SYNCED}
    if "partners" in body:
        body["partners"] = sorted(body["partners"], key=lambda p: (p["role"], p["actor"]))
    if "responds_to" in body:
        body["responds_to"] = sorted(body["responds_to"])
    return body


@pytest.fixture
def case():
    """A remote situation with its actors, two signs, an engagement answering the first, a
    briefing and an assessment, as the source's feed shows them."""
    envoy = bodies.actor(name="Regional envoy", acronym="RE", kind="envoy")
    union = bodies.actor(name="Regional union", acronym="RU")
    un = bodies.actor(name="United Nations office", acronym="UNO")
    sit = bodies.situation(title="Border tension")
    first, second = bodies.indicator(sit["id"]), bodies.indicator(sit["id"], severity=4)
    eng = bodies.engagement(
        sit["id"],
        lead_actor=envoy["id"],
        partners=[(union["id"], "lead"), (un["id"], "supporting")],
        responds_to=[first["id"]],
    )
    brief = bodies.briefing(sit["id"], recipient=un["id"], kind="regional-partner")
    rated = bodies.assessment(eng["id"], element="partnerships", rating=3)
    return {
        "actors": [envoy, union, un],
        "situation": sit,
        "signs": [first, second],
        "engagement": eng,
        "briefing": brief,
        "assessment": rated,
    }


def _entries(case, version: int = 1) -> list:
    """Children before their parents, as a feed may list them."""
    return [
        upsert("assessment", case["assessment"], version),
        upsert("briefing", case["briefing"], version),
        upsert("engagement", case["engagement"], version),
        *(upsert("indicator", s, version) for s in case["signs"]),
        upsert("situation", case["situation"], version),
        *(upsert("actor", a, version) for a in case["actors"]),
    ]


def test_an_engagement_a_briefing_and_an_assessment_are_pulled_field_for_field(source, case):
    outcome = apply_entries(source, _entries(case))

    # Children listed before their parents are written after them: nothing refused.
    assert (outcome.created, outcome.skipped) == (9, 0), outcome.reasons
    for resource, key in (
        ("engagements", "engagement"),
        ("briefings", "briefing"),
        ("assessments", "assessment"),
    ):
        assert shown_here(resource, case[key]["id"]) == _comparable(case[key])
    engagement = Engagement.objects.get(pk=case["engagement"]["id"])
    assert {(str(p.actor_id), p.role) for p in engagement.partner_roles.all()} == {
        (case["actors"][1]["id"], "lead"),
        (case["actors"][2]["id"], "supporting"),
    }
    assert [str(s.pk) for s in engagement.responds_to.all()] == [case["signs"][0]["id"]]
    # The sign shows the engagement that answers it, as the source's does.
    assert shown_here("indicators", case["signs"][0]["id"])["answered_by"] == [
        case["engagement"]["id"]
    ]
    for model, key in (
        (Engagement, "engagement"),
        (Briefing, "briefing"),
        (Assessment, "assessment"),
    ):
        record = model.objects.get(pk=case[key]["id"])
        assert record.history.first().history_change_reason == "sync from http://remote.example/"
        feed_record = FeedRecord.objects.get(type=key, object_id=record.pk)
        assert feed_record.created_by_id == source.partner_id


def test_a_later_entry_updates_roles_answers_and_fields(source, case):
    apply_entries(source, _entries(case))
    union, un = case["actors"][1]["id"], case["actors"][2]["id"]
    envoy = case["actors"][0]["id"]
    changed = {
        "engagement": {
            **case["engagement"],
            "title": "Mediation by the regional envoy",
            "instrument": "mediation",
            "ended_on": "2010-09-01",
            "outcome": "averted",
            # A role changed, one partner dropped, one added.
            "partners": [{"actor": union, "role": "joint"}, {"actor": envoy, "role": "supporting"}],
            "responds_to": [case["signs"][1]["id"]],
        },
        "briefing": {**case["briefing"], "summary": "The Council was briefed", "recipient": None},
        "assessment": {**case["assessment"], "rating": 1, "evidence": "Late, in the end"},
    }

    outcome = apply_entries(source, [upsert(key, body, version=2) for key, body in changed.items()])

    assert (outcome.updated, outcome.conflicts, outcome.skipped) == (3, 0, 0), outcome.reasons
    for resource, key in (
        ("engagements", "engagement"),
        ("briefings", "briefing"),
        ("assessments", "assessment"),
    ):
        assert shown_here(resource, changed[key]["id"]) == _comparable(changed[key])
    engagement = Engagement.objects.get(pk=case["engagement"]["id"])
    assert not engagement.partner_roles.filter(actor_id=un).exists()
    assert shown_here("indicators", case["signs"][0]["id"])["answered_by"] == []
    assert engagement.history.first().history_change_reason == "sync from http://remote.example/"
    # Each role added, changed or dropped is in the history with the same reason.
    role_changes = EngagementPartner.history.filter(engagement_id=engagement.pk)
    assert {(h.history_type, h.history_change_reason) for h in role_changes} == {
        ("+", "sync from http://remote.example/"),
        ("~", "sync from http://remote.example/"),
        ("-", "sync from http://remote.example/"),
    }

    # Told again, nothing changes.
    again = apply_entries(source, [upsert(key, body, version=2) for key, body in changed.items()])
    assert (again.unchanged, again.updated) == (3, 0)


def test_tombstones_delete_children_before_their_parents(source, case):
    apply_entries(source, _entries(case))
    changes = Change.objects.filter(op="delete")

    # Parents listed first: the assessment and the briefing are deleted as records of their
    # own (counted, told to our partners), not only swept away with their parents.
    outcome = apply_entries(
        source,
        [
            delete("engagement", case["engagement"]["id"], version=2),
            delete("briefing", case["briefing"]["id"], version=2),
            delete("assessment", case["assessment"]["id"], version=2),
        ],
    )

    assert outcome.deleted == 3
    assert not Engagement.objects.filter(pk=case["engagement"]["id"]).exists()
    assert not Briefing.objects.filter(pk=case["briefing"]["id"]).exists()
    assert not Assessment.objects.filter(pk=case["assessment"]["id"]).exists()
    for key in ("engagement", "briefing", "assessment"):
        assert changes.filter(object_id=case[key]["id"]).exists()
    # The signs the engagement answered stay, answered by nothing now.
    assert shown_here("indicators", case["signs"][0]["id"])["answered_by"] == []


def test_an_engagement_briefing_and_assessment_changed_on_both_sides_are_conflicts(source, case):
    apply_entries(source, _entries(case))
    engagement = Engagement.objects.get(pk=case["engagement"]["id"])
    engagement.title = "Our desk's title"
    engagement.save()
    briefing = Briefing.objects.get(pk=case["briefing"]["id"])
    briefing.summary = "Our desk's summary"
    briefing.save()
    assessment = Assessment.objects.get(pk=case["assessment"]["id"])
    assessment.rating = 0
    assessment.save()
    union = case["actors"][1]["id"]
    theirs = {
        "engagement": {
            **case["engagement"],
            "title": "Their title",
            "partners": [{"actor": union, "role": "sequential"}],
            "responds_to": [case["signs"][1]["id"]],
        },
        "briefing": {**case["briefing"], "summary": "Their summary"},
        "assessment": {**case["assessment"], "rating": 1, "element": "evaluation"},
    }

    outcome = apply_entries(source, [upsert(key, body, version=2) for key, body in theirs.items()])

    assert outcome.conflicts == 3
    # Ours stays as our desk left it until a desk officer settles.
    assert shown_here("engagements", engagement.pk)["title"] == "Our desk's title"
    assert shown_here("briefings", briefing.pk)["summary"] == "Our desk's summary"
    assert shown_here("assessments", assessment.pk)["rating"] == 0
    conflicts = {c.type: c for c in SyncConflict.objects.all()}
    assert conflicts["engagement"].local_body["title"] == "Our desk's title"
    assert conflicts["engagement"].remote_body["partners"] == [[union, "sequential"]]

    desk = factories.DeskOfficerFactory()
    for conflict in conflicts.values():
        settle(conflict, take_remote=True, by=desk)

    for resource, key in (
        ("engagements", "engagement"),
        ("briefings", "briefing"),
        ("assessments", "assessment"),
    ):
        assert shown_here(resource, theirs[key]["id"]) == _comparable(theirs[key])


def test_a_pulled_engagement_never_widens_its_situations_label(source):
    listed = factories.PartnerFactory(name="Listed")
    other = factories.PartnerFactory(name="Not listed")
    sit = bodies.situation(sharing="amber+strict", shared_with=[str(listed.actor_id)])
    # The engagement names the unlisted organisation as its lead and as a partner.
    eng = bodies.engagement(
        sit["id"],
        lead_actor=other.actor_id,
        partners=[(other.actor_id, "lead"), (listed.actor_id, "supporting")],
    )
    brief = bodies.briefing(sit["id"], recipient=str(other.actor_id))

    outcome = apply_entries(
        source,
        [upsert("situation", sit), upsert("engagement", eng), upsert("briefing", brief)],
    )

    assert outcome.created == 3, outcome.reasons
    situation = Situation.objects.get(pk=sit["id"])
    assert situation.sharing == "amber+strict"
    assert [a.pk for a in situation.shared_with.all()] == [listed.actor_id]

    def seen_by(partner, resource) -> set[str]:
        _, key = factories.partner_token(partner, scopes=("read",))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        answer = client.get(f"/api/v1/{resource}/")
        assert answer.status_code == 200
        return {row["id"] for row in answer.json()["results"]}

    assert seen_by(listed, "engagements") == {eng["id"]}
    assert seen_by(other, "engagements") == set()
    assert seen_by(other, "briefings") == set()


def test_an_engagement_answering_a_sign_not_here_is_pulled_without_that_link(source, case):
    # The first sign is one this tracker refuses (a severity it does not know): the engagement
    # that answers it still comes, answering what is here, and the run can commit.
    case["signs"][0]["severity"] = 9

    outcome = apply_entries(source, _entries(case))

    assert outcome.skipped == 1 and "indicator" in outcome.reasons[0]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what the run's commit checks
    assert shown_here("engagements", case["engagement"]["id"])["responds_to"] == []


def test_a_new_engagement_answering_a_sign_deleted_here_can_be_committed(source, case):
    apply_entries(source, _entries(case))
    services.delete_record(WarningIndicator.objects.get(pk=case["signs"][1]["id"]))
    later = bodies.engagement(
        case["situation"]["id"],
        lead_actor=case["actors"][0]["id"],
        responds_to=[case["signs"][0]["id"], case["signs"][1]["id"]],
    )

    outcome = apply_entries(source, [upsert("engagement", later)])

    assert outcome.created == 1, outcome.reasons
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert shown_here("engagements", later["id"])["responds_to"] == [case["signs"][0]["id"]]


def test_taking_theirs_after_the_sign_it_answers_was_deleted_here_can_be_committed(source, case):
    apply_entries(source, _entries(case))
    engagement = Engagement.objects.get(pk=case["engagement"]["id"])
    engagement.title = "Our desk's title"
    engagement.save()
    theirs = {**case["engagement"], "title": "Their title", "responds_to": [case["signs"][1]["id"]]}
    apply_entries(source, [upsert("engagement", theirs, version=2)])
    # The sign their version answers is deleted here before a desk officer settles.
    services.delete_record(WarningIndicator.objects.get(pk=case["signs"][1]["id"]))

    settle(SyncConflict.objects.get(), take_remote=True)

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    shown = shown_here("engagements", engagement.pk)
    assert (shown["title"], shown["responds_to"]) == ("Their title", [])
