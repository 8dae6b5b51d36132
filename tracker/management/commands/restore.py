"""``manage.py restore FILE``: the tracker's database as a backup left it (``pg_restore``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker import backup, database


class Command(BaseCommand):
    help = (
        "Restore the tracker's database from FILE, made by 'manage.py backup': every table the "
        "backup holds is replaced, in one transaction (all or nothing). Stop the tracker first; "
        "run 'manage.py migrate' after restoring a backup of an older release."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A backup made by 'manage.py backup'")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation",
        )
        parser.add_argument(
            "--database-url",
            help="Restore into this PostgreSQL database instead of the tracker's own",
        )

    def handle(self, *args, file: Path, interactive: bool, database_url: str | None, **options):
        try:
            target = (
                backup.Target.from_url(database_url)
                if database_url
                else backup.Target.from_settings(settings.DATABASES["default"])
            )
        except backup.BackupError as error:
            raise CommandError(f"restore: {error}") from None
        into = f"database {target.name}" if database_url else database.describe()
        if not Path(file).is_file():
            raise CommandError(f"restore: {file} is not a file")
        if interactive:
            answer = input(f"Replace the data of {into} by the backup {file}? Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("restore: not confirmed, nothing was changed")
        try:
            tables = backup.restore(target, file)
        except backup.BackupError as error:
            raise CommandError(f"restore: {error}") from None
        self.stdout.write(f"Restored {into} from {file} ({tables} tables).")
