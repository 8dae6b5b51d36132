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
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Scope

KEY_PREFIX = "ewt"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Partner(models.Model):
    """An organisation whose systems use the API, cleared as its Actor (e.g. ECOWAS)."""

    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    actor = models.ForeignKey(
        "cases.Actor",
        on_delete=models.PROTECT,
        related_name="partner_accounts",
        help_text=_("The organisation this partner is cleared as on situations' sharing lists"),
        verbose_name=_("actor"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
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
        help_text=_("A person belongs to one partner organisation at most"),
        verbose_name=_("user"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="members", verbose_name=_("partner")
    )
    added_at = models.DateTimeField(auto_now_add=True, verbose_name=_("added at"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["partner", "user"]
        verbose_name = _("partner member")
        verbose_name_plural = _("partner members")

    def __str__(self) -> str:
        return f"{self.user} — {self.partner}"


class PartnerTokenQuerySet(models.QuerySet):
    def usable(self) -> PartnerTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, partner__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class PartnerToken(models.Model):
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("partner")
    )
    label = models.CharField(max_length=100, blank=True, verbose_name=_("label"))
    prefix = models.CharField(max_length=16, unique=True, editable=False, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, editable=False, verbose_name=_("key hash"))
    scopes = models.JSONField(
        default=list, help_text=_('Any of "read", "write"'), verbose_name=_("scopes")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last used at")
    )

    objects = PartnerTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner token")
        verbose_name_plural = _("partner tokens")
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
