"""``GET /api/v1/`` lists the API's resources (it answered 404; issue 15)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from openapi_schema_validator import OAS31Validator
from rest_framework.test import APIClient

from api.urls import router

pytestmark = pytest.mark.django_db


def test_the_root_lists_every_resource_with_its_url(api):
    response = APIClient().get("/api/v1/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body["resources"]) == {prefix for prefix, _, _ in router.registry}
    assert body["resources"]["situations"] == "http://testserver/api/v1/situations/"
    for prefix, url in body["resources"].items():
        assert api.get(urlsplit(url).path).status_code == 200, prefix
    assert body["changes"] == "http://testserver/api/v1/changes/"
    assert body["me"] == "http://testserver/api/v1/me/"
    assert body["schema"] == "http://testserver/api/v1/schema/"
    assert body["docs"] == "http://testserver/api/v1/docs/"


def test_the_root_answers_a_partner_token_alike(api):
    assert api.get("/api/v1/").json() == APIClient().get("/api/v1/").json()


def test_the_root_is_in_the_schema_as_it_answers():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    OAS31Validator({**body, "components": schema["components"]}).validate(
        APIClient().get("/api/v1/").json()
    )
    assert operation.get("security") in (None, [])  # public, like the schema and the docs


def test_the_root_takes_only_get():
    assert APIClient().post("/api/v1/", {}, format="json").status_code == 405
