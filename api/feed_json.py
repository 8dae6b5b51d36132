"""The change feed's record data, as JSON text built by PostgreSQL: one query per record type,
all of a page's types in one statement (``json_rows_by_type``).

A full sync moves every record once; building each one's dict in Python (``values()``, a query per
nested field, then the JSON encoder) cost more than everything else the feed does. Here each
record type's shape (``api.resources``: the synced records and alerts, which the rules raise for
about every fifth record) is turned into one ``json_build_object`` per row (``Shape.json_sql``:
each kind of field says how it is built in SQL), so a page of thousands of records is one query and
the rows arrive as finished JSON text that the view writes out as is.

The output must equal what ``resources.representations`` gives after JSON encoding (the same
shape read in Python); ``tests/api/test_feed_json.py`` compares the two for every type. A shape
with a field that cannot be built in SQL (a column type not spelled as DRF writes it) gives
``None`` and the caller uses ``representations``.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import F, QuerySet

from alerts.models import Alert
from cases.sharing import Clearance, restrict_to_clearance

from .resources import ALERT, SYNCED
from .shapes import Shape


def _source(type_: str, clearance: Clearance) -> tuple[Shape, str, QuerySet] | None:
    """``(shape, key, queryset)`` of feed type ``type_``, or None for a type this module does not
    know: ``key`` is the path that names a record in the feed (alerts keep an integer key and are
    named by their public uuid); ``queryset`` holds what ``clearance`` may see."""
    if type_ == "alert":
        return ALERT, "uuid", restrict_to_clearance(Alert.objects.all(), clearance, "situation")
    resource = SYNCED.get(type_)
    if resource is None:
        return None
    # Named by the primary key, whatever the model calls it (an interval by its situation).
    return resource.shape, "pk", resource.base_queryset(clearance)


def json_rows(type_: str, ids: list[str], clearance: Clearance) -> list[tuple] | None:
    """``[(id as text, version, data as JSON text)]`` of the records ``ids`` (UUIDs, as text or
    not) of feed type ``type_`` that
    ``clearance`` may see; None when this type must be built in Python."""
    query = json_query(type_, ids, clearance)
    if query is None:
        return None
    sql, params = query
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def json_rows_by_type(
    wanted: dict[str, list[str]], clearance: Clearance
) -> tuple[dict[str, list[tuple]], list[str]]:
    """``json_rows`` of several types in one statement (a ``UNION ALL`` of each type's query):
    ``({type: [(id, version, data)]}, types this module cannot build)``. One round trip per page
    of the feed whatever the number of types in it."""
    parts, params, left = [], [], []
    for type_, ids in wanted.items():
        query = json_query(type_, ids, clearance)
        if query is None:
            left.append(type_)
            continue
        sql, type_params = query
        parts.append(f"SELECT %s, q.* FROM ({sql}) q")
        params += [type_, *type_params]
    rows: dict[str, list[tuple]] = {}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for type_, *row in cursor.fetchall():
                rows.setdefault(type_, []).append(tuple(row))
    return rows, left


def json_query(type_: str, ids: list[str], clearance: Clearance) -> tuple[str, list] | None:
    """The SQL and parameters of ``json_rows``; None when this type must be built in Python."""
    template = _template(type_, clearance)
    if template is None:
        return None
    sql, params = template
    # The ids as one array literal ('{…,…}'), not a list: psycopg quotes a list's items one by
    # one in Python, a fifth of a page's time in the server for 5,000 ids; UUIDs need no quoting
    # inside the literal, and anything else fails the cast.
    return sql, [*params, "{" + ",".join(str(object_id) for object_id in ids) + "}"]


@functools.lru_cache(maxsize=256)
def _template(type_: str, clearance: Clearance) -> tuple[str, tuple] | None:
    """``json_query`` but the ids: the SQL depends only on the models and the clearance, so a
    process composes it once per type and clearance rather than on every page (composing the
    querysets of a page's types cost about as much as a tenth of the page)."""
    source = _source(type_, clearance)
    if source is None:
        return None
    shape, key, queryset = source
    pk = shape.model._meta.pk.attname
    paths = dict.fromkeys((key, "version", pk, *shape.paths()))
    aliases = {path: f"c{index}" for index, path in enumerate(paths)}

    def column(path: str) -> str:
        return f"t.{aliases[path]}"

    data = shape.json_sql(column, column(pk))
    if data is None:
        return None
    queryset = queryset.order_by().values(**{alias: F(path) for path, alias in aliases.items()})
    inner, params = queryset.query.sql_with_params()
    # The ids as one array parameter: PostgreSQL pulls the condition into the subquery and reads
    # the page's rows by primary key, whatever the size of the table.
    sql = (
        f"SELECT {column(key)}::text, {column('version')}::bigint, {data}::text "
        f"FROM ({inner}) t WHERE {column(key)} = ANY(%s::uuid[])"
    )
    return sql, tuple(params)
