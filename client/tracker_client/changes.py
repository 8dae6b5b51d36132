"""The change feed's entries and pages as the client gives them, and what a sync reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Record = dict[str, Any]
"""A record as the API shows it (JSON decoded): ``id`` (UUID text), ``version``, ``updated_at``…"""

Op = Literal["upsert", "delete"]


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of ``/api/v1/changes/``.

    ``upsert``: the record is new or changed, or came into your view; ``data`` is its current
    representation (what ``GET /api/v1/<resource>/<id>/`` answers). ``delete``: the record is gone
    or no longer visible to you (its sharing was tightened); ``data`` is None.
    """

    type: str
    id: str
    op: Op
    version: int
    data: Record | None = None

    @property
    def key(self) -> tuple[str, str]:
        """``(type, id)``: how a mirror names the record."""
        return (self.type, self.id)

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> Change:
        return cls(
            type=str(entry["type"]),
            id=str(entry["id"]),
            op="delete" if entry["op"] == "delete" else "upsert",
            version=int(entry["version"]),
            data=entry.get("data"),
        )


@dataclass(frozen=True, slots=True)
class ChangePage:
    """One page of the feed. Pass ``cursor`` as ``since`` to continue after it; ``has_more``
    False: the page reached the end of the feed (for now). ``size``: bytes of the answer."""

    changes: list[Change]
    cursor: str
    has_more: bool
    size: int = 0


@dataclass(slots=True)
class SyncResult:
    """What one :meth:`TrackerClient.sync` did."""

    since: str
    cursor: str
    pages: int = 0
    changes: int = 0
    upserts: int = 0
    deletes: int = 0
    fetched: int = 0  # upserts whose data the client read with a GET (the feed gave none)
    bytes: int = 0
    seconds: float = 0.0
    slowest_page_s: float = 0.0
    types: dict[str, int] = field(default_factory=dict)


__all__ = ["Change", "ChangePage", "Op", "Record", "SyncResult"]
