"""The change feed for records written set-based (alerts raised by the rules, bulk loads).

``feed.log.record_change`` appends one change per call, from a write service. The alert rules
and lifecycle services write alerts with ``INSERT … SELECT`` and ``UPDATE`` statements, so they
call ``record_children`` instead, in the same transaction: two statements
whatever the number of records — one ``INSERT … SELECT`` appending a change per record, one
upserting their ``FeedRecord`` rows. A child takes the audience stored on its situation's feed row,
as ``record_change`` gives it, and that row is locked first, so a concurrent change of the
situation's sharing waits for this transaction and then cascades to these records too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .audience import Audience
from .choices import ChangeOp, RecordType
from .models import Change, FeedRecord
from .sources import situation_source, sources


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def backfill_type(type_: str, model, situation_path: str | None) -> int:
    """Record, in two statements whatever their number, every ``model`` row the feed has never
    seen: its feed row and a first change (an upsert, position to be given). Returns how many.

    ``situation_path``: None for a situation (its audience is computed in SQL as its source
    declares) and for a record outside TLP (everyone); else how the record reaches its
    situation, whose feed row's audience it inherits (a situation the feed has not recorded:
    nobody).
    """
    meta = model._meta
    record, change = _q(FeedRecord._meta.db_table), _q(Change._meta.db_table)
    pk, version = f"a.{_q(meta.pk.column)}", f"a.{_q(meta.get_field('version').column)}"
    # Parameters in the order they appear: the SELECT list's, then the joins'.
    joins, select_params, join_params = "", [], []
    no_situation = f"CAST(NULL AS {FeedRecord._meta.get_field('situation_id').db_type(connection)})"
    if type_ == RecordType.SITUATION:
        situation = no_situation
        open_, actors, select_params = situation_source().audience_sql("a")
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
                f"JOIN {_q(target.db_table)} j{index} ON j{index}.{_q(target.pk.column)} = "
                f"{holder}.{_q(field.column)} "
            )
            holder, holder_meta = f"j{index}", target
        situation = f"{holder}.{_q(holder_meta.get_field(last).column)}"
        joins += f"LEFT JOIN {record} s ON s.type = %s AND s.object_id = {situation} "
        join_params = [RecordType.SITUATION]
        open_, actors = "COALESCE(s.audience_open, %s)", "COALESCE(s.audience_actors, '')"
        select_params = [False]
    # Column order of the SELECT: object_id, situation_id, version, audience open, actors.
    source = (
        f"SELECT {pk} AS object_id, {situation} AS situation_id, {version} AS version, "
        f"{open_} AS audience_open, {actors} AS audience_actors "
        f"FROM {_q(meta.db_table)} a {joins}"
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
def record_children(
    type_: str,
    queryset: QuerySet,
    *,
    id_field: str = "pk",
    situation_field: str = "situation_id",
) -> int:
    """Append an upsert for every record of ``queryset`` (a child type: it inherits its
    situation's audience), at the version the record now has. Returns the changes appended.

    ``id_field`` is the field partners know the record by (the feed's ``object_id``).
    """
    queryset = queryset.order_by()
    if not queryset.exists():
        return 0  # one query, not three: most rules runs change nothing
    situations = queryset.values(situation_field)
    # A situation the feed has never seen (bulk-loaded, before a backfill) gets its feed row
    # first, as record_change does; normally there is none. Recorded set-based, like the
    # backfill, so a run over 100k such situations stays a few statements.
    missing = queryset.exclude(
        **{
            f"{situation_field}__in": FeedRecord.objects.filter(type=RecordType.SITUATION).values(
                "object_id"
            )
        }
    )
    if missing.exists():
        backfill_type(RecordType.SITUATION, situation_source().model, None)
    # In key order: two writers locking overlapping sets never wait for each other in a cycle.
    locked = FeedRecord.objects.select_for_update().filter(
        type=RecordType.SITUATION, object_id__in=situations
    )
    list(locked.order_by("pk").values_list("pk", flat=True))

    model = queryset.model
    meta = model._meta
    table = _q(meta.db_table)
    object_column = _q(meta.get_field(id_field).column)
    situation_column = _q(meta.get_field(situation_field).column)
    version_column = _q(meta.get_field("version").column)
    ids_sql, ids_params = queryset.values("pk").query.sql_with_params()
    record, change = _q(FeedRecord._meta.db_table), _q(Change._meta.db_table)
    source = (
        f"FROM {table} a "
        f"JOIN {record} s ON s.type = %s AND s.object_id = a.{situation_column} "
        f"LEFT JOIN {record} r ON r.type = %s AND r.object_id = a.{object_column} "
        f"WHERE a.{_q(meta.pk.column)} IN ({ids_sql})"
    )
    source_params = [RecordType.SITUATION, type_, *ids_params]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change} (position, xid, type, object_id, seq, op, content, version, "
            "before_open, before_actors, after_open, after_actors, recorded_at) "
            "SELECT NULL, pg_current_xact_id()::text::bigint, %s, "
            f"a.{object_column}, COALESCE(r.seq, 0) + 1, %s, %s, "
            f"a.{version_column}, COALESCE(r.audience_open, %s), COALESCE(r.audience_actors, ''), "
            f"s.audience_open, s.audience_actors, %s {source}",
            [type_, ChangeOp.UPSERT, True, False, timezone.now(), *source_params],
        )
        appended = cursor.rowcount
        if not appended:
            return 0
        cursor.execute(
            f"INSERT INTO {record} (type, object_id, situation_id, seq, content_seq, version, "
            "deleted, audience_open, audience_actors) "
            f"SELECT %s, a.{object_column}, a.{situation_column}, COALESCE(r.seq, 0) + 1, "
            f"COALESCE(r.seq, 0) + 1, a.{version_column}, %s, s.audience_open, "
            f"s.audience_actors {source} "
            "ON CONFLICT (type, object_id) DO UPDATE SET "
            "seq = excluded.seq, content_seq = excluded.content_seq, version = excluded.version, "
            "deleted = excluded.deleted, situation_id = excluded.situation_id, "
            "audience_open = excluded.audience_open, audience_actors = excluded.audience_actors",
            [type_, False, *source_params],
        )
    return appended


def current_xid() -> int:
    """The writing transaction's id (assigned now if it had none), stamped on its changes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0]


@transaction.atomic(savepoint=False)
def record_upserts(
    type_: str,
    rows: list[tuple],
    *,
    audiences: dict | None = None,
    created: Iterable = (),
    created_by_id: int | None = None,
) -> int:
    """``feed.log.record_change`` for many records of one type at once (a batch written
    set-based), in a constant number of statements: what it records for each is what one call
    records for it. Returns the changes appended (not counting audience cascades).

    ``rows``: ``(object_id, version, situation_id)``; a child's audience is its situation's, as
    stored on the situation's feed row (locked first, in key order, so a concurrent change of
    the situation's sharing waits for this transaction and then cascades to these records too);
    a situation's is ``audiences[object_id]``; a record with no situation is public. ``created``:
    the ids created by the partner ``created_by_id``. A situation whose audience changed passes
    the change on to its children, as ``record_change`` does.
    """
    if not rows:
        return 0
    situation_ids = sorted({row[2] for row in rows if row[2] is not None})
    inherited: dict = {}
    if situation_ids and type_ != RecordType.SITUATION:
        locked = FeedRecord.objects.select_for_update().filter(
            type=RecordType.SITUATION, object_id__in=situation_ids
        )
        found = list(
            locked.order_by("pk").values_list("object_id", "audience_open", "audience_actors")
        )
        if len(found) < len(situation_ids):
            # Situations the feed never saw (bulk-loaded) are recorded first, as record_change does.
            backfill_type(RecordType.SITUATION, situation_source().model, None)
            found = list(
                locked.order_by("pk").values_list("object_id", "audience_open", "audience_actors")
            )
        inherited = {oid: Audience.decode(open_, actors) for oid, open_, actors in found}
    existing = {
        record.object_id: record
        for record in FeedRecord.objects.select_for_update()
        .filter(type=type_, object_id__in=[row[0] for row in rows])
        .order_by("pk")
    }
    created = set(created)
    xid, now = current_xid(), timezone.now()
    records, changes, cascades = [], [], []
    for object_id, version, situation_id in rows:
        if type_ == RecordType.SITUATION:
            after = audiences[object_id]
        elif situation_id is not None:
            after = inherited.get(situation_id, Audience.nobody())
        else:
            after = Audience.everyone()
        record = existing.get(object_id)
        if record is None:
            record = FeedRecord(type=type_, object_id=object_id)
            before = Audience.nobody()
        else:
            before = Audience.decode(record.audience_open, record.audience_actors)
        if object_id in created:
            record.created_by_id = created_by_id
        record.pk = None  # written by (type, object_id): one upsert statement for all
        record.seq += 1
        record.content_seq = record.seq
        record.version = version
        record.deleted = False
        record.situation_id = situation_id if type_ != RecordType.SITUATION else None
        record.audience_open = after.open
        record.audience_actors = after.encoded_actors()
        records.append(record)
        changes.append(
            Change(
                xid=xid,
                type=type_,
                object_id=object_id,
                seq=record.seq,
                op=ChangeOp.UPSERT,
                version=version,
                before_open=before.open,
                before_actors=before.encoded_actors(),
                after_open=after.open,
                after_actors=after.encoded_actors(),
                recorded_at=now,
            )
        )
        if type_ == RecordType.SITUATION and before != after and object_id in existing:
            cascades.append((object_id, after))  # a situation new to the feed has no children
    FeedRecord.objects.bulk_create(
        records,
        update_conflicts=True,
        unique_fields=["type", "object_id"],
        update_fields=[
            "seq",
            "content_seq",
            "version",
            "deleted",
            "situation_id",
            "audience_open",
            "audience_actors",
            "created_by_id",
        ],
    )
    Change.objects.bulk_create(changes)
    if cascades:
        _cascade_audiences(cascades, xid, now)
    return len(changes)


def _cascade_audiences(cascades: list[tuple], xid: int, now) -> None:
    """Children of each situation take its new audience: a change each, two statements for all
    the situations (``feed.log._cascade_audience`` for many)."""
    child_types = [source.type for source in sources() if source.situation_path is not None]
    situations = [str(situation_id) for situation_id, _ in cascades]
    opens = [audience.open for _, audience in cascades]
    actors = [audience.encoded_actors() for _, audience in cascades]
    children = FeedRecord.objects.select_for_update().filter(
        situation_id__in=situations, type__in=child_types, deleted=False
    )
    list(children.order_by("pk").values_list("pk", flat=True))
    record, change = _q(FeedRecord._meta.db_table), _q(Change._meta.db_table)
    given = "unnest(%s::uuid[], %s::boolean[], %s::text[]) AS a(situation_id, open, actors)"
    types = ", ".join(["%s"] * len(child_types))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change} (position, xid, type, object_id, seq, op, content, version, "
            "before_open, before_actors, after_open, after_actors, recorded_at) "
            "SELECT NULL, %s, r.type, r.object_id, r.seq + 1, %s, %s, r.version, "
            f"r.audience_open, r.audience_actors, a.open, a.actors, %s FROM {record} r "
            f"JOIN {given} ON r.situation_id = a.situation_id "
            f"WHERE r.deleted = %s AND r.type IN ({types})",
            [xid, ChangeOp.UPSERT, False, now, situations, opens, actors, False, *child_types],
        )
        cursor.execute(
            f"UPDATE {record} r SET seq = r.seq + 1, audience_open = a.open, "
            f"audience_actors = a.actors FROM {given} "
            f"WHERE r.situation_id = a.situation_id AND r.deleted = %s AND r.type IN ({types})",
            [situations, opens, actors, False, *child_types],
        )


def record_deletes(type_: str, rows: Iterable[tuple]) -> int:
    """``feed.log.record_change(..., deleted=True)`` for many records of one type at once (a
    batch of deletes), in three statements whatever their number: each recorded record gets a
    delete at one more than its last version, told to whoever could read it. ``rows``:
    ``(object_id, version)`` as ``feed.log.identities`` gives them. Returns the changes appended
    (a record the feed never recorded told nobody of it: none)."""
    versions = dict(rows)
    if not versions:
        return 0
    existing = list(
        FeedRecord.objects.select_for_update()
        .filter(type=type_, object_id__in=list(versions))
        .order_by("pk")
    )
    xid, now, nobody = current_xid(), timezone.now(), Audience.nobody()
    changes = []
    for record in existing:
        before = Audience.decode(record.audience_open, record.audience_actors)
        record.seq += 1
        record.content_seq = record.seq
        record.version = max(versions[record.object_id], record.version) + 1
        record.deleted = True
        record.audience_open = nobody.open
        record.audience_actors = nobody.encoded_actors()
        changes.append(
            Change(
                xid=xid,
                type=type_,
                object_id=record.object_id,
                seq=record.seq,
                op=ChangeOp.DELETE,
                version=record.version,
                before_open=before.open,
                before_actors=before.encoded_actors(),
                after_open=nobody.open,
                after_actors=nobody.encoded_actors(),
                recorded_at=now,
            )
        )
    FeedRecord.objects.bulk_update(
        existing,
        ["seq", "content_seq", "version", "deleted", "audience_open", "audience_actors"],
    )
    Change.objects.bulk_create(changes)
    return len(changes)
