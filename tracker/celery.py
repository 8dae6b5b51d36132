"""The Celery application: broker and schedules come from Django settings (``CELERY_*``).

Redis when ``REDIS_URL`` is set, otherwise the embedded file-system broker under ``var/broker``
(no server to run). Periodic schedules live in the database (django-celery-beat) and are edited in
the admin under "Periodic tasks".

    celery -A tracker worker --loglevel=INFO
    celery -A tracker beat --loglevel=INFO
"""

import os
from pathlib import Path

from celery import Celery, current_task
from celery.signals import task_prerun
from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def create_broker_folders(sender: Celery, **kwargs) -> None:
    """The file-system transport expects its folders to exist, in the worker, the scheduler and
    the web process that queues tasks alike."""
    if not str(sender.conf.broker_url or "").startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# Seconds between PostgreSQL's checks that the worker behind a running statement is still there.
CLIENT_CHECK_SECONDS = 2


def statement_limits_sql(time_limit: float | None) -> str:
    """The session settings a task's connection runs under: no statement outlives the task's
    hard time limit, and PostgreSQL cancels a statement whose worker died (a killed worker's
    recompute held its locks 26 s after it; issue 16)."""
    milliseconds = int((time_limit or 0) * 1000)  # 0: no limit
    return (
        f"SET statement_timeout = {milliseconds}; "
        f"SET client_connection_check_interval = '{CLIENT_CHECK_SECONDS}s'"
    )


@task_prerun.connect
def bound_the_task_statements(sender=None, task=None, **kwargs) -> None:
    """Run by the worker before each task (never in eager mode: the caller's connection is not
    the worker's), on a connection kept open from an earlier task. Celery's Django fix-up closes
    the connection before each task, after this runs: the connection the task then opens gets
    the same settings from ``bound_a_task_connection``."""
    if task is None or task.request.is_eager or connection.connection is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(statement_limits_sql(task.time_limit))


@receiver(connection_created)
def bound_a_task_connection(sender=None, connection=None, **kwargs) -> None:
    """A connection opened while a worker runs a task: bounded by that task's hard limit (a
    killed worker's statement kept its locks until its lock wait ended, 13 s and more, while the
    settings went to the connection the fix-up then closed; tests/alerts/test_worker_killed.py)."""
    if not current_task or current_task.request.is_eager or connection is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(statement_limits_sql(current_task.time_limit))
