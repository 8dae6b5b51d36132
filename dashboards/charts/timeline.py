"""The situation's time axis: warning signs, engagements and the warning-to-action interval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import dateformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import ACCENT, GRID, INK, MUTED, SEVERITY, _fluid_svg, _label, _n, _pct, _text


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
                ticks.append((day, dateformat.format(day, "Y" if step >= 12 else "M Y")))
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
    empty: str = gettext_lazy("No warning signs or engagements yet."),
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
                [_text(0, 24, empty, fill=MUTED)],
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
    for lane, lane_label in (("warning", _("Warning signs")), ("engagement", _("Engagements"))):
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
        "<title>"
        + escape(_("Warning to first action: %(interval)s") % {"interval": mark.text})
        + "</title>",
        _text(
            0,
            y + 12,
            _("Warning to first action: %(interval)s") % {"interval": mark.text},
            size=12,
            weight="700",
            fill=color,
        ),
    ]
    # Certain part: from the last possible warning day to the first possible action day.
    solid_from, solid_to = min(w_until, a_from), max(w_until, a_from)
    parts.append(
        f'<line x1="{_pct(solid_from)}" y1="{_n(line_y)}" x2="{_pct(solid_to)}" '
        f'y2="{_n(line_y)}" stroke="{color}" stroke-width="3"/>'
    )
    # Uncertain parts: the periods the two dates may fall in.
    uncertain = (
        (w_from, w_until, mark.warning_from != mark.warning_until),
        (a_from, a_until, mark.action_from is not None and mark.action_from != mark.action_until),
    )
    for a, b, is_period in uncertain:
        if is_period:
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
