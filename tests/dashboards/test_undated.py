"""Dashboards with an engagement whose source gives no start date: listed, never drawn as dated."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.http import QueryDict

from alerts.services import recompute_intervals
from cases.choices import Region, Severity, SharingLevel
from cases.sharing import Clearance
from dashboards import pages
from dashboards.filters import ElementFilters, bind
from dashboards.selectors import elements as element_selectors
from tests.factories import (
    ActorFactory,
    AssessmentFactory,
    EngagementFactory,
    EngagementPartnerFactory,
    SituationFactory,
    UndatedEngagementFactory,
    WarningIndicatorFactory,
    success_element,
)

pytestmark = pytest.mark.django_db

INTERNAL = Clearance.internal()


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def kilo(db):
    """A High warning on 1 January 2010, an engagement on 5 January and one with no date."""
    situation = SituationFactory(
        slug="kilo", title="Kilo", region=Region.AFRICA, sharing=SharingLevel.GREEN
    )
    WarningIndicatorFactory(
        situation=situation, observed_on=dt.date(2010, 1, 1), severity=Severity.HIGH
    )
    dated = EngagementFactory(
        situation=situation, title="Kilo démarche", started_on=dt.date(2010, 1, 5)
    )
    undated = UndatedEngagementFactory(situation=situation, title="Kilo quiet good offices")
    EngagementPartnerFactory(
        engagement=undated, actor=ActorFactory(name="Friends of Kilo"), role="supporting"
    )
    AssessmentFactory(engagement=undated, element=success_element(), rating=1)
    recompute_intervals(full=True)
    return situation, dated, undated


@pytest.fixture
def lima(db):
    """A High warning and only an undated engagement: no dated action answers the warning."""
    situation = SituationFactory(
        slug="lima", title="Lima", region=Region.ASIA, sharing=SharingLevel.GREEN
    )
    WarningIndicatorFactory(
        situation=situation, observed_on=dt.date(2010, 3, 1), severity=Severity.HIGH
    )
    UndatedEngagementFactory(situation=situation, title="Lima envoy")
    recompute_intervals(full=True)
    return situation


def test_the_situation_page_lists_an_undated_engagement_last_and_does_not_draw_it(
    client, kilo, reviewer
):
    _situation, dated, _undated = kilo
    client.force_login(reviewer)
    response = client.get("/dashboard/situations/kilo/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Kilo quiet good offices" in content
    assert "date not given" in content

    page = pages.situation_page(INTERNAL, "kilo")
    svg = str(page["timeline"].svg)
    assert "Kilo démarche" in svg
    assert "Kilo quiet good offices" not in svg
    assert "1 engagements without a start date are not drawn" in svg
    # The interval runs from the warning to the dated engagement, 4 days.
    assert page["interval"].first_action_id == dated.pk
    assert (page["interval"].days_min, page["interval"].days_max) == (4, 4)

    events = rows_of(client.get("/dashboard/situations/kilo/export/events.csv"))
    assert [(r["Kind"], r["When"]) for r in events] == [
        ("Warning sign", "1 January 2010"),
        ("Engagement", "5 January 2010 – no end recorded"),
        ("Engagement", "date not given"),
    ]
    actors = rows_of(client.get("/dashboard/situations/kilo/export/actors.csv"))
    friends = next(r for r in actors if r["Actor"].startswith("Friends of Kilo"))
    assert friends["From"] == "date not given"


def test_a_situation_whose_only_engagement_is_undated_has_no_dated_action(client, lima, reviewer):
    client.force_login(reviewer)
    response = client.get("/dashboard/situations/lima/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "No engagement has started since" in content
    assert "Lima envoy" in content
    # Undated, it answers only through a link: the page names it as what would close the interval.
    (named,) = re.findall(r'<p class="undated-answers">(.*?)</p>', content, re.S)
    assert "Lima envoy" in named
    svg = str(pages.situation_page(INTERNAL, "lima")["timeline"].svg)
    assert "Lima envoy" not in svg


def test_overview_and_elements_pages_render_with_undated_engagements(client, kilo, lima, reviewer):
    client.force_login(reviewer)
    for url in ["/dashboard/", "/dashboard/situations/", "/dashboard/elements/"]:
        assert client.get(url).status_code == 200, url


def test_the_heat_map_lists_an_undated_engagement_after_the_dated_ones(kilo):
    situation, _dated, _undated = kilo
    EngagementFactory(
        situation=situation, title="Kilo late statement", started_on=dt.date(2011, 1, 1)
    )
    rows = element_selectors.heatmap(
        INTERNAL,
        bind(ElementFilters, QueryDict()),
        element_selectors.elements(),
        situation=situation,
    ).rows
    assert [r["title"] for r in rows] == [
        "Kilo démarche",
        "Kilo late statement",
        "Kilo quiet good offices",
    ]
    assert rows[-1]["early-warning"] == 1
