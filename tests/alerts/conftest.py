from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.utils import timezone

from tests.dashboards.browser import chromium  # noqa: F401 (the browser tests' fixture)
from tracker.celery import app as celery_app

from .helpers import closed_port

# This suite's own Redis database, eight above REDIS_URL's: other suites never share its queue,
# and parallel runs given different REDIS_URL databases (0-7) never share one either.
ALERTS_REDIS_DB_OFFSET = 8


def alerts_redis_db(redis_url: str) -> int:
    path = urlsplit(redis_url).path.strip("/")
    return (int(path or 0) + ALERTS_REDIS_DB_OFFSET) % 16


def _reset_connections(app) -> None:
    """Forget pooled broker connections so a changed ``broker_url`` takes effect."""
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


class _CeleryConf:
    def __init__(self, app, **changes):
        self.app = app
        self.saved = {key: app.conf.get(key) for key in changes}
        app.conf.update(changes)
        _reset_connections(app)

    def restore(self) -> None:
        self.app.conf.update(self.saved)
        _reset_connections(self.app)


@pytest.fixture
def eager_celery():
    """Tasks run in the calling thread; retries run at once; ``.get()`` re-raises failures."""
    conf = _CeleryConf(celery_app, task_always_eager=True, task_eager_propagates=False)
    yield celery_app
    conf.restore()


def with_redis_db(url: str, number: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{number}", parts.query, parts.fragment))


@pytest.fixture
def celery_on_redis(redis_url):
    """The Celery app pointed at this suite's Redis database, emptied first."""
    import redis

    url = with_redis_db(redis_url, alerts_redis_db(redis_url))
    redis.Redis.from_url(url).flushdb()
    conf = _CeleryConf(
        celery_app, broker_url=url, broker_transport_options={}, task_always_eager=False
    )
    yield url
    conf.restore()
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def broker_down():
    """REDIS_URL pointing at a closed port: every enqueue fails to connect."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    conf = _CeleryConf(
        celery_app, broker_url=url, broker_transport_options={}, task_always_eager=False
    )
    yield url
    conf.restore()


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()
