"""Partner organisations, the people who belong to them, their API tokens, and the change feed
they sync from.

A token's key is shown once; the database keeps only its prefix (to find it) and its SHA-256
(to check it). The change feed is an append-only log (``Change``) with one ``FeedRecord`` per
synced record holding what the log needs to stay consistent: the record's last sequence number,
who could see it after its last change (its audience) and which partner created it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .choices import ChangeOp, RecordType, Scope

KEY_PREFIX = "ewt"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Partner(models.Model):
    """An organisation whose systems use the API, cleared as its Actor (e.g. ECOWAS)."""

    name = models.CharField(max_length=200, unique=True)
    actor = models.ForeignKey(
        "cases.Actor",
        on_delete=models.PROTECT,
        related_name="partner_accounts",
        help_text="The organisation this partner is cleared as on situations' sharing lists",
    )
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerMember(models.Model):
    """A person who belongs to a partner organisation: logged in by session, they are cleared as
    the partner's actor (``partners.clearance.clearance_for_user``), exactly as its systems' tokens are.
    One organisation per person; the history keeps who belonged where, and when."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_membership",
        help_text="A person belongs to one partner organisation at most",
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members")
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["partner", "user"]
        verbose_name = "partner member"

    def __str__(self) -> str:
        return f"{self.user} — {self.partner}"


class PartnerTokenQuerySet(models.QuerySet):
    def usable(self) -> PartnerTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, partner__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class PartnerToken(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, help_text='Any of "read", "write"')
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PartnerTokenQuerySet.as_manager()

    class Meta:
        ordering = ["partner", "-created_at"]

    def __str__(self) -> str:
        return f"{self.partner} — {self.prefix}…"

    @classmethod
    def issue(
        cls,
        partner: Partner,
        scopes: list[str],
        *,
        label: str = "",
        expires_at=None,
    ) -> tuple[PartnerToken, str]:
        """A new token and its key; the key exists only in the return value."""
        prefix = secrets.token_hex(6)
        key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            partner=partner,
            label=label,
            prefix=prefix,
            key_hash=hash_key(key),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )
        return token, key

    @staticmethod
    def prefix_of(key: str) -> str | None:
        parts = key.split("_")
        if len(parts) < 3 or parts[0] != KEY_PREFIX:
            return None
        return parts[1]

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key_hash, hash_key(key))

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and self.partner.is_active
        )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    @property
    def scope_list(self) -> str:
        return ",".join(self.scopes)


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
    created_by = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_records"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["type", "object_id"], name="feed_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"


class Change(models.Model):
    """One entry of the change feed: a record changed, or who may see it did.

    ``xid`` is the writing transaction's id on PostgreSQL; ``position`` is given by the feed reader
    once no older transaction can still commit (see ``partners.feed``), so it only grows in commit
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


__all__ = ["Change", "FeedRecord", "Partner", "PartnerMember", "PartnerToken", "Scope"]
