"""Celery tasks: thin, take ids, call a service. All idempotent — a task run twice (a retry, a
redelivery after a worker died: acks are late) leaves the same state as once.

Each runs on its queue within its time limits (``tracker/jobspec.py``); a database that is
restarting or unreachable (``OperationalError``, ``InterfaceError``) makes a task retry with
exponential backoff instead of failing for good."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tracker import jobs

from . import services
from .choices import DeliveryStatus

# Retried with backoff (1 s, 2 s, 4 s … capped at 5 minutes, jittered), up to 8 times: a
# PostgreSQL restart or failover passes; a broken query does not retry forever.
DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name=jobs.RECOMPUTE_INTERVALS, ignore_result=True, **DATABASE_RETRY)
def recompute_intervals(full: bool = False) -> str:
    """Periodic: bring every stored interval up to date (incremental unless ``full``)."""
    return repr(services.recompute_intervals(full=full))


@shared_task(name=jobs.REFRESH_SITUATION, ignore_result=True, **DATABASE_RETRY)
def refresh_situation(situation_id: str) -> str:
    """After a save: recompute one situation's intervals and evaluate the rules on it."""
    intervals = services.recompute_intervals([situation_id])
    evaluation = services.evaluate_rules([situation_id])
    return f"{intervals!r} {evaluation.transitions!r}"


@shared_task(name=jobs.EVALUATE_ALERT_RULES, ignore_result=True, **DATABASE_RETRY)
def evaluate_alert_rules() -> str:
    """Periodic: raise, keep, resolve and reopen alerts on every situation — after bringing the
    intervals it reads up to date, in the same job. The rules read the stored intervals and
    unanswered signs: run beside a recompute (beat starts both at the same moment), a first
    evaluation read an empty table and opened a fraction of the alerts. The recompute waits for
    any other run (an advisory lock) and is incremental: cheap when nothing changed."""
    intervals = services.recompute_intervals()
    return f"{intervals!r} {services.evaluate_rules().transitions!r}"


# A retry due within this many seconds waits in the broker (a countdown); a later one waits in
# the database (``next_attempt_at``) for the sweep: a message held longer than the broker's
# visibility timeout would be handed out again.
BROKER_RETRY_SECONDS = 600


@shared_task(
    name=jobs.DELIVER_NOTIFICATION,
    bind=True,
    ignore_result=True,
    max_retries=None,
    autoretry_for=DATABASE_RETRY["autoretry_for"],
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
)
def deliver_notification(self, notification_id: int) -> str:
    """Deliver one notification; on failure retry with capped exponential backoff (the service
    counts the attempts in the database and stops when the retry window is over)."""
    outcome = services.deliver(notification_id)
    if outcome.retry_in is not None and outcome.retry_in <= BROKER_RETRY_SECONDS:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name=jobs.DELIVER_NOTIFICATIONS, ignore_result=True, **DATABASE_RETRY)
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Deliver a batch, in order; a failed delivery goes on as its own task, retried with
    backoff. The batch sends a subscription's webhooks one after the other itself, then queues
    the one that follows its last (in order per subscription: ``services.deliver``)."""
    outcomes: dict[str, int] = {}
    done_subscriptions: set[int] = set()
    for notification_id in sorted(notification_ids):
        outcome = services.deliver(notification_id, queue_next=False)
        if outcome.retry_in is not None and outcome.retry_in <= BROKER_RETRY_SECONDS:
            jobs.enqueue(jobs.DELIVER_NOTIFICATION, notification_id, countdown=outcome.retry_in)
        if outcome.subscription_id and outcome.status != DeliveryStatus.PENDING:
            done_subscriptions.add(outcome.subscription_id)
        outcomes[outcome.status] = outcomes.get(outcome.status, 0) + 1
    for subscription_id in sorted(done_subscriptions):
        services.queue_next_webhook(subscription_id)
    return outcomes


@shared_task(name=jobs.DELIVER_PENDING_NOTIFICATIONS, ignore_result=True, **DATABASE_RETRY)
def deliver_pending_notifications() -> int:
    """Periodic: queue again the pending notifications whose task was lost."""
    ids = list(services.due_notifications().values_list("pk", flat=True))
    for notification_id in ids:
        jobs.enqueue(jobs.DELIVER_NOTIFICATION, notification_id)
    return len(ids)
