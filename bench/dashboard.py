"""(e) The dashboard overview, served in process through Django's test client to a staff user:
server time (request to rendered response) and SQL queries, as a review team sees it twice: while
nothing changed since the last view (its interval figures kept, ``dashboards.freshness``) and
just after a desk officer's edit (every figure computed)."""

from __future__ import annotations

import statistics

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

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
    after_edits = []
    for _ in range(max(repeats, 1)):
        _edit_one_situation()  # not timed: the view after it is
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
            "dashboard overview just after an edit",
            after_edit.seconds,
            "s",
        ),
        Figure(
            "dashboard.after_edit.queries",
            "dashboard overview after an edit: SQL queries",
            after_edit.queries,
            "queries",
        ),
    ]


def _edit_one_situation() -> None:
    """A committed save of one situation (its risk level rewritten as it was): what any edit
    does to the figures kept between views."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_situation SET risk_level = risk_level "
            "WHERE id = (SELECT id FROM cases_situation ORDER BY id LIMIT 1)"
        )
