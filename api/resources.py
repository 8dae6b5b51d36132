"""Fast read representations of every API resource, shared by lists, details and the change feed.

Rows are read with ``values()`` and the many-to-many links as arrays in the same query, so a page
costs a fixed number of queries and no per-field serializer overhead. The serializers in
``serializers.py`` describe the same shapes (for validation and the OpenAPI schema); a test keeps
the two in step.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Model, OuterRef, QuerySet

from alerts.models import Alert
from cases.models import (
    Actor,
    Assessment,
    Document,
    Engagement,
    EngagementPartner,
    Paragraph,
    Situation,
    WarningIndicator,
)
from cases.sharing import Clearance, restrict_to_clearance

from .figures import warning_figures

TRACKED = ("id", "version", "created_at", "updated_at")


def _link_columns(model: type[Model], name: str) -> tuple[type[Model], str, str]:
    """The through model of the many-to-many field ``name``, its column naming the record and
    the one naming the linked record: a linked record with an integer key and a public ``uuid``
    (paragraphs) is named by its uuid, read through a join."""
    m2m = model._meta.get_field(name)
    source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
    if any(f.name == "uuid" for f in m2m.related_model._meta.concrete_fields):
        target = f"{m2m.m2m_reverse_field_name()}__uuid"
    return m2m.remote_field.through, source, target


def _link_array(model: type[Model], name: str) -> ArraySubquery:
    """Each record's linked ids as an array, a subquery of the record's row."""
    through, source, target = _link_columns(model, name)
    return ArraySubquery(
        through.objects.filter(**{source: OuterRef("pk")}).order_by().values(target)
    )


@dataclass
class Resource:
    """A record type as the API shows it."""

    name: str  # URL segment
    type: str  # change-feed type
    model: type[Model]
    columns: tuple[str, ...]
    situation_path: str | None = None  # None: not under TLP
    m2m: tuple[str, ...] = ()
    renames: dict[str, str] = field(default_factory=dict)  # column -> JSON name
    extra: Callable[[list[dict], list], None] | None = None

    def base_queryset(self, clearance: Clearance) -> QuerySet:
        queryset = self.model._default_manager.all()
        if self.situation_path is not None:
            queryset = restrict_to_clearance(queryset, clearance, self.situation_path)
        return queryset

    def rows(self, queryset: QuerySet) -> list[dict]:
        # The links as arrays in the same query: one round trip a page instead of one more per
        # many-to-many field.
        arrays = {f"links__{name}": _link_array(self.model, name) for name in self.m2m}
        rows = list(queryset.annotate(**arrays).values(*self.columns, *arrays))
        for row in rows:
            for name in self.m2m:
                row[name] = sorted(row.pop(f"links__{name}") or (), key=str)
        if not rows:
            return rows
        ids = [row["id"] for row in rows]
        for column, json_name in self.renames.items():
            for row in rows:
                row[json_name] = row.pop(column)
        if self.extra is not None:
            self.extra(rows, ids)
        return rows


def _situation_extra(rows: list[dict], ids: list) -> None:
    for row in rows:
        countries = row["countries"]
        row["countries"] = countries.split(",") if countries else []
    figures = warning_figures(ids)
    for row in rows:
        row["warning_to_action"] = figures.get(row["id"])


def _engagement_extra(rows: list[dict], ids: list) -> None:
    roles: dict = defaultdict(list)
    for engagement_id, actor_id, role in (
        EngagementPartner.objects.filter(engagement_id__in=ids)
        .order_by("role", "actor_id")
        .values_list("engagement_id", "actor_id", "role")
    ):
        roles[engagement_id].append({"actor": actor_id, "role": role})
    for row in rows:
        row["partners"] = roles.get(row["id"], [])
        if row["started_on"] is None:
            # The source gives no start date: no date, so no precision either.
            row["started_precision"] = None


SITUATIONS = Resource(
    name="situations",
    type="situation",
    model=Situation,
    columns=(
        *TRACKED,
        "title",
        "slug",
        "countries",
        "region",
        "subregion",
        "crisis_type",
        "conflict_stage",
        "status",
        "risk_level",
        "sharing",
        "summary",
    ),
    situation_path="",
    m2m=("shared_with", "citations"),
    extra=_situation_extra,
)

INDICATORS = Resource(
    name="indicators",
    type="indicator",
    model=WarningIndicator,
    columns=(
        *TRACKED,
        "situation_id",
        "category",
        "severity",
        "description",
        "observed_on",
        "observed_precision",
        "reported_by_id",
        "threshold_moment",
        "source",
    ),
    situation_path="situation",
    m2m=("citations",),
    renames={"situation_id": "situation", "reported_by_id": "reported_by"},
)

ACTORS = Resource(
    name="actors",
    type="actor",
    model=Actor,
    columns=(*TRACKED, "name", "acronym", "kind", "parent_id", "country", "description"),
    m2m=("citations",),
    renames={"parent_id": "parent"},
)

ENGAGEMENTS = Resource(
    name="engagements",
    type="engagement",
    model=Engagement,
    columns=(
        *TRACKED,
        "situation_id",
        "title",
        "instrument",
        "track",
        "lead_actor_id",
        "started_on",
        "started_precision",
        "ended_on",
        "ended_precision",
        "objective",
        "outcome",
    ),
    situation_path="situation",
    m2m=("citations",),
    renames={"situation_id": "situation", "lead_actor_id": "lead_actor"},
    extra=_engagement_extra,
)

ASSESSMENTS = Resource(
    name="assessments",
    type="assessment",
    model=Assessment,
    columns=(*TRACKED, "engagement_id", "element__code", "rating", "evidence"),
    situation_path="engagement__situation",
    m2m=("citations",),
    renames={"engagement_id": "engagement", "element__code": "element"},
)


# Reference data keeps an integer key for the citation tables; partners see its public uuid.
REFERENCE = ("uuid", "version", "updated_at")


def _public(rows) -> list[dict]:
    """Rows read with ``REFERENCE`` columns, their ``uuid`` shown as ``id`` (first)."""
    return [{"id": row.pop("uuid"), **row} for row in rows]


SUCCESS_ELEMENT_COLUMNS = (
    *REFERENCE,
    "code",
    "order",
    "name",
    "description",
    "document_symbol",
    "first_paragraph",
    "last_paragraph",
)


def success_element_rows(queryset: QuerySet) -> list[dict]:
    return _public(queryset.values(*SUCCESS_ELEMENT_COLUMNS))


DOCUMENT_COLUMNS = (*REFERENCE, "symbol", "title", "job_number", "subject_terms")
PARAGRAPH_COLUMNS = (*REFERENCE, "kind", "number", "chapter", "section", "text")


def document_rows(queryset: QuerySet) -> list[dict]:
    return _public(
        queryset.annotate(paragraph_count=Count("paragraphs")).values(
            *DOCUMENT_COLUMNS, "paragraph_count"
        )
    )


def document_detail(document: Document) -> dict:
    row = _public([{name: getattr(document, name) for name in DOCUMENT_COLUMNS}])[0]
    row["paragraphs"] = _public(
        Paragraph.objects.filter(document=document)
        .order_by("kind", "number")
        .values(*PARAGRAPH_COLUMNS)
    )
    row["paragraph_count"] = len(row["paragraphs"])
    return row


SYNCED = {r.type: r for r in (SITUATIONS, INDICATORS, ACTORS, ENGAGEMENTS, ASSESSMENTS)}


ALERT_COLUMNS = (
    "uuid",
    "version",
    "updated_at",
    "situation_id",
    "engagement_id",
    "rule_id",
    "rule__kind",
    "rule__name",
    "level",
    "status",
    "measure",
    "episode",
    "condition_active",
    "opened_at",
    "measured_at",
    "acknowledged_at",
    "acknowledgement",
    "resolved_at",
    "resolution",
)
ALERT_RENAMES = {
    "uuid": "id",
    "situation_id": "situation",
    "engagement_id": "engagement",
    "rule_id": "rule",
    "rule__kind": "rule_kind",
    "rule__name": "rule_name",
}


def alert_rows(queryset) -> list[dict]:
    rows = list(queryset.values(*ALERT_COLUMNS))
    for row in rows:
        for column, name in ALERT_RENAMES.items():
            row[name] = row.pop(column)
    return rows


def representations(
    type_: str, ids: Iterable[uuid.UUID] | QuerySet, clearance: Clearance
) -> list[dict]:
    """Current data of the records ``ids`` (a list or a subquery) of feed type ``type_`` that
    ``clearance`` may see."""
    if not isinstance(ids, QuerySet):
        ids = list(ids)
    if type_ == "alert":
        # Alerts keep an integer key; the feed names them by their public uuid.
        return alert_rows(
            restrict_to_clearance(Alert.objects.all(), clearance, "situation")
            .filter(uuid__in=ids)
            .order_by()
        )
    resource = SYNCED.get(type_)
    if resource is None:
        return []
    return resource.rows(resource.base_queryset(clearance).filter(pk__in=ids).order_by())
