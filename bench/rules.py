"""(b) Alert evaluation of every default rule: a first run on no alerts, then a run that must raise
nothing new (the unique key and the "only if changed" upsert make it idempotent)."""

from __future__ import annotations

from django.db import connection

from alerts import services
from alerts.models import Alert

from .figures import COUNT, Figure, analyze, keep_statements, timed

RAISED = ("opened", "reopened")


def _reset_alerts() -> None:
    """Every run starts from no alerts, so the first evaluation does the same work each time."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE alerts_alert, alerts_alertevent, alerts_notification, "
            "alerts_deliveryattempt RESTART IDENTITY CASCADE"
        )
        # Alerts recorded in the change feed by an earlier run (if the feed records them).
        cursor.execute("DELETE FROM partners_change WHERE type = 'alert'")
        cursor.execute("DELETE FROM partners_feedrecord WHERE type = 'alert'")


def _raised(result) -> int:
    return sum(result.transitions.get(kind, 0) for kind in RAISED)


def measure() -> list[Figure]:
    _reset_alerts()
    first = keep_statements("rules.first", timed(services.evaluate_rules))
    alerts = Alert.objects.count()
    analyze("alerts_alert", "alerts_alertevent", "alerts_notification", "partners_change")
    second = keep_statements("rules.second", timed(services.evaluate_rules))
    new = _raised(second.result)
    if new:
        raise AssertionError(f"a second evaluation raised {new} new alerts (expected none)")
    return [
        Figure("rules.first.seconds", "alert evaluation, all rules", first.seconds, "s"),
        Figure("rules.first.queries", "alert evaluation: SQL queries", first.queries, "queries"),
        Figure("rules.alerts", "alerts raised", alerts, "alerts", COUNT),
        Figure("rules.second.seconds", "alert evaluation again (no change)", second.seconds, "s"),
        Figure("rules.second.new", "new alerts on the second run", new, "alerts", COUNT),
    ]
