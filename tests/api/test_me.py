"""``GET /api/v1/me/``: a partner sees its own access (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_partner_token_reads_its_organisation_scopes_expiry_and_levels(make_api):
    expires = timezone.now() + dt.timedelta(days=30)
    api = make_api(scopes=("read",), expires_at=expires)
    body = api.get("me/").json()
    assert body["kind"] == "partner-system"
    assert body["organisation"]["actor"] == str(api.partner.actor.pk)
    assert body["scopes"] == ["read"]
    assert body["expires_at"].startswith(expires.strftime("%Y-%m-%dT%H:%M"))
    assert {row["level"]: row["sees"] for row in body["sharing"]} == {
        "clear": "all",
        "green": "all",
        "amber": "listed",
        "amber+strict": "listed",
        "red": "none",
    }


def test_a_write_only_token_may_ask_too(make_api):
    api = make_api(scopes=("write",))
    response = api.get("me/")
    assert response.status_code == 200
    assert response.json()["scopes"] == ["write"]


def test_staff_see_every_level(internal_api):
    body = internal_api.get("/api/v1/me/").json()
    assert body["kind"] == "staff"
    assert all(row["sees"] == "all" for row in body["sharing"])


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/me/").status_code in (401, 403)
