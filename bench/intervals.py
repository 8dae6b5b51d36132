"""(a) The interval recompute, run as the worker runs it, against one hand-written statement.

The baseline computes every situation's first-warning/first-action interval in a single
``CREATE TEMP TABLE … AS SELECT`` straight from the indicators and engagements (no per-indicator
rows, no upsert). Because a dated engagement answers a warning sign when it did not end before
it (under way then, or started after), the first action for the *earliest* warning at the
threshold is the earliest dated engagement not ended before that day: one join, one aggregate.
The generated data has no links from engagements to signs (a link wins over dates) and no stopped
clock (no status date, no report it is measured as of), so the baseline leaves both out.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from alerts import tasks
from alerts.models import MeasureSettings

from .figures import COUNT, RATIO, Figure, analyze, keep_statements, timed

BASELINE_TABLE = "bench_interval_baseline"
COMPARED = (
    "warning_from",
    "warning_until",
    "action_from",
    "action_until",
    "days_min",
    "days_max",
    "is_open",
    "is_exact",
)
SAMPLE = 500


def _period_end(date: str, precision: str) -> str:
    return (
        f"(CASE {precision} WHEN 'year' THEN (date_trunc('year', {date}) + interval '1 year - 1 day')::date "
        f"WHEN 'month' THEN (date_trunc('month', {date}) + interval '1 month - 1 day')::date "
        f"ELSE {date} END)"
    )


BASELINE_SQL = f"""
CREATE TEMP TABLE {BASELINE_TABLE} AS
WITH w AS (
    SELECT situation_id, min(observed_on) AS w_from,
           min({_period_end("observed_on", "observed_precision")}) AS w_until
    FROM cases_warningindicator WHERE severity >= %(threshold)s GROUP BY situation_id
), a AS (
    SELECT w.situation_id, min(e.started_on) AS a_from,
           min({_period_end("e.started_on", "e.started_precision")}) AS a_until
    FROM w JOIN cases_engagement e ON e.situation_id = w.situation_id
         AND e.started_on IS NOT NULL
         AND (e.ended_on IS NULL OR {_period_end("e.ended_on", "e.ended_precision")} >= w.w_from)
    GROUP BY w.situation_id
)
SELECT situation_id, warning_from, warning_until, action_from, action_until, days_min, days_max,
       is_open, is_exact
FROM (
    SELECT s.id AS situation_id, w.w_from AS warning_from, w.w_until AS warning_until,
           a.a_from AS action_from, a.a_until AS action_until,
           CASE WHEN w.w_from IS NULL THEN NULL
                WHEN a.a_from IS NULL THEN greatest(%(today)s::date - w.w_until, 0)
                ELSE greatest(a.a_from - w.w_until, 0) END AS days_min,
           CASE WHEN w.w_from IS NULL THEN NULL
                WHEN a.a_from IS NULL THEN greatest(%(today)s::date - w.w_from, 0)
                ELSE greatest(a.a_until - w.w_from, 0) END AS days_max,
           (w.w_from IS NOT NULL AND a.a_from IS NULL) AS is_open,
           w.w_from IS NOT NULL AND (CASE WHEN a.a_from IS NULL THEN w.w_from = w.w_until
                ELSE greatest(a.a_from - w.w_until, 0) = greatest(a.a_until - w.w_from, 0)
                END) AS is_exact
    FROM cases_situation s
    LEFT JOIN w ON w.situation_id = s.id
    LEFT JOIN a ON a.situation_id = s.id
) rows
"""


def drop_baseline() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")


def run_baseline(threshold: int, today: dt.date) -> int:
    """The statement, with the session settings the job uses (no JIT, memory to aggregate)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '128MB'")
        cursor.execute(BASELINE_SQL, {"threshold": threshold, "today": today})
        return cursor.rowcount


def compare_sample(today: dt.date) -> int:
    """Rows of the job that differ from the baseline, on every situation or a sample of them."""
    columns = ", ".join(COMPARED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH sample AS (
                SELECT situation_id FROM {BASELINE_TABLE} ORDER BY md5(situation_id::text)
                LIMIT %(n)s
            ), job AS (
                SELECT situation_id, {columns} FROM alerts_situationinterval
                WHERE situation_id IN (SELECT situation_id FROM sample)
            ), base AS (
                SELECT situation_id, {columns} FROM {BASELINE_TABLE}
                WHERE situation_id IN (SELECT situation_id FROM sample)
            )
            SELECT count(*) FROM ((TABLE job EXCEPT TABLE base) UNION ALL
                                  (TABLE base EXCEPT TABLE job)) differing
            """,
            {"n": SAMPLE},
        )
        return cursor.fetchone()[0]


def _reset_intervals() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE alerts_unansweredwarning, alerts_situationinterval, alerts_intervalsummary"
        )
    MeasureSettings.objects.filter(pk=1).update(intervals_computed_at=None)


def _settle() -> None:
    """Back to a data set at rest: edits made by an earlier run (``_touch``) dated a day ago, so
    that an incremental run finds only this run's edits (it looks back 15 minutes past the
    previous run)."""
    with connection.cursor() as cursor:
        for table in ("cases_situation", "cases_warningindicator", "cases_engagement"):
            cursor.execute(
                f"UPDATE {table} SET updated_at = now() - interval '1 day' "
                "WHERE updated_at > now() - interval '1 day'"
            )


def _touch(fraction: float) -> int:
    """A day's edits: the warning signs of ``fraction`` of the situations saved again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_warningindicator SET updated_at = now(), version = version + 1 "
            "WHERE situation_id IN (SELECT id FROM cases_situation "
            "ORDER BY md5(id::text || now()::text) LIMIT %s)",
            [max(1, int(fraction * _count("cases_situation")))],
        )
        return cursor.rowcount


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def measure(profile=None) -> list[Figure]:
    """Full recompute on empty tables (the first run), again on the rows it wrote (the full pass
    of a kept store), then incremental after 1 % of the situations changed; the baseline."""
    settings = MeasureSettings.load()
    today = timezone.localdate()
    _settle()
    _reset_intervals()
    # The periodic task, as beat sends it: with nothing computed yet it runs in full.
    run = profile("recompute-full", tasks.recompute_intervals) if profile else None
    cold = keep_statements("recompute.full", run or timed(tasks.recompute_intervals))
    analyze("alerts_unansweredwarning", "alerts_situationinterval", "alerts_intervalsummary")
    warm = keep_statements("recompute.warm", timed(lambda: tasks.recompute_intervals(full=True)))
    drop_baseline()
    baseline = timed(lambda: run_baseline(settings.threshold_severity, today))
    differing = compare_sample(today)
    if differing:
        raise AssertionError(
            f"the recompute and the SQL baseline disagree on {differing} of {SAMPLE} situations"
        )
    _touch(0.01)
    incremental = keep_statements("recompute.incremental", timed(tasks.recompute_intervals))
    if "incremental" not in str(incremental.result):
        raise AssertionError(f"expected an incremental run, got {incremental.result}")
    return [
        # The periodic job's full pass over a store it keeps up to date (more than 5,000
        # situations changed, or ``full=True``): the figure the targets apply to.
        Figure("recompute.full.seconds", "recompute, full (store up to date)", warm.seconds, "s"),
        Figure("recompute.full.queries", "recompute, full: SQL queries", warm.queries, "queries"),
        Figure(
            "recompute.ratio",
            "recompute full / baseline",
            warm.seconds / max(baseline.seconds, 1e-6),
            "×",
            RATIO,
        ),
        # The very first run writes every row (a million at the large scale).
        Figure("recompute.first.seconds", "recompute, first run (empty store)", cold.seconds, "s"),
        Figure(
            "recompute.first.ratio",
            "recompute first run / baseline",
            cold.seconds / max(baseline.seconds, 1e-6),
            "×",
            RATIO,
        ),
        Figure(
            "recompute.incremental.seconds",
            "recompute, incremental (1 % changed)",
            incremental.seconds,
            "s",
        ),
        Figure(
            "recompute.incremental.queries",
            "recompute, incremental: SQL queries",
            incremental.queries,
            "queries",
        ),
        Figure("recompute.baseline.seconds", "baseline: one SQL statement", baseline.seconds, "s"),
        Figure(
            "recompute.rows",
            "situations compared with the baseline",
            min(SAMPLE, _count("alerts_situationinterval")),
            "rows",
            COUNT,
        ),
    ]
