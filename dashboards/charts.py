"""Charts drawn on the server as inline SVG, from figures the database already computed.

No JavaScript library and no CDN: each function turns a handful of aggregated rows (a few groups,
one situation's events, a page of engagements) into SVG markup. Every text is escaped. The SVG is
an image for assistive technology (``role="img"`` with a label); the numbers themselves are in the
table that each page puts next to the chart.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1b2430"
MUTED = "#5d6978"
GRID = "#e3e7ec"
ACCENT = "#1f5fa8"
ACCENT_SOFT = "#a9c4e4"
SEVERITY = {1: "#6fa8c7", 2: "#e6b030", 3: "#dc6b2f", 4: "#a3192b"}
# Orange (absent) to blue (strong): readable with the common colour-vision deficiencies.
RATING = {0: "#a63603", 1: "#f3a35c", 2: "#8fc1d9", 3: "#1f6391"}
RATING_NAMES = ("0 absent", "1 weak", "2 adequate", "3 strong")
FONT = 'font-family="inherit"'


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


# --- Horizontal bars --------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    value: float | None
    whisker: float | None = None
    color: str = ACCENT
    note: str = ""


@dataclass
class Segment:
    key: str
    label: str
    color: str


# Fluid charts: no viewBox. Horizontal positions are percentages of the chart's width and
# vertical ones pixels, so the chart fills any width (1280 px or 390 px) while its text keeps its
# size. Each bar's label sits above it, so no label is cut however narrow the screen.
PLOT_RIGHT = 96.0  # per cent of the width the longest bar or tick may reach


def _pct(value: float) -> str:
    return f"{_n(value)}%"


def _fluid_svg(height: float, label: str, body: Iterable[str], css: str) -> str:
    return (
        f'<svg class="chart-fluid {escape(css)}" width="100%" height="{_n(height)}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def legend(items: Sequence[tuple[str, str]], css: str = "") -> str:
    """A legend as an HTML list under the chart: it wraps on narrow screens."""
    entries = "".join(
        f'<li><span class="swatch {escape(kind)}" style="--swatch:{escape(color)}" '
        f'aria-hidden="true"></span>{escape(text)}</li>'
        for text, color, kind in (
            (item[0], item[1], item[2] if len(item) > 2 else "") for item in items
        )
    )
    return f'<ul class="legend {escape(css)}">{entries}</ul>'


def _axis(ticks: Sequence[float], scale_max: float, top: float, base: float) -> list[str]:
    body = []
    for tick in ticks:
        x = tick / scale_max * PLOT_RIGHT
        anchor = "start" if tick == 0 else ("end" if x > PLOT_RIGHT - 2 else "middle")
        body.append(
            f'<line x1="{_pct(x)}" y1="{_n(top)}" x2="{_pct(x)}" y2="{_n(base)}" stroke="{GRID}"/>'
        )
        body.append(_text(_pct(x), base + 15, _fmt(tick), anchor=anchor, size=11, fill=MUTED))
    return body


def bar_chart(
    bars: Sequence[Bar],
    *,
    label: str,
    unit: str = "",
    whisker_label: str = "",
    value_label: str = "median",
) -> SafeString:
    """One horizontal bar per group; an optional whisker marks a second value (e.g. p90)."""
    row, top = 42, 4
    values = [b.value or 0 for b in bars] + [b.whisker or 0 for b in bars]
    ticks = nice_scale(max(values, default=0), 4)
    top_value = ticks[-1]
    base = top + row * max(len(bars), 1) + 2
    body = _axis(ticks, top_value, top, base)
    if not bars:
        body.append(_text(0, top + 22, "No data for these filters", fill=MUTED))

    def x(value: float) -> float:
        return value / top_value * PLOT_RIGHT

    for i, bar in enumerate(bars):
        y = top + i * row
        figures = _fmt(bar.value, unit) if bar.value is not None else "no data"
        if bar.whisker is not None and whisker_label:
            figures += f" · {whisker_label} {_fmt(bar.whisker)}"
        if bar.note:
            figures += f" · {bar.note}"
        body.append(
            f'<g class="bar" data-label="{escape(bar.label)}" data-value="{_fmt(bar.value)}">'
            f"<title>{escape(bar.label)}: {escape(figures)}</title>"
        )
        body.append(_text(0, y + 13, _clip(bar.label, 28), size=13, weight="600"))
        body.append(_text(_pct(PLOT_RIGHT), y + 13, figures, anchor="end", size=12, fill=MUTED))
        if bar.value is not None:
            body.append(
                f'<rect x="0" y="{_n(y + 19)}" width="{_pct(max(x(bar.value), 0.4))}" '
                f'height="14" rx="2" fill="{bar.color}"/>'
            )
        if bar.whisker is not None:
            x0, x1 = x(bar.value or 0), x(bar.whisker)
            body.append(
                f'<line x1="{_pct(x0)}" y1="{_n(y + 26)}" x2="{_pct(x1)}" y2="{_n(y + 26)}" '
                f'stroke="{INK}" stroke-width="1.5"/>'
                f'<line x1="{_pct(x1)}" y1="{_n(y + 20)}" x2="{_pct(x1)}" y2="{_n(y + 32)}" '
                f'stroke="{INK}" stroke-width="2"/>'
            )
        body.append("</g>")
    svg = _fluid_svg(base + 22, label, body, "bar-chart")
    items = [(value_label, ACCENT, "swatch-bar")]
    if whisker_label:
        items.append((whisker_label, INK, "swatch-whisker"))
    return mark_safe(svg + legend(items))


def stacked_bar_chart(
    rows: Sequence[dict],
    *,
    label_key: str,
    segments: Sequence[Segment],
    label: str,
    row_colors: dict[str, list[str]] | None = None,
    legend_items: Sequence[tuple[str, str]] | None = None,
) -> SafeString:
    """One horizontal bar per row split into ``segments``; the legend names the segments."""
    row, top = 42, 4
    totals = [sum(r.get(s.key) or 0 for s in segments) for r in rows]
    ticks = nice_scale(max(totals, default=0), 4)
    top_value = ticks[-1]
    base = top + row * max(len(rows), 1) + 2
    body = _axis(ticks, top_value, top, base)
    if not rows:
        body.append(_text(0, top + 22, "No data for these filters", fill=MUTED))
    for i, (r, total) in enumerate(zip(rows, totals, strict=True)):
        y = top + i * row
        name = str(r.get(label_key, ""))
        parts = ", ".join(f"{s.label} {r.get(s.key) or 0}" for s in segments)
        body.append(
            f'<g class="bar" data-label="{escape(name)}" data-value="{total}">'
            f"<title>{escape(name)}: {escape(parts)}</title>"
        )
        body.append(_text(0, y + 13, name, size=13, weight="600"))
        body.append(
            _text(
                _pct(PLOT_RIGHT), y + 13, f"{total}", anchor="end", size=12, fill=INK, weight="700"
            )
        )
        x = 0.0
        colors = (row_colors or {}).get(name)
        for j, s in enumerate(segments):
            value = r.get(s.key) or 0
            if not value:
                continue
            w = value / top_value * PLOT_RIGHT
            fill = colors[j] if colors else s.color
            body.append(
                f'<rect x="{_pct(x)}" y="{_n(y + 19)}" width="{_pct(w)}" height="16" '
                f'fill="{fill}" stroke="#fff" stroke-width="1"/>'
            )
            if w >= 7:
                body.append(
                    _text(
                        _pct(x + w / 2),
                        y + 31,
                        str(value),
                        anchor="middle",
                        size=11,
                        fill=_on(fill),
                    )
                )
            x += w
        body.append("</g>")
    svg = _fluid_svg(base + 22, label, body, "stacked-chart")
    items = legend_items or [(s.label, s.color) for s in segments]
    return mark_safe(svg + legend(items))


def _on(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if luminance > 0.55 else "#ffffff"


# --- Columns over the years ---------------------------------------------------------------------


def column_chart(
    rows: Sequence[dict],
    *,
    label_key: str,
    value_key: str,
    whisker_key: str | None,
    label: str,
    unit: str = "",
    value_label: str = "median",
    whisker_label: str = "",
) -> SafeString:
    """Vertical columns in order (years): the value as a column, the whisker as a dash above."""
    height, top, bottom, left = 220, 18, 26, 7.0  # left: per cent kept for the axis labels
    plot_h = height - top - bottom
    values = [r.get(value_key) or 0 for r in rows] + [
        (r.get(whisker_key) or 0) if whisker_key else 0 for r in rows
    ]
    ticks = nice_scale(max(values, default=0), 4)
    scale = plot_h / ticks[-1]
    body = []
    for tick in ticks:
        y = top + plot_h - tick * scale
        body.append(
            f'<line x1="{_pct(left)}" y1="{_n(y)}" x2="100%" y2="{_n(y)}" stroke="{GRID}"/>'
        )
        body.append(_text(_pct(left - 1), y + 4, _fmt(tick), anchor="end", size=11, fill=MUTED))
    if not rows:
        body.append(_text(_pct(left + 2), top + 24, "No data for these filters", fill=MUTED))
    slot = (100 - left) / max(len(rows), 1)
    bar_w = min(10.0, slot * 0.55)
    for i, r in enumerate(rows):
        cx = left + slot * (i + 0.5)
        value, whisker = r.get(value_key), r.get(whisker_key) if whisker_key else None
        name = str(r.get(label_key, ""))
        text = _fmt(value, unit) if value is not None else "no answered warning"
        body.append(
            f'<g class="column" data-label="{escape(name)}" data-value="{_fmt(value)}">'
            f"<title>{escape(name)}: {escape(text)}</title>"
        )
        if value is not None:
            h = max(value * scale, 1.5)
            body.append(
                f'<rect x="{_pct(cx - bar_w / 2)}" y="{_n(top + plot_h - h)}" '
                f'width="{_pct(bar_w)}" height="{_n(h)}" rx="2" fill="{ACCENT}"/>'
            )
            body.append(
                _text(
                    _pct(cx),
                    top + plot_h - h - 5,
                    _fmt(value),
                    anchor="middle",
                    size=12,
                    weight="600",
                )
            )
        else:
            body.append(
                _text(_pct(cx), top + plot_h - 6, "–", anchor="middle", size=12, fill=MUTED)
            )
        if whisker is not None:
            wy = top + plot_h - whisker * scale
            body.append(
                f'<line x1="{_pct(cx - bar_w / 2)}" y1="{_n(wy)}" x2="{_pct(cx + bar_w / 2)}" '
                f'y2="{_n(wy)}" stroke="{INK}" stroke-width="2" stroke-dasharray="4 2"/>'
            )
        body.append(_text(_pct(cx), height - 8, name, anchor="middle", size=12, fill=MUTED))
        body.append("</g>")
    svg = _fluid_svg(height, label, body, "column-chart")
    items = [(value_label, ACCENT, "swatch-bar")]
    if whisker_key and whisker_label:
        items.append((whisker_label, INK, "swatch-dash"))
    return mark_safe(svg + legend(items))


# --- Heat map ------------------------------------------------------------------------------------


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


# Where the six elements' names break on narrow screens.
SPLITS = {
    "Flexibility": ("Flexi-", "bility"),
    "Partnerships": ("Partner-", "ships"),
    "Sustainability": ("Sustain-", "ability"),
    "Evaluation": ("Evalu-", "ation"),
    "Resources": ("Re-", "sources"),
}


def _two_lines(name: str) -> tuple[str, str]:
    """A column heading split over two lines for narrow screens."""
    if name in SPLITS:
        return SPLITS[name]
    if " " in name:
        first, rest = name.split(" ", 1)
        return first, rest
    cut = max(3, (len(name) + 1) // 2)
    return name[:cut] + "-", name[cut:]


def heatmap(
    rows: Sequence[dict],
    *,
    row_label: Callable[[dict], str],
    columns: Sequence[tuple[str, str]],
    label: str,
    decimals: int = 0,
    empty: str = "No assessed engagements for these filters",
    highlight: Callable[[dict], Iterable[str]] | None = None,
) -> SafeString:
    """Rows × columns of ratings (0–3); an empty cell is hatched and marked "–".

    Fluid: each row's name sits above its cells, the cells share the width equally; column
    headings are split over two lines on narrow screens.
    """
    head, label_h, cell_h, gap = 40, 17, 26, 8
    row_h = label_h + cell_h + gap
    height = head + row_h * max(len(rows), 1)
    share = 100 / max(len(columns), 1)
    body = [
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f5f8"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GRID}" stroke-width="3"/></pattern></defs>'
    ]
    for j, (_, name) in enumerate(columns):
        cx = _pct(share * (j + 0.5))
        body.append(
            _text(cx, head - 12, name, anchor="middle", size=12, weight="700", css="wide-only")
        )
        first, second = _two_lines(name)
        body.append(
            _text(cx, head - 22, first, anchor="middle", size=11, weight="700", css="narrow-only")
        )
        body.append(
            _text(cx, head - 9, second, anchor="middle", size=11, weight="700", css="narrow-only")
        )
    if not rows:
        body.append(_text(0, head + 20, empty, fill=MUTED))
    for i, r in enumerate(rows):
        y = head + i * row_h
        name = row_label(r)
        body.append(f'<g class="heat-row" data-label="{escape(name)}">')
        body.append(_label(0, y + 13, name, wide=90, size=12, weight="600"))
        marked = set(highlight(r)) if highlight else set()
        for j, (key, col_name) in enumerate(columns):
            value = r.get(key)
            fill = rating_color(value)
            shown = "–" if value is None else (f"{value:.{decimals}f}" if decimals else str(value))
            body.append(
                f'<rect x="{_pct(share * j)}" y="{_n(y + label_h)}" width="{_pct(share)}" '
                f'height="{cell_h}" fill="{fill or "url(#hatch)"}" stroke="#fff" stroke-width="2" '
                f'data-element="{escape(key)}" data-value="{escape(shown)}">'
                f"<title>{escape(name)} — {escape(col_name)}: {escape(shown)}</title></rect>"
            )
            if key in marked:
                body.append(
                    f'<rect class="weakest" x="{_pct(share * j + 0.35)}" y="{_n(y + label_h + 2)}" '
                    f'width="{_pct(share - 0.7)}" height="{cell_h - 4}" fill="none" '
                    f'stroke="{INK}" stroke-width="2.5"/>'
                )
            body.append(
                _text(
                    _pct(share * (j + 0.5)),
                    y + label_h + 17,
                    shown,
                    anchor="middle",
                    size=12,
                    fill=_on(fill) if fill else MUTED,
                    weight="700",
                )
            )
        body.append("</g>")
    items = [(name, RATING[r]) for r, name in enumerate(RATING_NAMES)]
    items.append(("not assessed", "", "swatch-missing"))
    if highlight:
        items.append(("framed: the weakest element of the row", "", "swatch-frame"))
    return mark_safe(_fluid_svg(height, label, body, "heatmap") + legend(items))


# --- Timeline -----------------------------------------------------------------------------------


@dataclass
class Span:
    """One fact on the time axis: a point (day) or a span (month, year or a period of action)."""

    key: str
    lane: str  # "warning" or "engagement"
    label: str
    start: dt.date
    start_until: dt.date  # last day the start may be (== start for a day)
    end: dt.date | None = None  # last day of the fact; None for a point or an ongoing action
    ongoing: bool = False
    color: str = ACCENT
    anchor: str = ""  # id of the fact's row in the page's table
    title: str = ""
    unanswered: bool = False  # a warning no engagement has followed yet


@dataclass
class IntervalMark:
    warning_from: dt.date
    warning_until: dt.date
    action_from: dt.date | None
    action_until: dt.date | None
    text: str
    is_open: bool


def _month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _ticks(lo: dt.date, hi: dt.date, *, most: int) -> list[tuple[dt.date, str]]:
    """First days of months, quarters, years or decades between ``lo`` and ``hi``: at most
    ``most`` of them."""
    for step in (1, 3, 6, 12, 24, 60, 120):
        first = (
            dt.date(lo.year - lo.year % max(step // 12, 1), 1, 1)
            if step >= 12
            else dt.date(lo.year, (lo.month - 1) // step * step + 1, 1)
        )
        ticks, day = [], first
        while day <= hi:
            if day >= lo:
                ticks.append((day, day.strftime("%Y" if step >= 12 else "%b %Y")))
            day = _month_add(day, step)
        if len(ticks) <= most:
            return ticks
    return ticks


def timeline(
    facts: Sequence[Span],
    *,
    interval: IntervalMark | None,
    label: str,
    today: dt.date | None = None,
) -> SafeString:
    """Warning signs and engagements on one time axis.

    A date known to the day is a point; a month or a year is a span over its whole period; an
    engagement is a bar from its start to its end (to the edge of the axis, with an arrow, while it
    has no end). The warning-to-action interval is a bracket from the first warning to the first
    action, solid where certain and dashed where the dates' precision leaves it open.

    Fluid like the bar charts: each fact's name sits above its mark, and the axis has fewer
    labels on narrow screens.
    """
    today = today or dt.date.today()
    if not facts:
        return mark_safe(
            _fluid_svg(
                40,
                label,
                [_text(0, 24, "No warning signs or engagements yet.", fill=MUTED)],
                "timeline",
            )
        )
    starts = [f.start for f in facts]
    ends = [f.end or f.start_until for f in facts]
    if interval is not None:
        starts.append(interval.warning_from)
        ends += [d for d in (interval.action_until, interval.warning_until) if d]
    lo, hi = min(starts), max(ends)
    span = max((hi - lo).days, 60)
    pad = dt.timedelta(days=max(round(span * 0.03), 7))
    lo, hi = lo - pad, lo + dt.timedelta(days=span) + pad
    if any(f.ongoing for f in facts):
        hi += dt.timedelta(days=max(round(span * 0.06), 14))
    days = (hi - lo).days
    left, right = 0.5, 99.0

    def x(day: dt.date) -> float:
        return left + (day - lo).days / days * (right - left)

    axis_h = 26
    y = axis_h + 10
    rows_svg = []
    if interval is not None:
        rows_svg.append(_interval_row(interval, x, y, right))
        y += 50
    for lane, lane_label in (("warning", "Warning signs"), ("engagement", "Engagements")):
        lane_facts = [f for f in facts if f.lane == lane]
        if not lane_facts:
            continue
        rows_svg.append(_text(0, y + 12, lane_label.upper(), size=11, fill=MUTED, weight="700"))
        rows_svg.append(
            f'<line x1="0" y1="{_n(y + 18)}" x2="100%" y2="{_n(y + 18)}" stroke="{GRID}"/>'
        )
        y += 24
        for fact in lane_facts:
            rows_svg.append(_fact_row(fact, x, y, right))
            y += 40
        y += 6
    height = y + 4
    body = [
        "<defs>"
        '<pattern id="uncertain" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#ffffff" stroke-width="2" opacity="0.75"/>'
        "</pattern>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{ACCENT}"/></marker></defs>'
    ]
    wide = _ticks(lo, hi, most=14)
    narrow = {day for day, _ in _ticks(lo, hi, most=4)}
    for day, text in wide:
        tx = x(day)
        css = "" if day in narrow else "wide-only"
        body.append(
            f'<line x1="{_pct(tx)}" y1="{axis_h}" x2="{_pct(tx)}" y2="{_n(height - 2)}" '
            f'stroke="{GRID}"' + (f' class="{css}"' if css else "") + "/>"
        )
        body.append(_text(_pct(tx + 0.3), axis_h - 8, text, size=11, fill=MUTED, css=css))
    body.append(f'<line x1="0" y1="{axis_h}" x2="100%" y2="{axis_h}" stroke="{MUTED}"/>')
    if lo <= today <= hi:
        tx = x(today)
        body.append(
            f'<line x1="{_pct(tx)}" y1="{axis_h}" x2="{_pct(tx)}" y2="{_n(height - 2)}" '
            f'stroke="{INK}" stroke-dasharray="2 3"/>'
        )
    body += rows_svg
    return mark_safe(_fluid_svg(height, label, body, "timeline"))


def _fact_row(fact: Span, x, y: float, right: float) -> str:
    parts = [
        f'<g class="fact fact-{fact.lane}" data-key="{escape(fact.key)}" '
        f'data-start="{fact.start.isoformat()}" data-start-until="{fact.start_until.isoformat()}"'
        + (f' data-end="{fact.end.isoformat()}"' if fact.end else "")
        + (' data-ongoing="true"' if fact.ongoing else "")
        + ">",
        f"<title>{escape(fact.title or fact.label)}</title>",
    ]
    if fact.anchor:
        parts.append(f'<a href="#{escape(fact.anchor)}" tabindex="-1">')
    parts.append(_label(0, y + 12, fact.label, wide=110, size=12, weight="600"))
    mid = y + 26
    x0, x_until = x(fact.start), x(fact.start_until + dt.timedelta(days=1))
    if fact.lane == "warning":
        if fact.start == fact.start_until:
            # A day: a point.
            parts.append(
                f'<circle class="point" cx="{_pct(x0)}" cy="{_n(mid)}" r="6" fill="{fact.color}" '
                f'stroke="#fff" stroke-width="1.5"/>'
            )
        else:
            # A month or a year: the whole period, since the day is unknown.
            parts.append(
                f'<rect class="period" x="{_pct(x0)}" y="{_n(mid - 7)}" '
                f'width="{_pct(max(x_until - x0, 0.6))}" height="14" rx="3" fill="{fact.color}" '
                f'fill-opacity="0.5" stroke="{fact.color}" stroke-width="1.5"/>'
            )
        if fact.unanswered:
            # Nothing followed: a dotted line runs on to the edge of the axis.
            parts.append(
                f'<line class="unanswered" x1="{_pct(x_until + 0.6)}" y1="{_n(mid)}" '
                f'x2="{_pct(right)}" y2="{_n(mid)}" stroke="{SEVERITY[4]}" stroke-width="2" '
                f'stroke-dasharray="1 4" stroke-linecap="round"/>'
            )
    else:
        end_x = right if fact.ongoing else x((fact.end or fact.start_until) + dt.timedelta(days=1))
        end_x = max(end_x, x0 + 0.6)
        parts.append(
            f'<rect class="action" x="{_pct(x0)}" y="{_n(mid - 6)}" width="{_pct(end_x - x0)}" '
            f'height="12" rx="3" fill="{fact.color}"/>'
        )
        if fact.start != fact.start_until:
            # The start is known to a month or a year: hatch the period it may fall in.
            parts.append(
                f'<rect class="period" x="{_pct(x0)}" y="{_n(mid - 6)}" '
                f'width="{_pct(max(min(x_until, end_x) - x0, 0.4))}" height="12" rx="3" '
                f'fill="url(#uncertain)"/>'
            )
        if fact.ongoing:
            parts.append(
                f'<line x1="{_pct(end_x - 1)}" y1="{_n(mid)}" x2="{_pct(end_x + 0.6)}" '
                f'y2="{_n(mid)}" stroke="{ACCENT}" stroke-width="2" marker-end="url(#arrow)"/>'
            )
    if fact.anchor:
        parts.append("</a>")
    parts.append("</g>")
    return "".join(parts)


def _interval_row(mark: IntervalMark, x, y: float, right: float) -> str:
    line_y = y + 30
    w_from, w_until = x(mark.warning_from), x(mark.warning_until + dt.timedelta(days=1))
    if mark.action_from is not None:
        a_from = x(mark.action_from)
        a_until = x((mark.action_until or mark.action_from) + dt.timedelta(days=1))
    else:
        a_from = a_until = right
    color = SEVERITY[4] if mark.is_open else INK
    parts = [
        f'<g class="interval" data-open="{str(mark.is_open).lower()}" '
        f'data-warning-from="{mark.warning_from.isoformat()}"'
        + (f' data-action-from="{mark.action_from.isoformat()}"' if mark.action_from else "")
        + ">",
        f"<title>Warning to first action: {escape(mark.text)}</title>",
        _text(
            0, y + 12, f"Warning to first action: {mark.text}", size=12, weight="700", fill=color
        ),
    ]
    # Certain part: from the last possible warning day to the first possible action day.
    solid_from, solid_to = min(w_until, a_from), max(w_until, a_from)
    parts.append(
        f'<line x1="{_pct(solid_from)}" y1="{_n(line_y)}" x2="{_pct(solid_to)}" '
        f'y2="{_n(line_y)}" stroke="{color}" stroke-width="3"/>'
    )
    # Uncertain parts: the periods the two dates may fall in.
    for a, b in ((w_from, w_until), (a_from, a_until)):
        if b - a > 0.05:
            parts.append(
                f'<line x1="{_pct(a)}" y1="{_n(line_y)}" x2="{_pct(b)}" y2="{_n(line_y)}" '
                f'stroke="{color}" stroke-width="3" stroke-dasharray="3 3"/>'
            )
    for cap in (w_from, a_until):
        parts.append(
            f'<line x1="{_pct(cap)}" y1="{_n(line_y - 8)}" x2="{_pct(cap)}" '
            f'y2="{_n(line_y + 8)}" stroke="{color}" stroke-width="2"/>'
        )
    parts.append("</g>")
    return "".join(parts)
