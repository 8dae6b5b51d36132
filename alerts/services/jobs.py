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
