"""Set-based writes the ORM cannot express: ``INSERT … SELECT … ON CONFLICT`` built from querysets.

The SELECT is a compiled Django queryset (so table names, joins and functions come from the ORM)
or a statement written by hand; only the INSERT/ON CONFLICT wrapper is written here.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection, models
from django.db.models import Func, Lookup, QuerySet


class DaysBetween(Func):
    """Whole days from ``earlier`` to ``later`` (negative if ``later`` comes first)."""

    output_field = models.IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):  # date - date = integer
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        return f"(({later})::date - ({earlier})::date)", [*later_params, *earlier_params]


class IsDistinctFrom(Lookup):
    """NULL-safe inequality, usable as an expression: ``filter(IsDistinctFrom(F("a"), F("b")))``."""

    lookup_name = "distinct_from"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IS DISTINCT FROM {rhs}", [*lhs_params, *rhs_params]


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def compile_inner(queryset: QuerySet, columns: Mapping[str, object]) -> tuple[str, list, list]:
    """The queryset with ``columns`` as annotations, each under its own alias ``out_<name>``;
    returns the SQL, its parameters and the aliases in the order of ``columns``."""
    aliases = {name: f"out_{name}" for name in columns}
    annotated = queryset.annotate(**{aliases[n]: expr for n, expr in columns.items()})
    inner = annotated.values(*aliases.values()).order_by()
    sql, params = inner.query.sql_with_params()
    return sql, list(params), list(aliases.values())


def compile_select(queryset: QuerySet, columns: Mapping[str, object]) -> tuple[str, list, list]:
    """``SELECT sub.c1, sub.c2 … FROM (<queryset>) sub`` with ``columns`` as annotations.

    Returns the SQL, its parameters and the output aliases in the order of ``columns``. Every
    output is an annotation with its own alias, so the column order never depends on how Django
    orders a ``values()`` list.
    """
    sql, params, aliases = compile_inner(queryset, columns)
    select = ", ".join(f"sub.{quote(alias)}" for alias in aliases)
    return f"SELECT {select} FROM ({sql}) sub", params, aliases


def upsert_from_sql(
    model: type[models.Model],
    select_sql: str,
    params: list | dict,
    columns: list[str],
    *,
    conflict: list[str],
    stamp: list[str] = (),
    few: bool = False,
    versioned: bool = False,
) -> int:
    """Insert one row of ``model`` per row of ``select_sql``; on a key conflict update the row, but
    only when a value actually changed (unchanged rows are not rewritten). ``stamp`` columns are
    written with the others but never count as a change. Returns the rows written. The SELECT
    outputs ``out_<field>`` for each of ``columns`` and ``stamp``.

    Rows whose stored values are all equal are dropped *before* the insert (an anti-join on the
    key with ``IS DISTINCT FROM``): ``ON CONFLICT … DO UPDATE … WHERE`` alone would still lock,
    and so write, every conflicting row, which is most of the table on a full recompute. The
    ``ON CONFLICT`` clause stays for rows a concurrent run inserted in the meantime.

    ``few``: the SELECT yields a small part of the table (a run on some situations): each stored
    row is then looked up by its key (a lateral join) instead of the whole table being hashed.

    ``versioned``: the model has a ``version`` (a record partners read): a changed row counts it
    on; a new row takes its default.
    """
    sql = upsert_statement(
        model, select_sql, columns, conflict=conflict, stamp=stamp, few=few, versioned=versioned
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def upsert_statement(
    model: type[models.Model],
    select_sql: str,
    columns: list[str],
    *,
    conflict: list[str],
    stamp: list[str] = (),
    few: bool = False,
    versioned: bool = False,
) -> str:
    """The ``INSERT … SELECT … ON CONFLICT`` of ``upsert_from_sql``, to run or to embed in a
    larger statement (``select_sql`` may name a CTE of it)."""
    meta = model._meta
    names = [*columns, *stamp]
    column_of = {name: meta.get_field(name).column for name in names}
    alias_of = {name: f"out_{name}" for name in names}
    table = quote(meta.db_table)
    target = ", ".join(quote(column_of[n]) for n in names)
    keys = ", ".join(quote(column_of[n]) for n in conflict)
    compared = [n for n in columns if n not in conflict]
    updated = [column_of[n] for n in [*compared, *stamp]]
    assignments = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updated)
    if versioned:
        version = quote(meta.get_field("version").column)
        assignments += f", {version} = {table}.{version} + 1"
    changed = " OR ".join(
        f"{table}.{quote(column_of[n])} IS DISTINCT FROM excluded.{quote(column_of[n])}"
        for n in compared
    )
    # Joined to the stored rows: only new rows and rows with a value changed go on to the insert.
    joined = " AND ".join(f"cur.{quote(column_of[n])} = sub.{quote(alias_of[n])}" for n in conflict)
    differs = " OR ".join(
        [f"cur.{quote(column_of[conflict[0]])} IS NULL"]
        + [f"cur.{quote(column_of[n])} IS DISTINCT FROM sub.{quote(alias_of[n])}" for n in compared]
    )
    select = ", ".join(f"sub.{quote(alias_of[n])}" for n in names)
    stored = (
        # LIMIT 1 (the key is unique) keeps the planner from flattening it into a hash join.
        f"LATERAL (SELECT * FROM {table} cur WHERE {joined} LIMIT 1) cur ON TRUE"
        if few
        else f"{table} cur ON {joined}"
    )
    sql = (
        f"INSERT INTO {table} ({target}) "
        f"SELECT {select} FROM ({select_sql}) sub LEFT JOIN {stored} "
        f"WHERE {differs} "
        # In key order: a first run's million new rows then fill the key's index page by page
        # instead of at random (a third faster); rows left unchanged are never sorted.
        f"ORDER BY {', '.join(f'sub.{quote(alias_of[n])}' for n in conflict)} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {assignments} WHERE {changed}"
    )
    return sql


def insert_from_queryset(
    model: type[models.Model],
    queryset: QuerySet,
    columns: Mapping[str, object],
    *,
    skip_conflicts: bool = False,
) -> int:
    """``INSERT INTO model (…) SELECT …``; with ``skip_conflicts`` rows that would break a unique
    constraint are left out (``ON CONFLICT DO NOTHING``), so running it twice inserts once."""
    meta = model._meta
    select_sql, params, _ = compile_select(queryset, columns)
    target = ", ".join(quote(meta.get_field(n).column) for n in columns)
    sql = f"INSERT INTO {quote(meta.db_table)} ({target}) {select_sql}"
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
