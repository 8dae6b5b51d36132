"""The SQLite mirror applies a page in feed order, all at once with its cursor, and keeps both
across a restart (no server needed: the pages are given)."""

from __future__ import annotations

from tracker_client import Change, MemoryMirror, SQLiteMirror


def page() -> list[Change]:
    return [
        Change("situation", "s1", "upsert", 1, {"id": "s1", "version": 1, "title": "A"}),
        Change("situation", "s2", "upsert", 1, {"id": "s2", "version": 1, "title": "B"}),
        Change("situation", "s1", "delete", 2),
        Change("situation", "s2", "upsert", 2, {"id": "s2", "version": 2, "title": "B2"}),
    ]


def test_a_page_is_applied_in_feed_order_and_kept_with_its_cursor(tmp_path):
    path = tmp_path / "mirror.sqlite3"
    with SQLiteMirror(path) as mirror:
        assert mirror.load_cursor() == "0" and len(mirror) == 0
        mirror.apply_page(page(), "42")
    with SQLiteMirror(path) as mirror:
        assert mirror.load_cursor() == "42"
        assert mirror.records() == {("situation", "s2"): {"id": "s2", "version": 2, "title": "B2"}}
        assert mirror.get("situation", "s1") is None
        mirror.apply_page([Change("situation", "s2", "delete", 3)], "43")
        assert len(mirror) == 0 and mirror.load_cursor() == "43"

    memory = MemoryMirror()
    memory.apply_page(page(), "42")
    assert memory.records == {("situation", "s2"): {"id": "s2", "version": 2, "title": "B2"}}
