"""Paging the feed where most changes are hidden from the caller: the scan is bounded, the cursor
moves on, and nothing visible is skipped."""

from __future__ import annotations

import pytest

from partners.feed import MAX_SCAN_FACTOR
from tests.factories import SituationFactory


@pytest.mark.django_db
def test_a_page_of_hidden_changes_moves_the_cursor_on(api):
    start = api.get("changes/", {"limit": 100}).json()["cursor"]
    hidden = 2 * MAX_SCAN_FACTOR + 3  # more than two pages' scans at limit=1
    for _ in range(hidden):
        SituationFactory(sharing="red")
    visible = SituationFactory(sharing="green")

    cursor, seen, pages = start, [], 0
    while True:
        page = api.get("changes/", {"since": cursor, "limit": 1}).json()
        pages += 1
        assert int(page["cursor"]) >= int(cursor)
        seen += [entry["id"] for entry in page["changes"]]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert seen == [str(visible.pk)]
    assert pages >= 3  # each page read at most MAX_SCAN_FACTOR log rows
    assert api.get("changes/", {"since": cursor}).json() == {
        "changes": [],
        "cursor": cursor,
        "has_more": False,
    }
