"""The table, the targets (met or not) and the growth from one scale to another."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .figures import COST, RATE

GROWTH_TOLERANCE = 1.2  # "at most linearly": within 20 % of the data's own growth


@dataclass(frozen=True)
class Target:
    name: str
    key: str
    limit: float
    at_most: bool = True  # False: at least

    def check(self, figures: dict) -> tuple[float | None, bool | None]:
        value = figures.get(self.key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None, None
        return value, value <= self.limit if self.at_most else value >= self.limit


TARGETS = [
    Target("recompute (full, store up to date) ≤ 3 s", "recompute.full.seconds", 3.0),
    Target("recompute (full) ≤ 10 queries", "recompute.full.queries", 10),
    Target("recompute (full) ≤ 3× the SQL baseline", "recompute.ratio", 3.0),
    Target("recompute (first run, empty store) ≤ 3 s", "recompute.first.seconds", 3.0),
    Target("recompute (first run) ≤ 3× the SQL baseline", "recompute.first.ratio", 3.0),
    Target("API list ≥ 0.6× the values() baseline's throughput", "api.ratio", 0.6, False),
    Target("full feed sync ≤ 60 s", "feed.seconds", 60.0),
    Target("full feed sync with flat memory", "feed.memory_flat", 1, False),
    Target("dashboard overview ≤ 300 ms server time", "dashboard.seconds", 0.3),
    Target(
        "dashboard overview after an edit ≤ 300 ms server time", "dashboard.after_edit.seconds", 0.3
    ),
]


def check_targets(figures: dict) -> list[dict]:
    rows = []
    for target in TARGETS:
        value, met = target.check(figures)
        rows.append({"target": target.name, "key": target.key, "value": value, "met": met})
    return rows


def growth(small: dict, large: dict) -> dict:
    """Per figure, how much more it costs at ``large`` than at ``small`` (a rate's inverse), set
    beside the growth of the data."""
    data = large["situations"] / small["situations"]
    rows = {}
    for key, info in large["figure_info"].items():
        kind = info["kind"]
        a, b = small["figures"].get(key), large["figures"].get(key)
        if kind not in (COST, RATE) or not a or not b:
            continue
        factor = b / a if kind == COST else a / b
        rows[key] = {
            "label": info["label"],
            "factor": factor,
            "data_factor": data,
            "met": factor <= GROWTH_TOLERANCE * data,
        }
    return rows


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.4f}"
    return f"{value:,}"


def verdict(met: bool | None) -> str:
    return "—" if met is None else ("MET" if met else "NOT MET")


def render(result: dict) -> str:
    lines = [
        f"Benchmark at scale {result['scale']}: {result['situations']:,} situations, "
        f"{result['indicators']:,} warning indicators, {result['engagements']:,} engagements "
        f"(PostgreSQL, {result['cpus']} CPUs)",
        "",
        f"{'figure':<52} {'value':>12}  unit",
        "-" * 76,
    ]
    for key, info in result["figure_info"].items():
        lines.append(f"{info['label']:<52} {_fmt(result['figures'][key]):>12}  {info['unit']}")
    lines += ["", f"Targets (defined for the large scale; this run: {result['scale']})", "-" * 76]
    for row in result["targets"]:
        lines.append(f"{row['target']:<60} {_fmt(row['value']):>10}  {verdict(row['met'])}")
    for name, statements in (result.get("statements") or {}).items():
        lines += ["", f"Slowest statements of {name}", "-" * 76]
        for seconds, sql in statements[:4]:
            lines.append(f"{float(seconds):>8.3f} s  {sql[:64]}")
    if result.get("load"):
        lines += ["", render_load(result["load"])]
    if result.get("growth"):
        g = result["growth"]
        base = result.get("growth_from", "small")
        lines += ["", f"Growth {base} → {result['scale']} (cost factor; MET when at most the "
                  f"data's growth × {GROWTH_TOLERANCE}, for timing noise)", "-" * 76]  # fmt: skip
        for row in g.values():
            lines.append(
                f"{row['label']:<52} {row['factor']:>8.1f}× / {row['data_factor']:.0f}×  "
                f"{verdict(row['met'])}"
            )
    return "\n".join(lines)


def render_load(section: dict) -> str:
    """The load test's figures per endpoint group, and its failures."""
    rows, failures = section["groups"], section["failures"]
    lines = [
        f"Load test: {section['users']} users for {section['seconds']} s (locust, headless)",
        "-" * 88,
        f"{'endpoint group':<32} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>7}",
        "-" * 88,
    ]
    for row in rows:
        lines.append(
            f"{row['group']:<32} {row['requests']:>9,} {row['failures']:>9,} "
            f"{row['p50_ms']:>8.0f} {row['p95_ms']:>8.0f} {row['p99_ms']:>8.0f} {row['rps']:>7.1f}"
        )
    lines += [f"failure: {line}" for line in failures[:20]]
    return "\n".join(lines)
