"""``python -m bench --scale small|medium|large [--json out.json] [--fresh]``.

Generates (or reuses) the scale's data set on the PostgreSQL database of ``DATABASE_URL``, runs
every measure, prints the table and the targets, and writes the JSON (always also to
``var/bench/<scale>.json``, from which the growth between scales is computed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "var" / "bench"
MEASURES = ("intervals", "rules", "dashboard", "api", "feed", "batch")
# Run only when named in --only: the load test takes a minute by default.
OPTIONAL = ("load",)
STATIC_ENV = {"DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_PLAIN_MANIFEST": "1"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="small", help="tiny, small, medium or large")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data set")
    parser.add_argument(
        "--only",
        default=",".join(MEASURES),
        help=f"comma-separated subset of {','.join(MEASURES + OPTIONAL)} (default: all but load)",
    )
    parser.add_argument("--users", type=int, default=25, help="load: simulated users (default 25)")
    parser.add_argument(
        "--seconds", type=int, default=60, help="load: how long it runs (default 60 s)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the full recompute with pyinstrument"
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("SMALL_JSON", "LARGE_JSON"),
        help="print the growth between two result files and exit",
    )
    return parser


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    # Measured on this machine, as start_tracker runs it: plain http on loopback, the test
    # client's host among the loopback names (DEBUG is off unless set).
    os.environ.setdefault("TRACKER_LOCAL_HTTP", "true")
    # Development settings, as every earlier run was measured (static files from the apps).
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
    import django

    django.setup()


def _profiler(scale: str):
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--profile needs pyinstrument: pip install -e '.[bench]'") from None
    from .figures import timed

    def profile(name: str, function):
        profiler = Profiler(interval=0.001)
        profiler.start()
        try:
            return timed(function)
        finally:
            profiler.stop()
            path = RESULTS / f"profile-{name}-{scale}.txt"
            path.write_text(profiler.output_text(unicode=True, show_all=False))
            print(f"profile written to {path}")

    return profile


def collect_static() -> Path:
    """The static files collected as production serves them (hashed: the server runs with DEBUG
    off), in a folder of the benchmark's own (``bench.settings``: without compressed copies)."""
    folder = RESULTS / "static"
    completed = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=RESULTS.parent.parent,
        env={**os.environ, **STATIC_ENV, "DEBUG": "false", "STATIC_ROOT": str(folder)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if completed.returncode != 0:
        raise SystemExit(f"collectstatic failed: {completed.stderr.strip()[-300:]}")
    return folder


def _unapplied_migrations(connection) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def run(scale_name: str, *, fresh: bool = False, only=MEASURES, profile: bool = False,
        log=print, users: int = 25, seconds: int = 60) -> dict:  # fmt: skip
    """Every measure at one scale; returns the result (as written to JSON)."""
    from django.db import connection

    from partners.services import issue_partner_token

    from . import api, batch, dashboard, feeds, intervals, load, report, rules
    from .figures import STATEMENTS
    from .generate import PARTNER_ACTOR, ensure_dataset
    from .scales import SCALES
    from .server import Server

    if _unapplied_migrations(connection):
        raise SystemExit(
            "the database is not migrated: run `manage.py migrate` with the same DATABASE_URL first"
        )
    if scale_name not in SCALES:
        raise SystemExit(f"unknown scale {scale_name!r}: one of {', '.join(SCALES)}")
    scale = SCALES[scale_name]
    RESULTS.mkdir(parents=True, exist_ok=True)
    dataset = ensure_dataset(scale, fresh=fresh, log=log)
    figures = []
    started = time.perf_counter()
    if "intervals" in only:
        log("measuring the interval recompute …")
        figures += intervals.measure(_profiler(scale.name) if profile else None)
    if "rules" in only:
        log("measuring the alert evaluation …")
        figures += rules.measure()
    if "dashboard" in only:
        log("measuring the dashboard overview …")
        figures += dashboard.measure(scale.repeats)
    if "api" in only or "feed" in only or "batch" in only:
        _, token, _ = issue_partner_token(
            "Bench partner", actor=f"BA{PARTNER_ACTOR}", scopes="read", label="benchmark"
        )
        with Server() as server:
            if "api" in only:
                log("measuring the API list under load …")
                figures += api.measure(server.port, token, scale.load_seconds)
            if "feed" in only:
                log("measuring a full sync of the change feed …")
                figures += feeds.measure(server, token)
            if "batch" in only:
                log(f"measuring batches of {batch.SIZE:,} records …")
                _, writer, _ = issue_partner_token(
                    "Bench batch writer",
                    actor=f"BA{PARTNER_ACTOR + 1}",
                    scopes="read,write",
                    label="benchmark",
                )
                figures += batch.measure(server.port, writer)
    load_groups = None
    if "load" in only:
        log(f"load test: {users} users for {seconds} s …")
        static = collect_static()
        server = Server(load.WORKERS, load.THREADS, env={**STATIC_ENV, "STATIC_ROOT": str(static)})
        server.probe = "/dashboard/login/"
        with server:
            found, load_groups = load.measure(server.base_url, users, seconds, RESULTS, log=log)
            figures += found
    values = {f.key: f.value for f in figures}
    result = {
        "scale": scale.name,
        "situations": scale.situations,
        "indicators": scale.indicators,
        "engagements": scale.engagements,
        "anchor": dataset.anchor.isoformat(),
        "generated_in_s": dataset.generated_in,
        "measured_in_s": time.perf_counter() - started,
        "cpus": os.cpu_count(),
        "figures": values,
        "figure_info": {f.key: {"label": f.label, "unit": f.unit, "kind": f.kind} for f in figures},
        "targets": report.check_targets(values),
        "statements": dict(STATEMENTS),
    }
    if load_groups is not None:
        result["load"] = load_groups
    baseline = RESULTS / "small.json"
    if scale.name != "small" and scale.situations > 1000 and baseline.exists():
        result["growth_from"] = "small"
        result["growth"] = report.growth(json.loads(baseline.read_text()), result)
    return result


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.compare:
        from . import report

        small, large = (json.loads(p.read_text()) for p in args.compare)
        rows = report.growth(small, large)
        print(report.render({**large, "growth": rows, "growth_from": small["scale"]}))
        return 0
    _setup_django()
    only = tuple(m.strip() for m in args.only.split(",") if m.strip())
    unknown = set(only) - set(MEASURES + OPTIONAL)
    if unknown:
        print(f"unknown measure(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    from . import report

    if args.users < 1 or args.seconds < 1:
        print("--users and --seconds must be at least 1", file=sys.stderr)
        return 2
    result = run(
        args.scale,
        fresh=args.fresh,
        only=only,
        profile=args.profile,
        users=args.users,
        seconds=args.seconds,
    )
    text = json.dumps(result, indent=2, default=str)
    (RESULTS / f"{args.scale}.json").write_text(text)
    if args.json:
        args.json.write_text(text)
    print()
    print(report.render(result))
    failures = result["figures"].get("load.failures")
    if failures:
        print(f"the load test had {failures:,} failed requests", file=sys.stderr)
        return 1
    return 0
