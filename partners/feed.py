"""The change feed: recording every change in the writer's transaction, serving it in order.

Writing. Each create, update or delete of a synced record appends a ``Change`` in the same
transaction, stamped on PostgreSQL with the transaction id (``pg_current_xact_id()``). Its
``FeedRecord`` row is locked first, so the changes of one record get consecutive ``seq`` numbers in
the order they commit. A change of a situation's sharing appends a change for every child too
(indicators, engagements, assessments inherit the situation's level).

Positioning. A bigserial id is no cursor on PostgreSQL: a transaction holding a lower id can commit
after a reader has passed it. So ``position`` is given only by the reader, under an advisory lock,
to committed changes whose transaction id is below ``pg_snapshot_xmin(pg_current_snapshot())``: no
transaction older than that can still be running, so no such change can appear later. A change
waits too while an older change of the same record is still unpositioned, so one record's changes
keep their order. Positions only grow, so a reader that resumes after a position never misses and
never repeats. On SQLite writers are serialised (``BEGIN IMMEDIATE``): every committed change can be
positioned at once, in id order.

Reading. A caller is shown a change when it was cleared for the record before or after it (the
audiences stored with the change, see ``cases.sharing.Audience``): an upsert if it may see the record
after the change, a delete if it could before and no longer can (tightened sharing) or the record
was deleted. An upsert carries the record's current data, read through ``restrict_to_clearance``,
and is served only from the record's latest change of content on — an earlier one is superseded by
a later change that always follows it (see ``_served_q``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import Case, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from cases.sharing import Audience, Clearance, audience_q

from .choices import ChangeOp, RecordType
from .feed_json import json_rows
from .models import Change, FeedRecord

ADVISORY_LOCK_KEY = 0x45575446  # "EWTF": the feed positioner
CHILD_TYPES = (RecordType.INDICATOR, RecordType.ENGAGEMENT, RecordType.ASSESSMENT, RecordType.ALERT)


class CurrentXid(Func):
    """The writing transaction's id on PostgreSQL; NULL elsewhere."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return "pg_current_xact_id()::text::bigint", []


def _audience(record: FeedRecord) -> Audience:
    return Audience.decode(record.audience_open, record.audience_actors)


def _situation_audience(situation_id: uuid.UUID) -> Audience:
    from cases.models import Situation

    row = Situation.objects.filter(pk=situation_id).values_list("sharing", flat=True).first()
    if row is None:
        return Audience.nobody()
    listed = Situation.shared_with.through.objects.filter(situation_id=situation_id).values_list(
        "actor_id", flat=True
    )
    return Audience.of_situation(row, listed)


def _locked_record(type_: str, object_id: uuid.UUID) -> FeedRecord | None:
    return FeedRecord.objects.select_for_update().filter(type=type_, object_id=object_id).first()


def _situation_record(situation_id: uuid.UUID) -> FeedRecord:
    """The situation's feed row, locked: children's writes queue behind a sharing change."""
    record = _locked_record(RecordType.SITUATION, situation_id)
    if record is None:
        from cases.models import Situation

        version = (
            Situation.objects.filter(pk=situation_id).values_list("version", flat=True).first()
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


@transaction.atomic
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
    children = FeedRecord.objects.filter(
        situation_id=situation_id, type__in=CHILD_TYPES, deleted=False
    )
    if not list(children.select_for_update().values_list("id", flat=True)):
        return
    xid = "pg_current_xact_id()::text::bigint" if connection.vendor == "postgresql" else "NULL"
    table, change = FeedRecord._meta.db_table, Change._meta.db_table
    field = FeedRecord._meta.get_field("situation_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change} (position, xid, type, object_id, seq, op, content, version, "
            "before_open, before_actors, after_open, after_actors, recorded_at) "
            f"SELECT NULL, {xid}, type, object_id, seq + 1, %s, %s, version, audience_open, "
            f"audience_actors, %s, %s, %s FROM {table} "
            "WHERE situation_id = %s AND deleted = %s AND type IN ("
            + ", ".join(["%s"] * len(CHILD_TYPES))
            + ")",
            [
                ChangeOp.UPSERT,
                False,
                after.open,
                after.encoded_actors(),
                _now(),
                field.get_db_prep_value(situation_id, connection),
                False,
                *CHILD_TYPES,
            ],
        )
    children.update(
        seq=F("seq") + 1, audience_open=after.open, audience_actors=after.encoded_actors()
    )


def _now():
    from django.utils import timezone

    return timezone.now()


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
ready AS (
    SELECT c.id FROM {change} c, horizon h
    WHERE c.position IS NULL AND (c.xid < h.xmin OR c.xid = h.own)
      AND NOT EXISTS (
        SELECT 1 FROM {change} e
        WHERE e.position IS NULL AND e.type = c.type AND e.object_id = c.object_id
          AND e.seq < c.seq AND NOT (e.xid < h.xmin OR e.xid IS NOT DISTINCT FROM h.own)
      )
),
numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM ready),
base AS (SELECT COALESCE(MAX(position), 0) AS top FROM {change})
UPDATE {change} SET position = base.top + numbered.rn
FROM numbered, base WHERE {change}.id = numbered.id
"""

_POSITION_SQLITE = """
WITH numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {change} WHERE position IS NULL
),
base AS (SELECT COALESCE(MAX(position), 0) AS top FROM {change})
UPDATE {change} SET position = base.top + numbered.rn
FROM numbered, base WHERE {change}.id = numbered.id
"""


def assign_positions() -> int:
    """Give positions to the changes no older transaction can precede any more."""
    if not Change.objects.filter(position__isnull=True).exists():
        return 0
    change = Change._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            cursor.execute(_POSITION_PG.format(change=change))
        else:
            cursor.execute(_POSITION_SQLITE.format(change=change))
        return cursor.rowcount


# --- reading -------------------------------------------------------------------------------


@dataclass
class FeedPage:
    """One page of the feed. ``rows`` hold each entry's record data as JSON text (built by the
    database where it can), so the view writes them out without decoding and encoding again."""

    rows: list[tuple[str, uuid.UUID, str, int, str | None]]  # type, id, op, version, data
    cursor: int
    has_more: bool

    @property
    def entries(self) -> list[dict]:
        """The entries as dicts (``data`` decoded), for callers inside the process."""
        return [
            {
                "type": type_,
                "id": object_id,
                "op": op,
                "version": version,
                "data": None if data is None else json.loads(data),
            }
            for type_, object_id, op, version, data in self.rows
        ]

    def json_bytes(self) -> bytes:
        """The page as the API answers it: ``{"changes": [...], "cursor", "has_more"}``."""
        # type and op are our own identifiers and id a UUID: nothing here needs escaping.
        changes = ",".join(
            f'{{"type":"{type_}","id":"{object_id}","op":"{op}","version":{version},'
            f'"data":{"null" if data is None else data}}}'
            for type_, object_id, op, version, data in self.rows
        )
        more = "true" if self.has_more else "false"
        return f'{{"changes":[{changes}],"cursor":"{self.cursor}","has_more":{more}}}'.encode()


MAX_SCAN_FACTOR = 10  # a page reads at most this many times ``limit`` log rows


def _told(clearance: Clearance) -> Case:
    """What the caller is told of a change, computed by the database: ``upsert``, ``delete`` or
    NULL (nothing).

    - an upsert where it may see the record after the change — only from the record's last
      change of content on (that one carries the current data; an earlier one is superseded by a
      later change that always follows it), and for a change of audience only if it could not
      see the record before (it comes into view): otherwise that tells it nothing new;
    - a delete where it could see the record before and no longer can, or the record is gone.
    """
    fresh = Q(op=ChangeOp.UPSERT, seq__gte=F("latest_content"))
    if clearance.unrestricted:
        # Cleared before and after every change: only content and deletes tell it anything.
        upsert, delete = fresh & Q(content=True), Q(op=ChangeOp.DELETE)
    else:
        after = audience_q(clearance, "after_open", "after_actors")
        before = audience_q(clearance, "before_open", "before_actors")
        upsert = fresh & after & (Q(content=True) | ~before)
        delete = before & (Q(op=ChangeOp.DELETE) | ~after)
    return Case(
        When(upsert, then=Value(ChangeOp.UPSERT)),
        When(delete, then=Value(ChangeOp.DELETE)),
        default=Value(None),
        output_field=models.CharField(),
    )


def read_page(clearance: Clearance, since: int, limit: int) -> FeedPage:
    """Up to ``limit`` changes after position ``since`` that ``clearance`` is told of."""
    assign_positions()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # One snapshot for the log and the data it carries.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SET LOCAL jit = off")  # short queries: compiling costs more
            return _read(clearance, since, limit)
    with transaction.atomic():
        return _read(clearance, since, limit)


def _data(
    type_: str, ids: list[uuid.UUID], named, clearance: Clearance
) -> dict[uuid.UUID, tuple[int, str]]:
    """``{id: (version, data as JSON text)}`` of the records ``ids`` (also given as the subquery
    ``named``) of one type that ``clearance`` may see now: built by the database where
    ``feed_json`` can, else here."""
    from cases.api.resources import representations

    rows = json_rows(type_, ids, clearance)
    if rows is not None:
        return {object_id: (version, data) for object_id, version, data in rows}
    return {
        item["id"]: (item["version"], _dumps(item))
        for item in representations(type_, named, clearance)
    }


def _dumps(item: dict) -> str:
    from rest_framework.utils.encoders import JSONEncoder

    return json.dumps(item, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _told_log(clearance: Clearance, since: int, limit: int, scan: int) -> list[tuple]:
    """Up to ``limit`` changes told to ``clearance`` among the ``scan`` log rows after ``since``.

    One query along the position index: the database decides what each change tells and stops
    reading at the ``limit``-th change told, so only those rows travel.
    """
    window = (
        Change.objects.filter(position__gt=since)
        .annotate(
            latest_content=Coalesce(
                Subquery(
                    FeedRecord.objects.filter(
                        type=OuterRef("type"), object_id=OuterRef("object_id")
                    ).values("content_seq")[:1]
                ),
                0,
            ),
            told=_told(clearance),
        )
        .order_by("position")
        .values_list("position", "type", "object_id", "version", "told")[:scan]
    )
    inner, params = window.query.sql_with_params()
    columns = ", ".join(
        connection.ops.quote_name(name) for name in ("position", "type", "object_id", "version")
    )
    told = connection.ops.quote_name("told")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, {told} FROM ({inner}) w WHERE {told} IS NOT NULL "
            f"ORDER BY {connection.ops.quote_name('position')} LIMIT %s",
            [*params, limit],
        )
        rows = cursor.fetchall()
    # Raw SQL returns the database's spelling of a UUID (SQLite: hex text).
    convert = Change._meta.get_field("object_id").to_python
    return [
        (position, type_, convert(object_id), version, op)
        for position, type_, object_id, version, op in rows
    ]


def _read(clearance: Clearance, since: int, limit: int) -> FeedPage:
    scan = MAX_SCAN_FACTOR * limit
    # One more than asked: if it exists, the page is full and more follow.
    log = _told_log(clearance, since, limit + 1, scan)
    if len(log) > limit:
        log = log[:limit]
        cursor, has_more = log[-1][0], True
    else:
        # Every log row of the scan was read: resume after the last one.
        positions = Change.objects.filter(position__gt=since).order_by("position")
        last = positions.values_list("position", flat=True)[scan - 1 : scan].first()
        if last is not None:
            cursor, has_more = last, True
        else:
            top = positions.aggregate(top=models.Max("position"))["top"]
            cursor, has_more = (top if top is not None else since), False
    told = [(type_, object_id, op, version) for _, type_, object_id, version, op in log]
    data: dict[str, dict[uuid.UUID, tuple[int, str]]] = {}
    for type_ in {type_ for type_, _, op, _ in told if op == ChangeOp.UPSERT}:
        ids = [object_id for t, object_id, op, _ in told if t == type_ and op == ChangeOp.UPSERT]
        # The records named in the page, as a subquery: no thousand-parameter IN list.
        named = Change.objects.filter(
            position__gt=since, position__lte=cursor, type=type_, op=ChangeOp.UPSERT
        ).values("object_id")
        data[type_] = _data(type_, ids, named, clearance)
    rows = []
    for type_, object_id, op, version in told:
        if op == ChangeOp.UPSERT:
            current = data[type_].get(object_id)
            if current is None:
                continue  # no longer visible: the change that hid it follows
            rows.append((type_, object_id, op, *current))
        else:
            rows.append((type_, object_id, op, version, None))
    return FeedPage(rows=rows, cursor=cursor, has_more=has_more)


# --- records written without signals -----------------------------------------------------

BACKFILL_CHUNK = 5000


def _current_xid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0]


def _backfill_rows(type_: str, rows, audience_of, xid) -> int:
    """Create the feed row and a first change for each (id, version, situation id) in ``rows``."""
    from django.utils import timezone

    count, records, changes = 0, [], []
    now = timezone.now()

    def flush():
        FeedRecord.objects.bulk_create(records, ignore_conflicts=True)
        Change.objects.bulk_create(changes)
        records.clear()
        changes.clear()

    for object_id, version, situation_id in rows:
        audience = audience_of(object_id, situation_id)
        actors = audience.encoded_actors()
        records.append(
            FeedRecord(
                type=type_,
                object_id=object_id,
                situation_id=situation_id,
                seq=1,
                content_seq=1,
                version=version,
                audience_open=audience.open,
                audience_actors=actors,
            )
        )
        changes.append(
            Change(
                xid=xid,
                type=type_,
                object_id=object_id,
                seq=1,
                op=ChangeOp.UPSERT,
                version=version,
                after_open=audience.open,
                after_actors=actors,
                recorded_at=now,
            )
        )
        count += 1
        if len(records) >= BACKFILL_CHUNK:
            flush()
    flush()
    return count


@transaction.atomic
def backfill() -> dict[str, int]:
    """Record, as created, every synced record the feed has never seen (bulk loads, imports).

    Idempotent: records already in the feed are left alone. Runs in one transaction.
    """
    from cases.models import Actor, Assessment, Engagement, Situation, WarningIndicator

    xid = _current_xid()
    known = FeedRecord.objects.filter(type=OuterRef("type_name"), object_id=OuterRef("pk"))

    def unknown(model, type_, situation_field=None):
        queryset = model.objects.annotate(type_name=models.Value(type_)).filter(
            ~models.Exists(known)
        )
        fields = ["pk", "version", situation_field] if situation_field else ["pk", "version"]
        rows = queryset.order_by().values_list(*fields).iterator(chunk_size=BACKFILL_CHUNK)
        return (row if situation_field else (*row, None) for row in rows)

    listed: dict = {}
    for situation_id, actor_id in Situation.shared_with.through.objects.values_list(
        "situation_id", "actor_id"
    ).iterator(chunk_size=BACKFILL_CHUNK):
        listed.setdefault(situation_id, []).append(actor_id)
    sharing = dict(
        Situation.objects.values_list("pk", "sharing").iterator(chunk_size=BACKFILL_CHUNK)
    )
    counts = {
        RecordType.SITUATION: _backfill_rows(
            RecordType.SITUATION,
            unknown(Situation, RecordType.SITUATION),
            lambda pk, _: Audience.of_situation(sharing[pk], listed.get(pk, ())),
            xid,
        ),
        RecordType.ACTOR: _backfill_rows(
            RecordType.ACTOR, unknown(Actor, RecordType.ACTOR), lambda *_: Audience.everyone(), xid
        ),
    }
    audiences = {
        object_id: Audience.decode(open_, actors)
        for object_id, open_, actors in FeedRecord.objects.filter(
            type=RecordType.SITUATION
        ).values_list("object_id", "audience_open", "audience_actors")
    }

    def inherited(_, situation_id):
        return audiences.get(situation_id, Audience.nobody())

    for model, type_, path in (
        (WarningIndicator, RecordType.INDICATOR, "situation_id"),
        (Engagement, RecordType.ENGAGEMENT, "situation_id"),
        (Assessment, RecordType.ASSESSMENT, "engagement__situation_id"),
    ):
        counts[type_] = _backfill_rows(type_, unknown(model, type_, path), inherited, xid)
    counts[RecordType.ALERT] = _backfill_alerts()
    return counts


def _backfill_alerts() -> int:
    """Alerts the feed has never seen, set-based (they are named by their public uuid)."""
    from alerts.models import Alert

    from .bulk import record_children

    recorded = FeedRecord.objects.filter(type=RecordType.ALERT).values("object_id")
    return record_children(
        RecordType.ALERT, Alert.objects.exclude(uuid__in=recorded), id_field="uuid"
    )
