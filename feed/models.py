"""The change feed's log: an append-only log (``Change``) with one ``FeedRecord`` per synced record
holding what the log needs to stay consistent: the record's last sequence number, who could see it
after its last change (its audience) and which partner created it.

Both tables were created by the partners app (``partners_change``, ``partners_feedrecord``) and
keep their names: the models moved to this app in state only (``feed`` 0001, ``partners`` 0004).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .choices import ChangeOp, RecordType


class FeedRecord(models.Model):
    """The change feed's view of one record: where its log stands and who may read it."""

    type = models.CharField(max_length=16, choices=RecordType.choices)
    object_id = models.UUIDField()
    situation_id = models.UUIDField(null=True, blank=True, db_index=True)
    seq = models.PositiveIntegerField(default=0)
    content_seq = models.PositiveIntegerField(
        default=0, help_text="seq of the last change of the record itself (not of its audience)"
    )
    version = models.PositiveIntegerField(default=0)
    deleted = models.BooleanField(default=False)
    audience_open = models.BooleanField(default=False)
    audience_actors = models.TextField(blank=True, default="")
    created_by_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The id of the partner (partners.Partner) that created the record through the "
        "API, if one did; a plain integer: the feed sits below the partners app",
    )

    class Meta:
        db_table = "partners_feedrecord"  # the table was the partners app's: kept as it was
        constraints = [
            models.UniqueConstraint(fields=["type", "object_id"], name="feed_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"


class Change(models.Model):
    """One entry of the change feed: a record changed, or who may see it did.

    ``xid`` is the writing transaction's id on PostgreSQL; ``position`` is given by the feed reader
    once no older transaction can still commit (see ``feed.log``), so it only grows in commit
    order. ``before_*``/``after_*`` are the record's audience either side of the change.
    ``content`` is False for a change of audience only (the situation's sharing changed).
    """

    id = models.BigAutoField(primary_key=True)
    position = models.BigIntegerField(null=True, blank=True, unique=True)
    xid = models.BigIntegerField(null=True, blank=True)
    type = models.CharField(max_length=16, choices=RecordType.choices)
    object_id = models.UUIDField()
    seq = models.PositiveIntegerField()
    op = models.CharField(max_length=8, choices=ChangeOp.choices)
    content = models.BooleanField(
        default=True, help_text="False when only the audience changed (its situation's sharing)"
    )
    version = models.PositiveIntegerField()
    before_open = models.BooleanField(default=False)
    before_actors = models.TextField(blank=True, default="")
    after_open = models.BooleanField(default=False)
    after_actors = models.TextField(blank=True, default="")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "partners_change"  # the table was the partners app's: kept as it was
        ordering = ["position", "id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(position__isnull=True),
                name="change_unpositioned",
            ),
            models.Index(fields=["type", "object_id", "seq"], name="change_record_seq"),
            # The changes that supersede an earlier one (a record's later change of content):
            # a reader asks it of every change it tells. Only these rows, not one per record,
            # so the index stays small (empty after a bulk load) and in memory.
            models.Index(
                fields=["type", "object_id", "seq"],
                condition=models.Q(content=True, seq__gt=1),
                name="change_superseding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.type} {self.object_id} v{self.version}"
