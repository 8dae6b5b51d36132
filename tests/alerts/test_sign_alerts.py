"""One alert per unanswered warning sign (issue 13, item 3): its level is the highest threshold
reached, it escalates in place (an event, a second notification, the acknowledgement kept), it
names its sign, and a threshold moment (S/2011/552, para. 45) left unanswered is critical."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from alerts.choices import AlertEventKind, AlertStatus, Channel, RuleKind
from alerts.models import Alert, AlertEvent, AlertRule, Notification
from alerts.services import (
    acknowledge,
    deliver,
    evaluate_rules,
    recompute_intervals,
    save_alert_rule,
)
from alerts.services.notifications import webhook_payload
from alerts.services.rules import SIGN_ALERTS
from cases import services
from cases.choices import DatePrecision, Severity, SharingLevel, SituationStatus
from tests.factories import (
    DeskAssignmentFactory,
    DeskOfficerFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
    WebhookSubscriptionFactory,
)

from .helpers import days_ago

pytestmark = pytest.mark.django_db

CRITICAL_7 = "No action 7 days after a critical warning"
HIGH_14 = "No action 14 days after a high warning"
MEDIUM_30 = "No action 30 days after a medium warning"
THRESHOLD = "Threshold moment: no action 3 days after"


def refresh(now: dt.datetime | None = None):
    now = now or timezone.now()
    recompute_intervals(today=timezone.localdate(now))
    return evaluate_rules(now=now)


def sign(days: int, severity: int = Severity.CRITICAL, situation=None, **fields):
    return WarningIndicatorFactory(
        situation=situation or SituationFactory(),
        severity=severity,
        observed_on=days_ago(days),
        **fields,
    )


def high_to_critical_rule() -> AlertRule:
    """A desk's stricter rule: a high sign left 21 days is critical (a high one is high at 14)."""
    return save_alert_rule(
        AlertRule(
            name="No action 21 days after a high warning",
            kind=RuleKind.NO_ACTION,
            min_severity=Severity.HIGH,
            days=21,
            level=Severity.CRITICAL,
        )
    )


def test_a_critical_sign_past_every_threshold_raises_one_alert_not_three():
    indicator = sign(40)  # past the critical (7), high (14) and medium (30) rules' days
    result = refresh()
    alert = Alert.objects.get()
    assert (alert.indicator, alert.situation) == (indicator, indicator.situation)
    assert (alert.level, alert.rule.name, alert.measure) == (Severity.CRITICAL, CRITICAL_7, 40)
    assert result.written[SIGN_ALERTS] == 1
    assert result.transitions == {AlertEventKind.OPENED: 1}
    assert alert.notifications.filter(channel=Channel.EMAIL).count() == 1


def test_each_unanswered_sign_of_a_situation_has_its_own_alert():
    situation = SituationFactory()
    first, second = sign(40, situation=situation), sign(20, Severity.HIGH, situation=situation)
    sign(3, situation=situation)  # not yet 7 days: no alert
    refresh()
    assert dict(Alert.objects.values_list("indicator", "level")) == {
        first.pk: Severity.CRITICAL,
        second.pk: Severity.HIGH,
    }


@pytest.mark.parametrize(
    ("severity", "days", "level", "rule"),
    [
        (Severity.CRITICAL, 6, None, None),
        (Severity.CRITICAL, 7, Severity.CRITICAL, CRITICAL_7),
        (Severity.HIGH, 13, None, None),
        (Severity.HIGH, 14, Severity.HIGH, HIGH_14),
        (Severity.HIGH, 60, Severity.HIGH, HIGH_14),  # past the medium rule's days too
        (Severity.MEDIUM, 29, None, None),
        (Severity.MEDIUM, 30, Severity.MEDIUM, MEDIUM_30),
        (Severity.LOW, 400, None, None),
    ],
)
def test_the_level_is_the_highest_threshold_the_sign_has_reached(severity, days, level, rule):
    sign(days, severity)
    refresh()
    alerts = list(Alert.objects.values_list("level", "rule__name"))
    assert alerts == ([] if level is None else [(level, rule)])


def test_a_month_precision_sign_counts_from_the_first_day_of_its_month():
    first_of_month = days_ago(40).replace(day=1)
    WarningIndicatorFactory(
        severity=Severity.HIGH, observed_on=first_of_month, observed_precision=DatePrecision.MONTH
    )
    refresh()
    alert = Alert.objects.get()
    assert alert.measure == (timezone.localdate() - first_of_month).days


def test_an_escalation_raises_the_same_alert_keeps_the_acknowledgement_and_notifies_again():
    high_to_critical_rule()
    officer = DeskOfficerFactory()
    subscription = WebhookSubscriptionFactory(url="http://127.0.0.1:9/unused")
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    DeskAssignmentFactory(user=officer, region=situation.region)
    indicator = sign(15, Severity.HIGH, situation=situation)
    refresh()
    alert = Alert.objects.get()
    assert (alert.level, alert.rule.name) == (Severity.HIGH, HIGH_14)
    assert acknowledge([alert], officer, "Envoy briefed") == 1

    # A week on the high sign has waited 22 days: the stricter rule makes it critical.
    later = timezone.now() + dt.timedelta(days=7)
    result = refresh(now=later)
    assert Alert.objects.count() == 1
    alert.refresh_from_db()
    assert (alert.level, alert.rule.name) == (
        Severity.CRITICAL,
        "No action 21 days after a high warning",
    )
    assert (alert.escalated_from, alert.measure, alert.episode) == (Severity.HIGH, 22, 1)
    # The person's acknowledgement survives the escalation.
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert (alert.acknowledged_by, alert.acknowledgement) == (officer, "Envoy briefed")
    assert alert.acknowledged_at is not None
    assert result.transitions == {AlertEventKind.ESCALATED: 1}
    assert list(alert.events.values_list("kind", "level_from", "level_to")) == [
        (AlertEventKind.OPENED, None, Severity.HIGH),
        (AlertEventKind.ACKNOWLEDGED, None, None),
        (AlertEventKind.ESCALATED, Severity.HIGH, Severity.CRITICAL),
    ]
    # Notified again, e-mail and webhook, at the new level.
    notes = list(
        alert.notifications.order_by("created_at", "channel").values_list(
            "channel", "level", "is_escalation"
        )
    )
    assert sorted(notes) == sorted(
        [
            (Channel.EMAIL, Severity.HIGH, False),
            (Channel.WEBHOOK, Severity.HIGH, False),
            (Channel.EMAIL, Severity.CRITICAL, True),
            (Channel.WEBHOOK, Severity.CRITICAL, True),
        ]
    )
    escalated = alert.notifications.filter(is_escalation=True)
    assert set(escalated.values_list("pk", flat=True)) == set(result.notification_ids)

    email = escalated.get(channel=Channel.EMAIL)
    deliver(email.pk)
    [message] = mail.outbox
    assert message.subject.startswith(f"[TLP:GREEN] Escalated to critical: {situation.title} — ")
    assert "Escalated to critical (was high)" in message.body
    hook = escalated.get(channel=Channel.WEBHOOK, subscription=subscription)
    payload = json.loads(json.dumps(webhook_payload(hook, timezone.now())))
    assert payload["event"] == "alert.escalated"
    assert (payload["alert"]["level"], payload["alert"]["escalated_from"]) == ("critical", "high")
    assert payload["alert"]["indicator"]["id"] == str(indicator.pk)

    # Running again the same day writes nothing, logs nothing and sends nothing twice.
    again = refresh(now=later)
    assert (again.written[SIGN_ALERTS], again.transitions, again.notification_ids) == (0, {}, [])
    assert alert.events.count() == 3 and alert.notifications.count() == 4


def test_the_level_never_drops_while_the_sign_stays_unanswered():
    rule = high_to_critical_rule()
    sign(25, Severity.HIGH)
    refresh()
    alert = Alert.objects.get()
    assert alert.level == Severity.CRITICAL
    # The stricter rule is switched off: the sign still waits, the alert keeps the highest level.
    rule.is_active = False
    save_alert_rule(rule)
    refresh(now=timezone.now() + dt.timedelta(days=1))
    alert.refresh_from_db()
    assert (alert.level, alert.status, alert.condition_active) == (
        Severity.CRITICAL,
        AlertStatus.OPEN,
        True,
    )
    assert not alert.events.filter(kind=AlertEventKind.ESCALATED).exists()


def test_an_answered_sign_resolves_its_alert_and_a_return_starts_at_the_level_of_its_day():
    indicator = sign(9)
    refresh()
    alert = Alert.objects.get()
    engagement = EngagementFactory(situation=indicator.situation, started_on=days_ago(1))
    refresh()
    alert.refresh_from_db()
    assert (alert.status, alert.resolution) == (AlertStatus.RESOLVED, "The condition cleared.")
    services.delete_record(engagement)
    refresh()
    alert.refresh_from_db()
    assert (alert.status, alert.episode, alert.level) == (AlertStatus.OPEN, 2, Severity.CRITICAL)
    assert alert.escalated_from is None
    assert alert.notifications.filter(episode=2).count() == 1


@pytest.mark.parametrize("severity", [Severity.LOW, Severity.MEDIUM, Severity.HIGH])
def test_a_threshold_moment_unanswered_for_three_days_is_critical_whatever_its_severity(severity):
    indicator = sign(2, severity, threshold_moment=True)
    refresh()
    assert not Alert.objects.exists()  # two days: not yet

    indicator.observed_on = days_ago(3)
    services.save_indicator(indicator)
    refresh()
    alert = Alert.objects.get()  # one alert for the sign, whatever rules it meets
    assert (alert.indicator, alert.level, alert.rule.name) == (
        indicator,
        Severity.CRITICAL,
        THRESHOLD,
    )
    assert alert.message.startswith("Threshold moment “")
    assert "has had no action for 3 days (threshold 3)" in alert.message


def test_a_threshold_moments_days_are_the_rules():
    rule = AlertRule.objects.get(name=THRESHOLD)
    assert (rule.kind, rule.days, rule.level, rule.is_active) == (
        RuleKind.THRESHOLD_MOMENT,
        3,
        Severity.CRITICAL,
        True,
    )
    rule.days = 10
    save_alert_rule(rule)
    indicator = sign(9, Severity.LOW, threshold_moment=True)
    refresh()
    assert not Alert.objects.exists()
    refresh(now=timezone.now() + dt.timedelta(days=1))
    assert Alert.objects.get().indicator == indicator


def test_a_threshold_moment_on_a_stopped_clock_raises_nothing():
    closed = SituationFactory(
        status=SituationStatus.DE_ESCALATED,
        status_on=days_ago(1),
        status_precision=DatePrecision.DAY,
    )
    sign(20, Severity.LOW, situation=closed, threshold_moment=True)
    sign(20, Severity.CRITICAL, situation=closed)
    refresh()
    assert not Alert.objects.exists()


def test_the_threshold_moment_rule_is_validated():
    rule = AlertRule(name="Threshold", kind=RuleKind.THRESHOLD_MOMENT, days=3, level=4)
    rule.full_clean()
    rule.min_severity = Severity.HIGH
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "min_severity" in error.value.message_dict
    assert "whatever its severity" in rule.condition


@pytest.mark.parametrize(
    ("observed_on", "precision", "printed"),
    [
        (dt.date(2010, 6, 10), DatePrecision.DAY, "10 June 2010"),
        (dt.date(2010, 6, 1), DatePrecision.MONTH, "June 2010"),
        (dt.date(2010, 1, 1), DatePrecision.YEAR, "2010"),
    ],
)
def test_the_alert_names_its_sign_with_its_date_at_its_precision(observed_on, precision, printed):
    situation = SituationFactory(title="Kyrgyzstan: inter-ethnic violence")
    WarningIndicatorFactory(
        situation=situation,
        severity=Severity.HIGH,
        observed_on=observed_on,
        observed_precision=precision,
        description="Clashes in Osh and Jalal-Abad.",
    )
    refresh()
    alert = Alert.objects.select_related("indicator").get()
    named = (
        f"“Rising political tension: Clashes in Osh and Jalal-Abad.” of {printed} (high severity)"
    )
    assert alert.message.startswith(f"Warning sign {named} has had no action for ")
    assert str(alert) == f"High: {situation} — {named}"
    assert alert.situation_url == f"/dashboard/situations/{situation.slug}/"
    assert alert.sign_admin_url == f"/admin/cases/warningindicator/{alert.indicator_id}/change/"


def test_evaluating_signs_takes_as_many_queries_for_many_escalations_as_for_a_few(
    django_assert_max_num_queries,
):
    high_to_critical_rule()
    counts = []
    for count in (3, 30):
        for _ in range(count):
            sign(15, Severity.HIGH)
            sign(2, Severity.LOW, threshold_moment=True)
        now = timezone.now()
        recompute_intervals(today=timezone.localdate(now))
        evaluate_rules(now=now)  # high alerts opened
        later = now + dt.timedelta(days=7)
        recompute_intervals(today=timezone.localdate(later))
        with django_assert_max_num_queries(40) as captured:
            result = evaluate_rules(now=later)  # each escalates; each threshold moment opens
        counts.append(len(captured.captured_queries))
        assert result.transitions[AlertEventKind.ESCALATED] == count
        assert result.transitions[AlertEventKind.OPENED] == count  # the threshold moments
    assert counts[0] == counts[1]
    assert AlertEvent.objects.filter(kind=AlertEventKind.ESCALATED).count() == 33
    assert Notification.objects.filter(is_escalation=True).count() == 33
