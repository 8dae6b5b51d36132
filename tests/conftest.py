from __future__ import annotations

import os

import pytest

POSTGRES_HINT = "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
REDIS_HINT = "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0"


@pytest.fixture
def requires_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_HINT)


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
