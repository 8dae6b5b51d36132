"""Tables: what a page shows under each chart, and exactly what its CSV download contains."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils.text import format_lazy, slugify

from cases.dates import PartialDate, Period, precision_of_period

# How a column's values are shown on the page (the CSV keeps the raw value). A DATE column holds a
# ``PartialDate`` or a ``Period`` (two bounds), printed at its precision on the page and in the CSV
# alike ("12 April 2010", "April 2010", "2010"), or a text such as "date not given".
TEXT, NUMBER, DAYS, PERCENT, DATE, RATING = "text", "number", "days", "percent", "date", "rating"
# An ISO_DATE column (in the CSV only) gives a DATE column's value in ISO 8601 at its precision
# ("2010-04-12", "2010-04", "2010": never a month as its first day), for machines and for HXL's
# #date, whose every value must be a date; empty when the value is a span of several days,
# months or years, or words ("date not given"): the DATE column beside it has those.
ISO_DATE = "iso-date"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    # Row key holding a URL: the cell becomes a link (page only).
    link: str = ""
    # Row key holding a list of paragraph citations shown under the cell (page only).
    citations: str = ""
    # False: in the CSV only (its content is shown in another column on the page).
    on_page: bool = True
    # False: on the page only (a readable summary of columns the CSV has as numbers).
    in_csv: bool = True
    # The column's HXL hashtag and attributes ("#country+code", "#indicator+num+days+low"): the
    # row the HXL CSV adds under the header. Every column in the CSV declares one here, beside its
    # label, so a new column cannot be left out of the HXL (tests/dashboards/test_hxl.py).
    hxl: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in (NUMBER, DAYS, PERCENT, RATING)


@dataclass
class Table:
    key: str
    caption: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str = ""
    # Rows the page leaves out for length (the CSV has them all).
    more: int = 0
    csv_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def page_columns(self) -> list[Column]:
        return [column for column in self.columns if column.on_page]

    def cells(self):
        """Rows as lists of (column, value) for templates."""
        columns = self.page_columns
        for row in self.rows:
            yield row, [(column, row.get(column.key)) for column in columns]


def hxl_attribute(text: str) -> str:
    """A code as an HXL attribute (lower-case letters, digits and "_", a letter first):
    "early-warning" -> "early_warning"."""
    attribute = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return attribute if attribute[:1].isalpha() else f"x{attribute}"


def format_days(value: float) -> str:
    """Days as the page prints them: whole days without decimals, else one decimal, grouped."""
    value = round(float(value), 1)  # interpolated percentiles carry float noise
    return f"{int(value):,}" if value.is_integer() else f"{value:,.1f}"


def day_range(low: float | None, high: float | None) -> str:
    """A figure over ranges of days, from its value at the lower bounds to its value at the upper
    bounds ("0–364"); one number when the two agree, "–" when there is none."""
    if low is None or high is None:
        return "–"
    low_text, high_text = format_days(low), format_days(high)
    return low_text if low_text == high_text else f"{low_text}–{high_text}"


def share_range(low: float | None, high: float | None) -> str:
    """A share known between two bounds ("20–45%"; "25%" when they agree; "–" for none)."""
    if low is None or high is None:
        return "–"
    if math.isclose(low, high):
        return f"{round(low * 100)}%"
    # Rounded outwards: the printed range always holds the share.
    low_text, high_text = math.floor(low * 100 + 1e-9), math.ceil(high * 100 - 1e-9)
    return f"{low_text}%" if low_text == high_text else f"{low_text}–{high_text}%"


def iso_column(key: str, label: str, hxl: str) -> Column:
    """The ISO 8601 twin of the DATE column ``key`` (``ISO_DATE``), in the CSV only."""
    return Column(key, format_lazy("{} (ISO 8601)", label), ISO_DATE, on_page=False, hxl=hxl)


def iso_date(value: Any) -> str:
    """A date at its precision in ISO 8601 ("2010-04" for April 2010); "" for a span that is not
    one calendar day, month or year, or for words."""
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, Period):
        precision = precision_of_period(value.start, value.until)
        return PartialDate(value.start, precision).iso() if precision else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return ""


def csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, PartialDate | Period):
        return str(value)  # at its precision, as on the page: never a month as its first day
    if isinstance(value, dt.date):
        return value.isoformat()
    # A spreadsheet runs cells that start with these as formulas (CSV injection).
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_cell(row: dict[str, Any], column: Column) -> Any:
    value = row.get(column.key)
    return iso_date(value) if column.kind == ISO_DATE else csv_value(value)


def csv_response(table: Table, filename_hint: str = "", *, hxl: bool = False) -> HttpResponse:
    """The table as CSV; with ``hxl`` as HXL: the same rows, with the columns' HXL hashtags in a
    row under the header (https://hxlstandard.org/standard/1-1final/)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = slugify(filename_hint or table.key) or "table"
    suffix = ".hxl.csv" if hxl else ".csv"
    response["Content-Disposition"] = f'attachment; filename="{name}{suffix}"'
    columns = [column for column in table.columns if column.in_csv]
    writer = csv.writer(response)
    writer.writerow([column.label for column in columns])
    if hxl:
        writer.writerow([column.hxl for column in columns])
    writer.writerows([_csv_cell(row, column) for column in columns] for row in table.rows)
    return response
