"""The shape of a record as the API shows it, declared once (``Shape``), and what is built from it.

A shape is its model and an ordered list of fields, each named as in the JSON and of one kind:

- ``Column``: a value read from the record's row (a column, or one through a relation such as
  ``element__code``), under another name if needed (``situation_id`` as ``situation``);
- ``Links``: the ids of a many-to-many field (or of its reverse side), sorted as text;
- ``Countries``: a country list stored as comma-separated text;
- ``Counted``: how many records a reverse relation holds;
- ``Nested``: a record, or a list of them, of another shape linked to this one (a situation's
  warning-to-action figures, an engagement's partner roles).

From a shape come the serializer's ``Meta.fields`` and ``read_only_fields`` (``serializers.py``),
the rows lists and details send (``Shape.rows``: a fixed number of queries a page, each nested
field one more) and the change feed's JSON built by PostgreSQL (``Shape.json_sql``, used by
``feed_json.py``). Each kind says how it is built both ways, so the two agree by construction;
``tests/api/test_feed_json.py`` compares them for every record type.

The JSON is what DRF's encoder writes for the Python rows: UUIDs as strings, datetimes in ISO 8601
with ``Z`` and microseconds only when not zero, dates in ISO, keys in the declared order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, models
from django.db.models import OuterRef, QuerySet

# ``column(path)``: the SQL naming a path of the record's row in the feed's query.
ColumnSql = Callable[[str], str]

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


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def field_at(model: type[models.Model], path: str) -> models.Field:
    """The model field a ``values()`` path (``element__code``, ``situation_id``) ends on."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model
    found = model._meta.get_field(last)
    if found.is_relation:
        found = found.target_field
    return found


def json_value(found: models.Field, column: str) -> str | None:
    """SQL for one column's JSON value, or None when its type is not one we spell like DRF."""
    if isinstance(found, models.DateTimeField):
        return _DATETIME.format(col=column)
    if isinstance(found, _NATIVE) and not isinstance(found, models.DurationField):
        return column
    return None


def json_object(pairs: Iterable[tuple[str, str]]) -> str:
    """``json_build_object`` of ``(key, SQL)`` pairs; keys are our own identifiers, never input."""
    return "json_build_object(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"


@dataclass(frozen=True)
class Field:
    """One field of a shape: ``name`` in the JSON; ``read_only`` if writes may not set it."""

    name: str
    read_only: bool = False

    def paths(self) -> tuple[str, ...]:
        """The ``values()`` paths of the record's row this field is built from."""
        return ()

    def annotations(self, model: type[models.Model]) -> dict[str, models.Expression]:
        """Expressions read in the row's query (Python rows only)."""
        return {}

    def fill(self, model: type[models.Model], rows: list[dict], ids: list) -> None:
        """Set ``row[name]`` in each row of a page read with ``paths`` and ``annotations``;
        ``ids`` are the rows' primary keys."""

    def sql(self, model: type[models.Model], column: ColumnSql, owner: str) -> str | None:
        """The field's JSON value in SQL (``owner`` names the record's primary key), or None when
        this field cannot be built there."""
        raise NotImplementedError


@dataclass(frozen=True)
class Column(Field):
    """A value of the record's row; ``source`` is its ``values()`` path when it differs from the
    name. ``null_without``: a path whose null makes this field null too."""

    source: str = ""
    null_without: str | None = None

    @property
    def path(self) -> str:
        return self.source or self.name

    def paths(self):
        return (self.path,) if self.null_without is None else (self.path, self.null_without)

    def fill(self, model, rows, ids):
        if self.path != self.name:
            for row in rows:
                row[self.name] = row[self.path]
        if self.null_without is not None:
            for row in rows:
                if row[self.null_without] is None:
                    row[self.name] = None

    def sql(self, model, column, owner):
        value = json_value(field_at(model, self.path), column(self.path))
        if value is None or self.null_without is None:
            return value
        return f"CASE WHEN {column(self.null_without)} IS NULL THEN NULL ELSE {value} END"


@dataclass(frozen=True)
class Countries(Field):
    """A ``CountryField(multiple=True)``: comma-separated codes in the row, a list in the JSON."""

    def paths(self):
        return (self.name,)

    def fill(self, model, rows, ids):
        for row in rows:
            codes = row[self.name]
            row[self.name] = codes.split(",") if codes else []

    def sql(self, model, column, owner):
        value = column(self.name)
        return f"CASE WHEN {value} = '' THEN '[]'::json ELSE to_json(string_to_array({value}, ',')) END"


@dataclass(frozen=True)
class Counted(Field):
    """How many records the reverse relation ``of`` holds, counted in the row's query (lists and
    details only: None in SQL)."""

    of: str = ""

    def annotations(self, model):
        return {self.name: models.Count(self.of)}

    def sql(self, model, column, owner):
        return None


def _link(model: type[models.Model], name: str) -> tuple[models.Field, models.Field, str | None]:
    """The through model's fields naming the record and the linked record of the many-to-many
    field ``name``, and the linked record's public ``uuid`` field if it has one: a linked record
    with an integer key and a public uuid (paragraphs) is named by its uuid."""
    m2m = model._meta.get_field(name)
    if m2m.auto_created and not m2m.concrete:
        # The reverse side of another model's many-to-many field (a sign's ``answered_by``, the
        # engagements whose ``responds_to`` names it): the same table, read the other way.
        forward = m2m.remote_field
        through = forward.remote_field.through._meta
        source, target = forward.m2m_reverse_field_name(), forward.m2m_field_name()
        linked = forward.model
    else:
        through = m2m.remote_field.through._meta
        source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        linked = m2m.related_model
    public = any(f.name == "uuid" for f in linked._meta.concrete_fields)
    return through.get_field(source), through.get_field(target), "uuid" if public else None


@dataclass(frozen=True)
class Links(Field):
    """The linked ids of the many-to-many field ``name``, sorted as text, ``[]`` if none."""

    def _key(self) -> str:
        return f"links__{self.name}"

    def annotations(self, model):
        # The links as an array in the row's query: one round trip a page, not one a field.
        source, target, public = _link(model, self.name)
        value = target.name if public is None else f"{target.name}__{public}"
        through = source.model
        return {
            self._key(): ArraySubquery(
                through.objects.filter(**{source.attname: OuterRef("pk")}).order_by().values(value)
            )
        }

    def fill(self, model, rows, ids):
        key = self._key()
        for row in rows:
            row[self.name] = sorted(row[key] or (), key=str)

    def sql(self, model, column, owner):
        source, target, public = _link(model, self.name)
        value = f"m.{quote(target.column)}"
        join = ""
        if public is not None:
            related = target.related_model._meta
            join = f"JOIN {quote(related.db_table)} r ON r.{quote(related.pk.column)} = {value} "
            value = f"r.{quote(related.get_field(public).column)}"
        return (
            f'COALESCE((SELECT json_agg({value} ORDER BY {value}::text COLLATE "C") '
            f"FROM {quote(source.model._meta.db_table)} m {join}"
            f"WHERE m.{quote(source.column)} = {owner}), '[]'::json)"
        )


@dataclass(frozen=True)
class Nested(Field):
    """The records of ``shape`` whose foreign key ``via`` names this record: a list in
    ``order`` (paths of the nested record) when ``many``, else the one record or null. One query a
    page in Python, a subquery of the row in SQL (the nested shape's fields on its own table).

    ``key``: a path of this record's row that ``via`` equals instead of its primary key, for a
    record this one points to (an alert's warning sign: ``via="id", key="indicator_id"``)."""

    shape: Shape | None = None
    via: str = ""
    many: bool = False
    order: tuple[str, ...] = ()
    key: str = ""

    def paths(self):
        return (self.key,) if self.key else ()

    def fill(self, model, rows, ids):
        nested = self.shape
        link = nested.model._meta.get_field(self.via).attname
        owners = [row[self.key] for row in rows] if self.key else ids
        wanted = [owner for owner in owners if owner is not None]
        found: dict = {}
        if wanted:
            queryset = nested.model._default_manager.filter(**{f"{link}__in": wanted})
            raw = nested.read(queryset.order_by(*self.order), link)
            for owner, row in zip((r[link] for r in raw), nested.finish(raw), strict=True):
                if self.many:
                    found.setdefault(owner, []).append(row)
                else:
                    found[owner] = row
        for row, owner in zip(rows, owners, strict=True):
            row[self.name] = found.get(owner, [] if self.many else None)

    def sql(self, model, column, owner):
        nested = self.shape
        meta = nested.model._meta
        if any("__" in path for path in nested.paths()):
            return None  # only the nested record's own columns
        if self.key:
            owner = column(self.key)

        alias = quote(f"n_{self.name}")  # its own alias, so nested shapes may nest again

        def own(path: str) -> str:
            return f"{alias}.{quote(meta.get_field(path).column)}"

        built = nested.json_sql(own, own(meta.pk.attname))
        if built is None:
            return None
        where = f"FROM {quote(meta.db_table)} {alias} WHERE {own(self.via)} = {owner}"
        if not self.many:
            return f"(SELECT {built} {where})"
        order = ", ".join(own(path) for path in self.order)
        order = f" ORDER BY {order}" if order else ""
        return f"COALESCE((SELECT json_agg({built}{order}) {where}), '[]'::json)"


@dataclass(frozen=True)
class Shape:
    """A record type as the API shows it: its model and its fields, in the JSON's order."""

    model: type[models.Model]
    fields: tuple[Field, ...]
    names: tuple[str, ...] = field(init=False)

    def __init__(self, model: type[models.Model], *fields: Field):
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "names", tuple(f.name for f in fields))
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"{model.__name__}: a name given twice")

    @property
    def read_only(self) -> tuple[str, ...]:
        """The names of the fields writes may not set."""
        return tuple(f.name for f in self.fields if f.read_only)

    def paths(self) -> tuple[str, ...]:
        """Every ``values()`` path the fields read, each once, in order."""
        return tuple(dict.fromkeys(path for f in self.fields for path in f.paths()))

    @property
    def _pk(self) -> str:
        """The path that holds a raw row's primary key: its own column when a field reads it
        (selecting it twice widens every row a page sorts), else ``pk``."""
        attname = self.model._meta.pk.attname
        return attname if attname in self.paths() else "pk"

    def read(self, queryset: QuerySet, *extra: str) -> list[dict]:
        """The raw rows (``paths``, ``extra`` and the primary key, see ``_pk``) of ``queryset``."""
        annotations = {k: v for f in self.fields for k, v in f.annotations(self.model).items()}
        paths = dict.fromkeys((*self.paths(), *extra, self._pk))
        return list(queryset.annotate(**annotations).values(*paths, *annotations))

    def finish(self, rows: list[dict]) -> list[dict]:
        """``read``'s rows as the API shows them: each field filled in, in the declared order."""
        if not rows:
            return rows
        key = self._pk
        ids = [row[key] for row in rows]
        for f in self.fields:
            f.fill(self.model, rows, ids)
        names = self.names
        return [{name: row[name] for name in names} for row in rows]

    def rows(self, queryset: QuerySet) -> list[dict]:
        """The records of ``queryset`` as the API shows them."""
        return self.finish(self.read(queryset))

    def json_sql(self, column: ColumnSql, owner: str) -> str | None:
        """``json_build_object`` of a record whose row's paths ``column`` names and whose primary
        key ``owner`` names; None when a field cannot be built in SQL."""
        pairs = []
        for f in self.fields:
            value = f.sql(self.model, column, owner)
            if value is None:
                return None
            pairs.append((f.name, value))
        return json_object(pairs)
