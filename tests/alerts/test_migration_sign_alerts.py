"""Migration alerts 0010: the no-action alerts, one per rule and situation, become one per
situation attached to its longest-waiting unanswered sign, without duplicates, keeping their
acknowledgements; the change feed tells partners of the alerts merged away."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from alerts.choices import AlertEventKind, AlertStatus
from alerts.models import Alert
from alerts.services import evaluate_rules, recompute_intervals
from cases.choices import Severity
from feed.models import Change, FeedRecord
from tests.factories import (
    EngagementFactory,
    SituationFactory,
    UserFactory,
    WarningIndicatorFactory,
)

from .helpers import days_ago

BEFORE = [("alerts", "0011_webhook_url_public_address")]
AFTER = [("alerts", "0012_sign_alerts")]

CRITICAL_7 = "No action 7 days after a critical warning"
HIGH_14 = "No action 14 days after a high warning"
MEDIUM_30 = "No action 30 days after a medium warning"
ESCALATION = "Escalation: 3 warning signs within 30 days"


def migrate_to_latest() -> None:
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.fixture
def at_0009():
    """The schema before the migration; brought back to the latest afterwards."""
    executor = migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_no_action_alerts_merge_into_one_per_sign_keeping_acknowledgements(at_0009):
    apps = at_0009
    OldAlert = apps.get_model("alerts", "Alert")
    OldEvent = apps.get_model("alerts", "AlertEvent")
    OldNotification = apps.get_model("alerts", "Notification")
    rules = {r.name: r for r in apps.get_model("alerts", "AlertRule").objects.all()}
    officer = UserFactory(username="desk.officer")
    now = timezone.now()
    # The records and their intervals are made by today's code, on today's schema; the alerts
    # below as the old schema held them.
    migrate_to_latest()

    # Kyrgyzstan: a critical sign 40 days old, a high one 20 days old, three alerts raised.
    kyrgyzstan = SituationFactory(title="Kyrgyzstan")
    critical = WarningIndicatorFactory(
        situation=kyrgyzstan, severity=Severity.CRITICAL, observed_on=days_ago(40)
    )
    WarningIndicatorFactory(situation=kyrgyzstan, severity=Severity.HIGH, observed_on=days_ago(20))
    # Guinea: one high sign, its alert acknowledged.
    guinea = SituationFactory(title="Guinea")
    guinea_sign = WarningIndicatorFactory(
        situation=guinea, severity=Severity.HIGH, observed_on=days_ago(30)
    )
    # Sudan: its sign was answered since; the alert waits for the next run to resolve.
    sudan = SituationFactory(title="Sudan")
    sudan_sign = WarningIndicatorFactory(
        situation=sudan, severity=Severity.CRITICAL, observed_on=days_ago(20)
    )
    EngagementFactory(situation=sudan, started_on=days_ago(10))
    recompute_intervals()
    migrate(BEFORE)

    def old_alert(situation, rule, status=AlertStatus.OPEN, **fields):
        alert = OldAlert.objects.create(
            rule=rules[rule],
            subject_key=f"situation:{situation.pk.hex}",
            situation_id=situation.pk,
            level=rules[rule].level,
            status=status,
            measure=40,
            opened_at=now,
            measured_at=now,
            condition_active=status != AlertStatus.RESOLVED,
            **fields,
        )
        OldEvent.objects.create(alert=alert, kind=AlertEventKind.OPENED, episode=1, at=now)
        OldNotification.objects.create(
            alert=alert, episode=1, channel="email", target_key="email", created_at=now
        )
        FeedRecord.objects.create(
            type="alert", object_id=alert.uuid, situation_id=situation.pk, seq=1, version=1
        )
        return alert

    acknowledged = {
        "status": AlertStatus.ACKNOWLEDGED,
        "acknowledged_at": now,
        "acknowledged_by_id": officer.pk,
        "acknowledgement": "Envoy briefed",
    }
    kept = old_alert(kyrgyzstan, CRITICAL_7)
    high = old_alert(kyrgyzstan, HIGH_14, **acknowledged)
    OldEvent.objects.create(
        alert=high,
        kind=AlertEventKind.ACKNOWLEDGED,
        episode=1,
        at=now,
        by_id=officer.pk,
        comment="Envoy briefed",
    )
    medium = old_alert(kyrgyzstan, MEDIUM_30, AlertStatus.RESOLVED)
    guinea_alert = old_alert(guinea, HIGH_14, **acknowledged)
    sudan_alert = old_alert(sudan, CRITICAL_7)
    other = old_alert(kyrgyzstan, ESCALATION)

    migrate(AFTER)
    # On to the latest migrations, which the models below (and the rules) are written for.
    migrate_to_latest()

    alerts = {a.pk: a for a in Alert.objects.select_related("indicator")}
    assert set(alerts) == {kept.pk, guinea_alert.pk, sudan_alert.pk, other.pk}
    merged = alerts[kept.pk]
    assert (merged.indicator, merged.subject_key) == (critical, f"indicator:{critical.pk.hex}")
    assert (merged.level, merged.status) == (Severity.CRITICAL, AlertStatus.ACKNOWLEDGED)
    assert (merged.acknowledged_by_id, merged.acknowledgement) == (officer.pk, "Envoy briefed")
    assert list(merged.events.values_list("kind", flat=True)) == [
        AlertEventKind.OPENED,
        AlertEventKind.ACKNOWLEDGED,
    ]
    assert merged.notifications.get().level == Severity.CRITICAL
    assert alerts[guinea_alert.pk].indicator == guinea_sign
    assert alerts[guinea_alert.pk].status == AlertStatus.ACKNOWLEDGED
    assert alerts[sudan_alert.pk].indicator == sudan_sign
    assert alerts[other.pk].indicator is None  # other rules keep their subjects
    # The feed tells partners: the merged-away alerts deleted, the kept one changed.
    changes = set(Change.objects.values_list("object_id", "op"))
    assert {(high.uuid, "delete"), (medium.uuid, "delete"), (kept.uuid, "upsert")} <= changes
    assert FeedRecord.objects.get(object_id=high.uuid).deleted

    # The next evaluation keeps the one alert per sign (the high sign gets its own), resolves
    # Sudan's answered sign, and the acknowledgement stays.
    evaluate_rules()
    merged.refresh_from_db()
    assert merged.status == AlertStatus.ACKNOWLEDGED
    assert Alert.objects.filter(indicator=critical).count() == 1
    assert Alert.objects.filter(situation=kyrgyzstan, indicator__isnull=False).count() == 2
    assert Alert.objects.get(pk=sudan_alert.pk).status == AlertStatus.RESOLVED

    # Backwards, with a threshold moment's alert about, and forwards again: one alert per sign.
    moment = WarningIndicatorFactory(
        situation=guinea, severity=Severity.LOW, observed_on=days_ago(5), threshold_moment=True
    )
    recompute_intervals()
    evaluate_rules()
    assert Alert.objects.get(indicator=moment).level == Severity.CRITICAL
    migrate(BEFORE)
    migrate(AFTER)
    migrate_to_latest()
    assert not Alert.objects.filter(indicator=moment).exists()  # its rule's kind was unknown
    evaluate_rules()
    assert Alert.objects.get(indicator=moment).rule.kind == "threshold-moment"
    per_sign = Alert.objects.filter(indicator__isnull=False).values_list("indicator", flat=True)
    assert len(per_sign) == len(set(per_sign))
