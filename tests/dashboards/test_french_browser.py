"""Issue 17, item 7, "French", in Chromium: the header's switch turns the dashboards French with
no script the Content-Security-Policy would refuse, and the French pages (longer words) still fit
their window at 1280 and 390 pixels."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from .browser import NARROW, SCREENSHOTS, WIDE, screenshot
from .test_content_security import WATCH
from .test_layouts import LAYOUT_PROBLEMS, log_in, seeded  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_switch_turns_the_dashboards_french(live_server, chromium, seeded):  # noqa: F811
    context = chromium.new_context(viewport=WIDE, locale="en-GB")
    context.add_init_script(WATCH)
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + reverse("dashboards:overview"))
    assert page.locator("h1").inner_text() == "Warning-to-action overview"
    page.get_by_role("button", name="Français").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("dashboards:overview"))
    assert page.locator("h1").inner_text() == "De l'alerte à l'action\u00a0: vue d'ensemble"
    assert page.locator("html").get_attribute("lang") == "fr"
    (SCREENSHOTS / "french").mkdir(parents=True, exist_ok=True)
    screenshot(page, "french/overview-1280")
    # The next page stays French: the situation, its six elements by their French names.
    page.goto(live_server.url + reverse("dashboards:situation", args=[seeded.situation.slug]))
    page.wait_for_load_state("networkidle")
    assert page.locator("#assessment-heading").inner_text() == (
        "Évaluation sur les six éléments de succès"
    )
    assert "Pérennité" in page.locator("#figure-assessments").inner_text()
    screenshot(page, "french/situation-1280")
    # And the admin, where the switch is too.
    page.goto(live_server.url + reverse("admin:cases_situation_change", args=[seeded.situation.pk]))
    assert page.locator("label[for=id_crisis_type]").inner_text().startswith("Type de crise")
    screenshot(page, "french/admin-situation-1280")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("label[for=id_crisis_type]").inner_text().startswith("Crisis type")
    violations = page.evaluate("window.__violations")
    context.close()
    assert not violations, violations


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280", "390"])
def test_the_french_pages_fit_their_window(live_server, chromium, seeded, viewport):  # noqa: F811
    context = chromium.new_context(viewport=viewport, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server.url)
    problems = {}
    for name, path in [
        ("overview", reverse("dashboards:overview")),
        ("situations", reverse("dashboards:situations")),
        ("situation", reverse("dashboards:situation", args=[seeded.situation.slug])),
        ("elements", reverse("dashboards:elements")),
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        assert page.locator("html").get_attribute("lang") == "fr", name
        found = page.evaluate(LAYOUT_PROBLEMS, viewport is WIDE)
        screenshot(page, f"french/{name}-{viewport['width']}")
        if found:
            problems[name] = found[:5]
    context.close()
    if problems:
        pytest.fail("French pages that do not fit:\n" + json.dumps(problems, indent=1))
