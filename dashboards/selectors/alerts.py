"""The alerts queue: alerts still needing action, the most urgent first."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alerts.choices import ACTIVE_STATUSES
from alerts.models import Alert
from cases.choices import Region, Severity
from cases.sharing import Clearance

from ..filters import AlertFilters
from ..tables import Column, Table
from .common import label, visible

QUEUE_PAGE = 50


def queue(clearance: Clearance, filters: AlertFilters) -> QuerySet:
    queryset = visible(
        Alert.objects.filter(status__in=ACTIVE_STATUSES), clearance, filters, "situation"
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    if data.get("level"):
        queryset = queryset.filter(level__gte=data["level"])
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("kind"):
        queryset = queryset.filter(rule__kind=data["kind"])
    return queryset.select_related(
        "rule", "situation", "engagement", "indicator", "follow_up__owner", "acknowledged_by"
    ).order_by("-level", "opened_at", "pk")


def queue_table(
    clearance: Clearance, filters: AlertFilters, *, limit: int | None = QUEUE_PAGE
) -> Table:
    """Open and acknowledged alerts, highest level and oldest first (one query)."""
    queryset = queue(clearance, filters)
    alerts = list(queryset[: limit + 1] if limit is not None else queryset)
    more = 0
    if limit is not None and len(alerts) > limit:
        alerts, more = alerts[:limit], 1
    rows = [
        {
            "alert": alert,
            "id": alert.pk,
            "level": label(Severity, alert.level),
            "status": alert.get_status_display(),
            "situation": alert.situation.title,
            "url": reverse("dashboards:situation", args=[alert.situation.slug]),
            "region": label(Region, alert.situation.region),
            "rule": alert.rule.name,
            # The warning sign of a "no action" or threshold-moment alert (one alert per sign).
            "sign": alert.sign_display,
            "sign_url": alert.sign_admin_url,
            "message": alert.message,
            "opened_at": alert.opened_at,
            "acknowledged_by": alert.acknowledged_by.get_username()
            if alert.acknowledged_by
            else "",
            "acknowledgement": alert.acknowledgement,
        }
        for alert in alerts
    ]
    return Table(
        key="alerts",
        caption=_("Alerts needing action"),
        columns=[
            Column("level", _("Level"), hxl="#severity+name+alert"),
            Column("status", _("Status"), hxl="#status+name+alert"),
            Column("situation", _("Situation"), link="url", hxl="#crisis+name"),
            Column("region", _("Region"), hxl="#region+name"),
            Column("rule", _("Rule"), hxl="#meta+rule"),
            Column("sign", _("Warning sign"), link="sign_url", hxl="#event+name+warning"),
            Column("message", _("What happened"), hxl="#description+alert"),
            Column("opened_at", _("Opened"), "datetime", hxl="#date+opened"),
            Column("acknowledged_by", _("Acknowledged by"), hxl="#contact+name+acknowledged"),
            Column("acknowledgement", _("Comment"), hxl="#description+comment"),
        ],
        rows=rows,
        more=more,
    )
