"""Settings of people's accounts, edited in the admin (one row, like the measure settings)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .history import HistoricalRecords

DEFAULT_SESSION_IDLE_HOURS = 8


class AccountSettings(models.Model):
    """The one row of account settings, editable in the admin."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    session_idle_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_SESSION_IDLE_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="A logged-in session ends after this many hours without a request (1 to 336). "
        "A change applies to every session at its next request.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "account settings"
        verbose_name_plural = "account settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="account_settings_singleton")
        ]

    def __str__(self) -> str:
        return f"Sessions end after {self.session_idle_hours} idle hours"

    @property
    def session_idle_seconds(self) -> int:
        return self.session_idle_hours * 3600

    @classmethod
    def load(cls) -> AccountSettings:
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings
