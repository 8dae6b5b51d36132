"""Writes that must stay consistent across several models.

The admin, the API and the management commands call these functions, so each rule lives once.
Every function here runs in a transaction: it either writes everything or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .models import (
    Actor,
    Assessment,
    Engagement,
    EngagementPartner,
    Paragraph,
    Situation,
    TrackedModel,
    WarningIndicator,
)

# --- Desk officers' records: one save function per model, called by the admin and the API ---


def _save_tracked(
    record: TrackedModel, by: Any | None, relations: dict[str, Iterable[Any] | None]
) -> None:
    """Validate, save with its author for the history, then set the many-to-many links given."""
    record.full_clean()
    if not record._state.adding:
        # Count from the stored version, under a row lock: an instance rebuilt from an old history
        # record (a revert) or read before someone else's save must still move the version on.
        stored = (
            type(record)
            ._default_manager.select_for_update()
            .filter(pk=record.pk)
            .values_list("version", flat=True)
            .first()
        )
        if stored is not None:
            record.version = stored
    if by is not None and getattr(by, "is_authenticated", False):
        record._history_user = by
    record.save()
    for name, values in relations.items():
        if values is not None:
            getattr(record, name).set(values)


@transaction.atomic
def save_situation(
    situation: Situation,
    *,
    by: Any | None = None,
    shared_with: Iterable[Actor] | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> Situation:
    """Create or update a situation; ``shared_with``/``citations`` replace the links when given."""
    _save_tracked(situation, by, {"shared_with": shared_with, "citations": citations})
    return situation


@transaction.atomic
def save_indicator(
    indicator: WarningIndicator,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> WarningIndicator:
    _save_tracked(indicator, by, {"citations": citations})
    return indicator


@transaction.atomic
def save_actor(
    actor: Actor, *, by: Any | None = None, citations: Iterable[Paragraph] | None = None
) -> Actor:
    _save_tracked(actor, by, {"citations": citations})
    return actor


@transaction.atomic
def save_engagement(
    engagement: Engagement,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> Engagement:
    _save_tracked(engagement, by, {"citations": citations})
    return engagement


@transaction.atomic
def save_engagement_partner(
    partner: EngagementPartner, *, by: Any | None = None
) -> EngagementPartner:
    _save_tracked(partner, by, {})
    return partner


@transaction.atomic
def save_assessment(
    assessment: Assessment,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> Assessment:
    """Record a rating; whoever records it becomes the assessor of the rating now held."""
    if by is not None and getattr(by, "is_authenticated", False):
        assessment.assessed_by = by
    _save_tracked(assessment, by, {"citations": citations})
    return assessment


@transaction.atomic
def delete_record(record: TrackedModel, *, by: Any | None = None) -> None:
    """Delete a record; its history keeps the last state and who deleted it."""
    if by is not None and getattr(by, "is_authenticated", False):
        record._history_user = by
    record.delete()
