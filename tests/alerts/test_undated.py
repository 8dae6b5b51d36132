"""An engagement whose source gives no start date never marks the first action (para. 47)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.choices import AlertStatus
from alerts.models import Alert, SituationInterval, UnansweredWarning
from alerts.services import evaluate_rules, recompute_intervals
from alerts.services.intervals import warning_intervals_of
from cases import services
from cases.choices import DatePrecision, Severity, SuccessElementCode
from cases.models import WarningIndicator
from tests.factories import (
    AssessmentFactory,
    EngagementFactory,
    SituationFactory,
    UndatedEngagementFactory,
    WarningIndicatorFactory,
    success_element,
)

from .helpers import days_ago

pytestmark = pytest.mark.django_db

TODAY = dt.date(2011, 1, 1)
D = dt.date
HIGH_14 = "No action 14 days after a high warning"
UNASSESSED = "Engagement ended without a full assessment"


def test_a_situation_whose_only_engagement_is_undated_has_no_dated_action():
    situation = SituationFactory()
    warning = WarningIndicatorFactory(
        situation=situation, observed_on=D(2010, 6, 10), severity=Severity.HIGH
    )
    undated = UndatedEngagementFactory(situation=situation)

    recompute_intervals(today=TODAY, full=True)

    # The same as no engagement at all: open, measured to today, no first action.
    row = SituationInterval.objects.get(situation=situation)
    assert row.is_open and row.first_action is None and row.measured_to == TODAY
    assert (row.action_from, row.action_until) == (None, None)
    assert row.first_warning == warning and row.days_max == 205
    assert UnansweredWarning.objects.filter(indicator=warning).exists()
    per_warning = warning_intervals_of(WarningIndicator.objects.filter(pk=warning.pk)).get()
    assert per_warning.is_open and (per_warning.action_from, per_warning.action_until) == (
        None,
        None,
    )

    # A dated engagement after the warning is the first action; the undated one is never it.
    dated = EngagementFactory(
        situation=situation, started_on=D(2010, 7, 1), started_precision=DatePrecision.DAY
    )
    recompute_intervals(today=TODAY)
    row.refresh_from_db()
    assert not row.is_open and row.first_action == dated and row.days_max == 21

    # Deleting the dated one reopens the interval although the undated one remains.
    services.delete_record(dated)
    recompute_intervals(today=TODAY)
    row.refresh_from_db()
    assert row.is_open and row.first_action is None
    assert undated.situation.engagements.get() == undated


def test_the_no_action_alert_is_raised_when_the_only_engagement_is_undated():
    situation = SituationFactory()
    WarningIndicatorFactory(situation=situation, severity=Severity.HIGH, observed_on=days_ago(20))
    UndatedEngagementFactory(situation=situation, title="Quiet good offices")

    recompute_intervals(today=timezone.localdate())
    evaluate_rules()

    alert = Alert.objects.get(rule__name=HIGH_14, situation=situation)
    assert alert.status == AlertStatus.OPEN and alert.measure == 20


def test_an_undated_engagement_that_ended_is_still_checked_for_its_assessments():
    situation = SituationFactory()
    ended = UndatedEngagementFactory(
        situation=situation, ended_on=days_ago(3), ended_precision=DatePrecision.DAY
    )
    for code in list(SuccessElementCode.values)[:5]:
        AssessmentFactory(engagement=ended, element=success_element(code))

    recompute_intervals(today=timezone.localdate())
    evaluate_rules()

    alert = Alert.objects.get(rule__name=UNASSESSED, engagement=ended)
    assert alert.measure == 5
