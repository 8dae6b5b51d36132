"""Issue 15, "Layouts that fit": every page a desk officer or a review team uses, at 1280 and at
390 pixels wide, in Chromium on the seed drawn from S/2011/552.

A page fails when its document is wider than the window (the reader would scroll the whole page
sideways), when a table cell's text is cut off, or when two text labels of a chart overlap.
Screenshots of every page at both widths go to ``artifacts/screenshots/layouts/``.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse

from alerts.models import Alert
from alerts.services import evaluate_rules, recompute_intervals
from cases.models import (
    Actor,
    Assessment,
    Briefing,
    EarlyActionReview,
    Engagement,
    Situation,
    WarningIndicator,
)
from tests.factories import DeskOfficerFactory

from .browser import NARROW, SCREENSHOTS, WIDE, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery-staple"
SLUG = "guinea-transition-2009-2010"  # the seed's richest situation

# The page's own width against the window's; then every table cell whose text is clipped; then
# every pair of text labels inside one chart that overlap.
LAYOUT_PROBLEMS = """
(wide) => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    // Name the innermost elements that reach past the window's right edge.
    const past = [...document.body.querySelectorAll("*")].filter(
      (e) => e.getBoundingClientRect().right > doc.clientWidth + 1);
    const innermost = past.filter((e) => !past.some((o) => o !== e && e.contains(o)));
    const names = innermost.slice(0, 4).map(
      (e) => e.tagName.toLowerCase() + (e.name ? `[name=${e.name}]` : "") +
             (e.className && typeof e.className === "string" ? `.${e.className.split(" ")[0]}` : ""));
    problems.push(`document ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window: ${names}`);
  }
  if (wide) {
    // In a wide window nothing scrolls sideways inside its own box either (a table cut at its
    // last columns); in a phone's width a chart may.
    for (const box of document.body.querySelectorAll("*")) {
      const style = getComputedStyle(box);
      if (!["auto", "scroll", "hidden"].includes(style.overflowX) || box.offsetParent === null)
        continue;
      if (style.textOverflow === "ellipsis") continue;  // shortened on purpose, with an ellipsis
      if (box.matches("select, button, input, textarea")) continue;  // the control scrolls itself
      // (Boxes a few pixels wide are screen-reader text, hidden on purpose.)
      if (box.scrollWidth > box.clientWidth + 1 && box.clientWidth > 16)
        problems.push(`${box.tagName.toLowerCase()}.${box.className}` +
                      `${box.firstElementChild?.id ? " #" + box.firstElementChild.id : ""} cut: ` +
                      `${box.scrollWidth}px of content in ${box.clientWidth}px`);
    }
  }
  for (const cell of document.querySelectorAll("td, th")) {
    const style = getComputedStyle(cell);
    if (style.visibility === "hidden" || cell.offsetParent === null) continue;
    if (cell.scrollWidth > cell.clientWidth + 1 && style.overflowX === "hidden")
      problems.push(`cell cut off: "${cell.innerText.slice(0, 40)}"`);
  }
  for (const svg of document.querySelectorAll("svg")) {
    const labels = [...svg.querySelectorAll("text")]
      .filter((t) => t.textContent.trim() && t.getBBox().width > 0)
      .map((t) => ({ text: t.textContent.trim(), box: t.getBoundingClientRect() }));
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i].box, b = labels[j].box;
        const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (dx > 1 && dy > 1)
          problems.push(`labels overlap: "${labels[i].text}" / "${labels[j].text}"`);
      }
  }
  return problems;
}
"""


@pytest.fixture
def seeded(transactional_db) -> SimpleNamespace:
    for command in ("import_report", "load_seed"):
        call_command(command, verbosity=0)
    recompute_intervals(full=True)
    evaluate_rules()
    DeskOfficerFactory(username="desk", password=PASSWORD)
    situation = Situation.objects.get(slug=SLUG)
    return SimpleNamespace(situation=situation)


def _first(model, **lookup):
    return model.objects.filter(**lookup).order_by("pk").first()


def pages(situation: Situation) -> list[tuple[str, str]]:
    """(name, path) of the dashboards and of the admin pages desk officers work in."""
    found = [
        ("overview", reverse("dashboards:overview")),
        ("situations", reverse("dashboards:situations")),
        ("situation", reverse("dashboards:situation", args=[situation.slug])),
        ("elements", reverse("dashboards:elements")),
        ("alerts", reverse("dashboards:alerts")),
        ("admin-index", reverse("admin:index")),
    ]
    records = {
        Situation: situation,
        WarningIndicator: _first(WarningIndicator, situation=situation),
        Engagement: _first(Engagement, situation=situation),
        Actor: _first(Actor),
        Assessment: _first(Assessment),
        Briefing: _first(Briefing),
        EarlyActionReview: _first(EarlyActionReview),
        Alert: _first(Alert),
    }
    for model, record in records.items():
        meta = model._meta
        name = f"admin-{meta.model_name}"
        found.append(
            (f"{name}-list", reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        )
        if model is not Alert:
            found.append((f"{name}-add", reverse(f"admin:{meta.app_label}_{meta.model_name}_add")))
        if record is not None:
            found.append(
                (
                    f"{name}-change",
                    reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk]),
                )
            )
    return found


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280", "390"])
def test_every_page_fits_its_window(live_server, chromium, seeded, viewport):
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/admin/")
    (SCREENSHOTS / "layouts").mkdir(parents=True, exist_ok=True)
    problems = {}
    for name, path in pages(seeded.situation):
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        found = page.evaluate(LAYOUT_PROBLEMS, viewport is WIDE)
        screenshot(page, f"layouts/{name}-{viewport['width']}")
        if found:
            problems[name] = found[:5]
    context.close()
    if problems:
        pytest.fail("pages that do not fit:\n" + json.dumps(problems, indent=1))
