"""Load the seed data drawn from S/2011/552 (fixtures/seed/*.yaml)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.seed import SEED_DIR, SeedError, load_seed


class Command(BaseCommand):
    help = (
        "Load the seed situations, actors, engagements, partner roles, warning signs and "
        "assessments drawn from S/2011/552, each citing its paragraphs. Imports the bundled "
        "report first when it is not in the database. One transaction: any problem in the "
        "files stops the load and nothing is written. Running it again leaves the same rows. "
        "Seeded records someone changed or deleted since are kept as they are, unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory",
            nargs="?",
            type=Path,
            default=SEED_DIR,
            metavar="DIR",
            help=f"directory of *.yaml seed files (default: {SEED_DIR})",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="set seeded records back to the files even where someone changed or deleted "
            "them, and remove partner roles the files do not list",
        )

    def handle(self, *args, directory: Path, reset: bool, **options) -> None:
        try:
            summary = load_seed(directory, reset=reset)
        except SeedError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Seed data from {directory}: {summary.describe()}.")
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Rows created {summary.created}, updated {summary.updated}, "
                f"unchanged {summary.unchanged}, partner roles removed {summary.removed}."
            )
            if summary.kept:
                self.stdout.write(
                    f"{summary.kept} seeded rows changed or deleted since they were seeded were "
                    "kept as they are (--reset sets them back)."
                )
            if summary.undated:
                self.stdout.write(
                    f"{summary.undated} of the engagements have no start date: the report gives "
                    "none, so it is left empty (shown as 'date not given')."
                )
