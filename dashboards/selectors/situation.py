"""Everything the situation page shows about one situation, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, F, Prefetch, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertEvent
from alerts.models.measures import format_interval
from alerts.selectors import answers_to_signs
from alerts.services import milestones
from alerts.services.intervals import AnswerState
from cases.choices import ActorKind, PartnerRole
from cases.dates import PartialDate, Period
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

from ..tables import DATE, Column, Table, iso_column
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
        .select_related("interval", "interval__first_warning", "interval__first_action", "as_of")
        .prefetch_related("shared_with", CITATIONS)
        .filter(slug=slug)
        .first()
    )
    if situation is None:
        raise Http404("No such situation.")
    return situation


def picture(clearance: Clearance, slug: str) -> SituationPicture:
    situation = situation_for(clearance, slug)
    interval = getattr(situation, "interval", None)
    stopped_on = interval.stopped_on if interval is not None and interval.is_stopped else None
    indicators = list(
        answers_to_signs(
            WarningIndicator.objects.filter(situation=situation),
            measured_to=stopped_on or timezone.localdate(),
        )
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
        .select_related("rule", "engagement", "indicator", "follow_up__owner", "acknowledged_by")
        .prefetch_related(
            Prefetch("events", queryset=AlertEvent.objects.select_related("by").order_by("at"))
        )
        .order_by("status", "-level", "-opened_at")
    )
    return SituationPicture(
        situation=situation,
        interval=interval,
        indicators=indicators,
        engagements=engagements,
        alerts=alerts,
        elements=list(SuccessElement.objects.order_by("order")),
    )


def milestones_table(picture: SituationPicture, *, today: dt.date | None = None) -> Table:
    """The four milestones at their precision and, between them, each 7-1-7 target met, missed
    or not to be told (one query: ``alerts.services.milestones``)."""
    interval = picture.interval
    targets, outcomes = milestones.situation_outcomes(picture.situation.pk, today=today)

    def when(start, until, missing: str):
        return Period.of(start, until) if start is not None else missing

    has_warning = interval is not None and interval.warning_from is not None
    if not has_warning:
        rows = []
    else:
        if interval.detected_until is None:
            detected = gettext("not known (no report date)")
        else:
            detected = when(interval.detected_from, interval.detected_until, "")
        if interval.is_open:
            response = gettext("none yet")
        elif interval.action_from is None:
            response = gettext(UNDATED)
        else:
            response = when(interval.action_from, interval.action_until, "")
        rows = [
            {
                "milestone": gettext("Emergence: the first warning sign"),
                "when": when(interval.warning_from, interval.warning_until, ""),
            },
            {
                "milestone": gettext("Detection: a sign reaches the desk"),
                "when": detected,
                "target": "detect",
            },
            {
                "milestone": gettext("Notification: a decision maker alerted"),
                "when": when(
                    interval.notified_from, interval.notified_until, gettext("none recorded")
                ),
                "target": "notify",
            },
            {"milestone": gettext("First response"), "when": response, "target": "respond"},
        ]
    for row in rows:
        target = row.pop("target", None)
        if target is not None:
            days = targets[target]
            row["target"] = _target_text(target, days)
            row["outcome"] = milestones.OUTCOME_LABELS.get(outcomes[target], "–")
    return Table(
        key="milestones",
        caption=_("Milestones and targets"),
        columns=[
            Column("milestone", _("Milestone"), hxl="#indicator+name+milestone"),
            Column("when", _("When"), DATE, hxl="#meta+milestone+text"),
            iso_column("when", _("When"), "#date+occurred"),
            Column("target", _("Target since the milestone before"), hxl="#indicator+text+target"),
            Column("outcome", _("Outcome"), hxl="#status+name+target"),
        ],
        rows=rows,
        note=_(
            "Met: within the target at the latest the dates allow; missed: beyond it at the "
            "earliest, or still missing past it; cannot tell: the dates' precision leaves both "
            "possible."
        ),
        extra={"outcomes": outcomes},
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
            "date": PartialDate(r["day"], r["precision"])
            if r["day"] is not None
            else gettext(UNDATED),
        }
        for r in union
    ]
    return Table(
        key="actors",
        caption=_("Actors and their roles"),
        columns=[
            # HXL has no #actor: an actor is an organisation, a State or a person in the
            # response (#org); its role is an attribute of that, described in the row.
            Column("actor", _("Actor"), hxl="#org+name"),
            Column("kind", _("Kind"), hxl="#org+type"),
            Column("role", _("Role"), hxl="#org+role"),
            Column("in", _("In"), hxl="#description+subject"),
            Column("date", _("From"), DATE, hxl="#meta+start+text"),
            iso_column("date", _("From"), "#date+start"),
        ],
        rows=rows,
    )


def _sources(obj) -> list[Paragraph]:
    return list(obj.citations.all())


def _target_text(target: str, days: int) -> str:
    """A 7-1-7 target in words: "detect within 7 days"."""
    if target == "detect":
        text = ngettext("detect within %(days)d day", "detect within %(days)d days", days)
    elif target == "notify":
        text = ngettext("notify within %(days)d day", "notify within %(days)d days", days)
    else:
        text = ngettext("respond within %(days)d day", "respond within %(days)d days", days)
    return text % {"days": days}


ANSWER_STATES = {
    AnswerState.ANSWERED: _("Answered by a new step"),
    AnswerState.IN_HAND: _("In hand"),
    AnswerState.UNANSWERED: _("Unanswered"),
}


def answer_text(indicator: WarningIndicator, engagement: Engagement | None, interval) -> str:
    """The sign's state in words (S/2011/552, para. 47): answered by a new step after N days,
    in hand (an engagement under way when it appeared), or unanswered for N days so far (or to
    the stop of the situation's clock, named at its precision)."""
    state = ANSWER_STATES[indicator.answer_state]
    wait = format_interval(indicator.wait_min, indicator.wait_max, False)
    if indicator.answer_state == AnswerState.UNANSWERED:
        # The stored wait, measured to the stop; read on the fly until the recompute stores it.
        return _wait(indicator, interval) or gettext("%(state)s: %(wait)s so far") % {
            "state": state,
            "wait": wait,
        }
    values = {
        "state": state,
        "by": engagement.title if engagement is not None else gettext("an engagement"),
        "wait": wait,
    }
    if indicator.answer_state == AnswerState.IN_HAND:
        return gettext("%(state)s: %(by)s was under way") % values
    if indicator.wait_min is None:
        return (
            gettext(
                "%(state)s: %(by)s (linked; its date is not given, so the interval is not known)"
            )
            % values
        )
    return gettext("%(state)s: %(by)s, after %(wait)s") % values


def _wait(indicator: WarningIndicator, interval) -> str:
    """An unanswered sign's wait: to today, or to the stop of the situation's clock, named at
    its precision (issue 13); "" for a sign answered. Read with the page's rows: no query."""
    if not _stored_unanswered(indicator):
        return ""
    unanswered = indicator.unanswered
    low, high = unanswered.days_open(interval=interval) if interval else unanswered.days_open()
    values = {"span": f"{low:,}" if low == high else f"{low:,}–{high:,}"}
    if interval is not None and interval.stopped_display:
        values["stopped"] = interval.stopped_display
        return (
            ngettext(
                "Unanswered: %(span)s day (clock stopped %(stopped)s)",
                "Unanswered: %(span)s days (clock stopped %(stopped)s)",
                high,
            )
            % values
        )
    return (
        ngettext("Unanswered: %(span)s day so far", "Unanswered: %(span)s days so far", high)
        % values
    )


def events_table(picture: SituationPicture) -> Table:
    """Every warning sign and engagement of the situation in date order, with its sources.

    The rows were fetched by ``picture``; each links to the paragraphs of the report it cites.
    """
    rows = []
    engagements = {engagement.pk: engagement for engagement in picture.engagements}
    for indicator in picture.indicators:
        rows.append(
            {
                "anchor": f"fact-{indicator.pk}",
                "sort": (0, indicator.observed_on, 0),
                "kind": gettext("Warning sign"),
                "lane": "warning",
                "date": indicator.observed_display,
                "start": PartialDate(indicator.observed_on, indicator.observed_precision),
                "end": PartialDate(indicator.observed_on, indicator.observed_precision),
                "precision": indicator.get_observed_precision_display(),
                "what": gettext("%(severity)s severity: %(category)s")
                % {
                    "severity": indicator.get_severity_display(),
                    "category": indicator.get_category_display(),
                },
                "severity": indicator.severity,
                "detail": indicator.description
                + (
                    gettext(" (reported by %(reporter)s)") % {"reporter": indicator.reported_by}
                    if indicator.reported_by
                    else ""
                ),
                "outcome": answer_text(
                    indicator, engagements.get(indicator.answered_by_id), picture.interval
                ),
                "answer_state": indicator.answer_state,
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
            dates = gettext(UNDATED) + (
                gettext(" (ended %(end)s)") % {"end": engagement.ended_display}
                if engagement.ended_on
                else ""
            )
            sort, precision = (1, dt.date.max, 1), ""
        else:
            dates = engagement.started_display + (
                f" – {engagement.ended_display}"
                if engagement.ended_on
                else gettext(" – no end recorded")
            )
            sort = (0, engagement.started_on, 1)
            precision = engagement.get_started_precision_display()
        rows.append(
            {
                "anchor": f"fact-{engagement.pk}",
                "sort": sort,
                "kind": gettext("Engagement"),
                "lane": "engagement",
                "date": dates,
                "start": PartialDate(engagement.started_on, engagement.started_precision)
                if engagement.started_on
                else None,
                "end": PartialDate(engagement.ended_on, engagement.ended_precision)
                if engagement.ended_on
                else None,
                "precision": precision,
                "what": gettext("%(instrument)s: %(title)s")
                % {"instrument": engagement.get_instrument_display(), "title": engagement.title},
                "detail": gettext("Led by %(lead)s") % {"lead": lead}
                + (gettext("; with %(partners)s") % {"partners": partners} if partners else ""),
                "outcome": engagement.get_outcome_display(),
                "sources": _sources(engagement),
                "sources_text": "; ".join(p.citation for p in _sources(engagement)),
            }
        )
    rows.sort(key=lambda r: r["sort"])
    return Table(
        key="events",
        caption=_("Warning signs and engagements, in date order"),
        columns=[
            Column("date", _("When"), hxl="#meta+period+text"),
            # A warning sign's day, month or year; an engagement's start and end.
            iso_column("start", _("Start"), "#date+start"),
            iso_column("end", _("End"), "#date+end"),
            Column("kind", _("Kind"), hxl="#event+type"),
            Column("what", _("What"), hxl="#event+name"),
            Column("detail", _("Detail"), citations="sources", hxl="#description"),
            Column("outcome", _("Action / outcome"), hxl="#description+outcome"),
            Column("sources_text", _("Sources"), on_page=False, hxl="#meta+source"),
        ],
        rows=rows,
        note=_(
            "A date known only to a month or a year is the whole period, drawn as a span. An "
            'engagement whose start the source does not give is listed last as "date not given" '
            "and not drawn."
        ),
    )


def event_levels(event: AlertEvent) -> str:
    """An escalation's levels, "High → Critical"; "" for other events."""
    if event.level_from is None or event.level_to is None:
        return ""
    return f"{event.get_level_from_display()} → {event.get_level_to_display()}"


def alerts_table(picture: SituationPicture) -> Table:
    """The situation's alerts and their history: one row per transition."""
    rows = []
    for alert in picture.alerts:
        for event in alert.events.all():
            rows.append(
                {
                    "alert": alert.sign_display or alert.rule.name,
                    "level": alert.get_level_display(),
                    "status": alert.get_status_display(),
                    "event": event.get_kind_display(),
                    "at": event.at,
                    "by": event.by.get_username() if event.by else "the tracker",
                    "comment": event.comment or event_levels(event),
                }
            )
    return Table(
        key="alerts",
        caption=_("Alerts and their history"),
        columns=[
            Column("alert", _("Alert"), hxl="#description+alert"),
            Column("level", _("Level"), hxl="#severity+name+alert"),
            Column("status", _("Status now"), hxl="#status+name+alert"),
            Column("event", _("Event"), hxl="#event+type+alert"),
            Column("at", _("When"), "datetime", hxl="#date+occurred"),
            Column("by", _("By"), hxl="#contact+name"),
            Column("comment", _("Comment"), hxl="#description+comment"),
        ],
        rows=rows,
    )
