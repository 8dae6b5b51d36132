"""Warning-to-action intervals, alert rules, alerts and their notifications."""

from .alerts import Alert, AlertEvent, AlertRule
from .measures import MeasureSettings, SituationInterval, UnansweredWarning
from .notifications import DeliveryAttempt, DeskAssignment, Notification, WebhookSubscription

__all__ = [
    "Alert",
    "AlertEvent",
    "AlertRule",
    "DeliveryAttempt",
    "DeskAssignment",
    "MeasureSettings",
    "Notification",
    "SituationInterval",
    "UnansweredWarning",
    "WebhookSubscription",
]
