"""Early action reviews on the dashboards (issue 13, item 5): which situations owe one, what a
situation's reviews found, element by element, and where their follow-ups stand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import SituationInterval
from alerts.services import milestones
from alerts.services.sql import quote
from cases.choices import FindingKind, Region
from cases.dates import PartialDate
from cases.models import (
    Actor,
    EarlyActionReview,
    FollowUpAction,
    ReviewFinding,
    Situation,
    SuccessElement,
)
from cases.sharing import Clearance

from ..filters import SituationFilters
from ..tables import DATE, Column, Table, iso_column
from .common import label, visible

REVIEWS_DUE_PAGE = 25


def review_due_q(today: dt.date | None = None) -> Q:
    """Situations that owe an early action review: a first response was recorded (the interval
    recompute found a first action) or a 7-1-7 target was missed (``alerts.services.milestones``,
    as the overview counts it), and no review has been held."""
    first_response = Q(interval__first_action__isnull=False)
    reviewed = Exists(EarlyActionReview.objects.filter(situation_id=OuterRef("pk")))
    return (first_response | Q(_target_missed(today or timezone.localdate()))) & ~reviewed


def _target_missed(today: dt.date) -> RawSQL:
    """Whether any of the situation's targets is missed: its stored interval read by the same
    SQL as the overview's shares, correlated on the situation (no query of its own)."""
    table = quote(SituationInterval._meta.db_table)
    outcomes = milestones.outcomes_sql(today, lambda name: f"i.{quote(name)}")
    missed = " OR ".join(f"{sql} = '{milestones.Outcome.MISSED}'" for sql in outcomes.values())
    situation = f"{quote(Situation._meta.db_table)}.{quote('id')}"
    return RawSQL(
        f"EXISTS (SELECT 1 FROM {table} i WHERE i.situation_id = {situation} AND ({missed}))",
        [],
        output_field=BooleanField(),
    )


def reviews_due(
    clearance: Clearance, filters: SituationFilters | None, *, limit: int | None = REVIEWS_DUE_PAGE
) -> Table:
    """The situations the viewer may see that owe a review, latest first response first (one
    query; the page shows ``limit`` rows, the CSV all)."""
    queryset = (
        visible(Situation.objects.all(), clearance, filters)
        .filter(review_due_q())
        .order_by(F("interval__action_from").desc(nulls_last=True), "title")
        .values(
            "title",
            "slug",
            "region",
            "interval__first_action__title",
            "interval__first_action__started_on",
            "interval__first_action__started_precision",
        )
    )
    rows = list(queryset if limit is None else queryset[: limit + 1])
    more = 0
    if limit is not None and len(rows) > limit:
        rows, more = rows[:limit], 1
    for row in rows:
        row["situation"] = row["title"]
        row["url"] = reverse("dashboards:situation", args=[row["slug"]])
        row["region_label"] = label(Region, row["region"])
        row["first_response"] = row["interval__first_action__title"]
        started = row["interval__first_action__started_on"]
        row["first_response_on"] = (
            PartialDate(started, row["interval__first_action__started_precision"])
            if started
            else "date not given"
        )
    return Table(
        key="reviews-due",
        caption=_("Situations owing an early action review"),
        columns=[
            Column("situation", _("Situation"), link="url", hxl="#crisis+name"),
            Column("region_label", _("Region"), hxl="#region+name"),
            Column("first_response", _("First response"), hxl="#activity+name+first_response"),
            Column("first_response_on", _("Started"), DATE, hxl="#meta+first_response+text"),
            iso_column("first_response_on", _("Started"), "#date+start+first_response"),
        ],
        rows=rows,
        more=more,
        note=_(
            "A review is due after a situation's first response until one is recorded in the admin."
        ),
    )


@dataclass
class ElementFindings:
    """A review's findings under one success element."""

    element: object
    bottlenecks: list[ReviewFinding] = field(default_factory=list)
    enablers: list[ReviewFinding] = field(default_factory=list)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def situation_reviews(
    situation: Situation, elements: list[SuccessElement]
) -> list[EarlyActionReview]:
    """The situation's reviews, latest first, with their findings (grouped by element as
    ``review.by_element``, ``elements`` giving the elements in order) and follow-ups
    (``review.follow_up_list``, each with ``overdue``): one query whatever their number, the
    findings and follow-ups read as arrays of JSON objects beside each review."""
    today = timezone.localdate()
    findings = (
        ReviewFinding.objects.filter(review_id=OuterRef("pk"))
        .order_by("element__order", "kind", "created_at")
        .values(data=JSONObject(kind="kind", element="element_id", text="text"))
    )
    follow_ups = (
        FollowUpAction.objects.filter(review_id=OuterRef("pk"))
        .order_by("due_on", "created_at")
        .values(
            data=JSONObject(
                id="id",
                action="action",
                owner="owner_id",
                owner_actor="owner__name",
                owner_acronym="owner__acronym",
                owner_name="owner_name",
                due_on="due_on",
                status="status",
                done_on="done_on",
            )
        )
    )
    reviews = list(
        EarlyActionReview.objects.filter(situation=situation)
        .annotate(finding_data=ArraySubquery(findings), follow_up_data=ArraySubquery(follow_ups))
        .order_by("-held_on", "-created_at")
    )
    by_id = {element.pk: element for element in elements}
    for review in reviews:
        grouped: dict[int, ElementFindings] = {}
        for data in review.finding_data:
            element = by_id[data["element"]]
            entry = grouped.setdefault(element.pk, ElementFindings(element))
            finding = ReviewFinding(review=review, element=element, kind=data["kind"])
            finding.text = data["text"]
            if finding.kind == FindingKind.BOTTLENECK:
                entry.bottlenecks.append(finding)
            else:
                entry.enablers.append(finding)
        review.by_element = list(grouped.values())
        review.follow_up_list = []
        for data in review.follow_up_data:
            follow_up = FollowUpAction(
                id=data["id"],
                review=review,
                action=data["action"],
                owner_name=data["owner_name"],
                due_on=_date(data["due_on"]),
                status=data["status"],
                done_on=_date(data["done_on"]),
            )
            if data["owner"]:
                follow_up.owner = Actor(
                    id=data["owner"], name=data["owner_actor"], acronym=data["owner_acronym"]
                )
            follow_up.overdue = follow_up.is_overdue(today)
            review.follow_up_list.append(follow_up)
    return reviews


def follow_ups_table(reviews: list[EarlyActionReview]) -> Table:
    """Every follow-up of the situation's reviews (read with them: no query)."""
    rows = [
        {
            "review": review.held_display,
            "action": follow_up.action,
            "owner": follow_up.owner_display,
            "due": follow_up.due_display,
            "status": follow_up.get_status_display() + (" — overdue" if follow_up.overdue else ""),
            "done": follow_up.done_display,
            "overdue": follow_up.overdue,
        }
        for review in reviews
        for follow_up in review.follow_up_list
    ]
    return Table(
        key="follow-ups",
        caption=_("Follow-up actions of the early action reviews"),
        columns=[
            Column("review", _("Review held"), hxl="#date+review"),
            Column("action", _("Action"), hxl="#activity+name+follow_up"),
            Column("owner", _("Owner"), hxl="#org+name+owner"),
            Column("due", _("Due"), hxl="#date+due"),
            Column("status", _("Status"), hxl="#status+name"),
            Column("done", _("Done or dropped"), hxl="#date+end"),
        ],
        rows=rows,
        note=_("Overdue: still open after its due date; the alert rule adds its days of grace."),
    )


def findings_by_element(
    clearance: Clearance, filters: SituationFilters | None
) -> dict[int, dict[str, int]]:
    """Bottlenecks and enablers the viewer may see, counted per element in one query:
    ``{element id: {"bottlenecks": n, "enablers": n}}``."""
    findings = visible(ReviewFinding.objects.all(), clearance, filters, "review__situation")
    return {
        row["element_id"]: row
        for row in findings.order_by()
        .values("element_id")
        .annotate(
            bottlenecks=Count("pk", filter=Q(kind=FindingKind.BOTTLENECK)),
            enablers=Count("pk", filter=Q(kind=FindingKind.ENABLER)),
        )
    }
