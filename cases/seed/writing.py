"""Writing checked records as rows, through the same services as the admin and the API.

A seeded row's primary key is the ``uuid5`` of its record's key. Each row is compared with the
files first: a row that matches is left alone, so loading twice changes nothing. A row someone
changed or deleted since the seed last wrote it (its latest history entry has another change
reason) is kept as it is, unless ``reset`` is asked for. An actor or situation someone created
under the seed's name or slug before the seed got to it is used as it is, never duplicated.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from ..choices import DatePrecision, ParagraphKind, SharingLevel
from ..models import (
    Actor,
    Assessment,
    Document,
    Engagement,
    EngagementPartner,
    Paragraph,
    Situation,
    SuccessElement,
    WarningIndicator,
)
from ..services import delete_record, save_engagement_partner, upsert_record
from .records import SEED_REASON, Record, SeedError, seed_id


class Writer:
    def __init__(
        self,
        citations: dict[int, list[Paragraph]],
        documents: dict[str, Document],
        *,
        reset: bool,
    ) -> None:
        self.citations = citations
        self.documents = documents  # by symbol: a seeded situation is measured as of its report
        self.reset = reset
        self.status: Counter = Counter()  # created, updated, unchanged, kept, removed
        self.counts: Counter = Counter()  # records of the files, by kind
        self.links = 0
        self._rows: dict[type[models.Model], dict[Any, Any]] = {}
        self._by_natural_key: dict[type[models.Model], dict[str, Any]] = {}
        self._latest_reason: dict[type[models.Model], dict[Any, str | None]] = {}

    # --- what is stored ---

    def prepare(
        self,
        model: type[models.Model],
        records: list[Record],
        *,
        natural_key: str | None = None,
        extra_pks: list[Any] = (),
    ) -> None:
        """Read the stored rows of ``records`` (by seeded id, else by ``natural_key``) and who
        last changed each, in a constant number of queries."""
        manager = model._default_manager
        self._rows[model] = manager.in_bulk([r.pk for r in records])
        pks = [*self._rows[model], *(r.pk for r in records), *extra_pks]
        if natural_key:
            values = [r.values.get(natural_key, r.key) for r in records]
            self._by_natural_key[model] = manager.in_bulk(values, field_name=natural_key)
            pks += [row.pk for row in self._by_natural_key[model].values()]
        latest: dict[Any, str | None] = {}
        history = model.history.filter(id__in=set(pks)).order_by("history_date", "history_id")
        for pk, reason in history.values_list("id", "history_change_reason"):
            latest[pk] = reason
        self._latest_reason[model] = latest

    def changed_by_others(self, model: type[models.Model], pk: Any) -> bool:
        reason = self._latest_reason[model].get(pk, SEED_REASON)
        return not self.reset and reason != SEED_REASON

    def written_by_seed(self, model: type[models.Model], pk: Any) -> bool:
        return self._latest_reason[model].get(pk) == SEED_REASON

    # --- writing ---

    def cites(self, *records: Record) -> list[Paragraph]:
        rows = {p.pk: p for record in records for p in self.citations[id(record)]}
        self.links += len(rows)
        return list(rows.values())

    def upsert(
        self,
        model: type[models.Model],
        record: Record,
        values: dict[str, Any],
        relations: dict[str, list[Any]],
        natural: str | None = None,
    ) -> Any:
        """The row for ``record``, created or set to ``values``; None if someone deleted it."""
        self.counts[record.kind] += 1
        instance = self._rows[model].get(record.pk)
        if instance is None and natural is not None:
            instance = self._by_natural_key[model].get(natural)
        if self.changed_by_others(model, instance.pk if instance else record.pk):
            self.status["kept"] += 1
            return instance
        try:
            result = upsert_record(
                model,
                values,
                instance=instance,
                pk=record.pk,
                relations=relations,
                reason=SEED_REASON,
            )
        except ValidationError as error:
            raise SeedError(f"{record.label}: {messages(error)}") from None
        self.status[result.status] += 1
        return result.record

    def partner(
        self,
        record: Record,
        row: EngagementPartner | None,
        engagement: Engagement,
        actor: Actor,
    ) -> None:
        self.counts["partner"] += 1
        role = record.values["role"]
        if row is None:
            if self.changed_by_others(EngagementPartner, record.pk):  # someone removed it
                self.status["kept"] += 1
                return
            row = EngagementPartner(pk=record.pk, engagement=engagement, actor=actor, role=role)
            status = "created"
        elif row.role == role:
            self.status["unchanged"] += 1
            return
        elif self.changed_by_others(EngagementPartner, row.pk):
            self.status["kept"] += 1
            return
        else:
            row.role, status = role, "updated"
        row._change_reason = SEED_REASON
        try:
            save_engagement_partner(row)
        except ValidationError as error:
            raise SeedError(f"{record.label}: {messages(error)}") from None
        self.status[status] += 1

    def remove_partner(self, row: EngagementPartner) -> None:
        """A partner role the files do not list: removed if the seed wrote it (or on reset)."""
        if self.reset or self.written_by_seed(EngagementPartner, row.pk):
            row._change_reason = SEED_REASON
            delete_record(row)
            self.status["removed"] += 1


def messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(texts)}" if name != "__all__" else " ".join(texts)
            for name, texts in error.message_dict.items()
        )
    return " ".join(error.messages)


def _in_parent_order(actors: list[Record]) -> list[Record]:
    by_key = {a.key: a for a in actors}
    ordered: list[Record] = []
    placed: set[str] = set()

    def place(actor: Record) -> None:
        if actor.key in placed:
            return
        if parent := actor.refs.get("parent"):
            place(by_key[parent])
        placed.add(actor.key)
        ordered.append(actor)

    for actor in actors:
        place(actor)
    return ordered


def _source(record: Record) -> str:
    paragraphs = sorted(c.number for c in record.cites if c.kind == ParagraphKind.PARAGRAPH)
    footnotes = sorted(c.number for c in record.cites if c.kind == ParagraphKind.FOOTNOTE)
    parts = []
    if paragraphs:
        parts.append(f"{'para.' if len(paragraphs) == 1 else 'paras.'} {str(paragraphs)[1:-1]}")
    if footnotes:
        word = "footnote" if len(footnotes) == 1 else "footnotes"
        parts.append(f"{word} {str(footnotes)[1:-1]}")
    return f"{record.document}, {'; '.join(parts)}"


def write(actors: list[Record], situations: list[Record], writer: Writer) -> None:
    """Write every record, parents first."""
    writer.prepare(Actor, actors, natural_key="name")
    saved_actors: dict[str, Actor] = {}
    for record in _in_parent_order(actors):
        v = record.values
        parent = record.refs.get("parent")
        values = {
            "name": v["name"],
            "acronym": v.get("acronym", ""),
            "kind": v["kind"],
            "parent": saved_actors.get(parent) if parent else None,
            "country": v.get("country", ""),
            "description": v.get("description", ""),
        }
        relations = {"citations": writer.cites(record)}
        actor = writer.upsert(Actor, record, values, relations, natural=v["name"])
        if actor is not None:
            saved_actors[record.key] = actor

    indicators = [i for s in situations for i in s.children["indicators"]]
    engagements = [e for s in situations for e in s.children["engagements"]]
    partners = [p for e in engagements for p in e.children["partners"]]
    assessments = [a for e in engagements for a in e.children["assessments"]]
    stored_partners: dict[Any, dict[Any, EngagementPartner]] = {}
    for row in EngagementPartner.objects.filter(engagement_id__in=[e.pk for e in engagements]):
        stored_partners.setdefault(row.engagement_id, {})[row.actor_id] = row
    writer.prepare(Situation, situations, natural_key="slug")
    writer.prepare(WarningIndicator, indicators)
    writer.prepare(Engagement, engagements)
    writer.prepare(
        EngagementPartner,
        partners,
        extra_pks=[row.pk for rows in stored_partners.values() for row in rows.values()],
    )
    writer.prepare(Assessment, assessments)
    elements = {e.code: e for e in SuccessElement.objects.all()}
    writer.counts["undated"] = sum(1 for e in engagements if e.values["started"] is None)

    saved_signs: set[Any] = set()
    for record in situations:
        v = record.values
        status_on = [s.values["date"] for s in record.children.get("status", [])]
        values = {
            "title": v["title"],
            "slug": record.key,
            "countries": v.get("countries", []),
            "region": v["region"],
            "subregion": v.get("subregion", ""),
            "crisis_type": v["crisis_type"],
            "conflict_stage": v["conflict_stage"],
            "status": v["status"],
            # Only where the report dates the status; else empty, and the report's own date
            # (``as_of``) stops the clock.
            "status_on": status_on[0].start if status_on else None,
            "status_precision": status_on[0].precision if status_on else DatePrecision.DAY,
            # Measured as of the report it is drawn from, not to today.
            "as_of": writer.documents[record.document],
            "risk_level": v["risk_level"],
            "sharing": v.get("sharing", SharingLevel.CLEAR),  # the report is public
            "summary": v["summary"],
        }
        # The status date's paragraphs join the situation's citations.
        cited = writer.cites(record, *record.children.get("status", []))
        relations = {"citations": cited, "shared_with": []}
        situation = writer.upsert(Situation, record, values, relations, natural=record.key)
        if situation is None:  # deleted by a desk officer: so are its indicators and engagements
            continue

        for child in record.children["indicators"]:
            cv = child.values
            reported_by = child.refs.get("reported_by")
            values = {
                "situation": situation,
                "category": cv["category"],
                "severity": cv["severity"],
                "description": cv["description"],
                "observed_on": cv["observed"].start,
                "observed_precision": cv["observed"].precision,
                **_reported(cv.get("reported")),
                "reported_by": saved_actors.get(reported_by) if reported_by else None,
                "threshold_moment": cv.get("threshold_moment", False),
                "source": cv.get("source") or _source(child),
            }
            relations = {"citations": writer.cites(child)}
            if writer.upsert(WarningIndicator, child, values, relations) is not None:
                saved_signs.add(child.pk)

        for child in record.children["engagements"]:
            _write_engagement(
                child, situation, saved_actors, elements, stored_partners, saved_signs, writer
            )


def _reported(reported) -> dict[str, Any]:
    """A sign's report date, when the seed gives one. Without one the seed leaves the field as
    it is: not known for a seeded sign (never the load date), or as a desk officer set it."""
    if reported is None:
        return {}
    return {"reported_on": reported.start, "reported_precision": reported.precision}


def _write_engagement(
    record: Record,
    situation: Situation,
    actors: dict[str, Actor],
    elements: dict[str, SuccessElement],
    stored_partners: dict[Any, dict[Any, EngagementPartner]],
    saved_signs: set[Any],
    writer: Writer,
) -> None:
    v = record.values
    lead = actors.get(record.refs["lead"])
    if lead is None:  # the lead actor was deleted by a desk officer and is kept deleted
        writer.counts["engagement"] += 1
        writer.status["kept"] += 1
        return
    started, ended = v["started"], v.get("ended")
    values = {
        "situation": situation,
        "title": v["title"],
        "instrument": v["instrument"],
        "track": v["track"],
        "lead_actor": lead,
        # No start in the report: empty ("date not given"), never a guessed day.
        "started_on": started.start if started else None,
        "started_precision": started.precision if started else DatePrecision.DAY,
        "ended_on": ended.start if ended else None,
        "ended_precision": ended.precision if ended else DatePrecision.DAY,
        "objective": v["objective"],
        "outcome": v["outcome"],
    }
    partners = record.children["partners"]
    answers = record.children.get("answers", [])
    # A partner role and a link to a sign have no citations of their own: their paragraphs join
    # the engagement's.
    relations = {
        "citations": writer.cites(record, *partners, *answers),
        # A sign a desk officer deleted (and the seed keeps deleted) is not linked.
        "responds_to": [
            pk
            for pk in (seed_id("indicator", a.values["sign"]) for a in answers)
            if pk in saved_signs
        ],
    }
    engagement = writer.upsert(Engagement, record, values, relations)
    if engagement is None:
        return

    stored = dict(stored_partners.get(engagement.pk, {}))
    for partner in partners:
        actor = actors.get(partner.refs["actor"])
        if actor is None:
            writer.status["kept"] += 1
            continue
        writer.partner(partner, stored.pop(actor.pk, None), engagement, actor)
    for row in stored.values():
        writer.remove_partner(row)

    for assessment in record.children["assessments"]:
        av = assessment.values
        values = {
            "engagement": engagement,
            "element": elements[av["element"]],
            "rating": av["rating"],
            "evidence": av["evidence"],
        }
        relations = {"citations": writer.cites(assessment)}
        writer.upsert(Assessment, assessment, values, relations)
