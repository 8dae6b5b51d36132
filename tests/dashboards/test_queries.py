"""A dashboard page runs a bounded number of queries whatever the amount of data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.services import recompute_intervals
from cases.choices import DatePrecision, Instrument, Region, Severity, SuccessElementCode
from dashboards import pages
from tests.factories import (
    AlertFactory,
    AssessmentFactory,
    EngagementFactory,
    EngagementPartnerFactory,
    ParagraphFactory,
    SituationFactory,
    WarningIndicatorFactory,
    success_element,
)

pytestmark = pytest.mark.django_db

# Session, user, then each figure's own query: generous enough for small changes to a page,
# far below one query per row. 21 since the situation page gained its milestones and its early
# action reviews (issue 13), one query each; 22 since the site's one header names the user's roles
# and partner organisation (issue 15), in one query.
MAX_QUERIES = 22
URLS = [
    "/dashboard/",
    "/dashboard/?region=africa&year_from=2009&risk=2",
    "/dashboard/situations/",
    "/dashboard/elements/",
    "/dashboard/elements/?instrument=good-offices",
    "/dashboard/alerts/",
    "/dashboard/situations/alpha/",
]


def grow(count: int, start: int) -> None:
    """``count`` more situations, each with warnings, engagements, partners, ratings, an alert."""
    regions = list(Region)
    instruments = list(Instrument)
    for i in range(start, start + count):
        situation = SituationFactory(region=regions[i % len(regions)], slug=f"grown-{i}")
        day = dt.date(2009 + i % 4, 1 + i % 12, 1 + i % 27)
        paragraph = ParagraphFactory()
        for k in range(2):
            warning = WarningIndicatorFactory(
                situation=situation,
                observed_on=day + dt.timedelta(days=40 * k),
                severity=Severity.HIGH + k % 2,
                observed_precision=DatePrecision.MONTH if k else DatePrecision.DAY,
            )
            warning.citations.add(paragraph)
        for k in range(2):
            engagement = EngagementFactory(
                situation=situation,
                started_on=day + dt.timedelta(days=5 + 30 * k),
                instrument=instruments[(i + k) % len(instruments)],
            )
            engagement.citations.add(paragraph)
            EngagementPartnerFactory(engagement=engagement)
            for code in (SuccessElementCode.EARLY_WARNING, SuccessElementCode.RESOURCES):
                AssessmentFactory(
                    engagement=engagement, element=success_element(code), rating=k + 1
                )
        AlertFactory(situation=situation)
    recompute_intervals(full=True)


def grow_situation(situation, count: int) -> None:
    """More warnings, engagements, partners, citations and alerts in one situation."""
    for k in range(count):
        paragraph = ParagraphFactory()
        warning = WarningIndicatorFactory(
            situation=situation, observed_on=dt.date(2010, 2, 1) + dt.timedelta(days=k)
        )
        warning.citations.add(paragraph)
        engagement = EngagementFactory(
            situation=situation, started_on=dt.date(2010, 3, 1) + dt.timedelta(days=k)
        )
        engagement.citations.add(paragraph)
        EngagementPartnerFactory(engagement=engagement)
        AssessmentFactory(engagement=engagement)
        AlertFactory(situation=situation, subject_key=f"grown:{situation.pk.hex}:{k}")
    recompute_intervals(full=True)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_query_count_does_not_grow_with_the_data(
    client, world, staff, django_assert_max_num_queries
):
    client.force_login(staff)
    grow(3, start=0)
    small = {url: count_queries(client, url) for url in URLS}

    grow(25, start=3)
    grow_situation(world.alpha, 12)
    for url in URLS:
        with django_assert_max_num_queries(MAX_QUERIES):
            large = count_queries(client, url)
        assert large == small[url], url


def test_csv_query_count_does_not_grow_with_the_data(client, world, staff):
    client.force_login(staff)
    urls = [f"/dashboard/export/{key}.csv" for key in pages.EXPORTS]
    grow(2, start=0)
    small = {url: count_queries(client, url) for url in urls}
    grow(12, start=2)
    for url in urls:
        assert count_queries(client, url) == small[url] <= MAX_QUERIES, url


def test_situation_csv_query_count_does_not_grow(client, world, staff):
    client.force_login(staff)
    urls = [f"/dashboard/situations/alpha/export/{t}.csv" for t in pages.SITUATION_EXPORTS]
    small = [count_queries(client, url) for url in urls]
    grow_situation(world.alpha, 8)
    assert [count_queries(client, url) for url in urls] == small
