"""E-mail to desk officers, signed webhooks to partner systems, retries, and the Traffic Light
Protocol on both."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone, translation

from alerts import signing
from alerts.choices import AlertStatus, Channel, DeliveryStatus
from alerts.models import Alert, Notification
from alerts.services import deliver, due_notifications, evaluate_rules, recompute_intervals
from alerts.services.notifications import backoff_seconds
from alerts.tasks import deliver_notification, deliver_pending_notifications
from cases import services
from cases.choices import Region, Severity, SharingLevel
from tests.factories import (
    ActorFactory,
    DeskAssignmentFactory,
    DeskOfficerFactory,
    SituationFactory,
    UserFactory,
    WarningIndicatorFactory,
    WebhookSubscriptionFactory,
)

from .helpers import Receiver, closed_port, days_ago

pytestmark = pytest.mark.django_db

CRITICAL_7 = "No action 7 days after a critical warning"


def raise_critical_alert(situation=None, **situation_fields):
    situation = situation or SituationFactory(**situation_fields)
    WarningIndicatorFactory(
        situation=situation,
        severity=Severity.CRITICAL,
        observed_on=days_ago(9),
        description="Troops massed at the border.",
    )
    recompute_intervals()
    result = evaluate_rules()
    return Alert.objects.get(rule__name=CRITICAL_7, situation=situation), result


def test_desk_officers_of_the_region_get_an_email_with_what_they_need_to_act():
    africa = DeskAssignmentFactory(region=Region.AFRICA, user__email="africa.desk@example.org")
    DeskAssignmentFactory(region=Region.ASIA, user__email="asia.desk@example.org")
    DeskAssignmentFactory(
        region=Region.AFRICA, user__email="gone@example.org", user__is_active=False
    )
    situation = SituationFactory(
        title="Guinea: post-electoral tension", region=Region.AFRICA, sharing=SharingLevel.AMBER
    )
    alert, result = raise_critical_alert(situation)
    email = Notification.objects.get(alert=alert, channel=Channel.EMAIL)
    assert email.pk in result.notification_ids

    assert deliver(email.pk).status == DeliveryStatus.DELIVERED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [africa.user.email]
    # The alert names its sign: title, date at its precision, severity (one alert per sign).
    observed = alert.indicator.observed_display
    sign = f"“Rising political tension: Troops massed at the border.” of {observed} (critical severity)"
    assert message.subject == (
        f"[TLP:AMBER] Critical alert: Guinea: post-electoral tension — {sign}"
    )
    assert f"Warning sign {sign} has had no action for 9 days (threshold 7)" in message.body
    assert f"/dashboard/situations/{situation.slug}/" in message.body
    assert f"/admin/cases/warningindicator/{alert.indicator_id}/change/" in message.body
    assert "Warning to action: open: 9 days so far" in message.body
    assert f"/admin/alerts/alert/{alert.pk}/change/" in message.body
    assert "early warning is useful only if it leads to early action" in message.body.lower()
    assert "TLP:AMBER" in message.body
    email.refresh_from_db()
    assert email.recipients == africa.user.email
    assert email.delivery_attempts.get().succeeded

    # Delivered once: running the task again sends nothing more.
    assert deliver(email.pk).status == DeliveryStatus.DELIVERED
    assert len(mail.outbox) == 1


def test_an_email_queued_while_a_french_page_was_open_is_still_in_english():
    """The alert's sentences follow the reader's language on the dashboards; e-mails and webhooks
    speak the tracker's language, whoever or whatever delivers them."""
    DeskAssignmentFactory(region=Region.AFRICA, user__email="africa.desk@example.org")
    alert, _ = raise_critical_alert(region=Region.AFRICA)
    email = Notification.objects.get(alert=alert, channel=Channel.EMAIL)

    with translation.override("fr"):
        assert "est sans action depuis 9 jours" in alert.message  # as a French page shows it
        assert deliver(email.pk).status == DeliveryStatus.DELIVERED

    body = mail.outbox[0].body
    assert "has had no action for 9 days (threshold 7)" in body
    assert "open: 9 days so far" in body
    assert "sans action" not in body and "jours" not in body


def test_staff_without_clearance_for_the_situation_are_not_emailed():
    outsider = UserFactory(email="partner.user@example.org", is_staff=False)
    DeskAssignmentFactory(region=Region.AFRICA, user=outsider)
    alert, _ = raise_critical_alert(region=Region.AFRICA, sharing=SharingLevel.RED)
    email = alert.notifications.get(channel=Channel.EMAIL)
    assert deliver(email.pk).status == DeliveryStatus.NO_RECIPIENT
    assert mail.outbox == []
    email.refresh_from_db()
    assert "No desk officer" in email.last_error


def test_a_partner_system_receives_a_webhook_it_can_verify():
    partner = ActorFactory(name="Economic Community of West African States", acronym="ECOWAS")
    with Receiver(secret="s3cret-shared-with-ecowas") as receiver:
        subscription = WebhookSubscriptionFactory(
            actor=partner, url=receiver.url, secret=receiver.secret
        )
        situation = SituationFactory(sharing=SharingLevel.AMBER, shared_with=[partner])
        alert, _ = raise_critical_alert(situation)
        hook = alert.notifications.get(channel=Channel.WEBHOOK, subscription=subscription)
        assert deliver(hook.pk).status == DeliveryStatus.DELIVERED

    [request] = receiver.requests
    assert request["valid"]
    headers = request["headers"]
    assert headers[signing.DELIVERY_HEADER] == str(hook.pk)
    assert headers[signing.EVENT_HEADER] == "alert.opened"
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(request["body"])
    assert payload["event"] == "alert.opened"
    assert payload["alert"]["id"] == str(alert.uuid)
    assert payload["alert"]["version"] == alert.version
    assert payload["alert"]["situation"]["id"] == str(situation.pk)
    assert payload["alert"]["situation"]["tlp"] == "TLP:AMBER"
    assert payload["alert"]["level"] == "critical"
    assert payload["alert"]["rule"]["kind"] == "no-action"
    sign = payload["alert"]["indicator"]
    assert sign["id"] == str(alert.indicator_id)
    assert sign["title"] == "Rising political tension: Troops massed at the border."
    assert (sign["observed"], sign["observed_precision"]) == (
        alert.indicator.observed_display,
        "day",
    )
    assert (sign["severity"], sign["threshold_moment"]) == ("critical", False)
    assert sign["admin_url"].endswith(f"/admin/cases/warningindicator/{alert.indicator_id}/change/")
    assert payload["alert"]["situation"]["url"].endswith(f"/dashboard/situations/{situation.slug}/")
    attempt = hook.delivery_attempts.get()
    assert (attempt.succeeded, attempt.response_status) == (True, 204)

    # The receiver's check is real: the wrong secret, a changed body or an old timestamp fail.
    stamp = headers[signing.TIMESTAMP_HEADER]
    signature = headers[signing.SIGNATURE_HEADER]
    assert not signing.verify("another-secret", stamp, request["body"], signature)
    assert not signing.verify(receiver.secret, stamp, request["body"] + b" ", signature)
    replayed_at = int(stamp) + signing.DEFAULT_TOLERANCE + 1
    assert not signing.verify(receiver.secret, stamp, request["body"], signature, now=replayed_at)


def test_a_webhook_with_a_wrong_secret_is_refused_by_the_receiver_and_retried():
    with Receiver(secret="the-partners-secret") as receiver:
        subscription = WebhookSubscriptionFactory(url=receiver.url, secret="not-the-same")
        alert, _ = raise_critical_alert(sharing=SharingLevel.GREEN)
        hook = alert.notifications.get(subscription=subscription)
        outcome = deliver(hook.pk)
    assert [r["valid"] for r in receiver.requests] == [False]
    assert outcome.status == DeliveryStatus.PENDING and outcome.retry_in == backoff_seconds(1)
    attempt = hook.delivery_attempts.get()
    assert (attempt.succeeded, attempt.response_status) == (False, 401)


def test_a_target_that_is_down_is_retried_with_backoff_and_the_alert_is_untouched(
    settings, eager_celery
):
    settings.ALERTS_DELIVERY_MAX_ATTEMPTS = 4
    DeskAssignmentFactory(region=Region.AFRICA)
    down = WebhookSubscriptionFactory(url=f"http://127.0.0.1:{closed_port()}/hook")
    alert, _ = raise_critical_alert(region=Region.AFRICA, sharing=SharingLevel.GREEN)
    hook = alert.notifications.get(subscription=down)
    email = alert.notifications.get(channel=Channel.EMAIL)

    # Backoff doubles from the base: 30 s, 60 s, 120 s, … capped at an hour.
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == 3600

    # The task retries (eagerly here: at once) until the attempts run out.
    deliver_notification.delay(hook.pk)
    hook.refresh_from_db()
    assert (hook.status, hook.attempts) == (DeliveryStatus.FAILED, 4)
    attempts = list(hook.delivery_attempts.order_by("number"))
    assert [a.number for a in attempts] == [1, 2, 3, 4]
    assert not any(a.succeeded for a in attempts)
    assert all("Connection refused" in a.error or "Errno" in a.error for a in attempts)

    # The alert is intact and the other target is served.
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    deliver_notification.delay(email.pk)
    email.refresh_from_db()
    assert email.status == DeliveryStatus.DELIVERED and len(mail.outbox) == 1


def test_the_first_failure_schedules_the_next_attempt_after_the_backoff():
    hook_target = WebhookSubscriptionFactory(url=f"http://127.0.0.1:{closed_port()}/hook")
    alert, _ = raise_critical_alert(sharing=SharingLevel.CLEAR)
    hook = alert.notifications.get(subscription=hook_target)
    before = timezone.now()
    assert deliver(hook.pk).retry_in == 30
    assert deliver(hook.pk).retry_in == 60
    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.PENDING and hook.attempts == 2
    assert hook.next_attempt_at >= before + dt.timedelta(seconds=60)


@pytest.mark.parametrize(
    ("sharing", "listed", "notified"),
    [
        (SharingLevel.CLEAR, False, True),
        (SharingLevel.GREEN, False, True),
        (SharingLevel.AMBER, False, False),
        (SharingLevel.AMBER, True, True),
        (SharingLevel.AMBER_STRICT, False, False),
        (SharingLevel.AMBER_STRICT, True, True),
        (SharingLevel.RED, True, False),
    ],
)
def test_a_partners_webhook_never_carries_an_alert_on_a_situation_it_may_not_see(
    sharing, listed, notified
):
    partner, other = ActorFactory(), ActorFactory()
    subscription = WebhookSubscriptionFactory(actor=partner)
    WebhookSubscriptionFactory(actor=other)
    situation = SituationFactory(sharing=sharing, shared_with=[partner] if listed else [])
    alert, _ = raise_critical_alert(situation)
    assert alert.notifications.filter(subscription=subscription).exists() is notified


def test_a_webhook_is_withheld_if_the_situation_was_restricted_before_delivery():
    partner = ActorFactory()
    with Receiver(secret="x") as receiver:
        subscription = WebhookSubscriptionFactory(actor=partner, url=receiver.url, secret="x")
        alert, _ = raise_critical_alert(sharing=SharingLevel.GREEN)
        hook = alert.notifications.get(subscription=subscription)
        alert.situation.sharing = SharingLevel.RED
        services.save_situation(alert.situation)
        assert deliver(hook.pk).status == DeliveryStatus.WITHHELD
    assert receiver.requests == []
    assert not hook.delivery_attempts.exists()


def test_pending_notifications_whose_task_was_lost_are_swept_up(eager_celery):
    DeskAssignmentFactory(region=Region.AFRICA)
    alert, _ = raise_critical_alert(region=Region.AFRICA)
    email = alert.notifications.get(channel=Channel.EMAIL)
    assert not due_notifications().exists()  # just queued: its task may still be on its way
    later = timezone.now() + dt.timedelta(minutes=10)
    assert list(due_notifications(later)) == [email]

    Notification.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert deliver_pending_notifications.delay().get() == 1
    email.refresh_from_db()
    assert email.status == DeliveryStatus.DELIVERED and len(mail.outbox) == 1


def test_a_reviewer_assigned_to_a_region_is_emailed_too():
    reviewer = DeskOfficerFactory(email="reviewer@example.org")
    DeskAssignmentFactory(user=reviewer, region=Region.EUROPE)
    alert, _ = raise_critical_alert(region=Region.EUROPE, sharing=SharingLevel.RED)
    deliver(alert.notifications.get(channel=Channel.EMAIL).pk)
    assert mail.outbox[0].to == ["reviewer@example.org"]
