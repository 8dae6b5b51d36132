"""Writes of the alerts' settings (the measure's threshold, the alert rules): each records its
history with its author and queues the recomputes it calls for, once, after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tracker import jobs

from ..models import AlertRule, IntervalFigure, MeasureSettings


def _with_author(record, by: Any | None) -> None:
    if by is not None and getattr(by, "is_authenticated", False):
        record._history_user = by


@transaction.atomic
def save_measure_settings(settings: MeasureSettings, *, by: Any | None = None) -> MeasureSettings:
    """A new threshold changes every situation's first warning: recompute them all, then the
    rules. The stored overview figures are dropped: they may have been computed with another
    "known to within N days" (the full recompute stores them all again; until then the overview
    computes them when read)."""
    settings.full_clean()
    _with_author(settings, by)
    settings.save()
    IntervalFigure.objects.all().delete()
    jobs.enqueue_once_on_commit(jobs.RECOMPUTE_INTERVALS, True)
    jobs.enqueue_once_on_commit(jobs.EVALUATE_ALERT_RULES)
    return settings


@transaction.atomic
def save_alert_rule(rule: AlertRule, *, by: Any | None = None) -> AlertRule:
    """Create or change a rule; the rules are evaluated again after commit."""
    rule.full_clean()
    _with_author(rule, by)
    rule.save()
    jobs.enqueue_once_on_commit(jobs.EVALUATE_ALERT_RULES)
    return rule


@transaction.atomic
def delete_alert_rule(rule: AlertRule, *, by: Any | None = None) -> None:
    _with_author(rule, by)
    rule.delete()
    jobs.enqueue_once_on_commit(jobs.EVALUATE_ALERT_RULES)
