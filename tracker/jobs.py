"""Queueing background work by name, so that a user's write never depends on the broker.

Jobs are named here, once, beside the Celery app (``tracker.celery``): the app that runs a job
declares its task under the name (``alerts.tasks``), and any layer queues it by name — the case
services, which sit below alerts, queue the recompute of a situation their write changed; the
alerts services queue their own jobs. Tasks call services and services queue tasks; naming them
here keeps that a protocol rather than an import cycle or an import up the layers (the name is
looked up among the tasks Celery registered, so eager mode and routing behave as with the task
object). The catalogue lives in the lowest layer because every layer may queue; the names are
only strings, so ``tracker`` still knows no domain app.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

RECOMPUTE_INTERVALS = "alerts.tasks.recompute_intervals"
REFRESH_SITUATION = "alerts.tasks.refresh_situation"
REFRESH_SITUATIONS = "alerts.tasks.refresh_situations"
EVALUATE_ALERT_RULES = "alerts.tasks.evaluate_alert_rules"
DELIVER_NOTIFICATION = "alerts.tasks.deliver_notification"
DELIVER_NOTIFICATIONS = "alerts.tasks.deliver_notifications"
DELIVER_PENDING_NOTIFICATIONS = "alerts.tasks.deliver_pending_notifications"


def enqueue(job: str, *args, countdown: float | None = None) -> bool:
    """Send the job named ``job`` to the broker; if the broker is unreachable, log it and carry on.

    The periodic jobs catch up with whatever was not queued (intervals are recomputed for
    situations changed since the last run; pending notifications are swept up).
    """
    try:
        # No publish retries: a user is waiting on this request; the periodic job is the retry.
        options = {"countdown": countdown} if countdown is not None else {}
        current_app.tasks[job].apply_async(args=args, retry=False, **options)
    except Exception:  # kombu.OperationalError, OSError, redis errors… — whatever the transport
        logger.warning(
            "Could not queue %s%r; the periodic job will catch up.", job, args, exc_info=True
        )
        return False
    return True


def enqueue_once_on_commit(job: str, *args) -> None:
    """Queue ``job`` once the current transaction commits (never for a rolled-back write); a
    transaction that asks for the same job with the same arguments several times (an import
    saving a hundred records of one situation) queues it once.

    Looks for an identical callback still pending in this transaction; one discarded by a rollback
    is gone from the list, so the next request registers it again.
    """
    connection = transaction.get_connection()
    key = (job, args)
    if connection.in_atomic_block and any(
        getattr(callback, "tracker_job_key", None) == key
        for _, callback, _ in connection.run_on_commit
    ):
        return
    callback = partial(enqueue, job, *args)
    callback.tracker_job_key = key
    transaction.on_commit(callback)
