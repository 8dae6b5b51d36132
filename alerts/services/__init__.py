"""Writes of the alerts app; admin, API, tasks and commands call these, never the SQL beneath."""

from .configuration import (
    delete_alert_rule,
    save_alert_rule,
    save_delivery_settings,
    save_measure_settings,
)
from .intervals import RecomputeResult, recompute_intervals
from .lifecycle import acknowledge, resolve
from .notifications import (
    deliver,
    due_notifications,
    queue_next_webhook,
    replay_dead_letters,
    retry_failed,
)
from .rules import EvaluationResult, evaluate_rules

__all__ = [
    "EvaluationResult",
    "RecomputeResult",
    "acknowledge",
    "delete_alert_rule",
    "deliver",
    "due_notifications",
    "evaluate_rules",
    "queue_next_webhook",
    "recompute_intervals",
    "replay_dead_letters",
    "resolve",
    "retry_failed",
    "save_alert_rule",
    "save_delivery_settings",
    "save_measure_settings",
]
