"""Enumerations of the alerts app."""

from django.db import models


class RuleKind(models.TextChoices):
    NO_ACTION = "no-action", "No action after a warning"
    ESCALATION = "escalation", "Escalation: many warning signs in a short time"
    STALE = "stale", "Stale situation: not updated"
    UNASSESSED = "unassessed", "Engagement ended without a full assessment"
    THRESHOLD_MOMENT = "threshold-moment", "Threshold moment left unanswered"
    OVERDUE_FOLLOW_UP = "overdue-follow-up", "Follow-up action overdue"


# The rules that together raise one alert per unanswered warning sign: its level is the highest
# any of them reaches (``alerts.services.rules``).
SIGN_RULE_KINDS = (RuleKind.NO_ACTION, RuleKind.THRESHOLD_MOMENT)


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


# An alert in one of these states still needs someone's attention.
ACTIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    REOPENED = "reopened", "Reopened: the condition returned"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved by a person"
    AUTO_RESOLVED = "auto-resolved", "Resolved: the condition cleared"
    ESCALATED = "escalated", "Escalated: a higher threshold reached"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail to desk officers"
    WEBHOOK = "webhook", "Signed webhook to a partner system"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    # The dead letter: retried for the whole window (DeliverySettings.retry_hours), kept to be
    # replayed by the partner (API) or a desk officer (admin).
    FAILED = "failed", "Dead letter: failed after retrying for the whole window"
    WITHHELD = "withheld", "Withheld: the recipient may not see the situation"
    NO_RECIPIENT = "no-recipient", "Nobody to send to"
