"""Another tracker this one pulls from, what it pulled, and what could not be applied silently.

A ``SyncSource`` is a remote tracker read with a partner token it issued to us: its change feed
(``/api/v1/changes/``) is read from ``cursor`` on and applied here through the write services
(``federation.services``). ``SyncedRecord`` remembers, per record, the versions on both sides at
the last sync: a record changed here since then *and* there is a conflict (``SyncConflict``),
kept for a desk officer to settle in the admin, never overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SyncSource(models.Model):
    url = models.URLField(
        unique=True,
        help_text=_("The remote tracker's address, e.g. https://…/"),
        verbose_name=_("URL"),
    )
    # Write-only in the admin: it reads the remote tracker as us (``federation.admin``).
    token = models.CharField(
        max_length=200,
        help_text=_("A read token the remote tracker issued"),
        verbose_name=_("token"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sync_sources",
        help_text=_(
            "The organisation that runs the remote tracker: the source of the records "
            "pulled from it"
        ),
        verbose_name=_("partner"),
    )
    cursor = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("Where the feed was read to"),
        verbose_name=_("cursor"),
    )
    interval = models.DurationField(
        default=timezone.timedelta(minutes=1),
        help_text=_("How often the periodic task pulls"),
        verbose_name=_("interval"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    last_run_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last run at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    last_summary = models.CharField(max_length=300, blank=True, verbose_name=_("last summary"))

    class Meta:
        verbose_name = _("sync source")
        verbose_name_plural = _("sync sources")
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    @property
    def is_due(self) -> bool:
        return self.last_run_at is None or self.last_run_at + self.interval <= timezone.now()


class SyncedRecord(models.Model):
    """One record pulled from a source: its id here (the same UUID, except an actor matched by
    name to one of ours) and the versions on both sides when they last agreed."""

    source = models.ForeignKey(SyncSource, on_delete=models.CASCADE, related_name="records")
    type = models.CharField(max_length=16)
    remote_id = models.UUIDField()
    local_id = models.UUIDField()
    remote_version = models.PositiveIntegerField(default=0)
    agreed = models.JSONField(
        default=dict, help_text="The content both sides had at the last sync (canonical form)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "type", "remote_id"], name="synced_record_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.remote_id}"


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT_LOCAL = "kept-local", "Settled: ours kept"
    TOOK_REMOTE = "took-remote", "Settled: theirs taken"


class SyncConflict(models.Model):
    """A record changed on both sides since the last sync: both bodies, for a desk officer."""

    source = models.ForeignKey(
        SyncSource, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("source")
    )
    type = models.CharField(max_length=16, verbose_name=_("type"))
    record_id = models.UUIDField(help_text=_("The record's id here"), verbose_name=_("record id"))
    remote_id = models.UUIDField(
        help_text=_("The record's id on the source (the same but for an actor matched by name)"),
        verbose_name=_("remote id"),
    )
    local_version = models.PositiveIntegerField(verbose_name=_("local version"))
    remote_version = models.PositiveIntegerField(verbose_name=_("remote version"))
    local_body = models.JSONField(verbose_name=_("local body"))
    remote_body = models.JSONField(verbose_name=_("remote body"))
    status = models.CharField(
        max_length=16,
        choices=ConflictStatus.choices,
        default=ConflictStatus.OPEN,
        db_index=True,
        verbose_name=_("status"),
    )
    detected_at = models.DateTimeField(auto_now_add=True, verbose_name=_("detected at"))
    settled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("settled at"))
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("settled by"),
    )

    class Meta:
        verbose_name = _("sync conflict")
        verbose_name_plural = _("sync conflicts")
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "type", "record_id"],
                condition=models.Q(status="open"),
                name="sync_conflict_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.record_id} ({self.get_status_display()})"
