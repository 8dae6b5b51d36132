"""The benchmark at its tiny scale (50 situations): every measure runs — the gunicorn server, the
load client, the feed client — and the JSON holds every figure as a number. Figures are not
asserted against targets here: they are for people, on the large scale."""

from __future__ import annotations

import json
import math

import pytest

from bench import cli, report
from bench.batch import KINDS
from tests.conftest import url_of_database

# The server and the feed client are other processes: the data must be committed. The migrations'
# rows (alert rules, success elements) are restored afterwards for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def server_reaches_the_test_database(monkeypatch):
    """bench.server.database_url() spells a TCP address (host:port); a server on a unix socket
    (the embedded one's) has none. Then the gunicorn it starts is given the test database's URL on
    the same socket. (bench/server.py should quote a socket folder as the host; until then.)"""
    from django.db import connection

    from bench import server

    if connection.settings_dict["HOST"].startswith("/"):
        name = connection.settings_dict["NAME"]
        monkeypatch.setattr(server, "database_url", lambda: url_of_database(name))


EXPECTED = {
    "recompute.full.seconds",
    "recompute.full.queries",
    "recompute.first.seconds",
    "recompute.incremental.seconds",
    "recompute.baseline.seconds",
    "recompute.ratio",
    "rules.first.seconds",
    "rules.first.queries",
    "rules.alerts",
    "rules.second.seconds",
    "rules.second.new",
    "dashboard.seconds",
    "dashboard.queries",
    "dashboard.after_edit.seconds",
    "dashboard.after_edit.queries",
    "api.rps",
    "api.p50_ms",
    "api.p95_ms",
    "api.baseline.rps",
    "api.ratio",
    "feed.changes",
    "feed.seconds",
    "feed.changes_per_s",
    "feed.client_peak_rss_mb",
    "feed.server_peak_rss_mb",
    "feed.memory_flat",
    *(f"batch.{kind}.seconds" for kind, _ in KINDS),
}


def test_a_tiny_run_writes_every_figure(tmp_path, capsys, monkeypatch):
    # The command line sets its loopback settings in the environment: this process's only for
    # this test (later tests start subprocesses with the environment they expect).
    for name in ("TRACKER_LOCAL_HTTP", "ALLOWED_HOSTS", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "tiny.json"
    assert cli.main(["--scale", "tiny", "--json", str(out)]) == 0

    result = json.loads(out.read_text())
    figures = result["figures"]
    assert set(figures) >= EXPECTED
    for key, value in figures.items():
        assert isinstance(value, int | float) and math.isfinite(value), key
    assert result["situations"] == 50 and result["indicators"] == 500
    assert figures["rules.alerts"] > 0 and figures["rules.second.new"] == 0
    assert figures["feed.changes"] > 0 and figures["api.rps"] > 0
    assert figures["batch.size"] == 1000
    assert {row["key"] for row in result["targets"]} == {t.key for t in report.TARGETS}
    printed = capsys.readouterr().out
    assert "MET" in printed and "recompute" in printed


def test_a_second_run_reuses_the_data_set(tmp_path, capsys):
    from bench.generate import ensure_dataset
    from bench.scales import SCALES

    first = ensure_dataset(SCALES["tiny"], log=lambda *_: None)
    again = ensure_dataset(SCALES["tiny"], log=lambda *_: None)
    assert first.generated_in is not None and again.generated_in is None


def test_growth_compares_costs_and_rates_with_the_data():
    small = {
        "situations": 1000,
        "figures": {"a": 1.0, "r": 100.0, "n": 5},
        "figure_info": {},
    }
    large = {
        "situations": 100_000,
        "figures": {"a": 150.0, "r": 2.0, "n": 500},
        "figure_info": {
            "a": {"label": "a", "unit": "s", "kind": "cost"},
            "r": {"label": "r", "unit": "req/s", "kind": "rate"},
            "n": {"label": "n", "unit": "", "kind": "count"},
        },
    }
    rows = report.growth(small, large)
    assert set(rows) == {"a", "r"}
    assert rows["a"]["factor"] == 150 and not rows["a"]["met"]
    assert rows["r"]["factor"] == 50 and rows["r"]["met"]


def test_a_short_load_test_runs_without_failure(tmp_path, capsys, monkeypatch):
    """``python -m bench --only load`` for a few seconds with three users (one of each kind: a
    partner's system, a desk officer, a reviewer): the real gunicorn server
    (DEBUG off, collected static files), locust headless in a process of its own; every group of
    endpoints answered, none failed, and the figures are printed."""
    for name in ("TRACKER_LOCAL_HTTP", "ALLOWED_HOSTS", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "load.json"
    argv = ["--scale", "tiny", "--only", "load", "--users", "3", "--seconds", "10"]
    assert cli.main([*argv, "--json", str(out)]) == 0

    result = json.loads(out.read_text())
    figures = result["figures"]
    assert figures["load.requests"] > 0 and figures["load.failures"] == 0
    assert figures["load.rps"] > 0 and figures["load.p95_ms"] >= figures["load.p50_ms"] > 0
    groups = {row["group"]: row for row in result["load"]["groups"]}
    # The partner's system and the people were both at work (a cold server on a busy machine
    # answers its first requests in seconds: no more is asserted of a few seconds' run).
    assert any(name.startswith("GET api:") for name in groups), sorted(groups)
    assert any(name.endswith("dashboard: login") for name in groups), sorted(groups)
    assert all(row["failures"] == 0 for row in groups.values())
    printed = capsys.readouterr().out
    assert "Load test: 3 users for 10 s" in printed and "p95 ms" in printed
    assert "Aggregated" in printed
    # The situations the partner created are gone again: the data set stays as generated.
    from cases.models import Situation

    assert not Situation.objects.filter(slug__startswith="load-").exists()
