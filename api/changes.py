"""The change feed as partners read it: ``GET /api/v1/changes/``.

The log itself (recording, positions, backfill) is ``feed.log``. A caller is shown a change
when it was cleared for the record before or after it (the audiences stored with the change, see
``feed.audience.Audience``): an upsert if it may see the record after the change, a delete if it
could before and no longer can (tightened sharing) or the record was deleted. An upsert carries the
record's current data, read through ``restrict_to_clearance``, and is served only from the record's
latest change of content on — an earlier one is superseded by a later change that always follows it
(see ``_told``).

Cost. A page is one query along the position index that decides in SQL what each change tells
and stops at the ``limit``-th change told, then one statement building the records' JSON in
PostgreSQL, every type of the page at once (``api.feed_json``; a type it does not build uses
``api.resources``, a query per type), both driven by keys so a page costs the same whatever the
size of the tables; the view writes that JSON out as is.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from rest_framework.utils.encoders import JSONEncoder

from cases.sharing import Clearance
from feed.audience import audience_q
from feed.choices import ChangeOp
from feed.log import assign_positions
from feed.models import Change

from .feed_json import json_rows_by_type
from .resources import representations


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


def _told(clearance: Clearance, types: frozenset[str] | None = None) -> Case:
    """What the caller is told of a change, computed by the database: ``upsert``, ``delete`` or
    NULL (nothing).

    - nothing of a change to a record of a type not in ``types`` (when given): the scan still
      counts it, so a filtered page costs what an unfiltered one does and its cursor is a position
      of the same log, which the next filtered page resumes from;

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
    excluded = [When(~Q(type__in=sorted(types)), then=Value(None))] if types is not None else []
    return Case(
        *excluded,
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


def read_page(
    clearance: Clearance, since: int, limit: int, types: frozenset[str] | None = None
) -> FeedPage:
    """Up to ``limit`` changes after position ``since`` that ``clearance`` is told of, of records
    of ``types`` only when given (``?types=``).

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
    page = _read_page(clearance, since, limit, types)
    if far and not page.has_more and assign_positions():
        page = _read_page(clearance, since, limit, types)  # the changes just positioned follow
    return page


def _read_page(
    clearance: Clearance, since: int, limit: int, types: frozenset[str] | None
) -> FeedPage:
    if connection.in_atomic_block:
        return _read(clearance, since, limit, types)
    # One snapshot for the log and the data it carries.
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One round trip for the transaction's settings (no parameters: psycopg sends
            # the statements as they are).
            cursor.execute(_PAGE_SETTINGS)
        return _read(clearance, since, limit, types)


def _data(
    wanted: dict[str, list[str]], named, clearance: Clearance
) -> dict[str, dict[str, tuple[int, str]]]:
    """``{type: {id: (version, data as JSON text)}}`` of the records ``wanted`` (``{type: ids}``;
    ``named(type)`` gives them as a subquery) that ``clearance`` may see now: built by the
    database in one statement where ``feed_json`` can, else here, a query per type."""
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
    return json.dumps(item, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _told_log(
    clearance: Clearance, since: int, limit: int, scan: int, types: frozenset[str] | None
) -> list[tuple]:
    """Up to ``limit`` changes told to ``clearance`` among the ``scan`` log rows after ``since``.

    One query along the position index: the database decides what each change tells and stops
    reading at the ``limit``-th change told, so only those rows travel.
    """
    window = (
        Change.objects.filter(position__gt=since)
        .annotate(superseded=_superseded(), told=_told(clearance, types))
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


def _read(
    clearance: Clearance, since: int, limit: int, types: frozenset[str] | None = None
) -> FeedPage:
    scan = MAX_SCAN_FACTOR * limit
    # One more than asked: if it exists, the page is full and more follow.
    log = _told_log(clearance, since, limit + 1, scan, types)
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
