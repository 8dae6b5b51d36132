"""How the tracker runs: docker-compose.yml (Docker is not available here, so the file is parsed and
every command checked against the code) and the processes ``start_tracker`` supervises."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import get_commands
from kombu.utils.imports import symbol_by_name

from tracker import jobspec
from tracker.celery import app as tracker_app

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ("worker-refresh", "worker-periodic", "worker-deliveries")
APP_SERVICES = ("web", *WORKERS, "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_lines(service: dict) -> list[list[str]]:
    """The service's command as argument lists, one per ``&&``-chained command of ``sh -c``."""
    command = service["command"]
    if isinstance(command, str):
        command = shlex.split(command)
    if command[:2] == ["sh", "-c"]:
        return [
            [arg for arg in shlex.split(part) if arg != "exec"] for part in command[2].split("&&")
        ]
    return [command]


def check_command(argv: list[str]) -> str:
    """Import what ``argv`` points at; returns what it runs, fails the test if it does not exist."""
    program = argv[0]
    if program in ("python", "python3") and argv[1] == "manage.py":
        assert argv[2] in get_commands(), f"no management command {argv[2]!r}"
        return f"manage.py {argv[2]}"
    if program == "gunicorn":
        module_name, _, attribute = argv[1].partition(":")
        application = getattr(importlib.import_module(module_name), attribute)
        assert callable(application)
        return "gunicorn"
    if program == "celery":
        app_name = argv[argv.index("-A") + 1]
        app = find_app(app_name)
        assert isinstance(app, Celery) and app is tracker_app
        subcommand = next(arg for arg in argv[argv.index("-A") + 2 :] if not arg.startswith("-"))
        assert subcommand in celery_cli.commands, f"celery has no {subcommand!r} command"
        if "--scheduler" in argv:
            scheduler = argv[argv.index("--scheduler") + 1]
            assert symbol_by_name(scheduler).__name__ == "DatabaseScheduler"
            assert scheduler == settings.CELERY_BEAT_SCHEDULER
        return f"celery {subcommand}"
    raise AssertionError(f"unexpected program {program!r}")


def test_the_stack_has_database_broker_web_worker_and_scheduler(compose):
    services = compose["services"]
    assert set(services) >= {"db", "redis", *APP_SERVICES}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    # State lives in named volumes: the database, the broker's journal, the static files.
    assert set(compose["volumes"]) >= {"pgdata", "redisdata", "static"}
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]


def test_every_command_points_at_code_that_exists(compose):
    services = compose["services"]
    ran = {
        name: [check_command(argv) for argv in command_lines(services[name])]
        for name in APP_SERVICES
    }
    assert ran == {
        "web": ["manage.py migrate", "manage.py collectstatic", "gunicorn"],
        **{name: ["celery worker"] for name in WORKERS},
        "beat": ["celery beat"],
    }


def _queues(argv) -> str:
    return argv[list(argv).index("-Q") + 1]


def test_each_queue_has_workers_of_its_own_in_compose(compose):
    """Queues by purpose (issue 16): every queue a job is routed to is consumed, each by its own
    service, named apart (``-n``) so their health checks ping the right one."""
    services = compose["services"]
    queues = {name: _queues(command_lines(services[name])[0]) for name in WORKERS}
    assert sorted(queues.values()) == sorted(jobspec.QUEUES)
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} == set(jobspec.QUEUES)
    for name, queue in queues.items():
        argv = command_lines(services[name])[0]
        assert argv[argv.index("-n") + 1] == f"{queue}@%h"
        assert f"--destination {queue}@" in services[name]["healthcheck"]["test"][1]


def test_the_app_services_share_one_image_and_one_environment(compose):
    services = compose["services"]
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)
    assert len({services[name]["image"] for name in APP_SERVICES}) == 1
    assert all(services[name]["build"] == "." for name in APP_SERVICES)
    env = environments[0]
    assert env["DEBUG"] == "false"
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    # Every variable is one the settings actually read (DATABASE_URL: in tracker/database.py).
    settings_source = "\n".join(
        (ROOT / "tracker" / module).read_text() for module in ("settings.py", "database.py")
    )
    for name in env:
        assert re.search(rf'env(\.\w+)?\(\s*"{name}"', settings_source) or re.search(
            rf'os\.environ\.get\(\s*"{name}"', settings_source
        ), f"{name} is not read"


def test_the_app_waits_for_healthy_database_and_broker_and_serves_static_files(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"
    # Workers and scheduler start once web has migrated the schema.
    for name in WORKERS:
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["beat"]["depends_on"]["web"]["condition"] == "service_healthy"
    # collectstatic writes to the volume at STATIC_ROOT; WhiteNoise serves it from gunicorn.
    static_root = services["web"]["environment"]["STATIC_ROOT"]
    assert f"static:{static_root}" in services["web"]["volumes"]
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE


def test_the_image_installs_the_project(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install ." in dockerfile
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE)


def test_start_tracker_runs_the_web_server_the_worker_and_the_scheduler():
    from cases.management.commands.start_tracker import Command

    specs = {spec.name: spec for spec in Command().process_specs("127.0.0.1:8000")}
    assert set(specs) == {"web", *WORKERS, "beat"}
    for name in (*WORKERS, "beat"):
        argv = list(specs[name].argv)
        assert argv[1:3] == ["-m", "celery"]
        assert check_command(["celery", *argv[3:]]) == f"celery {name.partition('-')[0]}"
    # One worker process per queue, each consuming its queue only (issue 16).
    assert sorted(_queues(specs[name].argv) for name in WORKERS) == sorted(jobspec.QUEUES)
    # Without REDIS_URL the worker and the scheduler need no server: an embedded broker.
    if not settings.REDIS_URL:
        assert tracker_app.conf.broker_url == settings.CELERY_BROKER_URL == "filesystem://"
        # Configuring the app creates the transport's folders (it does not create them itself).
        assert Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).is_dir()
