"""Applying another tracker's change feed here: entries and record bodies in, writes out.

Plain data in (``Entry``: type, id, op, version, body as the API shows it), so the logic is the
same whoever fetched the entries. Every write goes through ``cases.services`` (history, change
feed, recompute jobs), as a desk officer's or a partner's would.

Rules, for each record:

- a record keeps its UUID; a new one is recorded in our feed as created by the source's partner
  organisation (its source, as for a record a partner writes over the API);
- an actor already here under another id is matched by its unique name: ids that name it
  (a parent, a sharing list, a lead actor) are translated;
- the label is never widened: a situation keeps the remote ``sharing`` level, and its
  ``shared_with`` list keeps only the organisations we can map (dropping one narrows);
- a delete (a tombstone, or sharing tightened so that we may no longer see it) deletes here,
  whatever was changed here: what we are no longer cleared for is not kept;
- a record changed on both sides since they last agreed is a ``SyncConflict``, left for a desk
  officer; if the remote label is narrower than ours, ours is narrowed at once.

What "changed" means is content, not versions (each tracker counts its own): ``SyncedRecord.agreed``
holds the content both sides had at the last sync, in the canonical form ``canonical`` gives.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from cases import services
from cases.choices import LISTED_SHARING_LEVELS, SharingLevel
from cases.models import (
    Actor,
    Assessment,
    Briefing,
    Document,
    Engagement,
    Situation,
    SuccessElement,
    WarningIndicator,
)
from cases.sharing import Clearance, restrict_to_clearance
from feed import log as feed

from .models import ConflictStatus, SyncConflict, SyncedRecord, SyncSource

# --- What is synced, and how each field of a body maps to a field here ----------------------

PLAIN, DATE, ACTOR, SITUATION, ENGAGEMENT, ELEMENT, DOCUMENT = (
    "plain",
    "date",
    "actor",
    "situation",
    "engagement",
    "element",
    "document",
)


@dataclass(frozen=True)
class Spec:
    model: type[Model]
    fields: tuple[tuple[str, str, str], ...]  # (body key, attname here, kind)
    links: tuple[tuple[str, str], ...] = ()  # (body key, kind of the linked ids)
    roles: bool = False  # an engagement's partner roles


SPECS: dict[str, Spec] = {
    "actor": Spec(
        Actor,
        (
            ("name", "name", PLAIN),
            ("acronym", "acronym", PLAIN),
            ("kind", "kind", PLAIN),
            ("parent", "parent_id", ACTOR),
            ("country", "country", PLAIN),
            ("description", "description", PLAIN),
        ),
    ),
    "situation": Spec(
        Situation,
        (
            ("title", "title", PLAIN),
            ("slug", "slug", PLAIN),
            ("countries", "countries", PLAIN),
            ("region", "region", PLAIN),
            ("subregion", "subregion", PLAIN),
            ("crisis_type", "crisis_type", PLAIN),
            ("conflict_stage", "conflict_stage", PLAIN),
            ("status", "status", PLAIN),
            ("status_on", "status_on", DATE),
            ("status_precision", "status_precision", PLAIN),
            ("as_of", "as_of_id", DOCUMENT),
            ("risk_level", "risk_level", PLAIN),
            ("sharing", "sharing", PLAIN),
            ("accepts_contributions", "accepts_contributions", PLAIN),
            ("summary", "summary", PLAIN),
        ),
        links=(("shared_with", ACTOR),),
    ),
    "indicator": Spec(
        WarningIndicator,
        (
            ("situation", "situation_id", SITUATION),
            ("category", "category", PLAIN),
            ("severity", "severity", PLAIN),
            ("description", "description", PLAIN),
            ("observed_on", "observed_on", DATE),
            ("observed_precision", "observed_precision", PLAIN),
            ("reported_on", "reported_on", DATE),
            ("reported_precision", "reported_precision", PLAIN),
            ("reported_by", "reported_by_id", ACTOR),
            ("threshold_moment", "threshold_moment", PLAIN),
            ("source", "source", PLAIN),
        ),
    ),
    "engagement": Spec(
        Engagement,
        (
            ("situation", "situation_id", SITUATION),
            ("title", "title", PLAIN),
            ("instrument", "instrument", PLAIN),
            ("track", "track", PLAIN),
            ("lead_actor", "lead_actor_id", ACTOR),
            ("started_on", "started_on", DATE),
            ("started_precision", "started_precision", PLAIN),
            ("ended_on", "ended_on", DATE),
            ("ended_precision", "ended_precision", PLAIN),
            ("objective", "objective", PLAIN),
            ("outcome", "outcome", PLAIN),
        ),
        links=(("responds_to", "indicator"),),
        roles=True,
    ),
    "briefing": Spec(
        Briefing,
        (
            ("situation", "situation_id", SITUATION),
            ("kind", "kind", PLAIN),
            ("briefed_on", "briefed_on", DATE),
            ("briefed_precision", "briefed_precision", PLAIN),
            ("recipient", "recipient_id", ACTOR),
            ("summary", "summary", PLAIN),
        ),
    ),
    "assessment": Spec(
        Assessment,
        (
            ("engagement", "engagement_id", ENGAGEMENT),
            ("element", "element_id", ELEMENT),
            ("rating", "rating", PLAIN),
            ("evidence", "evidence", PLAIN),
        ),
    ),
}
# Parents before children; deletes in the reverse order.
ORDER = ["actor", "situation", "indicator", "engagement", "briefing", "assessment"]

# How open each TLP level is: a larger number, a wider audience.
OPENNESS = {
    SharingLevel.RED: 0,
    SharingLevel.AMBER_STRICT: 1,
    SharingLevel.AMBER: 2,
    SharingLevel.GREEN: 3,
    SharingLevel.CLEAR: 4,
}


@dataclass(frozen=True)
class Entry:
    """One entry of a remote change feed, as ``/api/v1/changes/`` gives it."""

    type: str
    id: uuid.UUID
    op: str  # "upsert" | "delete"
    version: int
    data: dict[str, Any] | None = None


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: int = 0
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deleted} deleted, {self.conflicts} conflicts, {self.skipped} skipped"
        )


def is_wider(label: dict[str, Any], than: dict[str, Any]) -> bool:
    """Whether the sharing ``label`` (``sharing``, ``shared_with`` in canonical form) lets
    anyone see what ``than`` does not."""
    mine, theirs = OPENNESS[label["sharing"]], OPENNESS[than["sharing"]]
    if mine != theirs:
        return mine > theirs
    if label["sharing"] in LISTED_SHARING_LEVELS:
        return not set(label["shared_with"]) <= set(than["shared_with"])
    return False


class _Mapper:
    """Remote ids and codes to ours, read in a few queries for the whole run."""

    def __init__(self, source: SyncSource):
        self.source = source
        self.actors = {
            r: loc
            for r, loc in SyncedRecord.objects.filter(source=source, type="actor").values_list(
                "remote_id", "local_id"
            )
        }
        self.elements = dict(SuccessElement.objects.values_list("code", "pk"))
        self.documents = dict(Document.objects.values_list("symbol", "pk"))

    def actor(self, remote_id: Any) -> uuid.UUID | None:
        if remote_id is None:
            return None
        remote_id = uuid.UUID(str(remote_id))
        if remote_id in self.actors:
            return self.actors[remote_id]
        return remote_id if Actor.objects.filter(pk=remote_id).exists() else None

    def value(self, kind: str, raw: Any) -> Any:
        if raw is None:
            return None
        if kind == ACTOR:
            return self.actor(raw)
        if kind in (SITUATION, ENGAGEMENT, "indicator"):
            return uuid.UUID(str(raw))
        if kind == DATE:
            return dt.date.fromisoformat(raw)
        if kind == ELEMENT:
            return self.elements.get(raw)
        if kind == DOCUMENT:
            return self.documents.get(raw)
        return raw


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | dt.date):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def canonical(type_: str, values: dict[str, Any], links: dict[str, Iterable[Any]], roles=None):
    """The content of a record as sync compares it: JSON, ids as text, lists sorted."""
    body = {name: _jsonable(value) for name, value in values.items()}
    for name, ids in links.items():
        body[name] = sorted(str(i) for i in ids)
    if SPECS[type_].roles:
        body["partners"] = sorted([str(a), r] for a, r in (roles or ()))
    return body


def _remote(type_: str, data: dict[str, Any], mapper: _Mapper):
    """The values, links and partner roles a remote body means here."""
    spec = SPECS[type_]
    values = {attname: mapper.value(kind, data.get(key)) for key, attname, kind in spec.fields}
    if type_ == "situation":
        values["countries"] = list(values["countries"] or [])
    for name in ("reported_precision", "started_precision"):
        if name in values and values[name] is None:
            # Given without a date, the API shows no precision; the model stores a day.
            values[name] = spec.model._meta.get_field(name).get_default()
    links: dict[str, list] = {}
    for key, kind in spec.links:
        mapped = [mapper.value(kind, i) for i in data.get(key) or []]
        if kind == "indicator":
            mapped = _signs_here(mapped)
        links[key] = [i for i in mapped if i is not None]  # unmapped: dropped, narrower
    roles = None
    if spec.roles:
        roles = [
            (actor, p["role"])
            for p in data.get("partners") or []
            if (actor := mapper.actor(p["actor"])) is not None
        ]
    return values, links, roles


def _signs_here(ids: list) -> list:
    """``ids`` without the warning signs not here (refused in this run, or deleted by our
    desk): a link to one is dropped, as an unmapped actor is, rather than break the commit
    (the link's foreign key is checked then)."""
    here = set(WarningIndicator.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return [i for i in ids if i in here]


def _local(type_: str, record: Model):
    """The same three, as stored here."""
    spec = SPECS[type_]
    values = {attname: getattr(record, attname) for _, attname, _ in spec.fields}
    if type_ == "situation":
        values["countries"] = [str(c) for c in record.countries]
    if type_ == "actor":
        values["country"] = str(record.country or "")
    links = {key: [o.pk for o in getattr(record, key).all()] for key, _ in spec.links}
    roles = None
    if spec.roles:
        roles = [(p.actor_id, p.role) for p in record.partner_roles.all()]
    return values, links, roles


def _write(
    type_, pk, values, links, roles, *, record, source: SyncSource, by: Any | None = None
) -> services.Upsert:
    spec = SPECS[type_]
    actors = None
    if roles is not None:
        found = Actor.objects.in_bulk([a for a, _ in roles])
        actors = [(found[a], r) for a, r in roles if a in found]
    result = services.upsert_record(
        spec.model,
        values,
        instance=record,
        pk=pk,
        relations=links,
        partner_roles=actors,
        by=by,
        reason=f"sync from {source.url}",
        first_version=feed.last_version(type_, pk) + 1 if record is None else 1,
    )
    if result.status == "created" and source.partner_id is not None:
        feed.set_created_by(type_, [result.record.pk], source.partner_id)
    return result


def _find_by_name(type_: str, data: dict[str, Any]) -> Model | None:
    """An actor here under another id, known by the same unique name."""
    if type_ != "actor":
        return None
    return Actor.objects.filter(name=data.get("name")).first()


def _upsert(source: SyncSource, entry: Entry, mapper: _Mapper, outcome: Outcome) -> None:
    spec = SPECS[entry.type]
    state = SyncedRecord.objects.filter(source=source, type=entry.type, remote_id=entry.id).first()
    local_id = state.local_id if state else entry.id
    record = spec.model.objects.select_for_update().filter(pk=local_id).first()
    if record is None and state is None:
        record = _find_by_name(entry.type, entry.data)
        if record is not None:
            local_id = record.pk
            mapper.actors[entry.id] = local_id
    values, links, roles = _remote(entry.type, entry.data, mapper)
    theirs = canonical(entry.type, values, links, roles)
    ours = None if record is None else canonical(entry.type, *_local(entry.type, record))
    open_conflict = SyncConflict.objects.filter(
        source=source, type=entry.type, record_id=local_id, status=ConflictStatus.OPEN
    ).first()
    if open_conflict is not None:
        # Still to settle: the newest remote content waits with it.
        open_conflict.remote_body, open_conflict.remote_version = theirs, entry.version
        open_conflict.save(update_fields=["remote_body", "remote_version"])
        outcome.conflicts += 1
        return
    conflict = False
    if record is not None and ours != theirs:
        if state is not None:
            if theirs == state.agreed:
                # Nothing new there (told again: its audience moved, or our own change is
                # not back yet): ours is the newer.
                outcome.unchanged += 1
                return
            # Both moved away from what they last agreed on: a desk officer decides.
            conflict = ours != state.agreed
        else:
            # No common past: a copy older than ours is our own record coming back (kept);
            # otherwise neither can be said to be newer.
            if record.version > entry.version:
                _remember(source, entry, local_id, ours)
                outcome.unchanged += 1
                return
            conflict = True
    if conflict:
        _conflict(source, entry, record, ours, theirs, values, links)
        outcome.conflicts += 1
        return
    try:
        with transaction.atomic():
            result = _write(
                entry.type, local_id, values, links, roles, record=record, source=source
            )
    except (ValidationError, IntegrityError, DataError) as error:
        # One record this tracker refuses (a unique slug taken here) does not stop the others.
        outcome.skipped += 1
        outcome.reasons.append(f"{entry.type} {entry.id}: {_one_line(error)}")
        return
    setattr(outcome, result.status, getattr(outcome, result.status) + 1)
    _remember(source, entry, local_id, theirs)


def _one_line(error: Exception) -> str:
    return " ".join(str(getattr(error, "message_dict", error)).split())[:200]


def _remember(source: SyncSource, entry: Entry, local_id: uuid.UUID, agreed: dict) -> None:
    SyncedRecord.objects.update_or_create(
        source=source,
        type=entry.type,
        remote_id=entry.id,
        defaults={"local_id": local_id, "remote_version": entry.version, "agreed": agreed},
    )


def _conflict(source, entry: Entry, record, ours, theirs, values, links) -> None:
    SyncConflict.objects.create(
        source=source,
        type=entry.type,
        record_id=record.pk,
        remote_id=entry.id,
        local_version=record.version,
        remote_version=entry.version,
        local_body=ours,
        remote_body=theirs,
    )
    if entry.type == "situation" and is_wider(ours, theirs):
        # The content waits for a desk officer; a label the source narrowed does not.
        services.upsert_record(
            Situation,
            {"sharing": values["sharing"]},
            instance=record,
            relations={"shared_with": links["shared_with"]},
            reason=f"sync from {source.url}: label narrowed by the source",
        )


SITUATION_PATHS = {
    "situation": "",
    "indicator": "situation",
    "engagement": "situation",
    "briefing": "situation",
    "assessment": "engagement__situation",
}


def _echo_of_our_label(source: SyncSource, type_: str, record: Model) -> bool:
    """Whether the source may no longer see ``record``, one not pulled from it, under our
    label: its delete is then
    the echo of our own tightening (it lost sight of our record and deleted its copy), not a
    delete of the record, which stays here."""
    if source.partner_id is None or type_ not in SITUATION_PATHS:
        return False
    if feed.created_by(type_, record.pk) == source.partner_id:
        return False  # theirs: their delete is the record's
    clearance = Clearance.for_actors([source.partner.actor_id])
    visible = restrict_to_clearance(
        type(record).objects.filter(pk=record.pk), clearance, SITUATION_PATHS[type_]
    )
    return not visible.exists()


def _delete(source: SyncSource, entry: Entry, outcome: Outcome) -> None:
    spec = SPECS[entry.type]
    state = SyncedRecord.objects.filter(source=source, type=entry.type, remote_id=entry.id).first()
    local_id = state.local_id if state else entry.id
    # An actor of ours that the source only named alike stays ours.
    if local_id == entry.id:
        record = spec.model.objects.filter(pk=local_id).first()
        if record is not None and _echo_of_our_label(source, entry.type, record):
            outcome.unchanged += 1
        elif record is not None:
            services.delete_record(record)
            outcome.deleted += 1
    SyncedRecord.objects.filter(source=source, type=entry.type, remote_id=entry.id).delete()
    # What we may no longer see is not kept in a conflict either.
    SyncConflict.objects.filter(
        source=source, type=entry.type, record_id=local_id, status=ConflictStatus.OPEN
    ).delete()


def from_canonical(type_: str, body: dict[str, Any]):
    """Values, links and partner roles from a canonical body (a conflict's)."""
    spec = SPECS[type_]
    values = {}
    for _, attname, _ in spec.fields:
        model_field = spec.model._meta.get_field(attname.removesuffix("_id"))
        raw = body.get(attname)
        if raw is not None and model_field.is_relation:
            raw = model_field.target_field.to_python(raw)
        elif raw is not None and attname != "countries":
            raw = model_field.to_python(raw)
        values[attname] = raw
    links = {key: [uuid.UUID(i) for i in body.get(key, [])] for key, _ in spec.links}
    roles = [(uuid.UUID(a), r) for a, r in body["partners"]] if spec.roles else None
    return values, links, roles


@transaction.atomic
def settle(conflict: SyncConflict, *, take_remote: bool, by: Any | None = None) -> None:
    """Settle an open conflict: write the source's content here, or keep ours. Ours is not
    kept if its label is wider than the source's (a pulled record is never shared wider)."""
    spec = SPECS[conflict.type]
    record = spec.model.objects.select_for_update().filter(pk=conflict.record_id).first()
    if record is None:
        raise ValueError("The record is no longer here: delete the conflict.")
    ours = canonical(conflict.type, *_local(conflict.type, record))
    theirs = conflict.remote_body
    if take_remote:
        values, links, roles = from_canonical(conflict.type, theirs)
        if "responds_to" in links:  # a sign deleted here since the conflict was kept
            links["responds_to"] = _signs_here(links["responds_to"])
            theirs = {**theirs, "responds_to": sorted(str(i) for i in links["responds_to"])}
        _write(
            conflict.type,
            record.pk,
            values,
            links,
            roles,
            record=record,
            source=conflict.source,
            by=by,
        )
        agreed = theirs
    else:
        if conflict.type == "situation" and is_wider(ours, theirs):
            raise ValueError(
                "Ours is shared wider than the source's label: narrow it first, or take theirs."
            )
        agreed = ours
    SyncedRecord.objects.update_or_create(
        source=conflict.source,
        type=conflict.type,
        remote_id=conflict.remote_id,
        defaults={
            "local_id": record.pk,
            "remote_version": conflict.remote_version,
            "agreed": agreed,
        },
    )
    conflict.status = ConflictStatus.TOOK_REMOTE if take_remote else ConflictStatus.KEPT_LOCAL
    conflict.settled_at = timezone.now()
    conflict.settled_by = by if getattr(by, "is_authenticated", False) else None
    conflict.save(update_fields=["status", "settled_at", "settled_by"])


def latest(entries: Iterable[Entry]) -> list[Entry]:
    """The last entry of each record, in the order the records first appear."""
    last: dict[tuple[str, uuid.UUID], Entry] = {}
    for entry in entries:
        last.pop((entry.type, entry.id), None)
        last[(entry.type, entry.id)] = entry
    return [e for e in last.values() if e.type in SPECS]


def apply_entries(source: SyncSource, entries: Iterable[Entry]) -> Outcome:
    """Apply ``entries`` (in feed order) here; the caller holds the source's lock and a
    transaction. Parents are written before children, deletes children first."""
    outcome = Outcome()
    wanted = latest(entries)
    mapper = _Mapper(source)
    upserts = sorted((e for e in wanted if e.op == "upsert"), key=lambda e: ORDER.index(e.type))
    upserts = _parents_first(upserts)
    for entry in upserts:
        _upsert(source, entry, mapper, outcome)
    deletes = sorted((e for e in wanted if e.op == "delete"), key=lambda e: -ORDER.index(e.type))
    for entry in deletes:
        _delete(source, entry, outcome)
    return outcome


def _parents_first(upserts: list[Entry]) -> list[Entry]:
    """Actors whose parent comes in the same run after their parent."""
    actors = [e for e in upserts if e.type == "actor"]
    ids = {e.id for e in actors}
    done: set[uuid.UUID] = set()
    ordered: list[Entry] = []
    while actors:
        ready = [
            e
            for e in actors
            if not e.data.get("parent")
            or uuid.UUID(str(e.data["parent"])) not in ids
            or uuid.UUID(str(e.data["parent"])) in done
        ]
        if not ready:  # a cycle: the model refuses it, record by record
            ready = actors
        ordered += ready
        done |= {e.id for e in ready}
        actors = [e for e in actors if e.id not in done]
    return ordered + [e for e in upserts if e.type != "actor"]
