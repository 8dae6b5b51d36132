"""The dashboard pages as a person meets them: login, filters in the URL, sharing, CSV, acknowledge."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from alerts.choices import AlertEventKind, AlertStatus
from alerts.models import AlertEvent
from cases import services
from dashboards import pages
from tests.factories import ParagraphFactory

pytestmark = pytest.mark.django_db

PAGES = ["/dashboard/", "/dashboard/situations/", "/dashboard/elements/", "/dashboard/alerts/"]
# Names the outsider never meets: Hotel is RED, Juliet AMBER+STRICT shared with another
# organisation, India AMBER shared with the partner (who alone of the two may see it).
RED_NAMES = ("Hotel", "Juliet")
AMBER_NAMES = ("India",)


def rows_of(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    "url", [*PAGES, "/dashboard/situations/alpha/", "/dashboard/export/heatmap.csv"]
)
def test_pages_need_a_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboards:login"))


def test_logging_in_leads_to_the_overview(client, staff):
    response = client.post(
        reverse("dashboards:login"),
        {"username": "desk", "password": "correct-horse-battery-staple"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("dashboards:overview")
    assert b"Warning-to-action overview" in response.content


def test_a_person_who_is_not_staff_can_log_in_too(client, outsider):
    response = client.post(
        reverse("dashboards:login"),
        {"username": "outsider", "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("url", [*PAGES, "/dashboard/situations/echo/"])
def test_every_page_answers_the_reviewer(client, world, reviewer, url):
    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'href="#content"' in content  # skip link
    assert "<svg" in content or url == "/dashboard/situations/" or url == "/dashboard/alerts/"


def test_overview_shows_the_figures_and_their_tables(client, world, reviewer):
    client.force_login(reviewer)
    response = client.get("/dashboard/")
    content = response.content.decode()
    # Ranges, never midpoints (issue 13: the headline read "20", the midpoints' median).
    assert 'data-kpi="median">15–20<' in content
    assert 'data-kpi="p90">58–67<' in content
    assert 'data-kpi="median-known">15–20<' in content
    assert 'data-kpi="left-out">7 of 7; 0 left out<' in content
    assert 'data-kpi="share-7">25%<' in content
    # Echo (15–45 days) cannot be told at 30 days: 5 of 8 met, 6 of 8 at most.
    assert 'data-kpi="share-30">62–75%<' in content
    assert 'data-kpi="outcome-30">5 met · 2 missed · 1 cannot tell<' in content
    # Every chart is a figure with a caption and its numbers in a table.
    assert content.count("<figure") == content.count("<figcaption>") == 6
    assert content.count('role="img"') == 6
    assert 'id="table-interval-by-region"' in content
    # Bars carry their values for the reader of the SVG too.
    assert 'data-label="Africa" data-value="3"' in content


def test_filters_stay_in_the_url_and_change_the_figures(client, world, reviewer):
    client.force_login(reviewer)
    response = client.get("/dashboard/", {"region": "asia"})
    content = response.content.decode()
    # Asia: 20, 30, 100 (dates to the day: one number).
    assert 'data-kpi="median">30<' in content
    assert 'data-kpi="p90">86<' in content
    # The CSV links carry the same filters.
    assert "/dashboard/export/interval-by-region.csv?region=asia" in content
    assert "Region: <strong>Asia</strong>" in content


def test_bad_filters_answer_400_with_the_reason(client, world, reviewer):
    client.force_login(reviewer)
    response = client.get("/dashboard/", {"year_from": "2012", "year_to": "2010", "region": "mars"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Must not come before the first year." in content
    assert "Select a valid choice" in content
    assert 'data-kpi="median"' not in content
    csv_response = client.get("/dashboard/export/interval-overall.csv", {"risk": "9"})
    assert csv_response.status_code == 400


def test_csv_holds_the_table_under_the_same_filters(client, world, reviewer):
    client.force_login(reviewer)
    rows = rows_of(client.get("/dashboard/export/interval-by-region.csv"))
    assert [r["Region"] for r in rows] == ["Africa", "Asia", "Europe"]
    africa = rows[0]
    # A median or a percentile is two numbers, of the lower and of the upper bounds.
    assert "Median (days)" not in africa
    assert (
        africa["Median of the lower bounds (days)"],
        africa["Median of the upper bounds (days)"],
    ) == ("3", "3")
    assert africa["90th percentile of the lower bounds (days)"] == "8.6"
    assert africa["90th percentile of the upper bounds (days)"] == "8.6"
    assert africa["Median, known to within 31 days: lower bounds"] == "3"
    assert africa["Left out: not known to within 31 days"] == "0"
    # Alpha and hotel met 7 days; bravo (10) and foxtrot (unanswered since 2012) missed.
    assert (
        africa["Within 7 days: met"],
        africa["Within 7 days: missed"],
        africa["Within 7 days: cannot tell"],
    ) == ("2", "2", "0")
    assert (
        africa["Within 7 days: share, at least"] == africa["Within 7 days: share, at most"] == "0.5"
    )
    europe = rows[2]  # echo, 15–45 days
    assert (
        europe["Median of the lower bounds (days)"],
        europe["Median of the upper bounds (days)"],
    ) == ("15", "45")
    assert europe["Within 30 days: cannot tell"] == "1"
    filtered = rows_of(client.get("/dashboard/export/interval-by-region.csv?region=asia"))
    assert [r["Region"] for r in filtered] == ["Asia"]


def test_every_table_downloads(client, world, reviewer):
    client.force_login(reviewer)
    for key in pages.EXPORTS:
        response = client.get(f"/dashboard/export/{key}.csv")
        assert response.status_code == 200, key
        assert response["Content-Disposition"] == f'attachment; filename="{key}.csv"'
        assert rows_of(response), key


def test_an_unknown_table_is_404(client, world, reviewer):
    client.force_login(reviewer)
    assert client.get("/dashboard/export/passwords.csv").status_code == 404
    assert client.get("/dashboard/situations/alpha/export/passwords.csv").status_code == 404


# --- Sharing --------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["outsider", "partner_user"])
def test_no_page_shows_what_the_viewer_is_not_cleared_for(client, world, viewer, request):
    user = request.getfixturevalue(viewer)
    client.force_login(user)
    hidden = RED_NAMES + (AMBER_NAMES if viewer == "outsider" else ())
    for url in [*PAGES, "/dashboard/situations/?page=1", "/dashboard/elements/?page=1"]:
        content = client.get(url).content.decode()
        for name in hidden:
            assert name not in content, (url, name)
    if viewer == "partner_user":
        assert "India" in client.get("/dashboard/situations/").content.decode()


@pytest.mark.parametrize("viewer", ["outsider", "partner_user"])
def test_no_csv_holds_what_the_viewer_is_not_cleared_for(client, world, viewer, request):
    client.force_login(request.getfixturevalue(viewer))
    hidden = RED_NAMES + (AMBER_NAMES if viewer == "outsider" else ())
    for key in pages.EXPORTS:
        content = client.get(f"/dashboard/export/{key}.csv").content.decode()
        for name in hidden:
            assert name not in content, (key, name)


def test_figures_count_only_what_the_viewer_may_see(client, world, outsider, partner_user):
    client.force_login(outsider)
    (row,) = rows_of(client.get("/dashboard/export/interval-overall.csv"))
    # Hotel (RED) and india (AMBER) left out: 3, 10, 30, 100 and echo's 15–45.
    assert (
        row["Answered"],
        row["Median of the lower bounds (days)"],
        row["Median of the upper bounds (days)"],
        row["90th percentile of the lower bounds (days)"],
    ) == ("5", "15", "30", "72")
    alerts = rows_of(client.get("/dashboard/export/open-alerts.csv"))
    assert {r["Level"]: r["Needing action"] for r in alerts}["High"] == "0"

    client.force_login(partner_user)
    (row,) = rows_of(client.get("/dashboard/export/interval-overall.csv"))
    assert (row["Answered"], row["Median of the upper bounds (days)"]) == ("6", "25")


@pytest.mark.parametrize(
    ("viewer", "slug", "status"),
    [
        ("outsider", "hotel", 404),
        ("outsider", "india", 404),
        ("outsider", "alpha", 200),
        ("partner_user", "hotel", 404),
        ("partner_user", "india", 200),
        ("partner_user", "juliet", 404),
        ("reviewer", "hotel", 200),
    ],
)
def test_a_situation_not_cleared_is_missing(client, world, viewer, slug, status, request):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(f"/dashboard/situations/{slug}/").status_code == status
    for table in pages.SITUATION_EXPORTS:
        response = client.get(f"/dashboard/situations/{slug}/export/{table}.csv")
        assert response.status_code == status
    assert client.get("/dashboard/situations/no-such-place/").status_code == 404


# --- The situation page ------------------------------------------------------------------------


def test_situation_page_draws_its_timeline_and_interval(client, world, reviewer):
    client.force_login(reviewer)
    content = client.get("/dashboard/situations/echo/").content.decode()
    assert 'data-interval="15–45 days"' in content
    # The month-precision warning is a span over May 2011, not a point.
    assert 'data-start="2011-05-01" data-start-until="2011-05-31"' in content
    assert 'class="period"' in content
    # The engagement has no end: drawn to the edge with an arrow.
    assert 'data-ongoing="true"' in content
    assert 'class="interval" data-open="false" data-warning-from="2011-05-01"' in content
    assert "Actors and their roles" in content


def test_every_fact_links_to_its_paragraph_whose_text_opens_in_place(client, world, reviewer):
    paragraph = ParagraphFactory(number=47, text="The difference between a successful engagement…")
    world.echo.indicators.first().citations.add(paragraph)
    client.force_login(reviewer)
    content = client.get("/dashboard/situations/echo/").content.decode()
    fragment_url = f"/dashboard/paragraphs/{paragraph.pk}/?fragment=1"
    assert f'data-src="{fragment_url}"' in content
    assert f"<summary>{paragraph.citation}</summary>" in content
    fragment = client.get(fragment_url).content.decode()
    assert "The difference between a successful engagement" in fragment
    assert "<html" not in fragment
    page = client.get(f"/dashboard/paragraphs/{paragraph.pk}/").content.decode()
    assert "<html" in page and "The difference between a successful engagement" in page


def test_situation_page_lists_alerts_with_their_history(client, world, staff):
    from alerts.services import acknowledge

    acknowledge([world.foxtrot_alert], staff, "Envoy asked to call the parties")
    client.force_login(staff)
    content = client.get("/dashboard/situations/foxtrot/").content.decode()
    assert "No action, critical" in content
    assert "Acknowledged by desk: “Envoy asked to call the parties”" in content
    rows = rows_of(client.get("/dashboard/situations/foxtrot/export/alerts.csv"))
    assert [r["Event"] for r in rows] == ["Acknowledged"]
    assert rows[0]["Comment"] == "Envoy asked to call the parties"


def test_actors_and_their_roles(client, world, reviewer):
    from tests.factories import EngagementPartnerFactory

    EngagementPartnerFactory(engagement=world.alpha_action, actor=world.partner, role="supporting")
    client.force_login(reviewer)
    rows = rows_of(client.get("/dashboard/situations/alpha/export/actors.csv"))
    roles = {(r["Actor"], r["Role"]) for r in rows}
    assert ("Partner organisation (PARTNER)", "Partner: supporting") in roles
    assert any(role == "Lead actor" for _, role in roles)


# --- Acknowledging alerts -------------------------------------------------------------------------


def test_desk_officer_acknowledges_from_the_queue(world, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    page = client.get("/dashboard/alerts/?level=4")
    token = page.cookies["csrftoken"].value
    assert (
        f'action="/dashboard/alerts/{world.foxtrot_alert.pk}/acknowledge/"' in page.content.decode()
    )
    response = client.post(
        f"/dashboard/alerts/{world.foxtrot_alert.pk}/acknowledge/",
        {
            "comment": "Good offices offered",
            "next": "/dashboard/alerts/?level=4",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/alerts/?level=4"
    world.foxtrot_alert.refresh_from_db()
    assert world.foxtrot_alert.status == AlertStatus.ACKNOWLEDGED
    assert world.foxtrot_alert.acknowledged_by == staff
    event = AlertEvent.objects.get(alert=world.foxtrot_alert)
    assert (event.kind, event.comment, event.by) == (
        AlertEventKind.ACKNOWLEDGED,
        "Good offices offered",
        staff,
    )
    followed = client.get(response["Location"]).content.decode()
    assert "Acknowledged:" in followed


def test_acknowledge_needs_the_csrf_token(world, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(f"/dashboard/alerts/{world.foxtrot_alert.pk}/acknowledge/")
    assert response.status_code == 403
    world.foxtrot_alert.refresh_from_db()
    assert world.foxtrot_alert.status == AlertStatus.OPEN


def test_a_reviewer_may_not_acknowledge(client, world, reviewer):
    client.force_login(reviewer)
    queue = client.get("/dashboard/alerts/").content.decode()
    assert "ack-form" not in queue
    assert "Desk officers acknowledge alerts." in queue
    response = client.post(f"/dashboard/alerts/{world.foxtrot_alert.pk}/acknowledge/")
    assert response.status_code == 403
    world.foxtrot_alert.refresh_from_db()
    assert world.foxtrot_alert.status == AlertStatus.OPEN


def test_acknowledge_is_a_post(client, world, staff):
    client.force_login(staff)
    assert client.get(f"/dashboard/alerts/{world.foxtrot_alert.pk}/acknowledge/").status_code == 405


def test_an_alert_the_viewer_may_not_see_cannot_be_acknowledged(client, world, staff, monkeypatch):
    from cases.sharing import Clearance

    monkeypatch.setattr("dashboards.views.clearance_for_user", lambda user: Clearance.public())
    client.force_login(staff)
    response = client.post(f"/dashboard/alerts/{world.hotel_alert.pk}/acknowledge/")
    assert response.status_code == 404
    world.hotel_alert.refresh_from_db()
    assert world.hotel_alert.status == AlertStatus.OPEN


def test_next_never_leads_off_site(client, world, staff):
    client.force_login(staff)
    response = client.post(
        f"/dashboard/alerts/{world.foxtrot_alert.pk}/acknowledge/",
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == "/dashboard/alerts/"


def test_desk_officer_acknowledges_from_the_situation_page(client, world, staff):
    client.force_login(staff)
    page = client.get("/dashboard/situations/foxtrot/").content.decode()
    action = f"/dashboard/alerts/{world.foxtrot_alert.pk}/acknowledge/"
    assert f'action="{action}"' in page
    response = client.post(
        action, {"comment": "Mission planned", "next": "/dashboard/situations/foxtrot/"}
    )
    assert response["Location"] == "/dashboard/situations/foxtrot/"
    page = client.get("/dashboard/situations/foxtrot/").content.decode()
    assert f'action="{action}"' not in page
    assert "Acknowledged by desk: “Mission planned”" in page


def test_situations_list_the_longest_wait_first(client, world, reviewer):
    client.force_login(reviewer)
    rows = rows_of(client.get("/dashboard/export/situations.csv"))
    titles = [r["Situation"] for r in rows]
    # Foxtrot is unanswered; then the answered ones by their longest possible interval; golf and
    # juliet have no warning at the threshold and come last.
    assert titles[:3] == ["Foxtrot", "Delta", "Echo"]
    assert titles[-2:] == ["Golf", "Juliet"]
    assert rows[2]["Warning to action"] == "15–45 days"


def test_csv_cells_are_never_run_as_spreadsheet_formulas(client, world, reviewer):
    world.alpha.title = '=HYPERLINK("https://evil.example","Alpha")'
    services.save_situation(world.alpha)
    client.force_login(reviewer)
    rows = rows_of(client.get("/dashboard/export/situations.csv"))
    titles = [r["Situation"] for r in rows]
    assert '\'=HYPERLINK("https://evil.example","Alpha")' in titles
    assert not any(title.startswith("=") for title in titles)
