"""Webhook subscriptions in the admin (issue 16): the signing secret is write-only — shown once when
the subscription is created or its secret rotated, never on any page afterwards, to anyone — and a
webhook may not point at this machine or a private network unless a setting allows it."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import override_settings
from django.urls import reverse

from alerts.choices import Channel, DeliveryStatus
from alerts.models import WebhookSubscription
from alerts.services import deliver
from cases.choices import SharingLevel
from tests.admin_forms import admin_form_data
from tests.factories import (
    ActorFactory,
    DeskOfficerFactory,
    ReviewerFactory,
    WebhookSubscriptionFactory,
)

from .helpers import Receiver
from .test_notifications import raise_critical_alert

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://ews.example.org/hook"


@pytest.fixture
def subscription():
    return WebhookSubscriptionFactory(url=PUBLIC)


def pages_of(client, subscription) -> list[str]:
    """Every admin page a person may open about the subscription, as text."""
    urls = [
        reverse("admin:alerts_webhooksubscription_changelist"),
        reverse("admin:alerts_webhooksubscription_change", args=[subscription.pk]),
        reverse("admin:alerts_webhooksubscription_history", args=[subscription.pk]),
    ]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    return pages


@pytest.mark.parametrize("role", [ReviewerFactory, DeskOfficerFactory])
def test_no_admin_page_shows_a_signing_secret(client, subscription, role):
    client.force_login(role())
    for page in pages_of(client, subscription):
        assert subscription.secret not in page


def test_a_new_subscription_shows_its_secret_once(client):
    client.force_login(DeskOfficerFactory())
    actor = ActorFactory()
    add = reverse("admin:alerts_webhooksubscription_add")
    data = admin_form_data(client.get(add))
    data.update({"name": "ECOWAS EWS", "actor": str(actor.pk), "url": PUBLIC, "is_active": "on"})
    assert "secret" not in data  # nobody types it: the tracker makes it

    shown = client.post(add, data)
    created = WebhookSubscription.objects.get(name="ECOWAS EWS")
    assert shown.status_code == 200
    assert created.secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]

    for page in pages_of(client, created):
        assert created.secret not in page


def test_an_address_typed_without_a_scheme_is_taken_as_https(client):
    """Signed alerts go out over TLS unless someone writes ``http://`` on purpose."""
    client.force_login(DeskOfficerFactory())
    add = reverse("admin:alerts_webhooksubscription_add")
    data = admin_form_data(client.get(add))
    data.update({"name": "AU CEWS", "actor": str(ActorFactory().pk), "url": "ews.example.org/hook"})

    response = client.post(add, data)

    assert response.status_code == 200, response.context["adminform"].form.errors
    assert WebhookSubscription.objects.get(name="AU CEWS").url == PUBLIC


def test_editing_a_subscription_keeps_its_secret(client, subscription):
    client.force_login(DeskOfficerFactory())
    url = reverse("admin:alerts_webhooksubscription_change", args=[subscription.pk])
    data = admin_form_data(client.get(url))
    data["name"] = "Renamed"
    response = client.post(url, data)
    assert response.status_code == 302
    renamed = WebhookSubscription.objects.get(pk=subscription.pk)
    assert renamed.name == "Renamed"
    assert renamed.secret == subscription.secret


def rotate(client, *subscriptions):
    return client.post(
        reverse("admin:alerts_webhooksubscription_changelist"),
        {"action": "rotate_secret", ACTION_CHECKBOX_NAME: [s.pk for s in subscriptions]},
    )


def test_a_desk_officer_rotates_a_secret_and_sees_the_new_one_once(client, subscription):
    client.force_login(DeskOfficerFactory())
    other = WebhookSubscriptionFactory(url=PUBLIC)
    response = rotate(client, subscription, other)

    assert response.status_code == 200
    text = response.content.decode()
    for before in (subscription, other):
        after = WebhookSubscription.objects.get(pk=before.pk)
        assert after.secret != before.secret
        assert after.secret in text
        assert before.secret not in text
    assert "no-store" in response["Cache-Control"]
    # The rotation is in the history, the secret is not.
    latest = WebhookSubscription.objects.get(pk=subscription.pk).history.first()
    assert latest.history_user is not None
    assert not hasattr(latest, "secret")


def test_a_reviewer_cannot_rotate_a_secret(client, subscription):
    client.force_login(ReviewerFactory())
    response = rotate(client, subscription)
    assert subscription.secret == WebhookSubscription.objects.get(pk=subscription.pk).secret
    assert subscription.secret not in response.content.decode()


PRIVATE_URLS = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.0.0.5/hook",
    "http://192.168.1.20/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://tracker.localhost/hook",
]


@override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_the_admin_refuses_a_private_webhook_target(client, url):
    client.force_login(DeskOfficerFactory())
    actor = ActorFactory()
    add = reverse("admin:alerts_webhooksubscription_add")
    data = admin_form_data(client.get(add))
    data.update({"name": "Probe", "actor": str(actor.pk), "url": url, "is_active": "on"})

    response = client.post(add, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not WebhookSubscription.objects.exists()


@override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
def test_the_admin_refuses_moving_a_webhook_to_a_private_target(client, subscription):
    client.force_login(DeskOfficerFactory())
    url = reverse("admin:alerts_webhooksubscription_change", args=[subscription.pk])
    data = admin_form_data(client.get(url))
    data["url"] = "http://127.0.0.1:6379/"
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert WebhookSubscription.objects.get(pk=subscription.pk).url == PUBLIC


@override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True)
def test_the_setting_allows_a_private_target_in_development(client):
    client.force_login(DeskOfficerFactory())
    actor = ActorFactory()
    add = reverse("admin:alerts_webhooksubscription_add")
    data = admin_form_data(client.get(add))
    data.update({"name": "Local", "actor": str(actor.pk), "url": "http://127.0.0.1:9/h"})
    assert client.post(add, data).status_code == 200
    assert WebhookSubscription.objects.filter(name="Local").exists()


def test_private_targets_are_refused_by_default_in_production():
    environment = {k: v for k, v in os.environ.items() if k != "WEBHOOK_ALLOW_PRIVATE_ADDRESSES"}
    environment.update(DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="tracker.example.org")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def name_of_this_machine() -> str:
    """A host name that resolves to this machine (not a literal address, not ``localhost``)."""
    name = socket.gethostname()
    try:
        address = ipaddress.ip_address(socket.getaddrinfo(name, 80)[0][4][0])
    except OSError:
        pytest.skip(f"this machine's name {name} does not resolve")
    if address.is_global:
        pytest.skip(f"this machine's name {name} resolves to a public address")
    return name


@pytest.mark.parametrize("allowed", [True, False])
def test_a_name_resolving_to_a_private_address_is_refused_at_delivery(settings, allowed):
    """A name passes the URL check as written; what it resolves to is checked at each delivery
    (and so is a private URL saved before the rule)."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = allowed
    name = name_of_this_machine()
    with Receiver(secret="s3cret") as receiver:
        port = receiver.server.server_port
        subscription = WebhookSubscriptionFactory(
            url=f"http://{name}:{port}/hooks/early-warning", secret=receiver.secret
        )
        alert, _ = raise_critical_alert(sharing=SharingLevel.CLEAR)
        hook = alert.notifications.get(channel=Channel.WEBHOOK, subscription=subscription)
        outcome = deliver(hook.pk)

    if allowed:  # the name reaches the receiver: the refusal below is the rule, not the network
        assert outcome.status == DeliveryStatus.DELIVERED
        assert len(receiver.requests) == 1
        return
    assert outcome.status == DeliveryStatus.PENDING
    assert receiver.requests == []
    attempt = hook.delivery_attempts.get()
    assert not attempt.succeeded
    assert "not a public address" in attempt.error


def test_a_name_that_resolves_public_then_private_is_not_followed_to_the_private_one(
    settings, monkeypatch
):
    """DNS rebinding: a name's owner answers the delivery's check with a public address and the
    connection's own lookup, a moment later, with 127.0.0.1. The delivery connects to the address
    it checked, so the receiver on this machine is never reached."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    settings.ALERTS_DELIVERY_TIMEOUT_SECONDS = 1
    real_lookup = socket.getaddrinfo
    answers = {"count": 0}

    def rebinding_lookup(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_lookup(host, port, *args, **kwargs)
        answers["count"] += 1
        first = answers["count"] == 1
        address = "93.184.216.34" if first else "127.0.0.1"  # public first, this machine after
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_lookup)
    with Receiver(secret="s3cret") as receiver:
        port = receiver.server.server_port
        subscription = WebhookSubscriptionFactory(
            url=f"http://rebind.example:{port}/hooks/early-warning", secret=receiver.secret
        )
        alert, _ = raise_critical_alert(sharing=SharingLevel.CLEAR)
        hook = alert.notifications.get(channel=Channel.WEBHOOK, subscription=subscription)
        outcome = deliver(hook.pk)

    assert receiver.requests == []
    assert answers["count"] == 1  # looked up once: for the check, then connected to what it said
    assert outcome.status == DeliveryStatus.PENDING
    assert not hook.delivery_attempts.get().succeeded


def test_the_change_page_has_a_rotate_button_for_desk_officers_only(client, subscription):
    url = reverse("admin:alerts_webhooksubscription_change", args=[subscription.pk])
    client.force_login(DeskOfficerFactory())
    assert 'value="rotate_secret"' in client.get(url).content.decode()
    client.force_login(ReviewerFactory())
    assert 'value="rotate_secret"' not in client.get(url).content.decode()
