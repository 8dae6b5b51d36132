"""Bars: horizontal (one per group, optionally stacked) and columns over the years."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    ACCENT,
    GRID,
    INK,
    MUTED,
    PLOT_RIGHT,
    _clip,
    _fluid_svg,
    _fmt,
    _n,
    _on,
    _pct,
    _text,
    legend,
    nice_scale,
)


@dataclass
class Bar:
    label: str
    value: float | None
    whisker: float | None = None
    color: str = ACCENT
    note: str = ""
    # A figure over ranges is itself a range: ``value``–``value_high`` (drawn pale beyond
    # ``value``) and ``whisker``–``whisker_high``. None: a single number.
    value_high: float | None = None
    whisker_high: float | None = None

    @property
    def top(self) -> float | None:
        return self.value_high if self.value_high is not None else self.value

    @property
    def whisker_top(self) -> float | None:
        return self.whisker_high if self.whisker_high is not None else self.whisker


def _range(low: float | None, high: float | None, unit: str = "") -> str:
    """``low``–``high`` as the chart prints it; one number when they agree."""
    if high is None or _fmt(low) == _fmt(high):
        return _fmt(low, unit)
    return f"{_fmt(low)}–{_fmt(high, unit)}"


PALE = "66"  # alpha appended to a colour for the uncertain part of a range


@dataclass
class Segment:
    key: str
    label: str
    color: str


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
    value_label: str = gettext_lazy("median"),
) -> SafeString:
    """One horizontal bar per group; an optional whisker marks a second value (e.g. p90).

    Each group's label sits above its bar and its figures below it: side by side they overlapped
    in a phone's width (390 pixels)."""
    row, top = 58, 4
    values = [b.top or 0 for b in bars] + [b.whisker_top or 0 for b in bars]
    ticks = nice_scale(max(values, default=0), 4)
    top_value = ticks[-1]
    base = top + row * max(len(bars), 1) + 2
    body = _axis(ticks, top_value, top, base)
    if not bars:
        body.append(_text(0, top + 22, _("No data for these filters"), fill=MUTED))

    def x(value: float) -> float:
        return value / top_value * PLOT_RIGHT

    for i, bar in enumerate(bars):
        y = top + i * row
        figures = _range(bar.value, bar.value_high, unit) if bar.value is not None else _("no data")
        if bar.whisker is not None and whisker_label:
            figures += f" · {whisker_label} {_range(bar.whisker, bar.whisker_high)}"
        if bar.note:
            figures += f" · {bar.note}"
        body.append(
            f'<g class="bar" data-label="{escape(bar.label)}" data-value="{_fmt(bar.value)}">'
            f"<title>{escape(bar.label)}: {escape(figures)}</title>"
        )
        body.append(_text(0, y + 13, _clip(bar.label, 28), size=13, weight="600"))
        body.append(_text(_pct(PLOT_RIGHT), y + 48, figures, anchor="end", size=12, fill=MUTED))
        if bar.value is not None:
            body.append(
                f'<rect x="0" y="{_n(y + 19)}" width="{_pct(max(x(bar.value), 0.4))}" '
                f'height="14" rx="2" fill="{bar.color}"/>'
            )
            if bar.top is not None and bar.top > bar.value:
                # The range the dates leave: from the value at the lower bounds to the upper.
                body.append(
                    f'<rect class="range" x="{_pct(x(bar.value))}" y="{_n(y + 19)}" '
                    f'width="{_pct(x(bar.top) - x(bar.value))}" height="14" '
                    f'fill="{bar.color}{PALE}"/>'
                )
        if bar.whisker is not None:
            x0, x1, x2 = x(bar.top or 0), x(bar.whisker), x(bar.whisker_top)
            body.append(
                f'<line x1="{_pct(x0)}" y1="{_n(y + 26)}" x2="{_pct(x2)}" y2="{_n(y + 26)}" '
                f'stroke="{INK}" stroke-width="1.5"/>'
            )
            for tick in sorted({x1, x2}):
                body.append(
                    f'<line x1="{_pct(tick)}" y1="{_n(y + 20)}" x2="{_pct(tick)}" '
                    f'y2="{_n(y + 32)}" stroke="{INK}" stroke-width="2"/>'
                )
        body.append("</g>")
    svg = _fluid_svg(base + 22, label, body, "bar-chart")
    items = [(value_label, ACCENT, "swatch-bar")]
    if any(b.top is not None and b.value is not None and b.top > b.value for b in bars):
        items.append(
            (
                _("%(value)s: range the dates leave") % {"value": value_label},
                ACCENT + PALE,
                "swatch-bar",
            )
        )
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
        body.append(_text(0, top + 22, _("No data for these filters"), fill=MUTED))
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


def column_chart(
    rows: Sequence[dict],
    *,
    label_key: str,
    value_key: str,
    whisker_key: str | None,
    label: str,
    unit: str = "",
    value_label: str = gettext_lazy("median"),
    whisker_label: str = "",
    value_high_key: str | None = None,
    whisker_high_key: str | None = None,
) -> SafeString:
    """Vertical columns in order (years): the value as a column, the whisker as a dash above.
    With ``value_high_key`` the value is a range: the column reaches the lower end, a pale part
    the upper; with ``whisker_high_key`` a second dash marks the whisker's upper end."""
    height, top, bottom, left = 220, 18, 26, 7.0  # left: per cent kept for the axis labels
    plot_h = height - top - bottom

    def high(r: dict, key: str | None, low_key: str | None):
        value = r.get(key) if key else None
        return value if value is not None else (r.get(low_key) if low_key else None)

    values = [high(r, value_high_key, value_key) or 0 for r in rows] + [
        high(r, whisker_high_key, whisker_key) or 0 for r in rows
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
        body.append(_text(_pct(left + 2), top + 24, _("No data for these filters"), fill=MUTED))
    slot = (100 - left) / max(len(rows), 1)
    bar_w = min(10.0, slot * 0.55)
    for i, r in enumerate(rows):
        cx = left + slot * (i + 0.5)
        value, whisker = r.get(value_key), r.get(whisker_key) if whisker_key else None
        value_top, whisker_top = (
            high(r, value_high_key, value_key),
            high(r, whisker_high_key, whisker_key),
        )
        name = str(r.get(label_key, ""))
        text = _range(value, value_top, unit) if value is not None else _("no answered warning")
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
            if value_top is not None and value_top > value:
                h = max(value_top * scale, 1.5)
                body.append(
                    f'<rect class="range" x="{_pct(cx - bar_w / 2)}" '
                    f'y="{_n(top + plot_h - h)}" width="{_pct(bar_w)}" '
                    f'height="{_n((value_top - value) * scale)}" fill="{ACCENT}{PALE}"/>'
                )
            body.append(
                _text(
                    _pct(cx),
                    top + plot_h - h - 5,
                    _range(value, value_top),
                    anchor="middle",
                    size=12,
                    weight="600",
                )
            )
        else:
            body.append(
                _text(_pct(cx), top + plot_h - 6, "–", anchor="middle", size=12, fill=MUTED)
            )
        for mark in sorted({w for w in (whisker, whisker_top) if w is not None}):
            wy = top + plot_h - mark * scale
            body.append(
                f'<line x1="{_pct(cx - bar_w / 2)}" y1="{_n(wy)}" x2="{_pct(cx + bar_w / 2)}" '
                f'y2="{_n(wy)}" stroke="{INK}" stroke-width="2" stroke-dasharray="4 2"/>'
            )
        body.append(_text(_pct(cx), height - 8, name, anchor="middle", size=12, fill=MUTED))
        body.append("</g>")
    svg = _fluid_svg(height, label, body, "column-chart")
    items = [(value_label, ACCENT, "swatch-bar")]
    if value_high_key and any(
        r.get(value_key) is not None and high(r, value_high_key, value_key) > r[value_key]
        for r in rows
    ):
        items.append(
            (
                _("%(value)s: range the dates leave") % {"value": value_label},
                ACCENT + PALE,
                "swatch-bar",
            )
        )
    if whisker_key and whisker_label:
        items.append((whisker_label, INK, "swatch-dash"))
    return mark_safe(svg + legend(items))
