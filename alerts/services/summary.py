"""The dashboard overview's interval figures, kept by the interval recompute (their only writer).

Two tables, written in ONE statement at the end of each recompute, in its transaction:

- ``IntervalSummary``: one row per situation with a first warning — its interval beside what the
  overview groups and filters by. The run writes the rows of the situations it looked at (new or
  changed rows only) and removes those of situations without a first warning any more; a full run
  looks at every row.
- ``IntervalFigure``: the figures over every situation (staff without a filter), per group. The
  run recomputes those of the groups a changed row left, joined or counted differently in (a
  row's interval changed: the overall row too; its region alone: the two regions; its risk level
  alone: none), from the summary as the same statement leaves it. The first run after the table
  was created, of any kind, computes them all; a run that changed no row reads no figure.

Any other view (another clearance, a filter) runs ``FIGURES`` over the summary rows it may see
(``dashboards.selectors.overview``): the same figures, computed by the same SQL.

Exactness: the figures are PostgreSQL's ``percentile_cont`` over the lower and the upper bounds of
the answered intervals (a median is the range from the one to the other; never a midpoint), and
over the bounds of those known to within ``MeasureSettings.known_within_days``; counts are
counts. Nothing is added or subtracted: each write is "the figures of these groups as the rows now
are", so a run repeated writes nothing, and a run that changed nothing touches no figure. A change
of ``known_within_days`` drops the stored figures (``save_measure_settings``): the full recompute
it queues stores them all again.

Runs twice or at once: ``recompute_intervals`` takes ``LOCK`` first thing in its transaction, so
runs follow one another and each statement reads what the previous run committed.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from cases.models import Engagement, Situation

from ..models import IntervalFigure, IntervalSummary, MeasureSettings, SituationInterval
from .sql import quote, upsert_statement

# One recompute at a time (a transaction-level advisory lock, released at commit or rollback).
LOCK = "SELECT pg_advisory_xact_lock(hashtext('alerts.recompute_intervals'))"

SHARE_DAYS = (7, 30)
GROUPINGS = ("overall", "region", "crisis_type", "instrument", "year")

SUMMARY_COLUMNS = [
    "situation",
    "region",
    "crisis_type",
    "risk_level",
    "acted",
    "instrument",
    "warning_year",
    "days_min",
    "days_max",
    "is_open",
]
# What a row holds for the figures (the relation ``FIGURES`` reads has these columns).
ROW_COLUMNS = [c for c in SUMMARY_COLUMNS if c not in ("situation",)]
SHARE_KINDS = ("met", "missed", "cannot_tell")
FIGURE_COLUMNS = [
    "grouping",
    "group_key",
    "rows",
    "answered",
    "answered_unknown",
    "open",
    "known",
    "known_days",
    *[f"{kind}_{days}" for days in SHARE_DAYS for kind in SHARE_KINDS],
    "median_low",
    "median_high",
    "p90_low",
    "p90_high",
    "known_median_low",
    "known_median_high",
]

# N of "known to within N days", read by the statement itself from the settings row (the
# figures say which N they used: ``known_days``), so the overview reads it with its figures.
KNOWN_WITHIN_DEFAULT = MeasureSettings._meta.get_field("known_within_days").default
_KNOWN_DAYS = (
    f"coalesce((SELECT known_within_days FROM {quote(MeasureSettings._meta.db_table)} "
    f"WHERE id = 1), {int(KNOWN_WITHIN_DEFAULT)})"
)
_ANSWERED = "(NOT is_open AND days_min IS NOT NULL)"
# Answered only through links to undated engagements: no days, neither answered in days nor open.
_UNKNOWN = "(NOT is_open AND days_min IS NULL)"
_KNOWN = f"({_ANSWERED} AND days_max - days_min <= {_KNOWN_DAYS})"


def _shares(days: int) -> str:
    """Met only when the upper bound is within ``days``; missed only when the lower bound is
    past it (answered late, or unanswered for longer); every other situation cannot be told —
    at the dates' precision, for an answer whose interval is unknown, or yet, for an unanswered
    warning younger than ``days``. The three add up to the rows."""
    met = f"({_ANSWERED} AND days_max <= {days})"
    missed = f"(days_min > {days})"
    return (
        f"count(*) FILTER (WHERE {met}) AS out_met_{days}, "
        f"count(*) FILTER (WHERE {missed}) AS out_missed_{days}, "
        f"count(*) FILTER (WHERE NOT coalesce({met} OR {missed}, false)) "
        f"AS out_cannot_tell_{days}"
    )


_AGGREGATES = ", ".join(
    [
        "count(*) AS out_rows",
        f"count(*) FILTER (WHERE {_ANSWERED}) AS out_answered",
        f"count(*) FILTER (WHERE {_UNKNOWN}) AS out_answered_unknown",
        "count(*) FILTER (WHERE is_open) AS out_open",
        f"count(*) FILTER (WHERE {_KNOWN}) AS out_known",
        f"{_KNOWN_DAYS} AS out_known_days",
        *[_shares(days) for days in SHARE_DAYS],
        # Median and 90th percentile of the lower bounds, and of the upper bounds, one sort
        # each: a range, never a midpoint (issue 13: a year-only date made "182 days" of 0–364).
        *[
            "percentile_cont(ARRAY[0.5, 0.9]::double precision[]) WITHIN GROUP (ORDER BY CASE "
            f"WHEN {_ANSWERED} THEN {bound} END) AS out_{name}"
            for name, bound in (("low", "days_min"), ("high", "days_max"))
        ],
        *[
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN {_KNOWN} THEN {bound} END) "
            f"AS out_known_median_{name}"
            for name, bound in (("low", "days_min"), ("high", "days_max"))
        ],
    ]
)
# Each grouping's key as text, over columns named with a prefix ("" for the overall row and an
# instrument no longer known; NULL: in no group of the grouping).
_KEYS = {
    "region": "{p}region::text",
    "crisis_type": "{p}crisis_type::text",
    "instrument": "CASE WHEN {p}acted THEN coalesce({p}instrument::text, '') END",
    "year": "{p}warning_year::text",
}
# What a row adds to its groups' figures (besides the key).
_VALUES = ("days_min", "days_max", "is_open")


def _key(grouping: str, prefix: str = "") -> str:
    return _KEYS[grouping].format(p=prefix)


def figures_sql(relation: str, only: dict[str, str] | None = None) -> str:
    """SELECT of every figure over ``relation`` (SQL of a relation with ``ROW_COLUMNS``): columns
    ``out_<name>`` of ``FIGURE_COLUMNS`` (``out_low`` and ``out_high`` hold the median and 90th
    percentile of the lower and of the upper bounds), one row per group and one overall row,
    ordered by grouping and key.

    ``only``: per grouping, an SQL condition that keeps the groups to compute (the overall row:
    a condition without columns); ``None`` computes all.
    """
    only = only or {}
    parts = [
        f"SELECT 'overall'::text AS out_grouping, ''::text AS out_group_key, {_AGGREGATES} "
        f"FROM {relation} r"
        # WHERE: no row read when false (a condition without columns); HAVING: then no row.
        + (f" WHERE {only['overall']} HAVING {only['overall']}" if "overall" in only else "")
    ]
    for grouping in _KEYS:
        key = _key(grouping)
        conditions = ["acted"] if grouping == "instrument" else []
        if grouping in only:
            conditions.append(only[grouping])
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        parts.append(
            f"SELECT '{grouping}'::text, {key}, {_AGGREGATES} FROM {relation} r{where} "
            f"GROUP BY {key}"
        )
    return "SELECT * FROM (" + " UNION ALL ".join(parts) + ") f ORDER BY " + order_by("out_")


def order_by(prefix: str = "") -> str:
    """The overall row first, then grouping by grouping, by key ("" last: no instrument; years
    as numbers), as the overview always listed them."""
    grouping, key = f"{prefix}grouping", f"{prefix}group_key"
    return (
        f"array_position(ARRAY{list(GROUPINGS)!r}::text[], {grouping}), {key} = '', "
        f"CASE WHEN {grouping} = 'year' THEN length({key}) END, {key}"
    )


def read_figures(rows: list[dict]) -> dict:
    """``figures_sql``'s or ``IntervalFigure``'s rows (``FIGURE_COLUMNS``, no ``out_`` prefix; or
    ``low``/``high`` arrays instead of the bounds' medians and 90th percentiles) as the overview
    uses them: ``{"overall": row, grouping: [row with its "group"], …}``, in order."""
    result: dict = {g: [] for g in GROUPINGS if g != "overall"}
    for record in rows:
        row = dict(record)
        for bound in ("low", "high"):
            if bound in row:
                values = row.pop(bound)
                row[f"median_{bound}"], row[f"p90_{bound}"] = values or (None, None)
        grouping, key = row.pop("grouping"), row.pop("group_key")
        if grouping == "overall":
            result["overall"] = row
            continue
        group = int(key) if grouping == "year" else key if key != "" else None
        result[grouping].append({"group": group, **row})
    return result


def stored_figures() -> dict | None:
    """The figures over every situation as the recompute stored them (one query); None before a
    run stored them."""
    names = ", ".join(quote(c) for c in FIGURE_COLUMNS)
    table = quote(IntervalFigure._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {table} ORDER BY {order_by()}")
        rows = [dict(zip(FIGURE_COLUMNS, record, strict=True)) for record in cursor.fetchall()]
    if not any(row["grouping"] == "overall" for row in rows):
        return None
    return read_figures(rows)


def compute_figures(relation: str, params) -> dict:
    """``figures_sql`` over ``relation`` (all groups), run and read (one query)."""
    with connection.cursor() as cursor:
        # Read once, whatever the number of groupings that read it.
        cursor.execute(f"WITH rel AS MATERIALIZED {relation} {figures_sql('rel')}", params)
        names = [col[0].removeprefix("out_") for col in cursor.description]
        return read_figures([dict(zip(names, r, strict=True)) for r in cursor.fetchall()])


_SOURCE = """
SELECT i.situation_id AS out_situation, s.region AS out_region,
       s.crisis_type AS out_crisis_type, s.risk_level AS out_risk_level,
       i.first_action_id IS NOT NULL AS out_acted, e.instrument AS out_instrument,
       extract(year FROM i.warning_from)::smallint AS out_warning_year,
       i.days_min AS out_days_min, i.days_max AS out_days_max, i.is_open AS out_is_open
FROM {intervals} i
JOIN {situations} s ON s.id = i.situation_id
LEFT JOIN {engagements} e ON e.id = i.first_action_id
WHERE i.warning_from IS NOT NULL {scope}
"""


def sync_summary(
    scope: list | None,
    *,
    open_intervals: bool = False,
    watermark: tuple[int, dt.datetime] | None = None,
) -> tuple[int, int, int]:
    """Bring the summary rows of ``scope`` (situation ids; ``None``: every situation) in step with
    their stored intervals — with ``open_intervals`` also every open interval (an incremental run
    advanced them) — and the stored figures with the summary. Runs under the recompute's
    ``LOCK``. ONE query, which also sets ``watermark`` (settings row, start of the run) as
    ``MeasureSettings.intervals_computed_at`` (a round trip less for the periodic run). Returns
    (summary rows written, removed, figure rows written or removed).
    """
    if scope is not None and not scope and not open_intervals and watermark is None:
        return 0, 0, 0
    summary = quote(IntervalSummary._meta.db_table)
    figure = quote(IntervalFigure._meta.db_table)
    params: dict = {}
    mark = ""
    if watermark is not None:
        params["settings"], params["started"] = watermark
        mark = (
            f"watermark AS (UPDATE {quote(MeasureSettings._meta.db_table)} "
            "SET intervals_computed_at = %(started)s WHERE id = %(settings)s RETURNING 1), "
        )
    source_scope = ""
    if scope is not None:
        params["ids"] = [str(pk) for pk in scope]
        source_scope = "AND (i.situation_id = ANY(%(ids)s::uuid[])"
        source_scope += " OR i.is_open)" if open_intervals else ")"
    computed = _SOURCE.format(
        intervals=quote(SituationInterval._meta.db_table),
        situations=quote(Situation._meta.db_table),
        engagements=quote(Engagement._meta.db_table),
        scope=source_scope,
    )
    columns = ", ".join(quote(c) for c in ROW_COLUMNS)
    if scope is None:
        # Every row looked at: the summary after this statement is what was computed.
        old = summary
        after = "SELECT " + ", ".join(f"out_{c} AS {c}" for c in ROW_COLUMNS) + " FROM computed"
    else:
        # The rows looked at: the situations asked for and those computed (open intervals).
        old = (
            f"(SELECT u.* FROM {summary} u JOIN (SELECT unnest(%(ids)s::uuid[]) UNION "
            "SELECT out_situation FROM computed) k(id) ON u.situation_id = k.id)"
        )
        after = (
            f"SELECT {columns} FROM {summary} u WHERE NOT EXISTS "
            "(SELECT 1 FROM changed x WHERE x.situation_id = u.situation_id AND x.had) "
            "AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.out_situation = u.situation_id) "
            "UNION ALL SELECT " + ", ".join(f"out_{c}" for c in ROW_COLUMNS) + " FROM computed"
        )
    # Each row that changed, as it was (o_…, if it was there) and as it is (c_…, if it is).
    images = ", ".join(f"o.{c} AS o_{c}, c.out_{c} AS c_{c}" for c in ROW_COLUMNS)
    stored, fresh = (
        "ROW(" + ", ".join(f"{p}{c}" for c in ROW_COLUMNS) + ")" for p in ("o.", "c.out_")
    )
    changed = (
        "SELECT coalesce(o.situation_id, c.out_situation) AS situation_id, "
        f"o.situation_id IS NOT NULL AS had, c.out_situation IS NOT NULL AS has, {images} "
        f"FROM {old} o FULL JOIN computed c ON c.out_situation = o.situation_id "
        f"WHERE {stored} IS DISTINCT FROM {fresh}"
    )
    # Groups to compute again: those a changed row left or joined, or whose figures it moved (a
    # change of another column, say the risk level, moves none). Every group while the figures
    # were never computed in full (no overall row yet: the first run, of any kind).
    every = f"NOT EXISTS (SELECT 1 FROM {figure} WHERE grouping = 'overall')"
    same_values = " AND ".join(f"o_{v} IS NOT DISTINCT FROM c_{v}" for v in _VALUES)
    only = {
        "overall": f"({every} OR EXISTS (SELECT 1 FROM changed WHERE NOT (had AND has AND "
        f"{same_values})))"
    }
    touched = {}
    for grouping in _KEYS:
        was, now = _key(grouping, "o_"), _key(grouping, "c_")
        stays = f"{was} IS NOT DISTINCT FROM {now} AND {same_values}"
        touched[grouping] = (
            f"SELECT {was} FROM changed WHERE had AND NOT (has AND {stays}) "
            f"UNION SELECT {now} FROM changed WHERE has AND NOT (had AND {stays})"
        )
        only[grouping] = f"({every} OR {_key(grouping)} IN ({touched[grouping]}))"
    # Not a row of ``after`` is read when nothing changed (a one-time filter).
    gate = f"({every} OR EXISTS (SELECT 1 FROM changed))"
    figures = figures_sql("after", {g: f"{gate} AND {c}" for g, c in only.items()})
    stale = " OR ".join(
        [f"(f.grouping = 'overall' AND {only['overall']})"]
        + [f"(f.grouping = '{g}' AND ({every} OR f.group_key IN ({touched[g]})))" for g in _KEYS]
    )
    # The summary's writes come from ``changed``, which already holds exactly the rows that
    # differ: a run that changed nothing joins nothing (a full pass at 100k situations spent a
    # fifth of a second joining every computed row to the table again to find none).
    meta = IntervalSummary._meta
    target = [quote(meta.get_field(c).column) for c in SUMMARY_COLUMNS]
    summary_upsert = (
        f"INSERT INTO {summary} ({', '.join(target)}) "
        "SELECT situation_id, " + ", ".join(f"c_{c}" for c in ROW_COLUMNS) + " FROM changed "
        "WHERE has ORDER BY situation_id "
        f"ON CONFLICT ({target[0]}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in target[1:])
    )
    figure_upsert = upsert_statement(
        IntervalFigure,
        "SELECT out_grouping, out_group_key, out_rows, out_answered, out_answered_unknown, "
        "out_open, out_known, out_known_days, "
        + ", ".join(f"out_{kind}_{d}" for d in SHARE_DAYS for kind in SHARE_KINDS)
        + ", out_low[1] AS out_median_low, out_high[1] AS out_median_high, "
        "out_low[2] AS out_p90_low, out_high[2] AS out_p90_high, out_known_median_low, "
        "out_known_median_high FROM figures",
        FIGURE_COLUMNS,
        conflict=["grouping", "group_key"],
    )
    sql = (
        f"WITH computed AS MATERIALIZED ({computed}), "
        f"changed AS MATERIALIZED ({changed}), "
        f"after AS MATERIALIZED ({after}), "
        f"figures AS MATERIALIZED ({figures}), "
        f"removed AS (DELETE FROM {summary} u USING changed x "
        "WHERE u.situation_id = x.situation_id AND x.had AND NOT x.has RETURNING 1), "
        f"written AS ({summary_upsert} RETURNING 1), "
        f"figures_removed AS (DELETE FROM {figure} f WHERE ({stale}) AND NOT EXISTS "
        "(SELECT 1 FROM figures n WHERE n.out_grouping = f.grouping "
        "AND n.out_group_key = f.group_key) RETURNING 1), "
        f"{mark}figures_written AS ({figure_upsert} RETURNING 1) "
        "SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM removed), "
        "(SELECT count(*) FROM figures_written) + (SELECT count(*) FROM figures_removed)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


__all__ = [
    "FIGURE_COLUMNS",
    "KNOWN_WITHIN_DEFAULT",
    "LOCK",
    "ROW_COLUMNS",
    "SHARE_DAYS",
    "SHARE_KINDS",
    "compute_figures",
    "figures_sql",
    "order_by",
    "read_figures",
    "stored_figures",
    "sync_summary",
]
