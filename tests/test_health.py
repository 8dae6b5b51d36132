"""``/health/`` (issue 16): JSON for monitoring — database, cache, Redis, a live worker, the queues'
depths — with no login and nothing secret in it; 503 when anything fails, within seconds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from tests.conftest import url_of_database
from tracker.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def health(client):
    started = time.monotonic()
    response = client.get("/health/")
    return response, time.monotonic() - started


@pytest.fixture
def no_leftover_messages(redis_url):
    """The queues of this Redis database start empty (earlier tests may have queued jobs)."""
    celery_app.control.purge()
    yield
    celery_app.control.purge()


@pytest.fixture
def worker(redis_url, no_leftover_messages):
    """A real Celery worker on the tests' Redis, consuming the default queue."""
    environment = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": url_of_database(connection.settings_dict["NAME"]),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tracker",
            "worker",
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            assert process.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker did not answer a ping in 60 s"
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_health_needs_no_login_and_says_what_fails_without_a_worker(client, no_leftover_messages):
    response, seconds = health(client)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"
    assert body["checks"]["worker"]["status"] == "failing"
    assert body["checks"]["worker"]["reason"]
    # Every queue by purpose (tracker/jobspec.py), each counted.
    assert body["queues"] == {"refresh": 0, "periodic": 0, "deliveries": 0}
    assert seconds < 5


def test_health_is_ok_with_a_worker_running(client, worker):
    response, _ = health(client)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "redis": "ok",
        "worker": "ok",
        "queues": "ok",
    }
    assert "no-cache" in response["Cache-Control"]


def test_health_counts_the_messages_waiting_in_each_queue(client, no_leftover_messages):
    for n in range(3):
        celery_app.send_task("tracker.tests.nothing", args=[n], queue="deliveries")
    assert health(client)[0].json()["queues"] == {"refresh": 0, "periodic": 0, "deliveries": 3}


def test_health_answers_quickly_when_redis_is_down(client):
    unreachable = "redis://127.0.0.1:1/0"
    with override_settings(REDIS_URL=unreachable):
        response, seconds = health(client)
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"] == {
        "status": "failing",
        "reason": "Redis refused or dropped the connection",
        "seconds": body["checks"]["redis"]["seconds"],
    }
    assert body["checks"]["queues"]["status"] == "failing"
    assert seconds < 5


def test_health_answers_quickly_when_redis_hangs(client):
    """A Redis that accepts connections and never answers (as under ``kill -STOP``)."""
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(8)  # the kernel completes the handshakes; nobody ever reads
    try:
        with override_settings(REDIS_URL=f"redis://127.0.0.1:{hung.getsockname()[1]}/0"):
            response, seconds = health(client)
    finally:
        hung.close()
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"]["status"] == "failing"
    assert body["checks"]["redis"]["reason"] == "Redis did not answer in time"
    assert body["checks"]["database"]["status"] == "ok"
    assert seconds < 5


def test_health_shows_no_secret(client, redis_url):
    text = health(client)[0].content.decode()
    database = settings.DATABASES["default"]
    secrets = [
        settings.SECRET_KEY,
        redis_url,
        urlsplit(redis_url).hostname,
        os.environ["DATABASE_URL"],
        database["NAME"],
        database["USER"],
    ]
    if database.get("PASSWORD"):
        secrets.append(database["PASSWORD"])
    if database.get("HOST"):
        secrets.append(database["HOST"])
    for secret in secrets:
        assert secret not in text, secret


def test_health_takes_no_writes(client):
    assert client.post("/health/").status_code == 405


@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_answers_over_plain_http_when_the_site_redirects_to_https(client):
    assert client.get("/health/").status_code in (200, 503)
    assert client.get("/admin/login/").status_code == 301


def test_health_answers_the_monitor_whatever_it_accepts(client):
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
