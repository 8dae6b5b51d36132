"""The OpenAPI schema validates, covers every endpoint, and the docs need no outside host."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from api import serializers as s
from api.urls import router
from tests.factories import AssessmentFactory, EngagementPartnerFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db

# Early action reviews are written in the admin; partners read them.
READ_ONLY = {"success-elements", "documents", "alerts", "reviews", "review-findings", "follow-ups"}


@pytest.fixture
def schema():
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_schema_covers_every_endpoint_and_method(schema):
    paths = schema["paths"]
    expected = {"/api/v1/changes/": {"get"}, "/api/v1/alerts/{id}/acknowledge/": {"post"}}
    for prefix, _viewset, _ in router.registry:
        lookup = "{id}"
        expected[f"/api/v1/{prefix}/"] = {"get"} if prefix in READ_ONLY else {"get", "post"}
        expected[f"/api/v1/{prefix}/{lookup}/"] = (
            {"get"} if prefix in READ_ONLY else {"get", "put", "patch", "delete"}
        )
        if prefix not in READ_ONLY:
            expected[f"/api/v1/{prefix}/batch/"] = {"post"}
    assert set(paths) == set(expected)
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path
        for method in methods:
            responses = paths[path][method]["responses"]
            assert {"401", "403", "404", "429"} <= set(responses), (path, method)
            if method in {"put", "patch", "delete"}:
                assert "412" in responses, (path, method)
    situation_list = paths["/api/v1/situations/"]["get"]
    names = {p["name"] for p in situation_list["parameters"]}
    assert names >= {
        "region",
        "country",
        "status",
        "risk_level",
        "crisis_type",
        "updated_after",
        "updated_before",
        "search",
        "ordering",
        "cursor",
        "limit",
    }
    assert "partnerToken" in schema["components"]["securitySchemes"]
    sharing = schema["components"]["schemas"]["SharingEnum"]["enum"]
    assert sharing == ["clear", "green", "amber", "amber+strict", "red"]


def test_schema_holds_no_record_data(schema):
    situation = AssessmentFactory(engagement__situation__title="Secret red case").engagement
    text = APIClient().get("/api/v1/schema/", {"format": "json"}).content.decode()
    assert "Secret red case" not in text and str(situation.pk) not in text


def test_docs_page_loads_everything_from_this_server():
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", html), "external host in docs"
    assert not re.search(r"https?://(?!localhost|testserver)", html.split("<body")[0])
    for asset in re.findall(r"(?:src|href)=\"/static/([^\"?]+)", html):
        assert finders.find(asset), asset
    assert "/api/v1/schema/" in html


@pytest.mark.parametrize(
    ("resource", "serializer"),
    [
        ("situations", s.SituationSerializer),
        ("indicators", s.IndicatorSerializer),
        ("engagements", s.EngagementSerializer),
        ("assessments", s.AssessmentSerializer),
        ("actors", s.ActorSerializer),
    ],
)
def test_responses_have_exactly_the_documented_fields(api, resource, serializer):
    assessment = AssessmentFactory(engagement__situation__sharing="green")
    WarningIndicatorFactory(situation=assessment.engagement.situation)
    EngagementPartnerFactory(engagement=assessment.engagement)
    rows = api.get(f"{resource}/").json()["results"]
    assert rows
    for row in rows:
        assert set(row) == set(serializer().fields), resource


def test_schema_names_every_record_by_a_uuid_with_a_version(schema):
    components = schema["components"]["schemas"]
    for name in ("Alert", "Document", "DocumentDetail", "Paragraph", "SuccessElement"):
        properties = components[name]["properties"]
        assert properties["id"]["format"] == "uuid", name
        assert properties["version"]["type"] == "integer", name
        assert properties["updated_at"]["format"] == "date-time", name
    citations = components["Situation"]["properties"]["citations"]["items"]
    assert citations["format"] == "uuid"
    acknowledge = schema["paths"]["/api/v1/alerts/{id}/acknowledge/"]["post"]
    assert "412" in acknowledge["responses"]
    assert "If-Match" in {p["name"] for p in acknowledge["parameters"]}
    change_type = components["Change"]["properties"]["type"]["$ref"].rsplit("/", 1)[1]
    assert "alert" in components[change_type]["enum"]
