"""What people do with alerts: acknowledge and resolve (admin actions and the API call these)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases.models.base import new_version
from feed.bulk import record_children
from feed.choices import RecordType

from ..choices import AlertEventKind, AlertStatus
from ..models import Alert, AlertEvent


def acknowledge(alerts: QuerySet | Iterable[Alert], user, comment: str = "") -> int:
    """Acknowledge open alerts: someone has seen them and says what is being done.

    Alerts already acknowledged or resolved are left as they are. Returns how many changed.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = _ids(alerts)
        targets = list(
            Alert.objects.select_for_update().filter(pk__in=ids, status=AlertStatus.OPEN)
        )
        Alert.objects.filter(pk__in=[a.pk for a in targets]).update(
            status=AlertStatus.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=user,
            acknowledgement=comment,
            **new_version(now),
        )
        _record(targets)
        AlertEvent.objects.bulk_create(
            AlertEvent(
                alert=alert,
                kind=AlertEventKind.ACKNOWLEDGED,
                episode=alert.episode,
                at=now,
                by=user,
                comment=comment,
            )
            for alert in targets
        )
    return len(targets)


def resolve(alerts: QuerySet | Iterable[Alert], user, comment: str = "") -> int:
    """Resolve open or acknowledged alerts by hand.

    If the condition still holds, the alert stays resolved; it reopens only once the condition
    has cleared and then returned.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = _ids(alerts)
        targets = list(
            Alert.objects.select_for_update().filter(
                pk__in=ids, status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]
            )
        )
        Alert.objects.filter(pk__in=[a.pk for a in targets]).update(
            status=AlertStatus.RESOLVED,
            resolved_at=now,
            resolved_by=user,
            resolution=comment,
            **new_version(now),
        )
        _record(targets)
        AlertEvent.objects.bulk_create(
            AlertEvent(
                alert=alert,
                kind=AlertEventKind.RESOLVED,
                episode=alert.episode,
                at=now,
                by=user,
                comment=comment,
            )
            for alert in targets
        )
    return len(targets)


def _record(targets: list[Alert]) -> None:
    """The change feed hears of UPDATEs only when told (no signal): one statement for all."""
    if targets:
        record_children(
            RecordType.ALERT, Alert.objects.filter(pk__in=[a.pk for a in targets]), id_field="uuid"
        )


def _ids(alerts: QuerySet | Iterable[Alert]) -> list:
    if isinstance(alerts, QuerySet):
        return list(alerts.values_list("pk", flat=True))
    return [a.pk for a in alerts]
