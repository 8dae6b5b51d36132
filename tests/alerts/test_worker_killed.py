"""Issue 16: a worker killed mid-task (``kill -9`` of the whole worker, parent and pool child, as
an out-of-memory kill or a lost host does it). Real processes throughout: a redis-server of the
test's own as the broker, ``celery worker`` processes as compose starts them (prefork, one child,
on the ``periodic`` queue), and the test's PostgreSQL database.

The evaluation job (recompute, then the rules: alerts and the partners' webhooks) is held inside a
statement by a table lock the test takes, so the worker is killed with a statement running. Then:

- PostgreSQL ends the dead worker's statement within seconds (``client_connection_check_interval``,
  set by the worker before each task); it used to keep its locks 26 s after its worker, and would
  here until the test let go of its lock;
- the message, acknowledged late, is handed to the next worker after the broker's visibility
  timeout (a short one for the test, ``tests/worker_settings.py``; the production one is fitted
  to the longest task's hard limit, ``test_queues.py``);
- the job runs again and completes once in effect: one alert per sign, the intervals the killed
  run's recompute had committed left as they were, one webhook per alert, each queued for
  delivery once; and it is not handed out a third time.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection

from alerts.choices import Channel
from alerts.models import Alert, Notification, SituationInterval
from cases.choices import Severity, SharingLevel
from tests.factories import (
    ActorFactory,
    SituationFactory,
    WarningIndicatorFactory,
    WebhookSubscriptionFactory,
)
from tracker import jobs, jobspec
from tracker.celery import CLIENT_CHECK_SECONDS
from tracker.celery import app as celery_app

from .helpers import days_ago, wait_for

ROOT = Path(__file__).resolve().parents[2]
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIGNS = 5
VISIBILITY_TIMEOUT = 2.0  # seconds, for the workers of this test only


def _database_url() -> str:
    database = connection.settings_dict
    user = database["USER"] or ""
    if database.get("PASSWORD"):
        user += f":{database['PASSWORD']}"
    host = database["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # the embedded server's socket folder
        return f"postgres://{user}@/{database['NAME']}?host={host}&port={database['PORT'] or 5432}"
    return f"postgres://{user}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


def _worker(broker_url: str, log: Path, name: str) -> subprocess.Popen:
    """``celery worker`` on the periodic queue as compose runs it (prefork, one child), in a
    session of its own so that the whole worker can be killed at once."""
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "TEST_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    argv = [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--loglevel=INFO"]
    argv += ["-Q", jobspec.PERIODIC_QUEUE, "-n", f"{name}@test", "--concurrency=1"]
    argv += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(
        argv,
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _lock_waiters(database: str, holder: int) -> list[tuple[int, str]]:
    """(pid, statement) of the test database's backends waiting on a lock, but the holder's."""
    with psycopg.connect(_database_url().replace(f"/{database}", "/postgres", 1)) as admin:
        rows = admin.execute(
            "SELECT pid, query FROM pg_stat_activity"
            " WHERE datname = %s AND wait_event_type = 'Lock' AND pid <> %s",
            [database, holder],
        ).fetchall()
    return rows


def _backend_alive(pid: int) -> bool:
    with psycopg.connect(_database_url()) as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
        )


def _queued_notification_ids(client: redis.Redis) -> list[int]:
    """The notification ids of every delivery message waiting on the deliveries queue."""
    ids = []
    for raw in client.lrange(jobspec.DELIVERIES_QUEUE, 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids += args[0] if isinstance(args[0], list) else [args[0]]
    return ids


@pytest.mark.redis
@transactional
def test_a_worker_killed_mid_statement_loses_nothing_and_repeats_nothing(own_redis, tmp_path):
    broker = own_redis.url(0)
    client = redis.Redis.from_url(broker)
    changes = {"broker_url": broker, "broker_transport_options": {}, "task_always_eager": False}
    saved = {key: celery_app.conf.get(key) for key in changes}
    celery_app.conf.update(changes)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    database = connection.settings_dict["NAME"]
    workers: list[subprocess.Popen] = []
    holder = psycopg.connect(_database_url())
    try:
        partner = ActorFactory(name="Economic Community of West African States", acronym="ECOWAS")
        subscription = WebhookSubscriptionFactory(actor=partner)
        for _ in range(SIGNS):
            WarningIndicatorFactory(
                situation=SituationFactory(sharing=SharingLevel.AMBER, shared_with=[partner]),
                severity=Severity.CRITICAL,
                observed_on=days_ago(9),
            )  # each save queues a refresh on "refresh", which no worker here consumes
        assert not Alert.objects.exists()

        # The alerts table locked: the job's rules step waits inside a statement.
        holder.execute("LOCK TABLE alerts_alert IN ACCESS EXCLUSIVE MODE")
        holder_pid = holder.info.backend_pid
        task_id = celery_app.send_task(jobs.EVALUATE_ALERT_RULES).id
        first = _worker(broker, tmp_path / "first.log", "first")
        workers.append(first)
        assert wait_for(lambda: _lock_waiters(database, holder_pid), timeout=60), (
            tmp_path / "first.log"
        ).read_text()
        [(backend, statement)] = _lock_waiters(database, holder_pid)
        assert client.hlen("unacked") == 1  # taken, not acknowledged: acks are late

        os.killpg(first.pid, signal.SIGKILL)  # the parent and its pool child
        first.wait()
        killed_at = time.monotonic()
        # The dead worker's statement ends with it although its lock is still not granted.
        ended = wait_for(lambda: not _backend_alive(backend), timeout=4 * CLIENT_CHECK_SECONDS + 5)
        outlived = time.monotonic() - killed_at
        print(f"\nthe killed worker's statement ended {outlived:.1f} s after it: {statement!r}")
        assert ended, f"backend {backend} still running {outlived:.0f} s after its worker died"
        holder.rollback()  # the test lets go of the alerts table

        # Nothing of the killed rules step is visible: its transaction rolled back. The recompute
        # before it had committed (a transaction of its own).
        assert not Alert.objects.exists() and not Notification.objects.exists()
        intervals = dict(SituationInterval.objects.values_list("situation", "version"))
        assert len(intervals) == SIGNS
        assert client.hlen("unacked") == 1 and client.llen(jobspec.PERIODIC_QUEUE) == 0

        second = _worker(broker, tmp_path / "second.log", "second")
        workers.append(second)
        started = time.monotonic()
        done = wait_for(lambda: Alert.objects.count() == SIGNS, timeout=90)
        assert done, (
            Alert.objects.count(),
            list(Alert.objects.values_list("rule__name", "status", "indicator_id", "situation_id")),
            SituationInterval.objects.count(),
            (tmp_path / "second.log").read_text()[-1500:],
        )
        print(f"redelivered and completed {time.monotonic() - started:.1f} s after a new worker")
        # Long enough for the message to come back again had it not been acknowledged.
        time.sleep(VISIBILITY_TIMEOUT + 11)
        log = (tmp_path / "second.log").read_text()
        assert log.count(f"[{task_id}] received") == 1, log
        assert log.count(f"[{task_id}] succeeded") == 1, log
        assert client.hlen("unacked") == 0 and client.llen(jobspec.PERIODIC_QUEUE) == 0

        # Once in effect: one alert per sign, one interval per situation, one webhook per alert,
        # each webhook queued for delivery once.
        assert Alert.objects.count() == SIGNS
        assert set(Counter(Alert.objects.values_list("indicator", flat=True)).values()) == {1}
        # The recompute run again found nothing to change: the same rows at the same versions.
        assert dict(SituationInterval.objects.values_list("situation", "version")) == intervals
        hooks = Notification.objects.filter(channel=Channel.WEBHOOK, subscription=subscription)
        assert sorted(hooks.values_list("alert", flat=True)) == sorted(
            Alert.objects.values_list("pk", flat=True)
        )
        # Every notification (the webhooks, and the desk's e-mails) queued for delivery once.
        queued = _queued_notification_ids(client)
        assert sorted(queued) == sorted(Notification.objects.values_list("pk", flat=True))
        assert set(hooks.values_list("pk", flat=True)) <= set(queued)
    finally:
        holder.close()
        for worker in workers:
            _stop(worker)
        celery_app.conf.update(saved)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
