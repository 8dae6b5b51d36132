"""Issue 13, item 4: the overview's 7-1-7 targets — by region, crisis type and year of the first
warning, the situations meeting, missing and not telling each target, under the viewer's
clearance, in a constant number of queries.

| situation | region | sharing | detect | notify | respond |
| --- | --- | --- | --- | --- | --- |
| kilo (2010) | Africa | GREEN | 2 days: met | 1 day: met | 2 days: met |
| lima (2010) | Africa | GREEN | 21 days: missed | none: missed | no briefing: cannot tell |
| mike (2011) | Asia | GREEN | June to 30 June: cannot tell | 1 day: met | July: cannot tell |
| november (2011) | Asia | RED | 0 days: met | 0 days: met | none yet, for years: missed |
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import MeasureSettings, TargetFigure
from alerts.services import recompute_intervals, save_measure_settings
from cases.choices import CrisisType, DatePrecision, Region, SharingLevel
from cases.models import Situation
from cases.sharing import Clearance
from dashboards.selectors import overview
from tests.factories import (
    BriefingFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
MONTH = DatePrecision.MONTH


def _situation(slug, region, crisis_type, sharing=SharingLevel.GREEN):
    return SituationFactory(
        slug=slug, title=slug.capitalize(), region=region, crisis_type=crisis_type, sharing=sharing
    )


def _sign(situation, on, reported, precision=DatePrecision.DAY):
    WarningIndicatorFactory(
        situation=situation, observed_on=on, observed_precision=precision, reported_on=reported
    )


@pytest.fixture
def milestones_world(db):
    kilo = _situation("kilo", Region.AFRICA, CrisisType.CONSTITUTIONAL_CRISIS)
    _sign(kilo, D(2010, 6, 10), D(2010, 6, 12))
    BriefingFactory(situation=kilo, briefed_on=D(2010, 6, 13))
    EngagementFactory(situation=kilo, started_on=D(2010, 6, 15))

    lima = _situation("lima", Region.AFRICA, CrisisType.POLITICAL_CRISIS)
    _sign(lima, D(2010, 6, 10), D(2010, 7, 1))
    EngagementFactory(situation=lima, started_on=D(2010, 8, 1))

    mike = _situation("mike", Region.ASIA, CrisisType.POLITICAL_CRISIS)
    _sign(mike, D(2011, 6, 1), D(2011, 6, 30), precision=MONTH)
    BriefingFactory(situation=mike, briefed_on=D(2011, 7, 1))
    EngagementFactory(situation=mike, started_on=D(2011, 7, 1), started_precision=MONTH)

    november = _situation(
        "november", Region.ASIA, CrisisType.POLITICAL_CRISIS, sharing=SharingLevel.RED
    )
    _sign(november, D(2011, 3, 1), D(2011, 3, 1))
    BriefingFactory(situation=november, briefed_on=D(2011, 3, 1))
    recompute_intervals(full=True)


def counts(row: dict, target: str) -> tuple[int, int, int]:
    return row[f"{target}_met"], row[f"{target}_missed"], row[f"{target}_cannot_tell"]


def test_target_shares_overall_and_by_region_crisis_type_and_year(milestones_world):
    targets, overall, by = overview.target_tables(Clearance.internal(), None)
    assert targets == {"detect": 7, "notify": 1, "respond": 7}
    total = overall.rows[0]
    assert total["situations"] == 4
    assert counts(total, "detect") == (2, 1, 1)
    assert counts(total, "notify") == (3, 1, 0)
    assert counts(total, "respond") == (1, 1, 2)
    assert total["detect_met_text"] == "2 (50%)"
    assert total["notify_met_share"] == 0.75

    region = {row["group_label"]: row for row in by["region"].rows}
    assert list(region) == ["Africa", "Asia"]
    assert counts(region["Africa"], "detect") == (1, 1, 0)
    assert counts(region["Asia"], "respond") == (0, 1, 1)
    crisis = {row["group_label"]: row for row in by["crisis_type"].rows}
    assert crisis["Political crisis"]["situations"] == 3
    assert counts(crisis["Constitutional crisis"], "respond") == (1, 0, 0)
    year = {row["group"]: row for row in by["year"].rows}
    assert list(year) == [2010, 2011]
    assert counts(year[2011], "notify") == (2, 0, 0)


def test_a_viewer_counts_only_the_situations_it_may_see(milestones_world):
    _, overall, by = overview.target_tables(Clearance.public(), None)
    total = overall.rows[0]
    assert total["situations"] == 3  # not November (RED)
    assert counts(total, "respond") == (1, 0, 2)
    assert [row["group_label"] for row in by["region"].rows] == ["Africa", "Asia"]


def test_the_overview_shows_the_target_shares(client, milestones_world, staff):
    client.force_login(staff)
    content = client.get("/dashboard/").content.decode()
    assert '<h2 id="targets-heading">Targets: detect 7 · notify 1 · respond 7</h2>' in content
    for key in (
        "targets-overall",
        "targets-by-region",
        "targets-by-crisis-type",
        "targets-by-year",
    ):
        assert f'id="table-{key}"' in content
    assert "Detect: cannot tell" in content
    assert "2 (50%)" in content


def test_a_changed_target_shows_at_once(client, milestones_world, staff):
    settings = MeasureSettings.load()
    settings.detect_target_days = 30
    save_measure_settings(settings)
    client.force_login(staff)
    content = client.get("/dashboard/").content.decode()
    assert "Targets: detect 30 · notify 1 · respond 7" in content
    _, overall, _ = overview.target_tables(Clearance.internal(), None)
    assert counts(overall.rows[0], "detect") == (4, 0, 0)  # Lima's 21 days, Mike's June: met


def test_the_target_tables_download_as_csv(client, milestones_world, staff):
    client.force_login(staff)
    response = client.get("/dashboard/export/targets-by-region.csv", {"region": "africa"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["Region"] for row in rows] == ["Africa"]
    assert rows[0]["Detect: met"] == "1" and rows[0]["Detect: missed"] == "1"
    assert rows[0]["Notify: missed (share)"] == "0.5"


def _queries_for_targets() -> int:
    with CaptureQueriesContext(connection) as captured:
        overview.target_tables(Clearance.public(), None)
    return len(captured.captured_queries)


def test_the_target_shares_take_the_same_queries_however_many_situations(
    milestones_world, django_assert_max_num_queries
):
    few = _queries_for_targets()
    for i in range(12):
        situation = _situation(f"more-{i}", list(Region)[i % 5], CrisisType.POLITICAL_CRISIS)
        _sign(situation, D(2009 + i % 3, 1 + i % 12, 1), D(2009 + i % 3, 1 + i % 12, 2 + i))
        BriefingFactory(situation=situation, briefed_on=D(2009 + i % 3, 1 + i % 12, 3 + i))
    recompute_intervals(full=True)
    assert _queries_for_targets() == few
    with django_assert_max_num_queries(1):  # a viewer's shares, with the targets
        overview.target_tables(Clearance.public(), None)


def test_the_situation_page_shows_its_milestones_at_their_precision(
    client, milestones_world, staff
):
    client.force_login(staff)
    content = client.get("/dashboard/situations/mike/").content.decode()
    assert '<h2 id="milestones-heading">Milestones and targets</h2>' in content
    assert 'id="table-milestones"' in content
    # The first warning and the first response known to the month print as months.
    assert "June 2011" in content and "July 2011" in content
    assert "1 July 2011" in content  # the briefing
    assert "Cannot tell at this precision" in content and ">Met<" in content
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/dashboard/situations/lima/export/milestones.csv").content.decode()
            )
        )
    )
    assert [row["Outcome"] for row in rows] == [
        "",
        "Missed",
        "Missed",
        "Cannot tell at this precision",
    ]
    assert rows[2]["When"] == "none recorded"


def test_staff_read_the_counts_kept_for_the_day_until_a_recompute_changes_them(
    milestones_world, django_assert_max_num_queries
):
    staff = Clearance.internal()
    first = overview.target_tables(staff, None)
    assert TargetFigure.objects.filter(grouping="overall").exists()
    with django_assert_max_num_queries(1):  # the kept counts, checked against day and targets
        again = overview.target_tables(staff, None)
    assert [t.rows for t in (again[1], *again[2].values())] == [
        t.rows for t in (first[1], *first[2].values())
    ]
    # Lima's sign reaches a decision maker: the recompute forgets the kept counts.
    BriefingFactory(situation=Situation.objects.get(slug="lima"), briefed_on=D(2010, 7, 1))
    recompute_intervals()
    assert not TargetFigure.objects.exists()
    _, overall, _ = overview.target_tables(staff, None)
    assert counts(overall.rows[0], "notify") == (4, 0, 0)
    # A recompute that changes nothing keeps them.
    recompute_intervals()
    assert TargetFigure.objects.exists()


def test_kept_counts_hold_for_their_day_and_their_targets_only(milestones_world):
    staff = Clearance.internal()
    overview.target_tables(staff, None, today=D(2026, 1, 1))
    # Another day, other targets: counted again, not read.
    other_day = overview.target_tables(staff, None, today=D(2026, 1, 2))
    assert TargetFigure.objects.get(grouping="overall").computed_on == D(2026, 1, 2)
    settings = MeasureSettings.load()
    settings.detect_target_days = 30
    save_measure_settings(settings)
    targets, overall, _ = overview.target_tables(staff, None, today=D(2026, 1, 2))
    assert targets["detect"] == 30 and counts(overall.rows[0], "detect") == (4, 0, 0)
    assert counts(other_day[1].rows[0], "detect") == (2, 1, 1)
