"""One sync run: read a source's change feed from its cursor, apply it, store the new cursor.

The run holds a row lock on its ``SyncSource`` for its whole transaction: a second run of the
same source (the command and the periodic task at once, two commands) waits, then reads the
cursor the first one stored and finds nothing more to apply. All of a run is one transaction:
an error (the source unreachable halfway, a bug) leaves the source as it was, cursor included.

Reading is behind ``FeedReader`` (``federation.remote`` reads a live tracker with
``tracker_client``; tests may give plain entries).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from .apply import Entry, Outcome, apply_entries
from .models import SyncSource


class SyncError(Exception):
    """The source could not be read (address, token, answer): one line for the operator."""


class FeedReader(Protocol):
    def pages(self, since: str) -> Iterator[tuple[list[Entry], str]]:
        """Every page of the feed after cursor ``since``: its entries and the cursor after it."""
        ...


def run_sync(source: SyncSource, reader: FeedReader) -> Outcome:
    """Pull everything after the source's cursor and apply it; returns what was done.

    Entries of the whole run are applied together, parents first: the feed tells a record at
    its latest change, so a situation changed after its warning signs comes after them, perhaps
    on a later page."""
    try:
        with transaction.atomic():
            locked = SyncSource.objects.select_for_update().get(pk=source.pk)
            entries: list[Entry] = []
            cursor = locked.cursor or "0"
            for page, after in reader.pages(cursor):
                entries += page
                cursor = after
            outcome = apply_entries(locked, entries)
            locked.cursor = cursor
            locked.last_run_at = timezone.now()
            locked.last_error = ""
            locked.last_summary = str(outcome)[:300]
            locked.save(update_fields=["cursor", "last_run_at", "last_error", "last_summary"])
    except SyncError as error:
        SyncSource.objects.filter(pk=source.pk).update(
            last_run_at=timezone.now(), last_error=str(error)[:1000]
        )
        raise
    source.refresh_from_db()
    return outcome


def due_sources() -> list[SyncSource]:
    """The active sources whose interval has passed since their last run."""
    return list(
        SyncSource.objects.filter(is_active=True)
        .filter(Q(last_run_at__isnull=True) | Q(last_run_at__lte=Now() - F("interval")))
        .order_by("pk")
    )
