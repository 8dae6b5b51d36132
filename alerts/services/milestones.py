"""Milestones and their targets: public health's 7-1-7 carried over to preventive diplomacy.

A situation has four milestones, each stored by the interval recompute as bounds (the earliest and
the latest day it may have been, so a date known to the month or year stays a month or a year):

- *emergence*: its first warning sign at the threshold (``warning_from``/``warning_until``);
- *detection*: a sign reaching the desk (``detected_from``/``detected_until``; the latter empty
  when not known);
- *notification*: a decision maker or the lead actor alerted, a ``Briefing``
  (``notified_from``/``notified_until``; empty when none is recorded);
- *first response*: the first answer (``action_from``/``action_until``; ``is_open`` while there
  is none, both empty when answered only by undated engagements).

Three intervals, each with a target in days (``MeasureSettings``, 7, 1 and 7 by default): detect
(emergence → detection), notify (detection → notification), respond (notification → first
response). Each is *met*, *missed* or *cannot tell* — never a guess:

- met when the longest interval the dates allow is within the target;
- missed when the shortest is beyond it, or the milestone is still missing and the time since the
  previous one (measured to today, or to the day the clock stopped) already exceeds the target;
- otherwise it cannot be told at the precision of the dates (or the previous milestone's date is
  not known).

The outcome is derived from the stored bounds when read, in SQL (``outcome_sql``), so a changed
target or a new day takes effect at once, with no recompute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import MeasureSettings, SituationInterval, TargetFigure
from .sql import quote

# The interval recompute's lock (``summary.LOCK``): counts stored under it are never older than
# the last recompute's invalidation.
LOCK_KEY = "hashtext('alerts.recompute_intervals')"


class Outcome:
    MET = "met"
    MISSED = "missed"
    CANNOT_TELL = "cannot-tell"


OUTCOMES = (Outcome.MET, Outcome.MISSED, Outcome.CANNOT_TELL)
OUTCOME_LABELS = {
    Outcome.MET: _("Met"),
    Outcome.MISSED: _("Missed"),
    Outcome.CANNOT_TELL: _("Cannot tell at this precision"),
}

# Each target: the milestone it runs from, the one it runs to, and the SQL (over the columns of
# ``SituationInterval``, named through ``column``) saying the latter is still missing.
TARGETS = ("detect", "notify", "respond")
TARGET_LABELS = {
    "detect": _("Detect: first warning to the desk"),
    "notify": _("Notify: the desk to a decision maker"),
    "respond": _("Respond: decision maker to first response"),
}
_SPANS = {
    "detect": (("warning_from", "warning_until"), ("detected_from", "detected_until"), None),
    "notify": (("detected_from", "detected_until"), ("notified_from", "notified_until"), "nf"),
    "respond": (("notified_from", "notified_until"), ("action_from", "action_until"), "open"),
}


def _date(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


_TARGET_FIELDS = {name: f"{name}_target_days" for name in TARGETS}


def target_days_sql(target: str) -> str:
    """SQL of ``target``'s days as the settings hold them now (its default before the settings
    row exists): a scalar subquery PostgreSQL evaluates once per statement, so a read of the
    outcomes needs no query of its own for the settings."""
    field = MeasureSettings._meta.get_field(_TARGET_FIELDS[target])
    table = quote(MeasureSettings._meta.db_table)
    return (
        f"coalesce((SELECT {quote(field.column)} FROM {table} WHERE id = 1), {int(field.default)})"
    )


def outcome_sql(
    target: str,
    today: dt.date,
    column: Callable[[str], str] = quote,
    days: int | None = None,
) -> str:
    """SQL of ``target``'s outcome ('met', 'missed', 'cannot-tell'; NULL without a first warning)
    over a row with the columns of ``SituationInterval`` (``column(name)`` renders one), against
    ``days`` or, by default, the target the settings hold."""
    (prev_from, prev_until), (cur_from, cur_until), missing = _SPANS[target]
    p_from, p_until = column(prev_from), column(prev_until)
    c_from, c_until = column(cur_from), column(cur_until)
    limit = target_days_sql(target) if days is None else str(int(days))
    # A missing milestone is late once the time since the previous one exceeds the target, counted
    # to today or to the first day the clock may have stopped on.
    now = f"least(coalesce({column('stopped_from')}, {_date(today)}), {_date(today)})"
    if missing == "nf":
        missing_sql = f"{c_from} IS NULL"
    elif missing == "open":
        missing_sql = column("is_open")
    else:
        missing_sql = "false"
    return (
        f"(CASE WHEN {column('warning_from')} IS NULL THEN NULL "
        f"WHEN {missing_sql} THEN CASE WHEN {now} - {p_until} > {limit} "
        f"THEN '{Outcome.MISSED}' ELSE '{Outcome.CANNOT_TELL}' END "
        # NULL bounds (a date not known) compare to nothing: neither met nor missed.
        f"WHEN {c_until} - {p_from} <= {limit} THEN '{Outcome.MET}' "
        f"WHEN {c_from} - {p_until} > {limit} THEN '{Outcome.MISSED}' "
        f"ELSE '{Outcome.CANNOT_TELL}' END)"
    )


def outcomes_sql(today: dt.date, column: Callable[[str], str] = quote) -> dict[str, str]:
    return {name: outcome_sql(name, today, column) for name in TARGETS}


def _targets_select() -> str:
    return ", ".join(f"{target_days_sql(name)} AS {name}_days" for name in TARGETS)


def situation_outcomes(
    situation_id, *, today: dt.date | None = None
) -> tuple[dict[str, int], dict[str, str | None]]:
    """The targets (days) and one situation's outcome per target, as the stored bounds, the
    settings and today give them: ONE query."""
    today = today or timezone.localdate()
    table = quote(SituationInterval._meta.db_table)
    expressions = outcomes_sql(today, lambda name: f"i.{quote(name)}")
    sql = (
        f"SELECT {_targets_select()}, "
        + ", ".join(f"{sql} AS {name}" for name, sql in expressions.items())
        + f" FROM (SELECT 1) one LEFT JOIN {table} i ON i.situation_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(situation_id)])
        row = cursor.fetchone()
    count = len(TARGETS)
    return (
        dict(zip(TARGETS, row[:count], strict=True)),
        dict(zip(TARGETS, row[count:], strict=True)),
    )


# The groupings of the overview's target shares.
SHARE_GROUPINGS = ("region", "crisis_type", "year")
SHARE_COLUMNS = [
    "situations",
    *[f"{name}_{outcome.replace('-', '_')}" for name in TARGETS for outcome in OUTCOMES],
]


def _aggregates() -> str:
    # Every summary row has a first warning, so every row has an outcome: "cannot tell" is the
    # rest (counted in Python, two aggregates per target instead of three).
    parts = ["count(*) AS situations"]
    for name in TARGETS:
        for outcome in (Outcome.MET, Outcome.MISSED):
            parts.append(
                f"count(*) FILTER (WHERE {name} = '{outcome}') "
                f"AS {name}_{outcome.replace('-', '_')}"
            )
    return ", ".join(parts)


def _shares_sql(rows_sql: str, today: dt.date) -> str:
    intervals = quote(SituationInterval._meta.db_table)
    expressions = outcomes_sql(today, lambda name: f"i.{quote(name)}")
    outcome_columns = ", ".join(f"{sql} AS {name}" for name, sql in expressions.items())
    keys = {"region": "r.region", "crisis_type": "r.crisis_type", "year": "r.warning_year"}
    # One pass over the rows for every grouping (GROUPING SETS), the overall row among them.
    grouping = (
        "CASE "
        + " ".join(f"WHEN GROUPING({column}) = 0 THEN '{name}'" for name, column in keys.items())
        + " ELSE 'overall' END"
    )
    group_key = "coalesce(" + ", ".join(f"{c}::text" for c in keys.values()) + ", '')"
    return (
        f"SELECT {grouping} AS grouping, {group_key} AS group_key, "
        f"{_aggregates()}, {_targets_select()} "
        f"FROM (SELECT u.region, u.crisis_type, u.warning_year, {outcome_columns} "
        f"FROM ({rows_sql}) u JOIN {intervals} i ON i.situation_id = u.situation_id) r "
        f"GROUP BY GROUPING SETS ((), {', '.join(f'({c})' for c in keys.values())})"
    )


_ORDER = (
    f"array_position(ARRAY{['overall', *SHARE_GROUPINGS]!r}::text[], grouping), "
    "CASE WHEN grouping = 'year' THEN length(group_key) END, group_key"
)
_COUNTS = [f"{name}_{outcome}" for name in TARGETS for outcome in ("met", "missed")]
_STORED = ["grouping", "group_key", "situations", *_COUNTS, *[f"{n}_days" for n in TARGETS]]


def _read(cursor) -> dict:
    names = [col[0] for col in cursor.description]
    result: dict = {grouping: [] for grouping in SHARE_GROUPINGS}
    for record in cursor.fetchall():
        row = dict(zip(names, record, strict=True))
        grouping, key = row.pop("grouping"), row.pop("group_key")
        days = {name: row.pop(f"{name}_days") for name in TARGETS}
        for name in TARGETS:
            row[f"{name}_cannot_tell"] = (
                row["situations"] - row[f"{name}_met"] - row[f"{name}_missed"]
            )
        if grouping == "overall":
            result["targets"], result["overall"] = days, row
        else:
            result[grouping].append({"group": int(key) if grouping == "year" else key, **row})
    return result


def target_shares(
    rows_sql: str, params, *, today: dt.date | None = None, store: bool = False
) -> dict:
    """Counts of situations meeting, missing and not telling each target, over ``rows_sql`` (a
    SELECT of summary rows with ``situation_id``, ``region``, ``crisis_type``, ``warning_year``:
    those a viewer may see), overall and by region, crisis type and year of emergence, with the
    targets they were measured against. ONE query. Returns ``{"targets": {name: days},
    "overall": row, grouping: [row with its "group"], …}``.

    ``store`` (``rows_sql`` is every situation's row): keep the counts as ``TargetFigure`` rows
    for the day, in the same statement — when no recompute is running (its lock is free: then the
    counts see every recompute committed, and the next one removes them when it changes
    anything). Two more statements (the lock, in a transaction of its own).
    """
    today = today or timezone.localdate()
    if not store:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT * FROM ({_shares_sql(rows_sql, today)}) f ORDER BY {_ORDER}", params
            )
            return _read(cursor)
    table = quote(TargetFigure._meta.db_table)
    columns = ", ".join(quote(c) for c in [*_STORED, "computed_on"])
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in [*_STORED[2:], "computed_on"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_try_advisory_xact_lock({LOCK_KEY})")
        locked = cursor.fetchone()[0]
        sql = f"WITH f AS MATERIALIZED ({_shares_sql(rows_sql, today)}) "
        if locked:
            sql += (
                f", removed AS (DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM f "
                "WHERE f.grouping = t.grouping AND f.group_key = t.group_key)), "
                f"written AS (INSERT INTO {table} ({columns}) "
                f"SELECT {', '.join(_STORED)}, {_date(today)} FROM f "
                f"ON CONFLICT (grouping, group_key) DO UPDATE SET {updates}) "
            )
        cursor.execute(f"{sql}SELECT * FROM f ORDER BY {_ORDER}", params)
        return _read(cursor)


def stored_target_shares(today: dt.date | None = None) -> dict | None:
    """The counts over every situation kept for ``today`` against the targets the settings hold
    now, as ``target_shares`` returns them (ONE query); None when there are none."""
    today = today or timezone.localdate()
    table = quote(TargetFigure._meta.db_table)
    current = " AND ".join(f"{name}_days = {target_days_sql(name)}" for name in TARGETS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_STORED)} FROM {table} "
            f"WHERE computed_on = {_date(today)} AND {current} ORDER BY {_ORDER}"
        )
        result = _read(cursor)
    return result if "overall" in result else None


def forget_stored_shares() -> int:
    """Remove the kept counts (the recompute, when it changed what they count)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(TargetFigure._meta.db_table)}")
        return cursor.rowcount


__all__ = [
    "OUTCOMES",
    "OUTCOME_LABELS",
    "SHARE_COLUMNS",
    "SHARE_GROUPINGS",
    "TARGETS",
    "TARGET_LABELS",
    "Outcome",
    "forget_stored_shares",
    "outcome_sql",
    "outcomes_sql",
    "situation_outcomes",
    "stored_target_shares",
    "target_days_sql",
    "target_shares",
]
