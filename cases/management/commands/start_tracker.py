"""Set the tracker up and start it: one command from a fresh clone to a working login.

Every step is idempotent, so the command is also how the tracker is started again later.
"""

from __future__ import annotations

import sys
from io import StringIO

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from tracker import database, jobspec
from tracker.supervisor import ProcessSpec, Supervisor

DEFAULT_ADDRPORT = "127.0.0.1:8000"
# Worker processes per queue on one machine.
WORKER_CONCURRENCY = {
    jobspec.REFRESH_QUEUE: 1,
    jobspec.PERIODIC_QUEUE: 1,
    jobspec.DELIVERIES_QUEUE: 2,
}


def broker_description() -> str:
    """Which broker the worker and the scheduler use, said without credentials."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "var/broker")
        return f"the embedded file-system broker in {folder} (set REDIS_URL to use Redis)"
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def base_url_for(addrport: str) -> str:
    """The URL a browser on this machine uses to reach ``runserver``'s ``addrport``."""
    host, _, port = addrport.rpartition(":")
    if not host:
        host = "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = (
        "Migrate, import the report, load the seed data, create the demo desk-officer login, "
        "collect static files, print the login and run the tracker until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addrport",
            default=DEFAULT_ADDRPORT,
            help=f"Address and port of the web server (default {DEFAULT_ADDRPORT})",
        )
        parser.add_argument(
            "--password", help="Password for the demo login (default: a new one is generated)"
        )
        parser.add_argument(
            "--setup-only",
            action="store_true",
            help="Do every set-up step, print the login, but start no process",
        )

    def process_specs(self, addrport: str) -> list[ProcessSpec]:
        """The long-lived processes of the tracker; all run together and stop together.

        The Celery worker and scheduler use ``CELERY_BROKER_URL``: Redis when ``REDIS_URL`` is
        set, otherwise the embedded file-system broker under ``var/broker`` (no server needed).
        """
        manage = str(settings.BASE_DIR / "manage.py")
        celery = [sys.executable, "-m", "celery", "-A", "tracker"]
        return [
            ProcessSpec(
                name="web",
                # No autoreloader: one process per spec, so stopping it stops the server.
                argv=[sys.executable, manage, "runserver", addrport, "--noreload"],
                cwd=str(settings.BASE_DIR),
            ),
            # One worker per queue (tracker/jobspec.py): a burst of deliveries never delays the
            # refresh a save queued, nor a long sweep either.
            *(
                ProcessSpec(
                    name=f"worker-{queue}",
                    argv=[
                        *celery,
                        "worker",
                        "--loglevel=INFO",
                        "-Q",
                        queue,
                        "-n",
                        f"{queue}@%h",
                        f"--concurrency={concurrency}",
                    ],
                    cwd=str(settings.BASE_DIR),
                )
                for queue, concurrency in WORKER_CONCURRENCY.items()
            ),
            ProcessSpec(
                # The schedule is read from the database (django-celery-beat), editable in the
                # admin under "Periodic tasks".
                name="beat",
                argv=[*celery, "beat", "--loglevel=INFO"],
                cwd=str(settings.BASE_DIR),
            ),
        ]

    def step(self, title: str, command: str, *args, **options) -> None:
        if command not in get_commands():
            raise CommandError(
                f'stopped at "{title}": the {command} management command is not installed'
            )
        self.stdout.write(self.style.MIGRATE_HEADING(f"{title}…"))
        call_command(command, *args, stdout=self.stdout, stderr=self.stderr, **options)

    def handle(self, *args, addrport: str, password: str | None, setup_only: bool, **options):
        verbosity = options["verbosity"]
        base_url = base_url_for(addrport)

        # Without DATABASE_URL this process started the embedded PostgreSQL (tracker/database.py)
        # and owns it: the processes below use it through DATABASE_URL, and it stops when this
        # command ends.
        self.stdout.write(f"Database: {database.describe()}")
        self.step("Migrating the database", "migrate", interactive=False, verbosity=verbosity)
        self.step("Importing the report", "import_report", verbosity=verbosity)
        self.step("Loading the seed data", "load_seed", verbosity=verbosity)
        login = StringIO()
        demo_options = {"base_url": base_url}
        if password:
            demo_options["password"] = password
        self.stdout.write(self.style.MIGRATE_HEADING("Creating the demo login…"))
        call_command("create_demo_login", stdout=login, **demo_options)
        self.step("Collecting static files", "collectstatic", interactive=False, verbosity=0)

        # Printed last, right above the server's own output, so it is easy to find.
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(login.getvalue().rstrip("\n")))
        if setup_only:
            return

        self.stdout.write(f"\nStarting the tracker on {base_url}/ — press Ctrl-C to stop.\n")
        self.stdout.write(
            f"Background jobs: Celery workers ({', '.join(WORKER_CONCURRENCY)} queues) and "
            f"scheduler on {broker_description()}.\n"
        )
        # Children open their own connections; do not share this process's with them.
        connections.close_all()
        outcome = Supervisor(self.process_specs(addrport), log=self.stdout).run()
        if not outcome.ok:
            raise CommandError(f"the tracker stopped: {outcome.describe()}")
