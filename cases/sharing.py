"""Who may see what: Traffic Light Protocol 2.0 applied to every read path.

Every list, detail, dashboard, export and notification narrows its queryset through
``restrict_to_clearance``; nothing else decides visibility. The change feed stores who could
read each record when it changed as an ``Audience`` (``feed.audience``), made here from a
situation's sharing (``situation_audience``).

- Internal staff (desk officers, reviewers) see every level.
- A partner organisation sees CLEAR and GREEN; AMBER and AMBER+STRICT only where its actor is on
  the situation's ``shared_with`` list; RED never. So do the people who belong to it, logged in
  by session (``partners.clearance.clearance_for_user``).
- Anyone else sees CLEAR and GREEN.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from feed.audience import Audience, audience_q

from .choices import LISTED_SHARING_LEVELS, OPEN_SHARING_LEVELS, SharingLevel
from .models import Situation


@dataclass(frozen=True)
class Clearance:
    unrestricted: bool = False
    actor_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @classmethod
    def internal(cls) -> Clearance:
        return cls(unrestricted=True)

    @classmethod
    def for_actors(cls, actor_ids: Iterable[uuid.UUID | str | None]) -> Clearance:
        return cls(actor_ids=frozenset(uuid.UUID(str(a)) for a in actor_ids if a))

    @classmethod
    def public(cls) -> Clearance:
        return cls()


def visibility_q(clearance: Clearance, situation_path: str = "") -> Q:
    """A filter on any model that reaches a Situation through ``situation_path``."""
    if clearance.unrestricted:
        return Q()
    prefix = f"{situation_path}__" if situation_path else ""
    visible = Q(**{f"{prefix}sharing__in": OPEN_SHARING_LEVELS})
    if clearance.actor_ids:
        listed = Exists(
            Situation.shared_with.through.objects.filter(
                situation_id=OuterRef(f"{prefix}pk" if prefix else "pk"),
                actor_id__in=clearance.actor_ids,
            )
        )
        visible |= Q(**{f"{prefix}sharing__in": LISTED_SHARING_LEVELS}) & Q(listed)
    return visible


def restrict_to_clearance(
    queryset: QuerySet, clearance: Clearance, situation_path: str = ""
) -> QuerySet:
    """The rows of ``queryset`` that ``clearance`` may see."""
    if clearance.unrestricted:
        return queryset
    return queryset.filter(visibility_q(clearance, situation_path))


# --- A situation's audience, as the change feed stores it ---------------------------------------


def situation_audience(sharing: str, listed_ids: Iterable[uuid.UUID | str] = ()) -> Audience:
    """Who may read a situation (and its records) at sharing level ``sharing`` with the sharing
    list ``listed_ids``: the rule above, frozen into the feed's ``Audience``."""
    if sharing in OPEN_SHARING_LEVELS:
        return Audience.everyone()
    if sharing in LISTED_SHARING_LEVELS:
        return Audience.listed(listed_ids)
    return Audience.nobody()


def listed_actor_ids(situation_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        Situation.shared_with.through.objects.filter(situation_id=situation_id).values_list(
            "actor_id", flat=True
        )
    )


def stored_situation_audience(situation_id: uuid.UUID) -> Audience:
    """The audience of the situation as stored (nobody if there is no such situation)."""
    sharing = Situation.objects.filter(pk=situation_id).values_list("sharing", flat=True).first()
    if sharing is None:
        return Audience.nobody()
    if sharing not in LISTED_SHARING_LEVELS:
        return situation_audience(sharing)
    return situation_audience(sharing, listed_actor_ids(situation_id))


def situation_audience_sql(alias: str) -> tuple[str, str, list]:
    """SQL for the audience of situation ``alias`` as ``situation_audience`` gives it:
    ``(open, actors, params)``; actors are the sharing list's hex ids, sorted, comma-separated
    (``Audience.encoded_actors``). For the feed's set-based recorders."""
    through = Situation.shared_with.through._meta
    table = connection.ops.quote_name(through.db_table)
    owner, actor = connection.ops.quote_name("situation_id"), connection.ops.quote_name("actor_id")
    sharing = f"{alias}.{connection.ops.quote_name(Situation._meta.get_field('sharing').column)}"
    pk = f"{alias}.{connection.ops.quote_name(Situation._meta.pk.column)}"
    # uuid order is the order of the hex strings Python sorts.
    listed = (
        f"(SELECT string_agg(replace(l.{actor}::text, '-', ''), ',' ORDER BY l.{actor}) "
        f"FROM {table} l WHERE l.{owner} = {pk})"
    )
    open_levels = ", ".join(["%s"] * len(OPEN_SHARING_LEVELS))
    listed_levels = ", ".join(["%s"] * len(LISTED_SHARING_LEVELS))
    return (
        f"({sharing} IN ({open_levels}))",
        f"CASE WHEN {sharing} IN ({listed_levels}) THEN COALESCE({listed}, '') ELSE '' END",
        [*OPEN_SHARING_LEVELS, *LISTED_SHARING_LEVELS],
    )


__all__ = [
    "Audience",
    "Clearance",
    "audience_q",
    "restrict_to_clearance",
    "situation_audience",
    "situation_audience_sql",
    "stored_situation_audience",
    "visibility_q",
]


def accepting_contributions(prefix: str = "") -> Q:
    """Situations whose source lets the partners on its sharing list edit content: switched on,
    or left empty at AMBER (TLP 2.0: AMBER+STRICT and RED stay the source's alone)."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}accepts_contributions": True}) | Q(
        **{f"{p}accepts_contributions__isnull": True, f"{p}sharing": SharingLevel.AMBER}
    )


# --- Across time: what a record's history may show --------------------------------------------


def cleared_at(clearance: Clearance, era: str) -> Q:
    """A filter on a history row annotated with ``era``, the ``history_id`` of its situation's
    history row standing when it was recorded: whether ``clearance`` was cleared for the
    situation as it stood then — the rule above, applied to that label and sharing list. An
    entry recorded under a label beyond the caller's clearance shows no content even once the
    label is lowered (a RED situation relabelled GREEN keeps its RED-era entries to itself).
    A NULL ``era`` (no history kept of the situation, e.g. bulk-loaded) knows of no label but
    today's, which the caller is cleared for."""
    if clearance.unrestricted:
        return Q()
    historical = Situation.history.model
    then = historical.objects.filter(history_id=OuterRef(era))
    cleared = Q(**{f"{era}__isnull": True}) | Q(
        Exists(then.filter(sharing__in=OPEN_SHARING_LEVELS))
    )
    if clearance.actor_ids:
        links = historical.shared_with.model  # its sharing list as it stood then
        cleared |= Q(
            Exists(
                links.objects.filter(
                    history_id=OuterRef(era),
                    history__sharing__in=LISTED_SHARING_LEVELS,
                    actor_id__in=clearance.actor_ids,
                )
            )
        )
    return cleared
