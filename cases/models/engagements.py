from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import (
    AssessmentRating,
    DatePrecision,
    Instrument,
    Outcome,
    PartnerRole,
    SuccessElementCode,
    Track,
)
from ..dates import format_partial_date, normalise, period_end
from .base import ReferenceModel, TrackedModel

# Shown wherever an engagement's start would be, when the source gives none.
UNDATED = gettext_noop("date not given")


class Engagement(TrackedModel):
    """A diplomatic step taken in a situation: good offices, an envoy, a statement of concern…"""

    # The services refresh the situation a record left as well as the one it is in.
    read_before_save = ("situation_id",)

    situation = models.ForeignKey(
        "cases.Situation",
        on_delete=models.CASCADE,
        related_name="engagements",
        verbose_name=_("situation"),
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    instrument = models.CharField(
        max_length=40, choices=Instrument.choices, db_index=True, verbose_name=_("instrument")
    )
    track = models.CharField(
        max_length=4, choices=Track.choices, default=Track.TRACK_I, verbose_name=_("track")
    )
    lead_actor = models.ForeignKey(
        "cases.Actor",
        on_delete=models.PROTECT,
        related_name="led_engagements",
        verbose_name=_("lead actor"),
    )
    partners = models.ManyToManyField(
        "cases.Actor",
        through="EngagementPartner",
        related_name="partner_engagements",
        blank=True,
        verbose_name=_("partners"),
    )
    started_on = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "First day of the period when not precise to a day; empty when the source gives no date"
        ),
        verbose_name=_("started on"),
    )
    started_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        verbose_name=_("started precision"),
    )
    ended_on = models.DateField(null=True, blank=True, verbose_name=_("ended on"))
    ended_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        verbose_name=_("ended precision"),
    )
    objective = models.TextField(blank=True, verbose_name=_("objective"))
    outcome = models.CharField(
        max_length=16,
        choices=Outcome.choices,
        default=Outcome.ONGOING,
        db_index=True,
        verbose_name=_("outcome"),
    )
    citations = models.ManyToManyField(
        "cases.Paragraph", blank=True, related_name="engagements", verbose_name=_("citations")
    )
    responds_to = models.ManyToManyField(
        "cases.WarningIndicator",
        blank=True,
        related_name="answered_by",
        help_text=_(
            "The warning signs this engagement answers, as a desk officer judges: a link "
            "wins over dates, and is the only way an undated engagement answers a sign"
        ),
        verbose_name=_("responds to"),
    )

    history = HistoricalRecords(m2m_fields=[responds_to])

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        # Undated engagements last.
        ordering = ["situation", models.F("started_on").asc(nulls_last=True)]
        indexes = [models.Index(fields=["situation", "started_on"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.started_display})"

    @property
    def is_dated(self) -> bool:
        return self.started_on is not None

    @property
    def started_display(self) -> str:
        if self.started_on is None:
            return gettext(UNDATED)
        return format_partial_date(self.started_on, self.started_precision)

    @property
    def ended_display(self) -> str:
        return format_partial_date(self.ended_on, self.ended_precision)

    @property
    def ended_until(self) -> dt.date | None:
        return period_end(self.ended_on, self.ended_precision) if self.ended_on else None

    def _normalise_dates(self) -> None:
        if self.started_on:
            self.started_on = normalise(self.started_on, self.started_precision)
        else:
            # A precision means nothing without a date: keep the default, so two undated
            # engagements that say the same thing are stored the same.
            self.started_precision = DatePrecision.DAY
        if self.ended_on:
            self.ended_on = normalise(self.ended_on, self.ended_precision)

    def clean(self) -> None:
        super().clean()
        self._normalise_dates()
        # Compare whole periods: "March 2009" may end on any day of March 2009.
        ends_before_start = (
            self.started_on
            and self.ended_on
            and period_end(self.ended_on, self.ended_precision) < self.started_on
        )
        if ends_before_start:
            raise ValidationError({"ended_on": "An engagement cannot end before it starts."})

    def save(self, *args, **kwargs) -> None:
        self._normalise_dates()
        super().save(*args, **kwargs)


class EngagementPartner(TrackedModel):
    """An actor taking part in an engagement, in one of the roles of para. 51."""

    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.CASCADE,
        related_name="partner_roles",
        verbose_name=_("engagement"),
    )
    actor = models.ForeignKey(
        "cases.Actor", on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    role = models.CharField(max_length=16, choices=PartnerRole.choices, verbose_name=_("role"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("engagement partner")
        verbose_name_plural = _("engagement partners")
        ordering = ["engagement", "role"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "actor"], name="engagement_partner_once")
        ]

    def __str__(self) -> str:
        return f"{self.actor} — {self.get_role_display()}"


class SuccessElement(ReferenceModel):
    """One of the six elements for success of section IV of S/2011/552."""

    code = models.CharField(
        max_length=20, choices=SuccessElementCode.choices, unique=True, verbose_name=_("code")
    )
    order = models.PositiveSmallIntegerField(unique=True, verbose_name=_("order"))
    name = models.CharField(max_length=40, verbose_name=_("name"))
    description = models.TextField(verbose_name=_("description"))
    document_symbol = models.CharField(
        max_length=64, default="S/2011/552", verbose_name=_("document symbol")
    )
    first_paragraph = models.PositiveSmallIntegerField(verbose_name=_("first paragraph"))
    last_paragraph = models.PositiveSmallIntegerField(verbose_name=_("last paragraph"))

    class Meta:
        verbose_name = _("success element")
        verbose_name_plural = _("success elements")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the request: the stored (English) name is the message
        the catalog translates (the six names are ``SuccessElementCode``'s labels); a name
        edited to something the catalog does not know is shown as it is."""
        return gettext(self.name)

    @property
    def citation(self) -> str:
        return f"{self.document_symbol}, paras. {self.first_paragraph}–{self.last_paragraph}"


class Assessment(TrackedModel):
    """An engagement rated on one success element, with the evidence for the rating."""

    engagement = models.ForeignKey(
        Engagement,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("engagement"),
    )
    element = models.ForeignKey(
        SuccessElement, on_delete=models.PROTECT, related_name="+", verbose_name=_("element")
    )
    rating = models.PositiveSmallIntegerField(
        choices=AssessmentRating.choices, verbose_name=_("rating")
    )
    evidence = models.TextField(blank=True, verbose_name=_("evidence"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    citations = models.ManyToManyField(
        "cases.Paragraph", blank=True, related_name="assessments", verbose_name=_("citations")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["engagement", "element__order"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "element"], name="assessment_once"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=0, rating__lte=3),
                name="assessment_rating_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} — {self.element}: {self.get_rating_display()}"
