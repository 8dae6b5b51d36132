"""``/health/``: is the tracker able to work, in JSON for monitoring (django-health-check).

No login (a monitor has none) and nothing secret: each check answers ``ok`` or a short reason —
never a URL, a host, a user or a key — and the queues their depths. 200 when every check passes,
503 otherwise. Checks run concurrently, each within its own time limit, so a hung Redis answers
"timed out" in seconds rather than hanging the page.

- ``database``: ``SELECT 1`` on PostgreSQL.
- ``cache``: a write and read in the shared cache (the API's request counts live there).
- ``redis``: a ping of the broker's Redis (``REDIS_URL``); "not used" with the embedded broker.
- ``worker``: a Celery worker answers a ping over the broker (its heartbeat); with the embedded
  file-system broker, which carries no broadcast, "not checked".
- ``queues``: the messages waiting in each Celery queue (Redis only).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import typing

import redis
from django.conf import settings
from django.http import JsonResponse
from health_check import checks
from health_check.base import HealthCheck
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from kombu.transport.redis import Channel

from .celery import app as celery_app

TIMEOUT = dt.timedelta(seconds=2)


def _redis_client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, retry_on_timeout=False
    )


def queue_names() -> list[str]:
    """Every queue the Celery app sends to: its declared queues, the routes' and the default."""
    conf = celery_app.conf
    names = {conf.task_default_queue}
    names.update(queue.name for queue in conf.task_queues or ())
    routes = conf.task_routes or {}
    if isinstance(routes, dict):
        names.update(
            route["queue"]
            for route in routes.values()
            if isinstance(route, dict) and "queue" in route
        )
    return sorted(names)


@dataclasses.dataclass
class Database(checks.Database):
    name: typing.ClassVar[str] = "database"
    timeout = TIMEOUT


@dataclasses.dataclass
class Cache(checks.Cache):
    name: typing.ClassVar[str] = "cache"
    timeout = TIMEOUT


@dataclasses.dataclass
class Redis(HealthCheck):
    name: typing.ClassVar[str] = "redis"
    timeout = TIMEOUT

    def run(self) -> None:
        if not settings.REDIS_URL:
            return
        try:
            _redis_client().ping()
        except redis.RedisError as error:
            raise ServiceUnavailable(_redis_reason(error)) from error


@dataclasses.dataclass
class Worker(Ping):
    name: typing.ClassVar[str] = "worker"
    timeout: dt.timedelta = dataclasses.field(default=dt.timedelta(seconds=1), repr=False)

    def run(self) -> None:
        if not settings.REDIS_URL:
            return
        super().run()

    def check_active_queues(self, *active_workers) -> None:
        """Every queue the app sends to has a worker consuming it."""
        consumed = {
            queue.get("name")
            for queues in (self.app.control.inspect(active_workers).active_queues() or {}).values()
            for queue in queues
        }
        missing = [name for name in queue_names() if name not in consumed]
        if missing:
            raise ServiceUnavailable(f"no worker consumes the queue(s) {', '.join(missing)}")


@dataclasses.dataclass
class Queues(HealthCheck):
    name: typing.ClassVar[str] = "queues"
    timeout = TIMEOUT
    depths: dict[str, int] = dataclasses.field(default_factory=dict, repr=False)

    def run(self) -> None:
        if not settings.REDIS_URL:
            return
        client = _redis_client()
        # kombu keeps a queue's messages in a list named after it, one more list per priority.
        separator = Channel.sep
        steps = [step for step in Channel.priority_steps if step]
        try:
            for name in queue_names():
                keys = [name, *(f"{name}{separator}{step}" for step in steps)]
                self.depths[name] = sum(client.llen(key) for key in keys)
        except redis.RedisError as error:
            raise ServiceUnavailable(_redis_reason(error)) from error


def _redis_reason(error: redis.RedisError) -> str:
    if isinstance(error, redis.TimeoutError):
        return "Redis did not answer in time"
    if isinstance(error, redis.ConnectionError):
        return "Redis refused or dropped the connection"
    return f"Redis answered {type(error).__name__}"


NOT_USED = {
    "redis": "not used: the embedded file-system broker",
    "worker": "not checked: the embedded file-system broker carries no ping",
    "queues": "not measured: the embedded file-system broker",
}


class HealthView(HealthCheckView):
    checks = (Database, Cache, Redis, Worker, Queues)
    http_method_names = ["get", "head", "options"]

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        return self.render(results)

    def render(self, results) -> JsonResponse:
        report: dict[str, object] = {}
        failing = False
        queues: dict[str, int] | str = {}
        for result in results:
            check = result.check
            if result.error is not None:
                failing = True
                outcome: dict[str, object] = {"status": "failing", "reason": result.error.message}
            elif not settings.REDIS_URL and check.name in NOT_USED:
                outcome = {"status": NOT_USED[check.name]}
            else:
                outcome = {"status": "ok"}
            outcome["seconds"] = round(result.time_taken, 3)
            if isinstance(check, Queues) and result.error is None and settings.REDIS_URL:
                queues = dict(check.depths)
            report[check.name] = outcome
        body = {
            "status": "failing" if failing else "ok",
            "checks": report,
            "queues": queues,
        }
        return JsonResponse(body, status=503 if failing else 200)
