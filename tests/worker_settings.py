"""The tracker's settings for the Celery worker processes a fault test starts, with the broker's
visibility timeout made short (``TEST_VISIBILITY_TIMEOUT`` seconds, default 2): a message taken by
a worker that is then killed comes back in seconds rather than after the production timeout,
which is fitted to the longest task's hard limit (``tracker/jobspec.py``, tested in
``tests/alerts/test_queues.py``). Production never loads this module."""

from tracker.settings import *  # noqa: F403
from tracker.settings import CELERY_BROKER_TRANSPORT_OPTIONS, env

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": env.float("TEST_VISIBILITY_TIMEOUT", default=2.0),
}
