"""The jobs for real: a Celery worker consuming from Redis, a broker that is down, two evaluations
at once on PostgreSQL, and the schedules the migration creates."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from itertools import pairwise
from pathlib import Path
from unittest import mock

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail
from django.db import connections, transaction
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from alerts import services, tasks
from alerts.choices import AlertEventKind, AlertStatus, Channel, DeliveryStatus
from alerts.models import Alert, Notification, SituationInterval, UnansweredWarning
from alerts.services import rules as rules_service
from cases.choices import Region, Severity, SharingLevel, SituationStatus
from cases.models import Situation
from tests.admin_forms import admin_form_data
from tests.factories import (
    ActorFactory,
    DeskAssignmentFactory,
    DeskOfficerFactory,
    SituationFactory,
    WarningIndicatorFactory,
    WebhookSubscriptionFactory,
)
from tracker import jobs
from tracker.celery import app as celery_app

from .helpers import Receiver, closed_port, days_ago, wait_for

ROOT = Path(__file__).resolve().parents[2]
CRITICAL_7 = "No action 7 days after a critical warning"
# The data migrations' rows (groups, rules, schedules) must survive the flush of a
# transactional test.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_celery_acknowledges_late_and_requeues_work_of_a_dead_worker():
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1
    for name in (
        "alerts.tasks.recompute_intervals",
        "alerts.tasks.refresh_situation",
        "alerts.tasks.refresh_situations",
        "alerts.tasks.evaluate_alert_rules",
        "alerts.tasks.deliver_notification",
        "alerts.tasks.deliver_notifications",
        "alerts.tasks.deliver_pending_notifications",
    ):
        assert name in celery_app.tasks


@pytest.mark.django_db
def test_the_migration_creates_the_periodic_schedules_in_the_database():
    schedules = {task.name: task for task in PeriodicTask.objects.all()}
    recompute = schedules["Recompute warning-to-action intervals"]
    assert recompute.task == "alerts.tasks.recompute_intervals" and recompute.enabled
    assert (recompute.interval.every, recompute.interval.period) == (10, "minutes")
    assert schedules["Evaluate alert rules"].task == "alerts.tasks.evaluate_alert_rules"
    nightly = schedules["Recompute every warning-to-action interval"]
    assert nightly.kwargs == '{"full": true}' and nightly.crontab.hour == "2"
    assert "alerts.tasks.deliver_pending_notifications" in {t.task for t in schedules.values()}
    # Every scheduled task name is a task the worker knows.
    assert {t.task for t in schedules.values()} <= set(celery_app.tasks)
    assert (
        django_settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    )


@pytest.mark.redis
@transactional
def test_a_real_worker_on_redis_recomputes_alerts_and_notifies_after_a_save(
    celery_on_redis, settings
):
    partner = ActorFactory(acronym="AU")
    officer = DeskAssignmentFactory(region=Region.AFRICA, user__email="desk@example.org")
    with (
        Receiver(secret="au-secret") as receiver,
        start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30),
    ):
        subscription = WebhookSubscriptionFactory(
            actor=partner, url=receiver.url, secret="au-secret"
        )
        situation = SituationFactory(
            region=Region.AFRICA, sharing=SharingLevel.AMBER, shared_with=[partner]
        )
        # A plain save, committed: the signal queues refresh_situation on Redis; the worker
        # recomputes, raises the alert and queues the deliveries, which it then runs.
        WarningIndicatorFactory(
            situation=situation, severity=Severity.CRITICAL, observed_on=days_ago(9)
        )
        delivered = wait_for(
            lambda: Notification.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2
        )
    assert delivered, list(Notification.objects.values("channel", "status", "last_error"))
    interval = SituationInterval.objects.get(situation=situation)
    assert interval.is_open and interval.days_max == 9
    alert = Alert.objects.get(rule__name=CRITICAL_7, situation=situation)
    assert alert.status == AlertStatus.OPEN
    assert [m.to for m in mail.outbox] == [[officer.user.email]]
    [request] = receiver.requests
    assert request["valid"]
    assert Notification.objects.get(subscription=subscription).delivery_attempts.count() == 1


@pytest.mark.redis
@transactional
def test_a_real_worker_retries_a_dead_webhook_with_backoff_and_logs_every_attempt(
    celery_on_redis, settings
):
    settings.ALERTS_DELIVERY_MAX_ATTEMPTS = 3
    settings.ALERTS_DELIVERY_BACKOFF_SECONDS = 0.2
    WebhookSubscriptionFactory(url=f"http://127.0.0.1:{closed_port()}/hook")
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    WarningIndicatorFactory(
        situation=situation, severity=Severity.CRITICAL, observed_on=days_ago(9)
    )
    services.recompute_intervals()
    services.evaluate_rules()  # commits; the deliveries go to Redis
    hook = Notification.objects.get(channel=Channel.WEBHOOK)
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        finished = wait_for(lambda: Notification.objects.get(pk=hook.pk).status != "pending")
    hook.refresh_from_db()
    assert finished and hook.status == DeliveryStatus.FAILED
    attempts = list(hook.delivery_attempts.order_by("number"))
    assert [a.number for a in attempts] == [1, 2, 3]
    # Exponential backoff between the attempts: 0.2 s, then 0.4 s.
    gaps = [(b.attempted_at - a.attempted_at).total_seconds() for a, b in pairwise(attempts)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4
    assert Alert.objects.get(rule__name=CRITICAL_7).status == AlertStatus.OPEN


@transactional
def test_saving_a_situation_in_the_admin_succeeds_when_redis_is_down(client, broker_down, caplog):
    desk = DeskOfficerFactory()
    client.force_login(desk)
    situation = SituationFactory(title="Kyrgyzstan, June 2010", status=SituationStatus.MONITORING)
    change_url = reverse("admin:cases_situation_change", args=[situation.pk])
    data = admin_form_data(client.get(change_url))
    data["status"] = SituationStatus.ESCALATED
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tracker.jobs"):
        response = client.post(change_url, data)
    assert response.status_code == 302
    situation.refresh_from_db()
    assert situation.status == SituationStatus.ESCALATED
    assert situation.version == 2
    assert f"Could not queue alerts.tasks.refresh_situation('{situation.pk}',)" in caplog.text
    assert "Connection refused" in caplog.text or "Error 111" in caplog.text

    # The periodic job catches up with what could not be queued.
    result = services.recompute_intervals()
    assert SituationInterval.objects.filter(situation=situation).exists()
    assert result.situation_rows >= 1


def _in_threads(target, count: int = 2) -> list:
    """Run ``target`` in ``count`` threads started together; return their results or errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target()
        except Exception as error:  # reported by the test, not lost in the thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@transactional
def test_two_evaluations_at_once_raise_each_alert_once():
    for _ in range(3):
        WarningIndicatorFactory(severity=Severity.CRITICAL, observed_on=days_ago(9))
    DeskAssignmentFactory(region=Region.AFRICA)
    services.recompute_intervals()

    # Hold each run's transaction open after its inserts, so the other run's INSERT … ON
    # CONFLICT meets the uncommitted rows and has to wait for them.
    log_transitions = rules_service._log_transitions

    def slow_log(run, now):
        count = log_transitions(run, now)
        threading.Event().wait(0.5)
        return count

    with mock.patch.object(rules_service, "_log_transitions", side_effect=slow_log):
        results = _in_threads(services.evaluate_rules)
    assert not [r for r in results if isinstance(r, Exception)], results
    alerts = Alert.objects.filter(rule__name=CRITICAL_7)
    assert alerts.count() == 3
    assert all(a.episode == 1 for a in alerts)
    opened = sum(r.transitions.get(AlertEventKind.OPENED, 0) for r in results)
    assert opened == Alert.objects.count()  # each opening logged by exactly one of the runs
    assert Notification.objects.filter(alert__in=alerts, channel=Channel.EMAIL).count() == 3


@transactional
def test_two_recomputes_at_once_write_one_row_each():
    for _ in range(5):
        WarningIndicatorFactory(severity=Severity.HIGH, observed_on=days_ago(30))
    results = _in_threads(lambda: services.recompute_intervals(full=True), count=3)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert SituationInterval.objects.count() == Situation.objects.count() == 5
    assert UnansweredWarning.objects.count() == 5


@pytest.mark.django_db
def test_a_task_run_twice_leaves_the_same_state(eager_celery):
    """What a redelivery after a worker died amounts to: the same task again."""
    indicator = WarningIndicatorFactory(severity=Severity.CRITICAL, observed_on=days_ago(9))
    situation_id = str(indicator.situation_id)
    tasks.refresh_situation.delay(situation_id).get()
    before = list(Alert.objects.values("pk", "status", "episode", "measure"))
    tasks.refresh_situation.delay(situation_id).get()
    assert list(Alert.objects.values("pk", "status", "episode", "measure")) == before
    assert Alert.objects.get(rule__name=CRITICAL_7).events.count() == 1


@pytest.mark.django_db
def test_saves_queue_one_refresh_per_situation_after_commit(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.refresh_situation, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        situation = SituationFactory()
        for _ in range(3):
            WarningIndicatorFactory(situation=situation)
        other = WarningIndicatorFactory().situation
        assert not send.called  # nothing is sent before the commit
    # Five saves of one situation, two of another: one refresh each.
    assert sorted(call.kwargs["args"] for call in send.call_args_list) == sorted(
        [(str(situation.pk),), (str(other.pk),)]
    )
    assert all(call.kwargs["retry"] is False for call in send.call_args_list)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_save_queues_nothing_and_the_next_one_still_does():
    with mock.patch.object(tasks.refresh_situation, "apply_async") as send:
        situation = SituationFactory()  # autocommit: queued at once
        assert send.call_count == 1
        send.reset_mock()
        with pytest.raises(RuntimeError), transaction.atomic():
            WarningIndicatorFactory(situation=situation)
            raise RuntimeError("the user's write failed")
        assert not send.called
        with transaction.atomic():
            WarningIndicatorFactory(situation=situation)
            WarningIndicatorFactory(situation=situation)
        assert send.call_count == 1


def test_every_named_job_is_registered_in_a_process_that_never_imported_the_tasks():
    """Services queue jobs by name: a web process, which imports no task module itself, must
    still find each name among Celery's tasks (else every save's refresh is logged and lost)."""
    names = [
        value
        for name, value in vars(jobs).items()
        if name.isupper() and isinstance(value, str) and value.startswith("alerts.tasks.")
    ]
    script = (
        "import django, sys; django.setup(); from celery import current_app; "
        "missing = [n for n in sys.argv[1:] if n not in current_app.tasks]; "
        "print(missing); sys.exit(bool(missing))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(names) == 7
    assert result.returncode == 0, result.stdout + result.stderr
