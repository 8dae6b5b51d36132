"""Countries in the admin are picked as citations are, by typing (issue 15: a 249-item plain
multi-select), with the admin's own Select2 and nothing from another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.dashboards.browser import WIDE, screenshot
from tests.factories import ActorFactory, DeskOfficerFactory, SituationFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def desk() -> Client:
    client = Client()
    client.force_login(DeskOfficerFactory())
    return client


def select_tag(html: str, name: str) -> str:
    return re.search(rf'<select[^>]*name="{name}"[^>]*>', html).group(0)


def test_a_situations_countries_are_an_autocomplete_like_its_citations(desk):
    situation = SituationFactory(countries=["GN", "ML"])
    html = desk.get(f"/admin/cases/situation/{situation.pk}/change/").content.decode()
    countries, citations = select_tag(html, "countries"), select_tag(html, "citations")
    assert "admin-autocomplete" in citations  # Django's own, for a model
    assert 'data-theme="admin-autocomplete"' in countries  # the same look and behaviour
    assert "country-autocomplete" in countries and "multiple" in countries
    scripts = re.findall(r'<script src="/static/([^"?]+)', html)
    assert any(
        re.fullmatch(r"admin/js/vendor/select2/select2\.full(\.min)?\.js", s) for s in scripts
    )
    assert "cases/admin/country-autocomplete.js" in scripts
    for script in scripts:
        assert finders.find(script), script
    assert "select2" in Path(finders.find("cases/admin/country-autocomplete.js")).read_text()


def test_the_countries_chosen_are_saved(desk):
    situation = SituationFactory(countries=["GN"])
    html = desk.get(f"/admin/cases/situation/{situation.pk}/change/").content.decode()
    assert re.search(r'<option value="GN" selected>Guinea</option>', html)


def test_an_actors_country_is_an_autocomplete_too(desk):
    actor = ActorFactory()
    html = desk.get(f"/admin/cases/actor/{actor.pk}/change/").content.decode()
    country = select_tag(html, "country")
    assert "country-autocomplete" in country and "multiple" not in country


def test_the_script_is_no_inline_script(desk):
    situation = SituationFactory()
    html = desk.get(f"/admin/cases/situation/{situation.pk}/change/").content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S)
    assert not any("select2" in script for script in inline)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_desk_officer_types_a_country_and_it_is_saved(live_server, chromium):
    DeskOfficerFactory(username="amina", password=PASSWORD)
    situation = SituationFactory(countries=["GN"])
    page = chromium.new_context(viewport=WIDE).new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "amina")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/cases/situation/{situation.pk}/change/")
    box = page.locator("#id_countries + .select2-container--admin-autocomplete")
    assert box.count() == 1, "the countries select was not turned into an autocomplete"
    box.locator(".select2-search__field").fill("Mal")
    options = page.locator(".select2-results__option")
    options.filter(has_text="Mali").first.wait_for()
    assert options.count() < 20  # filtered as one types, not 249 countries
    options.filter(has_text="Mali").first.click()
    screenshot(page, "admin-situation-countries-autocomplete")
    page.locator("input[name=_continue]").click()
    page.wait_for_selector(".messagelist .success")
    situation.refresh_from_db()
    assert sorted(c.code for c in situation.countries) == ["GN", "ML"]
