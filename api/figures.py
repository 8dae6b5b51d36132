"""Warning-to-action figures of situations, read from the rows the alerts job stores."""

from __future__ import annotations

from alerts.models import SituationInterval

FIGURE_COLUMNS = (
    "threshold_severity",
    "first_warning_id",
    "first_action_id",
    "warning_from",
    "warning_until",
    "action_from",
    "action_until",
    "days_min",
    "days_max",
    "is_open",
    "is_exact",
    "measured_to",
)


def warning_figures(situation_ids: list) -> dict:
    """``{situation id: figures}`` for those measured; one query, no recomputation."""
    figures = {}
    for row in SituationInterval.objects.filter(situation_id__in=situation_ids).values(
        "situation_id", *FIGURE_COLUMNS
    ):
        situation_id = row.pop("situation_id")
        row["first_warning"] = row.pop("first_warning_id")
        row["first_action"] = row.pop("first_action_id")
        figures[situation_id] = row
    return figures
