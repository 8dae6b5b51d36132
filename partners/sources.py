"""What the change feed publishes: each kind of synced record, declared by the app that owns it.

The feed's code names no domain model. The apps below partners in the layers (``cases``) are
declared here by ``PartnersConfig.ready``, since they cannot know the feed; apps above it
(``alerts``) declare their own records from their ``ready()``. The recorders of saves and
deletes (``partners.signals``) and the backfill (``partners.feed.backfill``) read the declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from .choices import RecordType


@dataclass(frozen=True)
class Source:
    """A kind of record in the feed.

    ``id_field``: what partners know a record by (``pk``, or ``uuid`` for alerts, which keep an
    integer key). ``situation_path``: how a record reaches its situation, whose audience it
    inherits (``situation_id``, ``engagement__situation_id``); None for the situation itself and
    for records outside the Traffic Light Protocol (actors: everyone sees them).
    ``child``: recorded by the generic child recorders on save and delete (records with a
    ``situation_id`` of their own); the others have recorders of their own in
    ``partners.signals``.
    """

    type: RecordType
    model: type[models.Model]
    id_field: str = "pk"
    situation_path: str | None = None
    child: bool = False


_SOURCES: dict[str, Source] = {}
_BY_MODEL: dict[type[models.Model], Source] = {}


def publish(source: Source) -> None:
    """Declare ``source``; publishing the same type twice is a mistake, not an update."""
    if source.type in _SOURCES:
        raise ValueError(f"the change feed already publishes {source.type!r}")
    _SOURCES[source.type] = source
    _BY_MODEL[source.model] = source


def sources() -> tuple[Source, ...]:
    return tuple(_SOURCES.values())


def source_of(model: type[models.Model]) -> Source | None:
    return _BY_MODEL.get(model)
