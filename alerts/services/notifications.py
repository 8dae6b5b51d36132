"""Telling people: e-mail to the region's desk officers, signed webhooks to partner systems.

Notifications are rows first (created set-based, once per alert episode and target, in the same
transaction as the alert), messages second (a Celery task per row, after commit, retried with
exponential backoff). A dead webhook target therefore never loses or holds up an alert: the alert
is committed before anyone is called, each target has its own row, and every attempt is logged.

No webhook is lost to a long outage (issue 16): a failing delivery is retried with capped
exponential backoff for ``DeliverySettings.retry_hours`` (24 by default, admin-editable) from its
first attempt, then kept as a dead letter (``failed``) that the partner replays over the API
(``replay_dead_letters``). A subscription's webhooks go out in the order they were raised: one
waits while an earlier one of its subscription is pending, and each delivered or dead-lettered
one queues the next.

Traffic Light Protocol: a partner's webhook only carries alerts on situations its organisation may
see (``cases.sharing.restrict_to_clearance``), checked when the row is created and again just before
sending; e-mail goes only to the staff a situation is visible to.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, replace
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cases.choices import Severity
from cases.models import Situation
from cases.sharing import Clearance, restrict_to_clearance
from partners.clearance import clearance_for_user
from tracker import jobs

from .. import signing
from ..choices import ACTIVE_STATUSES, AlertStatus, Channel, DeliveryStatus
from ..models import (
    Alert,
    DeliveryAttempt,
    DeliverySettings,
    Notification,
    WebhookSubscription,
)
from ..webhook_urls import vetted_address
from .sql import insert_from_queryset

logger = logging.getLogger(__name__)

EMAIL_TARGET = "email"


def max_attempts() -> int:
    """A cap on the attempts of a series besides the window; 0 (the default): none."""
    return int(getattr(settings, "ALERTS_DELIVERY_MAX_ATTEMPTS", 0) or 0)


def backoff_seconds(attempt: int, cap_seconds: float | None = None) -> float:
    """Wait before retry number ``attempt`` + 1: base · 2^(attempt − 1), capped at
    ``DeliverySettings.max_backoff_minutes`` (an hour by default)."""
    base = float(getattr(settings, "ALERTS_DELIVERY_BACKOFF_SECONDS", 30))
    if cap_seconds is None:
        cap_seconds = DeliverySettings.load().max_backoff_minutes * 60.0
    return min(base * 2 ** min(attempt - 1, 60), cap_seconds)


def _webhook_target(subscription_id: int) -> str:
    return f"webhook:{subscription_id}"


def queue_notifications(run: uuid.UUID, now: dt.datetime) -> list[int]:
    """Create the notification rows for alerts this run opened, reopened or escalated; returns
    their ids.

    One statement for e-mail and one per active subscription (subscriptions are configuration,
    not data: a handful), each ``INSERT … SELECT … ON CONFLICT DO NOTHING``: one message per
    alert, episode, level and target, so a rerun sends nothing twice and an escalation (a higher
    level within the episode, acknowledged or not) is told once more.
    """
    escalated = Q(escalation_run=run, status__in=ACTIVE_STATUSES)
    opened = Alert.objects.filter(Q(transition_run=run, status=AlertStatus.OPEN) | escalated)
    common = {
        "alert": F("pk"),
        "episode": F("episode"),
        "level": F("level"),
        "is_escalation": Case(
            When(escalated, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        "status": Value(DeliveryStatus.PENDING.value),
        "attempts": Value(0),
        "series_started_after": Value(0),
        "recipients": Value(""),
        "last_error": Value(""),
        "created_at": Value(now, output_field=DateTimeField()),
    }
    insert_from_queryset(
        Notification,
        opened.filter(rule__notify_desk_officers=True),
        {**common, "channel": Value(Channel.EMAIL.value), "target_key": Value(EMAIL_TARGET)},
        skip_conflicts=True,
    )
    for subscription in WebhookSubscription.objects.filter(is_active=True):
        visible = restrict_to_clearance(
            opened.filter(rule__notify_partners=True),
            Clearance.for_actors([subscription.actor_id]),
            situation_path="situation",
        )
        insert_from_queryset(
            Notification,
            visible,
            {
                **common,
                "channel": Value(Channel.WEBHOOK.value),
                "subscription": Value(subscription.pk),
                "target_key": Value(_webhook_target(subscription.pk)),
            },
            skip_conflicts=True,
        )
    return list(
        Notification.objects.filter(
            Q(alert__transition_run=run) | Q(alert__escalation_run=run),
            created_at=now,
            status=DeliveryStatus.PENDING,
        ).values_list("pk", flat=True)
    )


BATCH_SIZE = 50


def send_after_commit(notification_ids: list[int]) -> None:
    """Queue the deliveries once the alerts are committed: one task per batch (a first run on a
    large database may open thousands of alerts), each failure then retried on its own."""
    if not notification_ids:
        return
    batches = [
        notification_ids[start : start + BATCH_SIZE]
        for start in range(0, len(notification_ids), BATCH_SIZE)
    ]

    def send() -> None:
        for batch in batches:
            jobs.enqueue(jobs.DELIVER_NOTIFICATIONS, batch)

    transaction.on_commit(send)


def _earlier_pending(notification: Notification) -> Q:
    """Pending webhooks of ``notification``'s subscription raised before it."""
    return Q(
        subscription_id=notification.subscription_id,
        status=DeliveryStatus.PENDING,
    ) & (
        Q(created_at__lt=notification.created_at)
        | Q(created_at=notification.created_at, pk__lt=notification.pk)
    )


def due_notifications(now: dt.datetime | None = None, *, grace: dt.timedelta | None = None):
    """Pending notifications whose delivery task seems lost (the broker was down when it was
    queued, or a retry never came, or a retry too far off to wait in the broker): the periodic
    sweep queues them again. Of a subscription's webhooks only the first pending one: the others
    follow it, in order."""
    now = now or timezone.now()
    late = now - (grace if grace is not None else dt.timedelta(minutes=5))
    earlier = Notification.objects.filter(
        subscription_id=OuterRef("subscription_id"), status=DeliveryStatus.PENDING
    ).filter(
        Q(created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    return (
        Notification.objects.filter(
            Q(next_attempt_at__isnull=True, created_at__lt=late) | Q(next_attempt_at__lt=late),
            status=DeliveryStatus.PENDING,
        )
        .exclude(Q(channel=Channel.WEBHOOK) & Exists(earlier))
        .order_by("created_at", "pk")
    )


# --- Messages ------------------------------------------------------------------------------


def _base_url() -> str:
    return getattr(settings, "TRACKER_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def alert_link(alert: Alert) -> str:
    return _base_url() + reverse("admin:alerts_alert_change", args=[alert.pk])


def situation_link(alert: Alert) -> str:
    return _base_url() + alert.situation_url


def sign_link(alert: Alert) -> str:
    """The warning sign's admin page, or "" for an alert about no sign."""
    return _base_url() + alert.sign_admin_url if alert.indicator_id else ""


def event_name(notification: Notification) -> str:
    if notification.is_escalation:
        return "alert.escalated"
    return "alert.opened" if notification.episode == 1 else "alert.reopened"


def _level_name(level: int | None) -> str | None:
    return Severity(level).label.lower() if level else None


def sign_payload(alert: Alert) -> dict | None:
    """The warning sign an alert is about, as a webhook names it (None for other alerts)."""
    sign = alert.indicator
    if sign is None:
        return None
    return {
        "id": str(sign.pk),
        "title": alert.sign_title,
        "category": sign.category,
        "observed_on": sign.observed_on.isoformat(),
        "observed_precision": sign.observed_precision,
        "observed": sign.observed_display,  # at its precision: "June 2010", "2011"
        "severity": _level_name(sign.severity),
        "threshold_moment": sign.threshold_moment,
        "admin_url": sign_link(alert),
    }


def webhook_payload(notification: Notification, sent_at: dt.datetime) -> dict:
    alert = notification.alert
    situation = alert.situation
    return {
        "event": event_name(notification),
        "delivery": str(notification.pk),
        "sent_at": sent_at.isoformat(),
        "alert": {
            "id": str(alert.uuid),  # as the API and the change feed name it
            "version": alert.version,
            # The level this message tells of (an escalation's new level).
            "level": _level_name(notification.level),
            "escalated_from": (
                _level_name(alert.escalated_from) if notification.is_escalation else None
            ),
            "status": alert.status,
            "episode": notification.episode,
            "opened_at": alert.opened_at.isoformat(),
            "message": alert.message,
            "measure": alert.measure,
            "rule": {
                "name": alert.rule.name,
                "kind": alert.rule.kind,
                "condition": alert.rule.condition,
            },
            "situation": {
                "id": str(situation.pk),
                "title": situation.title,
                "slug": situation.slug,
                "region": situation.region,
                "crisis_type": situation.crisis_type,
                "tlp": situation.get_sharing_display(),
                "url": situation_link(alert),
            },
            "indicator": sign_payload(alert),
            "engagement": (
                {"id": str(alert.engagement.pk), "title": alert.engagement.title}
                if alert.engagement_id
                else None
            ),
        },
    }


def email_subject(alert: Alert, notification: Notification | None = None) -> str:
    escalation = notification is not None and notification.is_escalation
    level = Severity(notification.level if notification else alert.level).label
    what = f"Escalated to {level.lower()}" if escalation else f"{level} alert"
    about = alert.sign_display if alert.indicator_id else alert.rule.condition
    return f"[{alert.situation.get_sharing_display()}] {what}: {alert.situation.title} — {about}"


def email_body(alert: Alert, episode: int, notification: Notification | None = None) -> str:
    interval = getattr(alert.situation, "interval", None)
    return render_to_string(
        "alerts/alert_email.txt",
        {
            "alert": alert,
            "episode": episode,
            "escalation": notification is not None and notification.is_escalation,
            "situation": alert.situation,
            "interval": interval,
            "link": alert_link(alert),
            "situation_link": situation_link(alert),
            "sign_link": sign_link(alert),
        },
    )


def desk_officer_addresses(situation: Situation) -> list[str]:
    """Active staff responsible for the situation's region who may see it."""
    users = (
        get_user_model()
        .objects.filter(desk_assignments__region=situation.region, is_active=True, is_staff=True)
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
    situations = Situation.objects.filter(pk=situation.pk)
    return [
        user.email
        for user in users
        if restrict_to_clearance(situations, clearance_for_user(user)).exists()
    ]


# --- Delivery ------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook answers where it was asked; a redirect is a failed delivery, not a new target."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _connecting_to(connection_class: type, address: str):
    """``connection_class`` (http.client's) that opens its socket to ``address`` whatever its host
    name resolves to then; TLS still names and verifies the host (SNI, certificate)."""

    def make(host, **kwargs):
        connection = connection_class(host, **kwargs)

        def create_connection(host_port, *args, **kw):
            return socket.create_connection((address, host_port[1]), *args, **kw)

        connection._create_connection = create_connection
        return connection

    return make


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(_connecting_to(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def https_open(self, req):
        return self.do_open(
            _connecting_to(http.client.HTTPSConnection, self.address), req, context=self._context
        )


def _opener_for(address: str | None) -> urllib.request.OpenerDirector:
    """No redirects; connected to the vetted ``address`` if one is given (``vetted_address``),
    directly: a proxy from the environment would resolve the name again."""
    if address is None:
        return urllib.request.build_opener(_NoRedirects)
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _PinnedHTTPHandler(address),
        _PinnedHTTPSHandler(address),
        _NoRedirects,
    )


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_in: float | None = None  # seconds until the next attempt, if one is due
    subscription_id: int | None = None  # a webhook's subscription


def _post_webhook(notification: Notification, now: dt.datetime) -> tuple[int | None, str]:
    subscription = notification.subscription
    address, refused = vetted_address(subscription.url)
    if refused:
        return None, refused
    body = json.dumps(webhook_payload(notification, now), sort_keys=True).encode()
    timestamp = int(now.timestamp())
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "early-warning-tracker",
            signing.TIMESTAMP_HEADER: str(timestamp),
            signing.SIGNATURE_HEADER: signing.sign(subscription.secret, timestamp, body),
            signing.DELIVERY_HEADER: str(notification.pk),
            signing.EVENT_HEADER: event_name(notification),
        },
    )
    timeout = float(getattr(settings, "ALERTS_DELIVERY_TIMEOUT_SECONDS", 5))
    try:
        with _opener_for(address).open(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(error).__name__}: {reason}"


def _send_email(notification: Notification) -> tuple[list[str], str]:
    alert = notification.alert
    recipients = desk_officer_addresses(alert.situation)
    if not recipients:
        return [], ""
    message = EmailMessage(
        subject=email_subject(alert, notification),
        body=email_body(alert, notification.episode, notification),
        to=recipients,
        headers={"X-Tracker-Alert": str(alert.pk)},
    )
    try:
        message.send()
    except Exception as error:  # any SMTP or backend failure is a failed attempt, retried
        return recipients, f"{type(error).__name__}: {error}"
    return recipients, ""


def _finish(notification: Notification, status: str, error: str = "") -> DeliveryOutcome:
    Notification.objects.filter(pk=notification.pk, status=DeliveryStatus.PENDING).update(
        status=status, last_error=error
    )
    return DeliveryOutcome(status)


def queue_next_webhook(subscription_id: int) -> None:
    """Queue the first pending webhook of the subscription (the one after a delivered or dead
    one), after commit — unless it waits for a retry of its own (its task will come)."""
    head = (
        Notification.objects.filter(subscription_id=subscription_id, status=DeliveryStatus.PENDING)
        .order_by("created_at", "pk")
        .values_list("pk", "next_attempt_at")
        .first()
    )
    if head is not None and (head[1] is None or head[1] <= timezone.now()):
        transaction.on_commit(partial(jobs.enqueue, jobs.DELIVER_NOTIFICATION, head[0]))


# One sender per subscription at a time (a session advisory lock, two keys: this use, the id).
_SUBSCRIPTION_LOCK = 0x5EB0


def _try_lock_subscription(subscription_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_SUBSCRIPTION_LOCK, subscription_id])
        return cursor.fetchone()[0]


def _unlock_subscription(subscription_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_SUBSCRIPTION_LOCK, subscription_id])


# E-mails and webhooks speak the tracker's language, whatever page or job queued them.
@translation.override(settings.LANGUAGE_CODE)
def deliver(notification_id: int, *, queue_next: bool = True) -> DeliveryOutcome:
    """Try once to deliver a pending notification; log the attempt; say whether to retry.

    Idempotent: a notification already delivered, failed or withheld is left alone. A webhook
    that is done (delivered, dead, withheld) queues the next of its subscription, unless
    ``queue_next`` is off (a batch that sends the next itself, then queues what follows it).
    """
    notification = (
        Notification.objects.select_related(
            "alert__rule",
            "alert__situation",
            "alert__engagement",
            "alert__indicator",
            "alert__follow_up__owner",
            "subscription",
        )
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.status != DeliveryStatus.PENDING:
        return DeliveryOutcome(notification.status if notification else "missing")
    if notification.channel != Channel.WEBHOOK:
        return _deliver(notification)
    # In order per subscription: an earlier pending webhook goes first (it queues this one when
    # it is delivered or dead-lettered); one sender per subscription at a time.
    subscription_id = notification.subscription_id
    waiting = DeliveryOutcome(DeliveryStatus.PENDING, subscription_id=subscription_id)
    if Notification.objects.filter(_earlier_pending(notification)).exists():
        return waiting
    if not _try_lock_subscription(subscription_id):
        return waiting
    try:
        notification.refresh_from_db(fields=["status", "attempts", "series_started_after"])
        if notification.status != DeliveryStatus.PENDING:  # another sender was first
            return DeliveryOutcome(notification.status, subscription_id=subscription_id)
        outcome = replace(_deliver(notification), subscription_id=subscription_id)
        if queue_next and outcome.status != DeliveryStatus.PENDING:
            queue_next_webhook(subscription_id)
        return outcome
    finally:
        _unlock_subscription(subscription_id)


def _deliver(notification: Notification) -> DeliveryOutcome:
    situation = notification.alert.situation
    now = timezone.now()
    started = time.monotonic()
    recipients: list[str] = []
    if notification.channel == Channel.WEBHOOK:
        subscription = notification.subscription
        if not subscription.is_active:
            return _finish(notification, DeliveryStatus.WITHHELD, "Subscription switched off.")
        clearance = Clearance.for_actors([subscription.actor_id])
        if not restrict_to_clearance(Situation.objects.filter(pk=situation.pk), clearance).exists():
            return _finish(
                notification,
                DeliveryStatus.WITHHELD,
                "The partner's clearance no longer covers this situation.",
            )
        response_status, error = _post_webhook(notification, now)
        succeeded = response_status is not None and 200 <= response_status < 300
        if response_status is not None and not succeeded and not error:
            error = f"HTTP {response_status}"
    else:
        response_status = None
        recipients, error = _send_email(notification)
        if not recipients:
            return _finish(
                notification,
                DeliveryStatus.NO_RECIPIENT,
                f"No desk officer is assigned to {situation.get_region_display()}.",
            )
        succeeded = not error
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return _record_attempt(
        notification.pk, now, succeeded, response_status, error, elapsed_ms, recipients
    )


def _record_attempt(
    notification_id: int,
    now: dt.datetime,
    succeeded: bool,
    response_status: int | None,
    error: str,
    elapsed_ms: int,
    recipients: list[str],
) -> DeliveryOutcome:
    delivery = DeliverySettings.load()
    window = dt.timedelta(hours=delivery.retry_hours)
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        number = notification.attempts + 1
        DeliveryAttempt.objects.create(
            notification=notification,
            number=number,
            attempted_at=now,
            succeeded=succeeded,
            response_status=response_status,
            error=error[:2000],
            duration_ms=elapsed_ms,
        )
        notification.attempts = number
        in_series = number - notification.series_started_after
        notification.last_error = error[:2000]
        if recipients:
            notification.recipients = ", ".join(recipients)
        retry_in = None
        if succeeded:
            notification.status = DeliveryStatus.DELIVERED
            notification.delivered_at = now
            notification.next_attempt_at = None
        elif (max_attempts() and in_series >= max_attempts()) or (
            now - (notification.series_started_at or notification.created_at) >= window
        ):
            # The dead letter: kept, with every attempt, until the partner replays it.
            notification.status = DeliveryStatus.FAILED
            notification.next_attempt_at = None
            logger.warning(
                "Notification %s failed after %s attempts: %s", notification_id, number, error
            )
        else:
            retry_in = backoff_seconds(in_series, delivery.max_backoff_minutes * 60.0)
            notification.next_attempt_at = now + dt.timedelta(seconds=retry_in)
        notification.save()
    return DeliveryOutcome(notification.status, retry_in)


def retry_failed(notification_ids: list[int]) -> int:
    """Put failed notifications back in the queue (admin action): a fresh series of attempts."""
    return _replay(Notification.objects.filter(pk__in=notification_ids))


def replay_dead_letters(subscription: WebhookSubscription) -> int:
    """Every dead letter of ``subscription`` back in its queue, in the order they were raised,
    each with a fresh series of retries (the partner's replay over the API)."""
    return _replay(Notification.objects.filter(subscription=subscription))


def _replay(notifications) -> int:
    with transaction.atomic():
        ids = list(
            notifications.filter(status=DeliveryStatus.FAILED)
            .select_for_update()
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING,
            series_started_after=F("attempts"),
            series_started_at=timezone.now(),
            next_attempt_at=None,
        )
        send_after_commit(ids)
    return len(ids)
