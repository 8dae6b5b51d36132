from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit

import pytest

REDIS_HINT = "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0"


def url_of_database(name: str) -> str:
    """``DATABASE_URL`` (the one the settings exported, embedded server or not) naming ``name``."""
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


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
