"""``manage.py backup FILE``: the tracker's database to one file (``pg_dump``, custom format)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker import backup, database


class Command(BaseCommand):
    help = (
        "Back the tracker's database up to FILE (pg_dump's custom format), from DATABASE_URL or "
        "the embedded PostgreSQL; restore it with 'manage.py restore FILE'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file to write")
        parser.add_argument(
            "--replace", action="store_true", help="Replace FILE if it exists (refused otherwise)"
        )
        parser.add_argument(
            "--database-url",
            help="Back up this PostgreSQL database instead of the tracker's own",
        )

    def handle(self, *args, file: Path, replace: bool, database_url: str | None, **options):
        try:
            target = (
                backup.Target.from_url(database_url)
                if database_url
                else backup.Target.from_settings(settings.DATABASES["default"])
            )
            size = backup.backup(target, file, replace=replace)
        except backup.BackupError as error:
            raise CommandError(f"backup: {error}") from None
        source = f"database {target.name}" if database_url else database.describe()
        self.stdout.write(f"Backed up {source} to {file} ({size:,} bytes).")
