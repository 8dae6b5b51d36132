"""Issue 16, "Headers": a Content-Security-Policy with no inline script or style and a
Permissions-Policy on every page, the admin and the API docs included; in Chromium, no page of a
desk officer's day breaks the policy (each violation is an event the page reports)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from .browser import WIDE
from .test_layouts import log_in, pages, seeded  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Installed before any page script runs (through the browser, not the page: the policy does not
# apply to it): every violation the page reports, kept for the test to read.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


def test_no_page_breaks_the_content_security_policy(live_server, chromium, seeded):  # noqa: F811
    context = chromium.new_context(viewport=WIDE)
    context.add_init_script(WATCH)
    page = context.new_page()
    log_in(page, live_server.url)
    found = {}
    for name, path in [*pages(seeded.situation), ("api-docs", reverse("api:docs"))]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (name, policy)
        assert "camera=()" in (response.header_value("permissions-policy") or ""), name
        page.wait_for_load_state("networkidle")
        if name == "api-docs":  # drawn by its scripts, the policy allowing them
            page.wait_for_selector("#swagger-ui .info .title", timeout=15_000)
        violations = page.evaluate("window.__violations")
        if violations:
            found[name] = sorted(set(violations))[:6]
    context.close()
    if found:
        pytest.fail("content security policy broken:\n" + json.dumps(found, indent=1))
