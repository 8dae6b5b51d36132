"""Issue 13, item 6 and the read side of items 1–2: the overview's figures never show a midpoint.

Five situations with a High warning:

| situation | warning | answer | days | known to within 31 days |
| --- | --- | --- | --- | --- |
| day | 1 March 2010 | 11 March 2010 | 10 | yes |
| month | May 2010 | 20 June 2010 | 20–50 | yes (30 wide) |
| year | 2010 | 1 March 2011 | 60–424 | no: left out |
| linked | 1 March 2010 | an undated engagement linked to it | unknown | – |
| young | three days ago | none | open, 3 | – |

Medians: of the lower bounds 10, 20, 60 → 20; of the upper bounds 10, 50, 424 → 50: "20–50"
(the midpoints' median would have read 35). Known to within 31 days: 10–10 and 20–50 → "15–30",
one left out. At 30 days: day met, year missed; month, linked and young (not yet) cannot tell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import MeasureSettings
from alerts.services import recompute_intervals, save_measure_settings
from cases import services
from cases.choices import DatePrecision, Severity, SituationStatus
from cases.sharing import Clearance
from dashboards.filters import SituationFilters, bind
from dashboards.selectors import overview
from tests.factories import (
    EngagementFactory,
    SituationFactory,
    UndatedEngagementFactory,
    WarningIndicatorFactory,
)

D = dt.date
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
STAFF = Clearance.internal()


def warn(situation, on, precision=DAY):
    return WarningIndicatorFactory(
        situation=situation, observed_on=on, observed_precision=precision, severity=Severity.HIGH
    )


def act(situation, on):
    return EngagementFactory(situation=situation, started_on=on, started_precision=DAY)


@pytest.fixture
def five(db):
    day, month, year, linked, young = (
        SituationFactory(slug=slug, title=slug.capitalize())
        for slug in ("day", "month", "year", "linked", "young")
    )
    warn(day, D(2010, 3, 1))
    act(day, D(2010, 3, 11))
    warn(month, D(2010, 5, 1), MONTH)
    act(month, D(2010, 6, 20))
    warn(year, D(2010, 1, 1), YEAR)
    act(year, D(2011, 3, 1))
    sign = warn(linked, D(2010, 3, 1))
    services.save_engagement(UndatedEngagementFactory(situation=linked), responds_to=[sign])
    warn(young, timezone.localdate() - dt.timedelta(days=3))
    recompute_intervals(full=True)


def overall(query: str = "") -> dict:
    return overview.interval_overall(STAFF, bind(SituationFilters, QueryDict(query)))


def test_a_median_over_ranges_is_a_range_beside_the_median_known_to_within_n_days(five):
    row = overall()
    assert (row["median_low"], row["median_high"]) == (20, 50)
    assert row["median_text"] == "20–50"
    assert (row["known"], row["left_out"], row["known_days"]) == (2, 1, 31)
    assert (row["known_median_low"], row["known_median_high"]) == (15, 30)
    assert row["known_median_text"] == "15–30"


def test_the_same_figures_when_computed_for_a_filter_and_when_stored(five):
    stored = overall()
    computed = overall("year_from=2000")  # a filter that keeps all five: computed when read
    assert computed == stored


def test_the_known_within_setting_moves_the_left_out(five):
    settings = MeasureSettings.load()
    settings.known_within_days = 0  # to the day only
    save_measure_settings(settings)
    row = overall()  # stored figures dropped: computed with the new N until the next recompute
    assert (row["known"], row["left_out"], row["known_days"]) == (1, 2, 0)
    assert row["known_median_text"] == "10"
    recompute_intervals(full=True)
    assert overall() == row


def test_shares_are_met_missed_or_cannot_tell_never_a_guess(five):
    row = overall()
    # 7 days: day (10), month (20–50) and year (60–424) missed; linked cannot be told, nor young
    # (unanswered for 3 days) yet.
    assert (row["met_7"], row["missed_7"], row["cannot_tell_7"]) == (0, 3, 2)
    # 30 days: day met; year missed; month (20–50), linked and young cannot be told.
    assert (row["met_30"], row["missed_30"], row["cannot_tell_30"]) == (1, 1, 3)
    assert (row["share_30_low"], row["share_30_high"]) == (0.2, 0.8)
    assert row["share_30_text"] == "20–80%"
    assert row["outcome_30_text"] == "1 met · 1 missed · 3 cannot tell"
    # The three add up to the situations with a warning.
    for days in (7, 30):
        assert sum(row[f"{k}_{days}"] for k in ("met", "missed", "cannot_tell")) == row["rows"]


def test_counts_add_up_with_the_answers_whose_interval_is_unknown(five):
    row = overall()
    assert (row["answered"], row["answered_unknown"], row["open"]) == (3, 1, 1)
    assert row["answered"] + row["answered_unknown"] + row["open"] == row["rows"] == 5
    for grouping in ("region", "crisis_type", "year"):
        for group in overview.interval_by(STAFF, None, grouping).rows:
            assert group["answered"] + group["answered_unknown"] + group["open"] == group["rows"]


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_page_and_the_csv_show_ranges_and_the_three_outcomes(client, five, reviewer):
    client.force_login(reviewer)
    content = client.get("/dashboard/").content.decode()
    assert 'data-kpi="median">20–50<' in content
    assert 'data-kpi="median-known">15–30<' in content
    assert 'data-kpi="left-out">2 of 3; 1 left out<' in content
    assert 'data-kpi="share-30">20–80%<' in content
    assert 'data-kpi="answered-unknown">and 1 answered, interval unknown<' in content
    assert "midpoint" not in content
    # The KPI and the table count different things, and the page says so.
    assert 'data-note="unanswered-counts"' in content

    (row,) = rows_of(client.get("/dashboard/export/interval-overall.csv"))
    assert (row["Median of the lower bounds (days)"], row["Median of the upper bounds (days)"]) == (
        "20",
        "50",
    )
    assert row["90th percentile of the upper bounds (days)"] == "349.2"  # 50 + 0.8 × 374
    assert (
        row["Median, known to within 31 days: lower bounds"],
        row["Median, known to within 31 days: upper bounds"],
        row["Answered, known to within 31 days"],
        row["Left out: not known to within 31 days"],
    ) == ("15", "30", "2", "1")
    assert (
        row["Within 30 days: met"],
        row["Within 30 days: missed"],
        row["Within 30 days: cannot tell"],
        row["Within 30 days: share, at least"],
        row["Within 30 days: share, at most"],
    ) == ("1", "1", "3", "0.2", "0.8")
    assert (row["Answered"], row["Answered, interval unknown"], row["Unanswered"]) == (
        "3",
        "1",
        "1",
    )
    assert not any("idpoint" in name for name in row)


# --- Waits on a stopped clock --------------------------------------------------------------------


@pytest.fixture
def stopped(db):
    closed = SituationFactory(slug="closed", title="Closed")
    warn(closed, D(2010, 6, 1))
    closed.status, closed.status_on, closed.status_precision = (
        SituationStatus.CLOSED,
        D(2010, 7, 1),
        MONTH,
    )
    services.save_situation(closed)
    running = SituationFactory(slug="running", title="Running")
    warn(running, D(2020, 1, 1))
    recompute_intervals(full=True)
    return closed


def test_the_overviews_waits_are_measured_to_a_stopped_clock(stopped):
    table = overview.unanswered_warnings(STAFF, bind(SituationFilters, QueryDict("")))
    rows = {row["slug"]: row for row in table.rows}
    # 1 June 2010 to July 2010 (any day of it): 30 to 60 days, not the years to today.
    closed = rows["closed"]
    assert (closed["days_low"], closed["days_high"]) == (30, 60)
    assert closed["wait"] == "30–60 (clock stopped July 2010)"
    assert str(closed["stopped"]) == "July 2010"
    assert rows["running"]["stopped"] is None and "clock" not in rows["running"]["wait"]
    assert [row["slug"] for row in table.rows] == ["running", "closed"]  # longest wait first


def test_the_unanswered_csv_names_the_stop_and_the_situation_page_measures_to_it(
    client, stopped, reviewer
):
    client.force_login(reviewer)
    rows = {r["Situation"]: r for r in rows_of(client.get("/dashboard/export/unanswered.csv"))}
    assert rows["Closed"]["Clock stopped"] == "July 2010"
    assert (
        rows["Closed"]["Waiting at least (days)"],
        rows["Closed"]["Waiting at most (days)"],
    ) == (
        "30",
        "60",
    )
    assert rows["Running"]["Clock stopped"] == ""
    page = client.get("/dashboard/situations/closed/").content.decode()
    assert "Unanswered: 30–60 days (clock stopped July 2010)" in page
    assert "<span data-clock-stopped>July 2010</span>" in page
    assert "31 July 2010" not in page  # the stop at its precision, not its last day
    assert 'data-interval="open: 30–60 days (clock stopped July 2010)"' in page
    listed = {r["Situation"]: r for r in rows_of(client.get("/dashboard/export/situations.csv"))}
    assert listed["Closed"]["Warning to action"] == "open: 30–60 days (clock stopped July 2010)"
    assert listed["Running"]["Warning to action"].endswith("days so far")
    events = rows_of(client.get("/dashboard/situations/closed/export/events.csv"))
    assert any(
        r["Action / outcome"] == "Unanswered: 30–60 days (clock stopped July 2010)" for r in events
    )


def test_the_situation_pages_waits_cost_no_query_per_sign(client, stopped, reviewer):
    client.force_login(reviewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/situations/closed/").status_code == 200
        return len(captured)

    before = queries()
    for day in range(2, 8):
        warn(stopped, D(2010, 6, day))
    recompute_intervals(full=True)
    assert queries() == before
