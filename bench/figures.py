"""A measured figure, and the helpers every measure uses (timing, counting queries)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

# How a figure behaves as data grows: a cost should grow at most with the data, a rate should
# fall at most with it, a count is the work done (informative).
COST, RATE, COUNT, RATIO = "cost", "rate", "count", "ratio"


@dataclass
class Figure:
    key: str
    label: str
    value: float
    unit: str
    kind: str = COST

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Timed:
    seconds: float
    queries: int
    result: object
    statements: list = field(default_factory=list)  # [seconds, start of the SQL] per query


# Where the time of the main measures went, statement by statement (written to the JSON).
STATEMENTS: dict[str, list] = {}


def keep_statements(name: str, run: Timed) -> Timed:
    STATEMENTS[name] = sorted(run.statements, reverse=True)
    return run


@contextmanager
def _capture():
    with CaptureQueriesContext(connection) as captured:
        yield captured


def timed(function: Callable[[], object]) -> Timed:
    """Wall time and number of SQL queries of one call."""
    with _capture() as captured:
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
    statements = [
        [float(q["time"]), " ".join(q["sql"].split())[:160]] for q in captured.captured_queries
    ]
    return Timed(seconds, len(captured.captured_queries), result, statements)


def median_timed(function: Callable[[], object], repeats: int) -> Timed:
    """The median wall time of ``repeats`` calls (query count and result of the last)."""
    runs = [timed(function) for _ in range(max(repeats, 1))]
    last = runs[-1]
    return Timed(
        statistics.median(r.seconds for r in runs), last.queries, last.result, last.statements
    )


def analyze(*tables: str) -> None:
    """Refresh the planner's statistics of tables a measure just rewrote, as autovacuum would
    soon after (it may be off on a benchmark server)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
