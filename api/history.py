"""A record's history over the API: ``GET /api/v1/<resource>/<id>/history/``.

Read from django-simple-history's rows, newest first, a page in one query: each entry says when,
the version, whether the record was created, changed or deleted, who (a partner sees the
organisation that wrote through the API, or "desk", never a person's name), and what changed in
the API's field names, old → new, for the fields a row keeps as a plain value (links are not
compared).

Confidentiality across time (``cases.sharing.cleared_at``): an entry recorded while the
record's situation was labelled beyond what the caller is cleared for now is ``redacted`` — its
time, version and kind only, no content and no author — and the entry after it shows its new
values without the old ones, nor which of them differed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from typing import Any

from django.db.models import BooleanField, Case, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from cases.models import Situation
from cases.sharing import Clearance, cleared_at

from .errors import ApiError
from .resources import Resource
from .shapes import Column, Countries

KINDS = {"+": "created", "~": "changed", "-": "deleted"}
PARTNER_REASON = "API: partner "


def history_fields(resource: Resource) -> list[tuple[str, str, bool]]:
    """``(API name, history row column, is a country list)`` of the fields an entry compares:
    the record's own writable values, as its shape names them."""
    columns = {f.attname for f in resource.model.history.model._meta.fields}
    found = []
    for field in resource.shape.fields:
        if field.read_only:
            continue
        if isinstance(field, Countries) and field.name in columns:
            found.append((field.name, field.name, True))
        elif isinstance(field, Column) and field.path in columns:
            found.append((field.name, field.path, False))
    return found


def _era(resource: Resource, situation_id: uuid.UUID | None):
    """The ``history_id`` of the situation's history row standing when each row of a record
    under a situation was recorded; the first one known when none is older."""
    historical = Situation.history.model
    if resource.situation_path == "situation":
        situation: Any = OuterRef("situation_id")  # where the record stood then
    else:
        situation = Value(situation_id)  # reached through another record: where it is now
    rows = historical.objects.filter(id=situation)
    newest_first = ("-history_date", "-history_id")
    before = rows.filter(history_date__lte=OuterRef("history_date")).order_by(*newest_first)
    first = rows.order_by("history_date", "history_id")
    return Coalesce(
        Subquery(before.values("history_id")[:1]), Subquery(first.values("history_id")[:1])
    )


def _decode_cursor(raw: str) -> int:
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw.encode() + b"==").decode())
        value = payload["h"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError("not a history position")
        return value
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise ApiError(
            400,
            "invalid_cursor",
            "The cursor is not valid for this list.",
            fields={"cursor": ["Invalid cursor."]},
        ) from error


def _encode_cursor(history_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"h": history_id}).encode()).decode().rstrip("=")


def _api_value(value: Any, countries: bool) -> Any:
    if countries:
        return [code for code in (value or "").split(",") if code]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def read_history(
    resource: Resource,
    pk: uuid.UUID,
    clearance: Clearance,
    *,
    names: bool,
    limit: int,
    cursor: str | None,
    situation_id: uuid.UUID | None = None,
) -> tuple[list[dict], str | None]:
    """A page of the history of the record ``pk`` (which the caller may see now: the view
    checks): ``(entries, next cursor or None)``, in one query. ``names``: the caller may see
    desk officers' user names. ``situation_id``: the situation of a record reached through
    another one (an assessment's engagement), where it stands now."""
    historical = resource.model.history.model
    fields = history_fields(resource)
    rows = historical.objects.filter(id=pk)
    if cursor:
        rows = rows.filter(history_id__lt=_decode_cursor(cursor))
    if resource.situation_path is not None and not clearance.unrestricted:
        era = "history_id"  # a situation's own row says how it stood
        if resource.situation_path != "":
            rows, era = rows.annotate(era=_era(resource, situation_id)), "era"
        rows = rows.annotate(
            cleared=Case(
                When(cleared_at(clearance, era), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    else:
        rows = rows.annotate(cleared=Value(True, output_field=BooleanField()))
    columns = [column for _, column, _ in fields]
    # One more than the page says whether more follow; one more again is the previous state of
    # the page's oldest entry, what its changes are counted from.
    found = list(
        rows.order_by("-history_id").values(
            "history_id",
            "history_date",
            "history_type",
            "history_change_reason",
            "history_user__username",
            "version",
            "cleared",
            *columns,
        )[: limit + 2]
    )
    entries = []
    for index, row in enumerate(found[:limit]):
        before = found[index + 1] if index + 1 < len(found) else None
        entries.append(_entry(row, before, fields, names))
    following = _encode_cursor(found[limit - 1]["history_id"]) if len(found) > limit else None
    return entries, following


def _entry(row: dict, before: dict | None, fields, names: bool) -> dict:
    entry = {
        "at": _api_value(row["history_date"], False),
        "version": row["version"],
        "type": KINDS.get(row["history_type"], "changed"),
        "redacted": not row["cleared"],
        "by": None,
        "changes": [],
    }
    if not row["cleared"]:
        return entry
    entry["by"] = _author(row, names)
    compared = before is not None and before["cleared"] and row["history_type"] != "+"
    for name, column, countries in fields:
        new = _api_value(row[column], countries)
        if compared:
            old = _api_value(before[column], countries)
            if old != new:
                entry["changes"].append({"field": name, "old": old, "new": new})
        elif new not in (None, "", []):
            # Created, or the state before is not the caller's to see: the values, not what
            # differed.
            entry["changes"].append({"field": name, "new": new})
    return entry


def _author(row: dict, names: bool) -> dict:
    reason = row["history_change_reason"] or ""
    if reason.startswith(PARTNER_REASON):
        return {"kind": "partner", "name": reason.removeprefix(PARTNER_REASON)}
    if row["history_user__username"] is not None:
        return {"kind": "desk", "name": row["history_user__username"] if names else None}
    return {"kind": "system", "name": None}
