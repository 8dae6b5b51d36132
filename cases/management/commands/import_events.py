"""Import an ACLED event file (CSV) into a situation as warning signs."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.event_import import EventImportError, find_situation, import_events


class Command(BaseCommand):
    help = (
        "Import ACLED events (a CSV export with ACLED's column names) into a situation as "
        "warning signs: dates at ACLED's time precision, actors matched by name or created, "
        "each sign citing ACLED and the event's sources. Importing the same file again changes "
        "nothing; an edited event updates its sign. All or nothing: a row it cannot read stops "
        "it, naming the row and column."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, metavar="FILE")
        parser.add_argument("--situation", required=True, help="The situation's slug or id (UUID)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what the import would do and write nothing",
        )

    def handle(self, *args, path: Path, situation: str, dry_run: bool, **options) -> None:
        try:
            result = import_events(path, find_situation(situation), dry_run=dry_run)
        except EventImportError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(result.summary())
