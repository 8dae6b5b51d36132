from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit

import pytest

REDIS_HINT = "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0"


def url_of_database(name: str) -> str:
    """``DATABASE_URL`` (the one the settings exported, embedded server or not) naming ``name``."""
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts and ends in the site's default language: a request with
    ``Accept-Language: fr`` (tests/dashboards/test_french.py) activates French for the thread the
    test client runs in, which would otherwise leak into the next test's labels."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def local_http():
    """The suite talks plain http to ``testserver``, as a desk's browser talks to the tracker on
    loopback (``start_tracker`` sets ``TRACKER_LOCAL_HTTP``; the settings are read before any
    conftest, so the same settings are given here): no https redirect, cookies over http, no HSTS;
    static files by their plain names from the apps' folders (a fresh clone has run no
    ``collectstatic``); webhooks to the tests' own loopback receivers: what the suite ran with
    when ``DEBUG`` was on by default."""
    from django.test import override_settings

    static = "django.contrib.staticfiles.storage.StaticFilesStorage"
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": static},
        },
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True,
        # The apps' static folders, read as they are (a fresh clone ran no collectstatic).
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@pytest.fixture
def fresh_database_url():
    """The URL of a new, empty database on the tests' PostgreSQL server, dropped afterwards: for a
    process that sets a database up from nothing (the test database stays the tests' own)."""
    import psycopg
    from psycopg import sql

    name = f"test_fresh_{secrets.token_hex(6)}"
    with psycopg.connect(url_of_database("postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield url_of_database(name)
    with psycopg.connect(url_of_database("postgres"), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip(REDIS_HINT)
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"{REDIS_HINT} (REDIS_URL={url} does not answer: {error})")
    return url


@pytest.fixture(autouse=True)
def _redis_breakers_closed():
    """Each test starts with Redis trusted again: a breaker one test opened (a hung or stopped
    Redis, tracker/redis_guard.py) would otherwise skip the next test's publishes."""
    from tracker import jobs, redis_guard

    redis_guard.reset()
    jobs._missed.clear()
    yield


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own on a port of 6391–6399 (``tests/redis_server.py``), to
    hang, stop or fill; stopped afterwards."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test rolls back serialized. Without it, its flush runs the post-migrate
    hooks, which make the content types again under new ids, and the next serialized test fails
    to load the snapshot's (a duplicate key at set-up: found in CI when a new test forgot it)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: mark it django_db(transaction=True, serialized_rollback=True)"
            )
