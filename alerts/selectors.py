"""Reusable reads of the alerts app. Each takes a ``Clearance`` and narrows through
``cases.sharing`` (intervals and alerts inherit their situation's Traffic Light Protocol level)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, DateField, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

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


def warning_intervals(
    clearance: Clearance, *, today: dt.date | None = None
) -> QuerySet[WarningIndicator]:
    """Each warning sign with the time to its next engagement (computed when read, see
    ``warning_intervals_of``) and ``wait_min``/``wait_max``: that interval, or for a sign still
    unanswered the wait so far, to ``today``."""
    today_value = Value(today or timezone.localdate(), output_field=DateField())
    rows = warning_intervals_of(WarningIndicator.objects.select_related("situation")).annotate(
        wait_min=Case(
            When(is_open=True, then=Greatest(DaysBetween(today_value, F("warning_until")), 0)),
            default=F("days_min"),
            output_field=IntegerField(),
        ),
        wait_max=Case(
            When(is_open=True, then=Greatest(DaysBetween(today_value, F("observed_on")), 0)),
            default=F("days_max"),
            output_field=IntegerField(),
        ),
    )
    return restrict_to_clearance(rows, clearance, situation_path="situation")


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
