"""(f) A short load test: locust, headless and bounded, against the tracker served as the Dockerfile
serves it (gunicorn, 3 gthread workers × 4 threads, ``DEBUG`` off) on a loopback port.

``users`` simulated users for ``seconds``: three in five a partner's system on the REST API (lists,
details, the changes feed, a PUT with ``If-Match`` on a situation of its own), the others desk
officers and reviewers on the dashboards, signed in through the login form
(``bench/locustfile.py``). Every answer that is not the expected status is a failure; the
benchmark exits non-zero if there is one.

Figures per endpoint group: requests, failures, p50/p95/p99 and requests per second. The API's
per-token throttle is lifted on the benchmark's server (one token for every partner user); the
login throttle is not (the users sign in with the right password). The situations the users
created are deleted afterwards, with their history and feed rows.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

from alerts.services.onboarding import person_onboard
from cases.choices import CrisisType, Region
from cases.models import Situation
from partners.services import issue_partner_token

from .batch import clean_up
from .figures import COUNT, RATE, Figure
from .generate import PARTNER_ACTOR

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# The Dockerfile's gunicorn: workers, threads.
WORKERS, THREADS = 3, 4
DESK, REVIEWER = "bench-load-desk", "bench-load-reviewer"
PASSWORD = "Load-test only: 7 plain words here"
# Slug prefix of the situations the partner users create (bench/locustfile.py).
CREATED_PREFIX = "load-"
PERCENTILES = ("50%", "95%", "99%")


def _config(folder: Path) -> Path:
    """The users' credentials, in a file only this run reads (under var/bench)."""
    _, token, _ = issue_partner_token(
        "Bench partner", actor=f"BA{PARTNER_ACTOR}", scopes="read,write", label="load test"
    )
    person_onboard(username=DESK, password=PASSWORD, role="desk", regions=[Region.AFRICA])
    person_onboard(username=REVIEWER, password=PASSWORD, role="reviewer")
    path = folder / "load-config.json"
    path.write_text(
        json.dumps(
            {
                "token": token,
                "desk": DESK,
                "reviewer": REVIEWER,
                "password": PASSWORD,
                "region": Region.AFRICA,
                "crisis_type": CrisisType.values[0],
            }
        )
    )
    path.chmod(0o600)
    return path


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan  # locust writes N/A for a group without requests


def read_stats(path: Path) -> list[dict]:
    """Locust's ``<prefix>_stats.csv``: one row per request name and method, then Aggregated."""
    rows = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "group": row["Name"] if row["Name"] == "Aggregated" else
                    f"{row['Type']} {row['Name']}",
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": _number(row["50%"]),
                    "p95_ms": _number(row["95%"]),
                    "p99_ms": _number(row["99%"]),
                    "rps": _number(row["Requests/s"]),
                }
            )  # fmt: skip
    return rows


def read_failures(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [
            f"{row['Occurrences']} × {row['Method']} {row['Name']}: {row['Error']}"
            for row in csv.DictReader(handle)
        ]


def run_locust(base_url: str, config: Path, users: int, seconds: int, folder: Path) -> Path:
    """Locust headless for ``seconds``, in a process of its own; returns its CSV prefix."""
    prefix = folder / "load"
    for stale in folder.glob("load_*.csv"):
        stale.unlink()
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", base_url, "--users", str(users), "--spawn-rate", str(max(1, users / 5)),
        "--run-time", f"{seconds}s", "--stop-timeout", "10", "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    environment = {**os.environ, "BENCH_LOAD_CONFIG": str(config)}
    try:
        # Bounded: the run time, the users' last requests, and locust's own start and stop.
        completed = subprocess.run(
            command, cwd=ROOT, env=environment, capture_output=True, text=True,
            timeout=seconds + 120,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise SystemExit(f"locust did not stop within {seconds + 120} s") from None
    if completed.returncode != 0 or not Path(f"{prefix}_stats.csv").exists():
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        raise SystemExit(f"locust failed ({completed.returncode}): {' | '.join(tail)}")
    return prefix


def measure(base_url: str, users: int, seconds: int, folder: Path, log=print) -> tuple[list, dict]:
    """Figures (the aggregate, and requests/p95 per group) and the per-group table."""
    config = _config(folder)
    try:
        prefix = run_locust(base_url, config, users, seconds, folder)
    finally:
        config.unlink(missing_ok=True)
        created = Situation.objects.filter(slug__startswith=CREATED_PREFIX)
        clean_up([str(pk) for pk in created.values_list("pk", flat=True)])
    rows = read_stats(Path(f"{prefix}_stats.csv"))
    failures = read_failures(Path(f"{prefix}_failures.csv"))
    total = next(row for row in rows if row["group"] == "Aggregated")
    figures = [
        Figure("load.users", "load test: users", users, "users", COUNT),
        Figure("load.seconds", "load test: duration", seconds, "s", COUNT),
        Figure("load.requests", "load test: requests", total["requests"], "requests", COUNT),
        Figure("load.failures", "load test: failures", total["failures"], "requests", COUNT),
        Figure("load.rps", "load test: requests/s", total["rps"], "req/s", RATE),
        Figure("load.p50_ms", "load test: p50", total["p50_ms"], "ms"),
        Figure("load.p95_ms", "load test: p95", total["p95_ms"], "ms"),
        Figure("load.p99_ms", "load test: p99", total["p99_ms"], "ms"),
    ]
    return figures, {"users": users, "seconds": seconds, "groups": rows, "failures": failures}
