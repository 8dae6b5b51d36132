"""The write services of early action reviews: each write validated, versioned, kept in history,
told to the change feed; a follow-up's write evaluates its situation's alerts again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.choices import FollowUpStatus
from cases.models import EarlyActionReview
from feed.models import FeedRecord
from tests.factories import (
    DeskOfficerFactory,
    FindingFactory,
    FollowUpFactory,
    ReviewFactory,
    SituationFactory,
)
from tracker import jobs

from .test_write_services import committed, queued  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_each_save_grows_the_version_keeps_the_author_and_tells_the_feed():
    desk = DeskOfficerFactory()
    review = ReviewFactory()
    review.summary = "Second thoughts"
    services.save_review(review, by=desk)
    assert review.version == 2
    assert review.history.first().history_user == desk
    record = FeedRecord.objects.get(type="review", object_id=review.pk)
    assert (record.version, record.situation_id) == (2, review.situation_id)

    finding = FindingFactory(review=review)
    follow_up = FollowUpFactory(review=review)
    for type_, saved in (("review-finding", finding), ("follow-up", follow_up)):
        assert FeedRecord.objects.get(type=type_, object_id=saved.pk).situation_id == (
            review.situation_id
        )


def test_a_follow_up_write_evaluates_its_situations_alerts_after_commit(queued, committed):  # noqa: F811
    follow_up = FollowUpFactory()
    follow_up.status, follow_up.done_on = FollowUpStatus.DONE, dt.date(2011, 4, 2)
    with committed():
        services.save_follow_up(follow_up)
    assert queued == [(jobs.REFRESH_SITUATION, (str(follow_up.review.situation_id),))]


def test_a_review_stays_with_its_situation_and_its_records_with_the_review_situation():
    review = ReviewFactory()
    review.situation = SituationFactory()
    with pytest.raises(ValidationError) as error:
        services.save_review(review)
    assert "situation" in error.value.message_dict
    assert EarlyActionReview.objects.get().version == 1

    follow_up = FollowUpFactory(review=ReviewFactory(situation=SituationFactory()))
    sibling = ReviewFactory(situation=follow_up.review.situation)
    follow_up.review = sibling  # another review of the same situation: allowed
    services.save_follow_up(follow_up)
    finding = FindingFactory()
    finding.review = ReviewFactory()  # a review of another situation: refused
    with pytest.raises(ValidationError) as error:
        services.save_finding(finding)
    assert "review" in error.value.message_dict


def test_a_review_is_held_before_it_is_recorded():
    with pytest.raises(ValidationError) as error:
        services.save_review(
            EarlyActionReview(situation=SituationFactory(), held_on=dt.date(2999, 1, 1))
        )
    assert "held_on" in error.value.message_dict
