"""Local copies kept in step by :meth:`TrackerClient.sync`: the :class:`Mirror` protocol and two
stores, :class:`SQLiteMirror` (a file, survives restarts) and :class:`MemoryMirror` (a dict)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from .changes import Change, Record

START = "0"  # the feed's position before its first change


@runtime_checkable
class Mirror(Protocol):
    """What ``sync()`` needs of a store.

    ``load_cursor()`` gives the feed position the store is at (``"0"`` when it holds nothing).
    ``apply_page(changes, cursor)`` applies one page — an upsert stores ``change.data`` under
    ``change.key``, replacing what was there; a delete removes the record if held — and stores
    ``cursor``, all or nothing: a store that crashes mid-page resumes from the previous cursor
    and is told the same changes again (applying them twice gives the same state).
    """

    def load_cursor(self) -> str: ...

    def apply_page(self, changes: Sequence[Change], cursor: str) -> None: ...


class MemoryMirror:
    """A mirror in a dict ``records`` of ``{(type, id): data}``: for tests and short scripts."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], Record] = {}
        self.cursor = START

    def load_cursor(self) -> str:
        return self.cursor

    def apply_page(self, changes: Sequence[Change], cursor: str) -> None:
        for change in changes:
            if change.op == "upsert" and change.data is not None:
                self.records[change.key] = change.data
            else:
                self.records.pop(change.key, None)
        self.cursor = cursor

    def get(self, type_: str, id_: str) -> Record | None:
        return self.records.get((type_, str(id_)))

    def __len__(self) -> int:
        return len(self.records)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (type, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


class SQLiteMirror:
    """A mirror in an SQLite file (stdlib ``sqlite3``): each record as JSON under
    ``(type, id)`` with its version, and the feed cursor, written in one transaction per page.

    A second ``sync()`` with the same file continues from the stored cursor. Use it as a context
    manager or call :meth:`close`. ``":memory:"`` keeps it in memory.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        # One connection, used from the thread that syncs; a lock so a reader in another thread
        # (a web view showing the mirror) never meets a half-applied page.
        self._connection = sqlite3.connect(self.path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._connection:
            self._connection.executescript(_SCHEMA)

    # --- the Mirror protocol ----------------------------------------------------------------

    def load_cursor(self) -> str:
        with self._lock:
            row = self._connection.execute(
                "SELECT value FROM state WHERE key = 'cursor'"
            ).fetchone()
        return row[0] if row else START

    def apply_page(self, changes: Sequence[Change], cursor: str) -> None:
        upserts = [_row(c) for c in changes if c.op == "upsert" and c.data is not None]
        deletes = [c.key for c in changes if c.op != "upsert" or c.data is None]
        with self._lock, self._connection:
            if upserts and deletes:
                # In feed order: a record upserted then deleted in one page ends deleted (and the
                # other way round).
                for change in changes:
                    if change.op == "upsert" and change.data is not None:
                        self._connection.execute(_UPSERT, _row(change))
                    else:
                        self._connection.execute(_DELETE, change.key)
            else:
                # One statement for the page: most pages hold upserts only.
                self._connection.executemany(_UPSERT, upserts)
                self._connection.executemany(_DELETE, deletes)
            self._connection.execute(
                "INSERT INTO state (key, value) VALUES ('cursor', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (cursor,),
            )

    # --- reading the copy ---------------------------------------------------------------------

    def get(self, type_: str, id_: str) -> Record | None:
        """The record ``(type_, id_)`` held, or None."""
        with self._lock:
            row = self._connection.execute(
                "SELECT data FROM records WHERE type = ? AND id = ?", (type_, str(id_))
            ).fetchone()
        return json.loads(row[0]) if row else None

    def iter_records(self, type_: str | None = None) -> Iterator[tuple[tuple[str, str], Record]]:
        """``((type, id), data)`` of every record held (of ``type_`` only if given)."""
        with self._lock:
            if type_ is None:
                rows = self._connection.execute("SELECT type, id, data FROM records").fetchall()
            else:
                rows = self._connection.execute(
                    "SELECT type, id, data FROM records WHERE type = ?", (type_,)
                ).fetchall()
        for type_name, id_, data in rows:
            yield (type_name, id_), json.loads(data)

    def records(self, type_: str | None = None) -> dict[tuple[str, str], Record]:
        """Every record held as ``{(type, id): data}`` (of ``type_`` only if given)."""
        return dict(self.iter_records(type_))

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT count(*) FROM records").fetchone()[0])

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> SQLiteMirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_UPSERT = (
    "INSERT INTO records (type, id, version, data) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, data = excluded.data"
)
_DELETE = "DELETE FROM records WHERE type = ? AND id = ?"


def _row(change: Change) -> tuple[str, str, int, str]:
    return (
        change.type,
        change.id,
        change.version,
        json.dumps(change.data, ensure_ascii=False, separators=(",", ":")),
    )


__all__ = ["START", "MemoryMirror", "Mirror", "SQLiteMirror"]
