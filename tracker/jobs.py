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
import threading
from functools import partial

from celery import current_app
from django.db import transaction

from . import redis_guard
from .jobspec import (  # noqa: F401 (the names, re-exported: callers say jobs.REFRESH_SITUATION)
    CATCH_UP,
    DELIVER_NOTIFICATION,
    DELIVER_NOTIFICATIONS,
    DELIVER_PENDING_NOTIFICATIONS,
    EVALUATE_ALERT_RULES,
    RECOMPUTE_INTERVALS,
    REFRESH_SITUATION,
    REFRESH_SITUATIONS,
    SYNC_SOURCES,
)

logger = logging.getLogger(__name__)

# Set when this process could not queue a job; the next successful publish queues the catch-up.
_missed = threading.Event()
_last_error = ["no error"]  # the broker's last failure in this process, told while skipping it


def _publish(job: str, args: tuple, options: dict) -> None:
    # No publish retries: a user is waiting on this request; the periodic job is the retry.
    current_app.tasks[job].apply_async(args=args, retry=False, **options)


def enqueue(job: str, *args, countdown: float | None = None) -> bool:
    """Send the job named ``job`` to the broker; if the broker is unreachable, log it and carry on.

    Bounded: the broker's sockets time out quickly (``tracker.redis_guard``), and after a failure
    this process does not ask again for a few seconds (a circuit breaker) — a hung Redis costs a
    write at most one short timeout. Nothing is lost: the periodic jobs catch up with whatever was
    not queued (intervals are recomputed for situations changed since the last run, the rules
    evaluated after them, pending notifications swept up), and the first job this process queues
    once the broker answers again is followed by that catch-up (``CATCH_UP``).
    """
    options = {"countdown": countdown} if countdown is not None else {}
    try:
        redis_guard.BROKER.call(_publish, job, args, options)
    except redis_guard.Open:
        _missed.set()
        logger.warning(
            "Could not queue %s%r: the broker failed moments ago (%s); the periodic job will "
            "catch up.",
            job,
            args,
            _last_error[0],
        )
        return False
    except Exception as error:  # kombu.OperationalError, OSError, redis errors… — any transport
        _missed.set()
        _last_error[0] = f"{type(error).__name__}: {error}"
        logger.warning(
            "Could not queue %s%r; the periodic job will catch up.", job, args, exc_info=True
        )
        return False
    if _missed.is_set():
        _missed.clear()
        for catch_up in CATCH_UP:
            if catch_up != job:
                enqueue(catch_up)
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
