"""The change feed: recording every change in the writer's transaction, serving it in order.

Writing. Each create, update or delete of a synced record appends a ``Change`` in the same
transaction, stamped with the transaction id (``pg_current_xact_id()``). Its
``FeedRecord`` row is locked first, so the changes of one record get consecutive ``seq`` numbers in
the order they commit. A change of a situation's sharing appends a change for every child too
(indicators, engagements, assessments inherit the situation's level).

Positioning. A bigserial id is no cursor: a transaction holding a lower id can commit
after a reader has passed it. So ``position`` is given only by the reader, under an advisory lock,
to committed changes whose transaction id is below ``pg_snapshot_xmin(pg_current_snapshot())``: no
transaction older than that can still be running, so no such change can appear later. A change
waits too while an older change of the same record is still unpositioned, so one record's changes
keep their order. Positions only grow, so a reader that resumes after a position never misses and
never repeats.

Who records. The write services of the apps that own the records (``cases.services``,
``alerts.services``) call ``record_change`` themselves, after the save and its history, in the
writer's transaction — no signal: a reader sees every effect of a write in one function. A delete
records every published record it took with it (``record_deleted``).

Reading is ``api.changes`` (``GET /api/v1/changes/``); the records published are declared in
``feed.sources``; set-based recording is ``feed.bulk``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import connection, models, transaction
from django.db.models import F, Func
from django.utils import timezone

from .audience import Audience
from .bulk import backfill_type, record_children, record_deletes
from .choices import ChangeOp, RecordType
from .models import Change, FeedRecord
from .sources import situation_source, source_of, sources

ADVISORY_LOCK_KEY = 0x45575446  # "EWTF": the feed positioner


def _child_types() -> tuple[str, ...]:
    """The published types that inherit their situation's audience (declared with a
    ``situation_path``): indicators, engagements, assessments, alerts, reviews…"""
    return tuple(source.type for source in sources() if source.situation_path is not None)


class CurrentXid(Func):
    """The writing transaction's id."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "pg_current_xact_id()::text::bigint", []


def _audience(record: FeedRecord) -> Audience:
    return Audience.decode(record.audience_open, record.audience_actors)


def _situation_audience(situation_id: uuid.UUID) -> Audience:
    """As the stored situation's sharing gives it (the rule is its source's)."""
    return situation_source().audience(situation_id)


def _locked_record(type_: str, object_id: uuid.UUID) -> FeedRecord | None:
    return FeedRecord.objects.select_for_update().filter(type=type_, object_id=object_id).first()


def _situation_record(situation_id: uuid.UUID) -> FeedRecord:
    """The situation's feed row, locked: children's writes queue behind a sharing change."""
    record = _locked_record(RecordType.SITUATION, situation_id)
    if record is None:
        version = (
            situation_source()
            .model._base_manager.filter(pk=situation_id)
            .values_list("version", flat=True)
            .first()
        )
        record_change(
            RecordType.SITUATION,
            situation_id,
            version=version or 1,
            audience=_situation_audience(situation_id),
        )
        record = _locked_record(RecordType.SITUATION, situation_id)
    return record


def _append(record: FeedRecord, op: str, before: Audience, after: Audience) -> None:
    Change.objects.create(
        xid=CurrentXid(),
        type=record.type,
        object_id=record.object_id,
        seq=record.seq,
        op=op,
        version=record.version,
        before_open=before.open,
        before_actors=before.encoded_actors(),
        after_open=after.open,
        after_actors=after.encoded_actors(),
    )


# No savepoint of its own: called inside a write service's transaction (a failure here fails the
# whole write, which is what is wanted), two statements fewer per write.
@transaction.atomic(savepoint=False)
def record_change(
    type_: str,
    object_id: uuid.UUID,
    *,
    version: int,
    situation_id: uuid.UUID | None = None,
    deleted: bool = False,
    audience: Audience | None = None,
    created_by_id: int | None = None,
) -> None:
    """Append one change of a record (call inside the writer's transaction).

    ``audience`` is needed for situations only; children take their situation's, other records
    are public.
    """
    if type_ == RecordType.SITUATION:
        after = audience if audience is not None else _situation_audience(object_id)
    elif situation_id is not None and not deleted:
        after = _audience(_situation_record(situation_id))
    else:
        after = Audience.everyone()
    record = _locked_record(type_, object_id)
    if record is None:
        if deleted:
            return  # never recorded, nobody was told of it
        record = FeedRecord(type=type_, object_id=object_id, created_by_id=created_by_id)
        before = Audience.nobody()
    else:
        before = _audience(record)
        if situation_id is None and deleted:
            situation_id = record.situation_id
    if deleted:
        after = Audience.nobody()
        version = max(version, record.version) + 1
    record.seq += 1
    record.content_seq = record.seq
    record.version = version
    record.deleted = deleted
    record.situation_id = situation_id if type_ != RecordType.SITUATION else None
    record.audience_open = after.open
    record.audience_actors = after.encoded_actors()
    record.save()
    _append(record, ChangeOp.DELETE if deleted else ChangeOp.UPSERT, before, after)
    if type_ == RecordType.SITUATION and not deleted and before != after:
        _cascade_audience(object_id, after)


def _cascade_audience(situation_id: uuid.UUID, after: Audience) -> None:
    """The situation's children change audience with it: one change each, set-based."""
    child_types = _child_types()
    children = FeedRecord.objects.filter(
        situation_id=situation_id, type__in=child_types, deleted=False
    )
    if not list(children.select_for_update().values_list("id", flat=True)):
        return
    table, change = FeedRecord._meta.db_table, Change._meta.db_table
    field = FeedRecord._meta.get_field("situation_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change} (position, xid, type, object_id, seq, op, content, version, "
            "before_open, before_actors, after_open, after_actors, recorded_at) "
            "SELECT NULL, pg_current_xact_id()::text::bigint, type, object_id, seq + 1, %s, %s, "
            f"version, audience_open, audience_actors, %s, %s, %s FROM {table} "
            "WHERE situation_id = %s AND deleted = %s AND type IN ("
            + ", ".join(["%s"] * len(child_types))
            + ")",
            [
                ChangeOp.UPSERT,
                False,
                after.open,
                after.encoded_actors(),
                _now(),
                field.get_db_prep_value(situation_id, connection),
                False,
                *child_types,
            ],
        )
    children.update(
        seq=F("seq") + 1, audience_open=after.open, audience_actors=after.encoded_actors()
    )


def _now():
    return timezone.now()


def identities(model: type[models.Model], records: Iterable[models.Model]) -> list[tuple]:
    """``(id as partners know it, version)`` of each of ``records`` (instances or a queryset of
    ``model``) if the feed publishes ``model``, else nothing (and no query): what a write service
    deleting them reads first, for ``record_deleted``."""
    source = source_of(model)
    if source is None:
        return []
    if isinstance(records, models.QuerySet):
        return list(records.values_list(source.id_field, "version"))
    return [(getattr(record, source.id_field), record.version) for record in records]


def record_deleted(model: type[models.Model], rows: Iterable[tuple]) -> None:
    """Append a delete for each of ``rows`` (``identities`` of records of ``model`` just
    deleted): a write service deleting a record passes every row the delete took with it."""
    source = source_of(model)
    if source is None:
        return
    # Set-based: a delete may take thousands of records with it, and a batch many deletes.
    record_deletes(source.type, rows)


def set_created_by(type_: str, object_ids: Iterable[uuid.UUID], partner_id: int) -> None:
    FeedRecord.objects.filter(type=type_, object_id__in=list(object_ids)).update(
        created_by_id=partner_id
    )


def created_by(type_: str, object_id: uuid.UUID) -> int | None:
    return (
        FeedRecord.objects.filter(type=type_, object_id=object_id)
        .values_list("created_by_id", flat=True)
        .first()
    )


def last_version(type_: str, object_id: uuid.UUID) -> int:
    """The version a record had when last recorded (a deleted record's tombstone version)."""
    return (
        FeedRecord.objects.filter(type=type_, object_id=object_id)
        .values_list("version", flat=True)
        .first()
        or 0
    )


# --- positioning ---------------------------------------------------------------------------

_POSITION_PG = """
WITH horizon AS (
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
           pg_current_xact_id_if_assigned()::text::bigint AS own
),
-- Records with a change of a transaction that may still be running (few, short-lived): their
-- later changes wait. Read first, once, so the check below is a hash lookup per change rather
-- than a scan of every unpositioned change for each one (quadratic after a bulk load).
blocked AS MATERIALIZED (
    SELECT e.type, e.object_id, MIN(e.seq) AS seq FROM {change} e, horizon h
    WHERE e.position IS NULL AND NOT (e.xid < h.xmin OR e.xid IS NOT DISTINCT FROM h.own)
    GROUP BY e.type, e.object_id
),
ready AS (
    SELECT c.id FROM {change} c, horizon h
    WHERE c.position IS NULL AND (c.xid < h.xmin OR c.xid = h.own)
      AND NOT EXISTS (
        SELECT 1 FROM blocked b
        WHERE b.type = c.type AND b.object_id = c.object_id AND b.seq < c.seq
      )
),
numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM ready),
base AS (SELECT COALESCE(MAX(position), 0) AS top FROM {change})
UPDATE {change} SET position = base.top + numbered.rn
FROM numbered, base WHERE {change}.id = numbered.id
"""


def assign_positions() -> int:
    """Give positions to the changes no older transaction can precede any more."""
    # Every page asks this. Ordered by id (``exists()`` would drop the order), the cheapest plan
    # is the partial index of unpositioned changes, empty between writes. Unordered, statistics
    # taken while a bulk load was still unpositioned (true until the next analyze) made
    # PostgreSQL scan the whole log for a first NULL: 160 ms a page at 1.9M changes, more than a
    # third of a large full sync, and growing with the log.
    unpositioned = Change.objects.filter(position__isnull=True).order_by("id")
    if unpositioned.values_list("id", flat=True).first() is None:
        return 0
    change = Change._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        cursor.execute(_POSITION_PG.format(change=change))
        return cursor.rowcount


# --- records written set-based -----------------------------------------------------


@transaction.atomic
def backfill() -> dict[str, int]:
    """Record, as created, every synced record the feed has never seen (bulk loads, imports).

    Set-based: one statement per record type whatever the number of records; audiences are
    computed in SQL as ``Audience`` stores them. Idempotent: records already in the feed are left
    alone. Runs in one transaction. Situations come first, so their children inherit the
    audience just recorded.
    """
    counts = {}
    for source in sorted(sources(), key=lambda source: source.type != RecordType.SITUATION):
        if source.id_field == "pk":
            counts[source.type] = backfill_type(source.type, source.model, source.situation_path)
        else:
            # Named by another field (alerts by their public uuid): recorded as children.
            recorded = FeedRecord.objects.filter(type=source.type).values("object_id")
            counts[source.type] = record_children(
                source.type,
                source.model.objects.exclude(**{f"{source.id_field}__in": recorded}),
                id_field=source.id_field,
            )
    return counts
