"""Queues by purpose and jobs in the right order (issue 16): routing, a refresh during a delivery
backlog with real worker processes, the first run's evaluation after its recompute, limits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery.signals import task_prerun
from django.db import OperationalError, connection

from alerts import tasks
from alerts.models import Alert, SituationInterval, UnansweredWarning
from cases.choices import Severity
from tests.factories import SituationFactory, WarningIndicatorFactory
from tracker import jobs, jobspec
from tracker.celery import app as celery_app
from tracker.celery import statement_limits_sql

from .helpers import days_ago, wait_for
from .test_jobs import _in_threads

ROOT = Path(__file__).resolve().parents[2]
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_each_job_is_routed_to_the_queue_of_its_purpose():
    route = celery_app.amqp.router.route
    assert route({}, jobs.REFRESH_SITUATION)["queue"].name == "refresh"
    for name in (jobs.RECOMPUTE_INTERVALS, jobs.EVALUATE_ALERT_RULES):
        assert route({}, name)["queue"].name == "periodic"
    assert route({}, jobs.DELIVER_PENDING_NOTIFICATIONS)["queue"].name == "periodic"
    for name in (jobs.DELIVER_NOTIFICATION, jobs.DELIVER_NOTIFICATIONS):
        assert route({}, name)["queue"].name == "deliveries"
    # Every job the project names has a queue; every queue is declared (a worker without -Q
    # consumes them all).
    assert set(jobspec.JOBS) == {
        value
        for name, value in vars(jobs).items()
        if name.isupper() and isinstance(value, str) and "." in value
    }
    assert {q.name for q in celery_app.conf.task_queues} == set(jobspec.QUEUES)


def test_every_task_has_time_limits_within_the_visibility_timeout(settings):
    for name in jobspec.JOBS:
        task = celery_app.tasks[name]
        assert 0 < task.soft_time_limit < task.time_limit, name
        assert task.time_limit < jobspec.VISIBILITY_TIMEOUT
    # Fitted to the longest task, not Redis's default hour.
    assert jobspec.VISIBILITY_TIMEOUT < 3600
    if settings.CELERY_BROKER_URL.startswith("redis"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        assert options["visibility_timeout"] == jobspec.VISIBILITY_TIMEOUT
        assert options["socket_timeout"] <= 1 and options["socket_connect_timeout"] <= 1


def test_database_errors_are_retried_with_backoff():
    for name in (
        jobs.REFRESH_SITUATION,
        jobs.RECOMPUTE_INTERVALS,
        jobs.EVALUATE_ALERT_RULES,
        jobs.DELIVER_NOTIFICATIONS,
        jobs.DELIVER_PENDING_NOTIFICATIONS,
    ):
        task = celery_app.tasks[name]
        assert OperationalError in task.autoretry_for, name
        assert task.retry_backoff and task.retry_backoff_max <= 600 and task.max_retries


def test_a_task_meeting_a_database_restart_runs_again(monkeypatch):
    """An OperationalError (PostgreSQL restarting) is retried, not the end of the job (run
    eagerly: the retry runs at once instead of after its backoff)."""
    calls = []

    def recompute(full=False):
        calls.append(full)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return "recomputed"

    monkeypatch.setattr(tasks.services, "recompute_intervals", recompute)
    result = tasks.recompute_intervals.apply()
    assert result.successful() and result.get() == "'recomputed'"
    assert calls == [False, False]


@pytest.mark.django_db
def test_a_statement_never_outlives_its_tasks_limit():
    """What the worker sets before each task: a statement past the limit is cancelled, and
    PostgreSQL checks that the worker is still there."""
    with connection.cursor() as cursor:
        cursor.execute(statement_limits_sql(0.5))
        cursor.execute("SHOW client_connection_check_interval")
        assert cursor.fetchone()[0] == "2s"
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(3)")


@pytest.mark.django_db
def test_the_worker_bounds_each_tasks_statements_by_its_hard_limit():
    """The signal the worker runs before a task (its settings are undone with the test's
    transaction)."""
    for name in (jobs.REFRESH_SITUATION, jobs.EVALUATE_ALERT_RULES):
        task = celery_app.tasks[name]
        task_prerun.send(sender=task, task_id="probe", task=task, args=(), kwargs={})
        with connection.cursor() as cursor:
            cursor.execute("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")
            assert int(cursor.fetchone()[0]) == task.time_limit * 1000  # milliseconds


@pytest.mark.django_db
def test_the_first_scheduled_evaluation_reads_a_recomputed_store():
    """Beat's evaluation on a database never recomputed (issue 16: on medium it read an empty
    unanswered-signs table and opened 17,468 alerts instead of 22,698)."""
    for _ in range(4):
        WarningIndicatorFactory(severity=Severity.CRITICAL, observed_on=days_ago(9))
    assert not UnansweredWarning.objects.exists()  # nothing recomputed yet
    tasks.evaluate_alert_rules()
    assert UnansweredWarning.objects.count() == 4
    assert Alert.objects.count() == 4


@transactional
def test_the_first_recompute_and_evaluation_started_together_open_every_alert():
    """Both scheduled jobs at the same moment, as beat starts them, on two workers."""
    for _ in range(6):
        WarningIndicatorFactory(severity=Severity.CRITICAL, observed_on=days_ago(9))
    started = iter([tasks.recompute_intervals, tasks.evaluate_alert_rules])
    results = _in_threads(lambda: next(started)())
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Alert.objects.count() == 6
    assert SituationInterval.objects.count() == 6


def _worker(queue: str, broker_url: str, log: Path) -> subprocess.Popen:
    """A real ``celery worker`` process consuming ``queue`` only, on the test database."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    if database.get("PASSWORD"):
        url = url.replace("@", f":{database['PASSWORD']}@", 1)
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
    }
    argv = [sys.executable, "-m", "celery", "-A", "tracker", "worker", "-Q", queue]
    argv += ["-n", f"{queue}@test", "--pool=solo", "--loglevel=INFO", "--without-heartbeat"]
    argv += ["--without-gossip", "--without-mingle"]
    return subprocess.Popen(
        argv, cwd=ROOT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


@pytest.mark.redis
@transactional
def test_a_refresh_runs_within_seconds_behind_a_big_delivery_backlog(own_redis, tmp_path, settings):
    """Issue 16: 4,496 delivery batches queued ahead of a refresh held it for 5 minutes and more.
    Here 20,000 delivery messages wait on the deliveries queue, a worker of each queue runs, and
    a desk officer's save is refreshed while the backlog is still there."""
    broker = own_redis.url(0)
    client = redis.Redis.from_url(broker)
    changes = {"broker_url": broker, "task_always_eager": False}
    saved = {key: celery_app.conf.get(key) for key in changes}
    celery_app.conf.update(changes)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    workers = []
    try:
        backlog = 20_000
        with celery_app.producer_or_acquire() as producer:
            for number in range(backlog):
                celery_app.send_task(
                    jobs.DELIVER_NOTIFICATIONS, args=([10**9 + number],), producer=producer
                )
        assert client.llen("deliveries") == backlog
        workers = [
            _worker(queue, broker, tmp_path / f"{queue}.log")
            for queue in (jobspec.DELIVERIES_QUEUE, jobspec.REFRESH_QUEUE)
        ]
        assert wait_for(lambda: client.llen("deliveries") < backlog, timeout=60), (
            tmp_path / "deliveries.log"
        ).read_text()
        situation = SituationFactory()
        saved_at = time.monotonic()
        WarningIndicatorFactory(
            situation=situation, severity=Severity.CRITICAL, observed_on=days_ago(9)
        )  # committed: refresh_situation queued on "refresh"
        # The refresh recomputes the situation's interval, then raises its alert.
        refreshed = wait_for(lambda: Alert.objects.filter(situation=situation).exists(), timeout=60)
        latency = time.monotonic() - saved_at
        left = client.llen("deliveries")
        print(f"refresh after {latency:.2f} s with {left} deliveries still queued")
        assert refreshed, (tmp_path / "refresh.log").read_text()
        assert left > 0  # the backlog was still there: the refresh did not wait for it
        assert SituationInterval.objects.filter(situation=situation).exists()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        celery_app.conf.update(saved)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
