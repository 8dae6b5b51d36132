"""A person logged in by session who belongs to a partner organisation is cleared on the API
exactly as the organisation's tokens are."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.choices import SharingLevel
from tests.factories import (
    ActorFactory,
    AlertFactory,
    PartnerFactory,
    SituationFactory,
    UserFactory,
    partner_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_and_partner():
    partner = PartnerFactory(name="ECOWAS", actor=ActorFactory(name="ECOWAS", acronym="ECOWAS"))
    user = UserFactory(username="ecowas-analyst")
    partner_member(user, partner)
    client = APIClient()
    client.force_login(user)
    return client, partner


def test_a_member_sees_amber_shared_with_its_organisation_only(member_and_partner, make_api):
    client, partner = member_and_partner
    shared = SituationFactory(sharing=SharingLevel.AMBER, shared_with=[partner.actor])
    strict = SituationFactory(sharing=SharingLevel.AMBER_STRICT, shared_with=[partner.actor])
    other = SituationFactory(sharing=SharingLevel.AMBER, shared_with=[ActorFactory()])
    red = SituationFactory(sharing=SharingLevel.RED, shared_with=[partner.actor])
    green = SituationFactory(sharing=SharingLevel.GREEN)
    alerts = {s.pk: AlertFactory(situation=s) for s in (shared, strict, other, red, green)}
    visible = {shared.pk, strict.pk, green.pk}

    listed = {r["id"] for r in client.get("/api/v1/situations/").json()["results"]}
    assert listed == {str(pk) for pk in visible}
    for situation in (shared, strict, other, red, green):
        expected = 200 if situation.pk in visible else 404
        assert client.get(f"/api/v1/situations/{situation.pk}/").status_code == expected
        alert = alerts[situation.pk]
        assert client.get(f"/api/v1/alerts/{alert.uuid}/").status_code == expected
    listed_alerts = {r["id"] for r in client.get("/api/v1/alerts/").json()["results"]}
    assert listed_alerts == {str(alerts[pk].uuid) for pk in visible}
    feed = client.get("/api/v1/changes/", {"limit": 1000}).json()["changes"]
    seen = {(c["type"], c["id"]) for c in feed if c["op"] == "upsert"}
    assert {i for t, i in seen if t == "situation"} == {str(pk) for pk in visible}
    assert {i for t, i in seen if t == "alert"} == {str(alerts[pk].uuid) for pk in visible}

    # The same as the organisation's own token sees.
    token = make_api(partner=partner)
    assert {r["id"] for r in token.get("situations/").json()["results"]} == listed
    assert {r["id"] for r in token.get("alerts/").json()["results"]} == listed_alerts


def test_a_person_without_organisation_sees_clear_and_green_only(make_api):
    user = UserFactory(username="reader")
    client = APIClient()
    client.force_login(user)
    partner = PartnerFactory()
    SituationFactory(sharing=SharingLevel.AMBER, shared_with=[partner.actor])
    green = SituationFactory(sharing=SharingLevel.GREEN)
    listed = {r["id"] for r in client.get("/api/v1/situations/").json()["results"]}
    assert listed == {str(green.pk)}
