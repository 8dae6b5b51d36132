"""The situation brief: the situation page's picture printed on A4 as a PDF, for a briefing note.

The HTML is the ``dashboards/brief.html`` template over the context the situation page builds
(``pages.situation_page``: the same selectors, nothing recomputed here); WeasyPrint lays it out
with the print stylesheet ``static/dashboards/brief.css`` (A4, no navigation, the TLP label in
every page's margin). WeasyPrint runs in the web process: no browser, no network.

Nothing is fetched while rendering: WeasyPrint's own fetcher is given ``data:`` as its only
protocol, so an ``http(s):`` or ``file:`` reference (a CDN font, an image, a stylesheet) is refused
and left out, never requested. Fonts are the system's, through fontconfig.

WeasyPrint needs Pango (and HarfBuzz, fontconfig) from the system: Debian's
``libpango-1.0-0 libpangoft2-1.0-0``. Without them the brief is unavailable
(``RendererUnavailable``, answered 503 with what to install) and every other page works.
"""

from __future__ import annotations

import importlib
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent / "static" / "dashboards" / "brief.css"
# The only scheme the renderer may read: inline data. No http(s), no file.
ALLOWED_PROTOCOLS = frozenset({"data"})
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"


class RendererUnavailable(RuntimeError):
    """The PDF renderer cannot run on this machine (WeasyPrint or its system libraries missing)."""


def _weasyprint():
    """WeasyPrint, imported on the first brief rather than at start-up: importing it loads Pango
    through cffi (most of a second), which only this page needs, and a machine without Pango
    must still serve every other page."""
    try:
        return importlib.import_module("weasyprint")
    except (ImportError, OSError) as error:
        raise RendererUnavailable(
            "The PDF renderer (WeasyPrint) cannot run on this server: "
            f"{error}. Install its system libraries (Debian: apt-get install {SYSTEM_PACKAGES}) "
            "and restart the tracker."
        ) from error


def url_fetcher():
    """WeasyPrint's fetcher, allowed ``data:`` URLs only: nothing leaves the server."""
    return _weasyprint().urls.URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS)


def render_pdf(html: str, base_url: str = "") -> bytes:
    """``html`` laid out on A4 with the print stylesheet, as PDF bytes.

    ``base_url`` makes the document's relative links (a cited paragraph, the situation page)
    absolute in the PDF, to be followed by its reader; it is never fetched from.
    """
    weasyprint = _weasyprint()
    fetcher = url_fetcher()
    stylesheet = weasyprint.CSS(filename=str(STYLESHEET), url_fetcher=fetcher)
    document = weasyprint.HTML(string=html, base_url=base_url or None, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet])
