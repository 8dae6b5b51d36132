"""The dashboards' words right (issue 15): the two unanswered counts explained where they differ,
resolved alerts in the past tense, the heat map's "assessed only" filter and no "weakest" frame on
a tie."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from alerts.services import recompute_intervals
from cases.choices import Region
from tests.factories import EngagementFactory, SituationFactory, WarningIndicatorFactory

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
