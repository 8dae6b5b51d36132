"""Early action reviews: after a first response, or when a target is missed, what held the
response back (bottlenecks) and what helped it (enablers), each filed under one of the six
elements for success, and the follow-up actions agreed, with an owner and a due date.

A review and its findings and follow-ups belong to a situation and inherit its sharing level
(``cases.sharing``): a partner who may not see the situation sees none of them.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import DatePrecision, FindingKind, FollowUpStatus, ReviewTrigger
from ..dates import format_partial_date
from .base import TrackedModel


def _day(value) -> str:
    return format_partial_date(value, DatePrecision.DAY) if value else ""


class EarlyActionReview(TrackedModel):
    """A review of how a situation was answered, held on one day."""

    # The services refresh the situation a review left as well as the one it is in.
    read_before_save = ("situation_id",)

    situation = models.ForeignKey(
        "cases.Situation",
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("situation"),
    )
    held_on = models.DateField(
        help_text=_("The day the review was held"), verbose_name=_("held on")
    )
    trigger = models.CharField(
        max_length=20,
        choices=ReviewTrigger.choices,
        default=ReviewTrigger.FIRST_RESPONSE,
        help_text=_("After the first response, or because a warning-to-action target was missed"),
        verbose_name=_("trigger"),
    )
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    citations = models.ManyToManyField(
        "cases.Paragraph", blank=True, related_name="reviews", verbose_name=_("citations")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["situation", "-held_on", "created_at"]
        verbose_name = _("early action review")
        verbose_name_plural = _("early action reviews")
        indexes = [models.Index(fields=["situation", "held_on"])]

    def __str__(self) -> str:
        return f"Review of {self.situation} ({self.held_display})"

    @property
    def held_display(self) -> str:
        return _day(self.held_on)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.held_on and self.held_on > timezone.localdate():
            errors["held_on"] = "A review is recorded once it has been held."
        if not self._state.adding and self.situation_id is not None:
            stored = (
                type(self)
                ._base_manager.filter(pk=self.pk)
                .values_list("situation_id", flat=True)
                .first()
            )
            if stored is not None and stored != self.situation_id:
                # Its findings, follow-ups and their alerts belong to the situation reviewed.
                errors["situation"] = (
                    "A review stays with the situation it reviewed; record a new one there."
                )
        if errors:
            raise ValidationError(errors)


class ReviewChild:
    """What a review's finding or follow-up shares: reaching its review safely."""

    def _review_or_none(self) -> EarlyActionReview | None:
        # In the admin's inline the review may be new (not saved yet) but set on the row.
        try:
            return self.review
        except EarlyActionReview.DoesNotExist:
            return None


def _check_same_situation(record: ReviewFinding | FollowUpAction) -> dict[str, str]:
    """A finding or follow-up may move to another review of the same situation only: its feed
    entries and alerts are filed under the situation."""
    if record._state.adding or record.review_id is None:
        return {}
    stored = (
        type(record)
        ._base_manager.filter(pk=record.pk)
        .values_list("review__situation_id", flat=True)
        .first()
    )
    review = record._review_or_none()
    if stored is not None and review is not None and stored != review.situation_id:
        return {"review": "Move it only to another review of the same situation."}
    return {}


class ReviewFinding(ReviewChild, TrackedModel):
    """A bottleneck or an enabler the review found, filed under one success element."""

    review = models.ForeignKey(
        EarlyActionReview,
        on_delete=models.CASCADE,
        related_name="findings",
        verbose_name=_("review"),
    )
    kind = models.CharField(max_length=12, choices=FindingKind.choices, verbose_name=_("kind"))
    element = models.ForeignKey(
        "cases.SuccessElement",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The element for success (S/2011/552, section IV) it bears on"),
        verbose_name=_("element"),
    )
    text = models.TextField(
        help_text=_("What held the response back, or what helped it"), verbose_name=_("text")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review finding")
        verbose_name_plural = _("review findings")
        ordering = ["review", "kind", "element__order", "created_at"]
        indexes = [models.Index(fields=["element", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.element}): {self.text[:60]}"

    def clean(self) -> None:
        super().clean()
        if errors := _check_same_situation(self):
            raise ValidationError(errors)


class FollowUpAction(ReviewChild, TrackedModel):
    """An action the review agreed: who does it, by when, and whether it was done."""

    review = models.ForeignKey(
        EarlyActionReview,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("review"),
    )
    action = models.TextField(verbose_name=_("action"))
    owner = models.ForeignKey(
        "cases.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text=_("The actor responsible, when it is on record"),
        verbose_name=_("owner"),
    )
    owner_name = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "Or the responsible office or person, in words (e.g. the desk of a regional office)"
        ),
        verbose_name=_("owner name"),
    )
    due_on = models.DateField(
        help_text=_("Past this day (and the rule's days of grace) it alerts"),
        verbose_name=_("due on"),
    )
    status = models.CharField(
        max_length=10,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.OPEN,
        db_index=True,
        verbose_name=_("status"),
    )
    done_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("The day it was done (or dropped)"),
        verbose_name=_("done on"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "due_on", "created_at"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.action[:80]} ({self.owner_display}, due {self.due_display})"

    @property
    def owner_display(self) -> str:
        """The owner in words: the actor on record, the office named, or both."""
        names = [str(self.owner) if self.owner_id else "", self.owner_name]
        return " — ".join(n for n in names if n) or "no owner named"

    @property
    def due_display(self) -> str:
        return _day(self.due_on)

    @property
    def done_display(self) -> str:
        return _day(self.done_on)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == FollowUpStatus.OPEN and self.due_on is not None and self.due_on < today
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if not self.owner_id and not self.owner_name.strip():
            errors["owner_name"] = "Name who is responsible: an actor on record or an office."
        if self.status == FollowUpStatus.DONE and self.done_on is None:
            errors["done_on"] = "A follow-up done needs the day it was done."
        elif self.status == FollowUpStatus.OPEN and self.done_on is not None:
            errors["done_on"] = "An open follow-up has not been done yet: leave it empty."
        elif self.done_on and self.done_on > timezone.localdate():
            errors["done_on"] = "Cannot be in the future."
        errors.update(_check_same_situation(self))
        review = self._review_or_none()
        if review is not None and review.held_on:
            if self.due_on and self.due_on < review.held_on:
                errors["due_on"] = "Cannot be due before the review was held."
            if self.done_on and self.done_on < review.held_on and "done_on" not in errors:
                errors["done_on"] = "Cannot be done before the review was held."
        if errors:
            raise ValidationError(errors)
