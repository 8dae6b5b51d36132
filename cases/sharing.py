"""Who may see what: Traffic Light Protocol 2.0 applied to every read path.

Every list, detail, dashboard, export and notification narrows its queryset through
``restrict_to_clearance``; nothing else decides visibility.

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

from django.db.models import Exists, OuterRef, Q, QuerySet

from .choices import LISTED_SHARING_LEVELS, OPEN_SHARING_LEVELS
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


@dataclass(frozen=True)
class Audience:
    """Who may read a record, frozen at the moment it changed (kept by the change feed).

    The feed stores a record's audience before and after each change so that a partner is told of
    exactly the changes it was cleared for, and of a tightening as a delete, without ever learning
    of a record it could not see.
    """

    open: bool = False
    actor_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @classmethod
    def everyone(cls) -> Audience:
        """Records outside TLP (actors, reference data)."""
        return cls(open=True)

    @classmethod
    def nobody(cls) -> Audience:
        """A deleted record."""
        return cls()

    @classmethod
    def of_situation(
        cls, sharing: str, shared_with_ids: Iterable[uuid.UUID | str] = ()
    ) -> Audience:
        if sharing in OPEN_SHARING_LEVELS:
            return cls(open=True)
        if sharing in LISTED_SHARING_LEVELS:
            return cls(actor_ids=frozenset(uuid.UUID(str(a)) for a in shared_with_ids))
        return cls()

    @classmethod
    def decode(cls, open_: bool, actors: str) -> Audience:
        return cls(open=open_, actor_ids=frozenset(uuid.UUID(a) for a in actors.split(",") if a))

    def encoded_actors(self) -> str:
        return ",".join(sorted(a.hex for a in self.actor_ids))

    def admits(self, clearance: Clearance) -> bool:
        return clearance.unrestricted or self.open or bool(self.actor_ids & clearance.actor_ids)


def audience_q(clearance: Clearance, open_field: str, actors_field: str) -> Q:
    """A filter on rows storing an ``Audience`` (as ``open_field`` and ``actors_field``)."""
    if clearance.unrestricted:
        return Q()
    admitted = Q(**{open_field: True})
    for actor_id in clearance.actor_ids:
        admitted |= Q(**{f"{actors_field}__contains": actor_id.hex})
    return admitted
