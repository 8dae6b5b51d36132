"""Figures kept between requests for as long as the rows they read have not changed (PostgreSQL).

Some figures (the overview's warning-to-action intervals: five grouped percentile statements over
every stored interval) cost far more to compute than to check. ``cached`` keeps such a figure in
the cache together with the **snapshot** it was computed under, and serves it again only if no
transaction that committed outside that snapshot changed a table the figure reads.

How a change is known: a statement-level trigger on each ``WATCHED`` table (migration
``dashboards.0001_data_changes``) notes the writing transaction's id in ``dashboards_datachange``,
whatever the write: ORM saves and deletes, ``bulk_create``/``update``, the interval recompute job's
set-based SQL, COPY, TRUNCATE, changes to a situation's ``shared_with`` list. A transaction's row
becomes visible when it commits, so the check "is there a visible row whose transaction the cached
snapshot did not see?" is exact under MVCC: no stale figure after a commit, no lost change from
a transaction that was still running when the figure was computed.

What the interval figures read, and so what is watched:
- ``SituationInterval``: every figure. Its rows are what the recompute job writes after
  indicator, engagement or ``MeasureSettings`` (threshold) changes, and what it rewrites as days
  pass (open intervals are measured to a day); the figures never read today's date themselves.
- ``Situation``: region and crisis type (groupings), sharing level (clearance), the filters.
- ``Situation.shared_with``: clearance for partners.
- ``Engagement``: the instrument of the first action.
- ``WarningIndicator``: the filters' year range.
Alerts are not read by these figures. Who the viewer is, is part of the cache key (the clearance
and the filters): every computation still goes through the clearance function, a partner never
gets a figure computed for anyone else.

Safety rules: a figure computed inside a transaction that has written (its own uncommitted
changes are visible to it and might roll back) is never stored; the snapshot is taken before the
figure's statements run, so a commit landing between them only makes the entry stale early.
SQLite (the embedded default) keeps no log: figures are computed every time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import fields
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from alerts.models import SituationInterval
from cases.models import Engagement, Situation, WarningIndicator
from cases.sharing import Clearance

from .filters import SituationFilters

T = TypeVar("T")

# The models whose tables the cached figures read. A figure that reads another table must not be
# cached until that table is watched too (a migration adding its trigger).
WATCHED = (
    SituationInterval,
    Situation,
    Situation.shared_with.through,
    Engagement,
    WarningIndicator,
)
LOG_TABLE = "dashboards_datachange"
# Bumped whenever what a cached figure holds changes shape (a deploy then ignores old entries).
FORMAT = 1
TIMEOUT = 24 * 60 * 60

# The log table's oid tells this database from another one of the same name (dropped and created
# again, restored elsewhere) whose transaction ids mean something else.
_CHECK = f"""
SELECT pg_current_snapshot()::text,
       '{LOG_TABLE}'::regclass::oid::bigint,
       pg_current_xact_id_if_assigned() IS NULL,
       CASE WHEN %s::text IS NULL THEN NULL ELSE EXISTS (
           SELECT 1 FROM {LOG_TABLE} c
           WHERE c.xid >= pg_snapshot_xmin(%s::pg_snapshot)
             AND NOT pg_visible_in_snapshot(c.xid, %s::pg_snapshot)
       ) END
"""


def _stable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(str(v) for v in value)
    return value


def cache_key(name: str, clearance: Clearance, filters: SituationFilters | None) -> str:
    """One entry per figure, database, viewer's clearance and filter values."""
    data = filters.cleaned_data if filters is not None and filters.is_valid() else {}
    identity = {
        "figure": name,
        "format": FORMAT,
        "database": [connection.settings_dict.get(k) for k in ("HOST", "PORT", "NAME")],
        # Every field of the clearance, so a field added to it later splits the entries too.
        "clearance": {f.name: _stable(getattr(clearance, f.name)) for f in fields(clearance)},
        "filters": {k: data.get(k) for k in sorted(data)},
    }
    digest = hashlib.sha256(json.dumps(identity, default=str).encode()).hexdigest()
    return f"dashboards:figure:{digest}"


def cached(
    name: str,
    clearance: Clearance,
    filters: SituationFilters | None,
    compute: Callable[[], T],
) -> T:
    """``compute()``, or its value from an earlier call if nothing it reads has changed since.

    One query more than ``compute`` when it runs (the check), one query in all when it does not.
    """
    if connection.vendor != "postgresql" or not getattr(settings, "DASHBOARD_FIGURE_CACHE", True):
        return compute()
    key = cache_key(name, clearance, filters)
    entry = cache.get(key)
    kept = entry.get("snapshot") if isinstance(entry, dict) else None
    with connection.cursor() as cursor:
        cursor.execute(_CHECK, [kept, kept, kept])
        snapshot, log, clean, changed = cursor.fetchone()
    if kept is not None and entry.get("log") == log and changed is False:
        return entry["value"]
    value = compute()
    if clean:
        cache.set(key, {"snapshot": snapshot, "log": log, "value": value}, TIMEOUT)
    return value


__all__ = ["WATCHED", "cache_key", "cached"]
