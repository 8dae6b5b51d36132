"""Partner organisations, the people who belong to them and their API tokens.

A token's key is shown once; the database keeps only its prefix (to find it) and its SHA-256
(to check it). The change feed they sync from is the ``feed`` app's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .choices import Scope

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


__all__ = ["Partner", "PartnerMember", "PartnerToken", "Scope"]
