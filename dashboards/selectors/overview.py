"""Figures of the overview: open situations, open alerts and the warning-to-action interval.

The interval figures read the rows the alerts app's recompute stores (``IntervalSummary``: each
situation's interval beside what the overview groups and filters by; ``UnansweredWarning``);
nothing here recomputes an interval. They are as fresh as the last recompute, which runs after
each save for its situation and on schedule; who may see a situation is checked on the situation
as it is now.

**Ranges, never midpoints (issue 13).** A date known only to a month or a year makes the interval
a range of days, stored as ``days_min``–``days_max``. A median or a 90th percentile is therefore
shown as a range: from the percentile of the lower bounds to the percentile of the upper bounds
(one number when every date is known to the day). Beside it, the median of the intervals known to
within N days (``MeasureSettings.known_within_days``, default 31: one end known to its month
still counts, a year-only date does not), with the count left out.

**Shares.** "Action within N days" is *met* only when the upper bound is within N days, *missed*
only when the lower bound is past N (answered late, or unanswered for longer), and otherwise
*cannot tell*: at the dates' precision, with the interval unknown (answered through a link to an
undated engagement), or not yet (unanswered, younger than N days). The three add up to the
situations with a warning; the share is the range from the met alone to the met and the untold.

**Counts.** Every situation with a first warning is answered (with days), answered with the
interval unknown (only through a link to an undated engagement), or unanswered: the three add up.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alerts.choices import ACTIVE_STATUSES, AlertStatus
from alerts.models import (
    Alert,
    IntervalSummary,
    MeasureSettings,
    SituationInterval,
    UnansweredWarning,
)
from alerts.services import milestones, summary
from cases.choices import (
    CLOCK_STOPPING_STATUSES,
    CrisisType,
    Instrument,
    Region,
    RiskLevel,
    Severity,
    SituationStatus,
)
from cases.dates import Period, period_end_sql
from cases.models import Situation
from cases.sharing import Clearance, restrict_to_clearance

from ..filters import SituationFilters
from ..tables import (
    DATE,
    DAYS,
    NUMBER,
    PERCENT,
    Column,
    Table,
    day_range,
    iso_column,
    share_range,
)
from .common import label, visible, visible_situations

SHARE_DAYS = summary.SHARE_DAYS
# Per grouping: its heading, its choices and the HXL hashtag of its column.
GROUPINGS = {
    "region": (_("Region"), Region, "#region+name"),
    "crisis_type": (_("Crisis type"), CrisisType, "#crisis+type"),
    "instrument": (_("Instrument of first action"), Instrument, "#activity+type+first_action"),
    "year": (_("Year of first warning"), None, "#date+year+first_warning"),
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
    columns = [Column("region_label", _("Region"), hxl="#region+name")]
    columns += [
        Column(
            f"risk_{level.value}",
            gettext("%(level)s risk") % {"level": level.label},
            NUMBER,
            hxl=f"#indicator+num+open+risk_{level.name.lower()}",
        )
        for level in RiskLevel
    ]
    columns.append(Column("total", _("Open situations"), NUMBER, hxl="#indicator+num+open+total"))
    return Table(
        key="open-situations",
        caption=_("Open situations by region and risk level"),
        columns=columns,
        rows=table_rows,
        note=_("Every situation whose status is not Closed."),
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
        caption=_("Open alerts by level"),
        columns=[
            Column("level_label", _("Level"), hxl="#severity+name+alert"),
            Column("open", _("Open"), NUMBER, hxl="#indicator+num+alerts+open"),
            Column(
                "acknowledged", _("Acknowledged"), NUMBER, hxl="#indicator+num+alerts+acknowledged"
            ),
            Column("total", _("Needing action"), NUMBER, hxl="#indicator+num+alerts+total"),
        ],
        rows=rows,
        note=_("Acknowledged alerts still need action until they are resolved."),
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
    (``alerts.services.summary``): counts; met, missed and cannot tell per share; median and 90th
    percentile of the lower and of the upper bounds; the median known to within N days.
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


def _with_texts(row: dict) -> dict:
    """A figures row as the page prints it: each median and 90th percentile as the range from
    that of the lower bounds to that of the upper bounds (one number when they agree), the
    median known to within N days with the count left out, and per share the situations met,
    missed and that cannot be told, with the share as a range from the met alone to the met
    and the untold (issue 13: never a midpoint, never a guess)."""
    for name in ("median", "p90", "known_median"):
        row[f"{name}_text"] = day_range(row[f"{name}_low"], row[f"{name}_high"])
    row["left_out"] = row["answered"] - row["known"]
    for days in SHARE_DAYS:
        met, missed, untold = (row[f"{kind}_{days}"] for kind in summary.SHARE_KINDS)
        decided = met + missed + untold
        row[f"decided_{days}"] = decided
        row[f"share_{days}_low"] = met / decided if decided else None
        row[f"share_{days}_high"] = (met + untold) / decided if decided else None
        row[f"share_{days}_text"] = share_range(row[f"share_{days}_low"], row[f"share_{days}_high"])
        row[f"outcome_{days}_text"] = gettext(
            "%(met)s met · %(missed)s missed · %(untold)s cannot tell"
        ) % {"met": met, "missed": missed, "untold": untold}
    return row


def interval_overall(clearance: Clearance, filters: SituationFilters) -> dict:
    """The ranges, the median known to within N days and the shares over every visible
    situation (one query)."""
    return _with_texts(interval_figures(clearance, filters)["overall"])


def interval_columns(known_days: int) -> list[Column]:
    """The interval tables' columns. On the page a median or a percentile is one range ("0–364");
    the CSV has its two ends as numbers."""
    known = {"days": known_days}
    # HXL: every figure an #indicator+num; +days for the intervals in days, +pct for shares
    # (as fractions), +low/+high for the figure over the lower/upper bounds of the ranges.
    days_of = "#indicator+num+days"
    columns = [
        Column("rows", _("Situations with a warning"), NUMBER, hxl="#indicator+num+situations"),
        Column("answered", _("Answered"), NUMBER, hxl="#indicator+num+answered"),
        Column(
            "answered_unknown",
            _("Answered, interval unknown"),
            NUMBER,
            hxl="#indicator+num+answered+interval_unknown",
        ),
        Column("open", _("Unanswered"), NUMBER, hxl="#indicator+num+unanswered"),
        Column("median_text", _("Median (days)"), in_csv=False),
        Column(
            "median_low",
            _("Median of the lower bounds (days)"),
            DAYS,
            on_page=False,
            hxl=f"{days_of}+median+low",
        ),
        Column(
            "median_high",
            _("Median of the upper bounds (days)"),
            DAYS,
            on_page=False,
            hxl=f"{days_of}+median+high",
        ),
        Column("p90_text", _("90th percentile (days)"), in_csv=False),
        Column(
            "p90_low",
            _("90th percentile of the lower bounds (days)"),
            DAYS,
            on_page=False,
            hxl=f"{days_of}+p90+low",
        ),
        Column(
            "p90_high",
            _("90th percentile of the upper bounds (days)"),
            DAYS,
            on_page=False,
            hxl=f"{days_of}+p90+high",
        ),
        Column(
            "known_median_text",
            gettext("Median, known to within %(days)s days (days)") % known,
            in_csv=False,
        ),
        Column(
            "known",
            gettext("Answered, known to within %(days)s days") % known,
            NUMBER,
            on_page=False,
            hxl=f"#indicator+num+answered+known_within_{known_days}",
        ),
        Column(
            "left_out",
            gettext("Left out: not known to within %(days)s days") % known,
            NUMBER,
            hxl=f"#indicator+num+answered+left_out_{known_days}",
        ),
        Column(
            "known_median_low",
            gettext("Median, known to within %(days)s days: lower bounds") % known,
            DAYS,
            on_page=False,
            hxl=f"{days_of}+median+known_within_{known_days}+low",
        ),
        Column(
            "known_median_high",
            gettext("Median, known to within %(days)s days: upper bounds") % known,
            DAYS,
            on_page=False,
            hxl=f"{days_of}+median+known_within_{known_days}+high",
        ),
    ]
    for days in SHARE_DAYS:
        within = f"#indicator+num+within_{days}"
        n = {"days": days}
        columns += [
            Column(
                f"outcome_{days}_text", gettext("Action within %(days)s days") % n, in_csv=False
            ),
            Column(
                f"met_{days}",
                gettext("Within %(days)s days: met") % n,
                NUMBER,
                on_page=False,
                hxl=f"{within}+met",
            ),
            Column(
                f"missed_{days}",
                gettext("Within %(days)s days: missed") % n,
                NUMBER,
                on_page=False,
                hxl=f"{within}+missed",
            ),
            Column(
                f"cannot_tell_{days}",
                gettext("Within %(days)s days: cannot tell") % n,
                NUMBER,
                on_page=False,
                hxl=f"{within}+cannot_tell",
            ),
            Column(
                f"share_{days}_low",
                gettext("Within %(days)s days: share, at least") % n,
                PERCENT,
                on_page=False,
                hxl=f"{within}+pct+met+low",
            ),
            Column(
                f"share_{days}_high",
                gettext("Within %(days)s days: share, at most") % n,
                PERCENT,
                on_page=False,
                hxl=f"{within}+pct+met+high",
            ),
        ]
    return columns


def _interval_table(grouping: str, rows: list[dict], known_days: int) -> Table:
    heading, enum, hxl = GROUPINGS[grouping]
    for row in rows:
        _with_texts(row)
        row["group_label"] = label(enum, row["group"]) if enum else str(row["group"])
    columns = [Column("group_label", heading, hxl=hxl), *interval_columns(known_days)]
    if grouping == "instrument":
        # Only situations with a dated first action have an instrument.
        columns = [c for c in columns if c.key not in ("open", "answered_unknown")]
    return Table(
        key=f"interval-by-{grouping.replace('_', '-')}",
        caption=_("Warning-to-action interval by %(grouping)s")
        % {"grouping": heading[0].lower() + heading[1:]},
        columns=columns,
        rows=rows,
    )


def known_days(figures: dict) -> int:
    """The N of "known to within N days" the figures were computed with."""
    overall = figures.get("overall")
    return overall["known_days"] if overall else summary.KNOWN_WITHIN_DEFAULT


def interval_by(clearance: Clearance, filters: SituationFilters, grouping: str) -> Table:
    """The interval figures per region, crisis type, instrument of first action or year."""
    GROUPINGS[grouping]  # an unknown grouping is a KeyError, as it always was
    figures = interval_figures(clearance, filters)
    return _interval_table(grouping, figures[grouping], known_days(figures))


def interval_tables(
    clearance: Clearance, filters: SituationFilters
) -> tuple[dict, dict[str, Table]]:
    """The overview's interval figures: the row over all situations and one table per grouping
    (one query)."""
    figures = interval_figures(clearance, filters)
    days = known_days(figures)
    overall = _with_texts(figures.pop("overall"))
    return overall, {g: _interval_table(g, figures[g], days) for g in GROUPINGS}


# --- Milestone targets (7-1-7) -------------------------------------------------------------------

TARGET_GROUPINGS = {
    "region": (_("Region"), Region, "#region+name"),
    "crisis_type": (_("Crisis type"), CrisisType, "#crisis+type"),
    "year": (_("Year of first warning"), None, "#date+year+first_warning"),
}
_TARGET_WORDS = {"detect": _("Detect"), "notify": _("Notify"), "respond": _("Respond")}
_TARGET_NAMES = {"detect": _("detect"), "notify": _("notify"), "respond": _("respond")}
_OUTCOME_WORDS = {
    milestones.Outcome.MET: _("met"),
    milestones.Outcome.MISSED: _("missed"),
    milestones.Outcome.CANNOT_TELL: _("cannot tell"),
}


def _outcome_key(target: str, outcome: str) -> str:
    return f"{target}_{outcome.replace('-', '_')}"


def _target_columns() -> list[Column]:
    """Per target: met, missed and cannot tell, each as "count (share)" on the page; counts and
    shares as numbers in the CSV."""
    columns = [
        Column(
            "situations", _("Situations with a warning"), NUMBER, hxl="#indicator+num+situations"
        )
    ]
    for target in milestones.TARGETS:
        for outcome in milestones.OUTCOMES:
            key = _outcome_key(target, outcome)
            title = gettext("%(target)s: %(outcome)s") % {
                "target": _TARGET_WORDS[target],
                "outcome": _OUTCOME_WORDS[outcome],
            }
            columns += [
                Column(f"{key}_text", title, in_csv=False),
                Column(key, title, NUMBER, on_page=False, hxl=f"#indicator+num+{key}"),
                Column(
                    f"{key}_share",
                    gettext("%(title)s (share)") % {"title": title},
                    PERCENT,
                    on_page=False,
                    hxl=f"#indicator+num+pct+{key}",
                ),
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
    return _("Targets: %(targets)s") % {
        "targets": " · ".join(
            f"{_TARGET_NAMES[name]} {targets[name]}" for name in milestones.TARGETS
        )
    }


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
    note = _(
        "Met: within %(detect)s, %(notify)s and %(respond)s days at "
        "the latest dates allow; missed: beyond them at the earliest, or the milestone is still "
        "missing past its target; cannot tell: the dates' precision (or a date not known) "
        "leaves both possible. Never a guess."
    ) % {"detect": targets["detect"], "notify": targets["notify"], "respond": targets["respond"]}
    overall = Table(
        key="targets-overall",
        caption=_("Milestone targets, all situations"),
        columns=[Column("group_label", _("Situations"), hxl="#meta+subset"), *columns],
        rows=[{"group_label": gettext("All"), **_with_target_shares(shares["overall"])}],
        note=note,
        extra={"targets": targets},
    )
    by = {}
    for grouping, (heading, enum, hxl) in TARGET_GROUPINGS.items():
        rows = shares[grouping]
        for row in rows:
            _with_target_shares(row)
            row["group_label"] = label(enum, row["group"]) if enum else str(row["group"])
        by[grouping] = Table(
            key=f"targets-by-{grouping.replace('_', '-')}",
            caption=_("Milestone targets by %(grouping)s")
            % {"grouping": heading[0].lower() + heading[1:]},
            columns=[Column("group_label", heading, hxl=hxl), *columns],
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
    the oldest unanswered warning, as a range when its date is a month or a year, to today — or,
    when the situation's clock stopped (closed, de-escalated, or measured as of its report), to
    the stop (issue 13), which is then named beside it.
    """
    today = today or timezone.localdate()
    threshold = MeasureSettings.load().threshold_severity
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
        )
    )
    rows = _joined_to_situations(per_situation, today, None if limit is None else limit + 1)
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
        row["stopped"] = Period.of(row.pop("stopped_from"), row.pop("stopped_until"))
        low, high = row["days_low"], row["days_high"]
        row["wait"] = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        if row["stopped"] is not None:
            row["wait"] += f" (clock stopped {row['stopped']})"
    return Table(
        key="unanswered",
        caption=_("Situations with an unanswered warning, longest wait first"),
        columns=[
            Column("title", _("Situation"), link="url", hxl="#crisis+name"),
            Column("region_label", _("Region"), hxl="#region+name"),
            Column("risk_label", _("Risk"), hxl="#severity+risk"),
            Column("warnings", _("Unanswered warnings"), NUMBER, hxl="#indicator+num+unanswered"),
            Column("severity_label", _("Highest severity"), hxl="#severity+warning+highest"),
            Column("since", _("Oldest warning"), DATE, hxl="#meta+warning+oldest+text"),
            iso_column("since", _("Oldest warning"), "#date+warning+oldest"),
            Column("wait", _("Waiting (days)"), in_csv=False),
            Column(
                "days_low",
                _("Waiting at least (days)"),
                DAYS,
                on_page=False,
                hxl="#indicator+num+days+waiting+low",
            ),
            Column(
                "days_high",
                _("Waiting at most (days)"),
                DAYS,
                on_page=False,
                hxl="#indicator+num+days+waiting+high",
            ),
            Column(
                "stopped", _("Clock stopped"), DATE, on_page=False, hxl="#meta+clock_stopped+text"
            ),
            iso_column("stopped", _("Clock stopped"), "#date+clock_stopped"),
        ],
        rows=rows,
        more=more,
        note=_(
            "Warning signs of %(severity)s severity or above with no "
            "engagement started since; waits counted to %(today)s, or to the day the "
            "situation's clock stopped (closed, de-escalated, or measured as of the report it is "
            "drawn from)."
        )
        % {"severity": Severity(threshold).label.lower(), "today": date_format(today, "j F Y")},
        extra={"threshold": threshold, "situations": rows[0]["situations"] if rows else 0},
    )


# The first and the last day of the period a situation's clock stopped in (``SituationInterval``
# keeps the last; the first is the status date at its precision when the stop is that status,
# else the report's issue date), as ``alerts.selectors.measured_to`` reads them.
_STOP_SQL = """
CASE WHEN s.{status} = ANY(%s) AND {status_end} = i.{stopped_on} THEN s.{status_on}
     ELSE i.{stopped_on} END
"""


def _joined_to_situations(per_situation: QuerySet, today: dt.date, limit: int | None) -> list[dict]:
    """The grouped rows of ``per_situation`` (already narrowed by clearance and filters) with each
    situation's title, slug, region and risk, and the wait to ``today`` or to the stop of the
    situation's clock (its stored interval), the longest wait first (one query)."""
    quote = connection.ops.quote_name
    inner_sql, params = per_situation.query.sql_with_params()
    situation = Situation._meta.db_table
    interval = SituationInterval._meta.db_table
    stop_from = _STOP_SQL.format(
        status=quote("status"),
        status_on=quote("status_on"),
        stopped_on=quote("stopped_on"),
        status_end=period_end_sql(f"s.{quote('status_on')}", f"s.{quote('status_precision')}"),
    )
    sql = (
        # ``situations``: every row's count before the LIMIT (the page shows the first ones).
        f"SELECT u.*, count(*) OVER () AS {quote('situations')}, "
        "greatest(least(coalesce(u.stopped_from, %s::date), %s::date) "
        f"- u.{quote('since_until')}, 0) AS {quote('days_low')}, "
        "greatest(least(coalesce(u.stopped_until, %s::date), %s::date) "
        f"- u.{quote('since')}, 0) AS {quote('days_high')} FROM ("
        f"SELECT t.*, s.{quote('title')} AS {quote('title')}, s.{quote('slug')} AS {quote('slug')},"
        f" s.{quote('region')} AS {quote('region')}, s.{quote('risk_level')} AS {quote('risk')},"
        f" ({stop_from}) AS stopped_from, i.{quote('stopped_on')} AS stopped_until"
        f" FROM ({inner_sql}) t INNER JOIN {quote(situation)} s"
        f" ON s.{quote('id')} = t.{quote('situation_id')}"
        f" LEFT JOIN {quote(interval)} i ON i.{quote('situation_id')} = t.{quote('situation_id')}"
        f" AND i.{quote('is_stopped')}) u"
        f" ORDER BY {quote('days_high')} DESC, u.{quote('since')} ASC, u.{quote('title')} ASC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    stopping = [str(status) for status in CLOCK_STOPPING_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(sql, [today, today, today, today, stopping, *params])
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, record, strict=True)) for record in cursor.fetchall()]
