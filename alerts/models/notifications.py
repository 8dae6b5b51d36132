"""Who hears of an alert: desk officers by e-mail, partner systems by signed webhook."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from cases.choices import Region, Severity

from ..choices import Channel, DeliveryStatus
from ..webhook_urls import validate_webhook_url


class DeskAssignment(models.Model):
    """A desk officer responsible for the situations of a region (they receive its alerts)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_assignments"
    )
    region = models.CharField(max_length=16, choices=Region.choices, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="desk_assignment_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_region_display()}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """A partner system that receives alerts on the situations its organisation may see."""

    name = models.CharField(max_length=120)
    actor = models.ForeignKey(
        "cases.Actor",
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
        help_text="The partner organisation; its Traffic Light Protocol clearance decides "
        "which alerts the webhook carries",
    )
    url = models.URLField(max_length=500, validators=[validate_webhook_url])
    secret = models.CharField(
        max_length=128,
        default=new_secret,
        help_text="Shared with the partner; signs every delivery (HMAC-SHA256)",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class Notification(models.Model):
    """One message about one episode of an alert to one target; created once, delivered by a
    task that retries with exponential backoff."""

    alert = models.ForeignKey(
        "alerts.Alert", on_delete=models.CASCADE, related_name="notifications"
    )
    episode = models.PositiveIntegerField()
    # The alert's level when the message was queued: an escalation within an episode is told
    # once more, at its new level, and only once.
    level = models.PositiveSmallIntegerField(choices=Severity.choices)
    is_escalation = models.BooleanField(
        default=False, help_text="Tells of a higher level reached, not of the alert's opening"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    subscription = models.ForeignKey(
        WebhookSubscription,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    target_key = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(default=0)
    series_started_after = models.PositiveIntegerField(
        default=0, help_text="Attempts made before the current series of retries (admin retry)"
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    recipients = models.TextField(blank=True, help_text="E-mail addresses the message went to")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "episode", "level", "target_key"],
                name="notification_once_per_level",
            )
        ]

    def __str__(self) -> str:
        target = self.subscription.name if self.subscription_id else "desk officers"
        return f"{self.get_channel_display()} to {target} ({self.get_status_display()})"


class DeliveryAttempt(models.Model):
    """One try at delivering a notification, kept whatever the outcome."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["notification", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "number"], name="delivery_attempt_numbered"
            )
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number}: {'ok' if self.succeeded else 'failed'}"
