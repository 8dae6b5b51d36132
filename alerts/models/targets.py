"""The overview's milestone target shares over **every** situation, kept for the day.

Staff without a filter read these rows instead of counting every situation again; any other view
(another clearance, a filter) counts the rows it may see when asked
(``alerts.services.milestones``). The rows hold for the day they were counted on and the targets
they were counted against (a new day can turn a missing milestone into a missed target); the
interval recompute removes them whenever it changes a figure they are counted from. Derived data,
written only by ``alerts.services.milestones``.
"""

from __future__ import annotations

from django.db import models


class TargetFigure(models.Model):
    grouping = models.CharField(max_length=16)  # overall, region, crisis_type, year
    group_key = models.CharField(max_length=40, blank=True)  # "" for overall
    situations = models.IntegerField()
    detect_met = models.IntegerField()
    detect_missed = models.IntegerField()
    notify_met = models.IntegerField()
    notify_missed = models.IntegerField()
    respond_met = models.IntegerField()
    respond_missed = models.IntegerField()
    computed_on = models.DateField(help_text="The day the outcomes were counted for")
    detect_days = models.PositiveSmallIntegerField()
    notify_days = models.PositiveSmallIntegerField()
    respond_days = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "overview target figure"
        constraints = [
            models.UniqueConstraint(fields=["grouping", "group_key"], name="target_figure_key")
        ]

    def __str__(self) -> str:
        return f"{self.grouping} {self.group_key}".strip()


__all__ = ["TargetFigure"]
