"""Warning-to-action intervals, alert rules, alerts and their notifications."""

from .alerts import Alert, AlertEvent, AlertRule
from .measures import IndicatorInterval, MeasureSettings, SituationInterval
from .notifications import DeliveryAttempt, DeskAssignment, Notification, WebhookSubscription

__all__ = [
    "Alert",
    "AlertEvent",
    "AlertRule",
    "DeliveryAttempt",
    "DeskAssignment",
    "IndicatorInterval",
    "MeasureSettings",
    "Notification",
    "SituationInterval",
    "WebhookSubscription",
]
