"""TLP 2.0 on writes (issue 14, finding 1): only the source of a record — the organisation that
created it, or the desk — changes its label, its sharing list or its situation, or deletes it. A
partner on the list edits content only where the source accepts contributions."""

from __future__ import annotations

import pytest

from cases.models import Situation, WarningIndicator
from tests.factories import SituationFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict(make_api):
    """An AMBER+STRICT situation the desk shares with ECOWAS alone, with one sign."""
    ecowas, au = make_api(), make_api()
    situation = SituationFactory(sharing="amber+strict", shared_with=[ecowas.partner.actor])
    sign = WarningIndicatorFactory(situation=situation)
    return situation, sign, ecowas, au


def _unchanged(situation: Situation, version: int) -> None:
    situation.refresh_from_db()
    assert situation.version == version


@pytest.mark.parametrize(
    "change",
    [
        lambda s, e, a: {"shared_with": [str(e.partner.actor.pk), str(a.partner.actor.pk)]},
        lambda s, e, a: {"sharing": "clear", "shared_with": []},
        lambda s, e, a: {"sharing": "amber"},
        lambda s, e, a: {"accepts_contributions": True},
    ],
    ids=["widen-list", "relabel-clear", "relabel-amber", "open-contributions"],
)
def test_a_partner_on_the_list_cannot_relabel_or_reshare(strict, change):
    situation, _sign, ecowas, au = strict
    version = situation.version
    response = ecowas.patch(f"situations/{situation.pk}/", change(situation, ecowas, au))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    _unchanged(situation, version)
    assert au.get(f"situations/{situation.pk}/").status_code == 404


def test_a_partner_on_the_list_cannot_move_a_sign_or_delete(strict):
    situation, sign, ecowas, _au = strict
    elsewhere = SituationFactory(sharing="clear")
    response = ecowas.patch(f"indicators/{sign.pk}/", {"situation": str(elsewhere.pk)})
    assert response.status_code == 403
    assert WarningIndicator.objects.get(pk=sign.pk).situation_id == situation.pk
    assert ecowas.delete(f"indicators/{sign.pk}/").status_code == 403
    assert ecowas.delete(f"situations/{situation.pk}/").status_code == 403
    assert Situation.objects.filter(pk=situation.pk).exists()
    assert WarningIndicator.objects.filter(pk=sign.pk).exists()


def test_content_edits_need_the_source_to_accept_contributions(strict, make_api):
    situation, sign, ecowas, _au = strict
    # AMBER+STRICT: closed to contributions unless the source opens it.
    assert ecowas.patch(f"situations/{situation.pk}/", {"risk_level": 4}).status_code == 403
    body = {
        "situation": str(situation.pk),
        "category": sign.category,
        "severity": 3,
        "description": "Added by a partner",
        "observed_on": "2011-01-05",
        "observed_precision": "day",
    }
    assert ecowas.post("indicators/", body).status_code == 403
    situation.accepts_contributions = True
    situation.save()
    assert ecowas.patch(f"situations/{situation.pk}/", {"risk_level": 4}).status_code == 200
    assert ecowas.post("indicators/", body).status_code == 201
    # AMBER: open by default; the source may close it.
    amber = SituationFactory(sharing="amber", shared_with=[ecowas.partner.actor])
    assert ecowas.patch(f"situations/{amber.pk}/", {"risk_level": 1}).status_code == 200
    amber.accepts_contributions = False
    amber.save()
    assert ecowas.patch(f"situations/{amber.pk}/", {"risk_level": 2}).status_code == 403


def test_the_source_partner_changes_its_own_label_and_deletes(api, make_api):
    other = make_api()
    created = api.post(
        "situations/",
        {
            "title": "Ours",
            "slug": "ours",
            "region": "africa",
            "crisis_type": "political-crisis",
            "sharing": "amber+strict",
            "shared_with": [str(api.partner.actor.pk), str(other.partner.actor.pk)],
        },
    ).json()
    path = f"situations/{created['id']}/"
    assert other.patch(path, {"sharing": "amber"}).status_code == 403
    assert api.patch(path, {"sharing": "amber"}).status_code == 200
    assert other.delete(path).status_code == 403
    assert api.delete(path).status_code == 204


def test_a_desk_officer_changes_any_label(internal_api, strict):
    situation, _sign, _ecowas, _au = strict
    response = internal_api.patch(
        f"/api/v1/situations/{situation.pk}/", {"sharing": "amber"}, format="json"
    )
    assert response.status_code == 200
