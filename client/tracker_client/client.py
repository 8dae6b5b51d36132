"""``TrackerClient``: the tracker's REST API over httpx, with retries, paging and ``sync()``."""

from __future__ import annotations

import ssl
import time
import urllib.parse
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import Any, Self

import httpx

from .changes import Change, ChangePage, Record, SyncResult
from .errors import (
    ApiError,
    BatchRejected,
    NotFound,
    TrackerError,
    TransportError,
    error_from_response,
    parse_retry_after,
)
from .mirror import Mirror

API_PREFIX = "api/v1/"

# What the API serves (api/urls.py), by the names in its URLs.
RESOURCES: tuple[str, ...] = (
    "situations",
    "indicators",
    "actors",
    "engagements",
    "assessments",
    "briefings",
    "reviews",
    "review-findings",
    "follow-ups",
    "success-elements",
    "documents",
    "intervals",
    "alerts",
    "webhooks",
)
# Those a partner writes (PUT, PATCH, DELETE, POST …/batch/); the others are read-only.
WRITABLE_RESOURCES: tuple[str, ...] = (
    "situations",
    "indicators",
    "actors",
    "engagements",
    "assessments",
    "briefings",
)
# The change feed names each record's type in the singular; its resource is the plural.
FEED_TYPES: dict[str, str] = {
    "situation": "situations",
    "indicator": "indicators",
    "actor": "actors",
    "engagement": "engagements",
    "assessment": "assessments",
    "briefing": "briefings",
    "alert": "alerts",
    "review": "reviews",
    "review-finding": "review-findings",
    "follow-up": "follow-ups",
    "interval": "intervals",
}

MAX_BATCH = 1000  # records per POST …/batch/ (api/views.py)
MAX_PAGE = 1000  # rows per list page
MAX_FEED_PAGE = 5000  # changes per feed page
RETRY_STATUSES = frozenset({429, 503})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

Sleep = Callable[[float], None]
IfMatch = int | str | Mapping[str, Any]
# Module-level names: inside the class, ``list`` is the method.
Records = list[Record]
Results = list[dict[str, Any]]


class TokenAuth(httpx.Auth):
    """A partner system's token: ``Authorization: Token <key>``."""

    def __init__(self, key: str) -> None:
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Token {self.key}"
        yield request


class SessionAuth(httpx.Auth):
    """A person's login (a desk officer, or a member of a partner organisation): the session
    and CSRF cookies of a browser session, and the CSRF token Django asks of every write."""

    def __init__(
        self,
        session_id: str,
        csrf_token: str,
        *,
        session_cookie: str = "sessionid",
        csrf_cookie: str = "csrftoken",
    ) -> None:
        self.cookies = {session_cookie: session_id, csrf_cookie: csrf_token}
        self.csrf_token = csrf_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            request.headers["X-CSRFToken"] = self.csrf_token
            # Over https Django also checks that the write comes from the site itself.
            origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
            request.headers.setdefault("Referer", origin + "/")
            request.headers.setdefault("Origin", origin)
        yield request


def etag_of(value: IfMatch) -> str:
    """The entity tag for ``If-Match``: from a version (``3``), a record (its ``version``) or
    an ETag as the server sent it (``'"3"'``)."""
    if isinstance(value, Mapping):
        value = value["version"]
    if isinstance(value, bool):
        raise TypeError("a version is a number, not a bool")
    if isinstance(value, int):
        return f'"{value}"'
    text = str(value).strip()
    if text == "*" or text.startswith(('"', "W/")):
        return text
    return f'"{text}"'


class TrackerClient:
    """A client of one tracker's API, authenticated as one partner token or one session.

    ``base_url``: the tracker's address (``https://tracker.example.org``; the API is under
    ``/api/v1/``). ``token``: a partner token, or ``auth``: :class:`SessionAuth` (or any
    ``httpx.Auth``). Requests answered 429 or 503 are sent again after ``Retry-After`` seconds
    (or a backoff when the answer gives none), ``max_attempts`` times in all; a wait longer than
    ``max_wait`` is not waited for: the error is raised at once. ``sleep`` waits (injectable
    for tests); ``transport`` replaces httpx's network transport (tests, an in-process server).
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        auth: httpx.Auth | None = None,
        timeout: float = 60.0,
        max_attempts: int = 5,
        max_wait: float = 120.0,
        backoff: float = 1.0,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool | ssl.SSLContext = True,
    ) -> None:
        if (token is None) == (auth is None):
            raise ValueError("give a token or an auth, one of them")
        if max_attempts < 1:
            raise ValueError("max_attempts is at least 1")
        self.base_url = base_url.rstrip("/") + "/"
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.backoff = backoff
        self.sleep = sleep
        self._http = httpx.Client(
            base_url=urllib.parse.urljoin(self.base_url, API_PREFIX),
            auth=TokenAuth(token) if token is not None else auth,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", **(headers or {})},
            verify=verify,
            follow_redirects=False,
        )

    # --- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        expect: Iterable[int] = (),
    ) -> httpx.Response:
        """Send ``method`` to ``path`` (relative to ``/api/v1/``), retrying 429 and 503 as the
        server asks; an answer of 400 or more (not in ``expect``) raises its :class:`ApiError`."""
        method = method.upper()
        expected = set(expect)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(
                    method, path, params=_clean(params), json=json, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                # Not sent at all: safe to send again whatever the method.
                if attempt < self.max_attempts:
                    self.sleep(self._backoff(attempt))
                    continue
                raise TransportError(f"{method} {path}: {error}") from error
            except (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError) as error:
                # Maybe received: sent again only when sending twice changes nothing.
                if method in IDEMPOTENT and attempt < self.max_attempts:
                    self.sleep(self._backoff(attempt))
                    continue
                raise TransportError(f"{method} {path}: {error}") from error
            except httpx.HTTPError as error:
                raise TransportError(f"{method} {path}: {error}") from error
            status = response.status_code
            if status < 400 or status in expected:
                return response
            if status in RETRY_STATUSES and attempt < self.max_attempts:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = self._backoff(attempt)
                if wait <= self.max_wait:
                    response.close()
                    self.sleep(wait)
                    continue
            raise error_from_response(response)

    def _backoff(self, attempt: int) -> float:
        return min(self.max_wait, self.backoff * float(2 ** (attempt - 1)))

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The answer's JSON object (every answer of the API with a body is one)."""
        body = self.request(method, path, **kwargs).json()
        if not isinstance(body, dict):
            raise TrackerError(f"{method} {path}: the answer is not a JSON object")
        return body

    # --- reading ----------------------------------------------------------------------------

    def root(self) -> dict[str, Any]:
        """``GET /api/v1/``: the resources and their URLs."""
        return self._json("GET", "")

    def me(self) -> dict[str, Any]:
        """``GET /api/v1/me/``: who the API takes these credentials for, and what they see."""
        return self._json("GET", "me/")

    def pages(self, resource: str, *, limit: int | None = None, **params: Any) -> Iterator[Records]:
        """Each page (its records) of ``GET /api/v1/<resource>/`` in turn, following the page's ``next``
        cursor until there is none. ``params``: the list's filters and ``ordering``."""
        query = {**params, "limit": limit}
        while True:
            page = self._json("GET", _collection(resource), params=query)
            yield page["results"]
            cursor = _cursor_of(page.get("next"))
            if cursor is None:
                return
            query = {**query, "cursor": cursor}

    def list(self, resource: str, *, limit: int | None = None, **params: Any) -> Iterator[Record]:
        """Every record of ``resource`` you may see (filtered by ``params``), page after page
        (``limit`` rows a request, up to 1,000): an iterator, so a long list is never held."""
        for page in self.pages(resource, limit=limit, **params):
            yield from page

    def get(self, resource: str, id: str) -> Record:
        """``GET /api/v1/<resource>/<id>/``; :class:`NotFound` if missing or not shared with you.
        The record's ``version`` is what :meth:`put` takes as ``if_match``."""
        return self._json("GET", _item(resource, id))

    # --- writing ----------------------------------------------------------------------------

    def create(self, resource: str, data: Mapping[str, Any]) -> Record:
        """``POST /api/v1/<resource>/``: a new record, its id chosen by the server."""
        return self._json("POST", _collection(resource), json=dict(data))

    def put(
        self,
        resource: str,
        id: str,
        data: Mapping[str, Any],
        *,
        if_match: IfMatch | None = None,
        create_only: bool = False,
    ) -> Record:
        """``PUT /api/v1/<resource>/<id>/``: create or replace the record ``id``.

        ``if_match``: the version you hold (a number, the record as read, or its ETag): the write
        happens only over that version, else :class:`PreconditionFailed` (its
        ``current_version`` says which is current). ``create_only``: ``If-None-Match: *``, the
        write happens only if no record ``id`` exists."""
        return self._json(
            "PUT",
            _item(resource, id),
            json=dict(data),
            headers=_preconditions(if_match, create_only),
        )

    def patch(
        self,
        resource: str,
        id: str,
        data: Mapping[str, Any],
        *,
        if_match: IfMatch | None = None,
    ) -> Record:
        """``PATCH /api/v1/<resource>/<id>/``: change the fields given (``if_match`` as for
        :meth:`put`)."""
        return self._json(
            "PATCH", _item(resource, id), json=dict(data), headers=_preconditions(if_match, False)
        )

    def delete(self, resource: str, id: str, *, if_match: IfMatch | None = None) -> None:
        """``DELETE /api/v1/<resource>/<id>/`` (only the record's source or a desk officer may)."""
        self.request("DELETE", _item(resource, id), headers=_preconditions(if_match, False))

    def batch(
        self, resource: str, records: Sequence[Mapping[str, Any]], *, chunk_size: int = MAX_BATCH
    ) -> Results:
        """Upsert ``records`` with ``POST /api/v1/<resource>/batch/``, ``chunk_size`` (at most
        1,000) a request. Each chunk is written all or nothing; the results, one per record in
        the order given, are ``{"index", "id", "status": "created"|"updated", "version"}``
        (``index`` counted in ``records``).

        A refused chunk raises :class:`BatchRejected`: its ``records`` name each refused record
        by its index in ``records``, and its ``written`` holds the results of the chunks
        written before it (those stay written)."""
        if not 1 <= chunk_size <= MAX_BATCH:
            raise ValueError(f"chunk_size is 1 to {MAX_BATCH}")
        written: Results = []
        for start in range(0, len(records), chunk_size):
            chunk = [dict(record) for record in records[start : start + chunk_size]]
            try:
                answer = self._json(
                    "POST", _collection(resource) + "batch/", json={"records": chunk}
                )
            except BatchRejected as rejected:
                for failure in rejected.records:
                    if isinstance(failure.get("index"), int):
                        failure["index"] += start
                rejected.written = written
                raise
            for result in answer["results"]:
                written.append({**result, "index": result["index"] + start})
        return written

    # --- the change feed --------------------------------------------------------------------

    def changes(
        self,
        since: str | int = "0",
        *,
        limit: int = MAX_FEED_PAGE,
        follow: bool = True,
        types: Sequence[str] | None = None,
    ) -> Generator[ChangePage, None, None]:
        """Pages of ``GET /api/v1/changes/`` after the position ``since`` (``"0"``: from the
        start), ``limit`` changes a page (up to 5,000), until the end of the feed (``follow``
        False: the first page only). Store a page's ``cursor`` once you applied it. ``types``: only
        changes of these record types (``?types=``, on a tracker that serves it)."""
        cursor = str(since)
        only = ",".join(types) if types else None
        while True:
            response = self.request(
                "GET", "changes/", params={"since": cursor, "limit": limit, "types": only}
            )
            body = response.content
            page = response.json()
            result = ChangePage(
                changes=[Change.from_json(entry) for entry in page["changes"]],
                cursor=str(page["cursor"]),
                has_more=bool(page["has_more"]),
                size=len(body),
            )
            del page, body, response
            yield result
            if not follow or not result.has_more:
                return
            cursor = result.cursor

    def iter_changes(
        self,
        since: str | int = "0",
        *,
        limit: int = MAX_FEED_PAGE,
        types: Sequence[str] | None = None,
    ) -> Iterator[Change]:
        """Every change after ``since``, one by one (see :meth:`changes` for the cursor)."""
        for page in self.changes(since, limit=limit, types=types):
            yield from page.changes

    def sync(
        self,
        mirror: Mirror,
        *,
        limit: int = MAX_FEED_PAGE,
        max_pages: int | None = None,
        on_page: Callable[[ChangePage], None] | None = None,
    ) -> SyncResult:
        """Bring ``mirror`` in step with what you may see, from the cursor it stored to the end of
        the feed: each page's upserts store the record, its deletes remove it (a record deleted
        or no longer shared with you), then the page's cursor is stored with it. A second
        ``sync()`` continues from there. An upsert that carries no data is read with a GET (and
        treated as a delete if that answers 404). ``on_page`` sees each page once applied;
        ``max_pages`` stops early (the mirror stays consistent: a later sync continues)."""
        since = mirror.load_cursor()
        result = SyncResult(since=since, cursor=since)
        started = time.perf_counter()
        pages = self.changes(since, limit=limit)
        while max_pages is None or result.pages < max_pages:
            asked = time.perf_counter()
            page = next(pages, None)
            if page is None:
                break
            result.slowest_page_s = max(result.slowest_page_s, time.perf_counter() - asked)
            changes = [self._with_data(change, result) for change in page.changes]
            mirror.apply_page(changes, page.cursor)
            result.pages += 1
            result.bytes += page.size
            result.cursor = page.cursor
            for change in changes:
                result.changes += 1
                if change.op == "upsert":
                    result.upserts += 1
                else:
                    result.deletes += 1
                result.types[change.type] = result.types.get(change.type, 0) + 1
            if on_page is not None:
                on_page(page)
        pages.close()
        result.seconds = time.perf_counter() - started
        return result

    def _with_data(self, change: Change, result: SyncResult) -> Change:
        if change.op != "upsert" or change.data is not None:
            return change
        resource = FEED_TYPES.get(change.type)
        if resource is None:
            return change
        result.fetched += 1
        try:
            data = self.get(resource, change.id)
        except NotFound:
            return Change(change.type, change.id, "delete", change.version, None)
        return Change(change.type, change.id, "upsert", int(data.get("version", 0)), data)


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {key: value for key, value in params.items() if value is not None}


def _collection(resource: str) -> str:
    return f"{resource.strip('/')}/"


def _item(resource: str, id: str) -> str:
    return f"{resource.strip('/')}/{urllib.parse.quote(str(id), safe='')}/"


def _cursor_of(next_url: str | None) -> str | None:
    """The cursor in a page's ``next`` URL. Only the cursor is taken: the next request goes to
    the client's own base URL (a proxy may show the server another host; credentials never
    follow a URL elsewhere)."""
    if not next_url:
        return None
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(next_url).query).get("cursor")
    if not values:
        raise ApiError(0, "bad_next", f"a page's next URL has no cursor: {next_url}")
    return values[0]


def _preconditions(if_match: IfMatch | None, create_only: bool) -> dict[str, str]:
    headers = {}
    if if_match is not None:
        headers["If-Match"] = etag_of(if_match)
    if create_only:
        headers["If-None-Match"] = "*"
    return headers


__all__ = [
    "FEED_TYPES",
    "MAX_BATCH",
    "RESOURCES",
    "WRITABLE_RESOURCES",
    "SessionAuth",
    "TokenAuth",
    "TrackerClient",
    "etag_of",
]
