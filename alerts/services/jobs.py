"""Queueing background work so that a user's write never depends on the broker."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, countdown: float | None = None) -> bool:
    """Send ``task`` to the broker; if the broker is unreachable, log it and carry on.

    The periodic jobs catch up with whatever was not queued (intervals are recomputed for
    situations changed since the last run; pending notifications are swept up).
    """
    try:
        # No publish retries: a user is waiting on this request; the periodic job is the retry.
        options = {"countdown": countdown} if countdown is not None else {}
        task.apply_async(args=args, retry=False, **options)
    except Exception:  # kombu.OperationalError, OSError, redis errors… — whatever the transport
        logger.warning(
            "Could not queue %s%r; the periodic job will catch up.",
            task.name,
            args,
            exc_info=True,
        )
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task`` once the current transaction commits (never for a rolled-back write)."""
    transaction.on_commit(partial(enqueue, task, *args))


def enqueue_once_on_commit(task, *args) -> None:
    """Like ``enqueue_on_commit``, but a transaction that asks for the same task with the same
    arguments several times (an import saving a hundred records of one situation) queues it once.

    Looks for an identical callback still pending in this transaction; one discarded by a rollback
    is gone from the list, so the next request registers it again.
    """
    connection = transaction.get_connection()
    key = (task.name, args)
    if connection.in_atomic_block and any(
        getattr(callback, "alerts_job_key", None) == key
        for _, callback, _ in connection.run_on_commit
    ):
        return
    callback = partial(enqueue, task, *args)
    callback.alerts_job_key = key
    transaction.on_commit(callback)
