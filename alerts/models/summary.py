"""The overview's warning-to-action figures, stored by the job that computes the intervals.

One row per situation with a first warning: its interval (as ``SituationInterval`` holds it) next
to every dimension the dashboard overview groups or filters its interval figures by — region,
crisis type and risk level of the situation, instrument of the first action, year of the first
warning. The overview then reads one narrow table, with no join, and computes all its grouped
percentiles in one statement (``dashboards.selectors.overview``).

Why rows and not counts: a summary of counts per group and number of days (from which percentiles
follow by cumulative counts) was measured first. Intervals run from 0 to ~3,400 days, so the
counts barely merge rows: 10,000 situations gave 41,000 count rows (92,000 with the three measured
values apart), and reading them took ten times longer than sorting the rows themselves.

Who may see a situation is *not* stored here: the overview applies the viewer's clearance to the
situation itself, as every other read does (``cases.sharing``), so a change of sharing level or
sharing list counts at once, before any recompute.

Written only by ``alerts.services.summary`` (called by the interval recompute); like the
intervals, the rows are derived data without database constraints.
"""

from __future__ import annotations

from django.db import models

from cases.choices import CrisisType, Instrument, Region, RiskLevel


class IntervalSummary(models.Model):
    # Not deleted with the situation: the recompute that follows removes the row and, in the
    # same statement, recomputes the figures it counted in.
    situation = models.OneToOneField(
        "cases.Situation",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Copied from the situation by the recompute that runs after each of its saves.
    region = models.CharField(max_length=16, choices=Region.choices)
    crisis_type = models.CharField(max_length=40, choices=CrisisType.choices)
    risk_level = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    # The interval's first action: whether there is one, and its instrument.
    acted = models.BooleanField(default=False)
    instrument = models.CharField(max_length=40, choices=Instrument.choices, null=True)
    warning_year = models.SmallIntegerField(help_text="Year of the first warning's first day")
    days_min = models.IntegerField(null=True)
    days_max = models.IntegerField(null=True)
    is_open = models.BooleanField(default=False)

    class Meta:
        verbose_name = "interval summary row"

    def __str__(self) -> str:
        return f"{self.situation_id}: {self.days_min}–{self.days_max} days"


class IntervalFigure(models.Model):
    """The overview's interval figures over **every** situation (what staff see without a
    filter): one row over all of them and one per group of each grouping. Kept by the recompute
    from ``IntervalSummary`` in the statement that writes it, for the groups whose rows changed.

    Any other view (a partner's or the public's clearance, a filter) is computed from
    ``IntervalSummary`` when asked: those figures depend on who is looking.
    """

    grouping = models.CharField(max_length=16)  # overall, region, crisis_type, instrument, year
    group_key = models.CharField(max_length=40, blank=True)  # "" for overall
    rows = models.IntegerField()
    # Answered with days (a range when a date is coarse); answered only through links to
    # undated engagements (no days: neither answered in days nor open); unanswered. They add up
    # to ``rows``.
    answered = models.IntegerField()
    answered_unknown = models.IntegerField()
    open = models.IntegerField()
    # Answered intervals whose range is at most ``known_days`` wide (the setting the figures
    # were computed with: ``MeasureSettings.known_within_days``).
    known = models.IntegerField()
    known_days = models.IntegerField()
    # "Action within N days": met only when the upper bound is within N, missed only when the
    # lower bound is past it; otherwise it cannot be told (at the dates' precision, with the
    # interval unknown, or yet: unanswered and younger than N days). The three add up to rows.
    met_7 = models.IntegerField()
    missed_7 = models.IntegerField()
    cannot_tell_7 = models.IntegerField()
    met_30 = models.IntegerField()
    missed_30 = models.IntegerField()
    cannot_tell_30 = models.IntegerField()
    # Percentiles of the lower bounds and of the upper bounds of the answered intervals (never
    # of midpoints), and the median of the intervals known to within ``known_days``.
    median_low = models.FloatField(null=True)
    median_high = models.FloatField(null=True)
    p90_low = models.FloatField(null=True)
    p90_high = models.FloatField(null=True)
    known_median_low = models.FloatField(null=True)
    known_median_high = models.FloatField(null=True)

    class Meta:
        verbose_name = "overview interval figure"
        constraints = [
            models.UniqueConstraint(fields=["grouping", "group_key"], name="interval_figure_key")
        ]

    def __str__(self) -> str:
        return f"{self.grouping} {self.group_key}".strip()


__all__ = ["IntervalFigure", "IntervalSummary"]
