"""Writes that must stay consistent across several models.

The admin, the API, the seed loader, the management commands and the tests' factories call these
functions, so each rule lives once. Every function here runs in a transaction: it either writes
everything or nothing.

A write of a desk officer's record does, in this order and here only (no signal of ours):

1. validate (``full_clean``);
2. save — the version counts on from the stored one, in ``VersionedModel.save()``, which also
   reads where a record stood before (``stored_before_save``: the situation a record moved from);
3. history — django-simple-history's own receiver records the save, with the author set here;
4. the change feed — ``feed.log.record_change``, in the same transaction (a delete records every
   published record it took with it);
5. the recompute — the situations whose warning-to-action figures the write changed are queued
   by name (``tracker.jobs``) once the transaction commits, once each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, router, transaction
from django.db.models import F, Q
from django.db.models.deletion import Collector
from django.utils import timezone

from feed import bulk as feed_bulk
from feed import log as feed
from feed.choices import RecordType
from tracker import jobs

from .choices import LISTED_SHARING_LEVELS, ParagraphKind
from .models import (
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
    TrackedModel,
    WarningIndicator,
)
from .models.base import new_version
from .report_parser import ReportError, read_issue_date, read_report
from .sharing import listed_actor_ids, situation_audience

# --- Desk officers' records: one save function per model, called by the admin and the API ---


def _set_author(record: TrackedModel, by: Any | None) -> None:
    """The history (simple_history's receiver) records ``by`` as the author of this write."""
    if by is not None and getattr(by, "is_authenticated", False):
        record._history_user = by


def _save_tracked(
    record: TrackedModel, by: Any | None, relations: dict[str, Iterable[Any] | None]
) -> None:
    """Validate, save with its author for the history, then set the many-to-many links given."""
    record.full_clean()
    _set_author(record, by)
    # ``save()`` counts the version on from the stored one under a row lock (VersionedModel).
    record.save()
    for name, values in relations.items():
        if values is not None:
            getattr(record, name).set(values)


def _queue_refresh(*situation_ids: uuid.UUID | None) -> None:
    """Recompute these situations' intervals and alerts after commit (never for a rolled-back
    write; once per situation and transaction)."""
    for situation_id in dict.fromkeys(s for s in situation_ids if s):
        jobs.enqueue_once_on_commit(jobs.REFRESH_SITUATION, str(situation_id))


def _engagement_situation(engagement_id: Any) -> uuid.UUID | None:
    return (
        Engagement.objects.filter(pk=engagement_id).values_list("situation_id", flat=True).first()
    )


@transaction.atomic
def save_situation(
    situation: Situation,
    *,
    by: Any | None = None,
    shared_with: Iterable[Actor] | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> Situation:
    """Create or update a situation; ``shared_with``/``citations`` replace the links when given.

    One change in the feed, after the sharing list is set: its audience is the one partners see.
    """
    shared_with = None if shared_with is None else list(shared_with)
    _save_tracked(situation, by, {"shared_with": shared_with, "citations": citations})
    listed: Iterable[Any] = ()
    if situation.sharing in LISTED_SHARING_LEVELS:
        listed = listed_actor_ids(situation.pk) if shared_with is None else _link_ids(shared_with)
    feed.record_change(
        RecordType.SITUATION,
        situation.pk,
        version=situation.version,
        audience=situation_audience(situation.sharing, listed),
    )
    _queue_refresh(situation.pk)
    return situation


def _save_situation_child(
    type_: RecordType, record: WarningIndicator | Engagement | Briefing, by: Any | None, citations
) -> None:
    """A record of one situation: recorded with its situation's audience; both the situation
    it is in and the one it left (if it moved) are recomputed."""
    _save_tracked(record, by, {"citations": citations})
    feed.record_change(type_, record.pk, version=record.version, situation_id=record.situation_id)
    _queue_refresh(record.situation_id, record.stored_before_save.get("situation_id"))


@transaction.atomic
def save_indicator(
    indicator: WarningIndicator,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
    answered_by: Iterable[Engagement] | None = None,
) -> WarningIndicator:
    """Save a warning sign; ``answered_by`` (engagements), when given, replaces the engagements
    linked to it as its answers. The link is the engagement's (``Engagement.responds_to``): each
    engagement linked or unlinked is saved through ``save_engagement`` (its version, history and
    feed entry)."""
    _save_situation_child(RecordType.INDICATOR, indicator, by, citations)
    if answered_by is None and _moved(indicator):
        # A sign moved to another situation keeps no answer from the one it left: engagements
        # answer signs of their own situation only (each unlink is kept in its history).
        answered_by = indicator.answered_by.filter(situation_id=indicator.situation_id)
    if answered_by is not None:
        wanted = _link_ids(answered_by)
        linked = set(indicator.answered_by.values_list("pk", flat=True))
        changed = Engagement.objects.filter(pk__in=wanted ^ linked).order_by("pk")
        for engagement in changed.select_for_update():
            links = _link_ids(engagement.responds_to.all())
            links = links - {indicator.pk} if engagement.pk in linked else links | {indicator.pk}
            save_engagement(engagement, by=by, responds_to=links)
    return indicator


@transaction.atomic
def save_briefing(
    briefing: Briefing,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> Briefing:
    """Record a decision maker or the lead actor alerted (the *notification* milestone): shared
    as its situation is; the situations it is in and left are recomputed after commit."""
    _save_situation_child(RecordType.BRIEFING, briefing, by, citations)
    return briefing


@transaction.atomic
def save_actor(
    actor: Actor, *, by: Any | None = None, citations: Iterable[Paragraph] | None = None
) -> Actor:
    """Actors are outside the Traffic Light Protocol (everyone sees them) and no interval
    depends on them: nothing to recompute."""
    _save_tracked(actor, by, {"citations": citations})
    feed.record_change(RecordType.ACTOR, actor.pk, version=actor.version)
    return actor


def _moved(record: WarningIndicator | Engagement) -> bool:
    """The save just made moved ``record`` to another situation."""
    before = record.stored_before_save.get("situation_id")
    return before is not None and before != record.situation_id


def _check_answers(engagement: Engagement, responds_to: Iterable[Any]) -> None:
    """An engagement answers warning signs of its own situation only."""
    elsewhere = WarningIndicator.objects.filter(pk__in=_link_ids(responds_to)).exclude(
        situation_id=engagement.situation_id
    )
    if elsewhere.exists():
        raise ValidationError(
            {"responds_to": "An engagement answers warning signs of its own situation only."}
        )


@transaction.atomic
def save_engagement(
    engagement: Engagement,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
    responds_to: Iterable[WarningIndicator | Any] | None = None,
) -> Engagement:
    """Save an engagement; ``responds_to`` (warning signs or their ids), when given, replaces the
    signs it answers (kept in its history, a link wins over dates: ``alerts.services.intervals``).

    An engagement moved to another situation without ``responds_to`` drops its links to the signs
    of the situation it left (its history keeps them); given with such links, the move is refused
    (``responds_to``: signs of its own situation only).
    """
    answered_before = _answered_signs(engagement)
    if responds_to is not None:
        responds_to = list(responds_to)
        _check_answers(engagement, responds_to)
    _save_tracked(engagement, by, {"citations": citations, "responds_to": responds_to})
    if responds_to is None and _moved(engagement):
        left_behind = engagement.responds_to.exclude(situation_id=engagement.situation_id)
        if left_behind.exists():
            engagement.responds_to.remove(*left_behind)  # a history entry of its own
    _answers_changed(answered_before ^ _answered_signs(engagement))
    feed.record_change(
        RecordType.ENGAGEMENT,
        engagement.pk,
        version=engagement.version,
        situation_id=engagement.situation_id,
    )
    _queue_refresh(engagement.situation_id, engagement.stored_before_save.get("situation_id"))
    return engagement


def _answered_signs(engagement: Engagement) -> set:
    """The signs an engagement is linked to as their answer (none before its first save)."""
    if engagement._state.adding:
        return set()
    return set(engagement.responds_to.values_list("pk", flat=True))


def _answers_changed(indicator_ids: Iterable[Any]) -> None:
    """A sign shows the engagements linked to it (``answered_by``): when they change, so does the
    sign as partners read it — a new version and a feed entry. The link itself is kept in the
    engagement's history."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return
    signs = WarningIndicator.objects.filter(pk__in=ids).order_by("pk")
    list(signs.select_for_update().values_list("pk", flat=True))  # in key order
    signs.update(version=F("version") + 1, updated_at=timezone.now())
    # Set-based: a batch of engagements may change the answers of a thousand signs.
    feed_bulk.record_upserts(
        RecordType.INDICATOR, list(signs.values_list("pk", "version", "situation_id"))
    )


def _record_engagement(engagement_id: Any) -> None:
    """Partner roles are part of the engagement's record: a change of them is a change of it,
    at the version the engagement has (an engagement deleted with them is recorded by its own
    delete)."""
    engagement = (
        Engagement.objects.filter(pk=engagement_id).values("version", "situation_id").first()
    )
    if engagement is not None:
        feed.record_change(
            RecordType.ENGAGEMENT,
            engagement_id,
            version=engagement["version"],
            situation_id=engagement["situation_id"],
        )


@transaction.atomic
def save_engagement_partner(
    partner: EngagementPartner, *, by: Any | None = None
) -> EngagementPartner:
    _save_tracked(partner, by, {})
    _record_engagement(partner.engagement_id)
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
    situation_id = _engagement_situation(assessment.engagement_id)
    feed.record_change(
        RecordType.ASSESSMENT,
        assessment.pk,
        version=assessment.version,
        situation_id=situation_id,
    )
    _queue_refresh(situation_id)
    return assessment


# --- Early action reviews: bottlenecks, enablers and follow-ups (issue 13) ------------------


def _review_situation(review_id: Any) -> uuid.UUID | None:
    return (
        EarlyActionReview.objects.filter(pk=review_id)
        .values_list("situation_id", flat=True)
        .first()
    )


@transaction.atomic
def save_review(
    review: EarlyActionReview,
    *,
    by: Any | None = None,
    citations: Iterable[Paragraph] | None = None,
) -> EarlyActionReview:
    """Save an early action review (it stays with the situation it reviewed: ``clean``)."""
    _save_tracked(review, by, {"citations": citations})
    feed.record_change(
        RecordType.REVIEW, review.pk, version=review.version, situation_id=review.situation_id
    )
    return review


@transaction.atomic
def save_finding(finding: ReviewFinding, *, by: Any | None = None) -> ReviewFinding:
    """A bottleneck or enabler of a review, filed under one success element."""
    _save_tracked(finding, by, {})
    feed.record_change(
        RecordType.FINDING,
        finding.pk,
        version=finding.version,
        situation_id=_review_situation(finding.review_id),
    )
    return finding


@transaction.atomic
def save_follow_up(follow_up: FollowUpAction, *, by: Any | None = None) -> FollowUpAction:
    """A follow-up action of a review; its situation's alerts are evaluated again after commit,
    so an overdue follow-up marked done or dropped clears its alert at once."""
    _save_tracked(follow_up, by, {})
    situation_id = _review_situation(follow_up.review_id)
    feed.record_change(
        RecordType.FOLLOW_UP, follow_up.pk, version=follow_up.version, situation_id=situation_id
    )
    _queue_refresh(situation_id)
    return follow_up


def _situation_of(record: TrackedModel) -> uuid.UUID | None:
    """The situation whose figures a delete of ``record`` changes."""
    if isinstance(record, Situation):
        return record.pk
    if isinstance(record, WarningIndicator | Engagement | Briefing):
        return record.situation_id
    if isinstance(record, Assessment):
        return _engagement_situation(record.engagement_id)
    if isinstance(record, EarlyActionReview):
        return record.situation_id
    if isinstance(record, FollowUpAction):
        return _review_situation(record.review_id)
    return None  # actors, partner roles: no interval depends on them


@transaction.atomic
def delete_record(record: TrackedModel, *, by: Any | None = None) -> None:
    """Delete a record and what it takes with it (a situation its indicators, engagements,
    assessments, alerts); the history keeps the last state and who deleted it, the change feed
    tells partners of every published record gone."""
    _set_author(record, by)
    situation_id = _situation_of(record)
    answered = _answered_signs(record) if isinstance(record, Engagement) else set()
    # What ``Model.delete()`` does, kept in hand to learn every row the delete takes with it.
    collector = Collector(using=router.db_for_write(type(record), instance=record), origin=record)
    collector.collect([record])
    gone = [
        (model, feed.identities(model, instances)) for model, instances in collector.data.items()
    ]
    gone += [(qs.model, feed.identities(qs.model, qs)) for qs in collector.fast_deletes]
    collector.delete()
    for model, rows in gone:
        feed.record_deleted(model, rows)
    _answers_changed(answered)  # the signs it answered, if they stay
    if isinstance(record, EngagementPartner):
        _record_engagement(record.engagement_id)
    _queue_refresh(situation_id)


def _deleted_situation(record: TrackedModel) -> uuid.UUID | None:
    """The situation whose figures a batch's delete of ``record`` changes, from what the caller
    read with it (an assessment's engagement): no query."""
    if isinstance(record, Situation):
        return record.pk
    if isinstance(record, Assessment):
        return record.engagement.situation_id
    return getattr(record, "situation_id", None)


def _delete_collected(collector: Collector) -> None:
    """What ``collector.delete()`` writes, without the per-row ``pre_delete``/``post_delete``
    signals: their only receivers are simple_history's, writing a history row per deleted row
    (a query each), which ``delete_records`` writes for all at once instead. A statement per
    model; the foreign keys are checked at commit (PostgreSQL: Django makes them deferrable,
    initially deferred), so the order does not matter."""
    using = collector.using
    for queryset in collector.fast_deletes:
        queryset._raw_delete(using=using)
    for (link, value), collected in collector.field_updates.items():
        # on_delete=SET_NULL/SET_DEFAULT: rows kept, their link to a deleted row changed.
        for rows in collected:
            if isinstance(rows, models.QuerySet):
                rows.update(**{link.name: value})
            else:
                pks = list({row.pk for row in rows})
                if pks:
                    type(rows[0])._base_manager.using(using).filter(pk__in=pks).update(
                        **{link.name: value}
                    )
    for kind, instances in collector.data.items():
        pks = [instance.pk for instance in instances]
        if pks:
            kind._base_manager.using(using).filter(pk__in=pks)._raw_delete(using=using)


@transaction.atomic
def delete_records(
    model: type[TrackedModel],
    records: list[TrackedModel],
    *,
    by: Any | None = None,
    reason: str = "",
) -> None:
    """``delete_record`` for many records of one model (an API batch), all or nothing, in a
    constant number of queries whatever their number: one collection of everything they take
    with them, deleted a statement per model (``_delete_collected``), a history row for each
    deleted row (the last state, author and reason: two statements per model instead of
    simple_history's receiver's one per row), a delete in the change feed
    for each published one (``feed.bulk.record_deletes``), the signs the engagements answered
    shown without them, and one recompute of the situations touched. Assessments come with
    their engagement read (``select_related``)."""
    if not records:
        return
    now = timezone.now()
    situation_ids = [_deleted_situation(record) for record in records]
    answered: set = set()
    if model is Engagement:
        answers = Engagement._meta.get_field("responds_to")
        answered = set(
            answers.remote_field.through.objects.filter(
                **{f"{answers.m2m_field_name()}_id__in": [r.pk for r in records]}
            ).values_list(f"{answers.m2m_reverse_field_name()}_id", flat=True)
        )
    collector = Collector(using=router.db_for_write(model), origin=records[0])
    collector.collect(records)
    gone = [(kind, feed.identities(kind, instances)) for kind, instances in collector.data.items()]
    gone += [(qs.model, feed.identities(qs.model, qs)) for qs in collector.fast_deletes]
    for kind, instances in collector.data.items():
        if not hasattr(kind, "history"):
            continue
        instances = list(instances)
        # The tracked links as they stand, kept beside the history rows (simple_history's own
        # receiver reads them for each row).
        historical = kind.history.model
        link_rows: dict[str, dict] = {}
        for link_field in getattr(historical, "_history_m2m_fields", []):
            through = link_field.remote_field.through
            source = link_field.m2m_field_name()
            target = link_field.m2m_reverse_field_name()
            link_rows[link_field.name] = {}
            for row_id, owner, linked in through.objects.filter(
                **{f"{source}_id__in": [r.pk for r in instances]}
            ).values_list("pk", f"{source}_id", f"{target}_id"):
                link_rows[link_field.name].setdefault(owner, []).append((row_id, linked))
        history = _history(kind, instances, "-", by=by, reason=reason, at=now)
        _history_links(kind, history, link_rows)
    _delete_collected(collector)
    for kind, rows in gone:
        feed.record_deleted(kind, rows)
    _answers_changed(answered)  # the signs they answered, those that stay
    _queue_refresh_many(situation_ids)


# --- API writes: create-or-replace that tells "unchanged" apart (REST API, batch) ---

_SAVERS = {
    Situation: save_situation,
    WarningIndicator: save_indicator,
    Actor: save_actor,
    Engagement: save_engagement,
    Assessment: save_assessment,
    Briefing: save_briefing,
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
        _set_partner_roles(record, roles, by=by, reason=reason)
    return Upsert(record, status)


def _set_partner_roles(
    engagement: Engagement, roles: set, *, by: Any | None, reason: str = ""
) -> None:
    """Add, change and drop ``engagement``'s partner roles to match ``roles``; each role's
    history row carries the engagement's ``reason``."""
    wanted = dict(roles)
    for partner in engagement.partner_roles.all():
        if reason:
            partner._change_reason = reason
        if partner.actor_id not in wanted:
            delete_record(partner, by=by)
        elif partner.role != wanted[partner.actor_id]:
            partner.role = wanted.pop(partner.actor_id)
            save_engagement_partner(partner, by=by)
        else:
            wanted.pop(partner.actor_id)
    for actor_id, role in wanted.items():
        partner = EngagementPartner(engagement=engagement, actor_id=actor_id, role=role)
        if reason:
            partner._change_reason = reason
        save_engagement_partner(partner, by=by)


# --- API batches: the same writes for many records, set-based ---------------------------------


@dataclass
class BatchItem:
    """One record of a batch: its id, the values and links to write (every link field given:
    a batch replaces), the stored record it replaces (None: create) and, for an engagement, its
    partner roles ``(actor, role)``."""

    pk: Any
    values: dict[str, Any]
    instance: TrackedModel | None = None
    relations: dict[str, list] = field(default_factory=dict)
    roles: list[tuple[Actor, str]] | None = None
    first_version: int = 1


class BatchInvalid(Exception):
    """Records of a batch the model refuses: ``errors`` by position in the batch (a Django
    ``ValidationError`` each, as ``full_clean`` raises it for one record). Nothing is written."""

    def __init__(self, errors: dict[int, ValidationError]):
        super().__init__(f"{len(errors)} records are not valid")
        self.errors = errors


# Checked for the whole batch here, not per record in ``full_clean``: links (the API read and
# checked them), uniqueness (``api.preload.unique_failures``), check constraints (each mirrors
# its field's choices, which ``clean_fields`` checks) and an actor's ancestry (one query).
def _batch_clean(record: TrackedModel) -> None:
    links = [f.name for f in record._meta.concrete_fields if f.is_relation]
    record._ancestry_checked = True  # Actor.clean: ``_actors_in_cycles`` for the whole batch
    record.full_clean(exclude=links, validate_unique=False, validate_constraints=False)


def _actors_in_cycles(actors: list[Actor]) -> set:
    """The actors of ``actors`` that would be their own ancestor once all are written (the
    stored tree with their parents replaced): one recursive query."""
    pairs = [(a.pk, a.parent_id) for a in actors if a.parent_id is not None]
    if not pairs:
        return set()
    table = connection.ops.quote_name(Actor._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE given(id, parent_id) AS ("
            "  SELECT * FROM unnest(%s::uuid[], %s::uuid[])),"
            f" tree(id, parent_id) AS (SELECT id, parent_id FROM {table} a"
            "  WHERE parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM given g WHERE g.id = a.id)"
            "  UNION ALL SELECT id, parent_id FROM given),"
            " chain(start, node) AS (SELECT id, parent_id FROM given"
            "  UNION SELECT c.start, t.parent_id FROM chain c JOIN tree t ON t.id = c.node)"
            " SELECT DISTINCT start FROM chain WHERE node = start",
            [[str(a) for a, _ in pairs], [str(p) for _, p in pairs]],
        )
        return {row[0] for row in cursor.fetchall()}


def _links(model, name: str, owners: list) -> dict[Any, set]:
    """The stored links ``name`` of the records ``owners``: one query."""
    field = model._meta.get_field(name)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    links: dict[Any, set] = {pk: set() for pk in owners}
    rows = through.objects.filter(**{f"{source}_id__in": owners}).values_list(
        f"{source}_id", f"{target}_id"
    )
    for owner, linked in rows:
        links[owner].add(linked)
    return links


def _history(model, records: list, kind: str, *, by: Any | None, reason: str, at) -> list:
    """One history row per record (simple_history's ``+``, ``~`` or ``-``), with its author and
    reason, and the links it tracks as they now stand: what its receivers record for one save,
    in two statements per model whatever the number of records."""
    historical = model.history.model
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    rows = [
        historical(
            history_date=at,
            history_type=kind,
            history_user=user,
            history_change_reason=reason or None,
            **{f.attname: getattr(record, f.attname) for f in historical.tracked_fields},
        )
        for record in records
    ]
    return historical.objects.bulk_create(rows)


def _history_links(model, history_rows: list, owners_links: dict[str, dict]) -> None:
    """The tracked links (a situation's sharing list, an engagement's answers) of each history
    row, as simple_history stores them beside it."""
    historical = model.history.model
    for link_field in getattr(historical, "_history_m2m_fields", []):
        links = owners_links.get(link_field.name)
        if links is None:
            continue
        m2m_history = getattr(historical, link_field.name).model
        source = link_field.m2m_field_name()
        target = link_field.m2m_reverse_field_name()
        rows = []
        for history in history_rows:
            for row_id, linked in links.get(history.id, ()):
                rows.append(
                    m2m_history(
                        history=history,
                        id=row_id,
                        **{f"{source}_id": history.id, f"{target}_id": linked},
                    )
                )
        m2m_history.objects.bulk_create(rows)


@transaction.atomic
def upsert_records(
    model: type[TrackedModel],
    items: list[BatchItem],
    *,
    by: Any | None = None,
    reason: str = "",
    created_by_id: int | None = None,
) -> list[Upsert]:
    """``upsert_record`` for a whole batch of one model, all or nothing, in a constant number
    of queries whatever its size: validate every record (raising ``BatchInvalid`` with each
    refused record's position), then, for the records that differ from what is stored, save
    (``bulk_create``, one upsert statement for the updates; the version one more than the
    stored one, read under the lock the caller took), their links and partner roles, their
    history (``_history``), the change feed (``feed.bulk.record_upserts``, a situation's
    audience from its new sharing list) and one recompute of every situation touched, queued
    after commit. A record equal to the stored one is ``unchanged`` and keeps its version.

    ``created_by_id``: the partner creating the new records (their source, in the feed).
    """
    now = timezone.now()
    updated_pks = [item.instance.pk for item in items if item.instance is not None]
    names = sorted({name for item in items for name in item.relations})
    stored_links = {name: _links(model, name, updated_pks) for name in names}
    stored_roles: dict[Any, dict] = {}
    if model is Engagement and any(item.roles is not None for item in items):
        for role in EngagementPartner.objects.filter(engagement_id__in=updated_pks):
            stored_roles.setdefault(role.engagement_id, {})[role.actor_id] = role
    results: list[Upsert | None] = []
    errors: dict[int, ValidationError] = {}
    moved_from: dict[Any, Any] = {}
    for position, item in enumerate(items):
        if item.instance is None:
            record = model(pk=item.pk, **item.values)
            record.version = item.first_version
            before = None
        else:
            record = item.instance
            fields = [f.attname for f in model._meta.concrete_fields]
            before = {name: getattr(record, name) for name in fields}
            for name, value in item.values.items():
                setattr(record, name, value)
        try:
            _batch_clean(record)
        except ValidationError as error:
            errors[position] = error
            results.append(None)
            continue
        status = "created"
        if before is not None:
            wanted_roles = None if item.roles is None else {(a.pk, r) for a, r in item.roles}
            stored = {(a, p.role) for a, p in stored_roles.get(record.pk, {}).items()}
            changed = (
                any(getattr(record, name) != value for name, value in before.items())
                or any(
                    stored_links[name][record.pk] != _link_ids(links)
                    for name, links in item.relations.items()
                )
                or (wanted_roles is not None and wanted_roles != stored)
            )
            status = "updated" if changed else "unchanged"
            if "situation_id" in before and before["situation_id"] != record.situation_id:
                moved_from[record.pk] = before["situation_id"]
        answers = item.relations.get("responds_to", []) if model is Engagement else []
        if status != "unchanged" and any(s.situation_id != record.situation_id for s in answers):
            errors[position] = ValidationError(
                {"responds_to": "An engagement answers warning signs of its own situation only."}
            )
        results.append(Upsert(record, status))
    if model is Actor:
        cycles = _actors_in_cycles([r.record for r in results if r and r.status != "unchanged"])
        for position, result in enumerate(results):
            if result is not None and result.record.pk in cycles:
                errors[position] = ValidationError(
                    {"parent": "An actor cannot be its own parent or the parent of its ancestors."}
                )
    if errors:
        raise BatchInvalid(errors)
    written = [(item, r.record, r.status) for item, r in zip(items, results, strict=True)]
    written = [w for w in written if w[2] != "unchanged"]
    if not written:
        return results
    new = [record for _, record, status in written if status == "created"]
    changed = [record for _, record, status in written if status == "updated"]
    if model is Assessment and by is not None and getattr(by, "is_authenticated", False):
        for _, record, _ in written:
            record.assessed_by = by
    for record in changed:
        record.version += 1  # the stored version, read under the caller's row lock
        record.updated_at = now
    model.objects.bulk_create(new)
    if changed:
        kept = {record.pk: record.created_at for record in changed}
        columns = [
            f.name
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name != "created_at"
        ]
        model.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["id"], update_fields=columns
        )
        for record in changed:  # bulk_create stamped the instances as new
            record.created_at = kept[record.pk]
            record._state.adding = False
    for record in new:
        record._state.adding = False
    # Links: every link field of a written record replaced, two statements per field.
    link_rows: dict[str, dict] = {}
    for name in names:
        link_field = model._meta.get_field(name)
        through = link_field.remote_field.through
        source, target = link_field.m2m_field_name(), link_field.m2m_reverse_field_name()
        owners = [(item, record) for item, record, _ in written if name in item.relations]
        through.objects.filter(**{f"{source}_id__in": [r.pk for _, r in owners]}).delete()
        rows = through.objects.bulk_create(
            [
                through(**{f"{source}_id": record.pk, f"{target}_id": linked})
                for item, record in owners
                for linked in sorted(_link_ids(item.relations[name]))
            ]
        )
        link_rows[name] = {}
        for row in rows:
            link_rows[name].setdefault(getattr(row, f"{source}_id"), []).append(
                (row.pk, getattr(row, f"{target}_id"))
            )
    history = _history(model, new, "+", by=by, reason=reason, at=now)
    history += _history(model, changed, "~", by=by, reason=reason, at=now)
    _history_links(model, history, link_rows)
    if model is Engagement:
        _write_roles(written, stored_roles, by=by, reason=reason, at=now)
        # The signs whose answering engagements changed show it (``answered_by``): a new
        # version and a feed entry each, as ``save_engagement`` gives them.
        _answers_changed(
            {
                sign
                for item, record, _ in written
                if "responds_to" in item.relations
                for sign in stored_links["responds_to"].get(record.pk, set())
                ^ _link_ids(item.relations["responds_to"])
            }
        )
    _record_batch(model, written, created_by_id=created_by_id)
    if model is WarningIndicator and moved_from:
        _unlink_moved_signs(list(moved_from), by=by)
    situations = [_batch_situation(model, record) for _, record, _ in written]
    _queue_refresh_many([*situations, *moved_from.values()])
    return results


def _unlink_moved_signs(indicator_ids: list, *, by: Any | None) -> None:
    """Signs a batch moved to another situation keep no answer from the one they left (as
    ``save_indicator``): each engagement concerned is saved through ``save_engagement``. Moves
    are rare; one query finds the engagements, none when there are none."""
    through = Engagement.responds_to.through
    stale = through.objects.filter(warningindicator_id__in=indicator_ids).exclude(
        engagement__situation_id=models.F("warningindicator__situation_id")
    )
    dropped: dict[Any, set] = {}
    for engagement_id, indicator_id in stale.values_list("engagement_id", "warningindicator_id"):
        dropped.setdefault(engagement_id, set()).add(indicator_id)
    engagements = Engagement.objects.filter(pk__in=list(dropped)).order_by("pk")
    for engagement in engagements.select_for_update():
        links = _link_ids(engagement.responds_to.all()) - dropped[engagement.pk]
        save_engagement(engagement, by=by, responds_to=links)


def _write_roles(written, stored_roles: dict, *, by: Any | None, reason: str, at) -> None:
    """The partner roles of the engagements written: removed, changed and added set-based,
    each with its history row (``_set_partner_roles`` for many engagements)."""
    gone, changed, new = [], [], []
    for item, record, _ in written:
        if item.roles is None:
            continue
        wanted = {actor.pk: role for actor, role in item.roles}
        stored = stored_roles.get(record.pk, {})
        for actor_id, partner in stored.items():
            if actor_id not in wanted:
                gone.append(partner)
            elif partner.role != wanted[actor_id]:
                partner.role = wanted[actor_id]
                partner.version += 1
                partner.updated_at = at
                changed.append(partner)
        new += [
            EngagementPartner(engagement_id=record.pk, actor_id=actor_id, role=role, version=1)
            for actor_id, role in wanted.items()
            if actor_id not in stored
        ]
    _history(EngagementPartner, gone, "-", by=by, reason=reason, at=at)
    EngagementPartner.objects.filter(pk__in=[p.pk for p in gone])._raw_delete(
        router.db_for_write(EngagementPartner)
    )
    EngagementPartner.objects.bulk_update(changed, ["role", "version", "updated_at"])
    EngagementPartner.objects.bulk_create(new)
    _history(EngagementPartner, new, "+", by=by, reason=reason, at=at)
    _history(EngagementPartner, changed, "~", by=by, reason=reason, at=at)


_BATCH_TYPES = {
    Situation: RecordType.SITUATION,
    WarningIndicator: RecordType.INDICATOR,
    Actor: RecordType.ACTOR,
    Engagement: RecordType.ENGAGEMENT,
    Assessment: RecordType.ASSESSMENT,
    Briefing: RecordType.BRIEFING,
}


def _batch_situation(model, record) -> uuid.UUID | None:
    """The situation a record of a batch belongs to (None: a situation itself, an actor)."""
    if model is Assessment:
        return record.engagement.situation_id  # the engagement the API read and checked
    return getattr(record, "situation_id", None)


def _record_batch(model, written, *, created_by_id: int | None) -> None:
    """The change feed for the records of a batch: ``record_change`` for each, set-based."""
    audiences = None
    if model is Situation:
        audiences = {
            record.pk: situation_audience(
                record.sharing,
                _link_ids(item.relations["shared_with"])
                if "shared_with" in item.relations
                else listed_actor_ids(record.pk),
            )
            for item, record, _ in written
        }
    feed_bulk.record_upserts(
        _BATCH_TYPES[model],
        [(record.pk, record.version, _batch_situation(model, record)) for _, record, _ in written],
        audiences=audiences,
        created={record.pk for _, record, status in written if status == "created"}
        if created_by_id is not None
        else (),
        created_by_id=created_by_id,
    )


def _queue_refresh_many(situation_ids: Iterable[uuid.UUID | None]) -> None:
    """Recompute these situations after commit, in one job (a batch may touch a thousand)."""
    ids = sorted({str(s) for s in situation_ids if s})
    if ids:
        jobs.enqueue_once_on_commit(jobs.REFRESH_SITUATIONS, ids)


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
    if report.issued_on:
        values["issued_on"] = report.issued_on
    if report.job_number:
        values["job_number"] = report.job_number
    if report.subject_terms:
        values["subject_terms"] = report.subject_terms
    source_file = Path(path).name
    document = Document.objects.select_for_update().filter(symbol=report.symbol).first()
    created = document is None
    issued_before = None if created else document.issued_on
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
    if not created and document.issued_on != issued_before:
        _queue_measured_as_of(document)
    return document


def _queue_measured_as_of(document: Document) -> None:
    """The situations measured as of ``document`` stop their clock at its issue date: recompute
    them after commit."""
    _queue_refresh(*Situation.objects.filter(as_of=document).values_list("pk", flat=True))


@transaction.atomic
def save_document(document: Document) -> Document:
    """Save a report's metadata (the admin edits its issue date only); a changed issue date
    recomputes the situations measured as of it once the transaction commits.

    Documents are reference data: no author history or change-feed entry of their own (partners
    read a situation's ``as_of`` through the situation).
    """
    document.full_clean()
    stored = Document.objects.filter(pk=document.pk).values_list("issued_on", flat=True).first()
    document.save()  # version + 1 (VersionedModel)
    if document.pk is not None and stored != document.issued_on:
        _queue_measured_as_of(document)
    return document


def fill_issue_date(document: Document, directory: Path) -> bool:
    """Set a document's empty issue date from the metadata file beside its report in
    ``directory`` (``report_parser.read_issue_date``); True if it was set. A date already there
    (an earlier import, or a desk officer's correction in the admin) is left as it is, so running
    this again changes nothing."""
    if document.issued_on is not None:
        return False
    issued_on = read_issue_date(directory, document.symbol)
    if issued_on is None:
        return False
    document.issued_on = issued_on
    save_document(document)
    return True


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
