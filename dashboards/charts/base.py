"""What the charts share: palette, text, scales and legends.

Charts are fluid: no viewBox. Horizontal positions are percentages of the chart's width and
vertical ones pixels, so a chart fills any width (1280 px or 390 px) while its text keeps its size;
labels sit above their marks, and have a shorter form that CSS container queries show when the
chart's box is narrow. Every text is escaped. The SVG is an image for assistive technology
(``role="img"`` with a label); the numbers themselves are in the table each page puts next to it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

INK = "#1b2430"
MUTED = "#5d6978"
GRID = "#e3e7ec"
ACCENT = "#1f5fa8"
SEVERITY = {1: "#6fa8c7", 2: "#e6b030", 3: "#dc6b2f", 4: "#a3192b"}
# Orange (absent) to blue (strong): readable with the common colour-vision deficiencies.
RATING = {0: "#a63603", 1: "#f3a35c", 2: "#8fc1d9", 3: "#1f6391"}
RATING_NAMES = (
    gettext_lazy("0 absent"),
    gettext_lazy("1 weak"),
    gettext_lazy("2 adequate"),
    gettext_lazy("3 strong"),
)


def _n(value: float | str) -> str:
    """A coordinate: two decimals at most, no trailing zeros (a string, e.g. "40%", as is)."""
    if isinstance(value, str):
        return value
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(x, y, text, *, anchor="start", size=12, fill=INK, weight="normal", css="") -> str:
    extra = f' class="{css}"' if css else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}"{extra}>{escape(text)}</text>'
    )


def _label(x, y, text: str, *, wide: int, narrow: int = 42, **style) -> str:
    """A label cut to ``wide`` characters, and to ``narrow`` in a narrow chart (phones)."""
    long, short = _clip(text, wide), _clip(text, narrow)
    if long == short:
        return _text(x, y, long, **style)
    return _text(x, y, long, css="wide-only", **style) + _text(
        x, y, short, css="narrow-only", **style
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def nice_scale(maximum: float, ticks: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum``."""
    if not maximum or maximum <= 0:
        return [0, 1]
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    top = math.ceil(maximum / step) * step
    count = round(top / step)
    return [round(i * step, 6) for i in range(count + 1)]


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
    return f"{text}{unit}"


PLOT_RIGHT = 96.0  # per cent of the width the longest bar or tick may reach


def _pct(value: float) -> str:
    return f"{_n(value)}%"


def _fluid_svg(height: float, label: str, body: Iterable[str], css: str) -> str:
    content = "".join(body)
    # A picture is one image to a screen reader, but one holding links (the timeline's facts link
    # to their rows) is a group: an image's content may not be interactive.
    role = "group" if "<a " in content else "img"
    return (
        f'<svg class="chart-fluid {escape(css)}" width="100%" height="{_n(height)}" role="{role}" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">' + content + "</svg>"
    )


_FLUID_HEAD = re.compile(r'^<svg class="chart-fluid ([^"]*)" width="100%" height="([0-9.]+)"')


def fixed_width(svg: str, width: float) -> SafeString:
    """A chart of ``_fluid_svg`` drawn as if ``width`` pixels wide, then scaled to its box with
    its text (a viewBox of that width and the chart's height; its long labels only): for print,
    where a page is narrower than a screen and the chart must not take half of it."""
    match = _FLUID_HEAD.match(svg)
    if match is None:
        raise ValueError("not a chart drawn by _fluid_svg")
    css, height = match.groups()
    opening_end = svg.index(">", match.end()) + 1
    attributes = svg[match.end() : opening_end - 1]  # role, label, namespace: escaped, no ">"
    return mark_safe(
        f'<svg class="chart-fluid {css}" width="100%" viewBox="0 0 {_n(width)} {height}"'
        f"{attributes}><style>.narrow-only {{ display: none; }}</style>" + svg[opening_end:]
    )


def _swatch_shape(kind: str, color: str) -> str:
    c = escape(color)
    if kind == "swatch-whisker":
        return f'<rect y="5" width="12" height="2" fill="{c}"/><rect x="14" width="2" height="12" fill="{c}"/>'
    if kind == "swatch-dash":
        return (
            f'<line x1="0" y1="6" x2="16" y2="6" stroke="{c}" stroke-width="2" '
            'stroke-dasharray="4 2"/>'
        )
    if kind == "swatch-frame":
        return (
            f'<rect x="1.25" y="1.25" width="11.5" height="9.5" fill="none" stroke="{c}" '
            'stroke-width="2.5"/>'
        )
    if kind == "swatch-missing":
        return (
            '<rect x="0.5" y="0.5" width="13" height="11" fill="#f3f5f8" stroke="#dfe3e8"/>'
            '<path d="M0 9 L9 0 M4 12 L14 2" stroke="#dfe3e8" stroke-width="2"/>'
        )
    return f'<rect width="14" height="12" rx="2" fill="{c}"/>'


def legend(items: Sequence[tuple[str, str]], css: str = "") -> str:
    """A legend as an HTML list under the chart: it wraps on narrow screens. Each swatch is a
    small SVG drawn with presentation attributes, no inline style (the Content-Security-Policy
    allows none)."""
    entries = "".join(
        f'<li><svg class="swatch-svg {escape(kind)}" width="16" height="12" viewBox="0 0 16 12" '
        f'aria-hidden="true" focusable="false">{_swatch_shape(kind, color)}</svg>'
        f"{escape(text)}</li>"
        for text, color, kind in (
            (item[0], item[1], item[2] if len(item) > 2 else "") for item in items
        )
    )
    return f'<ul class="legend {escape(css)}">{entries}</ul>'


def _on(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if luminance > 0.55 else "#ffffff"


def rating_color(value: float | None) -> str | None:
    """The colour of a rating; a mean between two ratings blends their colours."""
    if value is None:
        return None
    value = min(max(float(value), 0.0), 3.0)
    low = math.floor(value)
    high = min(low + 1, 3)
    t = value - low
    a, b = RATING[low], RATING[high]
    mix = [round(int(a[i : i + 2], 16) * (1 - t) + int(b[i : i + 2], 16) * t) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mix)
