"""HXL out (issue 17, item 4): every dashboard table with a CSV download also as an HXL CSV, the
same rows with a row of HXL hashtags under the header, parsed and validated by ``libhxl``.

The tables are enumerated from the registry the CSV views serve (``pages.EXPORTS`` and
``pages.SITUATION_EXPORTS``): a table added there whose columns declare no hashtag fails here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import hxl
import hxl.model
import pytest
from django.core.management import call_command

from alerts.services import recompute_intervals
from cases.choices import DatePrecision
from cases.dates import PartialDate, Period
from dashboards import pages
from dashboards.tables import iso_date
from tests.factories import DeskOfficerFactory

pytestmark = pytest.mark.django_db

# The hashtags of the HXL 1.1 dictionary (hxlstandard.org/standard/1-1final/dictionary). It has
# no #actor: actors are #org (or #group for those outside the response).
CORE_HASHTAGS = {
    "#access", "#activity", "#adm1", "#adm2", "#adm3", "#adm4", "#adm5", "#affected",
    "#beneficiary", "#capacity", "#cause", "#channel", "#contact", "#country", "#crisis",
    "#currency", "#date", "#description", "#event", "#frequency", "#geo", "#group", "#impact",
    "#indicator", "#inneed", "#item", "#loc", "#meta", "#modality", "#need", "#operations",
    "#org", "#output", "#population", "#reached", "#region", "#respondee", "#sector",
    "#service", "#severity", "#status", "#subsector", "#targeted", "#value",
}  # fmt: skip
ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]*$")

# A seeded situation with warning signs, engagements and actors (fixtures/seed).
SLUG = "kyrgyzstan-2010"

# Hashtags the key columns must carry, per table: {table: {CSV header: HXL tag}}.
EXPECTED = {
    "situations": {
        "Situation": "#crisis+name",
        "Countries": "#country+code+list",
        "Region": "#region+name",
        "Risk": "#severity+risk",
        "Status": "#status+name",
        "First warning": "#meta+first_warning+text",
        "First warning (ISO 8601)": "#date+first_warning",
    },
    "open-situations": {"Region": "#region+name", "Open situations": "#indicator+num+open+total"},
    "open-alerts": {"Level": "#severity+name+alert"},
    "interval-by-region": {"Region": "#region+name"},
    "interval-by-year": {"Year of first warning": "#date+year+first_warning"},
    "unanswered": {
        "Situation": "#crisis+name",
        "Oldest warning (ISO 8601)": "#date+warning+oldest",
    },
    "alerts": {"Level": "#severity+name+alert", "Opened": "#date+opened"},
    "heatmap": {"Engagement": "#activity+name", "Instrument": "#activity+type"},
    "reviews-due": {
        "Situation": "#crisis+name",
        "Started (ISO 8601)": "#date+start+first_response",
    },
    f"{SLUG}/events": {
        "Start (ISO 8601)": "#date+start",
        "End (ISO 8601)": "#date+end",
        "Detail": "#description",
    },
    f"{SLUG}/actors": {"Actor": "#org+name", "From (ISO 8601)": "#date+start"},
    f"{SLUG}/milestones": {"When (ISO 8601)": "#date+occurred"},
    f"{SLUG}/follow-ups": {"Owner": "#org+name+owner"},
}


def urls_of(key: str) -> tuple[str, str]:
    """A table's CSV and HXL CSV addresses."""
    base = (
        f"/dashboard/situations/{key.replace('/', '/export/')}"
        if "/" in key
        else f"/dashboard/export/{key}"
    )
    return f"{base}.csv", f"{base}.hxl.csv"


EVERY_TABLE = [*pages.EXPORTS, *(f"{SLUG}/{table}" for table in pages.SITUATION_EXPORTS)]


@pytest.fixture
def seeded(db):
    call_command("import_report", verbosity=0)
    call_command("load_seed", verbosity=0)
    recompute_intervals(full=True)


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


def problems_of(key: str, csv_content: bytes, hxl_content: bytes) -> list[str]:
    """What is wrong with a table's HXL, read beside its CSV: [] when nothing."""
    problems = []
    plain, tagged = rows_of(csv_content), rows_of(hxl_content)
    # The CSV with one row more, the hashtags, under the same header; the same rows after it.
    if tagged[:1] + tagged[2:] != plain:
        problems.append("rows differ from the CSV's")
    dataset = hxl.data(io.BytesIO(hxl_content))
    columns = dataset.columns
    if len(columns) != len(plain[0]):
        problems.append(f"{len(columns)} columns read, {len(plain[0])} in the CSV")
    for column in columns:
        if not column.tag:
            problems.append(f"{column.header!r} has no hashtag")
            continue
        if column.tag not in CORE_HASHTAGS:
            problems.append(f"{column.header!r}: {column.tag} is not an HXL core hashtag")
        if not all(ATTRIBUTE.match(a) for a in column.attributes):
            problems.append(f"{column.header!r}: bad attribute in {column.display_tag}")
    if len(list(dataset)) != len(plain) - 1:
        problems.append("row count differs from the CSV's")
    for header, tag in EXPECTED.get(key, {}).items():
        found = [c for c in columns if c.header == header]
        if not found or found[0].display_tag != tag:
            problems.append(f"{header!r} is not tagged {tag}")
    return problems


def test_every_table_has_an_hxl_csv_that_libhxl_reads_and_validates(client, seeded):
    """One test over the seed (loading it takes long): for every table, the HXL CSV read beside
    the CSV, then validated with libhxl's built-in schema (it ships in the package: no download),
    which finds no error: a date in every #date cell, a number in every #indicator+num one."""
    client.force_login(DeskOfficerFactory())
    problems, errors, counts = {}, {}, {}
    for key in EVERY_TABLE:
        csv_url, hxl_url = urls_of(key)
        plain, tagged = client.get(csv_url), client.get(hxl_url)
        assert plain.status_code == tagged.status_code == 200, key
        assert tagged["Content-Type"] == "text/csv; charset=utf-8"
        assert tagged["Content-Disposition"].endswith('.hxl.csv"')
        problems[key] = problems_of(key, plain.content, tagged.content)
        counts[key] = len(rows_of(plain.content)) - 1
        report = hxl.validate(io.BytesIO(tagged.content))
        errors[key] = [
            f"{issue['description']}: {place['hashtag']} {place['location_value']!r}"
            for issue in report["issues"]
            if issue["severity"] == "error"
            for place in issue["locations"]
        ]
    assert {key: found for key, found in problems.items() if found} == {}
    assert {key: found for key, found in errors.items() if found} == {}
    # Checked on rows, not only on headers: the seed fills the lists and the situation's tables.
    assert counts["situations"] > 10 and counts[f"{SLUG}/events"] > 0
    assert counts[f"{SLUG}/actors"] > 0 and counts[f"{SLUG}/milestones"] > 0

    # The country column holds ISO 3166-1 alpha-3 codes, as HDX joins on.
    dataset = hxl.data(io.BytesIO(client.get("/dashboard/export/situations.hxl.csv").content))
    by_title = {row.get("#crisis+name"): row.get("#country+code") for row in dataset}
    assert by_title["Kyrgyzstan: ouster of the President and inter-ethnic violence, 2010"] == "KGZ"
    # April 2010 as a month, never as its first day.
    events = hxl.data(io.BytesIO(client.get(urls_of(f"{SLUG}/events")[1]).content))
    assert "2010-04" in [row.get("#date+start") for row in events]


def test_each_csv_link_has_an_hxl_link_beside_it(client, world, staff):
    client.force_login(staff)
    for page in ("", "situations/", "elements/", "alerts/", "situations/alpha/"):
        content = client.get(f"/dashboard/{page}").content.decode()
        csv_links = re.findall(r'class="csv-link" href="([^"]+)"', content)
        hxl_links = re.findall(r'class="hxl-link" href="([^"]+)"', content)
        assert csv_links, page
        assert hxl_links == [re.sub(r"\.csv(\?|$)", r".hxl.csv\1", link) for link in csv_links], (
            page
        )
    # The filters of the page go with it.
    content = client.get("/dashboard/?region=asia").content.decode()
    assert "/dashboard/export/interval-by-region.hxl.csv?region=asia" in content


def test_a_partners_hxl_holds_only_what_it_may_see(client, world, staff, partner_user):
    """The HXL is read from the same rows as the CSV, under the viewer's clearance: a partner's
    never names a RED situation or one shared with another organisation, nor counts it."""
    hidden = ("Hotel", "Juliet")
    client.force_login(staff)
    staff_list = client.get("/dashboard/export/situations.hxl.csv").content.decode()
    assert all(title in staff_list for title in hidden)  # the check below can fail
    staff_open = client.get("/dashboard/export/open-situations.hxl.csv").content

    client.force_login(partner_user)
    for key in pages.EXPORTS:
        csv_url, hxl_url = urls_of(key)
        tagged = client.get(hxl_url).content
        assert rows_of(tagged)[:1] + rows_of(tagged)[2:] == rows_of(client.get(csv_url).content)
        text = tagged.decode()
        assert not any(title in text for title in hidden), key
    assert "India" in client.get("/dashboard/export/situations.hxl.csv").content.decode()
    partner_open = client.get("/dashboard/export/open-situations.hxl.csv").content

    def total(content: bytes) -> int:
        return sum(
            int(row.get("#indicator+num+open+total")) for row in hxl.data(io.BytesIO(content))
        )

    assert total(partner_open) == total(staff_open) - 2  # Hotel and Juliet, both open
    for table in pages.SITUATION_EXPORTS:
        assert client.get(f"/dashboard/situations/hotel/export/{table}.hxl.csv").status_code == 404
        assert client.get(f"/dashboard/situations/juliet/export/{table}.hxl.csv").status_code == 404


def test_an_unknown_table_has_no_hxl(client, world, staff):
    client.force_login(staff)
    assert client.get("/dashboard/export/passwords.hxl.csv").status_code == 404
    assert client.get("/dashboard/situations/alpha/export/passwords.hxl.csv").status_code == 404


def test_the_hxl_needs_a_login(client, world):
    response = client.get("/dashboard/export/situations.hxl.csv")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_iso_date_is_a_date_at_its_precision_and_never_a_span():
    """The #date twins: a day, a month or a year in ISO 8601 (a month never as its first day),
    nothing for a span or for words, which stay in the column of words beside it."""
    day, month_end = dt.date(2010, 4, 1), dt.date(2010, 4, 30)
    assert iso_date(PartialDate(day, DatePrecision.MONTH)) == "2010-04"
    assert iso_date(PartialDate(day, DatePrecision.YEAR)) == "2010"
    assert iso_date(Period(day, month_end)) == "2010-04"
    assert iso_date(Period(day, dt.date(2010, 5, 31))) == ""  # April – May 2010
    assert iso_date("date not given") == ""
    assert iso_date(Period(day, day)) == "2010-04-01"
