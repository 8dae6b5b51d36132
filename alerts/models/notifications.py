"""Who hears of an alert: desk officers by e-mail, partner systems by signed webhook."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
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

    name = models.CharField(max_length=120, verbose_name=_("name"))
    actor = models.ForeignKey(
        "cases.Actor",
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
        help_text=_(
            "The partner organisation; its Traffic Light Protocol clearance decides "
            "which alerts the webhook carries"
        ),
        verbose_name=_("actor"),
    )
    url = models.URLField(max_length=500, validators=[validate_webhook_url], verbose_name=_("URL"))
    secret = models.CharField(
        max_length=128,
        default=new_secret,
        help_text=_("Shared with the partner; signs every delivery (HMAC-SHA256)"),
        verbose_name=_("secret"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class DeliverySettings(OneRowSettings):
    """The one row of settings for delivering notifications, editable in the admin."""

    retry_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_(
            "A webhook or e-mail that keeps failing is retried for this many hours from "
            "its first attempt, then kept as a dead letter (status Failed), which the partner "
            "can replay over the API (POST /api/v1/webhooks/<id>/replay/) and a desk officer in "
            "the admin."
        ),
        verbose_name=_("retry hours"),
    )
    max_backoff_minutes = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_(
            "The wait between retries doubles from ALERTS_DELIVERY_BACKOFF_SECONDS up to "
            "this many minutes."
        ),
        verbose_name=_("max backoff minutes"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery settings")
        verbose_name_plural = _("delivery settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="delivery_settings_singleton")
        ]

    def __str__(self) -> str:
        return f"Retry failed deliveries for {self.retry_hours} hours"


class Notification(models.Model):
    """One message about one episode of an alert to one target; created once, delivered by a
    task that retries with exponential backoff."""

    alert = models.ForeignKey(
        "alerts.Alert",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("alert"),
    )
    episode = models.PositiveIntegerField(verbose_name=_("episode"))
    # The alert's level when the message was queued: an escalation within an episode is told
    # once more, at its new level, and only once.
    level = models.PositiveSmallIntegerField(choices=Severity.choices, verbose_name=_("level"))
    is_escalation = models.BooleanField(
        default=False,
        help_text=_("Tells of a higher level reached, not of the alert's opening"),
        verbose_name=_("is escalation"),
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, verbose_name=_("channel"))
    subscription = models.ForeignKey(
        WebhookSubscription,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("subscription"),
    )
    target_key = models.CharField(max_length=64, editable=False, verbose_name=_("target key"))
    status = models.CharField(
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
        verbose_name=_("status"),
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    series_started_after = models.PositiveIntegerField(
        default=0,
        help_text=_("Attempts made before the current series of retries (admin retry)"),
        verbose_name=_("series started after"),
    )
    series_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the current series of retries began (a replay starts a new one); empty: "
            "at the notification's creation"
        ),
        verbose_name=_("series started at"),
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    recipients = models.TextField(
        blank=True,
        help_text=_("E-mail addresses the message went to"),
        verbose_name=_("recipients"),
    )
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
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
        Notification,
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
        verbose_name=_("notification"),
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    attempted_at = models.DateTimeField(verbose_name=_("attempted at"))
    succeeded = models.BooleanField(verbose_name=_("succeeded"))
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("response status")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["notification", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "number"], name="delivery_attempt_numbered"
            )
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number}: {'ok' if self.succeeded else 'failed'}"
