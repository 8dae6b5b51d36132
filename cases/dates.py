"""Dates at the precision the source gives: a day, a month or a year.

A partial date is stored as two columns: the first day of its period and its precision. A month is
never shown or computed as if it were its first day: ``period_end`` gives the last day, and interval
arithmetic takes both ends.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Func
from django.utils.formats import date_format

from .choices import DatePrecision


@dataclass(frozen=True)
class PartialDate:
    start: dt.date
    precision: str = DatePrecision.DAY

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read ``2010``, ``2010-06`` or ``2010-06-10``."""
        parts = str(text).strip().split("-")
        try:
            numbers = [int(p) for p in parts]
            if len(numbers) == 1:
                return cls(dt.date(numbers[0], 1, 1), DatePrecision.YEAR)
            if len(numbers) == 2:
                return cls(dt.date(numbers[0], numbers[1], 1), DatePrecision.MONTH)
            if len(numbers) == 3:
                return cls(dt.date(*numbers), DatePrecision.DAY)
        except ValueError:
            pass
        raise ValueError(f"not a date in YYYY, YYYY-MM or YYYY-MM-DD form: {text!r}")

    @property
    def end(self) -> dt.date:
        return period_end(self.start, self.precision)

    def __str__(self) -> str:
        return format_partial_date(self.start, self.precision)

    def iso(self) -> str:
        if self.precision == DatePrecision.YEAR:
            return f"{self.start:%Y}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.start:%Y-%m}"
        return self.start.isoformat()


def normalise(day: dt.date, precision: str) -> dt.date:
    """The first day of the period that ``day`` falls in."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


def period_end(start: dt.date, precision: str) -> dt.date:
    if precision == DatePrecision.YEAR:
        return start.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def format_partial_date(start: dt.date | None, precision: str | None) -> str:
    if start is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{start:%Y}"
    # Django's formats: the month's name in the language of the request ("April 2010",
    # "avril 2010"), English where none is active (jobs, e-mails).
    if precision == DatePrecision.MONTH:
        return date_format(start, "F Y")
    return date_format(start, "j F Y")


def precision_of_period(start: dt.date, until: dt.date) -> str | None:
    """The precision at which the period from ``start`` to ``until`` (both included) is one
    calendar day, month or year; None when it is none of these (a range)."""
    if start == until:
        return DatePrecision.DAY
    for precision in (DatePrecision.MONTH, DatePrecision.YEAR):
        if normalise(start, precision) == start and period_end(start, precision) == until:
            return precision
    return None


def format_period(start: dt.date | None, until: dt.date | None) -> str:
    """A period given by its first and last possible days, at its precision: a day, a month or a
    year prints as ``format_partial_date`` prints it; any other span as its two ends, each at the
    coarsest precision that it starts or ends ("March – May 2010", "2009 – March 2010")."""
    if start is None:
        return ""
    if until is None or until < start:
        until = start
    precision = precision_of_period(start, until)
    if precision is not None:
        return format_partial_date(start, precision)
    first = _coarsest(start, until, at_start=True)
    last = _coarsest(until, start, at_start=False)
    return f"{format_partial_date(*first)} – {format_partial_date(*last)}"


def _coarsest(day: dt.date, other: dt.date, *, at_start: bool) -> tuple[dt.date, str]:
    """The coarsest period that ``day`` starts (``at_start``) or ends and that stays within the
    span from ``day`` to ``other``."""
    for precision in (DatePrecision.YEAR, DatePrecision.MONTH):
        first, last = normalise(day, precision), period_end(day, precision)
        if at_start and first == day and last <= other:
            return first, precision
        if not at_start and last == day and first >= other:
            return first, precision
    return day, DatePrecision.DAY


@dataclass(frozen=True)
class Period:
    """A period given by two bounds (an interval's ``warning_from`` and ``warning_until``): prints
    as the day, month or year it spans, or as a range."""

    start: dt.date
    until: dt.date

    @classmethod
    def of(cls, start: dt.date | None, until: dt.date | None) -> Period | None:
        if start is None:
            return None
        return cls(start, until if until is not None and until >= start else start)

    def __str__(self) -> str:
        return format_period(self.start, self.until)


def period_end_sql(day: str, precision: str) -> str:
    """SQL for the last day of the period of the partial date in columns ``day`` and
    ``precision`` (``period_end`` in the database). The one definition: ``PeriodEnd`` and the
    hand-written interval statements (``alerts.services.intervals``) use it. ``day`` appears three
    times, after ``precision``."""
    return (
        f"(CASE {precision} "
        f"WHEN 'year' THEN (date_trunc('year', {day}) + interval '1 year - 1 day')::date "
        f"WHEN 'month' THEN (date_trunc('month', {day}) + interval '1 month - 1 day')::date "
        f"ELSE {day} END)"
    )


class PeriodEnd(Func):
    """Database expression: the last day of a partial date's period.

    ``PeriodEnd("observed_on", "observed_precision")`` lets interval queries take the upper bound of
    a month- or year-precision date without reading rows into Python.
    """

    output_field = models.DateField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        prec_sql, prec_params = compiler.compile(self.source_expressions[1])
        sql = period_end_sql(date_sql, prec_sql)
        return sql, [*prec_params, *date_params, *date_params, *date_params]
