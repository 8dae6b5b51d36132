"""Every API record type: its shape (``api.shapes``) and where it lives, shared by lists, details,
the serializers and the change feed.

Each shape is declared once here: the serializers take their ``Meta.fields`` and read-only fields
from it, lists and details read their rows through it (``values()`` with the many-to-many links as
arrays in the same query, one more query per nested field, so a page costs a fixed number of
queries), and the change feed has PostgreSQL build each record's JSON from it (``feed_json.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model, QuerySet

from alerts.models import Alert, SituationInterval
from cases.models import (
    Actor,
    Assessment,
    Briefing,
    Document,
    EarlyActionReview,
    Engagement,
    EngagementPartner,
    FollowUpAction,
    Paragraph,
    ReviewFinding,
    Situation,
    SuccessElement,
    WarningIndicator,
)
from cases.sharing import Clearance, restrict_to_clearance

from .shapes import Column, Counted, Countries, Links, Nested, Shape

# A synced record's key, version and timestamps: sent back by a client, they are ignored.
TRACKED = tuple(
    Column(name, read_only=True) for name in ("id", "version", "created_at", "updated_at")
)

# The stored warning-to-action interval of a situation (alerts app): bounds in days, open if
# unanswered.
WARNING_FIGURES = Shape(
    SituationInterval,
    Column("threshold_severity"),
    Column("first_warning", source="first_warning_id"),
    Column("first_action", source="first_action_id"),
    Column("warning_from"),
    Column("warning_until"),
    Column("action_from"),
    Column("action_until"),
    Column("days_min"),
    Column("days_max"),
    Column("is_open"),
    Column("is_exact"),
    Column("measured_to"),
    Column("is_stopped"),
    Column("stopped_on"),
    Column("stopped_from"),
    # The milestones between (issue 13): a sign reaching the desk, a decision maker alerted.
    Column("detected_from"),
    Column("detected_until"),
    Column("notified_from"),
    Column("notified_until"),
)

# The figures as a record of their own (``/api/v1/intervals/``, feed type ``interval``): they
# change when the recompute says so, not when the situation is written, so they carry their own
# version (an ETag and a feed entry per change) and are named by their situation's id.
INTERVAL = Shape(
    SituationInterval,
    Column("id", source="situation_id", read_only=True),
    Column("version", read_only=True),
    Column("changed_at", read_only=True),
    Column("situation", source="situation_id", read_only=True),
    *WARNING_FIGURES.fields,
)

SITUATION = Shape(
    Situation,
    *TRACKED,
    Column("title"),
    Column("slug"),
    Countries("countries"),
    Column("region"),
    Column("subregion"),
    Column("crisis_type"),
    Column("conflict_stage"),
    Column("status"),
    # When it was closed or de-escalated, at its precision: the warning-to-action clock stops.
    Column("status_on"),
    Column("status_precision"),
    # Drawn from a report and measured as of its issue date, not to today (read-only).
    Column("as_of", source="as_of__symbol", read_only=True),
    Column("as_of_issued_on", source="as_of__issued_on", read_only=True),
    Column("risk_level"),
    Column("sharing"),
    Links("shared_with"),
    Column("accepts_contributions"),
    Column("summary"),
    Links("citations"),
)

INDICATOR = Shape(
    WarningIndicator,
    *TRACKED,
    Column("situation", source="situation_id"),
    Column("category"),
    Column("severity"),
    Column("description"),
    Column("observed_on"),
    Column("observed_precision"),
    # When the sign reached the desk (the detection milestone), at its precision; null: the day
    # it was logged, or not known for records seeded from a report.
    Column("reported_on"),
    Column("reported_precision", null_without="reported_on"),
    Column("reported_by", source="reported_by_id"),
    Column("threshold_moment"),
    Column("source"),
    Links("citations"),
    # The engagements linked to this sign as its answers (their ``responds_to``; written there).
    Links("answered_by", read_only=True),
)

ACTOR = Shape(
    Actor,
    *TRACKED,
    Column("name"),
    Column("acronym"),
    Column("kind"),
    Column("parent", source="parent_id"),
    Column("country"),
    Column("description"),
    Links("citations"),
)

PARTNER_ROLE = Shape(
    EngagementPartner,
    Column("actor", source="actor_id"),
    Column("role"),
)

ENGAGEMENT = Shape(
    Engagement,
    *TRACKED,
    Column("situation", source="situation_id"),
    Column("title"),
    Column("instrument"),
    Column("track"),
    Column("lead_actor", source="lead_actor_id"),
    Nested("partners", shape=PARTNER_ROLE, via="engagement", many=True, order=("role", "actor_id")),
    Column("started_on"),
    # The source gives no start date: no date, so no precision either.
    Column("started_precision", null_without="started_on"),
    Column("ended_on"),
    Column("ended_precision"),
    Column("objective"),
    Column("outcome"),
    Links("citations"),
    # The warning signs this engagement answers (a desk officer's link wins over dates).
    Links("responds_to"),
)

# A decision maker or the lead actor alerted (the notification milestone).
BRIEFING = Shape(
    Briefing,
    *TRACKED,
    Column("situation", source="situation_id"),
    Column("kind"),
    Column("briefed_on"),
    Column("briefed_precision"),
    Column("recipient", source="recipient_id"),
    Column("summary"),
    Links("citations"),
)

ASSESSMENT = Shape(
    Assessment,
    *TRACKED,
    Column("engagement", source="engagement_id"),
    Column("element", source="element__code"),
    Column("rating"),
    Column("evidence"),
    Links("citations"),
)

# The warning sign an alert is about, named as the alert names it: its date at its precision
# (``observed_on`` is the first day of its period), its severity, whether a threshold moment.
ALERT_SIGN = Shape(
    WarningIndicator,
    Column("id"),
    Column("category"),
    Column("description"),
    Column("severity"),
    Column("observed_on"),
    Column("observed_precision"),
    Column("threshold_moment"),
)

# Early action reviews (issue 13): read by partners under their situation's sharing level.
REVIEW = Shape(
    EarlyActionReview,
    *TRACKED,
    Column("situation", source="situation_id"),
    Column("held_on"),
    Column("trigger"),
    Column("summary"),
    Links("citations"),
)

# A bottleneck or an enabler, filed under a success element (named by its code).
FINDING = Shape(
    ReviewFinding,
    *TRACKED,
    Column("review", source="review_id"),
    Column("situation", source="review__situation_id", read_only=True),
    Column("kind"),
    Column("element", source="element__code"),
    Column("text"),
)

FOLLOW_UP = Shape(
    FollowUpAction,
    *TRACKED,
    Column("review", source="review_id"),
    Column("situation", source="review__situation_id", read_only=True),
    Column("action"),
    # An actor on record, and/or the responsible office in words.
    Column("owner", source="owner_id"),
    Column("owner_name"),
    Column("due_on"),
    Column("status"),
    Column("done_on"),
)

# An alert keeps an integer key; partners see its public uuid as its id.
ALERT = Shape(
    Alert,
    Column("id", source="uuid", read_only=True),
    Column("version", read_only=True),
    Column("updated_at", read_only=True),
    Column("situation", source="situation_id"),
    Column("engagement", source="engagement_id"),
    # An overdue follow-up's alert names the follow-up action (``follow-ups/<id>/``).
    Column("follow_up", source="follow_up_id"),
    Column("rule", source="rule_id"),
    Column("rule_kind", source="rule__kind"),
    Column("rule_name", source="rule__name"),
    # A "no action" or threshold-moment alert: the unanswered sign (one alert per sign), else null.
    Nested("indicator", read_only=True, shape=ALERT_SIGN, via="id", key="indicator_id"),
    Column("level"),
    Column("escalated_from"),
    Column("status"),
    Column("measure"),
    Column("episode"),
    Column("condition_active"),
    Column("opened_at"),
    Column("measured_at"),
    Column("acknowledged_at"),
    Column("acknowledgement"),
    Column("resolved_at"),
    Column("resolution"),
)


@dataclass(frozen=True)
class Resource:
    """A synced record type as the API shows it."""

    name: str  # URL segment
    type: str  # change-feed type
    shape: Shape
    situation_path: str | None = None  # None: not under TLP

    @property
    def model(self) -> type[Model]:
        return self.shape.model

    def base_queryset(self, clearance: Clearance) -> QuerySet:
        queryset = self.model._default_manager.all()
        if self.situation_path is not None:
            queryset = restrict_to_clearance(queryset, clearance, self.situation_path)
        return queryset

    def rows(self, queryset: QuerySet) -> list[dict]:
        return self.shape.rows(queryset)


SITUATIONS = Resource("situations", "situation", SITUATION, situation_path="")
INDICATORS = Resource("indicators", "indicator", INDICATOR, situation_path="situation")
ACTORS = Resource("actors", "actor", ACTOR)
ENGAGEMENTS = Resource("engagements", "engagement", ENGAGEMENT, situation_path="situation")
ASSESSMENTS = Resource(
    "assessments", "assessment", ASSESSMENT, situation_path="engagement__situation"
)
BRIEFINGS = Resource("briefings", "briefing", BRIEFING, situation_path="situation")


REVIEWS = Resource("reviews", "review", REVIEW, situation_path="situation")
FINDINGS = Resource(
    "review-findings", "review-finding", FINDING, situation_path="review__situation"
)
FOLLOW_UPS = Resource("follow-ups", "follow-up", FOLLOW_UP, situation_path="review__situation")
INTERVALS = Resource("intervals", "interval", INTERVAL, situation_path="situation")


SYNCED = {
    r.type: r
    for r in (
        SITUATIONS,
        INDICATORS,
        ACTORS,
        ENGAGEMENTS,
        ASSESSMENTS,
        BRIEFINGS,
        REVIEWS,
        FINDINGS,
        FOLLOW_UPS,
        INTERVALS,
    )
}


# Reference data keeps an integer key for the citation tables; partners see its public uuid.
REFERENCE = (
    Column("id", source="uuid", read_only=True),
    Column("version", read_only=True),
    Column("updated_at", read_only=True),
)

SUCCESS_ELEMENT = Shape(
    SuccessElement,
    *REFERENCE,
    Column("code"),
    Column("order"),
    Column("name"),
    Column("description"),
    Column("document_symbol"),
    Column("first_paragraph"),
    Column("last_paragraph"),
)

PARAGRAPH = Shape(
    Paragraph,
    *REFERENCE,
    Column("kind"),
    Column("number"),
    Column("chapter"),
    Column("section"),
    Column("text"),
)

DOCUMENT = Shape(
    Document,
    *REFERENCE,
    Column("symbol"),
    Column("title"),
    Column("job_number"),
    Column("subject_terms"),
    Counted("paragraph_count", of="paragraphs"),
)

DOCUMENT_DETAIL = Shape(
    Document,
    *DOCUMENT.fields,
    Nested("paragraphs", shape=PARAGRAPH, via="document", many=True, order=("kind", "number")),
)


def representations(
    type_: str, ids: Iterable[uuid.UUID] | QuerySet, clearance: Clearance
) -> list[dict]:
    """Current data of the records ``ids`` (a list or a subquery) of feed type ``type_`` that
    ``clearance`` may see."""
    if not isinstance(ids, QuerySet):
        ids = list(ids)
    if type_ == "alert":
        # Alerts keep an integer key; the feed names them by their public uuid.
        return ALERT.rows(
            restrict_to_clearance(Alert.objects.all(), clearance, "situation")
            .filter(uuid__in=ids)
            .order_by()
        )
    resource = SYNCED.get(type_)
    if resource is None:
        return []
    return resource.rows(resource.base_queryset(clearance).filter(pk__in=ids).order_by())
