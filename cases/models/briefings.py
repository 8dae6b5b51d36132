from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import BriefingKind, DatePrecision
from ..dates import format_partial_date, normalise, period_end
from .base import TrackedModel


class Briefing(TrackedModel):
    """A decision maker or the lead actor alerted to a situation: a note to the
    Secretary-General, a briefing to the Security Council (S/2011/552, para. 12), … — the
    *notification* milestone between a warning sign reaching the desk and the first response.

    Shared as its situation is (Traffic Light Protocol)."""

    # The services refresh the situation a record left as well as the one it is in.
    read_before_save = ("situation_id",)

    situation = models.ForeignKey(
        "cases.Situation",
        on_delete=models.CASCADE,
        related_name="briefings",
        verbose_name=_("situation"),
    )
    kind = models.CharField(max_length=24, choices=BriefingKind.choices, verbose_name=_("kind"))
    briefed_on = models.DateField(
        help_text=_(
            "When the decision maker was alerted (first day of the period when not "
            "precise to a day)"
        ),
        verbose_name=_("briefed on"),
    )
    briefed_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        verbose_name=_("briefed precision"),
    )
    recipient = models.ForeignKey(
        "cases.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="briefings_received",
        help_text=_(
            "Who was alerted: the Secretary-General, the Security Council, the lead actor…"
        ),
        verbose_name=_("recipient"),
    )
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    citations = models.ManyToManyField(
        "cases.Paragraph", blank=True, related_name="briefings", verbose_name=_("citations")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")
        ordering = ["situation", "briefed_on"]
        indexes = [models.Index(fields=["situation", "briefed_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.briefed_display})"

    @property
    def briefed_display(self) -> str:
        return format_partial_date(self.briefed_on, self.briefed_precision)

    @property
    def briefed_until(self) -> dt.date:
        return period_end(self.briefed_on, self.briefed_precision)

    def clean(self) -> None:
        super().clean()
        if self.briefed_on:
            self.briefed_on = normalise(self.briefed_on, self.briefed_precision)
            if self.briefed_on > timezone.localdate():
                raise ValidationError({"briefed_on": "A briefing cannot be in the future."})

    def save(self, *args, **kwargs) -> None:
        if self.briefed_on:
            self.briefed_on = normalise(self.briefed_on, self.briefed_precision)
        super().save(*args, **kwargs)
