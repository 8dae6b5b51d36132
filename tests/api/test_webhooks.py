"""A partner system manages its own webhook subscriptions over the API (issue 14)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from alerts.models import WebhookSubscription
from tests.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db

PUBLIC = "https://ews.example.org/hooks/tracker"


def test_a_partner_subscribes_reads_renames_rotates_and_unsubscribes(make_api):
    api = make_api()
    created = api.post("webhooks/", {"name": "Situation room", "url": PUBLIC})
    assert created.status_code == 201, created.content
    body = created.json()
    assert len(body["secret"]) >= 32
    subscription = WebhookSubscription.objects.get(pk=body["id"])
    assert subscription.actor_id == api.partner.actor_id and subscription.secret == body["secret"]

    listed = api.get("webhooks/").json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in api.get(f"webhooks/{body['id']}/").json()

    renamed = api.patch(f"webhooks/{body['id']}/", {"name": "Duty officer"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Duty officer"

    rotated = api.post(f"webhooks/{body['id']}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"]
    subscription.refresh_from_db()
    assert subscription.secret == rotated["secret"]

    assert api.delete(f"webhooks/{body['id']}/").status_code == 204
    subscription.refresh_from_db()
    assert subscription.is_active is False
    # Unsubscribed: gone from the API, kept (inactive) with its deliveries' history.
    assert api.get(f"webhooks/{body['id']}/").status_code == 404
    assert api.get("webhooks/").json() == []
    assert subscription.history.count() >= 4  # created, renamed, rotated, unsubscribed


def test_a_partner_never_sees_or_touches_another_partners_subscription(make_api):
    ours, theirs = make_api(), make_api()
    other = WebhookSubscriptionFactory(actor=theirs.partner.actor, url=PUBLIC)
    assert ours.get("webhooks/").json() == []
    for response in (
        ours.get(f"webhooks/{other.pk}/"),
        ours.patch(f"webhooks/{other.pk}/", {"name": "x"}),
        ours.delete(f"webhooks/{other.pk}/"),
        ours.post(f"webhooks/{other.pk}/rotate-secret/"),
    ):
        assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active and other.name != "x"


@override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "ftp://ews.example.org/hook",
    ],
)
def test_webhooks_go_to_public_addresses_only(make_api, url):
    api = make_api()
    response = api.post("webhooks/", {"name": "Probe", "url": url})
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
    assert not WebhookSubscription.objects.exists()


def test_a_read_only_token_cannot_subscribe(make_api):
    api = make_api(scopes=("read",))
    assert api.post("webhooks/", {"name": "x", "url": PUBLIC}).status_code == 403
    assert api.get("webhooks/").status_code == 200


def test_a_boolean_is_true_or_false(internal_api):
    """``0`` or ``"yes"`` for a boolean answers 400, as the schema says (the fuzzer's finding)."""
    from tests.factories import SituationFactory

    situation = SituationFactory()
    path = f"/api/v1/situations/{situation.pk}/"
    for value in (0, 1, "yes", "true"):
        response = internal_api.patch(path, {"accepts_contributions": value}, format="json")
        assert response.status_code == 400, value
        assert "accepts_contributions" in response.json()["error"]["fields"]
    ok = internal_api.patch(path, {"accepts_contributions": True}, format="json")
    assert ok.status_code == 200 and ok.json()["accepts_contributions"] is True


def test_a_text_is_a_string(make_api):
    """``"name": 0`` answered 201 with the name "0" (the fuzzer's finding): a number is refused."""
    api = make_api()
    response = api.post("webhooks/", {"name": 0, "url": PUBLIC})
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]
    assert not WebhookSubscription.objects.exists()


def test_search_says_it_takes_no_nul(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    search = next(
        p
        for p in schema["paths"]["/api/v1/briefings/"]["get"]["parameters"]
        if p["name"] == "search"
    )
    assert search["schema"]["pattern"] == "^[^\\u0000]*$"
    assert api.get("briefings/", {"search": "a\x00b"}).status_code == 400


def test_a_url_longer_than_a_host_name_may_be_is_refused_by_its_length(make_api):
    """The fuzzer's finding: a 'uri' whose host is over 253 characters was refused as "not a valid
    URL" although the schema allowed it; the URL is now at most 253 characters, as it says."""
    api = make_api()
    host = ".".join(["a" * 63] * 4) + ".org"
    response = api.post("webhooks/", {"name": "Long", "url": f"https://{host}/hook"})
    assert response.status_code == 400
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    assert (
        schema["components"]["schemas"]["WebhookRequest"]["properties"]["url"]["maxLength"] == 253
    )
