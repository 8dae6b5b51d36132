from django.core.management.base import BaseCommand

from feed.log import assign_positions, backfill


class Command(BaseCommand):
    help = (
        "Add to the change feed every record it has never seen (after bulk loads that bypass "
        "save()). Idempotent."
    )

    def handle(self, *args, **options):
        counts = backfill()
        positioned = assign_positions()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(f"Recorded {summary}; {positioned} changes positioned.")
