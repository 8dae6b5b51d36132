"""The set-based backfill records exactly what the write services record, once."""

from __future__ import annotations

import pytest

from cases import services
from feed.choices import ChangeOp
from feed.log import assign_positions, backfill
from feed.models import Change, FeedRecord
from tests.factories import (
    ActorFactory,
    AssessmentFactory,
    EngagementFactory,
    FindingFactory,
    FollowUpFactory,
    ReviewFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

RECORD_FIELDS = (
    "type",
    "object_id",
    "situation_id",
    "version",
    "deleted",
    "audience_open",
    "audience_actors",
)


@pytest.mark.django_db
def test_backfill_records_what_the_services_record(api):
    partner_actor = api.partner.actor
    others = ActorFactory.create_batch(3)
    situations = [
        # Several listed organisations: stored sorted, whatever the order they were added in.
        SituationFactory(sharing="amber", shared_with=[others[2], partner_actor, others[0]]),
        SituationFactory(sharing="amber+strict", shared_with=[others[1]]),
        SituationFactory(sharing="amber"),  # listed level, nobody listed
        SituationFactory(sharing="green", shared_with=[others[0]]),  # the list is moot
        SituationFactory(sharing="clear"),
        SituationFactory(sharing="red", shared_with=[partner_actor]),
    ]
    for situation in situations:
        WarningIndicatorFactory.create_batch(2, situation=situation)
        AssessmentFactory(engagement=EngagementFactory(situation=situation))
        # A review's findings and follow-ups reach their situation through the review.
        review = ReviewFactory(situation=situation)
        FindingFactory(review=review)
        FollowUpFactory(review=review)
    situations[0].title = "Edited once"
    services.save_situation(situations[0])  # version 2
    recorded = set(FeedRecord.objects.values_list(*RECORD_FIELDS))
    assert {row[0] for row in recorded} >= {
        "situation",
        "actor",
        "indicator",
        "engagement",
        "assessment",
        "review",
        "review-finding",
        "follow-up",
    }

    Change.objects.all().delete()
    FeedRecord.objects.all().delete()
    counts = backfill()

    assert set(FeedRecord.objects.values_list(*RECORD_FIELDS)) == recorded
    assert sum(counts.values()) == len(recorded) == Change.objects.count()
    # One first change per record: an upsert from nobody to the record's audience.
    assert set(
        Change.objects.values_list(
            "type",
            "object_id",
            "seq",
            "op",
            "content",
            "version",
            "before_open",
            "before_actors",
            "after_open",
            "after_actors",
        )
    ) == {
        (type_, object_id, 1, ChangeOp.UPSERT, True, version, False, "", open_, actors)
        for type_, object_id, _, version, _, open_, actors in recorded
    }
    assert set(FeedRecord.objects.values_list("seq", "content_seq")) == {(1, 1)}

    # Idempotent: a second run adds nothing.
    assert backfill() == dict.fromkeys(counts, 0)
    assert Change.objects.count() == len(recorded)
    assign_positions()
    assert not Change.objects.filter(position__isnull=True).exists()


@pytest.mark.django_db
def test_backfill_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for _ in range(3):
        situation = SituationFactory(sharing="amber", shared_with=ActorFactory.create_batch(2))
        WarningIndicatorFactory.create_batch(3, situation=situation)
    Change.objects.all().delete()
    FeedRecord.objects.all().delete()
    # A few statements per record type (eleven types, intervals the last added), whatever the
    # number of records: the same bound for both data sets.
    with django_assert_max_num_queries(17):
        backfill()
    for _ in range(5):
        situation = SituationFactory(sharing="green")
        WarningIndicatorFactory.create_batch(5, situation=situation)
        AssessmentFactory(engagement=EngagementFactory(situation=situation))
    Change.objects.all().delete()
    FeedRecord.objects.all().delete()
    with django_assert_max_num_queries(17):
        backfill()
