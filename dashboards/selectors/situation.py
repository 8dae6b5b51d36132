"""Everything the situation page shows about one situation, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, F, Prefetch, QuerySet, Value
from django.http import Http404
from django.utils.text import Truncator

from alerts.models import Alert, AlertEvent
from cases.choices import ActorKind, PartnerRole
from cases.dates import PartialDate
from cases.models import (
    Assessment,
    Engagement,
    EngagementPartner,
    Paragraph,
    Situation,
    SuccessElement,
    WarningIndicator,
)
from cases.models.engagements import UNDATED
from cases.sharing import Clearance

from ..tables import DATE, Column, Table
from .common import label, visible_situations

CITATIONS = Prefetch(
    "citations", queryset=Paragraph.objects.select_related("document").order_by("kind", "number")
)


@dataclass
class SituationPicture:
    situation: Situation
    interval: object | None
    indicators: list[WarningIndicator]
    engagements: list[Engagement]
    alerts: list[Alert]
    elements: list[SuccessElement]

    @property
    def unanswered(self) -> list[WarningIndicator]:
        """The signs the last recompute found unanswered (read with the signs: no query)."""
        return [i for i in self.indicators if _stored_unanswered(i)]

    @property
    def undated_that_would_answer(self) -> list[Engagement]:
        """Undated engagements answer a sign only through a link: while a sign is unanswered,
        each of them, once dated or linked to it, would close an interval (issue 13)."""
        if not self.unanswered:
            return []
        return [e for e in self.engagements if e.started_on is None]


def _stored_unanswered(indicator: WarningIndicator) -> bool:
    try:
        return indicator.unanswered is not None
    except WarningIndicator.unanswered.RelatedObjectDoesNotExist:
        return False


def situation_for(clearance: Clearance, slug: str) -> Situation:
    """The situation, or 404 when it does not exist or the viewer may not see it (the same)."""
    situation = (
        visible_situations(clearance)
        .select_related("interval", "interval__first_warning", "interval__first_action")
        .prefetch_related("shared_with", CITATIONS)
        .filter(slug=slug)
        .first()
    )
    if situation is None:
        raise Http404("No such situation.")
    return situation


def picture(clearance: Clearance, slug: str) -> SituationPicture:
    situation = situation_for(clearance, slug)
    indicators = list(
        WarningIndicator.objects.filter(situation=situation)
        .select_related("reported_by", "unanswered")
        .prefetch_related(CITATIONS)
        .order_by("observed_on", "created_at")
    )
    engagements = list(
        Engagement.objects.filter(situation=situation)
        .select_related("lead_actor")
        .prefetch_related(
            CITATIONS,
            Prefetch(
                "partner_roles",
                queryset=EngagementPartner.objects.select_related("actor").order_by(
                    "role", "actor__name"
                ),
            ),
            Prefetch(
                "assessments",
                queryset=Assessment.objects.select_related("element").prefetch_related(CITATIONS),
            ),
        )
        .order_by(F("started_on").asc(nulls_last=True), "created_at")
    )
    alerts = list(
        Alert.objects.filter(situation=situation)
        .select_related("rule", "engagement", "follow_up__owner", "acknowledged_by")
        .prefetch_related(
            Prefetch("events", queryset=AlertEvent.objects.select_related("by").order_by("at"))
        )
        .order_by("status", "-level", "-opened_at")
    )
    return SituationPicture(
        situation=situation,
        interval=getattr(situation, "interval", None),
        indicators=indicators,
        engagements=engagements,
        alerts=alerts,
        elements=list(SuccessElement.objects.order_by("order")),
    )


def actors_and_roles(situation: Situation) -> Table:
    """Who acted in the situation and how: leads, partners in the roles of para. 51, reporters.

    One query (a UNION of the three sources).
    """
    text = CharField()

    def columns(actor: str, role, subject: str, day: str, precision: str) -> dict:
        return {
            "actor_name": F(f"{actor}__name"),
            "actor_acronym": F(f"{actor}__acronym"),
            "actor_kind": F(f"{actor}__kind"),
            "role_code": role,
            "subject": F(subject),
            "day": F(day),
            "precision": F(precision),
        }

    leads = Engagement.objects.filter(situation=situation).values(
        **columns(
            "lead_actor",
            Value("lead-actor", output_field=text),
            "title",
            "started_on",
            "started_precision",
        )
    )
    partners = EngagementPartner.objects.filter(engagement__situation=situation).values(
        **columns(
            "actor",
            F("role"),
            "engagement__title",
            "engagement__started_on",
            "engagement__started_precision",
        )
    )
    reporters = WarningIndicator.objects.filter(
        situation=situation, reported_by__isnull=False
    ).values(
        **columns(
            "reported_by",
            Value("reporter", output_field=text),
            "description",
            "observed_on",
            "observed_precision",
        )
    )
    union: QuerySet = (
        leads.order_by()
        .union(partners.order_by(), reporters.order_by(), all=True)
        .order_by("actor_name", F("day").asc(nulls_last=True), "role_code")
    )
    roles = {
        "lead-actor": "Lead actor",
        "reporter": "Reported a warning sign",
        **{value: f"Partner: {lbl.lower()}" for value, lbl in PartnerRole.choices},
    }
    rows = [
        {
            "actor": f"{r['actor_name']} ({r['actor_acronym']})"
            if r["actor_acronym"]
            else r["actor_name"],
            "kind": label(ActorKind, r["actor_kind"]),
            "role": roles.get(r["role_code"], r["role_code"]),
            "in": Truncator(r["subject"]).chars(120),
            "date": PartialDate(r["day"], r["precision"]) if r["day"] is not None else UNDATED,
        }
        for r in union
    ]
    return Table(
        key="actors",
        caption="Actors and their roles",
        columns=[
            Column("actor", "Actor"),
            Column("kind", "Kind"),
            Column("role", "Role"),
            Column("in", "In"),
            Column("date", "From", DATE),
        ],
        rows=rows,
    )


def _sources(obj) -> list[Paragraph]:
    return list(obj.citations.all())


def events_table(picture: SituationPicture) -> Table:
    """Every warning sign and engagement of the situation in date order, with its sources.

    The rows were fetched by ``picture``; each links to the paragraphs of the report it cites.
    """
    rows = []
    for indicator in picture.indicators:
        interval = getattr(indicator, "interval", None)
        rows.append(
            {
                "anchor": f"fact-{indicator.pk}",
                "sort": (0, indicator.observed_on, 0),
                "kind": "Warning sign",
                "lane": "warning",
                "date": indicator.observed_display,
                "precision": indicator.get_observed_precision_display(),
                "what": f"{indicator.get_severity_display()} severity: "
                f"{indicator.get_category_display()}",
                "severity": indicator.severity,
                "detail": indicator.description
                + (f" (reported by {indicator.reported_by})" if indicator.reported_by else ""),
                "outcome": f"Answered after {interval.interval_display}"
                if interval and not interval.is_open and interval.days_min is not None
                else (f"Unanswered: {interval.interval_display}" if interval else ""),
                "sources": _sources(indicator),
                "sources_text": "; ".join(p.citation for p in _sources(indicator)),
                "threshold_moment": indicator.threshold_moment,
            }
        )
    for engagement in picture.engagements:
        partners = ", ".join(
            f"{p.actor.acronym or p.actor.name} ({p.get_role_display().lower()})"
            for p in engagement.partner_roles.all()
        )
        lead = engagement.lead_actor
        if engagement.started_on is None:
            # Listed after every dated fact, never placed among them as if its date were known.
            dates = UNDATED + (
                f" (ended {engagement.ended_display})" if engagement.ended_on else ""
            )
            sort, precision = (1, dt.date.max, 1), ""
        else:
            dates = engagement.started_display + (
                f" – {engagement.ended_display}" if engagement.ended_on else " – no end recorded"
            )
            sort = (0, engagement.started_on, 1)
            precision = engagement.get_started_precision_display()
        rows.append(
            {
                "anchor": f"fact-{engagement.pk}",
                "sort": sort,
                "kind": "Engagement",
                "lane": "engagement",
                "date": dates,
                "precision": precision,
                "what": f"{engagement.get_instrument_display()}: {engagement.title}",
                "detail": f"Led by {lead}" + (f"; with {partners}" if partners else ""),
                "outcome": engagement.get_outcome_display(),
                "sources": _sources(engagement),
                "sources_text": "; ".join(p.citation for p in _sources(engagement)),
            }
        )
    rows.sort(key=lambda r: r["sort"])
    return Table(
        key="events",
        caption="Warning signs and engagements, in date order",
        columns=[
            Column("date", "When"),
            Column("kind", "Kind"),
            Column("what", "What"),
            Column("detail", "Detail", citations="sources"),
            Column("outcome", "Action / outcome"),
            Column("sources_text", "Sources", on_page=False),
        ],
        rows=rows,
        note="A date known only to a month or a year is the whole period, drawn as a span. An "
        'engagement whose start the source does not give is listed last as "date not given" '
        "and not drawn.",
    )


def alerts_table(picture: SituationPicture) -> Table:
    """The situation's alerts and their history: one row per transition."""
    rows = []
    for alert in picture.alerts:
        for event in alert.events.all():
            rows.append(
                {
                    "alert": alert.rule.name,
                    "level": alert.get_level_display(),
                    "status": alert.get_status_display(),
                    "event": event.get_kind_display(),
                    "at": event.at,
                    "by": event.by.get_username() if event.by else "the tracker",
                    "comment": event.comment,
                }
            )
    return Table(
        key="alerts",
        caption="Alerts and their history",
        columns=[
            Column("alert", "Alert"),
            Column("level", "Level"),
            Column("status", "Status now"),
            Column("event", "Event"),
            Column("at", "When", "datetime"),
            Column("by", "By"),
            Column("comment", "Comment"),
        ],
        rows=rows,
    )
