"""The Celery application: broker and schedules come from Django settings (``CELERY_*``).

Redis when ``REDIS_URL`` is set, otherwise the embedded file-system broker under ``var/broker``
(no server to run). Periodic schedules live in the database (django-celery-beat) and are edited in
the admin under "Periodic tasks".

    celery -A tracker worker --loglevel=INFO
    celery -A tracker beat --loglevel=INFO
"""

import os
from pathlib import Path

from celery import Celery

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
