"""The dashboards' words right (issue 15): the two unanswered counts explained where they differ,
resolved alerts in the past tense, the heat map's "assessed only" filter and no "weakest" frame on
a tie."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from alerts.services import recompute_intervals
from cases.choices import Region, SuccessElementCode
from tests.factories import (
    AssessmentFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
    success_element,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_then_not():
    """Sahel answered its first warning, not its second (after the engagement ended); Lake Chad
    answered none. The figure counts 1 (Lake Chad), the table lists 2."""
    sahel = SituationFactory(slug="sahel", title="Sahel", region=Region.AFRICA)
    WarningIndicatorFactory(situation=sahel, observed_on=dt.date(2020, 1, 1))
    EngagementFactory(situation=sahel, started_on=dt.date(2020, 1, 5), ended_on=dt.date(2020, 2, 1))
    WarningIndicatorFactory(situation=sahel, observed_on=dt.date(2021, 1, 1))
    chad = SituationFactory(slug="lake-chad", title="Lake Chad", region=Region.ASIA)
    WarningIndicatorFactory(situation=chad, observed_on=dt.date(2022, 1, 1))
    recompute_intervals(full=True)


def kpi_note(content: str) -> str | None:
    found = re.search(r'data-kpi="unanswered-any">(.*?)</span>', content, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else None


def test_the_unanswered_figure_says_how_it_differs_from_the_table_beside_it(
    client, answered_then_not, staff
):
    client.force_login(staff)
    content = client.get("/dashboard/").content.decode()
    assert 'data-kpi="unanswered">1<' in content
    assert kpi_note(content) == "2 situations have a warning sign unanswered (list below)"
    assert 'href="#unanswered-heading"' in content


def test_no_word_where_the_two_counts_agree(client, answered_then_not, staff):
    client.force_login(staff)
    content = client.get("/dashboard/?region=asia").content.decode()
    assert 'data-kpi="unanswered">1<' in content
    assert kpi_note(content) is None


# --- The heat map ----------------------------------------------------------------------------------


@pytest.fixture
def rated():
    """Africa: one engagement rated weak on early warning, strong on resources, and one not
    assessed. Oceania: one engagement rated strong on both: a tie, no element weaker."""
    africa = SituationFactory(slug="africa-case", title="Africa case", region=Region.AFRICA)
    oceania = SituationFactory(slug="oceania-case", title="Oceania case", region=Region.OCEANIA)
    mixed = EngagementFactory(situation=africa, title="Mixed")
    EngagementFactory(situation=africa, title="Never assessed")
    strong = EngagementFactory(situation=oceania, title="Strong")
    for engagement, early, resources in ((mixed, 1, 3), (strong, 3, 3)):
        AssessmentFactory(
            engagement=engagement,
            element=success_element(SuccessElementCode.EARLY_WARNING),
            rating=early,
        )
        AssessmentFactory(
            engagement=engagement,
            element=success_element(SuccessElementCode.RESOURCES),
            rating=resources,
        )


def csv_rows(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_heat_map_shows_the_assessed_engagements_only_when_asked(client, rated, staff):
    client.force_login(staff)
    every = [r["Engagement"] for r in csv_rows(client, "/dashboard/export/heatmap.csv")]
    assert sorted(every) == ["Mixed", "Never assessed", "Strong"]
    url = "/dashboard/export/heatmap.csv?engagements=assessed"
    assert sorted(r["Engagement"] for r in csv_rows(client, url)) == ["Mixed", "Strong"]
    page = client.get("/dashboard/elements/?engagements=assessed").content.decode()
    assert 'data-label="Never assessed' not in page and 'data-label="Mixed' in page
    assert "Assessed only" in page  # the filter, and the chip saying it is in use
    assert 'data-label="Never assessed' in client.get("/dashboard/elements/").content.decode()


def test_no_element_is_framed_weakest_when_a_row_ties(client, rated, staff):
    client.force_login(staff)
    rows = {r["Region"]: r for r in csv_rows(client, "/dashboard/export/weakest-by-region.csv")}
    assert rows["Africa"]["Weakest element"] == "Early warning"
    assert rows["Oceania"]["Weakest element"] == "none: rated alike"
    page = client.get("/dashboard/elements/").content.decode()
    figure = page[page.index('id="figure-weakest-by-region"') :]
    figure = figure[: figure.index("</figure>")]
    oceania = re.search(r'<g class="heat-row" data-label="Oceania">.*?</g>', figure, re.S).group(0)
    africa = re.search(r'<g class="heat-row" data-label="Africa">.*?</g>', figure, re.S).group(0)
    assert 'class="weakest"' in africa
    assert 'class="weakest"' not in oceania
