"""The periodic pull: every source whose interval has passed, one after the other."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tracker import jobs

from .remote import RemoteFeed
from .services import SyncError, due_sources, run_sync

DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name=jobs.SYNC_SOURCES, ignore_result=True, **DATABASE_RETRY)
def sync_due_sources() -> str:
    """Pull each due source; one unreachable source (kept in its ``last_error``) does not stop
    the others."""
    done = []
    for source in due_sources():
        try:
            done.append(f"{source.url}: {run_sync(source, RemoteFeed(source.url, source.token))}")
        except SyncError as error:
            done.append(f"{source.url}: {error}")
    return "; ".join(done)
