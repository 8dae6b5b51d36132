"""The start command, the demo login it prints, and the supervisor that runs the processes."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.management.commands.start_tracker import Command as StartTracker
from cases.management.commands.start_tracker import base_url_for, local_environment
from cases.roles import DESK_OFFICER
from tracker.supervisor import ProcessSpec, Supervisor

PYTHON = sys.executable


def _printed_password(output: str) -> str:
    return next(
        line.split(":", 1)[1].strip() for line in output.splitlines() if "Password:" in line
    )


# --- create_demo_login ------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_login_is_created_once_and_the_printed_password_works(client):
    first, second = StringIO(), StringIO()
    call_command("create_demo_login", stdout=first)
    call_command("create_demo_login", "--base-url", "http://127.0.0.1:8123", stdout=second)

    users = get_user_model().objects.filter(username="desk")
    assert users.count() == 1
    user = users.get()
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [DESK_OFFICER]
    assert "URL:      http://127.0.0.1:8000/admin/login/" in first.getvalue()
    assert "URL:      http://127.0.0.1:8123/admin/login/" in second.getvalue()
    assert "Username: desk" in second.getvalue()

    # The password printed last is the one that works; the desk officer reaches the admin.
    assert not client.login(username="desk", password=_printed_password(first.getvalue()))
    assert client.login(username="desk", password=_printed_password(second.getvalue()))
    assert client.get("/admin/cases/situation/add/").status_code == 200


@pytest.mark.django_db
def test_demo_login_keeps_a_given_password(client):
    for _ in range(2):
        out = StringIO()
        call_command(
            "create_demo_login", "--username", "officer", "--password", "Guinea-2010!", stdout=out
        )
        assert "Password: Guinea-2010!" in out.getvalue()
    assert get_user_model().objects.filter(username="officer").count() == 1
    assert client.login(username="officer", password="Guinea-2010!")


@pytest.mark.django_db
def test_demo_login_refuses_a_weak_password_in_one_line():
    with pytest.raises(CommandError, match=r"^password refused: .*too common"):
        call_command("create_demo_login", "--password", "password", stdout=StringIO())
    assert not get_user_model().objects.filter(username="desk").exists()


# --- start_tracker --------------------------------------------------------------------------


def test_login_url_follows_the_address_the_server_listens_on():
    assert base_url_for("127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert base_url_for("8080") == "http://127.0.0.1:8080"
    assert base_url_for("0.0.0.0:9000") == "http://127.0.0.1:9000"


def test_plain_http_is_for_loopback_addresses_only():
    assert local_environment("127.0.0.1:8000") == {"TRACKER_LOCAL_HTTP": "1"}
    assert local_environment("8000") == {"TRACKER_LOCAL_HTTP": "1"}
    assert local_environment("[::1]:8000") == {"TRACKER_LOCAL_HTTP": "1"}
    assert local_environment("localhost:8000") == {"TRACKER_LOCAL_HTTP": "1"}
    assert local_environment("0.0.0.0:8000") == {}
    assert local_environment("192.0.2.7:8000") == {}
    web = next(s for s in StartTracker().process_specs("127.0.0.1:8765") if s.name == "web")
    assert web.env == {"TRACKER_LOCAL_HTTP": "1"}


def test_a_missing_step_stops_start_tracker_with_a_one_line_reason():
    command = StartTracker(stdout=StringIO(), stderr=StringIO())
    with pytest.raises(
        CommandError,
        match=r'^stopped at "Doing the impossible": the no_such_step management command is not',
    ):
        command.step("Doing the impossible", "no_such_step")


def test_the_web_server_is_one_of_the_supervised_processes():
    specs = StartTracker().process_specs("127.0.0.1:8765")
    web = next(spec for spec in specs if spec.name == "web")
    assert web.argv[1:] == [
        str(settings.BASE_DIR / "manage.py"),
        "runserver",
        "127.0.0.1:8765",
        "--noreload",
    ]


# --- the supervisor -------------------------------------------------------------------------


def _sleeper(name: str, *, ignore_term: bool = False) -> ProcessSpec:
    code = "import time\n"
    if ignore_term:
        code += "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += "time.sleep(60)\n"
    return ProcessSpec(name=name, argv=[PYTHON, "-c", code])


def _send_soon(signum: int, delay: float = 0.5) -> threading.Timer:
    timer = threading.Timer(delay, os.kill, args=(os.getpid(), signum))
    timer.start()
    return timer


def test_sigterm_stops_every_process_and_counts_as_a_normal_stop():
    handler_before = signal.getsignal(signal.SIGTERM)
    supervisor = Supervisor([_sleeper("web"), _sleeper("worker")], grace_seconds=5)
    _send_soon(signal.SIGTERM)
    outcome = supervisor.run()

    assert outcome.ok
    assert outcome.stopped_by_signal == signal.SIGTERM
    assert {name: p.returncode for name, p in supervisor.processes.items()} == {
        "web": -signal.SIGTERM,
        "worker": -signal.SIGTERM,
    }
    # Our own handlers are gone again: a later SIGTERM is handled as before.
    assert signal.getsignal(signal.SIGTERM) is handler_before


def test_when_one_process_fails_the_others_are_stopped_and_the_failure_reported():
    failing = ProcessSpec(name="web", argv=[PYTHON, "-c", "import sys; sys.exit(3)"])
    supervisor = Supervisor([failing, _sleeper("worker")], grace_seconds=5)
    outcome = supervisor.run()

    assert not outcome.ok
    assert outcome.first_exit == ("web", 3)
    assert outcome.describe() == "web exited with code 3"
    assert supervisor.processes["worker"].returncode == -signal.SIGTERM


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace():
    supervisor = Supervisor([_sleeper("stubborn", ignore_term=True)], grace_seconds=0.5)
    _send_soon(signal.SIGINT)
    started = time.monotonic()
    outcome = supervisor.run()

    assert outcome.stopped_by_signal == signal.SIGINT
    assert supervisor.processes["stubborn"].returncode == -signal.SIGKILL
    assert time.monotonic() - started < 10


# --- the whole start command, as the README runs it ------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_in_and_open(base_url: str, username: str, password: str, path: str) -> str:
    """Sign in through the admin's login form, as a browser would, and return ``path``'s page."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login_url = f"{base_url}/admin/login/?next={path}"
    with opener.open(login_url, timeout=10) as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": path}
    ).encode()
    request = urllib.request.Request(login_url, data=body, headers={"Referer": login_url})
    with opener.open(request, timeout=30) as response:
        assert response.url == f"{base_url}{path}", "the login was refused"
        return response.read().decode()


def test_start_tracker_sets_up_a_fresh_database_and_serves_the_login(
    tmp_path: Path, fresh_database_url: str
):
    port = _free_port()
    # A fresh clone's environment: no DEBUG (off by default), no SECRET_KEY (kept in var/), no
    # ALLOWED_HOSTS; the login below works over plain http on loopback (no https redirect, the
    # session cookie sent over http).
    unset = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "TRACKER_LOCAL_HTTP", "SECURE_SSL_REDIRECT"}
    env = {
        **{name: value for name, value in os.environ.items() if name not in unset},
        "DATABASE_URL": fresh_database_url,
        "STATIC_ROOT": str(tmp_path / "static"),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "start.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                PYTHON,
                str(settings.BASE_DIR / "manage.py"),
                "start_tracker",
                "--addrport",
                f"127.0.0.1:{port}",
                "--password",
                "Preventive-2011!",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        login_page = None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/admin/login/", timeout=2
                ) as response:
                    login_page = response.status
                    break
            except OSError:
                time.sleep(0.5)
        output = log_path.read_text()
        assert login_page == 200, output
        assert f"URL:      http://127.0.0.1:{port}/admin/login/" in output
        assert "Username: desk" in output
        assert "Password: Preventive-2011!" in output

        # The printed login opens the desk officers' admin on the report's situations.
        situations = _log_in_and_open(
            f"http://127.0.0.1:{port}", "desk", "Preventive-2011!", "/admin/cases/situation/"
        )
        assert "Guinea" in situations and "Kyrgyzstan" in situations
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/admin/css/base.css", timeout=5
        ) as stylesheet:
            assert stylesheet.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)

    assert returncode == 0, log_path.read_text()
    # The web server went down with it.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


@pytest.mark.django_db
def test_setting_up_twice_leaves_the_same_rows(settings, tmp_path: Path):
    from cases.models import Actor, Engagement, Paragraph, Situation, WarningIndicator

    settings.STATIC_ROOT = tmp_path / "static"

    def set_up() -> tuple[str, dict[str, int]]:
        out = StringIO()
        call_command("start_tracker", "--setup-only", "--verbosity", "0", stdout=out)
        counts = {
            model.__name__: model.objects.count()
            for model in (Situation, WarningIndicator, Actor, Engagement, Paragraph)
        }
        counts["users"] = get_user_model().objects.count()
        return out.getvalue(), counts

    first_output, first = set_up()
    second_output, second = set_up()

    assert first == second
    assert first["Situation"] > 0 and first["Paragraph"] >= 72 and first["users"] == 1
    assert "Demo login (created" in first_output
    assert "Demo login (updated" in second_output
    assert (tmp_path / "static" / "admin" / "css" / "base.css").exists()
    # The demo desk officer is assigned every seeded region: the first run's alert e-mails reach
    # it (they went to nobody: "No desk officer is assigned to Africa").
    from alerts.models import DeskAssignment

    seeded = set(Situation.objects.values_list("region", flat=True))
    assigned = set(
        DeskAssignment.objects.filter(user__username="desk").values_list("region", flat=True)
    )
    assert seeded and assigned == seeded
    assert "Alert e-mails for: Africa" in first_output
