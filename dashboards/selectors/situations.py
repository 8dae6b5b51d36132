"""The list of situations the viewer may see, with their stored warning-to-action interval."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.choices import CrisisType, Region, RiskLevel, SharingLevel, SituationStatus
from cases.dates import Period
from cases.sharing import Clearance

from ..filters import SituationFilters
from ..tables import DATE, DAYS, Column, Table, iso_column
from .common import label, visible_situations

PAGE_SIZE = 50


def situation_list(
    clearance: Clearance, filters: SituationFilters, *, page: int | None = 1
) -> Table:
    """One row per situation, the longest warning-to-action interval first (one query).

    ``page=None`` gives every row (the CSV).
    """
    queryset = (
        visible_situations(clearance, filters)
        .select_related("interval")
        .order_by(
            F("interval__is_open").desc(nulls_last=True),
            F("interval__days_max").desc(nulls_last=True),
            "title",
        )
        .only(
            "title",
            "slug",
            "countries",
            "region",
            "crisis_type",
            "risk_level",
            "status",
            # Where the clock stopped, named beside an open interval at its precision.
            "status_on",
            "status_precision",
            "sharing",
            "interval__is_stopped",
            "interval__stopped_on",
            "interval__warning_from",
            "interval__warning_until",
            "interval__action_from",
            "interval__action_until",
            "interval__days_min",
            "interval__days_max",
            "interval__is_open",
        )
    )
    more = 0
    if page is not None:
        start = (max(page, 1) - 1) * PAGE_SIZE
        found = list(queryset[start : start + PAGE_SIZE + 1])
        if len(found) > PAGE_SIZE:
            found, more = found[:PAGE_SIZE], 1
    else:
        found = list(queryset)
    rows = []
    for situation in found:
        interval = getattr(situation, "interval", None)
        rows.append(
            {
                "title": situation.title,
                "url": reverse("dashboards:situation", args=[situation.slug]),
                # ISO 3166-1 alpha-3, the codes HXL and HDX join on.
                "countries": " ".join(country.alpha3 for country in situation.countries),
                "region": label(Region, situation.region),
                "crisis_type": label(CrisisType, situation.crisis_type),
                "risk": label(RiskLevel, situation.risk_level),
                "status": label(SituationStatus, situation.status),
                "sharing": label(SharingLevel, situation.sharing),
                "sharing_code": situation.sharing,
                # Each at its precision: a month's or a year's bounds print as that month or year.
                "first_warning": Period.of(interval.warning_from, interval.warning_until)
                if interval
                else None,
                "first_action": Period.of(interval.action_from, interval.action_until)
                if interval
                else None,
                "days_min": interval.days_min if interval else None,
                "days_max": interval.days_max if interval else None,
                "interval": interval.interval_display if interval else gettext("not computed yet"),
                "is_open": bool(interval and interval.is_open),
            }
        )
    return Table(
        key="situations",
        caption=_("Situations"),
        columns=[
            Column("title", _("Situation"), link="url", hxl="#crisis+name"),
            # Several codes are separated by spaces (+list).
            Column("countries", _("Countries"), on_page=False, hxl="#country+code+list"),
            Column("region", _("Region"), hxl="#region+name"),
            Column("crisis_type", _("Crisis type"), hxl="#crisis+type"),
            Column("risk", _("Risk"), hxl="#severity+risk"),
            Column("status", _("Status"), hxl="#status+name"),
            Column("sharing", _("Sharing"), hxl="#meta+sharing+tlp"),
            # HXL: #date in the ISO twins (a #date cell is always a date); the words, which may
            # be a span ("March – May 2010"), as text.
            Column("first_warning", _("First warning"), DATE, hxl="#meta+first_warning+text"),
            Column("first_action", _("First action"), DATE, hxl="#meta+first_action+text"),
            iso_column("first_warning", _("First warning"), "#date+first_warning"),
            iso_column("first_action", _("First action"), "#date+first_action"),
            # The page shows the bounds as one range (_("Warning to action")); the CSV as numbers.
            Column(
                "days_min",
                _("Interval at least (days)"),
                DAYS,
                on_page=False,
                hxl="#indicator+num+days+interval+low",
            ),
            Column(
                "days_max",
                _("Interval at most (days)"),
                DAYS,
                on_page=False,
                hxl="#indicator+num+days+interval+high",
            ),
            Column("interval", _("Warning to action"), hxl="#indicator+text+interval"),
        ],
        rows=rows,
        more=more,
        extra={"page": page},
    )
