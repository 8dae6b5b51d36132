"""The save services the admin and the API share: validated, attributed, versioned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.choices import AssessmentRating, SituationStatus
from cases.models import Situation, WarningIndicator
from tests.factories import (
    ActorFactory,
    AssessmentFactory,
    DeskOfficerFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db


def test_a_stale_copy_still_moves_the_version_on():
    situation = SituationFactory()
    first_copy = Situation.objects.get(pk=situation.pk)
    stale_copy = Situation.objects.get(pk=situation.pk)

    first_copy.status = SituationStatus.ESCALATED
    services.save_situation(first_copy)
    stale_copy.summary = "Read before the escalation was recorded"
    services.save_situation(stale_copy)

    situation.refresh_from_db()
    assert situation.version == 3
    assert sorted(situation.history.values_list("version", flat=True)) == [1, 2, 3]


def test_the_author_of_each_change_and_of_the_sharing_list_is_recorded():
    officer = DeskOfficerFactory()
    ecowas, au = ActorFactory(), ActorFactory()
    situation = SituationFactory.build()

    services.save_situation(situation, by=officer, shared_with=[ecowas, au])

    assert set(situation.shared_with.all()) == {ecowas, au}
    assert situation.history.count() == 2  # the record, then its sharing list
    assert {h.history_user for h in situation.history.all()} == {officer}
    assert set(situation.history.latest().shared_with.values_list("actor", flat=True)) == {
        ecowas.pk,
        au.pk,
    }


def test_an_invalid_record_is_refused_and_nothing_is_written():
    situation = SituationFactory()
    indicator = WarningIndicatorFactory.build(
        situation=situation, observed_on=timezone.localdate() + dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as error:
        services.save_indicator(indicator, by=DeskOfficerFactory())
    assert error.value.message_dict["observed_on"] == [
        "A warning sign cannot be observed in the future."
    ]
    assert not WarningIndicator.objects.exists()


def test_whoever_records_a_rating_is_its_assessor():
    assessment = AssessmentFactory(rating=AssessmentRating.WEAK)
    reviewer = DeskOfficerFactory()
    assessment.rating = AssessmentRating.ADEQUATE

    services.save_assessment(assessment, by=reviewer)

    assessment.refresh_from_db()
    assert assessment.assessed_by == reviewer
    assert assessment.history.latest().history_user == reviewer
