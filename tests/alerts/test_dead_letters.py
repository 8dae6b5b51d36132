"""No webhook lost to a long outage (issue 16): retried with capped exponential backoff for the
retry window (24 h by default, admin-editable), then a dead letter; in order per subscription.

Time passes in the database: the notification's series is moved back, nobody sleeps.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.choices import DeliveryStatus
from alerts.models import DeliverySettings, Notification
from alerts.services import deliver, due_notifications, evaluate_rules, recompute_intervals
from alerts.services.configuration import save_delivery_settings
from alerts.tasks import deliver_notifications
from cases.choices import Severity, SharingLevel
from tests.factories import SituationFactory, WarningIndicatorFactory, WebhookSubscriptionFactory

from .helpers import Receiver, closed_port, days_ago

pytestmark = pytest.mark.django_db


def raise_alerts(count: int = 1) -> None:
    for _ in range(count):
        WarningIndicatorFactory(
            situation=SituationFactory(sharing=SharingLevel.GREEN),
            severity=Severity.CRITICAL,
            observed_on=days_ago(9),
        )
    recompute_intervals()
    evaluate_rules()


def hours_ago(notification: Notification, hours: float) -> None:
    """The notification's series began ``hours`` ago (its first attempt then)."""
    Notification.objects.filter(pk=notification.pk).update(
        series_started_at=timezone.now() - dt.timedelta(hours=hours)
    )


def test_the_default_window_is_a_day_and_editable():
    delivery = DeliverySettings.load()
    assert (delivery.retry_hours, delivery.max_backoff_minutes) == (24, 60)
    delivery.retry_hours = 72
    save_delivery_settings(delivery)
    assert DeliverySettings.load().retry_hours == 72
    assert DeliverySettings.history.first().retry_hours == 72  # its history kept


def test_a_partner_down_past_the_old_limit_still_gets_its_webhooks():
    """Before: 6 attempts over about 15.5 minutes, then failed for good."""
    subscription = WebhookSubscriptionFactory(url=f"http://127.0.0.1:{closed_port()}/hook")
    raise_alerts()
    hook = Notification.objects.get(subscription=subscription)
    outcomes = [deliver(hook.pk) for _ in range(8)]  # past the old 6 attempts
    assert {o.status for o in outcomes} == {DeliveryStatus.PENDING}
    # The backoff doubles and is capped at the settings' hour.
    assert [o.retry_in for o in outcomes] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    for hours in (1, 12, 23.5):  # an outage of a working day, then of almost a day
        hours_ago(hook, hours)
        assert deliver(hook.pk).status == DeliveryStatus.PENDING
    hook.refresh_from_db()
    assert hook.attempts == 11 and hook.next_attempt_at is not None
    # A retry an hour off waits in the database; the sweep queues it once due.
    Notification.objects.filter(pk=hook.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=6)
    )
    assert list(due_notifications()) == [hook]
    with Receiver(secret=subscription.secret) as receiver:  # the partner is back
        subscription.url = receiver.url
        subscription.save()
        assert deliver(hook.pk).status == DeliveryStatus.DELIVERED
    assert [r["valid"] for r in receiver.requests] == [True]
    hook.refresh_from_db()
    assert hook.delivery_attempts.count() == 12


def test_past_the_window_a_delivery_becomes_a_dead_letter():
    subscription = WebhookSubscriptionFactory(url=f"http://127.0.0.1:{closed_port()}/hook")
    raise_alerts()
    hook = Notification.objects.get(subscription=subscription)
    assert deliver(hook.pk).status == DeliveryStatus.PENDING
    hours_ago(hook, 24.1)
    outcome = deliver(hook.pk)
    assert outcome.status == DeliveryStatus.FAILED and outcome.retry_in is None
    hook.refresh_from_db()
    assert hook.next_attempt_at is None and hook.delivery_attempts.count() == 2
    assert not due_notifications(timezone.now() + dt.timedelta(days=2)).filter(pk=hook.pk).exists()


def test_a_subscriptions_webhooks_go_out_in_the_order_they_were_raised(
    eager_celery, django_capture_on_commit_callbacks
):
    subscription = WebhookSubscriptionFactory(url=f"http://127.0.0.1:{closed_port()}/hook")
    raise_alerts(3)
    first, second, third = Notification.objects.filter(subscription=subscription).order_by(
        "created_at", "pk"
    )
    assert deliver(first.pk).status == DeliveryStatus.PENDING  # the partner is down
    # The later ones wait behind the first: no attempt, nothing sent out of order.
    assert deliver(third.pk).status == DeliveryStatus.PENDING
    assert deliver(second.pk).status == DeliveryStatus.PENDING
    assert not Notification.objects.get(pk=third.pk).delivery_attempts.exists()
    # Only the first is due for the sweep.
    later = timezone.now() + dt.timedelta(hours=2)
    assert [n.pk for n in due_notifications(later) if n.subscription_id] == [first.pk]
    with Receiver(secret=subscription.secret) as receiver:
        subscription.url = receiver.url
        subscription.save()
        # The first delivered queues the next, which queues the next (eagerly here).
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(first.pk).status == DeliveryStatus.DELIVERED
    delivered = [int(r["headers"]["X-Tracker-Delivery"]) for r in receiver.requests]
    assert delivered == [first.pk, second.pk, third.pk]
    assert set(
        Notification.objects.filter(subscription=subscription).values_list("status", flat=True)
    ) == {DeliveryStatus.DELIVERED}


def test_a_batch_sends_a_subscriptions_webhooks_in_order_and_queues_what_follows(
    eager_celery, django_capture_on_commit_callbacks
):
    with Receiver(secret="s") as receiver:
        subscription = WebhookSubscriptionFactory(url=receiver.url, secret="s")
        raise_alerts(4)
        ids = list(
            Notification.objects.filter(subscription=subscription)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        with django_capture_on_commit_callbacks(execute=True):
            # A batch holding the first three, given out of order; the fourth, in no batch
            # (its task lost), is queued by the batch once the third is delivered.
            outcomes = deliver_notifications([ids[2], ids[0], ids[1]])
    assert outcomes == {DeliveryStatus.DELIVERED: 3}
    assert [int(r["headers"]["X-Tracker-Delivery"]) for r in receiver.requests] == ids
