"""The warning-to-action interval (S/2011/552, para. 47), stored so every reader shares one figure.

The rows are derived data: ``alerts.services.intervals`` rebuilds them set-based from the
indicators and engagements, and nothing else writes them. Their foreign keys carry no database
constraint (the recompute inserts hundreds of thousands of rows at once and checks them itself);
Django still cascades deletes.
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.choices import Severity
from cases.dates import format_period
from tracker.models import OneRowSettings


class MeasureSettings(OneRowSettings):
    """The one row of settings for the measure, editable in the admin."""

    threshold_severity = models.PositiveSmallIntegerField(
        choices=Severity.choices,
        default=Severity.HIGH,
        help_text=_(
            "A situation's interval starts at its first warning sign of at least this "
            "severity. Changing it recomputes every interval."
        ),
        verbose_name=_("threshold severity"),
    )
    known_within_days = models.PositiveSmallIntegerField(
        default=31,
        validators=[MinValueValidator(0), MaxValueValidator(3660)],
        help_text=_(
            "The overview's median of intervals known to within this many days: an "
            "interval whose dates leave a wider range (a date known only to a year, or both to a "
            "month) is left out of it, and the count left out is shown. 31, the longest month, keeps "
            "an interval with one end known only to its month (at most 30 days wide) and leaves out "
            "a year-only date (at least 364 days)."
        ),
        verbose_name=_("known within days"),
    )
    # Public health's 7-1-7 target (detect an outbreak within 7 days of its emergence, notify
    # public health authorities within 1 day of detection, complete the early response within 7
    # days of notification) carried over to preventive diplomacy.
    detect_target_days = models.PositiveSmallIntegerField(
        default=7,
        help_text=_(
            "Detection target, in days from the first warning sign (emergence) to the "
            "sign reaching the desk. Public health's 7-1-7 target detects within 7 days."
        ),
        verbose_name=_("detect target days"),
    )
    notify_target_days = models.PositiveSmallIntegerField(
        default=1,
        help_text=_(
            "Notification target, in days from detection to a decision maker or the lead "
            "actor alerted (a note to the Secretary-General, a briefing). 7-1-7 notifies within 1 "
            "day."
        ),
        verbose_name=_("notify target days"),
    )
    respond_target_days = models.PositiveSmallIntegerField(
        default=7,
        help_text=_(
            "Response target, in days from notification to the first response (the first "
            "engagement answering the sign). 7-1-7 responds within 7 days."
        ),
        verbose_name=_("respond target days"),
    )
    intervals_computed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Start of the last recompute of every interval; the next one looks only at "
            "situations changed since"
        ),
        verbose_name=_("intervals computed at"),
    )

    history = HistoricalRecords(excluded_fields=["intervals_computed_at"])

    class Meta:
        verbose_name = _("measure settings")
        verbose_name_plural = _("measure settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="measure_settings_singleton")
        ]

    def __str__(self) -> str:
        return gettext("Interval from the first warning at or above %(severity)s") % {
            "severity": self.get_threshold_severity_display()
        }

    @property
    def targets(self) -> dict[str, int]:
        """The milestone targets in days, by name (``alerts.services.milestones.TARGETS``)."""
        return {
            "detect": self.detect_target_days,
            "notify": self.notify_target_days,
            "respond": self.respond_target_days,
        }


def format_interval(days_min: int | None, days_max: int | None, is_open: bool) -> str:
    """``12 days``, ``0–29 days`` when a date is known only to the month, ``open: …`` if unanswered."""
    if days_min is None or days_max is None:
        return gettext("no warning")
    if days_min == days_max:
        span = ngettext("%(days)d day", "%(days)d days", days_min) % {"days": days_min}
    else:
        span = gettext("%(low)d–%(high)d days") % {"low": days_min, "high": days_max}
    return gettext("open: %(span)s so far") % {"span": span} if is_open else span


def format_stopped(span: str, stopped: str) -> str:
    """An unanswered wait measured to the day its situation's clock stopped."""
    return gettext("open: %(span)s (clock stopped %(stopped)s)") % {
        "span": span,
        "stopped": stopped,
    }


class IntervalFields(models.Model):
    """An interval in whole days, as bounds when a date is known only to a month or a year."""

    action_from = models.DateField(
        null=True, blank=True, help_text="Earliest day the first action may have started"
    )
    action_until = models.DateField(
        null=True, blank=True, help_text="Latest day by which the first action had started"
    )
    days_min = models.IntegerField(
        null=True, blank=True, help_text="Shortest interval the dates allow, in days"
    )
    days_max = models.IntegerField(
        null=True, blank=True, help_text="Longest interval the dates allow, in days"
    )
    is_open = models.BooleanField(
        default=False, help_text="No action yet: the interval runs to the day it was measured"
    )
    is_exact = models.BooleanField(
        default=False, help_text="Both ends known to the day (the bounds are equal)"
    )

    class Meta:
        abstract = True


class SituationInterval(IntervalFields):
    """For one situation: its first warning at or above the threshold and the first action after."""

    situation = models.OneToOneField(
        "cases.Situation",
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="interval",
    )
    threshold_severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    first_warning = models.ForeignKey(
        "cases.WarningIndicator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    warning_from = models.DateField(
        null=True, blank=True, help_text="Earliest day the first warning may have been observed"
    )
    warning_until = models.DateField(
        null=True, blank=True, help_text="Latest day by which the first warning was observed"
    )
    first_action = models.ForeignKey(
        "cases.Engagement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    measured_to = models.DateField(
        null=True,
        blank=True,
        help_text="For an open interval, the day it was measured to: today, or the day the "
        "clock stopped",
    )
    is_stopped = models.BooleanField(
        default=False,
        help_text="The clock stopped: the situation was closed or de-escalated, or is measured as "
        "of the report it was seeded from. No alert is raised on it.",
    )
    stopped_on = models.DateField(
        null=True,
        blank=True,
        help_text="The last day of the period the clock stopped in, when known (a status date or "
        "the report's issue date); open intervals are measured to it",
    )
    stopped_from = models.DateField(
        null=True,
        blank=True,
        help_text="The first day of the period the clock stopped in, when known: a milestone "
        "still missing is known to be late only by then",
    )
    # The milestones between the first warning (emergence: warning_from/until) and the first
    # response (action_from/until), as bounds: the earliest and the latest day each may have been.
    detected_from = models.DateField(
        null=True,
        blank=True,
        help_text="Detection: the earliest day a warning sign at the threshold may have reached "
        "the desk (its report date, or the day it was logged)",
    )
    detected_until = models.DateField(
        null=True,
        blank=True,
        help_text="The latest day by which one had reached the desk; empty when not known (signs "
        "seeded from a report without a report date)",
    )
    notified_from = models.DateField(
        null=True,
        blank=True,
        help_text="Notification: the earliest day of the first briefing of a decision maker "
        "after the first warning; empty when none is recorded",
    )
    notified_until = models.DateField(
        null=True, blank=True, help_text="The latest day by which that briefing was given"
    )
    changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the recompute last changed these figures"
    )
    # The figures are shown over the API as a record of their own (``/api/v1/intervals/``):
    # every change the recompute makes counts the version on and is told in the change feed.
    version = models.PositiveIntegerField(default=1, db_default=1)

    class Meta:
        verbose_name = "warning-to-action interval"
        ordering = ["-is_open", "-days_max"]
        indexes = [
            models.Index(
                fields=["measured_to"], condition=models.Q(is_open=True), name="situation_open_idx"
            ),
            # The rows a run changed, told in the change feed at its end.
            models.Index(fields=["changed_at"], name="situation_interval_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.situation}: {self.interval_display}"

    @property
    def interval_display(self) -> str:
        """``12 days``, ``open: 30 days so far`` — or, unanswered on a stopped clock, measured to
        the stop and naming it: ``open: 30–60 days (clock stopped July 2010)``."""
        if self.warning_from is not None and self.days_min is None and not self.is_open:
            # Answered only through links to engagements the source does not date.
            return gettext("answered, days not known")
        if self.is_open and self.stopped_display:
            span = format_interval(self.days_min, self.days_max, False)
            return format_stopped(span, self.stopped_display)
        return format_interval(self.days_min, self.days_max, self.is_open)

    @property
    def stopped_display(self) -> str:
        """The stop at its precision ("April 2010", "26 August 2011"); "" when running."""
        return format_period(self.stopped_from, self.stopped_on) if self.stopped_from else ""

    def measured_bounds(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """The first and last day a wait is measured to: the period the clock stopped in, or
        today (never after today)."""
        today = today or timezone.localdate()
        start = self.stopped_from
        if start is None:
            return today, today
        return min(start, today), min(self.stopped_on, today)


class UnansweredWarning(models.Model):
    """A warning sign no engagement of its situation has answered yet (S/2011/552, para. 47).

    An engagement answers a warning sign if it may have started on or after it (see
    ``alerts.services.intervals``). Only the unanswered signs are stored: the "no action" rule and
    the dashboards read them set-based across every situation, while the time from an answered
    sign to its next engagement is asked of one situation at a time and is computed when read
    (``alerts.selectors.warning_intervals``). The wait grows every day, so it is not stored either:
    ``days_open()`` (or SQL from ``warning_from``) reads it to the day asked.
    """

    indicator = models.OneToOneField(
        "cases.WarningIndicator",
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="unanswered",
    )
    # Deleted with the indicator (its cascade), so the situation needs no index of its own here.
    situation = models.ForeignKey(
        "cases.Situation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    warning_from = models.DateField(help_text="First day of the period the warning was observed in")
    warning_until = models.DateField(help_text="Last day of that period")
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, help_text="The warning sign's, copied for the alert rules' scans"
    )

    class Meta:
        verbose_name = "unanswered warning sign"
        ordering = ["warning_from"]
        indexes = [
            # The "no action" rule: unanswered signs by the day the warning began.
            models.Index(fields=["warning_from"], name="unanswered_since_idx"),
            # The dashboard's unanswered warnings, grouped per situation, read from the index
            # alone.
            models.Index(
                fields=["situation", "warning_from"],
                include=["severity", "warning_until"],
                name="unanswered_situation_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.interval_display}"

    def days_open(
        self, today: dt.date | None = None, *, interval: SituationInterval | None = None
    ) -> tuple[int, int]:
        """The bounds of the wait so far, in days (a range when the warning's date is coarse),
        to today — or, when the situation's clock stopped, to the stop (issue 13). ``interval``:
        the situation's, if already read (else it is read, with its situation)."""
        if interval is None:
            interval = self.situation_interval()
        if interval is None:
            start = until = today or timezone.localdate()
        else:
            start, until = interval.measured_bounds(today)
        return max((start - self.warning_until).days, 0), max((until - self.warning_from).days, 0)

    def situation_interval(self) -> SituationInterval | None:
        try:
            return self.situation.interval
        except SituationInterval.DoesNotExist:
            return None

    @property
    def interval_display(self) -> str:
        interval = self.situation_interval()
        low, high = self.days_open(interval=interval)
        if interval is not None and interval.stopped_display:
            span = format_interval(low, high, False)
            return format_stopped(span, interval.stopped_display)
        return format_interval(low, high, True)
