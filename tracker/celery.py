"""The Celery application: broker and schedules come from Django settings (``CELERY_*``).

Redis when ``REDIS_URL`` is set, otherwise the embedded file-system broker under ``var/``.
Periodic schedules live in the database (django-celery-beat) and are edited in the admin.

    celery -A tracker worker --loglevel=INFO
    celery -A tracker beat --loglevel=INFO
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
