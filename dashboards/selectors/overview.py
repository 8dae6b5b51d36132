"""Figures of the overview: open situations, open alerts and the warning-to-action interval.

The interval figures read the rows the alerts app's recompute stores (``IntervalSummary``: each
situation's interval beside what the overview groups and filters by; ``UnansweredWarning``);
nothing here recomputes an interval. They are as fresh as the last recompute, which runs after
each save for its situation and on schedule; who may see a situation is checked on the situation
as it is now.

**Which value the figures use.** A date known only to a month or a year makes the interval a range
of days, stored as ``days_min``–``days_max``. Medians, 90th percentiles and the shares "within 7 /
30 days" use the **midpoint** of that range (for dates known to the day both bounds are equal, so the
midpoint is the interval itself). The tables add the median of the lower and of the upper bounds,
so the reader sees how much the imprecision could move the median.

**Shares.** A situation counts as answered within N days when its first action came within N days
(midpoint). The denominator is every situation whose outcome at N days is known: answered ones,
and unanswered ones whose warning is already N days old; a warning still younger than N days is
left out until it is decided.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from alerts.choices import ACTIVE_STATUSES, AlertStatus
from alerts.models import Alert, IntervalSummary, MeasureSettings, UnansweredWarning
from alerts.services import milestones, summary
from alerts.services.sql import DaysBetween
from cases.choices import CrisisType, Instrument, Region, RiskLevel, Severity, SituationStatus
from cases.dates import Period
from cases.models import Situation
from cases.sharing import Clearance, restrict_to_clearance

from ..filters import SituationFilters
from ..tables import DATE, DAYS, NUMBER, PERCENT, Column, Table
from .common import label, visible, visible_situations

SHARE_DAYS = summary.SHARE_DAYS
GROUPINGS = {
    "region": ("Region", Region),
    "crisis_type": ("Crisis type", CrisisType),
    "instrument": ("Instrument of first action", Instrument),
    "year": ("Year of first warning", None),
}


# --- Open situations and open alerts ---------------------------------------------------------


def open_situations_by_region(clearance: Clearance, filters: SituationFilters) -> Table:
    """Situations not closed, per region and risk level (one query)."""
    rows = (
        visible_situations(clearance, filters)
        .exclude(status=SituationStatus.CLOSED)
        .order_by()
        .values("region")
        .annotate(
            total=Count("pk"),
            **{
                f"risk_{level.value}": Count("pk", filter=Q(risk_level=level))
                for level in RiskLevel
            },
        )
        .order_by("region")
    )
    table_rows = [{**row, "region_label": label(Region, row["region"])} for row in rows]
    columns = [Column("region_label", "Region")]
    columns += [Column(f"risk_{level.value}", f"{level.label} risk", NUMBER) for level in RiskLevel]
    columns.append(Column("total", "Open situations", NUMBER))
    return Table(
        key="open-situations",
        caption="Open situations by region and risk level",
        columns=columns,
        rows=table_rows,
        note="Every situation whose status is not Closed.",
    )


def open_alerts_by_level(clearance: Clearance, filters: SituationFilters) -> Table:
    """Alerts still needing attention, per level: open and acknowledged (one query)."""
    counts = {
        row["level"]: row
        for row in visible(
            Alert.objects.filter(status__in=ACTIVE_STATUSES), clearance, filters, "situation"
        )
        .order_by()
        .values("level")
        .annotate(
            # Counting a column of the (status, level) index (never NULL), not the id:
            # PostgreSQL then counts from the index alone.
            open=Count("level", filter=Q(status=AlertStatus.OPEN)),
            acknowledged=Count("level", filter=Q(status=AlertStatus.ACKNOWLEDGED)),
        )
    }
    # Every level is shown, highest first, also those without alerts.
    rows = []
    for level in sorted(Severity, reverse=True):
        found = counts.get(level.value, {})
        rows.append(
            {
                "level": level.value,
                "level_label": level.label,
                "open": found.get("open", 0),
                "acknowledged": found.get("acknowledged", 0),
                "total": found.get("open", 0) + found.get("acknowledged", 0),
            }
        )
    return Table(
        key="open-alerts",
        caption="Open alerts by level",
        columns=[
            Column("level_label", "Level"),
            Column("open", "Open", NUMBER),
            Column("acknowledged", "Acknowledged", NUMBER),
            Column("total", "Needing action", NUMBER),
        ],
        rows=rows,
        note="Acknowledged alerts still need action until they are resolved.",
    )


# --- The warning-to-action interval -----------------------------------------------------------


def interval_rows(clearance: Clearance, filters: SituationFilters | None) -> QuerySet:
    """The stored summary rows the viewer may see: one per situation with a first warning.

    The clearance is applied to the situation itself, as it is now (``cases.sharing``); the
    filters' region, crisis type and risk to the values the recompute stored, and the years to
    the situation's warning signs, as they are now.
    """
    rows = restrict_to_clearance(IntervalSummary.objects.all(), clearance, "situation")
    if filters is not None:
        rows = rows.filter(filters.situation_q("situation_id"))
    return rows


def _unfiltered(filters: SituationFilters | None) -> bool:
    data = (
        filters.cleaned_data
        if filters is not None and filters.is_bound and filters.is_valid()
        else {}
    )
    return all(data.get(name) in (None, "") for name in SituationFilters.situation_fields)


def interval_figures(clearance: Clearance, filters: SituationFilters | None) -> dict:
    """The interval figures: ``{"overall": row, grouping: [row per group], …}`` (one query).

    Staff without a filter read the figures the recompute stored over every situation. Any other
    view computes them from the summary rows it may see, by the same SQL
    (``alerts.services.summary``): counts, shares, median and 90th percentile of the midpoints,
    medians of the bounds.
    """
    if clearance.unrestricted and _unfiltered(filters):
        stored = summary.stored_figures()
        if stored is not None:
            return stored
    inner_sql, params = (
        interval_rows(clearance, filters)
        .order_by()
        .values(*summary.ROW_COLUMNS)
        .query.sql_with_params()
    )
    return summary.compute_figures(f"({inner_sql})", params)


def _with_shares(row: dict) -> dict:
    for days in SHARE_DAYS:
        decided = row.get(f"decided_{days}") or 0
        row[f"share_{days}"] = (row[f"within_{days}"] / decided) if decided else None
    return row


def interval_overall(clearance: Clearance, filters: SituationFilters) -> dict:
    """Median, 90th percentile and shares over every visible situation (one query)."""
    return _with_shares(interval_figures(clearance, filters)["overall"])


INTERVAL_COLUMNS = [
    Column("rows", "Situations with a warning", NUMBER),
    Column("answered", "Answered", NUMBER),
    Column("open", "Unanswered", NUMBER),
    Column("median", "Median (days)", DAYS),
    Column("p90", "90th percentile (days)", DAYS),
    Column("median_low", "Median, earliest dates (days)", DAYS),
    Column("median_high", "Median, latest dates (days)", DAYS),
    Column("share_7", "Action within 7 days", PERCENT),
    Column("share_30", "Action within 30 days", PERCENT),
]


def _interval_table(grouping: str, rows: list[dict]) -> Table:
    heading, enum = GROUPINGS[grouping]
    for row in rows:
        _with_shares(row)
        row["group_label"] = label(enum, row["group"]) if enum else str(row["group"])
    columns = [Column("group_label", heading), *INTERVAL_COLUMNS]
    if grouping == "instrument":
        columns = [c for c in columns if c.key not in ("open",)]
    return Table(
        key=f"interval-by-{grouping.replace('_', '-')}",
        caption=f"Warning-to-action interval by {heading[0].lower() + heading[1:]}",
        columns=columns,
        rows=rows,
    )


def interval_by(clearance: Clearance, filters: SituationFilters, grouping: str) -> Table:
    """The interval figures per region, crisis type, instrument of first action or year."""
    GROUPINGS[grouping]  # an unknown grouping is a KeyError, as it always was
    return _interval_table(grouping, interval_figures(clearance, filters)[grouping])


def interval_tables(
    clearance: Clearance, filters: SituationFilters
) -> tuple[dict, dict[str, Table]]:
    """The overview's interval figures: the row over all situations and one table per grouping
    (one query)."""
    figures = interval_figures(clearance, filters)
    overall = _with_shares(figures.pop("overall"))
    return overall, {g: _interval_table(g, figures[g]) for g in GROUPINGS}


# --- Milestone targets (7-1-7) -------------------------------------------------------------------

TARGET_GROUPINGS = {
    "region": ("Region", Region),
    "crisis_type": ("Crisis type", CrisisType),
    "year": ("Year of first warning", None),
}
_TARGET_WORDS = {"detect": "Detect", "notify": "Notify", "respond": "Respond"}
_OUTCOME_WORDS = {
    milestones.Outcome.MET: "met",
    milestones.Outcome.MISSED: "missed",
    milestones.Outcome.CANNOT_TELL: "cannot tell",
}


def _outcome_key(target: str, outcome: str) -> str:
    return f"{target}_{outcome.replace('-', '_')}"


def _target_columns() -> list[Column]:
    """Per target: met, missed and cannot tell, each as "count (share)" on the page; counts and
    shares as numbers in the CSV."""
    columns = [Column("situations", "Situations with a warning", NUMBER)]
    for target in milestones.TARGETS:
        for outcome in milestones.OUTCOMES:
            key = _outcome_key(target, outcome)
            title = f"{_TARGET_WORDS[target]}: {_OUTCOME_WORDS[outcome]}"
            columns += [
                Column(f"{key}_text", title, in_csv=False),
                Column(key, title, NUMBER, on_page=False),
                Column(f"{key}_share", f"{title} (share)", PERCENT, on_page=False),
            ]
    return columns


def _with_target_shares(row: dict) -> dict:
    total = row.get("situations") or 0
    for target in milestones.TARGETS:
        for outcome in milestones.OUTCOMES:
            key = _outcome_key(target, outcome)
            count = row.get(key) or 0
            share = count / total if total else None
            row[f"{key}_share"] = share
            row[f"{key}_text"] = f"{count:,}" + (f" ({round(share * 100)}%)" if total else "")
    return row


def targets_caption(targets: dict[str, int]) -> str:
    """The section heading: "Targets: detect 7 · notify 1 · respond 7" (days)."""
    return "Targets: " + " · ".join(f"{name} {targets[name]}" for name in milestones.TARGETS)


def target_tables(
    clearance: Clearance, filters: SituationFilters | None, *, today: dt.date | None = None
) -> tuple[dict[str, int], Table, dict[str, Table]]:
    """The share of situations meeting, missing and not telling each milestone target, over
    every situation the viewer may see and by region, crisis type and year of the first warning
    (a fixed number of queries over the stored bounds and the settings, whatever the number of
    situations: one, or for staff without a filter the counts kept for the day)."""
    rows_sql, params = (
        interval_rows(clearance, filters)
        .order_by()
        .values("situation_id", "region", "crisis_type", "warning_year")
        .query.sql_with_params()
    )
    every = clearance.unrestricted and _unfiltered(filters)
    # Staff without a filter read the counts kept for the day (counted once, then kept until a
    # recompute changes what they count); any other view counts the rows it may see.
    shares = (milestones.stored_target_shares(today) if every else None) or (
        milestones.target_shares(rows_sql, params, today=today, store=every)
    )
    targets = shares["targets"]
    columns = _target_columns()
    note = (
        f"Met: within {targets['detect']}, {targets['notify']} and {targets['respond']} days at "
        "the latest dates allow; missed: beyond them at the earliest, or the milestone is still "
        "missing past its target; cannot tell: the dates' precision (or a date not known) "
        "leaves both possible. Never a guess."
    )
    overall = Table(
        key="targets-overall",
        caption="Milestone targets, all situations",
        columns=[Column("group_label", "Situations"), *columns],
        rows=[{"group_label": "All", **_with_target_shares(shares["overall"])}],
        note=note,
        extra={"targets": targets},
    )
    by = {}
    for grouping, (heading, enum) in TARGET_GROUPINGS.items():
        rows = shares[grouping]
        for row in rows:
            _with_target_shares(row)
            row["group_label"] = label(enum, row["group"]) if enum else str(row["group"])
        by[grouping] = Table(
            key=f"targets-by-{grouping.replace('_', '-')}",
            caption=f"Milestone targets by {heading[0].lower() + heading[1:]}",
            columns=[Column("group_label", heading), *columns],
            rows=rows,
        )
    return targets, overall, by


def unanswered_warnings(
    clearance: Clearance,
    filters: SituationFilters,
    *,
    limit: int | None = None,
    today: dt.date | None = None,
) -> Table:
    """Situations with a warning sign still unanswered, the longest wait first (one query).

    Warning signs below the measure's threshold severity are left out. The wait is counted from
    the oldest unanswered warning, as a range when its date is a month or a year.
    """
    today = today or timezone.localdate()
    threshold = MeasureSettings.load().threshold_severity
    today_value = Value(today)
    # Aggregated per situation id alone, then joined to the situation for its title and labels:
    # grouping by the joined text columns sorted every open warning row with its title (wide,
    # spilling to disk at 100k situations) instead of one narrow row per situation.
    per_situation = (
        visible(
            UnansweredWarning.objects.filter(severity__gte=threshold),
            clearance,
            filters,
            "situation",
        )
        .order_by()
        .values("situation_id")
        .annotate(
            # A column of the covering index (never NULL), not the id: read from the index alone.
            warnings=Count("severity"),
            top_severity=Max("severity"),
            since=Min("warning_from"),
            since_until=Min("warning_until"),
            days_low=Greatest(DaysBetween(today_value, Min("warning_until")), Value(0)),
            days_high=DaysBetween(today_value, Min("warning_from")),
        )
    )
    rows = _joined_to_situations(per_situation, None if limit is None else limit + 1)
    more = 0
    if limit is not None and len(rows) > limit:
        rows, more = rows[:limit], 1
    for row in rows:
        row["region_label"] = label(Region, row["region"])
        row["risk_label"] = label(RiskLevel, row["risk"])
        row["severity_label"] = label(Severity, row["top_severity"])
        row["url"] = reverse("dashboards:situation", args=[row["slug"]])
        # The oldest warning's period: a month's or a year's bounds print as that month or year.
        row["since"] = Period.of(row["since"], row.pop("since_until"))
        low, high = row["days_low"], row["days_high"]
        row["wait"] = f"{low:,}" if low == high else f"{low:,}–{high:,}"
    return Table(
        key="unanswered",
        caption="Situations with an unanswered warning, longest wait first",
        columns=[
            Column("title", "Situation", link="url"),
            Column("region_label", "Region"),
            Column("risk_label", "Risk"),
            Column("warnings", "Unanswered warnings", NUMBER),
            Column("severity_label", "Highest severity"),
            Column("since", "Oldest warning", DATE),
            Column("wait", "Waiting (days)", in_csv=False),
            Column("days_low", "Waiting at least (days)", DAYS, on_page=False),
            Column("days_high", "Waiting at most (days)", DAYS, on_page=False),
        ],
        rows=rows,
        more=more,
        note=f"Warning signs of {Severity(threshold).label.lower()} severity or above with no "
        f"engagement started since; waits counted to {today:%-d %B %Y}.",
        extra={"threshold": threshold},
    )


def _joined_to_situations(per_situation: QuerySet, limit: int | None) -> list[dict]:
    """The grouped rows of ``per_situation`` (already narrowed by clearance and filters) with each
    situation's title, slug, region and risk, the longest wait first (one query)."""
    quote = connection.ops.quote_name
    inner_sql, params = per_situation.query.sql_with_params()
    situation = Situation._meta.db_table
    sql = (
        f"SELECT t.*, s.{quote('title')} AS {quote('title')}, s.{quote('slug')} AS {quote('slug')},"
        f" s.{quote('region')} AS {quote('region')}, s.{quote('risk_level')} AS {quote('risk')}"
        f" FROM ({inner_sql}) t INNER JOIN {quote(situation)} s"
        f" ON s.{quote('id')} = t.{quote('situation_id')}"
        f" ORDER BY t.{quote('since')} ASC, s.{quote('title')} ASC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, record, strict=True)) for record in cursor.fetchall()]
