"""Partner tokens: created by the command or the admin, shown once, stored hashed, scoped,
expiring, revocable, throttled."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import Partner, PartnerToken, hash_key
from tests.factories import ActorFactory, SituationFactory

pytestmark = pytest.mark.django_db


def run_command(*args):
    out, err = StringIO(), StringIO()
    call_command("create_partner_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def client_with(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_command_creates_the_partner_and_prints_a_key_once():
    ecowas = ActorFactory(name="Economic Community of West African States", acronym="ECOWAS")
    key, message = run_command(
        "ECOWAS early warning", "--actor", "ECOWAS", "--scopes", "read,write"
    )
    partner = Partner.objects.get(name="ECOWAS early warning")
    assert partner.actor == ecowas
    token = PartnerToken.objects.get(partner=partner)
    assert token.scopes == ["read", "write"]
    assert "Created partner" in message and "not stored" in message
    # Only the prefix and a hash are kept.
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    assert token.prefix in key and len(key) > 40
    assert client_with(key).get("/api/v1/situations/").status_code == 200
    # A second token for the same partner, without --actor.
    second, message = run_command("ECOWAS early warning")
    assert second != key and "Created partner" not in message
    assert PartnerToken.objects.filter(partner=partner).count() == 2


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["Nobody"], "does not exist"),
        (["New", "--actor", "NOPE"], "no single actor"),
        (["New", "--actor", "AU", "--scopes", "admin"], "scopes"),
        (["New", "--actor", "AU", "--expires-days", "0"], "expires"),
    ],
)
def test_command_refuses_bad_input_with_a_one_line_reason(args, reason):
    ActorFactory(acronym="AU")
    with pytest.raises(CommandError, match=reason):
        run_command(*args)
    assert not Partner.objects.exists()


def test_bad_revoked_and_expired_tokens_are_401(make_api):
    for bad in ("Token nonsense", "Token ewt_abc_def", "Token a b", "Bearer x"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=bad)
        response = client.get("/api/v1/situations/")
        assert response.status_code == 401, bad
        assert response.json()["error"]["code"] in {"authentication_failed", "not_authenticated"}
    revoked = make_api()
    revoked.token.revoke()
    expired = make_api(expires_at=timezone.now() - dt.timedelta(seconds=1))
    inactive = make_api()
    Partner.objects.filter(pk=inactive.partner.pk).update(is_active=False)
    for api in (revoked, expired, inactive):
        assert api.get("situations/").status_code == 401
    assert APIClient().get("/api/v1/situations/").status_code == 401


def test_scopes(make_api):
    reader = make_api(scopes=("read",))
    writer = make_api(scopes=("write",))
    situation = SituationFactory(sharing="green")
    assert reader.get(f"situations/{situation.pk}/").status_code == 200
    denied = reader.patch(f"situations/{situation.pk}/", {"risk_level": 1})
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "insufficient_scope"
    assert reader.post("situations/batch/", {"records": []}).status_code == 403
    assert writer.get("situations/").status_code == 403
    assert writer.get("changes/").status_code == 403


def test_throttling_per_token_answers_429_with_retry_after(make_api, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_THROTTLE_RATE = "3/minute"
    first, second = make_api(), make_api()
    statuses = [first.get("actors/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = first.get("actors/")
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled.headers["Retry-After"]) > 0
    assert second.get("actors/").status_code == 200  # another token has its own budget


def test_admin_issues_a_token_and_shows_the_key_once(admin_client):
    actor = ActorFactory(acronym="AU")
    partner = Partner.objects.create(name="African Union CEWS", actor=actor)
    response = admin_client.post(
        "/admin/partners/partnertoken/add/",
        {"partner": partner.pk, "label": "CEWS sync", "scopes": ["read"], "expires_at": ""},
        follow=True,
    )
    assert response.status_code == 200
    token = PartnerToken.objects.get(partner=partner)
    messages = [str(m) for m in response.context["messages"]]
    key = next(word for m in messages for word in m.split() if word.startswith("ewt_"))
    assert token.matches(key) and token.scopes == ["read"]
    assert client_with(key).get("/api/v1/situations/").status_code == 200
    page = admin_client.get(f"/admin/partners/partnertoken/{token.pk}/change/")
    assert key not in page.content.decode()
    admin_client.post(
        "/admin/partners/partnertoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert client_with(key).get("/api/v1/situations/").status_code == 401
