"""Paging the feed where most changes are hidden from the caller: the scan is bounded, the cursor
moves on, and nothing visible is skipped."""

from __future__ import annotations

import pytest

from api.changes import MAX_SCAN_FACTOR
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

    from api.changes import read_page
    from cases.sharing import Clearance
    from feed.log import assign_positions

    assign_positions()  # positioning, when there is any, is not the page's cost here
    with CaptureQueriesContext(connection) as queries:
        page = read_page(Clearance.internal(), since, 5000)
    return len(queries), len(page.rows)


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_whatever_its_types_and_rows(api):
    """PostgreSQL builds a page's records of every type in one statement."""
    from api.changes import read_page
    from cases.sharing import Clearance
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


@pytest.mark.django_db
def test_a_reader_far_from_the_end_leaves_positioning_to_the_end_and_misses_nothing(api):
    from feed.log import assign_positions
    from feed.models import Change

    start = api.get("changes/", {"limit": 100}).json()["cursor"]
    earlier = [str(SituationFactory(sharing="green").pk) for _ in range(3 * MAX_SCAN_FACTOR)]
    assign_positions()
    later = str(SituationFactory(sharing="green").pk)
    first = api.get("changes/", {"since": start, "limit": 1}).json()
    assert [entry["id"] for entry in first["changes"]] == earlier[:1]
    # Far from the end: the new change waits, unpositioned, for a reader that gets there.
    assert Change.objects.filter(object_id=later, position__isnull=True).exists()

    cursor, seen = first["cursor"], earlier[:1]
    while True:
        page = api.get("changes/", {"since": cursor, "limit": 7}).json()
        seen += [entry["id"] for entry in page["changes"]]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert seen == [*earlier, later]
    assert not Change.objects.filter(position__isnull=True).exists()


@pytest.mark.django_db
def test_a_page_reaching_the_end_it_did_not_expect_positions_and_reads_again(api):
    """Positions are consecutive, so a page knows when it cannot reach the end; were there a gap,
    the end is still found and what waits there positioned and told."""
    from django.db.models import F, Max

    from feed.log import assign_positions
    from feed.models import Change

    start = api.get("changes/", {"limit": 100}).json()["cursor"]
    SituationFactory(sharing="green")
    gap = str(SituationFactory(sharing="green").pk)
    assign_positions()
    top = Change.objects.aggregate(top=Max("position"))["top"]
    Change.objects.filter(position=top).update(position=F("position") + 100 * MAX_SCAN_FACTOR)
    later = str(SituationFactory(sharing="green").pk)
    page = api.get("changes/", {"since": start, "limit": 1}).json()
    assert page["has_more"]
    rest = api.get("changes/", {"since": page["cursor"], "limit": 5}).json()
    assert [entry["id"] for entry in rest["changes"]] == [gap, later]
    assert not rest["has_more"]
