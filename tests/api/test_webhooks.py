"""A partner system manages its own webhook subscriptions over the API (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from alerts.choices import DeliveryStatus
from alerts.models import Notification, WebhookSubscription
from alerts.services import deliver
from tests.alerts.helpers import Receiver, closed_port
from tests.alerts.test_dead_letters import hours_ago, raise_alerts
from tests.factories import WebhookSubscriptionFactory
from tracker.celery import app as celery_app

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


@pytest.fixture
def eager_deliveries():
    """Queued deliveries run at once, in the test's thread."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_a_partner_replays_its_dead_letters_in_order(
    make_api, eager_deliveries, django_capture_on_commit_callbacks
):
    """Issue 16: a webhook that failed for the whole retry window is a dead letter the partner
    sees on its subscription and sends again over the API."""
    api = make_api()
    other = make_api()
    subscription = WebhookSubscriptionFactory(
        actor=api.partner.actor, url=f"http://127.0.0.1:{closed_port()}/hook"
    )
    raise_alerts(2)
    hooks = list(Notification.objects.filter(subscription=subscription).order_by("pk"))
    for hook in hooks:
        hours_ago(hook, 25)
        Notification.objects.filter(pk=hook.pk).update(created_at=timezone.now())
    for hook in reversed(hooks):  # the later one first: it waits, then dies in its turn
        deliver(hook.pk)
    for hook in hooks:
        deliver(hook.pk)
    assert set(
        Notification.objects.filter(subscription=subscription).values_list("status", flat=True)
    ) == {DeliveryStatus.FAILED}
    assert api.get(f"webhooks/{subscription.pk}/").json()["dead_letters"] == 2

    # Another partner can neither see nor replay them; a read-only token cannot replay.
    assert other.post(f"webhooks/{subscription.pk}/replay/").status_code == 404
    reader = make_api(partner=api.partner, scopes=("read",))
    assert reader.post(f"webhooks/{subscription.pk}/replay/").status_code == 403

    with Receiver(secret=subscription.secret) as receiver:
        subscription.url = receiver.url
        subscription.save()
        with django_capture_on_commit_callbacks(execute=True):
            replayed = api.post(f"webhooks/{subscription.pk}/replay/")
        assert replayed.status_code == 202, replayed.content
        assert replayed.json() == {"replayed": 2}
    assert [int(r["headers"]["X-Tracker-Delivery"]) for r in receiver.requests] == [
        hook.pk for hook in hooks
    ]
    for hook in hooks:
        hook.refresh_from_db()
        assert hook.status == DeliveryStatus.DELIVERED
        assert hook.series_started_at > timezone.now() - dt.timedelta(minutes=1)
    assert api.get(f"webhooks/{subscription.pk}/").json()["dead_letters"] == 0
