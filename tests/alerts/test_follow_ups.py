"""Overdue follow-up actions of early action reviews raise an alert (issue 13, item 5): one per
follow-up, naming the action, its owner and its due date; it resolves when the follow-up is done
or dropped, and counts the days past due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerts.choices import AlertEventKind, AlertStatus, RuleKind
from alerts.models import Alert, AlertRule
from alerts.services import evaluate_rules, save_alert_rule
from alerts.services.rules import subject_key
from cases import services
from cases.choices import FollowUpStatus, Region
from cases.models import FollowUpAction
from feed.models import FeedRecord
from tests.factories import (
    ActorFactory,
    AlertRuleFactory,
    FollowUpFactory,
    ReviewFactory,
    SituationFactory,
)

from .helpers import days_ago

pytestmark = pytest.mark.django_db

OVERDUE = "Follow-up action overdue"


def overdue_alerts(**filters):
    return Alert.objects.filter(rule__name=OVERDUE, **filters)


@pytest.fixture
def review():
    return ReviewFactory(situation=SituationFactory(title="Kyrgyzstan"), held_on=days_ago(60))


def test_the_default_rule_alerts_the_day_after_the_due_date():
    rule = AlertRule.objects.get(name=OVERDUE)
    assert (rule.kind, rule.days, rule.is_active) == (RuleKind.OVERDUE_FOLLOW_UP, 0, True)
    assert rule.condition.startswith("A follow-up action of an early action review still open")


def test_an_open_follow_up_past_its_due_date_raises_one_alert_naming_it(review):
    owner = ActorFactory(
        name="UN Regional Centre for Preventive Diplomacy for Central Asia", acronym="UNRCCA"
    )
    due = days_ago(12)
    follow_up = FollowUpFactory(
        review=review,
        action="Brief the Security Council",
        owner=owner,
        owner_name="",
        due_on=due,
    )
    FollowUpFactory(review=review, due_on=timezone.localdate())  # due today: not overdue yet

    evaluate_rules()
    evaluate_rules()  # a second run changes nothing
    alert = overdue_alerts().get()
    assert alert.subject_key == subject_key("followup", follow_up.pk)
    assert (alert.follow_up, alert.situation, alert.engagement) == (
        follow_up,
        review.situation,
        None,
    )
    assert (alert.status, alert.measure, alert.level) == (AlertStatus.OPEN, 12, 2)
    expected_due = f"{due.day} {due:%B %Y}"
    assert alert.message == (
        "Follow-up “Brief the Security Council”, owned by UN Regional Centre for Preventive "
        f"Diplomacy for Central Asia (UNRCCA), was due on {expected_due}: 12 days overdue."
    )
    assert alert.events.get().kind == AlertEventKind.OPENED
    # Partners syncing alerts are told of it, under the situation's sharing.
    assert FeedRecord.objects.filter(type="alert", object_id=alert.uuid).exists()


def test_the_measure_counts_the_days_past_due_as_time_passes(review):
    FollowUpFactory(review=review, due_on=days_ago(1), owner_name="Desk, DPA")
    evaluate_rules()
    assert overdue_alerts().get().measure == 1
    evaluate_rules(now=timezone.now() + dt.timedelta(days=5))
    alert = overdue_alerts().get()
    assert alert.measure == 6
    assert "owned by Desk, DPA," in alert.message


@pytest.mark.parametrize("status", [FollowUpStatus.DONE, FollowUpStatus.DROPPED])
def test_done_or_dropped_resolves_the_alert_and_reopening_it_reopens(review, status):
    follow_up = FollowUpFactory(review=review, due_on=days_ago(3))
    evaluate_rules()
    alert = overdue_alerts().get()

    follow_up.status, follow_up.done_on = status, timezone.localdate()
    services.save_follow_up(follow_up)
    evaluate_rules()
    alert.refresh_from_db()
    assert (alert.status, alert.condition_active) == (AlertStatus.RESOLVED, False)
    assert alert.resolution == "The condition cleared."

    follow_up.status, follow_up.done_on = FollowUpStatus.OPEN, None
    services.save_follow_up(follow_up)
    evaluate_rules()
    alert.refresh_from_db()
    assert (alert.status, alert.episode) == (AlertStatus.OPEN, 2)


def test_moving_the_due_date_later_clears_the_alert(review):
    follow_up = FollowUpFactory(review=review, due_on=days_ago(3))
    evaluate_rules()
    follow_up.due_on = timezone.localdate() + dt.timedelta(days=14)
    services.save_follow_up(follow_up)
    evaluate_rules()
    assert overdue_alerts().get().status == AlertStatus.RESOLVED


def test_days_of_grace_and_the_rules_scope(review):
    AlertRule.objects.filter(name=OVERDUE).update(is_active=False)
    graceful = AlertRuleFactory(
        name="Overdue a week",
        kind=RuleKind.OVERDUE_FOLLOW_UP,
        min_severity=None,
        days=7,
        regions=[Region.AFRICA],
    )
    FollowUpFactory(review=review, due_on=days_ago(7))  # 7 days past due: within the grace
    late = FollowUpFactory(review=review, due_on=days_ago(8))
    elsewhere = ReviewFactory(situation=SituationFactory(region=Region.ASIA), held_on=days_ago(60))
    FollowUpFactory(review=elsewhere, due_on=days_ago(30))
    evaluate_rules()
    alert = Alert.objects.get(rule=graceful)
    assert (alert.follow_up, alert.measure) == (late, 8)
    assert "(7 days of grace)" in graceful.condition


def test_evaluating_one_situation_leaves_the_others_alone(review):
    other = ReviewFactory(held_on=days_ago(60))
    FollowUpFactory(review=review, due_on=days_ago(2))
    FollowUpFactory(review=other, due_on=days_ago(2))
    evaluate_rules([review.situation_id])
    assert list(overdue_alerts().values_list("situation_id", flat=True)) == [review.situation_id]


def test_deleting_a_follow_up_or_its_review_takes_its_alert_with_it(review):
    follow_up = FollowUpFactory(review=review, due_on=days_ago(2))
    evaluate_rules()
    alert = overdue_alerts().get()
    services.delete_record(follow_up)
    assert not Alert.objects.filter(pk=alert.pk).exists()
    deleted = FeedRecord.objects.get(type="alert", object_id=alert.uuid)
    assert deleted.deleted

    FollowUpFactory(review=review, due_on=days_ago(2))
    evaluate_rules()
    services.delete_record(review)
    assert not overdue_alerts().exists()


def test_the_rule_takes_days_of_grace_and_nothing_else():
    rule = AlertRule(
        name="Overdue", kind=RuleKind.OVERDUE_FOLLOW_UP, days=0, min_severity=3, level=2
    )
    with pytest.raises(ValidationError) as error:
        save_alert_rule(rule)
    assert "min_severity" in error.value.message_dict
    rule.min_severity = None
    save_alert_rule(rule)


def test_a_follow_up_is_validated_before_it_can_alert(review):
    def invalid(**values) -> dict:
        record = FollowUpAction(review=review, action="x", due_on=days_ago(1), **values)
        with pytest.raises(ValidationError) as error:
            services.save_follow_up(record)
        return error.value.message_dict

    assert "owner_name" in invalid()
    assert "done_on" in invalid(owner_name="Desk", status=FollowUpStatus.DONE)
    assert "done_on" in invalid(owner_name="Desk", done_on=days_ago(1))
    early = FollowUpAction(review=review, action="x", owner_name="Desk", due_on=days_ago(61))
    with pytest.raises(ValidationError) as error:
        services.save_follow_up(early)
    assert "due_on" in error.value.message_dict
    assert not FollowUpAction.objects.exists()
