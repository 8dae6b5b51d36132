"""Redis is never on a user's critical path (issue 16): bounded calls and circuit breakers.

A hung Redis (it accepts connections and never answers: a stopped process, a full disk, a network
that drops replies) used to hold every write for as long as the publish of its job waited — the
whole gunicorn timeout, 30 s, then a 500 although the write was committed. Now:

- every Redis socket the tracker opens has a short connect and read timeout (``SOCKET_TIMEOUT``,
  ``REDIS_SOCKET_TIMEOUT`` in the environment): the broker's (kombu's transport options), the
  result backend's and the shared cache's;
- publishing a job never retries within the request (``task_publish_retry`` off, ``retry=False``);
- after one failure, a process stops asking for ``BREAKER_RESET_SECONDS`` (a circuit breaker,
  ``pybreaker``): the next writes and reads do not each wait for the timeout again. Then one call
  tries again; a success closes the breaker.

A job that could not be published is not lost: the periodic jobs recompute whatever changed since
their last run and sweep up pending notifications, and a process that missed a publish queues that
catch-up itself with its next successful one (``tracker.jobs``).
"""

from __future__ import annotations

import logging
import os

import pybreaker

logger = logging.getLogger(__name__)

# Seconds. A healthy Redis answers in well under a millisecond; a write waits at most this long
# (once per process and breaker period) on a hung one.
SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))
BREAKER_RESET_SECONDS = float(os.environ.get("REDIS_BREAKER_RESET_SECONDS", "10"))


def cache_options() -> dict:
    """``OPTIONS`` of Django's RedisCache (passed to redis-py's connection pool)."""
    return {"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT}


def broker_transport_options() -> dict:
    """kombu's Redis transport options for a bounded publish."""
    return {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": SOCKET_TIMEOUT,
        "retry_on_timeout": False,
    }


# One failure opens a breaker: a hung Redis costs one timeout per process and period, not one per
# request. ``throw_new_error_on_trip=False``: the call that trips it raises the real error.
BROKER = pybreaker.CircuitBreaker(
    fail_max=1,
    reset_timeout=BREAKER_RESET_SECONDS,
    name="broker",
    throw_new_error_on_trip=False,
)
CACHE = pybreaker.CircuitBreaker(
    fail_max=1, reset_timeout=BREAKER_RESET_SECONDS, name="cache", throw_new_error_on_trip=False
)
BREAKERS = (BROKER, CACHE)
Open = pybreaker.CircuitBreakerError


def reset() -> None:
    """Close every breaker (tests; a process that knows Redis is back)."""
    for breaker in BREAKERS:
        breaker.close()
