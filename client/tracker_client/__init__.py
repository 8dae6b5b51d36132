"""A typed Python client for the early-warning case tracker's REST API (``/api/v1/``).

Install it alone with ``pip install ./client`` (it needs httpx only); the tracker's own
``pip install -e .`` installs it too.

Quick start::

    from tracker_client import TrackerClient, SQLiteMirror

    with TrackerClient("https://tracker.example.org", token="…") as api:
        for situation in api.list("situations", region="africa"):
            print(situation["title"])
        with SQLiteMirror("mirror.sqlite3") as mirror:
            api.sync(mirror)   # again later: continues from the stored cursor

Public API (stable: later versions add, never rename):

``TrackerClient(base_url, token=None, *, auth=None, timeout=60.0, max_attempts=5, max_wait=120.0,
backoff=1.0, sleep=time.sleep, transport=None, headers=None, verify=True)``
    One tracker, one identity: a partner ``token`` (``Authorization: Token <key>``) or
    ``auth=SessionAuth(session_id, csrf_token)`` for a person's login (a desk officer sees
    everything; a member of a partner organisation sees what its token sees). Answers 429 and
    503 are retried after their ``Retry-After`` (a backoff of ``backoff`` × 2ⁿ seconds when
    none is given), ``max_attempts`` tries in all, never waiting more than ``max_wait`` at once;
    ``sleep`` is injectable for tests, ``transport`` (an ``httpx.BaseTransport``) too. A context
    manager (or call ``close()``).

    Reading: ``list(resource, *, limit=None, **filters)`` iterates over every record, following
    each page's ``next`` cursor; ``pages(resource, …)`` gives the pages (lists of records);
    ``get(resource, id)``; ``root()``; ``me()``.

    Writing: ``create(resource, data)`` (POST, server-chosen id); ``put(resource, id, data, *,
    if_match=None, create_only=False)`` creates or replaces — ``if_match`` is the version held
    (an int, the record as read, or its ETag ``'"3"'``); a stale one raises
    ``PreconditionFailed``; ``patch(resource, id, data, *, if_match=None)``;
    ``delete(resource, id, *, if_match=None)``; ``batch(resource, records, *,
    chunk_size=1000)`` upserts any number of records in chunks of at most ``MAX_BATCH`` (each
    chunk all or nothing) and returns one result per record: ``{"index", "id", "status",
    "version"}``.

    The change feed: ``changes(since="0", *, limit=5000, follow=True, types=None)`` yields
    ``ChangePage(changes, cursor, has_more, size)`` pages of ``Change(type, id, op, version,
    data)``; ``iter_changes(since, *, limit=5000, types=None)`` the changes one by one
    (``types``: ``?types=situation,indicator`` on a tracker that serves it);
    ``sync(mirror, *, limit=5000, max_pages=None, on_page=None)`` applies every change after the mirror's stored cursor to it,
    page by page with the cursor, and returns a ``SyncResult`` (pages, changes, upserts,
    deletes, bytes, seconds, cursor…).

    ``request(method, path, *, params=None, json=None, headers=None, expect=())`` sends anything
    else (path relative to ``/api/v1/``) with the same retries and errors.

Mirrors: ``Mirror`` is the protocol ``sync()`` needs — ``load_cursor() -> str`` and
``apply_page(changes, cursor)`` (all or nothing). ``SQLiteMirror(path)`` keeps records as JSON by
``(type, id)`` and the cursor in an SQLite file (``get(type, id)``, ``records(type=None)``,
``len()``); ``MemoryMirror()`` keeps them in a dict (``records``).

Errors (``tracker_client.errors``): every answer of 400 or more raises an ``ApiError`` with the
API's one error shape — ``status``, ``code``, ``message``, ``fields`` (per-field messages) and
``extra`` (``current_version`` of a 412, ``retry_after``, a batch's ``records``): by status
``ValidationError`` (400; ``InvalidCursor`` and ``BatchRejected`` by code),
``AuthenticationFailed`` (401), ``PermissionDenied`` (403), ``NotFound`` (404, also for a record
not shared with you), ``Conflict`` (409), ``PreconditionFailed`` (412), ``Throttled`` (429),
``ServiceUnavailable`` (503) and ``ServerError`` (5xx). ``TransportError`` when the tracker cannot
be reached. All derive from ``TrackerError``.

Names: ``RESOURCES`` (every resource of the API), ``WRITABLE_RESOURCES``, ``FEED_TYPES`` (the
feed's record type → its resource: ``"indicator"`` → ``"indicators"``), ``MAX_BATCH``.
"""

from __future__ import annotations

from .changes import Change, ChangePage, Op, Record, SyncResult
from .client import (
    FEED_TYPES,
    MAX_BATCH,
    RESOURCES,
    WRITABLE_RESOURCES,
    SessionAuth,
    TokenAuth,
    TrackerClient,
    etag_of,
)
from .errors import (
    ApiError,
    AuthenticationFailed,
    BatchRejected,
    Conflict,
    InvalidCursor,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ServerError,
    ServiceUnavailable,
    Throttled,
    TrackerError,
    TransportError,
    ValidationError,
)
from .mirror import MemoryMirror, Mirror, SQLiteMirror

__version__ = "0.1.0"

__all__ = [
    "FEED_TYPES",
    "MAX_BATCH",
    "RESOURCES",
    "WRITABLE_RESOURCES",
    "ApiError",
    "AuthenticationFailed",
    "BatchRejected",
    "Change",
    "ChangePage",
    "Conflict",
    "InvalidCursor",
    "MemoryMirror",
    "Mirror",
    "NotFound",
    "Op",
    "PermissionDenied",
    "PreconditionFailed",
    "Record",
    "SQLiteMirror",
    "ServerError",
    "ServiceUnavailable",
    "SessionAuth",
    "SyncResult",
    "Throttled",
    "TokenAuth",
    "TrackerClient",
    "TrackerError",
    "TransportError",
    "ValidationError",
    "etag_of",
]
