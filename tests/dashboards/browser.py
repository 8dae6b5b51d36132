"""Playwright driving Debian's Chromium, for the dashboards' browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


@pytest.fixture
def chromium(monkeypatch):
    """A headless Chromium for one test.

    Playwright's sync API runs an event loop in this thread, so Django's ORM, which the test uses
    between browser steps, must be told that this is fine — for this test only (the variable
    must not leak into the rest of the session: ``check --deploy`` rightly refuses it).
    """
    if not CHROMIUM.exists():
        pytest.skip(
            "needs Chromium: install the Debian package `chromium` (apt-get install chromium)"
        )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
