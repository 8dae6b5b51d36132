"""(e) The dashboard overview, served in process through Django's test client to a staff user:
server time (request to rendered response) and SQL queries, as a review team sees it twice: while
nothing changed since the last view, and just after a desk officer's edit *and the interval
recompute that edit queues* (``alerts.tasks.refresh_situation``, run here in process the moment
the edit committed; in production a worker runs it within seconds, and until then the page shows
the figures as they were). The overview's interval figures come from the summary the recompute
keeps (``alerts.models.IntervalSummary``), so both views compute them the same way.

It also measures that recompute for the edited situation, and how much of its time went to the
overview's summary (the statements on ``alerts_intervalsummary``: its lock and its upsert)."""

from __future__ import annotations

import statistics

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alerts.models import IntervalSummary
from alerts.services import recompute_intervals

from .figures import Figure, Timed, keep_statements, median_timed, timed

USERNAME = "bench-staff"


def measure(repeats: int) -> list[Figure]:
    user, _ = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"is_staff": True, "is_active": True}
    )
    client = Client()
    client.force_login(user)

    def get():
        response = client.get("/dashboard/")
        if response.status_code != 200:
            raise AssertionError(f"/dashboard/ answered {response.status_code}")
        return response

    get()  # warm: templates compiled, connection open
    run = keep_statements("dashboard", median_timed(get, repeats))
    after_edits, jobs, summary_parts = [], [], []
    for _ in range(max(repeats, 1)):
        situation_id = _edit_one_situation()  # not timed: the job after it and the view are
        job, summary = _recompute_for(situation_id)
        jobs.append(job)
        summary_parts.append(summary)
        after_edits.append(timed(get))
    after_edit = keep_statements(
        "dashboard.after_edit",
        Timed(
            statistics.median(r.seconds for r in after_edits),
            after_edits[-1].queries,
            None,
            after_edits[-1].statements,
        ),
    )
    return [
        Figure("dashboard.seconds", "dashboard overview, server time", run.seconds, "s"),
        Figure("dashboard.queries", "dashboard overview: SQL queries", run.queries, "queries"),
        Figure(
            "dashboard.after_edit.seconds",
            "dashboard overview just after an edit (and its recompute)",
            after_edit.seconds,
            "s",
        ),
        Figure(
            "dashboard.after_edit.queries",
            "dashboard overview after an edit: SQL queries",
            after_edit.queries,
            "queries",
        ),
        Figure(
            "dashboard.edit_job.seconds",
            "recompute queued by the edit (one situation)",
            statistics.median(jobs),
            "s",
        ),
        Figure(
            "dashboard.edit_job.summary_seconds",
            "  of which the overview's summary",
            statistics.median(summary_parts),
            "s",
        ),
    ]


def _recompute_for(situation_id) -> tuple[float, float]:
    """The interval recompute of one situation, as the worker runs it after a save: its wall time
    and the time of its statements on the summary table."""
    table = IntervalSummary._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        job = timed(lambda: recompute_intervals([situation_id]))
    summary = sum(float(q["time"]) for q in queries.captured_queries if table in q["sql"])
    return job.seconds, summary


def _edit_one_situation():
    """A committed save of one situation with a first warning: its region moved between Africa
    and Asia (a change the figures show: its summary row and the groups it leaves and joins are
    written again), its ``updated_at`` moved on. Returns its id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_situation SET updated_at = now(), "
            "region = CASE WHEN region = 'africa' THEN 'asia' ELSE 'africa' END "
            "WHERE id = (SELECT situation_id FROM alerts_situationinterval "
            "WHERE warning_from IS NOT NULL ORDER BY situation_id LIMIT 1) RETURNING id"
        )
        return cursor.fetchone()[0]
