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

Reading. A caller is shown a change when it was cleared for the record before or after it (the
audiences stored with the change, see ``cases.sharing.Audience``): an upsert if it may see the record
after the change, a delete if it could before and no longer can (tightened sharing) or the record
was deleted. An upsert carries the record's current data, read through ``restrict_to_clearance``,
and is served only from the record's latest change of content on — an earlier one is superseded by
a later change that always follows it (see ``_told``).

Cost. A page is one query along the position index that decides in SQL what each change tells
and stops at the ``limit``-th change told, then one statement building the records' JSON in
PostgreSQL, every type of the page at once (``partners.feed_json``; other types use
``cases.api.resources``, a query per type), both driven by keys so a page costs the same whatever
the size of the tables; the view writes that JSON out as is.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import Case, Exists, F, Func, OuterRef, Q, Value, When

from cases.sharing import Audience, Clearance, audience_q

from .choices import ChangeOp, RecordType
from .feed_json import json_rows_by_type
from .models import Change, FeedRecord

ADVISORY_LOCK_KEY = 0x45575446  # "EWTF": the feed positioner
CHILD_TYPES = (RecordType.INDICATOR, RecordType.ENGAGEMENT, RecordType.ASSESSMENT, RecordType.ALERT)


class CurrentXid(Func):
    """The writing transaction's id."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
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
    table, change = FeedRecord._meta.db_table, Change._meta.db_table
    field = FeedRecord._meta.get_field("situation_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change} (position, xid, type, object_id, seq, op, content, version, "
            "before_open, before_actors, after_open, after_actors, recorded_at) "
            "SELECT NULL, pg_current_xact_id()::text::bigint, type, object_id, seq + 1, %s, %s, "
            f"version, audience_open, audience_actors, %s, %s, %s FROM {table} "
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


# --- reading -------------------------------------------------------------------------------


@dataclass
class FeedPage:
    """One page of the feed. ``rows`` hold each entry's record data as JSON text (built by the
    database where it can), so the view writes them out without decoding and encoding again."""

    rows: list[tuple[str, str, str, int, str | None]]  # type, id (as text), op, version, data
    cursor: int
    has_more: bool

    @property
    def entries(self) -> list[dict]:
        """The entries as dicts (``data`` decoded), for callers inside the process."""
        return [
            {
                "type": type_,
                "id": uuid.UUID(object_id),
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
    # Last in its AND, so the lookup of a later change runs only for a change that would
    # otherwise be told (PostgreSQL evaluates a CASE's conditions left to right).
    fresh = ~Q(superseded=True)
    if clearance.unrestricted:
        # Cleared before and after every change: only content and deletes tell it anything.
        upsert, delete = Q(op=ChangeOp.UPSERT, content=True) & fresh, Q(op=ChangeOp.DELETE)
    else:
        after = audience_q(clearance, "after_open", "after_actors")
        before = audience_q(clearance, "before_open", "before_actors")
        upsert = Q(op=ChangeOp.UPSERT) & after & (Q(content=True) | ~before) & fresh
        delete = before & (Q(op=ChangeOp.DELETE) | ~after)
    return Case(
        When(upsert, then=Value(ChangeOp.UPSERT)),
        When(delete, then=Value(ChangeOp.DELETE)),
        default=Value(None),
        output_field=models.CharField(),
    )


def _superseded() -> Exists:
    """Whether a later change of content of the same record follows a change (its data are
    then no longer the record's: the later one carries them).

    Asked of the log itself rather than of the record's ``FeedRecord.content_seq`` (the same
    answer: both are written in one transaction): the conditions ``content`` and ``seq > 1`` are
    those of the partial index ``change_superseding``, which holds only the changes that follow
    another one of the same record. Most records change once, so a page's thousands of lookups
    probe a small index kept in memory instead of a row of the records' table per change (a
    table larger than PostgreSQL's default buffers at a million records).
    """
    return Exists(
        Change.objects.filter(
            type=OuterRef("type"),
            object_id=OuterRef("object_id"),
            content=True,
            seq__gt=1,
        ).filter(seq__gt=OuterRef("seq"))
    )


_PAGE_SETTINGS = "; ".join(
    [
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
        "SET LOCAL jit = off",  # short queries: compiling costs more
        # A page reads a few thousand rows by key. Nested loops over the indexes cost what the
        # page costs; a hash join would read whole tables (a million indicators) for every page,
        # and parallel workers only add start-up time.
        "SET LOCAL enable_hashjoin = off",
        "SET LOCAL enable_mergejoin = off",
        "SET LOCAL max_parallel_workers_per_gather = 0",
        # For the same reason: a full sync reads the tables by key over and over, so their pages
        # are in memory (PostgreSQL's or the system's). Priced as random reads from disk, the
        # planner preferred to hash, for every page, the whole sharing list of a partner (16k
        # rows at 100k situations, growing with the data) to checking each of the page's few
        # hundred situations by key: a tenth of the page's data query at that size.
        "SET LOCAL random_page_cost = 1.1",
    ]
)


def read_page(clearance: Clearance, since: int, limit: int) -> FeedPage:
    """Up to ``limit`` changes after position ``since`` that ``clearance`` is told of.

    Changes are positioned first only when the page may reach the end of the log. A change
    positioned later is placed after every position given, so a reader still paging through
    earlier positions meets it anyway, and a client catching up on a long log does not ask for
    positioning on each of its pages (a look-up that costs more as positioned changes leave dead
    entries in the index of unpositioned ones, until a vacuum). Positions are consecutive, so
    one more than a page's scan after ``since`` says the page cannot reach the end; were it
    reached all the same, the page is read again after positioning.
    """
    # Ordered, so read along the position index (unordered, PostgreSQL may scan the log from
    # its start for a first row beyond the bound).
    beyond = Change.objects.filter(position__gt=since + MAX_SCAN_FACTOR * limit)
    far = beyond.order_by("position").values_list("position", flat=True).first() is not None
    if not far:
        assign_positions()
    page = _read_page(clearance, since, limit)
    if far and not page.has_more and assign_positions():
        page = _read_page(clearance, since, limit)  # the changes just positioned follow
    return page


def _read_page(clearance: Clearance, since: int, limit: int) -> FeedPage:
    if not connection.in_atomic_block:
        # One snapshot for the log and the data it carries.
        with transaction.atomic():
            with connection.cursor() as cursor:
                # One round trip for the transaction's settings (no parameters: psycopg sends
                # the statements as they are).
                cursor.execute(_PAGE_SETTINGS)
            return _read(clearance, since, limit)
    with transaction.atomic():
        return _read(clearance, since, limit)


def _data(
    wanted: dict[str, list[str]], named, clearance: Clearance
) -> dict[str, dict[str, tuple[int, str]]]:
    """``{type: {id: (version, data as JSON text)}}`` of the records ``wanted`` (``{type: ids}``;
    ``named(type)`` gives them as a subquery) that ``clearance`` may see now: built by the
    database in one statement where ``feed_json`` can, else here, a query per type."""
    from cases.api.resources import representations

    built, left = json_rows_by_type(wanted, clearance)
    data = {
        type_: {object_id: (version, data) for object_id, version, data in rows}
        for type_, rows in built.items()
    }
    for type_ in left:
        data[type_] = {
            str(item["id"]): (item["version"], _dumps(item))
            for item in representations(type_, named(type_), clearance)
        }
    return data


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
        .annotate(superseded=_superseded(), told=_told(clearance))
        .order_by("position")
        .values_list("position", "type", "object_id", "version", "told")[:scan]
    )
    inner, params = window.query.sql_with_params()
    position, type_, object_id, version, told = (
        connection.ops.quote_name(name)
        for name in ("position", "type", "object_id", "version", "told")
    )
    object_id += "::text"  # ids travel as text: no UUID objects made and printed again
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {position}, {type_}, {object_id}, {version}, {told} FROM ({inner}) w "
            f"WHERE {told} IS NOT NULL ORDER BY {position} LIMIT %s",
            [*params, limit],
        )
        return cursor.fetchall()


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
    wanted: dict[str, list[str]] = {}
    for type_, object_id, op, _ in told:
        if op == ChangeOp.UPSERT:
            wanted.setdefault(type_, []).append(object_id)

    def named(type_: str):
        # The records named in the page, as a subquery: no thousand-parameter IN list.
        return Change.objects.filter(
            position__gt=since, position__lte=cursor, type=type_, op=ChangeOp.UPSERT
        ).values("object_id")

    data = _data(wanted, named, clearance) if wanted else {}
    rows = []
    for type_, object_id, op, version in told:
        if op == ChangeOp.UPSERT:
            current = data.get(type_, {}).get(object_id)
            if current is None:
                continue  # no longer visible: the change that hid it follows
            rows.append((type_, object_id, op, *current))
        else:
            rows.append((type_, object_id, op, version, None))
    return FeedPage(rows=rows, cursor=cursor, has_more=has_more)


# --- records written without signals -----------------------------------------------------


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _situation_audience_sql(alias: str) -> tuple[str, str, list]:
    """SQL for the audience of situation ``alias`` as ``Audience.of_situation`` stores it:
    ``(open, actors, params)``; actors are the sharing list's hex ids, sorted, comma-separated."""
    from cases.choices import LISTED_SHARING_LEVELS, OPEN_SHARING_LEVELS
    from cases.models import Situation

    through = Situation.shared_with.through._meta
    table = _qn(through.db_table)
    owner, actor = _qn("situation_id"), _qn("actor_id")
    sharing = f"{alias}.{_qn(Situation._meta.get_field('sharing').column)}"
    pk = f"{alias}.{_qn(Situation._meta.pk.column)}"
    # uuid order is the order of the hex strings Python sorts.
    listed = (
        f"(SELECT string_agg(replace(l.{actor}::text, '-', ''), ',' ORDER BY l.{actor}) "
        f"FROM {table} l WHERE l.{owner} = {pk})"
    )
    open_levels = ", ".join(["%s"] * len(OPEN_SHARING_LEVELS))
    listed_levels = ", ".join(["%s"] * len(LISTED_SHARING_LEVELS))
    return (
        f"({sharing} IN ({open_levels}))",
        f"CASE WHEN {sharing} IN ({listed_levels}) THEN COALESCE({listed}, '') ELSE '' END",
        [*OPEN_SHARING_LEVELS, *LISTED_SHARING_LEVELS],
    )


def _backfill_type(type_: str, model, situation_path: str | None) -> int:
    """Record, in two statements whatever their number, every ``model`` row the feed has never
    seen: its feed row and a first change (an upsert, position to be given). Returns how many.

    ``situation_path``: None for a situation (its audience is computed from its sharing and
    sharing list) and for a record outside TLP (everyone); else how the record reaches its
    situation, whose feed row's audience it inherits (a situation the feed has not recorded:
    nobody).
    """
    from django.utils import timezone

    meta = model._meta
    record, change = _qn(FeedRecord._meta.db_table), _qn(Change._meta.db_table)
    pk, version = f"a.{_qn(meta.pk.column)}", f"a.{_qn(meta.get_field('version').column)}"
    # Parameters in the order they appear: the SELECT list's, then the joins'.
    joins, select_params, join_params = "", [], []
    no_situation = f"CAST(NULL AS {FeedRecord._meta.get_field('situation_id').db_type(connection)})"
    if type_ == RecordType.SITUATION:
        situation = no_situation
        open_, actors, select_params = _situation_audience_sql("a")
    elif situation_path is None:
        situation, open_, actors = no_situation, "%s", "''"
        select_params = [True]
    else:
        # ``engagement__situation_id`` -> join the engagement, read its situation_id.
        *hops, last = situation_path.split("__")
        holder, holder_meta = "a", meta
        for index, hop in enumerate(hops):
            field = holder_meta.get_field(hop)
            target = field.related_model._meta
            joins += (
                f"JOIN {_qn(target.db_table)} j{index} ON j{index}.{_qn(target.pk.column)} = "
                f"{holder}.{_qn(field.column)} "
            )
            holder, holder_meta = f"j{index}", target
        situation = f"{holder}.{_qn(holder_meta.get_field(last).column)}"
        joins += f"LEFT JOIN {record} s ON s.type = %s AND s.object_id = {situation} "
        join_params = [RecordType.SITUATION]
        open_, actors = "COALESCE(s.audience_open, %s)", "COALESCE(s.audience_actors, '')"
        select_params = [False]
    # Column order of the SELECT: object_id, situation_id, version, audience open, actors.
    source = (
        f"SELECT {pk} AS object_id, {situation} AS situation_id, {version} AS version, "
        f"{open_} AS audience_open, {actors} AS audience_actors "
        f"FROM {_qn(meta.db_table)} a {joins}"
        f"WHERE NOT EXISTS (SELECT 1 FROM {record} r WHERE r.type = %s AND r.object_id = {pk})"
    )
    source_params = [*select_params, *join_params, type_]
    insert_record = (
        f"INSERT INTO {record} (type, object_id, situation_id, seq, content_seq, version, "
        "deleted, audience_open, audience_actors) "
        "SELECT %s, object_id, situation_id, 1, 1, version, %s, audience_open, audience_actors "
    )
    change_columns = (
        f"INSERT INTO {change} (position, xid, type, object_id, seq, op, content, version, "
        "before_open, before_actors, after_open, after_actors, recorded_at) "
    )
    change_values = "%s, object_id, 1, %s, %s, version, %s, '', audience_open, audience_actors, %s"
    change_params = [type_, ChangeOp.UPSERT, True, False, timezone.now()]
    with connection.cursor() as cursor:
        # One statement: the feed rows inserted are the ones given a change, even if another
        # transaction records some of these records meanwhile.
        cursor.execute(
            f"WITH new AS ({insert_record} FROM ({source}) src "
            "ON CONFLICT (type, object_id) DO NOTHING "
            "RETURNING object_id, version, audience_open, audience_actors) "
            f"{change_columns} SELECT NULL, pg_current_xact_id()::text::bigint, "
            f"{change_values} FROM new",
            [type_, False, *source_params, *change_params],
        )
        return cursor.rowcount


@transaction.atomic
def backfill() -> dict[str, int]:
    """Record, as created, every synced record the feed has never seen (bulk loads, imports).

    Set-based: one statement per record type whatever the number of records; audiences are computed in SQL as ``Audience`` stores them. Idempotent: records
    already in the feed are left alone. Runs in one transaction. Situations come first, so their
    children inherit the audience just recorded.
    """
    from cases.models import Actor, Assessment, Engagement, Situation, WarningIndicator

    counts = {}
    for model, type_, path in (
        (Situation, RecordType.SITUATION, None),
        (Actor, RecordType.ACTOR, None),
        (WarningIndicator, RecordType.INDICATOR, "situation_id"),
        (Engagement, RecordType.ENGAGEMENT, "situation_id"),
        (Assessment, RecordType.ASSESSMENT, "engagement__situation_id"),
    ):
        counts[type_] = _backfill_type(type_, model, path)
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
