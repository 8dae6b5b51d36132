"""Enumerations of the alerts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    NO_ACTION = "no-action", _("No action after a warning")
    ESCALATION = "escalation", _("Escalation: many warning signs in a short time")
    STALE = "stale", _("Stale situation: not updated")
    UNASSESSED = "unassessed", _("Engagement ended without a full assessment")
    THRESHOLD_MOMENT = "threshold-moment", _("Threshold moment left unanswered")
    OVERDUE_FOLLOW_UP = "overdue-follow-up", _("Follow-up action overdue")


# The rules that together raise one alert per unanswered warning sign: its level is the highest
# any of them reaches (``alerts.services.rules``).
SIGN_RULE_KINDS = (RuleKind.NO_ACTION, RuleKind.THRESHOLD_MOMENT)


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


# An alert in one of these states still needs someone's attention.
ACTIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertEventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    REOPENED = "reopened", _("Reopened: the condition returned")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved by a person")
    AUTO_RESOLVED = "auto-resolved", _("Resolved: the condition cleared")
    ESCALATED = "escalated", _("Escalated: a higher threshold reached")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail to desk officers")
    WEBHOOK = "webhook", _("Signed webhook to a partner system")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    # The dead letter: retried for the whole window (DeliverySettings.retry_hours), kept to be
    # replayed by the partner (API) or a desk officer (admin).
    FAILED = "failed", _("Dead letter: failed after retrying for the whole window")
    WITHHELD = "withheld", _("Withheld: the recipient may not see the situation")
    NO_RECIPIENT = "no-recipient", _("Nobody to send to")
