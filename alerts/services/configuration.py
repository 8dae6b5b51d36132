"""Writes of the alerts' settings (the measure's threshold, the alert rules): each records its
history with its author and queues the recomputes it calls for, once, after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tracker import jobs

from ..models import (
    AlertRule,
    DeliverySettings,
    IntervalFigure,
    MeasureSettings,
    WebhookSubscription,
)
from ..models.notifications import new_secret


def _with_author(record, by: Any | None, reason: str = "") -> None:
    """``by`` is the history's author; without one, nobody (not the request's user, which for
    a partner system's token is no person)."""
    is_person = by is not None and getattr(by, "is_authenticated", False) and by.pk is not None
    record._history_user = by if is_person else None
    if reason:
        record._change_reason = reason


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
def save_delivery_settings(
    settings: DeliverySettings, *, by: Any | None = None
) -> DeliverySettings:
    """How long failing deliveries are retried: read by each attempt, nothing to recompute."""
    settings.full_clean()
    _with_author(settings, by)
    settings.save()
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


@transaction.atomic
def save_webhook_subscription(
    subscription: WebhookSubscription, *, by: Any | None = None, reason: str = ""
) -> WebhookSubscription:
    """Create or change a partner's webhook subscription (validated: a public http(s) URL)."""
    subscription.full_clean()
    _with_author(subscription, by, reason)
    subscription.save()
    return subscription


@transaction.atomic
def rotate_webhook_secret(
    subscription: WebhookSubscription, *, by: Any | None = None, reason: str = ""
) -> WebhookSubscription:
    """A new signing secret; deliveries from now on are signed with it."""
    subscription.secret = new_secret()
    return save_webhook_subscription(subscription, by=by, reason=reason)


@transaction.atomic
def unsubscribe_webhook(
    subscription: WebhookSubscription, *, by: Any | None = None, reason: str = ""
) -> None:
    """Stop deliveries. The subscription stays, inactive, with its deliveries' history (a delete
    would take that history with it); it can be switched on again."""
    subscription.is_active = False
    save_webhook_subscription(subscription, by=by, reason=reason)
