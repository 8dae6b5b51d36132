"""Issue 15, "Accessibility": axe-core (the copy carried by ``axe-playwright-python``, no CDN)
run in Chromium over every dashboard page and the admin pages desk officers use, on the seed
drawn from S/2011/552. No violation of serious or critical impact is allowed."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from .browser import WIDE
from .test_layouts import PASSWORD, log_in, pages, seeded  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BLOCKING = {"serious", "critical"}


def test_no_serious_or_critical_accessibility_violation(live_server, chromium, seeded):  # noqa: F811
    context = chromium.new_context(viewport=WIDE)
    page = context.new_page()
    log_in(page, live_server.url)
    axe = Axe()
    found = {}
    for name, path in pages(seeded.situation):
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        violations = axe.run(page).response["violations"]
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(", ".join(node["target"]) for node in v["nodes"][:3])
            for v in violations
            if v["impact"] in BLOCKING
        ]
        if blocking:
            found[name] = blocking
    context.close()
    if found:
        pytest.fail("accessibility violations:\n" + json.dumps(found, indent=1, ensure_ascii=False))
