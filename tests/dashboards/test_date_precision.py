"""Every date on the dashboards and in their CSVs prints at its precision: "12 April 2010",
"April 2010", "2010" — never a month or a year as its first (or last) day.

Three situations, one per precision: a High warning in 2010, answered by an engagement in 2011, and
a second High warning in 2012 that nothing followed (the overview's unanswered table).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from alerts.services import evaluate_rules, recompute_intervals
from cases.choices import DatePrecision, Severity
from cases.dates import Period, format_period
from dashboards import pages
from tests.factories import (
    ActorFactory,
    EngagementFactory,
    EngagementPartnerFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR

# slug: (precision, stored dates of the warning, the engagement, the later warning), and how each
# prints.
CASES = {
    "by-day": (DAY, (D(2010, 4, 12), D(2011, 5, 20), D(2012, 4, 12))),
    "by-month": (MONTH, (D(2010, 4, 1), D(2011, 5, 1), D(2012, 4, 1))),
    "by-year": (YEAR, (D(2010, 1, 1), D(2011, 1, 1), D(2012, 1, 1))),
}
PRINTED = {
    "by-day": ("12 April 2010", "20 May 2011", "12 April 2012"),
    "by-month": ("April 2010", "May 2011", "April 2012"),
    "by-year": ("2010", "2011", "2012"),
}
# A month or a year printed as a day: its first or its last day, in any of the day formats.
AS_A_DAY = re.compile(
    r"\b(1|30|31) (Jan|January|Apr|April|May|Dec|December) 201[0-2]\b"
    r"|\b(January|April|May|December) (1|30|31), 201[0-2]\b"
)
ISO_MONTH_START = re.compile(r"\b201[0-2]-(01|04|05)-01\b|\b201[0-2]-12-31\b")


@pytest.fixture
def precisions(db):
    for slug, (precision, (warned, acted, warned_again)) in CASES.items():
        situation = SituationFactory(slug=slug, title=f"Situation {slug}")
        reporter = ActorFactory(name=f"Reporter {slug}", acronym="")
        WarningIndicatorFactory(
            situation=situation,
            severity=Severity.HIGH,
            observed_on=warned,
            observed_precision=precision,
            reported_by=reporter,
        )
        engagement = EngagementFactory(
            situation=situation,
            title=f"Engagement {slug}",
            started_on=acted,
            started_precision=precision,
            # Ended before the second warning: not under way then, so that one stays unanswered.
            ended_on=dt.date(2011, 12, 15),
            ended_precision=DatePrecision.DAY,
        )
        EngagementPartnerFactory(engagement=engagement, actor=ActorFactory(name=f"Partner {slug}"))
        WarningIndicatorFactory(
            situation=situation,
            severity=Severity.HIGH,
            observed_on=warned_again,
            observed_precision=precision,
        )
    recompute_intervals(full=True)
    evaluate_rules()


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def visible_text(html: str) -> str:
    """The page without its tags and attributes (the timeline's data-* keep ISO days)."""
    return re.sub(r"<[^>]*>", " ", html)


def assert_no_month_or_year_as_a_day(text: str) -> None:
    assert not AS_A_DAY.search(text), AS_A_DAY.search(text).group(0)


# --- The one formatting of a period given by two bounds ------------------------------------------


@pytest.mark.parametrize(
    ("start", "until", "printed"),
    [
        (D(2010, 4, 12), D(2010, 4, 12), "12 April 2010"),
        (D(2010, 4, 1), D(2010, 4, 30), "April 2010"),
        (D(2010, 2, 1), D(2010, 2, 28), "February 2010"),
        (D(2010, 1, 1), D(2010, 12, 31), "2010"),
        # Not one calendar unit: a range, each end at the coarsest unit it starts or ends.
        (D(2010, 1, 1), D(2010, 3, 31), "January 2010 – March 2010"),
        (D(2009, 1, 1), D(2010, 3, 31), "2009 – March 2010"),
        (D(2010, 4, 3), D(2010, 4, 20), "3 April 2010 – 20 April 2010"),
        (D(2010, 4, 12), None, "12 April 2010"),
        (None, None, ""),
    ],
)
def test_a_period_prints_as_the_day_month_or_year_it_spans(start, until, printed):
    assert format_period(start, until) == printed
    if start is not None:
        assert str(Period.of(start, until)) == printed


# --- Pages ---------------------------------------------------------------------------------------


def test_the_situations_list_and_its_csv_print_each_date_at_its_precision(
    client, precisions, reviewer
):
    client.force_login(reviewer)
    text = visible_text(client.get("/dashboard/situations/").content.decode())
    for warned, acted, _ in PRINTED.values():
        assert warned in text and acted in text
    assert_no_month_or_year_as_a_day(text)

    rows = {r["Situation"]: r for r in rows_of(client.get("/dashboard/export/situations.csv"))}
    for slug, (warned, acted, _) in PRINTED.items():
        row = rows[f"Situation {slug}"]
        assert (row["First warning"], row["First action"]) == (warned, acted)


def test_the_overview_and_its_unanswered_csv_print_the_oldest_warning_at_its_precision(
    client, precisions, reviewer
):
    client.force_login(reviewer)
    text = visible_text(client.get("/dashboard/").content.decode())
    for _, _, warned_again in PRINTED.values():
        assert warned_again in text
    assert_no_month_or_year_as_a_day(text)

    rows = {r["Situation"]: r for r in rows_of(client.get("/dashboard/export/unanswered.csv"))}
    for slug, (_, _, warned_again) in PRINTED.items():
        assert rows[f"Situation {slug}"]["Oldest warning"] == warned_again


@pytest.mark.parametrize("slug", list(CASES))
def test_the_situation_page_and_its_csvs_print_each_date_at_its_precision(
    client, precisions, reviewer, slug
):
    client.force_login(reviewer)
    warned, acted, warned_again = PRINTED[slug]
    text = visible_text(client.get(f"/dashboard/situations/{slug}/").content.decode())
    for printed in (warned, acted, warned_again):
        assert printed in text
    assert_no_month_or_year_as_a_day(text)

    events = rows_of(client.get(f"/dashboard/situations/{slug}/export/events.csv"))
    assert [r["When"].split(" – ")[0] for r in events] == [warned, acted, warned_again]
    actors = {
        r["Actor"]: r["From"]
        for r in rows_of(client.get(f"/dashboard/situations/{slug}/export/actors.csv"))
    }
    assert actors[f"Reporter {slug}"] == warned
    (partner,) = (day for actor, day in actors.items() if actor.startswith(f"Partner {slug}"))
    assert partner == acted
    for key in pages.SITUATION_EXPORTS:
        content = client.get(f"/dashboard/situations/{slug}/export/{key}.csv").content.decode()
        assert_no_month_or_year_as_a_day(content)
        assert not ISO_MONTH_START.search(content) or slug == "by-day"


def test_no_page_or_csv_prints_a_month_or_a_year_as_a_day(client, precisions, reviewer):
    client.force_login(reviewer)
    for url in ("/dashboard/", "/dashboard/situations/", "/dashboard/alerts/"):
        assert_no_month_or_year_as_a_day(visible_text(client.get(url).content.decode()))
    for key in pages.EXPORTS:
        content = client.get(f"/dashboard/export/{key}.csv").content.decode()
        assert_no_month_or_year_as_a_day(content)
        # The CSVs never carry a month or a year as its first day either.
        for slug in ("by-month", "by-year"):
            for line in content.splitlines():
                if f"Situation {slug}" in line:
                    assert not ISO_MONTH_START.search(line), (key, line)
