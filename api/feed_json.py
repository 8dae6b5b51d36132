"""The change feed's record data, as JSON text built by PostgreSQL: one query per record type,
all of a page's types in one statement (``json_rows_by_type``).

A full sync moves every record once; building each one's dict in Python (``values()``, a query per
many-to-many field, then the JSON encoder) cost more than everything else the feed does. Here the
shape of ``api.resources`` (columns, renames, many-to-many fields and the two known extras)
and of alerts (``api.resources.ALERT_COLUMNS``; the rules raise one for about every fifth record) is turned
into one ``json_build_object`` per row, so a page of thousands of records is one query and the
rows arrive as finished JSON text that the view writes out as is.

The output must equal what ``resources.representations`` gives after JSON encoding (UUIDs as
strings, datetimes as DRF writes them: ISO 8601, ``Z``, microseconds only when not zero; dates
ISO; many-to-many ids sorted as text). ``tests/api/test_feed_json.py`` compares the two for every
type. A resource this module does not know how to build (a new extra, an unknown column type)
returns ``None`` and the caller uses ``representations``.
"""

from __future__ import annotations

import functools

from django.db import connection, models
from django.db.models import F

from alerts.models import Alert, SituationInterval
from cases.models import EngagementPartner
from cases.sharing import Clearance, restrict_to_clearance

from .figures import FIGURE_COLUMNS
from .resources import (
    ALERT_COLUMNS,
    ALERT_RENAMES,
    SYNCED,
    _engagement_extra,
    _situation_extra,
)

# PostgreSQL spells a UTC datetime as DRF's encoder does: ``…T12:00:00Z`` or ``…T12:00:00.5Z``
# with six digits (Python's isoformat); to_json would drop trailing zeros of the fraction.
_DATETIME = (
    "to_char({col} AT TIME ZONE 'UTC', CASE WHEN date_part('microseconds', {col})::bigint "
    '%% 1000000 = 0 THEN \'YYYY-MM-DD"T"HH24:MI:SS"Z"\' '
    'ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\' END)'
)
_NATIVE = (
    models.UUIDField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.DateField,  # to_json writes dates as ISO 8601 whatever the DateStyle
)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _field_at(model: type[models.Model], path: str) -> models.Field:
    """The model field a ``values()`` path (``element__code``, ``situation_id``) ends on."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model
    field = model._meta.get_field(last)
    if field.is_relation:
        field = field.target_field
    return field


def _value(field: models.Field, column: str) -> str | None:
    """SQL for one column's JSON value, or None when its type is not one we spell like DRF."""
    if isinstance(field, models.DateTimeField):
        return _DATETIME.format(col=column)
    if isinstance(field, _NATIVE) and not isinstance(field, models.DurationField):
        return column
    return None


def _pairs(pairs: list[tuple[str, str]]) -> str:
    """``json_build_object`` arguments; keys are our own identifiers, never input."""
    return ", ".join(f"'{key}', {value}" for key, value in pairs)


def _m2m(model: type[models.Model], name: str, owner: str) -> str:
    """The linked ids, sorted as text (as ``Resource.rows`` sorts them), ``[]`` if none.

    A linked record with an integer key and a public ``uuid`` (paragraphs) is named by its uuid,
    as ``resources._link_columns`` names it."""
    m2m = model._meta.get_field(name)
    through = m2m.remote_field.through
    source = _q(through._meta.get_field(m2m.m2m_field_name()).column)
    target = f"m.{_q(through._meta.get_field(m2m.m2m_reverse_field_name()).column)}"
    related = m2m.related_model._meta
    join = ""
    if any(field.name == "uuid" for field in related.concrete_fields):
        join = f"JOIN {_q(related.db_table)} r ON r.{_q(related.pk.column)} = {target} "
        target = f"r.{_q(related.get_field('uuid').column)}"
    return (
        f'COALESCE((SELECT json_agg({target} ORDER BY {target}::text COLLATE "C") '
        f"FROM {_q(through._meta.db_table)} m {join}WHERE m.{source} = {owner}), '[]'::json)"
    )


def _countries(column: str) -> str:
    return (
        f"CASE WHEN {column} = '' THEN '[]'::json ELSE to_json(string_to_array({column}, ',')) END"
    )


def _warning_figures(owner: str) -> str | None:
    pairs = []
    for name in FIGURE_COLUMNS:
        field = SituationInterval._meta.get_field(name.removesuffix("_id"))
        value = _value(field.target_field if field.is_relation else field, f"f.{_q(field.column)}")
        if value is None:
            return None
        pairs.append((name.removesuffix("_id"), value))
    situation = _q(SituationInterval._meta.get_field("situation").column)
    return (
        f"(SELECT json_build_object({_pairs(pairs)}) "
        f"FROM {_q(SituationInterval._meta.db_table)} f WHERE f.{situation} = {owner})"
    )


def _engagement_partners(owner: str) -> str:
    meta = EngagementPartner._meta
    actor, role = _q(meta.get_field("actor").column), _q(meta.get_field("role").column)
    engagement = _q(meta.get_field("engagement").column)
    return (
        f"COALESCE((SELECT json_agg(json_build_object('actor', p.{actor}, 'role', p.{role}) "
        f"ORDER BY p.{role}, p.{actor}) FROM {_q(meta.db_table)} p "
        f"WHERE p.{engagement} = {owner}), '[]'::json)"
    )


def _extras(resource, columns: dict[str, str], owner: str) -> list[tuple[str, str]] | None:
    """The JSON of ``resource.extra``; None for an extra this module does not reproduce."""
    if resource.extra is None:
        return []
    if resource.extra is _situation_extra:
        figures = _warning_figures(owner)
        if figures is None:
            return None
        columns["countries"] = _countries(columns["countries"])
        return [("warning_to_action", figures)]
    if resource.extra is _engagement_extra:
        # The source gives no start date: no date, so no precision either.
        columns["started_precision"] = (
            f"CASE WHEN {columns['started_on']} IS NULL THEN NULL "
            f"ELSE {columns['started_precision']} END"
        )
        return [("partners", _engagement_partners(owner))]
    return None


def _source(type_: str, clearance: Clearance):
    """``(model, columns, renames, m2m, resource, key, queryset)`` of feed type ``type_`` as the
    API shows it, or None for a type this module does not know. ``resource`` is the
    ``api.resources.Resource`` whose extras apply (None for alerts: they have none);
    ``key`` is the column that names a record in the feed (alerts keep an integer key and are
    named by their public uuid); ``queryset`` holds what ``clearance`` may see."""
    if type_ == "alert":
        queryset = restrict_to_clearance(Alert.objects.all(), clearance, "situation")
        return Alert, ALERT_COLUMNS, ALERT_RENAMES, (), None, "uuid", queryset
    resource = SYNCED.get(type_)
    if resource is None:
        return None
    return (
        resource.model,
        resource.columns,
        resource.renames,
        resource.m2m,
        resource,
        "id",
        resource.base_queryset(clearance),
    )


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
    model, columns, renames, m2m, resource, key, queryset = source
    aliases = {column: f"c{index}" for index, column in enumerate(columns)}
    if key not in aliases or "version" not in aliases:
        return None
    values: dict[str, str] = {}
    for column, alias in aliases.items():
        value = _value(_field_at(model, column), f"t.{alias}")
        if value is None:
            return None
        values[column] = value
    owner = f"t.{aliases[key]}"
    extras = [] if resource is None else _extras(resource, values, owner)
    if extras is None:
        return None
    # Key order as ``Resource.rows`` and ``alert_rows`` leave it: plain columns, many-to-many,
    # renamed, extras.
    pairs = [(column, values[column]) for column in columns if column not in renames]
    pairs += [(name, _m2m(model, name, owner)) for name in m2m]
    pairs += [(renames[column], values[column]) for column in renames]
    pairs += extras
    queryset = queryset.order_by().values(**{alias: F(column) for column, alias in aliases.items()})
    inner, params = queryset.query.sql_with_params()
    # The ids as one array parameter: PostgreSQL pulls the condition into the subquery and reads
    # the page's rows by primary key, whatever the size of the table.
    sql = (
        f"SELECT {owner}::text, t.{aliases['version']}::bigint, "
        f"json_build_object({_pairs(pairs)})::text "
        f"FROM ({inner}) t WHERE {owner} = ANY(%s::uuid[])"
    )
    return sql, tuple(params)
