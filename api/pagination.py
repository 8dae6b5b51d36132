"""Keyset (cursor) pagination: pages stay fast and stable however deep a client reads.

The cursor carries the last row's ordering value and id; the next page continues strictly after
that pair, so concurrent inserts never shift or repeat a page.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from collections import OrderedDict

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .errors import ApiError

_DIGITS = re.compile(r"[0-9]{1,9}")
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


def parse_limit(raw: str | None, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    if raw is None:
        return default  # an empty ``?limit=`` is not a number: refused like any other
    # Digits only: int() would also take " 5", "+5", "1_0" and other scripts' digits.
    limit = int(raw) if isinstance(raw, str) and _DIGITS.fullmatch(raw) else 0
    if not 1 <= limit <= maximum:
        raise ApiError(
            400,
            "validation_error",
            "The request is not valid; see fields.",
            fields={"limit": [f"A whole number from 1 to {maximum}."]},
        )
    return limit


def _encode(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class KeysetPagination:
    """``?limit=`` rows ordered by ``ordering`` (one field, ``-`` for descending) then id."""

    def __init__(
        self,
        request,
        ordering: str,
        field_types: dict,
        id_type: type = uuid.UUID,
        id_field: str = "id",
    ):
        self.request = request
        self.id_type = id_type
        # The model field shown as ``id`` (a public ``uuid`` where the key is an integer).
        self.id_field = id_field
        self.descending = ordering.startswith("-")
        self.field = ordering.lstrip("-")
        self.field_type = field_types[self.field]
        self.limit = parse_limit(request.query_params.get("limit"))

    def _decode_cursor(self, raw: str):
        try:
            payload = json.loads(base64.urlsafe_b64decode(raw.encode() + b"==").decode())
            value, last_id, field = payload["v"], self.id_type(payload["id"]), payload["f"]
            if field != ("-" if self.descending else "") + self.field:
                raise ValueError("cursor from another ordering")
            if value is not None and self.field_type is dt.datetime:
                value = dt.datetime.fromisoformat(value)
            elif value is not None and self.field_type is dt.date:
                value = dt.date.fromisoformat(value)
            elif value is not None and not _of_type(value, self.field_type):
                raise TypeError(f"cursor value is not a {self.field_type.__name__}")
            return value, last_id
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            json.JSONDecodeError,
            UnicodeDecodeError,
        ) as e:
            raise ApiError(
                400,
                "invalid_cursor",
                "The cursor is not valid for this list and ordering.",
                fields={"cursor": ["Invalid cursor."]},
            ) from e

    def paginate(self, queryset: QuerySet) -> QuerySet:
        if self._nullable(queryset):
            return self._paginate_nulls_last(queryset)
        order = (
            (f"-{self.field}", f"-{self.id_field}")
            if self.descending
            else (self.field, self.id_field)
        )
        queryset = queryset.order_by(*order)
        raw = self.request.query_params.get("cursor")
        if raw:
            value, last_id = self._decode_cursor(raw)
            beyond = "lt" if self.descending else "gt"
            queryset = queryset.filter(
                Q(**{f"{self.field}__{beyond}": value})
                | Q(**{self.field: value, f"{self.id_field}__{beyond}": last_id})
            )
        return queryset[: self.limit + 1]

    def _nullable(self, queryset: QuerySet) -> bool:
        try:
            return queryset.model._meta.get_field(self.field).null
        except FieldDoesNotExist:
            return False

    def _paginate_nulls_last(self, queryset: QuerySet) -> QuerySet:
        """Rows without a value (an engagement with no start date) come after all the others in
        either direction; a cursor may point into either part."""
        column = F(self.field)
        order = column.desc(nulls_last=True) if self.descending else column.asc(nulls_last=True)
        last = F(self.id_field).desc() if self.descending else F(self.id_field).asc()
        queryset = queryset.order_by(order, last)
        raw = self.request.query_params.get("cursor")
        if raw:
            value, last_id = self._decode_cursor(raw)
            beyond = "lt" if self.descending else "gt"
            if value is None:
                queryset = queryset.filter(
                    Q(**{f"{self.field}__isnull": True, f"{self.id_field}__{beyond}": last_id})
                )
            else:
                queryset = queryset.filter(
                    Q(**{f"{self.field}__{beyond}": value})
                    | Q(**{self.field: value, f"{self.id_field}__{beyond}": last_id})
                    | Q(**{f"{self.field}__isnull": True})
                )
        return queryset[: self.limit + 1]

    def response(self, rows: list[dict], key=None) -> Response:
        has_more = len(rows) > self.limit
        rows = rows[: self.limit]
        next_url = None
        if has_more:
            last = rows[-1]
            value = last[key or self.field]
            cursor = json.dumps(
                {
                    "f": ("-" if self.descending else "") + self.field,
                    "v": _encode(value),
                    "id": _encode(last["id"]),
                }
            )
            next_url = replace_query_param(
                self.request.build_absolute_uri(),
                "cursor",
                base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("="),
            )
        return Response(OrderedDict([("next", next_url), ("results", rows)]))


def _of_type(value, field_type: type) -> bool:
    """A cursor's value as JSON gives it back: an ``int`` field's as an int (not a bool), a text
    field's as a string."""
    if field_type is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, field_type)
