from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from ..choices import (
    ConflictStage,
    CrisisType,
    DatePrecision,
    IndicatorCategory,
    Region,
    RiskLevel,
    Severity,
    SharingLevel,
    SituationStatus,
    Subregion,
)
from ..dates import format_partial_date, normalise, period_end
from .base import TrackedModel


class Situation(TrackedModel):
    """A situation of concern that desk officers follow (a case)."""

    title = models.CharField(max_length=200, verbose_name=_("title"))
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("slug"))
    countries = CountryField(multiple=True, blank=True, verbose_name=_("countries"))
    region = models.CharField(
        max_length=16, choices=Region.choices, db_index=True, verbose_name=_("region")
    )
    subregion = models.CharField(
        max_length=32, choices=Subregion.choices, blank=True, verbose_name=_("subregion")
    )
    crisis_type = models.CharField(
        max_length=40, choices=CrisisType.choices, db_index=True, verbose_name=_("crisis type")
    )
    conflict_stage = models.CharField(
        max_length=20,
        choices=ConflictStage.choices,
        default=ConflictStage.ESCALATION,
        help_text=_("Where the situation sits on the conflict spectrum (S/2011/552, para. 1)"),
        verbose_name=_("conflict stage"),
    )
    status = models.CharField(
        max_length=20,
        choices=SituationStatus.choices,
        default=SituationStatus.MONITORING,
        db_index=True,
        verbose_name=_("status"),
    )
    status_on = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "When the situation was closed or de-escalated (first day of the period when "
            "not precise to a day): the warning-to-action clock stops then"
        ),
        verbose_name=_("status on"),
    )
    # A database default too: rows written in bulk without Django (the benchmarks) need none.
    status_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        db_default=DatePrecision.DAY,
        verbose_name=_("status precision"),
    )
    as_of = models.ForeignKey(
        "cases.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Seeded from this report: measured as of its issue date, not to today"),
        verbose_name=_("as of"),
    )
    risk_level = models.PositiveSmallIntegerField(
        choices=RiskLevel.choices,
        default=RiskLevel.MEDIUM,
        db_index=True,
        verbose_name=_("risk level"),
    )
    sharing = models.CharField(
        max_length=16,
        choices=SharingLevel.choices,
        default=SharingLevel.AMBER,
        db_index=True,
        help_text=_("Traffic Light Protocol 2.0; indicators, engagements and alerts inherit it"),
        verbose_name=_("sharing"),
    )
    shared_with = models.ManyToManyField(
        "cases.Actor",
        blank=True,
        related_name="situations_shared",
        help_text=_("Organisations cleared for AMBER and AMBER+STRICT"),
        verbose_name=_("shared with"),
    )
    accepts_contributions = models.BooleanField(
        null=True,
        blank=True,
        help_text=_(
            "Whether partners on the sharing list may edit its content and add to it "
            "(never its label, list or place). Empty: yes at AMBER, no at AMBER+STRICT. Only the "
            "source (the organisation that created it, or the desk) changes it."
        ),
        verbose_name=_("accepts contributions"),
    )
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    citations = models.ManyToManyField(
        "cases.Paragraph", blank=True, related_name="situations", verbose_name=_("citations")
    )

    history = HistoricalRecords(m2m_fields=[shared_with])

    class Meta:
        verbose_name = _("situation")
        verbose_name_plural = _("situations")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(risk_level__gte=1, risk_level__lte=4),
                name="situation_risk_level_in_scale",
            ),
            models.CheckConstraint(
                condition=models.Q(sharing__in=SharingLevel.values),
                name="situation_sharing_is_tlp",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def status_display_date(self) -> str:
        return format_partial_date(self.status_on, self.status_precision)

    def clean(self) -> None:
        super().clean()
        if self.status_on:
            self.status_on = normalise(self.status_on, self.status_precision)
            if self.status_on > timezone.localdate():
                raise ValidationError({"status_on": "A status cannot be reached in the future."})

    def save(self, *args, **kwargs) -> None:
        if self.status_on:
            self.status_on = normalise(self.status_on, self.status_precision)
        super().save(*args, **kwargs)


class WarningIndicator(TrackedModel):
    """A warning sign observed in a situation."""

    # The services refresh the situation a record left as well as the one it is in.
    read_before_save = ("situation_id",)

    situation = models.ForeignKey(
        Situation, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("situation")
    )
    category = models.CharField(
        max_length=40, choices=IndicatorCategory.choices, db_index=True, verbose_name=_("category")
    )
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, db_index=True, verbose_name=_("severity")
    )
    description = models.TextField(verbose_name=_("description"))
    observed_on = models.DateField(
        help_text=_("First day of the period when not precise to a day"),
        verbose_name=_("observed on"),
    )
    observed_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        verbose_name=_("observed precision"),
    )
    reported_by = models.ForeignKey(
        "cases.Actor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_indicators",
        verbose_name=_("reported by"),
    )
    reported_on = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "When the sign was first reported to the desk (the source's report date; first "
            "day of the period when not precise to a day). Empty: the day it was logged here, or "
            "not known for records seeded from a report"
        ),
        verbose_name=_("reported on"),
    )
    # Optional in forms: no report date needs no precision (stored as Day), nor does a day.
    reported_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        db_default=DatePrecision.DAY,
        blank=True,
        help_text=_("Precision of the report date (a day when left empty)"),
        verbose_name=_("reported precision"),
    )
    threshold_moment = models.BooleanField(
        default=False,
        help_text=_(
            "Marks a moment when parties may decide to use violence (S/2011/552, para. 45)"
        ),
        verbose_name=_("threshold moment"),
    )
    source = models.CharField(max_length=300, blank=True, verbose_name=_("source"))
    citations = models.ManyToManyField(
        "cases.Paragraph", blank=True, related_name="indicators", verbose_name=_("citations")
    )
    # The key of the record this sign was imported from (``acled:<event_id_cnty>``): importing the
    # same event again into the same situation updates this sign instead of adding another. Null,
    # not empty, for a sign logged here: the unique constraint then needs no condition, and model
    # validation skips it (no query) for every sign that has no key.
    external_id = models.CharField(
        max_length=80,
        null=True,
        blank=True,
        default=None,
        editable=False,
        help_text="Key of the imported record (e.g. an ACLED event id) this sign comes from",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warning indicator")
        verbose_name_plural = _("warning indicators")
        ordering = ["situation", "observed_on"]
        indexes = [models.Index(fields=["situation", "severity", "observed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=4),
                name="indicator_severity_in_scale",
            ),
            models.UniqueConstraint(
                fields=["situation", "external_id"],
                name="indicator_external_id_once_per_situation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.observed_display})"

    @property
    def observed_display(self) -> str:
        return format_partial_date(self.observed_on, self.observed_precision)

    @property
    def observed_until(self) -> dt.date:
        return period_end(self.observed_on, self.observed_precision)

    @property
    def reported_display(self) -> str:
        return format_partial_date(self.reported_on, self.reported_precision)

    def _normalise_dates(self) -> None:
        if self.observed_on:
            self.observed_on = normalise(self.observed_on, self.observed_precision)
        if not self.reported_on or not self.reported_precision:
            self.reported_precision = DatePrecision.DAY
        if self.reported_on:
            self.reported_on = normalise(self.reported_on, self.reported_precision)

    def clean(self) -> None:
        super().clean()
        self._normalise_dates()
        if self.observed_on and self.observed_on > timezone.localdate():
            raise ValidationError(
                {"observed_on": "A warning sign cannot be observed in the future."}
            )
        if self.reported_on:
            if self.reported_on > timezone.localdate():
                raise ValidationError(
                    {"reported_on": "A warning sign cannot be reported in the future."}
                )
            # Whole periods: "June 2010" may be reported any day of June 2010.
            if self.observed_on and period_end(self.reported_on, self.reported_precision) < (
                self.observed_on
            ):
                raise ValidationError(
                    {"reported_on": "A warning sign cannot be reported before it was observed."}
                )

    def save(self, *args, **kwargs) -> None:
        self._normalise_dates()
        super().save(*args, **kwargs)
