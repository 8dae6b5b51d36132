"""The change feed's data built as JSON by PostgreSQL equals the Python representations."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from alerts.choices import AlertStatus
from alerts.models import Alert, SituationInterval
from api.changes import _dumps
from api.feed_json import json_rows
from api.resources import SYNCED, representations
from cases.choices import SharingLevel
from cases.models import Actor, Situation
from cases.sharing import Clearance
from tests.factories import (
    ActorFactory,
    AlertFactory,
    AssessmentFactory,
    BriefingFactory,
    EngagementFactory,
    EngagementPartnerFactory,
    FindingFactory,
    FollowUpFactory,
    ParagraphFactory,
    ReviewFactory,
    SituationFactory,
    UndatedEngagementFactory,
    WarningIndicatorFactory,
)


@pytest.fixture
def rich_records(db):
    """Records with every kind of value: lists, links, nulls, odd text, both timestamp forms."""
    parent = ActorFactory(country="GN", description='Quotes " and \\ and\nnew lines — ü')
    partner = ActorFactory(parent=parent)
    paragraphs = ParagraphFactory.create_batch(3)
    open_ = SituationFactory(sharing=SharingLevel.GREEN, countries=["GN", "ML"], summary="é\t")
    open_.citations.add(*paragraphs)
    listed = SituationFactory(sharing=SharingLevel.AMBER, shared_with=[partner, parent])
    SituationFactory(sharing=SharingLevel.RED, countries=[])
    bare = SituationFactory(sharing=SharingLevel.CLEAR, countries=[])
    indicator = WarningIndicatorFactory(situation=open_, reported_by=partner)
    indicator.citations.add(paragraphs[0])
    WarningIndicatorFactory(situation=listed, observed_precision="month")
    engagement = EngagementFactory(situation=open_, lead_actor=parent, ended_on=dt.date(2011, 1, 1))
    EngagementPartnerFactory(engagement=engagement, actor=partner, role="lead")
    EngagementPartnerFactory(engagement=engagement, actor=parent)
    UndatedEngagementFactory(situation=listed)
    AssessmentFactory(engagement=engagement)
    briefing = BriefingFactory(situation=open_, recipient=parent, summary='Note — "SG" \\ ü')
    briefing.citations.add(paragraphs[1])
    BriefingFactory(situation=listed, briefed_precision="year", briefed_on=dt.date(2010, 1, 1))
    # Early action reviews: one with citations, a finding and follow-ups (an owner on record,
    # one done), one under the AMBER situation with an owner in words only.
    review = ReviewFactory(situation=open_, summary='Quotes " — ü')
    review.citations.add(paragraphs[1])
    FindingFactory(review=review)
    FollowUpFactory(review=review, owner=partner, owner_name="")
    FollowUpFactory(review=review, status="done", done_on=dt.date(2011, 4, 2))
    listed_review = ReviewFactory(situation=listed, trigger="target-missed")
    FindingFactory(review=listed_review, kind="enabler")
    FollowUpFactory(review=listed_review)
    SituationInterval.objects.create(
        situation=open_,
        threshold_severity=3,
        first_warning=indicator,
        warning_from=dt.date(2010, 6, 1),
        warning_until=dt.date(2010, 6, 30),
        first_action=engagement,
        action_from=dt.date(2010, 6, 20),
        action_until=dt.date(2010, 6, 20),
        days_min=-10,
        days_max=19,
        is_open=False,
        is_exact=False,
    )
    SituationInterval.objects.create(situation=bare, threshold_severity=4, is_open=True)
    # One timestamp without microseconds: Python's isoformat then writes none.
    whole = timezone.now().replace(microsecond=0)
    Situation.objects.filter(pk=bare.pk).update(created_at=whole, updated_at=whole)
    Actor.objects.filter(pk=parent.pk).update(updated_at=whole.replace(microsecond=120000))
    # Alerts: one on an engagement, acknowledged with odd text; one resolved with no measure; one
    # on a situation the partner may not see; whole-second and fractional timestamps.
    AlertFactory(
        situation=open_,
        engagement=engagement,
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_at=whole,
        acknowledgement='On it — "desk" \\ ü\n',
        opened_at=whole.replace(microsecond=500000),
    )
    AlertFactory(
        situation=listed,
        measure=None,
        status=AlertStatus.RESOLVED,
        condition_active=False,
        episode=2,
        resolved_at=timezone.now(),
        resolution="cleared",
    )
    AlertFactory(situation=SituationFactory(sharing=SharingLevel.RED))
    # One alert per warning sign: the sign nested, as the Python rows and the feed's SQL build it.
    AlertFactory(
        situation=open_,
        indicator=indicator,
        subject_key=f"indicator:{indicator.pk.hex}",
        escalated_from=3,
        level=4,
    )
    Alert.objects.filter(situation=listed).update(updated_at=whole)
    return partner


@pytest.mark.parametrize("type_", sorted([*SYNCED, "alert"]))
def test_database_built_json_equals_the_python_representation(rich_records, type_):
    if type_ == "alert":
        # Alerts keep an integer key; the feed names them by their public uuid.
        ids = list(Alert.objects.values_list("uuid", flat=True))
    else:
        ids = list(SYNCED[type_].model.objects.values_list("pk", flat=True))
    for clearance in (Clearance.internal(), Clearance.for_actors([rich_records.pk])):
        rows = json_rows(type_, ids, clearance)
        assert rows is not None, f"{type_} falls back to Python"
        built = {str(object_id): (version, json.loads(data)) for object_id, version, data in rows}
        expected = {
            str(item["id"]): (item["version"], json.loads(_dumps(item)))
            for item in representations(type_, ids, clearance)
        }
        assert built.keys() == expected.keys()
        for key, (version, data) in expected.items():
            assert built[key][0] == version
            # Field by field, so a difference names its field.
            assert {name: built[key][1].get(name) for name in data} == data
            assert list(built[key][1]) == list(data)  # same fields, same order
        assert built  # each type has visible rows under both clearances
