"""Input built to break the API gets a clear JSON error, never a 500 (issue 14, findings 7 and 8)."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client, override_settings

from tests.factories import ActorFactory, SituationFactory

pytestmark = pytest.mark.django_db


def error_code(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]["code"]


def test_json_nested_a_thousand_deep_is_a_parse_error(api):
    body = "[" * 1000 + "]" * 1000
    response = api.client.generic(
        "POST", "/api/v1/situations/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert error_code(response) == "parse_error"


@pytest.mark.parametrize("offset", ["-20:00", "+14:01", "+23:59"])
def test_any_offset_rfc_3339_allows_is_read_as_its_instant(api, offset):
    # PostgreSQL refuses a displacement from ±16:00 on; the filter hands it the instant in UTC.
    response = api.get("situations/", {"updated_after": f"2011-08-26T00:00:00{offset}"})
    assert response.status_code == 200


@pytest.mark.parametrize("offset", ["+25:00", "-24:00"])
def test_a_time_zone_out_of_range_is_a_field_error(api, offset):
    response = api.get("situations/", {"updated_after": f"2011-08-26T00:00:00{offset}"})
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert "updated_after" in response.json()["error"]["fields"]


@pytest.mark.parametrize("since", ["100000000000000000000", "9223372036854775808", "-1"])
def test_a_feed_position_out_of_range_is_a_field_error(api, since):
    response = api.get("changes/", {"since": since})
    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"
    assert "since" in response.json()["error"]["fields"]


def test_the_largest_feed_position_is_read_as_the_end_of_the_feed(api):
    response = api.get("changes/", {"since": str(2**63 - 1)})
    assert response.status_code == 200
    assert response.json()["changes"] == []


def _cursor(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "payload",
    [
        {"f": "risk_level", "v": "abc"},
        {"f": "risk_level", "v": "abc", "id": "00000000-0000-0000-0000-000000000000"},
        {"f": "risk_level", "v": ["x"], "id": "not-a-uuid"},
        {"f": "updated_at", "v": "not a time", "id": "00000000-0000-0000-0000-000000000000"},
        {"f": "title", "v": {"a": 1}, "id": 3},
    ],
)
def test_a_crafted_cursor_is_an_invalid_cursor(api, payload):
    SituationFactory()
    ordering = payload["f"]
    response = api.get("situations/", {"ordering": ordering, "cursor": _cursor(payload)})
    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_an_unknown_api_url_is_the_json_not_found_for_every_method(method):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)("/api/v1/no-such-thing/42/")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_a_body_over_the_limit_is_a_json_413(api):
    body = json.dumps({"title": "x" * (2 * 1024 * 1024)})
    response = api.client.generic(
        "POST", "/api/v1/situations/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert error_code(response) == "request_too_large"


def test_if_none_match_star_on_put_creates_only(internal_api):
    situation = SituationFactory(sharing="green")
    before = situation.version
    body = internal_api.get(f"/api/v1/situations/{situation.pk}/").json()
    body["title"] = "Overwritten"
    response = internal_api.put(
        f"/api/v1/situations/{situation.pk}/", body, format="json", HTTP_IF_NONE_MATCH="*"
    )
    assert response.status_code == 412
    assert error_code(response) == "precondition_failed"
    situation.refresh_from_db()
    assert situation.version == before and situation.title != "Overwritten"

    # The same body to a new id creates it.
    del body["id"]
    new_id = "5f0e6b52-9a3e-4c39-9d3c-2f9ad0c6b0a1"
    body["slug"] = "a-new-situation"
    response = internal_api.put(
        f"/api/v1/situations/{new_id}/", body, format="json", HTTP_IF_NONE_MATCH="*"
    )
    assert response.status_code == 201, response.content


def test_unknown_feed_parameters_are_refused(api):
    response = api.get("changes/", {"since": "0", "type": "situation"})
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert "type" in response.json()["error"]["fields"]


def test_an_actor_cannot_be_its_own_parent_or_ancestor(internal_api):
    top = ActorFactory(name="Top")
    middle = ActorFactory(name="Middle", parent=top)
    bottom = ActorFactory(name="Bottom", parent=middle)
    for actor, parent in ((top, top), (top, bottom)):
        response = internal_api.patch(
            f"/api/v1/actors/{actor.pk}/", {"parent": str(parent.pk)}, format="json"
        )
        assert response.status_code == 400, response.content
        assert "parent" in response.json()["error"]["fields"]
    top.refresh_from_db()
    assert top.parent is None


# Found by the fuzzer signed in as a desk officer (issue 14: the desk officer's run in CI).


@pytest.mark.parametrize("path", ["/api/v1/changes/", "/api/v1/situations/", "/api/v1/me/"])
def test_a_method_no_endpoint_serves_is_a_405_for_a_person_too(internal_api, path):
    # TRACE reached the permission check, which read a view set's action on a plain view: 500.
    response = internal_api.generic("TRACE", path)
    assert response.status_code == 405


def test_a_slug_is_a_string_not_a_number(internal_api):
    body = {
        "title": "Zero",
        "slug": 0,
        "region": "africa",
        "crisis_type": "political-crisis",
        "sharing": "red",
    }
    response = internal_api.post("/api/v1/situations/", body, format="json")
    assert response.status_code == 400
    assert "slug" in response.json()["error"]["fields"]
    body["slug"] = "zero"
    created = internal_api.post("/api/v1/situations/", body, format="json")
    assert created.status_code == 201, created.json()


@pytest.mark.parametrize("path", ["changes/", "situations/"])
def test_an_empty_limit_is_a_field_error(api, path):
    # Found by the fuzzer: ``?limit=`` was read as the default page size.
    response = api.get(path, {"limit": ""})
    assert response.status_code == 400
    assert "limit" in response.json()["error"]["fields"]
