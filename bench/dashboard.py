"""(e) The dashboard overview, served in process through Django's test client to a staff user:
server time (request to rendered response) and SQL queries."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from .figures import Figure, keep_statements, median_timed

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
    return [
        Figure("dashboard.seconds", "dashboard overview, server time", run.seconds, "s"),
        Figure("dashboard.queries", "dashboard overview: SQL queries", run.queries, "queries"),
    ]
