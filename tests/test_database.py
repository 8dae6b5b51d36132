"""The one database: DATABASE_URL when set (PostgreSQL only), else PostgreSQL from a wheel.

The embedded server is started here on data folders of the tests' own, by owner processes like
the tracker's: each prints what it got, then exits (or is killed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tracker import database

ROOT = Path(__file__).resolve().parent.parent

OWNER = """
import json, sys, time
from pathlib import Path

import psycopg

from tracker import database

url = database.start_embedded(Path(sys.argv[1]), "app")
with psycopg.connect(url) as connection:
    name = connection.execute("SELECT current_database()").fetchone()[0]
print(json.dumps({"url": url, "pid": database._server.get_pid(), "database": name}), flush=True)
time.sleep(float(sys.argv[2]))
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}


def start_owner(data_dir: Path, stay: float = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", OWNER, str(data_dir), str(stay)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def report(owner: subprocess.Popen) -> dict:
    line = owner.stdout.readline()
    assert line, owner.stderr.read()
    return json.loads(line)


def own(data_dir: Path) -> dict:
    """Start (or adopt) the server as an owner that exits at once; what it got."""
    owner = start_owner(data_dir)
    got = report(owner)
    assert owner.wait(timeout=60) == 0, owner.stderr.read()
    return got


def gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not psutil.pid_exists(pid)


def test_a_postgres_database_url_is_used_as_given(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://tracker:secret@db.example.org:5433/tracker")
    assert database.database_url() == "postgres://tracker:secret@db.example.org:5433/tracker"


def test_a_socket_folder_given_as_host_parameter_is_the_host():
    config = database.django_database("postgresql://postgres@/tracker?host=/run/pg")
    assert (config["HOST"], config["NAME"], config["USER"]) == ("/run/pg", "tracker", "postgres")
    assert "host" not in config.get("OPTIONS", {})


@pytest.mark.parametrize("url", ["sqlite:///var/tracker.sqlite3", "mysql://u:secret@h/tracker"])
def test_any_other_database_url_is_refused_in_one_line(url):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    scheme = url.partition(":")[0]
    assert result.stderr.splitlines() == [
        f"tracker: DATABASE_URL must name a PostgreSQL database (postgres://…), not {scheme}://…: "
        "the tracker runs on PostgreSQL only (unset DATABASE_URL to run the embedded one under "
        "var/postgres/)"
    ]


def test_the_embedded_server_starts_in_a_deep_folder_and_stops_with_its_owner(tmp_path):
    # Deeper than a unix socket's path may be (about 107 characters), as a CI clone can be.
    data_dir = tmp_path / ("d" * 60) / ("e" * 60) / "postgres"
    got = own(data_dir)
    assert got["database"] == "app"
    assert got["url"].startswith("postgresql://postgres@/app?host=/")
    assert (data_dir / "PG_VERSION").exists()
    assert gone(got["pid"])


def test_a_server_left_by_a_killed_owner_is_adopted_then_stopped(tmp_path):
    data_dir = tmp_path / "postgres"
    owner = start_owner(data_dir, stay=120)
    left = report(owner)
    owner.send_signal(signal.SIGKILL)  # no exit handler runs: the server stays up
    owner.wait(timeout=30)
    assert psutil.pid_exists(left["pid"])

    adopted = own(data_dir)
    assert adopted["pid"] == left["pid"] and adopted["url"] == left["url"]
    assert gone(left["pid"])  # its new owner stopped it on leaving
    assert own(data_dir)["database"] == "app"  # and the next start starts it again


def test_sigterm_to_the_owner_stops_the_server(tmp_path):
    owner = start_owner(tmp_path / "postgres", stay=120)
    got = report(owner)
    owner.send_signal(signal.SIGTERM)
    assert owner.wait(timeout=60) == -signal.SIGTERM
    assert gone(got["pid"])


def test_two_owners_starting_at_once_share_one_server(tmp_path):
    data_dir = tmp_path / "postgres"
    owners = [start_owner(data_dir, stay=1) for _ in range(2)]
    first, second = (report(owner) for owner in owners)
    assert first == second
    for owner in owners:
        assert owner.wait(timeout=60) == 0, owner.stderr.read()
    assert gone(first["pid"])
