"""The printable situation brief (issue 15): the situation page as a one- or two-page A4 PDF.

Rendered for real by WeasyPrint and read back with pypdf: its text (the situation, a sign, an
engagement, the interval, the TLP label on every page) and its page count. Each page of the
seeded brief is saved as a PNG under ``artifacts/brief/`` (git-ignored) by pypdfium2.
"""

from __future__ import annotations

import io
import re
import socket
import sys
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from PIL import Image

from alerts.models import SituationInterval
from alerts.services import evaluate_rules, recompute_intervals
from cases import services
from cases.choices import SharingLevel
from cases.models import Engagement, Situation, WarningIndicator
from dashboards import brief, charts

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "brief"
A4_RATIO = 297 / 210


def _renderer_present() -> bool:
    try:
        brief.url_fetcher()
    except brief.RendererUnavailable:
        return False
    return True


needs_renderer = pytest.mark.skipif(
    not _renderer_present(),
    reason=f"needs WeasyPrint's system libraries: apt-get install {brief.SYSTEM_PACKAGES}",
)


def brief_url(slug: str) -> str:
    return reverse("dashboards:situation-brief", args=[slug])


def read_pdf(response) -> pypdf.PdfReader:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(response.content))


def squeeze(text: str) -> str:
    """Text without whitespace: a phrase matches however the page wrapped it."""
    return re.sub(r"\s+", "", text)


def page_texts(reader: pypdf.PdfReader) -> list[str]:
    return [squeeze(page.extract_text()) for page in reader.pages]


def save_pages(pdf: bytes, name: str) -> list[Path]:
    """A PNG of each page under ``artifacts/brief/``, for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    paths = []
    try:
        for number, page in enumerate(document, start=1):
            path = ARTIFACTS / f"{name}-page-{number}.png"
            page.render(scale=2).to_pil().save(path)
            paths.append(path)
    finally:
        document.close()
    return paths


@pytest.fixture
def seeded(db):
    """The report imported and the seed loaded, then the interval job and the rules run."""
    call_command("import_report", verbosity=0)
    call_command("load_seed", verbosity=0)
    recompute_intervals(full=True)
    evaluate_rules()


def richest_situation() -> Situation:
    """The seeded situation with the most warning signs, engagements and alerts together."""
    return (
        Situation.objects.annotate(
            facts=Count("indicators", distinct=True)
            + Count("engagements", distinct=True)
            + Count("alerts", distinct=True)
        )
        .order_by("-facts", "slug")
        .first()
    )


@needs_renderer
def test_seeded_brief_is_the_situation_page_on_at_most_two_pages(client, staff, seeded):
    situation = richest_situation()
    # Labelled AMBER and shared, as a desk officer would, so the label is not the seed's CLEAR.
    situation.sharing = SharingLevel.AMBER
    services.save_situation(situation)
    sign = WarningIndicator.objects.filter(situation=situation).order_by("observed_on").first()
    engagement = (
        Engagement.objects.filter(situation=situation, started_on__isnull=False)
        .order_by("started_on")
        .first()
    )
    interval = SituationInterval.objects.get(situation=situation)
    assert sign is not None and engagement is not None and interval.warning_from is not None
    client.force_login(staff)

    response = client.get(brief_url(situation.slug))

    reader = read_pdf(response)
    assert 1 <= len(reader.pages) <= 2, f"{situation.slug}: {len(reader.pages)} pages"
    for page in reader.pages:  # A4 portrait, in points
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            595,
            842,
        )
    pages = page_texts(reader)
    text = "".join(pages)
    for phrase in (
        situation.title,
        f"{sign.get_severity_display()} severity: {sign.get_category_display()}",
        sign.description,
        engagement.title,
        "Warning to first action",
        interval.interval_display,
        "Milestones and 7-1-7 targets",
        "detect within 7 days",
        "Actors and their roles",
        str(engagement.lead_actor),
        "Alerts",
        "Assessment on the six elements for success",
        "S/2011/552, para.",
    ):
        assert squeeze(phrase) in text, phrase
    for number, page in enumerate(pages, start=1):
        assert page.count("TLP:AMBER") >= 2, f"page {number}: the label in header and footer"
        assert squeeze(f"Page {number} of {len(pages)}") in page
    assert "TLP:CLEAR" not in text

    paths = save_pages(response.content, situation.slug)
    assert len(paths) == len(reader.pages)
    for path in paths:
        with Image.open(path) as image:
            width, height = image.size
        assert abs(height / width - A4_RATIO) < 0.01


@needs_renderer
def test_the_richer_seeded_briefs_fit_two_pages(client, staff, seeded):
    """The briefing note stays one or two pages for each seeded situation with three or more
    warning signs and engagements (the others are shorter still)."""
    client.force_login(staff)
    richer = (
        Situation.objects.annotate(
            facts=Count("indicators", distinct=True) + Count("engagements", distinct=True)
        )
        .filter(facts__gte=3)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    counts = {slug: len(read_pdf(client.get(brief_url(slug))).pages) for slug in richer}
    assert len(counts) >= 5
    assert all(1 <= count <= 2 for count in counts.values()), counts


@needs_renderer
def test_brief_follows_the_page_sharing_rule(client, world, outsider, partner_user, staff):
    """A viewer who may not see the situation gets 404, like the page; the label is printed."""
    client.force_login(partner_user)
    reader = read_pdf(client.get(brief_url("india")))  # AMBER, shared with the partner
    for page in page_texts(reader):
        assert "TLP:AMBER" in page and "India" in page
    assert client.get(brief_url("hotel")).status_code == 404  # RED
    assert client.get(brief_url("juliet")).status_code == 404  # AMBER+STRICT, another's list
    assert client.get(brief_url("no-such-situation")).status_code == 404

    client.force_login(outsider)
    assert client.get(brief_url("india")).status_code == 404
    assert client.get(brief_url("hotel")).status_code == 404
    assert read_pdf(client.get(brief_url("alpha"))).pages  # GREEN: anyone logged in

    client.force_login(staff)
    for page in page_texts(read_pdf(client.get(brief_url("hotel")))):
        assert "TLP:RED" in page


@needs_renderer
def test_brief_of_situations_without_an_interval_or_answer(client, world, staff):
    """The interval box in words when there is nothing to measure, or nothing answered yet."""
    client.force_login(staff)
    golf = "".join(page_texts(read_pdf(client.get(brief_url("golf")))))  # a Low warning only
    assert squeeze("No warning sign of high severity or above yet.") in golf
    foxtrot = "".join(page_texts(read_pdf(client.get(brief_url("foxtrot")))))  # unanswered
    assert squeeze("no engagement since") in foxtrot
    assert squeeze("No action, critical") in foxtrot  # its open alert


def test_brief_needs_a_login(client, world):
    response = client.get(brief_url("alpha"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboards:login"))


def test_without_the_renderer_the_brief_answers_503_saying_what_to_install(
    client, world, outsider, monkeypatch
):
    # As on a machine where WeasyPrint cannot load: the import fails.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    client.force_login(outsider)

    response = client.get(brief_url("alpha"))

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    message = response.content.decode()
    assert "PDF renderer" in message and brief.SYSTEM_PACKAGES in message
    # Sharing is still checked first: a hidden situation stays a 404, never a 503.
    assert client.get(brief_url("hotel")).status_code == 404


@needs_renderer
def test_rendering_fetches_nothing_from_the_network(monkeypatch):
    """A CDN font, a remote stylesheet or image, a local file: refused, never requested."""
    lookups = []

    def no_lookup(host, *args, **kwargs):
        lookups.append(host)
        raise OSError(f"the brief tried to reach {host}")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    html = (
        "<!doctype html><html><head>"
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto">'
        "<style>@font-face { font-family: Remote; src: url(https://cdn.example.org/f.woff2); }"
        "body { font-family: Remote, sans-serif; }</style></head><body>"
        '<p>Hello</p><img src="http://images.example.org/logo.png" alt="">'
        '<img src="file:///etc/hostname" alt="">'
        '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 '
        'width=%2210%22 height=%2210%22/%3E" alt="inline">'
        "</body></html>"
    )

    pdf = brief.render_pdf(html, base_url="http://tracker.example.org/dashboard/")

    assert lookups == []
    assert squeeze("Hello") in squeeze(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text())


def test_situation_page_links_its_brief(client, world, outsider):
    client.force_login(outsider)
    response = client.get(reverse("dashboards:situation", args=["alpha"]))
    assert f'href="{brief_url("alpha")}"' in response.content.decode()


def test_fixed_width_chart_scales_with_its_text():
    """For print the fluid chart gets a viewBox (drawn 1,000 px wide, shrunk to the page) and
    shows its long labels only (both forms would overlap: no container query in print)."""
    svg = charts.bar_chart(
        [charts.Bar(label="A label long enough to have a short form " * 2, value=3)],
        label="Test chart",
    )
    height = re.search(r'height="([0-9.]+)"', str(svg)).group(1)

    printed = str(charts.fixed_width(svg, 1000))

    assert printed.startswith(
        f'<svg class="chart-fluid bar-chart" width="100%" viewBox="0 0 1000 {height}" role="img"'
    )
    assert ".narrow-only { display: none; }" in printed
    assert printed.endswith(str(svg)[str(svg).index(">") + 1 :])
    with pytest.raises(ValueError):
        charts.fixed_width("<svg></svg>", 1000)
