"""The OpenAPI schema validates, covers every endpoint, and the docs need no outside host."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from api import serializers as s
from api.alerts import AlertViewSet
from api.urls import router
from tests.factories import AssessmentFactory, EngagementPartnerFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db

# Early action reviews are written in the admin; partners read them.
READ_ONLY = {
    "success-elements",
    "documents",
    "alerts",
    "reviews",
    "review-findings",
    "follow-ups",
    "intervals",
}
OWN = {"webhooks"}  # a partner's own subscriptions: no PUT, no batch


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
    expected = {
        "/api/v1/": {"get"},
        "/api/v1/changes/": {"get"},
        "/api/v1/me/": {"get"},
        "/api/v1/alerts/{id}/acknowledge/": {"post"},
        # STIX 2.1 bundles (issue 17).
        "/api/v1/export/stix/": {"get"},
        "/api/v1/situations/{id}/stix/": {"get"},
    }
    for prefix, _viewset, _ in router.registry:
        lookup = "{id}"
        if prefix in OWN:
            expected[f"/api/v1/{prefix}/"] = {"get", "post"}
            expected[f"/api/v1/{prefix}/{lookup}/"] = {"get", "patch", "delete"}
            expected[f"/api/v1/{prefix}/{lookup}/rotate-secret/"] = {"post"}
            expected[f"/api/v1/{prefix}/{lookup}/replay/"] = {"post"}  # dead letters (issue 16)
            continue
        expected[f"/api/v1/{prefix}/"] = {"get"} if prefix in READ_ONLY else {"get", "post"}
        expected[f"/api/v1/{prefix}/{lookup}/"] = (
            {"get"} if prefix in READ_ONLY else {"get", "put", "patch", "delete"}
        )
        if prefix not in READ_ONLY:
            expected[f"/api/v1/{prefix}/batch/"] = {"post"}
    assert set(paths) == set(expected)
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path
        if path == "/api/v1/":
            # Public and counted by no throttle, like the schema: it answers 200 and only 200.
            assert set(paths[path]["get"]["responses"]) == {"200"}
            continue
        for method in methods:
            responses = paths[path][method]["responses"]
            assert {"401", "403", "404", "429"} <= set(responses), (path, method)
            if method in {"put", "patch", "delete"} and "webhooks" not in path:
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
    # The page's own script is served from a URL of its own (no inline script): it loads the
    # schema from this server.
    script = re.search(r'<script src="(/api/v1/docs/\?script=[^"]*)"', html)
    assert script, "the docs' script"
    code = APIClient().get(script.group(1).replace("&amp;", "&"))
    assert code.status_code == 200
    assert "/api/v1/schema/" in code.content.decode()


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


def _list_paths(schema) -> list[str]:
    return [
        path
        for path, item in schema["paths"].items()
        if "get" in item
        and "{" not in path
        and path.endswith("/")
        and path
        not in (
            "/api/v1/",  # the root: the resources' URLs, not a page of records
            "/api/v1/changes/",
            "/api/v1/schema/",
            "/api/v1/success-elements/",
            "/api/v1/me/",
            "/api/v1/webhooks/",
            "/api/v1/export/stix/",  # a STIX bundle, whole: not a page of records
        )
    ]


def test_every_list_is_described_as_the_one_page_object_the_server_sends(schema, api):
    """A generated client reads one page object per request, not an array of pages."""
    WarningIndicatorFactory()
    paths = _list_paths(schema)
    assert "/api/v1/situations/" in paths and "/api/v1/alerts/" in paths
    for path in paths:
        body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert "$ref" in body["schema"], (path, body["schema"])
        page = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
        assert page["type"] == "object" and set(page["properties"]) == {"next", "results"}
        response = api.get(path)
        assert response.status_code == 200, path
        OAS31Validator({**body["schema"], "components": schema["components"]}).validate(
            response.json()
        )


def test_list_parameters_state_their_bounds_and_allowed_values(schema):
    viewsets = {f"/api/v1/{prefix}/": viewset for prefix, viewset, _ in router.registry}
    for path in _list_paths(schema):
        parameters = {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["limit"]["minimum"] == 1 and parameters["limit"]["maximum"] == 1000
        fields = getattr(viewsets.get(path, AlertViewSet), "ordering_fields", None)
        if path != "/api/v1/documents/":
            assert set(parameters["ordering"]["enum"]) == {
                value for name in fields for value in (name, f"-{name}")
            }, path
    feed = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/changes/"]["get"]["parameters"]
    }
    assert feed["limit"]["maximum"] == 5000
    assert (feed["since"]["minimum"], feed["since"]["maximum"]) == (0, 2**63 - 1)


def test_request_bodies_forbid_unknown_fields_as_the_server_does(schema, internal_api):
    requests = {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("Request")
    }
    assert "SituationRequest" in requests and "PatchedSituationRequest" in requests
    assert all(c.get("additionalProperties") is False for c in requests.values())
    response = internal_api.post(
        "/api/v1/actors/", {"name": "X", "kind": "member-state", "colour": "blue"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"colour": ["Unknown field."]}


def test_stix_bundles_are_described_as_objects_of_the_stix_media_type(schema):
    for path in ("/api/v1/export/stix/", "/api/v1/situations/{id}/stix/"):
        responses = schema["paths"][path]["get"]["responses"]
        assert set(responses["200"]["content"]) == {"application/stix+json;version=2.1"}, path
        body = responses["200"]["content"]["application/stix+json;version=2.1"]["schema"]
        assert body["type"] == "object" and body["properties"]["type"]["enum"] == ["bundle"]
        assert set(responses["404"]["content"]) == {"application/json"}
    names = {p["name"] for p in schema["paths"]["/api/v1/export/stix/"]["get"]["parameters"]}
    assert {"situation", "region", "country", "changed_after", "sharing"} <= names
