"""Writes that must stay consistent across several models.

The admin, the API and the management commands call these functions, so each rule lives once.
Every function here runs in a transaction: it either writes everything or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .choices import ParagraphKind
from .models import (
    Actor,
    Assessment,
    Document,
    Engagement,
    EngagementPartner,
    Paragraph,
    Situation,
    TrackedModel,
    WarningIndicator,
)
from .models.base import new_version
from .report_parser import ReportError, read_report

# --- Desk officers' records: one save function per model, called by the admin and the API ---


def _save_tracked(
    record: TrackedModel, by: Any | None, relations: dict[str, Iterable[Any] | None]
) -> None:
    """Validate, save with its author for the history, then set the many-to-many links given."""
    record.full_clean()
    # ``save()`` counts the version on from the stored one under a row lock (VersionedModel).
    if by is not None and getattr(by, "is_authenticated", False):
        record._history_user = by
    record.save()
    for name, values in relations.items():
        if values is not None:
            getattr(record, name).set(values)


@transaction.atomic
def save_situation(
    situation: Situation,
    *,
    by: Any | None = None,
    shared_with: Iterable[Actor] | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> Situation:
    """Create or update a situation; ``shared_with``/``citations`` replace the links when given."""
    _save_tracked(situation, by, {"shared_with": shared_with, "citations": citations})
    return situation


@transaction.atomic
def save_indicator(
    indicator: WarningIndicator,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> WarningIndicator:
    _save_tracked(indicator, by, {"citations": citations})
    return indicator


@transaction.atomic
def save_actor(
    actor: Actor, *, by: Any | None = None, citations: Iterable[Paragraph] | None = None
) -> Actor:
    _save_tracked(actor, by, {"citations": citations})
    return actor


@transaction.atomic
def save_engagement(
    engagement: Engagement,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> Engagement:
    _save_tracked(engagement, by, {"citations": citations})
    return engagement


@transaction.atomic
def save_engagement_partner(
    partner: EngagementPartner, *, by: Any | None = None
) -> EngagementPartner:
    _save_tracked(partner, by, {})
    return partner


@transaction.atomic
def save_assessment(
    assessment: Assessment,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> Assessment:
    """Record a rating; whoever records it becomes the assessor of the rating now held."""
    if by is not None and getattr(by, "is_authenticated", False):
        assessment.assessed_by = by
    _save_tracked(assessment, by, {"citations": citations})
    return assessment


@transaction.atomic
def delete_record(record: TrackedModel, *, by: Any | None = None) -> None:
    """Delete a record; its history keeps the last state and who deleted it."""
    if by is not None and getattr(by, "is_authenticated", False):
        record._history_user = by
    record.delete()


# --- API writes: create-or-replace that tells "unchanged" apart (REST API, batch) ---

_SAVERS = {
    Situation: save_situation,
    WarningIndicator: save_indicator,
    Actor: save_actor,
    Engagement: save_engagement,
    Assessment: save_assessment,
}


@dataclass(frozen=True)
class Upsert:
    record: TrackedModel
    status: str  # "created" | "updated" | "unchanged"


def _link_ids(values: Iterable[Any]) -> set:
    return {getattr(v, "pk", v) for v in values}


@transaction.atomic
def upsert_record(
    model: type[TrackedModel],
    values: dict[str, Any],
    *,
    instance: TrackedModel | None = None,
    pk: Any = None,
    relations: dict[str, Iterable[Any]] | None = None,
    partner_roles: Iterable[tuple[Actor, str]] | None = None,
    by: Any | None = None,
    reason: str = "",
    first_version: int = 1,
) -> Upsert:
    """Create a record with primary key ``pk``, or set ``values`` on ``instance``.

    Saves only when something differs from what is stored (fields, many-to-many links given in
    ``relations``, an engagement's ``partner_roles``), so replaying a write changes nothing and
    leaves the version alone. ``first_version`` lets a record re-created under a deleted record's
    id continue its version count. Model validation errors propagate (nothing is written).
    """
    relations = {name: list(v) for name, v in (relations or {}).items() if v is not None}
    roles = None if partner_roles is None else {(a.pk, r) for a, r in partner_roles}
    if instance is None:
        record = model(pk=pk, **values) if pk is not None else model(**values)
        record.version = first_version
        status = "created"
    else:
        record = instance
        fields = [f.attname for f in model._meta.concrete_fields]
        before = {name: getattr(record, name) for name in fields}
        for name, value in values.items():
            setattr(record, name, value)
        record.full_clean()
        changed = any(getattr(record, name) != before[name] for name in fields) or any(
            _link_ids(getattr(record, name).all()) != _link_ids(links)
            for name, links in relations.items()
        )
        if roles is not None and not changed:
            stored = set(record.partner_roles.values_list("actor_id", "role"))
            changed = stored != roles
        if not changed:
            return Upsert(record, "unchanged")
        status = "updated"
    if reason:
        record._change_reason = reason
    _SAVERS[model](record, by=by, **relations)
    if roles is not None:
        _set_partner_roles(record, roles, by=by)
    return Upsert(record, status)


def _set_partner_roles(engagement: Engagement, roles: set, *, by: Any | None) -> None:
    wanted = dict(roles)
    for partner in engagement.partner_roles.all():
        if partner.actor_id not in wanted:
            delete_record(partner, by=by)
        elif partner.role != wanted[partner.actor_id]:
            partner.role = wanted.pop(partner.actor_id)
            save_engagement_partner(partner, by=by)
        else:
            wanted.pop(partner.actor_id)
    for actor_id, role in wanted.items():
        save_engagement_partner(
            EngagementPartner(engagement=engagement, actor_id=actor_id, role=role), by=by
        )


# --- Source reports: one import for both renderings --------------------------------------------


@transaction.atomic
def import_report(path: Path, symbol: str | None = None) -> Document:
    """Create or update a report's Document and paragraphs from either rendering of it.

    What a rendering does not carry is kept from an earlier import: the one-line text has the
    subject terms but no footnotes or job number, the PDF text the reverse, so importing both (in
    any order) gives the whole document. Raises ``ReportError`` (one line) and writes nothing
    when the file is not a report.

    Versions move only with content: a paragraph's when its text or headings change, the
    document's when its title, job number, subject terms or any of its paragraphs do (partners
    read the paragraphs inside the document). Importing the same file again changes no version.
    """
    report = read_report(path, symbol)
    values: dict[str, Any] = {"title": report.title}
    if report.job_number:
        values["job_number"] = report.job_number
    if report.subject_terms:
        values["subject_terms"] = report.subject_terms
    source_file = Path(path).name
    document = Document.objects.select_for_update().filter(symbol=report.symbol).first()
    created = document is None
    if created:
        document = Document.objects.create(symbol=report.symbol, source_file=source_file, **values)
    changed = any(getattr(document, name) != value for name, value in values.items())
    changed |= _replace_paragraphs(document, ParagraphKind.PARAGRAPH, report.paragraphs)
    if report.footnotes:
        changed |= _replace_paragraphs(document, ParagraphKind.FOOTNOTE, report.footnotes)
    if changed and not created:  # a new document is at version 1, with its paragraphs
        for name, value in values.items():
            setattr(document, name, value)
        document.source_file = source_file
        document.save()  # version + 1
    else:
        # Which file was read last, and when, is not content: no new version.
        Document.objects.filter(pk=document.pk).update(
            source_file=source_file, imported_at=timezone.now()
        )
    return document


def _replace_paragraphs(document: Document, kind: str, items: list[Any]) -> bool:
    """Make the document's rows of ``kind`` match ``items``, in a constant number of queries;
    True if any row was added, changed (its version grows by one) or removed.

    A paragraph the rendering places under no chapter (the one-line text drops "I. Introduction")
    keeps its stored headings. Rows a record cites are never removed: the citation would vanish.
    """
    stored = {p.number: p for p in Paragraph.objects.filter(document=document, kind=kind)}
    wanted = {item.number for item in items}
    stale = [p.pk for number, p in stored.items() if number not in wanted]
    cited = Q()
    for relation in Paragraph._meta.related_objects:
        if relation.many_to_many:
            cited |= Q(**{f"{relation.name}__isnull": False})
    if stale and (still_cited := Paragraph.objects.filter(cited, pk__in=stale).first()):
        raise ReportError(
            f"{still_cited} is no longer in the report but records cite it; "
            "remove those citations first"
        )
    Paragraph.objects.filter(pk__in=stale).delete()
    new, changed = [], []
    for item in items:
        row = stored.get(item.number) or Paragraph(document=document, kind=kind, number=item.number)
        chapter, section = getattr(item, "chapter", ""), getattr(item, "section", "")
        values = {"text": item.text, "chapter": chapter, "section": section}
        if not chapter:
            values.update(chapter=row.chapter, section=row.section)
        if row.pk is None:
            new.append(row)
        elif any(getattr(row, name) != value for name, value in values.items()):
            changed.append(row)
        for name, value in values.items():
            setattr(row, name, value)
    bumped = new_version()
    for row in changed:
        # bulk_update calls no save(): a new version as VersionedModel.save() would give.
        for name, value in bumped.items():
            setattr(row, name, value)
    Paragraph.objects.bulk_create(new)
    Paragraph.objects.bulk_update(changed, ["text", "chapter", "section", "version", "updated_at"])
    return bool(stale or new or changed)
