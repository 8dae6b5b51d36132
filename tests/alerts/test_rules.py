"""The default alert rules raise and clear; alerts live open → acknowledged → resolved, reopen when
the condition returns, and one condition is one alert however often the job runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.choices import AlertEventKind, AlertStatus, RuleKind
from alerts.models import Alert, AlertRule
from alerts.services import (
    acknowledge,
    evaluate_rules,
    recompute_intervals,
    resolve,
    save_alert_rule,
)
from alerts.services.rules import SIGN_ALERTS, subject_key
from cases import services
from cases.choices import (
    CrisisType,
    DatePrecision,
    Region,
    Severity,
    SituationStatus,
    SuccessElementCode,
)
from cases.models import Situation, WarningIndicator
from tests.factories import (
    AssessmentFactory,
    DeskOfficerFactory,
    DocumentFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
    success_element,
)

from .helpers import days_ago

pytestmark = pytest.mark.django_db

CRITICAL_7 = "No action 7 days after a critical warning"
HIGH_14 = "No action 14 days after a high warning"
MEDIUM_30 = "No action 30 days after a medium warning"
ESCALATION = "Escalation: 3 warning signs within 30 days"
STALE = "Stale situation: not updated for 90 days"
UNASSESSED = "Engagement ended without a full assessment"


def refresh(now: dt.datetime | None = None):
    now = now or timezone.now()
    recompute_intervals(today=timezone.localdate(now))
    return evaluate_rules(now=now)


def alerts(rule_name: str, **filters):
    return Alert.objects.filter(rule__name=rule_name, **filters)


def test_the_six_default_rules_exist_with_the_issues_parameters():
    rules = {r.name: r for r in AlertRule.objects.all()}
    assert (rules[CRITICAL_7].min_severity, rules[CRITICAL_7].days) == (Severity.CRITICAL, 7)
    assert (rules[HIGH_14].min_severity, rules[HIGH_14].days) == (Severity.HIGH, 14)
    assert (rules[MEDIUM_30].min_severity, rules[MEDIUM_30].days) == (Severity.MEDIUM, 30)
    assert (rules[ESCALATION].min_count, rules[ESCALATION].days) == (3, 30)
    assert (rules[STALE].kind, rules[STALE].days) == (RuleKind.STALE, 90)
    assert rules[UNASSESSED].kind == RuleKind.UNASSESSED
    assert all(rule.is_active for rule in rules.values())


@pytest.mark.parametrize(
    ("rule_name", "severity", "days"),
    [
        (CRITICAL_7, Severity.CRITICAL, 7),
        (HIGH_14, Severity.HIGH, 14),
        (MEDIUM_30, Severity.MEDIUM, 30),
    ],
)
def test_no_action_rules_raise_at_n_days_and_clear_when_action_is_taken(rule_name, severity, days):
    situation = SituationFactory()
    indicator = WarningIndicatorFactory(
        situation=situation, severity=severity, observed_on=days_ago(days - 1)
    )
    refresh()
    assert not alerts(rule_name).exists()  # one day short

    indicator.observed_on = days_ago(days)
    services.save_indicator(indicator)
    refresh()
    alert = alerts(rule_name).get()
    assert (alert.status, alert.situation, alert.measure) == (AlertStatus.OPEN, situation, days)
    assert alert.level == AlertRule.objects.get(name=rule_name).level
    assert f"no action for {days} days" in alert.message

    # Even a small step counts as action (para. 47): a statement of concern today.
    EngagementFactory(situation=situation, started_on=timezone.localdate(), title="Statement")
    result = refresh()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and not alert.condition_active
    assert alert.resolution == "The condition cleared."
    assert result.transitions.get(AlertEventKind.AUTO_RESOLVED, 0) >= 1


def test_no_action_counts_from_the_start_of_a_month_precision_warning():
    situation = SituationFactory()
    first_of_month = days_ago(40).replace(day=1)
    WarningIndicatorFactory(
        situation=situation,
        severity=Severity.CRITICAL,
        observed_on=first_of_month,
        observed_precision=DatePrecision.MONTH,
    )
    refresh()
    assert alerts(CRITICAL_7).get().measure == (timezone.localdate() - first_of_month).days


def test_a_lower_severity_does_not_trigger_a_stricter_rule_and_closed_situations_are_quiet():
    situation = SituationFactory()
    WarningIndicatorFactory(situation=situation, severity=Severity.HIGH, observed_on=days_ago(10))
    closed = SituationFactory(status=SituationStatus.CLOSED)
    WarningIndicatorFactory(situation=closed, severity=Severity.CRITICAL, observed_on=days_ago(60))
    refresh()
    assert not alerts(CRITICAL_7).exists()
    assert not Alert.objects.filter(situation=closed).exists()


def test_escalation_raises_on_k_signs_within_d_days_and_clears_as_the_window_moves_on():
    situation = SituationFactory()
    for days in (1, 12, 25):
        WarningIndicatorFactory(
            situation=situation, severity=Severity.MEDIUM, observed_on=days_ago(days)
        )
    WarningIndicatorFactory(situation=SituationFactory(), observed_on=days_ago(2))  # elsewhere
    refresh()
    alert = alerts(ESCALATION).get()
    assert (alert.situation, alert.measure) == (situation, 3)
    assert alert.message == "3 warning signs observed within 30 days."

    # Ten days on, the oldest sign (then 35 days old) has left the window.
    refresh(now=timezone.now() + dt.timedelta(days=10))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_escalation_ignores_signs_below_its_severity():
    situation = SituationFactory()
    for days in (1, 2, 3):
        WarningIndicatorFactory(
            situation=situation, severity=Severity.LOW, observed_on=days_ago(days)
        )
    refresh()
    assert not alerts(ESCALATION).exists()


def make_stale(situation: Situation, days: int) -> None:
    then = timezone.now() - dt.timedelta(days=days)
    Situation.objects.filter(pk=situation.pk).update(updated_at=then)
    WarningIndicator.objects.filter(situation=situation).update(updated_at=then)


def test_stale_situation_raises_after_d_days_untouched_and_clears_on_an_update():
    situation = SituationFactory()
    WarningIndicatorFactory(situation=situation, severity=Severity.LOW, observed_on=days_ago(400))
    closed = SituationFactory(status=SituationStatus.CLOSED)
    # Drawn from a report and measured as of its date (the seed): history, never stale.
    seeded = SituationFactory(as_of=DocumentFactory(issued_on=dt.date(2011, 8, 26)))
    make_stale(situation, 91)
    make_stale(closed, 200)
    make_stale(seeded, 400)
    refresh()
    alert = alerts(STALE).get()
    assert (alert.situation, alert.measure) == (situation, 91)
    assert not alerts(STALE, situation=closed).exists()
    assert not alerts(STALE, situation=seeded).exists()

    # A new warning sign is an update of the case.
    WarningIndicatorFactory(situation=situation, severity=Severity.LOW, observed_on=days_ago(1))
    refresh()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_an_engagement_ended_without_all_six_assessments_raises_until_the_sixth_is_in():
    situation = SituationFactory()
    ended = EngagementFactory(situation=situation, started_on=days_ago(100), ended_on=days_ago(3))
    EngagementFactory(situation=situation, started_on=days_ago(50))  # still going: not due
    codes = list(SuccessElementCode.values)
    for code in codes[:5]:
        AssessmentFactory(engagement=ended, element=success_element(code))
    refresh()
    alert = alerts(UNASSESSED).get()
    assert (alert.engagement, alert.measure) == (ended, 5)
    assert alert.subject_key == subject_key("engagement", ended.pk)
    assert "5 of the six elements" in alert.message

    AssessmentFactory(engagement=ended, element=success_element(codes[5]))
    refresh()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def critical_unanswered(situation=None) -> WarningIndicator:
    return WarningIndicatorFactory(
        situation=situation or SituationFactory(),
        severity=Severity.CRITICAL,
        observed_on=days_ago(9),
    )


def test_one_condition_is_one_alert_however_often_the_job_runs():
    indicator = critical_unanswered()
    first = refresh()
    for _ in range(3):
        again = refresh()
        assert again.transitions == {} and again.notification_ids == []
    alert = alerts(CRITICAL_7).get()
    assert alert.episode == 1
    assert list(alert.events.values_list("kind", flat=True)) == [AlertEventKind.OPENED]
    assert alert.notifications.count() == 1  # the e-mail, queued once
    assert first.transitions[AlertEventKind.OPENED] == Alert.objects.count()
    assert alert.situation == indicator.situation
    # One alert per warning sign (issue 13): the sign is its subject, not the situation.
    assert (alert.indicator, alert.subject_key) == (
        indicator,
        subject_key("indicator", indicator.pk),
    )


def test_a_rerun_rewrites_an_alert_only_when_its_measure_moves():
    critical_unanswered()
    refresh()
    alert = alerts(CRITICAL_7).get()
    first_measured = alert.measured_at
    result = refresh()
    assert result.written[SIGN_ALERTS] == 0  # the no-action rules write together, per sign
    alert.refresh_from_db()
    assert alert.measured_at == first_measured

    tomorrow = timezone.now() + dt.timedelta(days=1)
    result = refresh(now=tomorrow)
    assert result.written[SIGN_ALERTS] == 1
    alert.refresh_from_db()
    assert (alert.measure, alert.measured_at, alert.episode) == (10, tomorrow, 1)


def test_the_lifecycle_acknowledge_auto_resolve_and_reopen():
    indicator = critical_unanswered()
    officer = DeskOfficerFactory()
    refresh()
    alert = alerts(CRITICAL_7).get()

    assert acknowledge(Alert.objects.filter(pk=alert.pk), officer, "Envoy briefed") == 1
    refresh()  # the condition still holds: stays acknowledged
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert (alert.acknowledged_by, alert.acknowledgement) == (officer, "Envoy briefed")
    assert alert.acknowledged_at is not None

    engagement = EngagementFactory(situation=indicator.situation, started_on=days_ago(1))
    refresh()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by is None

    services.delete_record(engagement)  # the action is withdrawn: the warning is unanswered again
    refresh()
    alert.refresh_from_db()
    assert (alert.status, alert.episode) == (AlertStatus.OPEN, 2)
    assert alert.acknowledged_by is None and alert.acknowledgement == ""
    assert list(alert.events.values_list("kind", "episode")) == [
        (AlertEventKind.OPENED, 1),
        (AlertEventKind.ACKNOWLEDGED, 1),
        (AlertEventKind.AUTO_RESOLVED, 1),
        (AlertEventKind.REOPENED, 2),
    ]
    assert alert.events.get(kind=AlertEventKind.ACKNOWLEDGED).by == officer
    assert alert.notifications.filter(episode=2).count() == 1  # the return is notified


def test_a_person_resolving_while_the_condition_holds_is_not_overruled_by_the_job():
    indicator = critical_unanswered()
    officer = DeskOfficerFactory()
    refresh()
    alert = alerts(CRITICAL_7).get()
    assert resolve([alert], officer, "Handled by the regional office") == 1
    refresh()
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by) == (AlertStatus.RESOLVED, officer)

    # Only a condition that cleared and then returned reopens it.
    engagement = EngagementFactory(situation=indicator.situation, started_on=days_ago(1))
    refresh()
    services.delete_record(engagement)
    refresh()
    alert.refresh_from_db()
    assert (alert.status, alert.episode) == (AlertStatus.OPEN, 2)


def test_acknowledging_ignores_alerts_that_are_not_open():
    critical_unanswered()
    refresh()
    alert = alerts(CRITICAL_7).get()
    officer = DeskOfficerFactory()
    resolve([alert], officer)
    assert acknowledge([alert], officer, "late") == 0
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_a_rule_applies_only_to_its_regions_and_crisis_types():
    rule = AlertRule.objects.get(name=CRITICAL_7)
    rule.regions = [Region.ASIA]
    save_alert_rule(rule)
    critical_unanswered(SituationFactory(region=Region.AFRICA))
    asian = critical_unanswered(SituationFactory(region=Region.ASIA)).situation
    refresh()
    assert list(alerts(CRITICAL_7).values_list("situation", flat=True)) == [asian.pk]

    rule.crisis_types = [CrisisType.BORDER_TERRITORIAL_DISPUTE]
    save_alert_rule(rule)
    refresh()
    assert not alerts(CRITICAL_7, status=AlertStatus.OPEN).exists()


def test_switching_a_rule_off_resolves_its_alerts():
    critical_unanswered()
    refresh()
    AlertRule.objects.filter(name=CRITICAL_7).update(is_active=False)
    refresh()
    alert = alerts(CRITICAL_7).get()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolution == "The rule was switched off."


def test_evaluating_one_situation_leaves_the_others_alone():
    one, other = critical_unanswered(), critical_unanswered()
    refresh()
    EngagementFactory(situation=other.situation, started_on=days_ago(1))
    recompute_intervals()
    evaluate_rules([one.situation_id])  # the other situation is not looked at
    assert alerts(CRITICAL_7, situation=other.situation).get().status == AlertStatus.OPEN
    evaluate_rules([other.situation_id])
    assert alerts(CRITICAL_7, situation=other.situation).get().status == AlertStatus.RESOLVED


def test_rule_evaluation_query_count_does_not_grow_with_the_number_of_situations(
    django_assert_max_num_queries,
):
    counts = []
    for count in (5, 45):
        for _ in range(count):
            critical_unanswered()
        recompute_intervals()
        # A fixed number per rule (seven default rules since the overdue follow-up rule).
        with django_assert_max_num_queries(32) as captured:
            evaluate_rules()
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert alerts(CRITICAL_7).count() == 50
