"""The per-token request count is shared by every process: two cache clients, one count."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import PartnerFactory, partner_token

from .conftest import Api


def _two_processes(settings, backend: dict) -> None:
    """Two cache aliases with one store: each its own client, as two gunicorn workers have."""
    settings.CACHES = {**settings.CACHES, "process-1": backend, "process-2": dict(backend)}


def _alternating(settings, api: Api, count: int) -> list:
    """``count`` requests, served in turn by the two "processes"."""
    responses = []
    for index in range(count):
        settings.API_THROTTLE_CACHE = f"process-{index % 2 + 1}"
        responses.append(api.get("actors/"))
    return responses


def _assert_one_count(settings, make_api) -> None:
    from django.core.cache import caches

    assert caches["process-1"] is not caches["process-2"]
    settings.API_THROTTLE_RATE = "3/minute"
    first, second = make_api(), make_api()
    responses = _alternating(settings, first, 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    throttled = responses[3]
    assert throttled.json()["error"]["code"] == "throttled"
    assert 0 < int(throttled.headers["Retry-After"]) <= 60
    assert throttled.json()["error"]["retry_after"] == int(throttled.headers["Retry-After"])
    # Another token has its own budget, in either process.
    assert [r.status_code for r in _alternating(settings, second, 2)] == [200, 200]


@pytest.mark.django_db
def test_two_processes_share_one_count_in_the_file_cache(settings, make_api, tmp_path):
    backend = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path / "cache"),
    }
    _two_processes(settings, backend)
    _assert_one_count(settings, make_api)


@pytest.mark.django_db
def test_two_processes_share_one_count_in_redis(settings, make_api, redis_url):
    backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_url,
        # A prefix of its own: nothing left by an earlier run counts, nothing else is touched.
        "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    _two_processes(settings, backend)
    _assert_one_count(settings, make_api)


def test_the_cache_is_shared_across_processes_by_configuration():
    """Redis when REDIS_URL is set, else files: never a per-process memory cache."""
    from django.conf import settings

    backend = settings.CACHES[settings.API_THROTTLE_CACHE]["BACKEND"]
    expected = (
        "django.core.cache.backends.redis.RedisCache"
        if settings.CACHE_URL
        else "django.core.cache.backends.filebased.FileBasedCache"
    )
    assert backend == expected


@pytest.mark.django_db
def test_the_throttle_counts_a_token_by_its_prefix(settings):
    """The key is the same in every process (the token's public prefix, never its secret)."""
    from partners.authentication import PartnerPrincipal
    from partners.throttling import ApiRateThrottle

    token, key = partner_token(PartnerFactory())

    class Request:
        user = PartnerPrincipal(token)

    cache_key = ApiRateThrottle().get_cache_key(Request(), None)
    assert token.prefix in cache_key and key not in cache_key


@pytest.mark.django_db
def test_an_unreachable_cache_lets_requests_through(settings, make_api):
    settings.CACHES = {
        **settings.CACHES,
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    }
    settings.API_THROTTLE_CACHE = "down"
    settings.API_THROTTLE_RATE = "1/minute"
    api = make_api()
    assert [api.get("actors/").status_code for _ in range(2)] == [200, 200]
