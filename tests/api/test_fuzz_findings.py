"""What schemathesis found (issue 14: the schema tells the truth), each kept cheap to re-check.

The full run is ``.ci/fuzz.py`` in CI; these pin each server-side fix and each schema statement
the server must honour.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import ActorFactory, SituationFactory

pytestmark = pytest.mark.django_db


def error(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]


def test_an_unknown_api_path_with_a_newline_is_the_json_404(api):
    response = api.get("/api/v1/indicators/%0Ax/")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize("path", ["situations/", "actors/", "indicators/", "alerts/"])
@pytest.mark.parametrize("name", ["updated_before", "situation", "risk_level_min"])
def test_a_filter_given_no_value_is_a_field_error(api, path, name):
    response = api.get(path, {name: ""})
    if name == "situation" and path in ("situations/", "actors/"):
        assert response.status_code == 400  # not a filter of this list: unknown parameter
    elif name == "risk_level_min" and path == "actors/":
        assert response.status_code == 400
    else:
        assert response.status_code == 400, response.content
        assert name in error(response)["fields"]


def test_free_text_filters_and_the_search_may_be_empty(api):
    assert api.get("actors/", {"acronym": "", "search": ""}).status_code == 200


@pytest.mark.parametrize(("name", "value"), [("risk_level_min", "0.5"), ("severity_min", "1.5")])
def test_a_whole_number_filter_refuses_a_fraction(api, name, value):
    response = api.get("indicators/", {name: value})
    assert response.status_code == 400
    assert name in error(response)["fields"]


@pytest.mark.parametrize("value", ["null", "1", "yes", "True"])
def test_a_boolean_filter_takes_only_true_or_false(api, value):
    response = api.get("indicators/", {"threshold_moment": value})
    assert response.status_code == 400
    assert "threshold_moment" in error(response)["fields"]


def test_a_boolean_filter_filters(api):
    assert api.get("indicators/", {"threshold_moment": "false"}).status_code == 200
    assert api.get("engagements/", {"dated": "true"}).status_code == 200


@pytest.mark.parametrize("since", ["", " 5", "+5", "1_0", "٥"])
def test_a_feed_position_is_digits_only(api, since):
    response = api.get("changes/", {"since": since})
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", [" 5", "+5", "1_0", "٥"])
def test_a_page_size_is_digits_only(api, limit):
    response = api.get("situations/", {"limit": limit})
    assert response.status_code == 400
    assert "limit" in error(response)["fields"]


def test_an_empty_link_is_refused_not_taken_for_null(api):
    response = api.post(
        "actors/", {"name": "Group of Friends of Mediation", "kind": "ifi", "parent": ""}
    )
    assert response.status_code == 400
    assert "parent" in error(response)["fields"]


@pytest.mark.parametrize("header", ["", "0", "3", 'W/"a" junk', '"1", 2'])
def test_a_malformed_precondition_is_a_400_not_a_412(api, header):
    actor = ActorFactory()
    for response in (
        api.patch(f"actors/{actor.pk}/", {"description": "x"}, HTTP_IF_MATCH=header),
        api.delete(f"actors/{actor.pk}/", HTTP_IF_MATCH=header),
        api.get(f"actors/{actor.pk}/", HTTP_IF_NONE_MATCH=header),
    ):
        assert response.status_code == 400, response.content
        assert set(error(response)["fields"]) <= {"If-Match", "If-None-Match"}


@pytest.mark.parametrize("header", ["*", '"1"', 'W/"1"', '"7", "1"', ' "1" '])
def test_a_well_formed_precondition_is_honoured(api, header):
    situation = SituationFactory(sharing="clear")
    response = api.get(f"situations/{situation.pk}/", HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 304


def test_nested_field_errors_match_the_documented_error_shape(api):
    response = api.post(
        "situations/",
        {"title": "t", "slug": "t", "region": "africa", "crisis_type": "x", "countries": [{}]},
    )
    assert response.status_code == 400
    fields = error(response)["fields"]
    assert isinstance(fields["countries"], dict)  # by index: documented as FieldErrors
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["ErrorBody"]["properties"]["fields"] == {
        "$ref": "#/components/schemas/FieldErrors"
    }


def test_request_text_says_it_takes_no_nul_and_the_server_agrees(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    properties = schema["components"]["schemas"]["SituationRequest"]["properties"]
    assert properties["summary"]["pattern"] == "^[^\\u0000]*$"
    response = api.post("actors/", {"name": "a\x00b", "kind": "ifi"})
    assert response.status_code == 400


@pytest.mark.parametrize("name", [" ", "\x1f", "\u3000 \t"])
def test_required_text_says_it_needs_more_than_white_space_and_the_server_agrees(api, name):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    pattern = schema["components"]["schemas"]["ActorRequest"]["properties"]["name"]["pattern"]
    assert re.search(pattern, "Group of Friends") and not re.search(pattern, name)
    response = api.post("actors/", {"name": name, "kind": "ifi"})
    assert response.status_code == 400
    assert "name" in error(response)["fields"]


def test_a_batch_states_its_bounds(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    records = schema["components"]["schemas"]["ActorBatchRequest"]["properties"]["records"]
    assert (records["minItems"], records["maxItems"]) == (1, 1000)
    assert api.post("actors/batch/", {"records": []}).status_code == 400


def test_an_object_where_a_list_of_links_goes_is_refused(api):
    # DRF reads any iterable as the list: an object passed as its keys, {} as no citations.
    body = {"title": "t", "slug": "t-obj", "region": "africa", "crisis_type": "armed-conflict"}
    response = api.post("situations/", {**body, "citations": {}})
    assert response.status_code == 400
    assert error(response)["fields"] == {"citations": ["Expected a list of ids."]}
