"""Recompute the warning-to-action intervals and evaluate the alert rules now, in this process
(what the worker does on schedule), and print what they say."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from cases.sharing import Clearance

from ... import selectors, services


class Command(BaseCommand):
    help = (
        "Recompute the warning-to-action intervals, evaluate the alert rules and print the "
        "intervals and the open alerts (notifications are queued for the worker)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="Recompute every interval, not only the changed"
        )
        parser.add_argument("--quiet", action="store_true", help="Print the summary line only")

    def handle(self, *args, full: bool, quiet: bool, **options) -> None:
        recompute = services.recompute_intervals(full=full)
        evaluation = services.evaluate_rules()
        self.stdout.write(
            f"Intervals: {recompute.mode} run, {recompute.situation_rows} situation and "
            f"{recompute.indicator_rows} warning-sign rows changed. Alerts: "
            + (
                ", ".join(f"{n} {kind}" for kind, n in sorted(evaluation.transitions.items()))
                or "no change"
            )
            + f"; {len(evaluation.notification_ids)} notification(s) queued."
        )
        if quiet:
            return
        internal = Clearance.internal()
        self.stdout.write(
            f"\nWarning-to-action intervals (threshold: {recompute.threshold_severity}):"
        )
        rows = selectors.situation_intervals(internal).order_by("situation__title")
        for row in rows:
            warning = row.first_warning
            action = row.first_action
            self.stdout.write(
                f"- {row.situation.title}: {row.interval_display}"
                + (
                    f" | first warning {warning.observed_display} ({warning.get_severity_display()})"
                    if warning
                    else ""
                )
                + (f" | first action {action.started_display}: {action.title}" if action else "")
            )
        self.stdout.write("\nOpen and acknowledged alerts:")
        for alert in selectors.alerts(internal, active_only=True).order_by(
            "situation__title", "-level"
        ):
            self.stdout.write(
                f"- [{alert.get_level_display()}] {alert.situation.title} — {alert.rule.name}: "
                f"{alert.message}"
            )
