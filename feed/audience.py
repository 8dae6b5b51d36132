"""Who may read a record, as the change feed stores it with each change.

The feed stores a record's audience before and after each change so that a partner is told of
exactly the changes it was cleared for, and of a tightening as a delete, without ever learning of
a record it could not see. What a situation's sharing level means for its audience is the domain's
rule (``cases.sharing.situation_audience``); this module only holds and compares the result.

A clearance is anything with ``unrestricted`` (bool) and ``actor_ids`` (a set of uuids):
``cases.sharing.Clearance``, which sits above this app.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import Q


class ClearanceLike(Protocol):
    unrestricted: bool
    actor_ids: frozenset[uuid.UUID]


@dataclass(frozen=True)
class Audience:
    """Who may read a record, frozen at the moment it changed: everyone (``open``), or the
    organisations listed in ``actor_ids`` (and internal staff, who see everything)."""

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
    def listed(cls, actor_ids: Iterable[uuid.UUID | str]) -> Audience:
        """The organisations named, and no one else."""
        return cls(actor_ids=frozenset(uuid.UUID(str(a)) for a in actor_ids))

    @classmethod
    def decode(cls, open_: bool, actors: str) -> Audience:
        return cls(open=open_, actor_ids=frozenset(uuid.UUID(a) for a in actors.split(",") if a))

    def encoded_actors(self) -> str:
        return ",".join(sorted(a.hex for a in self.actor_ids))

    def admits(self, clearance: ClearanceLike) -> bool:
        return clearance.unrestricted or self.open or bool(self.actor_ids & clearance.actor_ids)


def audience_q(clearance: ClearanceLike, open_field: str, actors_field: str) -> Q:
    """A filter on rows storing an ``Audience`` (as ``open_field`` and ``actors_field``)."""
    if clearance.unrestricted:
        return Q()
    admitted = Q(**{open_field: True})
    for actor_id in clearance.actor_ids:
        admitted |= Q(**{f"{actors_field}__contains": actor_id.hex})
    return admitted
