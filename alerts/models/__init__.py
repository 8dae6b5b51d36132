"""Warning-to-action intervals, alert rules, alerts and their notifications."""

from .alerts import Alert, AlertEvent, AlertRule
from .measures import MeasureSettings, SituationInterval, UnansweredWarning
from .notifications import (
    DeliveryAttempt,
    DeliverySettings,
    DeskAssignment,
    Notification,
    WebhookSubscription,
)
from .summary import IntervalFigure, IntervalSummary
from .targets import TargetFigure

__all__ = [
    "Alert",
    "AlertEvent",
    "AlertRule",
    "DeliveryAttempt",
    "DeliverySettings",
    "DeskAssignment",
    "IntervalFigure",
    "IntervalSummary",
    "MeasureSettings",
    "Notification",
    "SituationInterval",
    "TargetFigure",
    "UnansweredWarning",
    "WebhookSubscription",
]
