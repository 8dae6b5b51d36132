"""Partners read early action reviews, their findings and follow-ups over the API, under the
sharing level of the situation reviewed: a partner without clearance never sees any of them, in
lists, details, filters, searches or the change feed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from api import serializers as s
from cases import services
from cases.choices import SharingLevel, SuccessElementCode
from tests.factories import (
    ActorFactory,
    FindingFactory,
    FollowUpFactory,
    ReviewFactory,
    SituationFactory,
    success_element,
)

from .test_tlp import CASES, case_id, expected_visible

pytestmark = pytest.mark.django_db

RESOURCES = {"reviews": "review", "review-findings": "finding", "follow-ups": "follow_up"}


@pytest.fixture
def reviewed(api):
    """A situation at ``level`` with a review, a finding and a follow-up, all saying "Needle"."""

    def build(level: str, listed: bool) -> dict:
        situation = SituationFactory(
            sharing=level, shared_with=[api.partner.actor] if listed else []
        )
        review = ReviewFactory(situation=situation, summary="Needle")
        return {
            "situation": situation,
            "review": review,
            "finding": FindingFactory(review=review, text="Needle"),
            "follow_up": FollowUpFactory(review=review, action="Needle", owner_name="Needle"),
        }

    return build


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_partner_sees_a_review_its_findings_and_follow_ups_only_when_cleared(api, reviewed, case):
    level, listed = case
    records = reviewed(level, listed)
    visible = expected_visible(level, listed)
    missing = api.get(f"reviews/{uuid.uuid4()}/")
    situation = records["situation"]
    for resource, key in RESOURCES.items():
        record = records[key]
        detail = api.get(f"{resource}/{record.pk}/")
        if visible:
            assert detail.status_code == 200, resource
            assert detail.json()["version"] == 1
        else:
            assert (detail.status_code, detail.json()) == (404, missing.json()), resource
        for params in ({}, {"search": "Needle"}, {"situation": str(situation.pk)}):
            listing = [r["id"] for r in api.get(f"{resource}/", params).json()["results"]]
            assert listing == ([str(record.pk)] if visible else []), (resource, params)
    for resource in ("review-findings", "follow-ups"):
        by_review = api.get(f"{resource}/", {"review": str(records["review"].pk)}).json()
        assert len(by_review["results"]) == (1 if visible else 0)

    entries = api.get("changes/", {"limit": 1000}).json()["changes"]
    told = {e["id"]: e for e in entries}
    for key in RESOURCES.values():
        assert (str(records[key].pk) in told) is visible, key


def test_the_records_as_partners_read_them(api):
    unrcca = ActorFactory(name="UNRCCA")
    review = ReviewFactory(
        situation=SituationFactory(sharing=SharingLevel.GREEN), held_on=dt.date(2010, 7, 15)
    )
    finding = FindingFactory(
        review=review, kind="enabler", element=success_element(SuccessElementCode.FLEXIBILITY)
    )
    follow_up = FollowUpFactory(
        review=review,
        owner=unrcca,
        owner_name="",
        due_on=dt.date(2010, 9, 1),
        status="done",
        done_on=dt.date(2010, 8, 20),
    )
    got = api.get(f"reviews/{review.pk}/").json()
    assert {k: got[k] for k in ("situation", "held_on", "trigger", "citations")} == {
        "situation": str(review.situation_id),
        "held_on": "2010-07-15",
        "trigger": "first-response",
        "citations": [],
    }
    got = api.get(f"review-findings/{finding.pk}/").json()
    assert (got["review"], got["situation"], got["kind"], got["element"]) == (
        str(review.pk),
        str(review.situation_id),
        "enabler",
        "flexibility",
    )
    got = api.get(f"follow-ups/{follow_up.pk}/").json()
    assert {k: got[k] for k in ("owner", "owner_name", "due_on", "status", "done_on")} == {
        "owner": str(unrcca.pk),
        "owner_name": "",
        "due_on": "2010-09-01",
        "status": "done",
        "done_on": "2010-08-20",
    }
    filtered = api.get("review-findings/", {"element": "flexibility", "kind": "enabler"}).json()
    assert [r["id"] for r in filtered["results"]] == [str(finding.pk)]
    assert api.get("follow-ups/", {"follow_up_status": "open"}).json()["results"] == []
    for resource, serializer in (
        ("reviews", s.ReviewSerializer),
        ("review-findings", s.FindingSerializer),
        ("follow-ups", s.FollowUpSerializer),
    ):
        for row in api.get(f"{resource}/").json()["results"]:
            assert set(row) == set(serializer().fields), resource


def test_reviews_are_read_only_over_the_api(api, internal_api):
    review = ReviewFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    assert api.post("reviews/", {"summary": "x"}).status_code == 405
    assert api.patch(f"reviews/{review.pk}/", {"summary": "x"}).status_code == 405
    # People with every right may not write them here either: the admin is where they are kept.
    assert internal_api.delete(f"/api/v1/reviews/{review.pk}/").status_code in {403, 405}
    assert api.get(f"reviews/{review.pk}/").json()["version"] == 1


def test_tightening_a_situation_tells_partners_its_reviews_are_gone(api):
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    review = ReviewFactory(situation=situation)
    finding = FindingFactory(review=review)
    follow_up = FollowUpFactory(review=review)
    first = api.get("changes/").json()
    situation.sharing = SharingLevel.RED
    services.save_situation(situation)
    tightened = api.get("changes/", {"since": first["cursor"]}).json()["changes"]
    assert {(e["id"], e["op"]) for e in tightened} == {
        (str(situation.pk), "delete"),
        (str(review.pk), "delete"),
        (str(finding.pk), "delete"),
        (str(follow_up.pk), "delete"),
    }


def test_a_deleted_review_is_a_delete_in_the_feed_with_its_findings_and_follow_ups(api):
    review = ReviewFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    finding = FindingFactory(review=review)
    follow_up = FollowUpFactory(review=review)
    first = api.get("changes/").json()
    review_id = review.pk
    services.delete_record(review)
    gone = api.get("changes/", {"since": first["cursor"]}).json()["changes"]
    assert {(e["type"], e["id"], e["op"]) for e in gone} == {
        ("review", str(review_id), "delete"),
        ("review-finding", str(finding.pk), "delete"),
        ("follow-up", str(follow_up.pk), "delete"),
    }
