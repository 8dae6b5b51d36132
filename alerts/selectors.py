"""Reusable reads of the alerts app. Each takes a ``Clearance`` and narrows through
``cases.sharing`` (intervals and alerts inherit their situation's Traffic Light Protocol level)."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    DateField,
    Expression,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import Exact
from django.utils import timezone

from cases.choices import CLOCK_STOPPING_STATUSES
from cases.dates import PeriodEnd
from cases.models import WarningIndicator
from cases.sharing import Clearance, restrict_to_clearance

from .choices import ACTIVE_STATUSES
from .models import Alert, SituationInterval, UnansweredWarning
from .services.intervals import warning_intervals_of
from .services.sql import DaysBetween


def situation_intervals(clearance: Clearance) -> QuerySet[SituationInterval]:
    """One row per situation, as stored by the last recompute."""
    rows = SituationInterval.objects.select_related("situation", "first_warning", "first_action")
    return restrict_to_clearance(rows, clearance, situation_path="situation")


def measured_to(situation: str, today: dt.date) -> tuple[Expression, Expression]:
    """The first and the last day an unanswered sign's wait is measured to, as expressions over
    the situation at path ``situation``: the period its clock stopped in (``SituationInterval``:
    ``stopped_on`` is its last day; its first is the status date at its precision when the stop
    is that status, else the report's issue date), or ``today`` — never after today. The same
    bounds as ``SituationInterval.measured_bounds``."""
    today_value = Value(today, output_field=DateField())
    stop_until = F(f"{situation}__interval__stopped_on")
    status_on = F(f"{situation}__status_on")
    from_status = Q(
        Exact(PeriodEnd(f"{situation}__status_on", f"{situation}__status_precision"), stop_until),
        **{f"{situation}__status__in": CLOCK_STOPPING_STATUSES},
    )
    stop_from = Case(When(from_status, then=status_on), default=stop_until)
    return (
        Least(Coalesce(stop_from, today_value), today_value),
        Least(Coalesce(stop_until, today_value), today_value),
    )


def warning_intervals(
    clearance: Clearance, *, today: dt.date | None = None
) -> QuerySet[WarningIndicator]:
    """Each warning sign with the time to its next engagement (computed when read, see
    ``warning_intervals_of``) and ``wait_min``/``wait_max``: that interval, or for a sign still
    unanswered the wait so far, to ``today`` — or to the stop when its situation's clock stopped
    (``stopped_on``, the stop's last day, is annotated too)."""
    start, until = measured_to("situation", today or timezone.localdate())
    rows = warning_intervals_of(WarningIndicator.objects.select_related("situation")).annotate(
        stopped_on=F("situation__interval__stopped_on"),
        wait_min=Case(
            When(is_open=True, then=Greatest(DaysBetween(start, F("warning_until")), 0)),
            default=F("days_min"),
            output_field=IntegerField(),
        ),
        wait_max=Case(
            When(is_open=True, then=Greatest(DaysBetween(until, F("observed_on")), 0)),
            default=F("days_max"),
            output_field=IntegerField(),
        ),
    )
    return restrict_to_clearance(rows, clearance, situation_path="situation")


def answers_to_signs(
    indicators: QuerySet[WarningIndicator], *, measured_to: dt.date
) -> QuerySet[WarningIndicator]:
    """``indicators`` (already narrowed to what the reader may see) with their answers
    (``warning_intervals_of``: ``answer_state``, ``answered_by_id``, ``days_min``/``days_max``)
    and ``wait_min``/``wait_max``: for a sign still unanswered, the wait to ``measured_to`` — the
    day its situation's clock stopped, or today."""
    measured = Value(measured_to, output_field=DateField())
    return warning_intervals_of(indicators).annotate(
        wait_min=Case(
            When(is_open=True, then=Greatest(DaysBetween(measured, F("warning_until")), 0)),
            default=F("days_min"),
            output_field=IntegerField(),
        ),
        wait_max=Case(
            When(is_open=True, then=Greatest(DaysBetween(measured, F("observed_on")), 0)),
            default=F("days_max"),
            output_field=IntegerField(),
        ),
    )


def unanswered_warnings(clearance: Clearance) -> QuerySet[UnansweredWarning]:
    """The stored unanswered warning signs (see ``UnansweredWarning.days_open``)."""
    rows = UnansweredWarning.objects.select_related("indicator", "situation")
    return restrict_to_clearance(rows, clearance, situation_path="situation")


def alerts(clearance: Clearance, *, active_only: bool = False) -> QuerySet[Alert]:
    rows = Alert.objects.select_related(
        "rule", "situation", "engagement", "indicator", "acknowledged_by"
    )
    if active_only:
        rows = rows.filter(status__in=ACTIVE_STATUSES)
    return restrict_to_clearance(rows, clearance, situation_path="situation")
