"""Validating a batch without a query per record.

A batch of 1,000 warning signs names a few hundred situations, paragraphs and actors. Validated
one by one, each serializer looks each of them up (and each uniqueness validator asks whether a
slug or name is taken): thousands of queries. Here every record a batch names is read once per
field, for every item at once, through the field's own queryset (so the caller's clearance still
decides what exists), and each item's field looks it up in memory. Uniqueness is checked once per
unique field for the whole batch (``unique_failures``), among the stored rows and the batch's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField, SlugRelatedField
from rest_framework.validators import UniqueTogetherValidator, UniqueValidator


def preload_key(model, name: str, value):
    """``value`` as the database would compare it to field ``name``, or None if malformed."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if value is None or isinstance(value, bool | dict | list):
        return None
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError, AttributeError):  # e.g. a number as a uuid
        return None


class Preloaded:
    """Stands in for a related field's queryset: ``get()`` answers from the rows read for the
    whole batch. A key it does not hold (malformed, or not found) is asked of the real queryset,
    so the field answers — and fails — exactly as it does for one record."""

    def __init__(self, queryset, lookup: str, rows: dict):
        self.queryset = queryset
        self.model = queryset.model
        self.lookup = lookup
        self.rows = rows

    def get(self, **kwargs):
        ((name, value),) = kwargs.items()
        key = preload_key(self.model, name, value) if name == self.lookup else None
        if key is not None and key in self.rows:
            return self.rows[key]
        return self.queryset.get(**kwargs)


def relation_fields(serializer) -> Iterator[tuple[str, RelatedField]]:
    """``(path, field)`` of every writable link of ``serializer``: ``situation``, ``citations``
    (the child of a list of links), ``partners.actor`` (inside a nested list)."""
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, ManyRelatedField):
            yield name, field.child_relation
        elif isinstance(field, RelatedField):
            yield name, field
        elif isinstance(field, serializers.ListSerializer):
            for path, child in relation_fields(field.child):
                yield f"{name}.{path}", child


def _raw_values(data, path: list[str]) -> Iterator:
    if isinstance(data, list):
        for item in data:
            yield from _raw_values(item, path)
        return
    if not path:
        yield data
        return
    if isinstance(data, dict) and path[0] in data:
        yield from _raw_values(data[path[0]], path[1:])


def _lookup(field: RelatedField) -> str:
    return field.slug_field if isinstance(field, SlugRelatedField) else "pk"


def preload(prototype, items: Iterable[dict]) -> dict[str, Preloaded]:
    """One query per link field of ``prototype`` (a serializer built as each item's will be),
    reading every record the ``items`` name in it."""
    items = [item for item in items if isinstance(item, dict)]
    preloaded = {}
    for path, field in relation_fields(prototype):
        queryset = field.get_queryset()
        lookup = _lookup(field)
        keys = {
            key
            for item in items
            for value in _raw_values(item, path.split("."))
            if (key := preload_key(queryset.model, lookup, value)) is not None
        }
        rows = queryset.filter(**{f"{lookup}__in": keys}) if keys else []
        attname = "pk" if lookup == "pk" else lookup
        preloaded[path] = Preloaded(queryset, lookup, {getattr(r, attname): r for r in rows})
    return preloaded


def use_preloaded(serializer, preloaded: dict[str, Preloaded]) -> None:
    """Point the serializer's link fields at the batch's rows, and leave uniqueness to
    ``unique_failures`` (one query per unique field for the whole batch)."""
    for path, field in relation_fields(serializer):
        if path in preloaded:
            field.queryset = preloaded[path]
    for field in serializer.fields.values():
        field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]
    serializer.validators = [
        v for v in serializer.validators if not isinstance(v, UniqueTogetherValidator)
    ]


def unique_failures(prototype, validated: dict[int, tuple]) -> dict[int, dict]:
    """The items whose unique values are taken, by another stored record or an earlier item of
    the batch: ``{index: {field: [message]}}``. ``validated``: ``{index: (pk, data)}``.

    The messages are the validators' own, as one record's write gives them; a value a record of
    the batch holds now and gives up in the same batch still counts as taken (never a constraint
    error at the write)."""
    failures: dict[int, dict] = {}
    model = prototype.Meta.model
    for name, field in prototype.fields.items():
        for validator in field.validators:
            if not isinstance(validator, UniqueValidator):
                continue
            source = field.source
            values = {i: data[source] for i, (_, data) in validated.items() if source in data}
            taken = dict(
                validator.queryset.filter(**{f"{source}__in": set(values.values())}).values_list(
                    source, "pk"
                )
            )
            seen: set = set()
            for index, value in sorted(values.items()):
                pk = validated[index][0]
                if taken.get(value, pk) != pk or value in seen:
                    failures.setdefault(index, {})[name] = [str(validator.message)]
                seen.add(value)
    for validator in prototype.validators:
        if not isinstance(validator, UniqueTogetherValidator):
            continue
        names = list(validator.fields)
        sources = [prototype.fields[n].source for n in names]

        def key(data, sources=sources):
            return tuple(getattr(data[s], "pk", data[s]) for s in sources)

        values = {
            i: key(data)
            for i, (_, data) in validated.items()
            if all(s in data and data[s] is not None for s in sources)
        }
        attnames = [model._meta.get_field(s).attname for s in sources]
        stored = validator.queryset.filter(
            **{f"{a}__in": {v[n] for v in values.values()} for n, a in enumerate(attnames)}
        ).values_list(*attnames, "pk")
        taken = {tuple(row[:-1]): row[-1] for row in stored}
        message = str(validator.message).format(field_names=", ".join(names))
        seen = set()
        for index, value in sorted(values.items()):
            pk = validated[index][0]
            if taken.get(value, pk) != pk or value in seen:
                failures.setdefault(index, {}).setdefault("non_field_errors", []).append(message)
            seen.add(value)
    return failures
