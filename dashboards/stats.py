"""Grouped counts and percentiles computed in the database, on PostgreSQL and on SQLite.

``summarise`` answers, in ONE query per call, "per group: how many rows, how many match each
condition, and the median / 90th percentile of each value". PostgreSQL has the ordered-set
aggregate ``percentile_cont``. SQLite has none, so there the same figure is computed set-based with
window functions: rows are numbered within their group in value order (``ROW_NUMBER``) next to the
group's count of values (``COUNT() OVER``), and the outer ``GROUP BY`` picks and interpolates the two
rows around the wanted rank. Both give the linear interpolation of ``percentile_cont``: for ``k``
values and fraction ``p`` the rank is ``h = (k - 1) * p`` (from 0) and the result is
``v[floor h] + (h - floor h) * (v[floor h + 1] - v[floor h])``. NULL values are left out, as SQL
aggregates do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import NotSupportedError, connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    Expression,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)


class PercentileCont(Aggregate):
    """PostgreSQL ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``: continuous percentile."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra) -> None:
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"a percentile fraction lies in [0, 1], not {fraction}")
        # A float literal rendered by Python: no user text reaches the SQL.
        super().__init__(expression, fraction=repr(fraction), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            raise NotSupportedError("percentile_cont needs PostgreSQL; use summarise()")
        return super().as_sql(compiler, connection, **extra_context)


@dataclass(frozen=True)
class Percentile:
    """The ``fraction`` percentile of the annotation ``value``."""

    value: str
    fraction: float


def summarise(
    queryset: QuerySet,
    *,
    group_by: Mapping[str, Expression | F] | None = None,
    values: Mapping[str, Expression | F] | None = None,
    counts: Mapping[str, Q] | None = None,
    percentiles: Mapping[str, Percentile] | None = None,
) -> list[dict]:
    """One row per group (ordered by the group keys; a single row when ``group_by`` is empty).

    Each row holds the group keys, ``rows`` (rows in the group), one integer per entry of ``counts``
    (rows matching the condition) and one float (or None without values) per ``percentiles``
    entry, computed over the non-NULL ``values``.
    """
    group_by = dict(group_by or {})
    values = dict(values or {})
    counts = dict(counts or {})
    percentiles = dict(percentiles or {})
    for spec in percentiles.values():
        if spec.value not in values:
            raise ValueError(f"percentile of unknown value {spec.value!r}")
    if connection.vendor == "postgresql":
        return _summarise_postgresql(queryset, group_by, values, counts, percentiles)
    return _summarise_windows(queryset, group_by, values, counts, percentiles)


def _summarise_postgresql(queryset, group_by, values, counts, percentiles) -> list[dict]:
    keys = {name: f"g__{name}" for name in group_by}
    vals = {name: f"v__{name}" for name in values}
    annotated = queryset.order_by().annotate(
        **{keys[n]: e for n, e in group_by.items()}, **{vals[n]: e for n, e in values.items()}
    )
    aggregates = {
        "rows": Count("pk"),
        **{name: Count("pk", filter=condition) for name, condition in counts.items()},
        **{
            name: PercentileCont(F(vals[spec.value]), spec.fraction)
            for name, spec in percentiles.items()
        },
    }
    if not group_by:
        return [annotated.aggregate(**aggregates)]
    rows = annotated.values(*keys.values()).annotate(**aggregates).order_by(*keys.values())
    return [
        {**{n: row[keys[n]] for n in group_by}, **{a: row[a] for a in aggregates}} for row in rows
    ]


def _summarise_windows(queryset, group_by, values, counts, percentiles) -> list[dict]:
    quote = connection.ops.quote_name
    keys = {name: f"g__{name}" for name in group_by}
    vals = {name: f"v__{name}" for name in values}
    flags = {name: f"c__{name}" for name in counts}
    inner = (
        queryset.order_by()
        .annotate(
            **{keys[n]: e for n, e in group_by.items()},
            **{vals[n]: e for n, e in values.items()},
            **{
                flags[n]: Case(
                    When(q, then=Value(1)), default=Value(0), output_field=IntegerField()
                )
                for n, q in counts.items()
            },
        )
        .values(*keys.values(), *vals.values(), *flags.values())
    )
    inner_sql, params = inner.query.sql_with_params()

    partition = (
        "PARTITION BY " + ", ".join(quote(k) for k in keys.values()) if group_by else ""
    ).strip()
    windows = []
    for name in values:
        column = quote(vals[name])
        # Non-NULL values first, in order: rank r (from 1) is the r-th smallest value.
        windows.append(
            f"ROW_NUMBER() OVER ({partition} ORDER BY ({column} IS NULL), {column}) "
            f"AS {quote('r__' + name)}"
        )
        windows.append(f"COUNT({column}) OVER ({partition}) AS {quote('k__' + name)}")
    numbered = f"SELECT t.*{''.join(', ' + w for w in windows)} FROM ({inner_sql}) t"

    outputs = [f"{quote(k)} AS {quote(k)}" for k in keys.values()]
    outputs.append(f"COUNT(*) AS {quote('rows')}")
    outputs += [f"COALESCE(SUM({quote(flags[n])}), 0) AS {quote(n)}" for n in counts]
    for name, spec in percentiles.items():
        value = quote(vals[spec.value])
        rank = quote("r__" + spec.value)
        k = quote("k__" + spec.value)
        h = f"(({k} - 1) * {float(spec.fraction)!r})"
        # h >= 0, so SQLite's truncating cast is floor; PostgreSQL's cast rounds instead.
        low = f"FLOOR({h})" if connection.vendor == "postgresql" else f"CAST({h} AS INTEGER)"
        weight = f"({h} - {low})"
        outputs.append(
            f"CASE WHEN MAX({k}) = 0 OR MAX({k}) IS NULL THEN NULL ELSE SUM(CASE "
            f"WHEN {rank} = {low} + 1 THEN {value} * (1 - {weight}) "
            f"WHEN {rank} = {low} + 2 THEN {value} * {weight} "
            f"ELSE 0 END) END AS {quote(name)}"
        )
    sql = f"SELECT {', '.join(outputs)} FROM ({numbered}) w"
    if group_by:
        grouped = ", ".join(quote(k) for k in keys.values())
        sql += f" GROUP BY {grouped} ORDER BY {grouped}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        fetched = cursor.fetchall()
    result = []
    reverse = {alias: name for name, alias in keys.items()}
    for record in fetched:
        row = {reverse.get(col, col): value for col, value in zip(names, record, strict=True)}
        for name in percentiles:
            if row[name] is not None:
                row[name] = float(row[name])
        result.append(row)
    return result


def ranked(queryset: QuerySet, *, partition_by: list[str], order_by: str, name: str = "rank"):
    """The rows of a ``values()`` queryset with ``RANK() OVER (PARTITION BY … ORDER BY …)``.

    Django puts a window over an aggregate into the GROUP BY, which the databases refuse; the
    window is therefore applied one level up, over the grouped rows (still one query).
    """
    quote = connection.ops.quote_name
    inner_sql, params = queryset.query.sql_with_params()
    partition = ", ".join(f"t.{quote(c)}" for c in partition_by)
    sql = (
        f"SELECT t.*, RANK() OVER (PARTITION BY {partition} ORDER BY t.{quote(order_by)}) "
        f"AS {quote(name)} FROM ({inner_sql}) t ORDER BY {partition}, {quote(name)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, record, strict=True)) for record in cursor.fetchall()]


__all__ = ["Percentile", "PercentileCont", "ranked", "summarise"]
