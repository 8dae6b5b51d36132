"""What the change feed publishes: each kind of synced record, declared by the app that owns it.

The feed's code names no domain model: each app declares its records from its own
``AppConfig.ready()`` (``cases`` its record types, ``alerts`` the alert). The backfill
(``feed.log.backfill``), the recorder of the records a delete takes with it
(``feed.log.record_deleted``) and a situation's audience (``situation_source``) read the
declarations.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from .audience import Audience
from .choices import RecordType


@dataclass(frozen=True)
class Source:
    """A kind of record in the feed.

    ``id_field``: what partners know a record by (``pk``, or ``uuid`` for alerts, which keep an
    integer key). ``situation_path``: how a record reaches its situation, whose audience it
    inherits (``situation_id``, ``engagement__situation_id``); None for the situation itself and
    for records outside the Traffic Light Protocol (actors: everyone sees them).

    The situation, whose audience is its own, says how to compute it: ``audience(object_id)``
    from the stored record, and ``audience_sql(alias)`` as SQL over its table aliased ``alias``
    (``(open, actors, params)``, actors encoded as ``Audience.encoded_actors`` encodes them) for
    the set-based recorders.
    """

    type: RecordType
    model: type[models.Model]
    id_field: str = "pk"
    situation_path: str | None = None
    audience: Callable[[uuid.UUID], Audience] | None = None
    audience_sql: Callable[[str], tuple[str, str, list]] | None = None


_SOURCES: dict[str, Source] = {}
_BY_MODEL: dict[type[models.Model], Source] = {}


def publish(source: Source) -> None:
    """Declare ``source``; publishing the same type twice is a mistake, not an update."""
    if source.type in _SOURCES:
        raise ValueError(f"the change feed already publishes {source.type!r}")
    if source.type == RecordType.SITUATION and (
        source.audience is None or source.audience_sql is None
    ):
        raise ValueError("the situation's source must say how to compute its audience")
    _SOURCES[source.type] = source
    _BY_MODEL[source.model] = source


def sources() -> tuple[Source, ...]:
    return tuple(_SOURCES.values())


def source_of(model: type[models.Model]) -> Source | None:
    return _BY_MODEL.get(model)


def situation_source() -> Source:
    """The situations' declaration: children inherit their audience from it."""
    try:
        return _SOURCES[RecordType.SITUATION]
    except KeyError:
        raise LookupError("no app has declared the situations to the change feed") from None
