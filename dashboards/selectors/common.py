"""Pieces every dashboard read shares: the viewer's situations and choice labels."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import Situation
from cases.sharing import Clearance, restrict_to_clearance

from ..filters import SituationFilters


def visible(
    queryset: QuerySet,
    clearance: Clearance,
    filters: SituationFilters | None,
    situation_path: str = "",
) -> QuerySet:
    """``queryset`` narrowed to what ``clearance`` may see and to the page's situation filters.

    ``situation_path`` leads from the queryset's model to its Situation ("" on Situation).
    """
    queryset = restrict_to_clearance(queryset, clearance, situation_path)
    if filters is not None:
        situation_id = f"{situation_path}_id" if situation_path else "pk"
        queryset = queryset.filter(filters.situation_q(situation_id, situation_path))
    return queryset


def visible_situations(clearance: Clearance, filters: SituationFilters | None = None) -> QuerySet:
    return visible(Situation.objects.all(), clearance, filters)


def label(enum, value) -> str:
    """The label of ``value`` in a TextChoices/IntegerChoices ``enum`` (the value if unknown)."""
    if value is None or value == "":
        return "—"
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)
