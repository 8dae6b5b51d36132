"""The dashboards and the admin are one site: one header, each role lands where it works, and a
record links to its other half (issue 15, "Navigation")."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import (
    AlertFactory,
    DeskOfficerFactory,
    EngagementFactory,
    PartnerFactory,
    ReviewerFactory,
    ReviewFactory,
    SituationFactory,
    UserFactory,
    WarningIndicatorFactory,
    partner_member,
)

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def site_nav(html: str) -> str:
    """The shared header's navigation (``<nav class="site-nav" …>…</nav>``)."""
    found = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert found, "no site header navigation on the page"
    return found.group(0)


def view_on_dashboard(client: Client, html: str) -> str:
    """Where an admin change form's "View on dashboard" leads (through the admin's redirect)."""
    link = re.search(r'<a href="([^"]+)" class="viewsitelink">View on dashboard</a>', html)
    assert link, "no View on dashboard link"
    url = link.group(1)
    if url.startswith("/admin/r/"):
        url = client.get(url)["Location"]
    path = url.partition("#")[0]
    assert client.get(path).status_code == 200
    return url


@pytest.fixture
def partner_staff():
    user = UserFactory(username="ecowas-analyst")
    partner_member(user, PartnerFactory(name="ECOWAS Early Warning"))
    return user


# --- "/" lands each role where it works ---------------------------------------------------------


def test_the_root_sends_an_anonymous_visitor_to_the_login():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/?next=/"


@pytest.mark.parametrize("factory", [DeskOfficerFactory, ReviewerFactory])
def test_the_root_lands_desk_officers_and_reviewers_on_the_overview(factory):
    response = logged_in(factory()).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_the_root_lands_partner_staff_on_the_overview_they_are_cleared_for(partner_staff):
    response = logged_in(partner_staff).get("/")
    assert response["Location"] == "/dashboard/"


def test_the_root_lands_a_superuser_in_the_admin():
    response = logged_in(UserFactory(is_staff=True, is_superuser=True)).get("/")
    assert response["Location"] == "/admin/"


def test_logging_in_on_the_dashboards_goes_through_the_root():
    """The dashboards' login without ``next`` lands each role as the root does."""
    user = UserFactory(username="admin1", is_staff=True, is_superuser=True)
    response = Client().post(
        "/dashboard/login/",
        {"username": user.username, "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- One header ------------------------------------------------------------------------------------


def test_the_dashboards_header_links_both_halves_and_says_role_and_clearance():
    nav = site_nav(logged_in(DeskOfficerFactory()).get("/dashboard/").content.decode())
    assert 'href="/dashboard/"' in nav
    assert 'href="/admin/"' in nav
    assert 'href="/api/v1/docs/"' in nav
    assert "Desk officer" in nav
    assert "All levels" in nav


def test_the_admin_has_the_same_header():
    client = logged_in(DeskOfficerFactory())
    dashboards = site_nav(client.get("/dashboard/").content.decode())
    admin = site_nav(client.get("/admin/").content.decode())
    assert admin == dashboards


def test_the_header_names_a_reviewer():
    nav = site_nav(logged_in(ReviewerFactory()).get("/dashboard/").content.decode())
    assert "Reviewer" in nav


def test_the_header_of_partner_staff_names_their_organisation_and_offers_no_admin(partner_staff):
    nav = site_nav(logged_in(partner_staff).get("/dashboard/").content.decode())
    assert "ECOWAS Early Warning" in nav
    assert "Cleared as" in nav
    assert 'href="/admin/"' not in nav  # not staff: the admin would only ask them to log in again
    assert 'href="/api/v1/docs/"' in nav


def test_the_admins_view_site_opens_the_dashboards():
    html = logged_in(DeskOfficerFactory()).get("/admin/").content.decode()
    assert re.search(r'<a href="/dashboard/">View site</a>', html)


# --- A record links to its other half ------------------------------------------------------------


def test_a_situation_page_offers_edit_in_admin_to_who_may_change_it():
    situation = SituationFactory(slug="sahel")
    edit = f'href="/admin/cases/situation/{situation.pk}/change/"'
    assert (
        edit in logged_in(DeskOfficerFactory()).get("/dashboard/situations/sahel/").content.decode()
    )
    html = logged_in(ReviewerFactory()).get("/dashboard/situations/sahel/").content.decode()
    assert "Edit in admin" not in html


def test_a_situation_page_offers_no_edit_to_partner_staff(partner_staff):
    SituationFactory(slug="sahel-clear", sharing="clear")
    response = logged_in(partner_staff).get("/dashboard/situations/sahel-clear/")
    assert response.status_code == 200
    assert "Edit in admin" not in response.content.decode()


def test_the_admin_change_form_of_a_situation_views_it_on_the_dashboards():
    situation = SituationFactory(slug="guinea")
    client = logged_in(DeskOfficerFactory())
    html = client.get(f"/admin/cases/situation/{situation.pk}/change/").content.decode()
    assert view_on_dashboard(client, html) == "/dashboard/situations/guinea/"


@pytest.mark.parametrize("kind", ["warningindicator", "engagement"])
def test_the_change_form_of_a_sign_or_an_engagement_views_its_situation(kind):
    situation = SituationFactory(slug="kyrgyzstan")
    record = (WarningIndicatorFactory if kind == "warningindicator" else EngagementFactory)(
        situation=situation
    )
    client = logged_in(DeskOfficerFactory())
    html = client.get(f"/admin/cases/{kind}/{record.pk}/change/").content.decode()
    assert view_on_dashboard(client, html) == f"/dashboard/situations/kyrgyzstan/#fact-{record.pk}"


def test_a_situation_pages_alerts_and_reviews_offer_edit_in_admin_to_who_may_change_them():
    situation = SituationFactory(slug="niger")
    alert = AlertFactory(situation=situation)
    review = ReviewFactory(situation=situation)
    html = logged_in(DeskOfficerFactory()).get("/dashboard/situations/niger/").content.decode()
    assert f'href="/admin/alerts/alert/{alert.pk}/change/"' in html
    assert f'href="/admin/cases/earlyactionreview/{review.pk}/change/"' in html
    html = logged_in(ReviewerFactory()).get("/dashboard/situations/niger/").content.decode()
    assert "Edit in admin" not in html
