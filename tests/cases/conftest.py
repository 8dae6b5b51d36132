from tests.dashboards.browser import chromium  # noqa: F401 (the browser tests' fixture)
