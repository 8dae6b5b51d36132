"""Per-token request rate: a partner system that floods the API gets 429 with Retry-After.

The count lives in the shared cache (``settings.CACHES``: Redis when ``REDIS_URL`` is set, else
files under ``var/cache``), so every web process — gunicorn's workers, and with Redis several
hosts — adds to one count per token. It is a fixed window: one counter per token and window, created with ``add`` and
raised with ``incr``, which Redis does atomically, so concurrent requests are neither lost nor
double-counted, and a request costs one small round trip whatever the rate (DRF's own throttle
rewrites a list of every request's time in the window). ``Retry-After`` is the time left in the
window. A client may send up to twice the rate across a window boundary; the rate is a guard
against floods, not a quota. If the cache cannot be reached the request is let through (and
logged): the guard must not take the API down with it. A hung cache is asked with a short
timeout, and after a failure not asked again for a few seconds (``tracker.redis_guard.CACHE``, a
circuit breaker), so a read costs no more than it would without the guard.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from tracker import redis_guard

from .authentication import PartnerPrincipal

logger = logging.getLogger(__name__)


class ApiRateThrottle(SimpleRateThrottle):
    """One bucket per partner token, per person, or per address for the anonymous."""

    scope = "api"
    cache_format = "throttle_%(scope)s_%(ident)s"

    def __init__(self) -> None:
        # The rate is read at each request (deployments and tests change it), not here.
        self.window_end = 0.0
        self.now = 0.0

    @property
    def cache(self):
        return caches[getattr(settings, "API_THROTTLE_CACHE", "default")]

    def get_rate(self) -> str | None:
        return getattr(settings, "API_THROTTLE_RATE", None)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{ident}:{window}"
        try:
            count = redis_guard.CACHE.call(self._count, key)
        except redis_guard.Open:  # it failed moments ago: do not wait on it again yet
            return True
        except Exception:  # the cache is down: serve rather than fail every request
            logger.warning("API throttle: the cache is unreachable; request let through")
            return True
        return count <= self.num_requests

    def _count(self, key: str) -> int:
        cache = self.cache
        # Kept a little past the window's end so a late increment still finds it.
        cache.add(key, 0, timeout=self.duration + 5)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=self.duration + 5)
            return 1

    def wait(self) -> float:
        """Seconds until the window ends (``Retry-After``), at least one."""
        return max(1, math.ceil(self.window_end - self.now))

    def get_cache_key(self, request, view) -> str:
        user = request.user
        if isinstance(user, PartnerPrincipal):
            # The token's public prefix: unique, random, and the same in every process.
            ident = f"token-{user.token.prefix}"
        elif user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
