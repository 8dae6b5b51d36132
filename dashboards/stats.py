"""Grouped counts and percentiles computed in the database.

``summarise`` answers, in ONE query per call, "per group: how many rows, how many match each
condition, and the median / 90th percentile of each value", with PostgreSQL's ordered-set
aggregate ``percentile_cont``: the linear interpolation, for ``k`` values and fraction ``p`` the
rank is ``h = (k - 1) * p`` (from 0) and the result is
``v[floor h] + (h - floor h) * (v[floor h + 1] - v[floor h])``. NULL values are left out, as SQL
aggregates do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Count, Expression, F, FloatField, Q, QuerySet


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
