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

Exactness: the figures are PostgreSQL's ``percentile_cont`` over the midpoints and bounds of the
answered intervals, as the overview always computed them; counts are counts. Nothing is added or
subtracted: each write is "the figures of these groups as the rows now are", so a run repeated
writes nothing, and a run that changed nothing touches no figure.

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
FIGURE_COLUMNS = [
    "grouping",
    "group_key",
    "rows",
    "answered",
    "open",
    *[f"{kind}_{days}" for days in SHARE_DAYS for kind in ("within", "decided")],
    "median",
    "p90",
    "median_low",
    "median_high",
]

_ANSWERED = "(NOT is_open AND days_min IS NOT NULL)"
_SPAN = "(days_min + days_max)"  # twice the midpoint: integers for "within N days"
_AGGREGATES = ", ".join(
    [
        "count(*) AS out_rows",
        f"count(*) FILTER (WHERE {_ANSWERED}) AS out_answered",
        "count(*) FILTER (WHERE is_open) AS out_open",
        *[
            f"count(*) FILTER (WHERE {_ANSWERED} AND {_SPAN} <= {2 * days}) AS out_within_{days}, "
            f"count(*) FILTER (WHERE {_ANSWERED} OR (is_open AND {_SPAN} >= {2 * days})) "
            f"AS out_decided_{days}"
            for days in SHARE_DAYS
        ],
        # Median and 90th percentile of the midpoints from one sort. Halved as a float: sorting
        # NUMERIC midpoints cost about twice as much.
        "percentile_cont(ARRAY[0.5, 0.9]::double precision[]) WITHIN GROUP (ORDER BY CASE WHEN "
        f"{_ANSWERED} THEN {_SPAN}::double precision / 2.0::double precision END) AS out_mid",
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN {_ANSWERED} THEN days_min END) "
        "AS out_median_low",
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN {_ANSWERED} THEN days_max END) "
        "AS out_median_high",
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
    ``out_<name>`` of ``FIGURE_COLUMNS`` (``out_mid`` holds median and 90th percentile), one row
    per group and one overall row, ordered by grouping and key.

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
    ``mid`` instead of median and p90) as the overview uses them: ``{"overall": row, grouping:
    [row with its "group"], …}``, in order."""
    result: dict = {g: [] for g in GROUPINGS if g != "overall"}
    for record in rows:
        row = dict(record)
        if "mid" in row:
            mid = row.pop("mid")
            row["median"], row["p90"] = mid if mid is not None else (None, None)
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
        "SELECT out_grouping, out_group_key, out_rows, out_answered, out_open, "
        + ", ".join(f"out_within_{d}, out_decided_{d}" for d in SHARE_DAYS)
        + ", out_mid[1] AS out_median, out_mid[2] AS out_p90, out_median_low, out_median_high "
        "FROM figures",
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
    "LOCK",
    "ROW_COLUMNS",
    "SHARE_DAYS",
    "compute_figures",
    "figures_sql",
    "order_by",
    "read_figures",
    "stored_figures",
    "sync_summary",
]
