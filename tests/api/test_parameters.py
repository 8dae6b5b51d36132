"""A list answers 400 to a query parameter it does not know, instead of ignoring it."""

from __future__ import annotations

import pytest

from tests.factories import ParagraphFactory, SituationFactory

pytestmark = pytest.mark.django_db


def test_a_misspelt_filter_is_refused_with_its_name_not_answered_unfiltered(api):
    SituationFactory(region="asia")
    SituationFactory(region="africa")
    response = api.get("situations/", {"regoin": "asia"})
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["regoin"]
    assert "region" in fields["regoin"][0] and "limit" in fields["regoin"][0]
    # Spelt right, the same request filters.
    assert len(api.get("situations/", {"region": "asia"}).json()["results"]) == 1


@pytest.mark.parametrize(
    "path, params",
    [
        ("situations/", {"region": "asia", "search": "x", "ordering": "title", "limit": 5}),
        ("indicators/", {"severity": 4, "country": "GN", "format": "json"}),
        ("engagements/", {"dated": "true", "updated_after": "2000-01-01T00:00:00Z"}),
        ("actors/", {"acronym": "AU", "search": "union"}),
        ("assessments/", {"rating_min": 2}),
        ("alerts/", {"status": "open", "ordering": "-level"}),
        ("documents/", {"search": "S/2011/552", "limit": 1}),
    ],
)
def test_every_list_takes_its_own_parameters_and_refuses_others(api, path, params):
    assert api.get(path, params).status_code == 200
    refused = api.get(path, {**params, "page": 2})
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["page"]


def test_ordering_is_unknown_where_a_list_has_one_order(api):
    ParagraphFactory()
    response = api.get("documents/", {"ordering": "title"})
    assert response.status_code == 400 and "ordering" in response.json()["error"]["fields"]
