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


def _queries_of_a_page(since: int) -> tuple[int, int]:
    """(queries, entries) of one page read from ``since`` as the internal clearance."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.sharing import Clearance
    from partners.feed import assign_positions, read_page

    assign_positions()  # positioning, when there is any, is not the page's cost here
    with CaptureQueriesContext(connection) as queries:
        page = read_page(Clearance.internal(), since, 5000)
    return len(queries), len(page.rows)


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_whatever_its_types_and_rows(api):
    from cases.sharing import Clearance
    from partners.feed import read_page
    from tests.factories import (
        ActorFactory,
        AssessmentFactory,
        EngagementFactory,
        WarningIndicatorFactory,
    )

    start = read_page(Clearance.internal(), 0, 5000).cursor
    SituationFactory(sharing="green")
    one_type, few = _queries_of_a_page(start)

    start = read_page(Clearance.internal(), 0, 5000).cursor
    for _ in range(4):
        situation = SituationFactory(sharing="amber", shared_with=ActorFactory.create_batch(2))
        WarningIndicatorFactory.create_batch(5, situation=situation)
        AssessmentFactory(engagement=EngagementFactory(situation=situation))
    every_type, many = _queries_of_a_page(start)

    assert many > few
    assert every_type == one_type
