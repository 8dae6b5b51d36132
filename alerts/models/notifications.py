"""Who hears of an alert: desk officers by e-mail, partner systems by signed webhook."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from cases.choices import Region, Severity
from tracker.models import OneRowSettings

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


class DeliverySettings(OneRowSettings):
    """The one row of settings for delivering notifications, editable in the admin."""

    retry_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="A webhook or e-mail that keeps failing is retried for this many hours from "
        "its first attempt, then kept as a dead letter (status Failed), which the partner "
        "can replay over the API (POST /api/v1/webhooks/<id>/replay/) and a desk officer in "
        "the admin.",
    )
    max_backoff_minutes = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="The wait between retries doubles from ALERTS_DELIVERY_BACKOFF_SECONDS up to "
        "this many minutes.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "delivery settings"
        verbose_name_plural = "delivery settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="delivery_settings_singleton")
        ]

    def __str__(self) -> str:
        return f"Retry failed deliveries for {self.retry_hours} hours"


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
    series_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the current series of retries began (a replay starts a new one); empty: "
        "at the notification's creation",
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
