"""Errors carrying the API's one error shape: ``{"error": {"code", "message", "fields"?, …}}``.

Every answer of 400 or more becomes an :class:`ApiError` (a subclass chosen by status, then by
code), with ``status``, ``code``, ``message``, ``fields`` (per-field messages, ``{}`` when none)
and ``extra`` (the rest of the error object: ``current_version`` of a 412, ``retry_after`` of a
429, ``records`` of a refused batch).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx


class TrackerError(Exception):
    """Anything the client raises on purpose."""


class TransportError(TrackerError):
    """The tracker could not be reached (connection refused, timeout), after any retries."""


class ApiError(TrackerError):
    """An error answer of the API, as its one shape says it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.fields: dict[str, Any] = dict(fields or {})
        self.extra: dict[str, Any] = dict(extra or {})
        self.headers: dict[str, str] = dict(headers or {})
        self.method = method
        self.url = url
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        text = f"{self.status} {self.code}: {self.message}{where}"
        if self.fields:
            text += f" fields={json.dumps(self.fields, ensure_ascii=False)}"
        return text

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait, from ``Retry-After`` (or the body's ``retry_after``), if given."""
        return parse_retry_after(self.headers.get("retry-after")) or _number(
            self.extra.get("retry_after")
        )


class ValidationError(ApiError):
    """400: the request is not valid; ``fields`` names what and why."""


class InvalidCursor(ValidationError):
    """400 ``invalid_cursor``: a list cursor or feed position the server did not make."""


class BatchRejected(ValidationError):
    """400 ``batch_rejected``: nothing of the chunk was written. ``records`` lists each refused
    record ``{"index", "id", "code", "fields"…}``, its index counted in the whole input given to
    :meth:`TrackerClient.batch`; ``written`` holds the results of the chunks written before."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.records: list[dict[str, Any]] = list(self.extra.get("records") or [])
        self.written: list[dict[str, Any]] = []


class AuthenticationFailed(ApiError):
    """401: no credentials, or a token unknown, expired or revoked."""


class PermissionDenied(ApiError):
    """403: a scope or a permission is missing (``insufficient_scope``, ``permission_denied``)."""


class NotFound(ApiError):
    """404: missing, or not shared with you (the API answers both alike)."""


class Conflict(ApiError):
    """409: e.g. a record still referred to by others cannot be deleted."""


class PreconditionFailed(ApiError):
    """412: ``If-Match`` does not name the current version (``current_version``), or
    ``If-None-Match: *`` met an existing record."""

    @property
    def current_version(self) -> int | None:
        value = self.extra.get("current_version")
        return value if isinstance(value, int) else None


class Throttled(ApiError):
    """429: too many requests, still after the client's retries (see ``retry_after``)."""


class ServerError(ApiError):
    """5xx, still after the client's retries where it retries (503)."""


class ServiceUnavailable(ServerError):
    """503: the tracker is not serving for now, still after the client's retries."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    429: Throttled,
    503: ServiceUnavailable,
}
_BY_CODE: dict[str, type[ApiError]] = {
    "invalid_cursor": InvalidCursor,
    "batch_rejected": BatchRejected,
}


def error_from_response(response: httpx.Response) -> ApiError:
    """The :class:`ApiError` for an error answer, from its body when it has the API's shape
    (a proxy's HTML error page still gives a status and a short message)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or "error")
        message = str(error.get("message") or response.reason_phrase)
        fields = error.get("fields") if isinstance(error.get("fields"), dict) else {}
        extra = {k: v for k, v in error.items() if k not in ("code", "message", "fields")}
    else:
        code = "error"
        message = response.reason_phrase or f"HTTP {response.status_code}"
        fields, extra = {}, {}
    status = response.status_code
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ApiError
    return cls(
        status,
        code,
        message,
        fields=fields,
        extra=extra,
        headers=dict(response.headers),
        method=response.request.method,
        url=str(response.request.url),
    )


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date (RFC 9110, 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


__all__ = [
    "ApiError",
    "AuthenticationFailed",
    "BatchRejected",
    "Conflict",
    "InvalidCursor",
    "NotFound",
    "PermissionDenied",
    "PreconditionFailed",
    "ServerError",
    "ServiceUnavailable",
    "Throttled",
    "TrackerError",
    "TransportError",
    "ValidationError",
    "error_from_response",
    "parse_retry_after",
]
