import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from cases.choices import DatePrecision, SharingLevel
from cases.models import Situation, WarningIndicator
from cases.sharing import Clearance, restrict_to_clearance
from tests.factories import (
    ActorFactory,
    AssessmentFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db


def test_version_grows_by_one_with_each_save():
    situation = SituationFactory()
    assert situation.version == 1
    situation.summary = "Tension rising"
    situation.save()
    situation.refresh_from_db()
    assert situation.version == 2


def test_month_precision_is_kept_as_a_month():
    indicator = WarningIndicatorFactory(
        observed_on=dt.date(2010, 6, 14), observed_precision=DatePrecision.MONTH
    )
    indicator.refresh_from_db()
    assert indicator.observed_on == dt.date(2010, 6, 1)
    assert indicator.observed_until == dt.date(2010, 6, 30)
    assert indicator.observed_display == "June 2010"


def test_warning_in_the_future_is_refused():
    indicator = WarningIndicatorFactory.build(
        situation=SituationFactory(), observed_on=dt.date.today() + dt.timedelta(days=3)
    )
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert "observed_on" in error.value.message_dict


def test_engagement_ending_before_it_starts_is_refused():
    engagement = EngagementFactory.build(
        situation=SituationFactory(),
        lead_actor=ActorFactory(),
        started_on=dt.date(2010, 6, 20),
        ended_on=dt.date(2010, 6, 1),
    )
    with pytest.raises(ValidationError) as error:
        engagement.full_clean()
    assert error.value.message_dict["ended_on"] == ["An engagement cannot end before it starts."]


def test_engagement_may_end_in_the_month_it_started_at_month_precision():
    engagement = EngagementFactory.build(
        situation=SituationFactory(),
        lead_actor=ActorFactory(),
        started_on=dt.date(2009, 3, 15),
        ended_on=dt.date(2009, 3, 1),
        ended_precision=DatePrecision.MONTH,
    )
    engagement.full_clean()


def test_assessment_outside_the_scale_is_refused():
    assessment = AssessmentFactory.build(engagement=EngagementFactory(), rating=7)
    with pytest.raises(ValidationError) as error:
        assessment.full_clean()
    assert "rating" in error.value.message_dict


def test_database_refuses_severity_outside_the_scale():
    # Saved below the service (whose validation refuses it first): the database's own check.
    indicator = WarningIndicatorFactory.build(severity=9, situation=SituationFactory())
    with pytest.raises(IntegrityError):
        indicator.save()


@pytest.mark.parametrize(
    ("level", "listed", "visible"),
    [
        (SharingLevel.CLEAR, False, True),
        (SharingLevel.GREEN, False, True),
        (SharingLevel.AMBER, False, False),
        (SharingLevel.AMBER, True, True),
        (SharingLevel.AMBER_STRICT, False, False),
        (SharingLevel.AMBER_STRICT, True, True),
        (SharingLevel.RED, False, False),
        (SharingLevel.RED, True, False),
    ],
)
def test_partner_sees_exactly_its_tlp_clearance(level, listed, visible):
    partner = ActorFactory(acronym="ECOWAS")
    other = ActorFactory()
    situation = SituationFactory(sharing=level, shared_with=[partner if listed else other])
    WarningIndicatorFactory(situation=situation)
    clearance = Clearance.for_actors([partner.pk])
    assert restrict_to_clearance(Situation.objects.all(), clearance).exists() is visible
    indicators = restrict_to_clearance(WarningIndicator.objects.all(), clearance, "situation")
    assert indicators.exists() is visible
    assert restrict_to_clearance(Situation.objects.all(), Clearance.internal()).exists()


def test_an_engagement_may_have_no_start_date():
    from cases.models import Engagement
    from tests.factories import UndatedEngagementFactory

    engagement = UndatedEngagementFactory.build(
        situation=SituationFactory(),
        lead_actor=ActorFactory(),
        title="Quiet good offices",
        started_precision=DatePrecision.YEAR,
        ended_on=dt.date(2010, 3, 1),
        ended_precision=DatePrecision.MONTH,
    )
    engagement.full_clean()  # no start to end before
    engagement.save()
    engagement.refresh_from_db()
    assert engagement.started_on is None
    assert engagement.started_precision == DatePrecision.DAY  # nothing to be precise about
    assert engagement.started_display == "date not given"
    assert str(engagement) == "Quiet good offices (date not given)"
    # Undated engagements sort after the dated ones of their situation.
    dated = EngagementFactory(situation=engagement.situation, started_on=dt.date(2011, 1, 1))
    assert list(Engagement.objects.filter(situation=engagement.situation)) == [dated, engagement]
