"""Formatting of dashboard cells: numbers, days, shares, dates, ratings, links and citations."""

from __future__ import annotations

import datetime as dt

from django import template
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cases.choices import DatePrecision
from cases.dates import format_partial_date

from ..charts import fixed_width, rating_color
from ..tables import DATE, DAYS, NUMBER, PERCENT, Column
from ..tables import RATING as RATING_KIND

register = template.Library()


def _number(value: float, decimals: int = 1) -> str:
    # Interpolated percentiles carry float noise (58.00000000000001): round before choosing.
    value = round(float(value), decimals) if not isinstance(value, int) else value
    if isinstance(value, int) or float(value).is_integer():
        return formats.number_format(int(value), force_grouping=True)
    return formats.number_format(round(float(value), decimals), decimals, force_grouping=True)


@register.filter
def days(value) -> str:
    if value is None:
        return "–"
    return _number(value)


@register.filter
def partial_date(value, precision: str | None = None) -> str:
    """A date at its precision ("12 April 2010", "April 2010", "2010"): a ``PartialDate``, a
    ``Period`` (two bounds), or a date with its precision given (``{{ day|partial_date:prec }}``).
    Any other value (a text such as "date not given") prints as it is."""
    if isinstance(value, dt.date):
        return format_partial_date(value, precision or DatePrecision.DAY)
    return "" if value is None else str(value)


@register.filter
def percent(value) -> str:
    if value is None:
        return "–"
    return f"{round(float(value) * 100)}%"


@register.simple_tag
def cell(column: Column, value, row: dict) -> SafeString:
    """One table cell's content, formatted for the page."""
    if column.kind == RATING_KIND:
        if value is None:
            return mark_safe('<span class="rating rating-none" title="not assessed">–</span>')
        # Coloured by its rating in the stylesheet (no inline style: the Content-Security-Policy).
        return format_html('<span class="rating" data-rating="{}">{}</span>', int(value), value)
    if value is None or value == "":
        text = "–" if column.numeric else ""
    elif column.kind == DAYS:
        text = days(value)
    elif column.kind == PERCENT:
        text = percent(value)
    elif column.kind == NUMBER:
        text = _number(value, 2 if isinstance(value, float) else 0)
    elif column.kind == DATE:
        text = partial_date(value)
    elif column.kind == "datetime" and isinstance(value, dt.datetime):
        text = formats.date_format(timezone.localtime(value), "j M Y H:i")
    else:
        text = str(value)
    html = format_html("{}", text)
    if column.link and row.get(column.link):
        html = format_html('<a href="{}">{}</a>', row[column.link], text)
    if column.citations and row.get(column.citations):
        sources = render_to_string(
            "dashboards/_citations.html", {"paragraphs": row[column.citations]}
        )
        # One box, so the text and its sources stay together in the stacked layout of phones.
        html = format_html('<div class="cell-with-sources">{}{}</div>', html, mark_safe(sources))
    return mark_safe(html)


@register.simple_tag
def csv_url(key: str, query: str = "", slug: str = "", hxl: bool = False) -> str:
    """A table's CSV download, or with ``hxl`` its HXL CSV, under the page's filters."""
    suffix = "-hxl" if hxl else ""
    if slug:
        url = reverse(f"dashboards:situation-export{suffix}", args=[slug, key])
    else:
        url = reverse(f"dashboards:export{suffix}", args=[key])
    return f"{url}?{query}" if query else url


@register.filter
def heat(value) -> str:
    """Background colour for a mean rating cell."""
    return rating_color(value) or "transparent"


@register.simple_tag
def page_url(query: str, page: int) -> str:
    data = QueryDict(query, mutable=True)
    data["page"] = str(page)
    return "?" + data.urlencode()


@register.filter
def print_width(svg, width: int = 1000) -> SafeString:
    """A fluid chart scaled for print: drawn ``width`` pixels wide, shrunk to the page with its
    text (``charts.fixed_width``)."""
    return fixed_width(str(svg), width)
