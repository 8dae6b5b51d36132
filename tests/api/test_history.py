"""``GET /api/v1/<resource>/<id>/history/``: what changed, when and by whom, newest first, under the
record's sharing level — now and at the time of each entry."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases import services
from cases.models import Situation, WarningIndicator
from tests.factories import (
    AssessmentFactory,
    DeskOfficerFactory,
    SituationFactory,
    WarningIndicatorFactory,
    success_element,
)

pytestmark = pytest.mark.django_db


def _relabel(situation: Situation, by=None, **values) -> Situation:
    situation = Situation.objects.get(pk=situation.pk)
    for name, value in values.items():
        setattr(situation, name, value)
    return services.save_situation(situation, by=by)


def _desk_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_entries_newest_first_with_versions_changes_and_the_partner_as_author(api):
    body = {
        "title": "Coastal tension",
        "slug": "coastal-tension",
        "region": "africa",
        "crisis_type": "political-crisis",
        "sharing": "green",
    }
    created = api.post("situations/", body).json()
    path = f"situations/{created['id']}/"
    api.patch(path, {"title": "Coastal crisis", "risk_level": 4})

    response = api.get(f"{path}history/")

    assert response.status_code == 200
    entries = response.json()["results"]
    assert [(e["version"], e["type"]) for e in entries] == [(2, "changed"), (1, "created")]
    assert entries[0]["by"] == {"kind": "partner", "name": api.partner.name}
    changes = {c["field"]: (c["old"], c["new"]) for c in entries[0]["changes"]}
    assert changes == {"title": ("Coastal tension", "Coastal crisis"), "risk_level": (2, 4)}
    first = {c["field"]: c["new"] for c in entries[1]["changes"]}
    assert first["title"] == "Coastal tension" and "old" not in entries[1]["changes"][0]
    assert not any(e["redacted"] for e in entries)


def test_a_partner_sees_desk_not_the_officer_a_desk_officer_sees_the_name(api):
    officer = DeskOfficerFactory(username="amina.desk")
    situation = SituationFactory(sharing="green")
    _relabel(situation, by=officer, summary="Revised by the desk")

    partner_view = api.get(f"situations/{situation.pk}/history/").json()["results"][0]
    desk_view = (
        _desk_client(officer)
        .get(f"/api/v1/situations/{situation.pk}/history/")
        .json()["results"][0]
    )

    assert partner_view["by"] == {"kind": "desk", "name": None}
    assert "amina.desk" not in str(api.get(f"situations/{situation.pk}/history/").json())
    assert desk_view["by"] == {"kind": "desk", "name": "amina.desk"}


def test_a_record_the_caller_may_not_see_answers_as_an_unknown_one(api):
    hidden = SituationFactory(sharing="red")
    sign = WarningIndicatorFactory(situation=hidden)
    deleted = SituationFactory(sharing="green")
    deleted_id = deleted.pk
    services.delete_record(deleted)
    unknown = "9f1c5a8e-0000-4000-8000-000000000000"
    answers = [
        api.get(f"situations/{hidden.pk}/history/"),
        api.get(f"indicators/{sign.pk}/history/"),
        api.get(f"situations/{deleted_id}/history/"),
        api.get(f"situations/{unknown}/history/"),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1


def test_red_era_entries_stay_hidden_after_the_situation_is_relabelled_green(api):
    situation = SituationFactory(sharing="red", title="Secret name", summary="Informant X")
    sign = WarningIndicatorFactory(situation=situation, description="What the informant saw")
    situation = _relabel(situation, title="Secret codename", summary="Informant Y")
    situation = _relabel(situation, sharing="green", title="Public name", summary="Public")
    sign_row = WarningIndicator.objects.get(pk=sign.pk)
    sign_row.description = "Public description"
    services.save_indicator(sign_row)

    history = api.get(f"situations/{situation.pk}/history/").json()["results"]
    sign_history = api.get(f"indicators/{sign.pk}/history/").json()["results"]

    text = str(history) + str(sign_history)
    for secret in ("Secret", "Informant", "informant saw"):
        assert secret not in text
    assert [e["redacted"] for e in history] == [False, True, True]
    assert history[0]["changes"] and all("old" not in c for c in history[0]["changes"])
    assert {c["field"]: c["new"] for c in history[0]["changes"]}["title"] == "Public name"
    assert [e["redacted"] for e in sign_history] == [False, True]
    assert all(e["by"] is None and e["changes"] == [] for e in history if e["redacted"])
    # The desk sees it all.
    officer = DeskOfficerFactory()
    desk = _desk_client(officer).get(f"/api/v1/situations/{situation.pk}/history/").json()
    assert not any(e["redacted"] for e in desk["results"])
    assert "Secret codename" in str(desk)


def test_amber_era_entries_show_only_to_partners_on_the_list_then(make_api):
    listed, other = make_api(), make_api()
    situation = SituationFactory(sharing="amber", shared_with=[listed.partner.actor])
    situation = _relabel(situation, summary="For the list")
    situation = _relabel(situation, sharing="clear", summary="Public")
    for_listed = listed.get(f"situations/{situation.pk}/history/").json()["results"]
    for_other = other.get(f"situations/{situation.pk}/history/").json()["results"]
    # The service saves a new situation, then its sharing list (an entry of its own): the
    # creation itself names nobody, so it stays redacted even to the partner listed after it.
    assert [e["redacted"] for e in for_listed] == [False, False, False, True]
    assert [e["redacted"] for e in for_other] == [False, True, True, True]
    assert "For the list" not in str(for_other)


def test_a_long_history_pages_newest_first_at_a_constant_cost(api, django_assert_max_num_queries):
    situation = SituationFactory(sharing="green")
    for i in range(2, 13):
        situation = _relabel(situation, summary=f"Revision {i}")
    path = f"situations/{situation.pk}/history/"
    versions, url = [], f"/api/v1/{path}?limit=5"
    while url:
        with django_assert_max_num_queries(8):
            page = api.client.get(url).json()
        versions += [e["version"] for e in page["results"]]
        url = page["next"]
    assert versions == list(range(12, 0, -1))
    # The oldest entry of a page is compared with the state before it, on the next page.
    second = api.get(path, {"limit": 5}).json()
    entries = api.client.get(second["next"]).json()["results"]
    assert entries[0]["changes"] == [{"field": "summary", "old": "Revision 6", "new": "Revision 7"}]


def test_child_records_reached_through_another_record_have_a_history(api):
    success_element()
    assessment = AssessmentFactory()
    situation = assessment.engagement.situation
    response = api.get(f"assessments/{assessment.pk}/history/")
    assert response.status_code == 200
    assert [e["type"] for e in response.json()["results"]] == ["created"]
    _relabel(situation, sharing="red")
    assert api.get(f"assessments/{assessment.pk}/history/").status_code == 404


@pytest.mark.parametrize("params", [{"cursor": "nonsense"}, {"ordering": "title"}, {"limit": "0"}])
def test_bad_paging_answers_400(api, params):
    situation = SituationFactory(sharing="green")
    assert api.get(f"situations/{situation.pk}/history/", params).status_code == 400
