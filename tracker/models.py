"""Settings edited in the admin, each kept in one row: the base every app's settings share, and the
settings of people's accounts."""

from __future__ import annotations

from typing import Self

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

DEFAULT_SESSION_IDLE_HOURS = 8


class OneRowSettings(models.Model):
    """Settings held in a single row (id 1), made with their defaults on first read. Each
    subclass adds a check constraint ``id = 1`` under its own name, so no second row can exist
    even when written around the admin."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        abstract = True

    @classmethod
    def load(cls) -> Self:
        row, _ = cls.objects.get_or_create(pk=1)
        return row


class AccountSettings(OneRowSettings):
    """The one row of account settings, editable in the admin."""

    session_idle_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_SESSION_IDLE_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_(
            "A logged-in session ends after this many hours without a request (1 to 336). "
            "A change applies to every session at its next request."
        ),
        verbose_name=_("session idle hours"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="account_settings_singleton")
        ]

    def __str__(self) -> str:
        return f"Sessions end after {self.session_idle_hours} idle hours"

    @property
    def session_idle_seconds(self) -> int:
        return self.session_idle_hours * 3600
