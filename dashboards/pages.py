"""What each page shows: its tables (the CSV downloads) and the charts drawn from them.

Views stay thin: they bind the filters, call a page builder here and render. The CSV view calls
the same table builders, so a download always holds what the page shows, under the same filters
and the same clearance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alerts.services import milestones
from cases.choices import RiskLevel, Severity
from cases.dates import period_end
from cases.sharing import Clearance

from . import charts
from .filters import AlertFilters, ElementFilters, SituationFilters
from .selectors import alerts as alert_selectors
from .selectors import elements as element_selectors
from .selectors import overview, situations
from .selectors import reviews as review_selectors
from .selectors import situation as situation_selectors
from .tables import Table


@dataclass
class Figure:
    """A chart and the table that is its text alternative."""

    key: str
    title: str
    svg: SafeString
    table: Table
    description: str = ""


def _bars(table: Table, label_key: str = "group_label") -> list[charts.Bar]:
    return [
        charts.Bar(
            label=str(row[label_key]),
            value=row.get("median_low"),
            value_high=row.get("median_high"),
            whisker=row.get("p90_low"),
            whisker_high=row.get("p90_high"),
            note=f"n={row.get('answered', 0)}",
        )
        for row in table.rows
    ]


# --- Overview ------------------------------------------------------------------------------------


def interval_overall_table(clearance: Clearance, filters: SituationFilters) -> Table:
    return _overall_table(overview.interval_overall(clearance, filters))


def _overall_table(row: dict) -> Table:
    return Table(
        key="interval-overall",
        caption=_("Warning-to-action interval, all situations"),
        columns=overview.interval_columns(row["known_days"]),
        rows=[row],
    )


def overview_intervals(
    clearance: Clearance, filters: SituationFilters
) -> tuple[Table, dict[str, Table]]:
    """The overview's interval tables: all situations, then one per grouping (one query over
    the summary the interval recompute stores; per viewer's clearance and filters)."""
    overall, by = overview.interval_tables(clearance, filters)
    return _overall_table(overall), by


def overview_page(clearance: Clearance, filters: SituationFilters) -> dict:
    situations_table = overview.open_situations_by_region(clearance, filters)
    alerts_table = overview.open_alerts_by_level(clearance, filters)
    overall, by = overview_intervals(clearance, filters)
    unanswered = overview.unanswered_warnings(clearance, filters, limit=15)
    threshold = unanswered.extra["threshold"]
    targets, targets_overall, targets_by = overview.target_tables(clearance, filters)

    risk_segments = [
        charts.Segment(f"risk_{level.value}", f"{level.label}", charts.SEVERITY[level.value])
        for level in RiskLevel
    ]
    level_colors = {
        row["level_label"]: [charts.SEVERITY[row["level"]], charts.SEVERITY[row["level"]] + "80"]
        for row in alerts_table.rows
    }
    figures = [
        Figure(
            "open-situations",
            _("Open situations by region and risk"),
            charts.stacked_bar_chart(
                situations_table.rows,
                label_key="region_label",
                segments=risk_segments,
                label=_("Stacked bars: open situations per region, split by risk level"),
            ),
            situations_table,
        ),
        Figure(
            "open-alerts",
            _("Open alerts by level"),
            charts.stacked_bar_chart(
                alerts_table.rows,
                label_key="level_label",
                segments=[
                    charts.Segment("open", _("Open"), charts.INK),
                    charts.Segment("acknowledged", _("Acknowledged"), charts.MUTED + "80"),
                ],
                row_colors=level_colors,
                legend_items=[
                    (_("Open (full colour)"), charts.SEVERITY[3]),
                    (_("Acknowledged (pale)"), charts.SEVERITY[3] + "80"),
                ],
                label=_("Bars: alerts needing action per level, open and acknowledged"),
            ),
            alerts_table,
        ),
    ]
    interval_figures = []
    for grouping, (heading, *_rest) in overview.GROUPINGS.items():
        table = by[grouping]
        if grouping == "year":
            svg = charts.column_chart(
                [{**r, "group_label": str(r["group"])} for r in table.rows],
                label_key="group_label",
                value_key="median_low",
                value_high_key="median_high",
                whisker_key="p90_low",
                whisker_high_key="p90_high",
                unit=" " + str(_("days")),
                whisker_label=_("90th percentile"),
                label=_(
                    "Columns: median warning-to-action interval per year of the first "
                    "warning, from the median of the lower bounds (full) to that of the upper bounds "
                    "(pale); dashes mark the 90th percentile's bounds"
                ),
            )
            title = _("Trend by year of the first warning")
        else:
            svg = charts.bar_chart(
                _bars(table),
                unit=" " + str(pgettext_lazy("unit: days, abbreviated", "d")),
                whisker_label=pgettext_lazy("90th percentile, abbreviated", "p90"),
                label=_(
                    "Bars: median warning-to-action interval in days by %(grouping)s, from the "
                    "median of the lower bounds (full) to that of the upper bounds (pale); "
                    "whiskers mark the 90th percentile's bounds"
                )
                % {"grouping": heading.lower()},
            )
            title = _("By %(grouping)s") % {"grouping": heading[0].lower() + heading[1:]}
        interval_figures.append(Figure(table.key, title, svg, table))

    kpi = overall.rows[0]
    return {
        "figures": figures,
        "interval_figures": interval_figures,
        "overall": overall,
        "kpi": kpi,
        "open_situations": sum(r["total"] for r in situations_table.rows),
        "open_alerts": sum(r["total"] for r in alerts_table.rows),
        "unanswered": unanswered,
        "threshold_label": Severity(threshold).label.lower(),
        "targets": targets,
        "targets_caption": overview.targets_caption(targets),
        "targets_overall": targets_overall,
        "targets_tables": list(targets_by.values()),
    }


# --- Situations list ------------------------------------------------------------------------------


def situations_table(
    clearance: Clearance, filters: SituationFilters, page: int | None = 1
) -> Table:
    return situations.situation_list(clearance, filters, page=page)


# --- Situation page --------------------------------------------------------------------------------


def _timeline(picture: situation_selectors.SituationPicture) -> SafeString:
    facts = []
    for indicator in picture.indicators:
        facts.append(
            charts.Span(
                key=str(indicator.pk),
                lane="warning",
                label=f"{indicator.get_severity_display()} · {indicator.get_category_display()}"
                f" — {indicator.observed_display}",
                start=indicator.observed_on,
                start_until=period_end(indicator.observed_on, indicator.observed_precision),
                color=charts.SEVERITY[indicator.severity],
                anchor=f"fact-{indicator.pk}",
                title=f"{indicator.observed_display}: {indicator.description}",
                unanswered=hasattr(indicator, "unanswered"),
            )
        )
    undated = [e for e in picture.engagements if e.started_on is None]
    for engagement in picture.engagements:
        if engagement.started_on is None:
            continue  # no place on a time axis; listed in the table as "date not given"
        ongoing = engagement.ended_on is None
        lead = engagement.lead_actor.acronym or engagement.lead_actor.name
        facts.append(
            charts.Span(
                key=str(engagement.pk),
                lane="engagement",
                label=f"{engagement.title} ({lead}) — {engagement.started_display}",
                start=engagement.started_on,
                start_until=period_end(engagement.started_on, engagement.started_precision),
                end=engagement.ended_until,
                ongoing=ongoing,
                color=charts.ACCENT,
                anchor=f"fact-{engagement.pk}",
                title=(
                    _("%(instrument)s, %(start)s – %(end)s")
                    % {
                        "instrument": engagement.get_instrument_display(),
                        "start": engagement.started_display,
                        "end": engagement.ended_display,
                    }
                    if engagement.ended_on
                    else _("%(instrument)s, %(start)s, no end recorded")
                    % {
                        "instrument": engagement.get_instrument_display(),
                        "start": engagement.started_display,
                    }
                ),
            )
        )
    interval = picture.interval
    mark = None
    if interval is not None and interval.warning_from is not None:
        mark = charts.IntervalMark(
            warning_from=interval.warning_from,
            warning_until=interval.warning_until,
            action_from=interval.action_from,
            action_until=interval.action_until,
            text=interval.interval_display,
            is_open=interval.is_open,
        )
    return charts.timeline(
        facts,
        interval=mark,
        today=timezone.localdate(),
        empty=_(
            "No dated warning signs or engagements yet: the engagements listed below have no "
            "start date."
        )
        if undated
        else _("No warning signs or engagements yet."),
        label=_(
            "Timeline of %(situation)s: %(warnings)d warning signs and %(engagements)d "
            "engagements; the bracket marks the warning-to-action interval"
        )
        % {
            "situation": picture.situation.title,
            "warnings": len(picture.indicators),
            "engagements": len(picture.engagements) - len(undated),
        }
        + (
            _("; %(undated)d engagements without a start date are not drawn")
            % {"undated": len(undated)}
            if undated
            else ""
        ),
    )


def situation_page(clearance: Clearance, slug: str) -> dict:
    picture = situation_selectors.picture(clearance, slug)
    tables = situation_tables(clearance, picture)
    assessments = tables["assessments"]
    heat = charts.heatmap(
        assessments.rows,
        row_label=lambda r: r["title"],
        columns=[(e.code, e.label) for e in picture.elements],
        label=_("Heat map: the engagements of %(situation)s rated on the six elements")
        % {"situation": picture.situation.title},
    )
    return {
        "picture": picture,
        "situation": picture.situation,
        "interval": picture.interval,
        "timeline": Figure(
            "timeline",
            _("Warning signs and engagements over time"),
            _timeline(picture),
            tables["events"],
        ),
        "tables": tables,
        "heatmap": Figure("assessments", _("Assessment on the six elements"), heat, assessments),
        "reviews": tables["follow-ups"].extra["reviews"],
        "follow_ups": tables["follow-ups"],
        # A first response recorded or a target missed, and no review held yet
        # (``review_selectors.review_due_q``).
        "review_due": (
            bool(picture.interval and picture.interval.first_action_id)
            or milestones.Outcome.MISSED in tables["milestones"].extra["outcomes"].values()
        )
        and not tables["follow-ups"].extra["reviews"],
    }


def situation_tables(clearance: Clearance, picture) -> dict[str, Table]:
    reviews = review_selectors.situation_reviews(picture.situation, picture.elements)
    follow_ups = review_selectors.follow_ups_table(reviews)
    follow_ups.extra["reviews"] = reviews
    return {
        "follow-ups": follow_ups,
        "events": situation_selectors.events_table(picture),
        "actors": situation_selectors.actors_and_roles(picture.situation),
        "alerts": situation_selectors.alerts_table(picture),
        "milestones": situation_selectors.milestones_table(picture),
        "assessments": element_selectors.heatmap(
            clearance, None, picture.elements, situation=picture.situation, page_size=None
        ),
    }


# --- Success elements -----------------------------------------------------------------------------


def elements_page(clearance: Clearance, filters: ElementFilters, page: int) -> dict:
    element_list = element_selectors.elements()
    heat = element_selectors.heatmap(clearance, filters, element_list, page=page)
    ratings = element_selectors.ratings_by_element(clearance, filters, element_list)
    weakest = {
        g: element_selectors.weakest_by(clearance, filters, element_list, g)
        for g in element_selectors.GROUPINGS
    }
    columns = [(e.code, e.label) for e in element_list]
    figures = [
        Figure(
            "heatmap",
            _("Engagements × the six elements"),
            charts.heatmap(
                heat.rows,
                row_label=lambda r: f"{r['title']} — {r['situation']}",
                columns=columns,
                label=_("Heat map: each engagement's rating on the six elements for success"),
            ),
            heat,
        ),
        Figure(
            "ratings",
            _("Ratings by element"),
            charts.stacked_bar_chart(
                ratings.rows,
                label_key="element",
                segments=[
                    charts.Segment(f"rating_{r}", name, charts.RATING[r])
                    for r, name in ((0, "Absent"), (1, "Weak"), (2, "Adequate"), (3, "Strong"))
                ],
                label=_(
                    "Stacked bars: how often each element was rated absent, weak, adequate "
                    "or strong"
                ),
            ),
            ratings,
        ),
    ]
    for grouping, table in weakest.items():
        figures.append(
            Figure(
                table.key,
                _("Weakest elements by %(grouping)s")
                % {"grouping": element_selectors.GROUPINGS[grouping][0].lower()},
                charts.heatmap(
                    table.rows,
                    row_label=lambda r: r["group_label"],
                    columns=columns,
                    decimals=1,
                    highlight=lambda r: r["weakest_codes"],
                    label=_("Heat map: mean rating of each element by %(grouping)s")
                    % {"grouping": element_selectors.GROUPINGS[grouping][0].lower()},
                ),
                table,
            )
        )
    return {
        "figures": figures,
        "heat": heat,
        "element_list": element_list,
        "reviews_due": review_selectors.reviews_due(clearance, filters),
    }


# --- Alerts queue ---------------------------------------------------------------------------------


def alerts_page(clearance: Clearance, filters: AlertFilters) -> dict:
    return {"queue": alert_selectors.queue_table(clearance, filters)}


# --- CSV exports: every table, by key ---------------------------------------------------------------

Export = tuple[type[SituationFilters], Callable[[Clearance, SituationFilters], Table]]

EXPORTS: dict[str, Export] = {
    "open-situations": (SituationFilters, overview.open_situations_by_region),
    "open-alerts": (SituationFilters, overview.open_alerts_by_level),
    "interval-overall": (SituationFilters, interval_overall_table),
    **{
        f"interval-by-{g.replace('_', '-')}": (
            SituationFilters,
            lambda c, f, g=g: overview.interval_by(c, f, g),
        )
        for g in overview.GROUPINGS
    },
    "unanswered": (SituationFilters, lambda c, f: overview.unanswered_warnings(c, f, limit=None)),
    "targets-overall": (SituationFilters, lambda c, f: overview.target_tables(c, f)[1]),
    **{
        f"targets-by-{g.replace('_', '-')}": (
            SituationFilters,
            lambda c, f, g=g: overview.target_tables(c, f)[2][g],
        )
        for g in overview.TARGET_GROUPINGS
    },
    "situations": (SituationFilters, lambda c, f: situations_table(c, f, page=None)),
    "heatmap": (
        ElementFilters,
        lambda c, f: element_selectors.heatmap(c, f, element_selectors.elements(), page_size=None),
    ),
    "ratings": (
        ElementFilters,
        lambda c, f: element_selectors.ratings_by_element(c, f, element_selectors.elements()),
    ),
    **{
        f"weakest-by-{g}": (
            ElementFilters,
            lambda c, f, g=g: element_selectors.weakest_by(c, f, element_selectors.elements(), g),
        )
        for g in element_selectors.GROUPINGS
    },
    "alerts": (AlertFilters, lambda c, f: alert_selectors.queue_table(c, f, limit=None)),
    "reviews-due": (
        ElementFilters,
        lambda c, f: review_selectors.reviews_due(c, f, limit=None),
    ),
}

SITUATION_EXPORTS = ("events", "actors", "alerts", "assessments", "milestones", "follow-ups")


def export_url(key: str, query: str = "", slug: str | None = None) -> str:
    if slug:
        url = reverse("dashboards:situation-export", args=[slug, key])
    else:
        url = reverse("dashboards:export", args=[key])
    return f"{url}?{query}" if query else url
