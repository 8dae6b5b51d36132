"""Warning signs from an ACLED event file (``manage.py import_events``).

One ACLED event (a row of an export, with ACLED's own column names) becomes one warning sign of
the situation named, keyed by ``acled:<event_id_cnty>`` (``WarningIndicator.external_id``, unique
per situation): importing the file again changes nothing, an event ACLED has since edited updates
its sign (one new version). What a desk officer changed in a sign stays until ACLED edits the
event: an event is compared with what the last import wrote (the sign's history), not with the
sign as it now is. Every write goes through ``services.upsert_records``, so history, the
change feed and the situation's recompute follow as for any batch; the whole file is one
transaction, and a row the import cannot read stops it with a one-line reason naming the row
(counted as a spreadsheet shows it, the header being row 1) and the column, nothing written.

Dates keep their precision (``cases.dates``). ACLED's codebook defines ``time_precision``:

* 1 — the sources give the actual day: a **day**;
* 2 — the sources give a week (or weekend) only, and ``event_date`` is its middle day: the
  **month** of that day when the whole week (three days either side) lies inside it, else the
  **year** (a week across two months); a week across New Year keeps the year of its middle day,
  the one case where the date says a little more than the source;
* 3 — the sources give a month only (``event_date`` is its middle, first or last day): the
  **month**.

Actors (``actor1``, ``actor2`` and the ``assoc_actor_*`` lists, ``;``-separated) are matched to
stored actors by name, ignoring case and spacing, or created: as a party to a dispute, except
protesters and civilians (``inter`` 6 and 7), created as civil society. A sign has no link to the
parties it concerns, so its description names them with their ACLED types; its reporter
(``reported_by``) is ACLED, matched by name or acronym or created. Each sign cites ACLED, the
event id and the event's own sources in ``source``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Func, Q, Value
from django.db.models.functions import Lower, Trim

from .choices import ActorKind, DatePrecision, IndicatorCategory, Severity
from .dates import normalise
from .models import Actor, Situation, WarningIndicator
from .services import BatchInvalid, BatchItem, upsert_records

KEY_PREFIX = "acled:"
REASON_PREFIX = "ACLED import from"  # the history's change reason: what the import wrote
ACLED_NAME = "Armed Conflict Location & Event Data Project"
ACLED_ACRONYM = "ACLED"

#: The columns the import reads; an ACLED export has all of them (and more, which are ignored
#: or read when present: ``year``, ``civilian_targeting``, ``admin1``).
REQUIRED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "country",
    "location",
    "source",
    "notes",
    "fatalities",
)

# ACLED's actor types: ``inter1``/``inter2`` hold the code, or (exports since 2024) its name.
INTER_TYPES = {
    1: "State forces",
    2: "Rebel group",
    3: "Political militia",
    4: "Identity militia",
    5: "Rioters",
    6: "Protesters",
    7: "Civilians",
    8: "External/Other forces",
}
_INTER_BY_NAME = {name.lower(): code for code, name in INTER_TYPES.items()} | {
    "state force": 1,
    "rebel groups": 2,
    "political militias": 3,
    "identity militias": 4,
    "rioter": 5,
    "protester": 6,
    "civilian": 7,
    "external/other force": 8,
}
_CIVIL_SOCIETY_TYPES = {6, 7}  # protesters, civilians: not parties to a dispute

# The warning sign an event type is; strategic developments by their sub-event type.
_CATEGORY_BY_TYPE = {
    "battles": IndicatorCategory.VIOLENT_INCIDENT,
    "explosions/remote violence": IndicatorCategory.VIOLENT_INCIDENT,
    "violence against civilians": IndicatorCategory.HUMAN_RIGHTS_VIOLATIONS,
    "protests": IndicatorCategory.POPULAR_UNREST,
    "riots": IndicatorCategory.POPULAR_UNREST,
    "strategic developments": IndicatorCategory.POLITICAL_TENSION,
}
_CATEGORY_BY_STRATEGIC_SUB_TYPE = {
    "headquarters or base established": IndicatorCategory.ARMED_GROUPS,
    "non-violent transfer of territory": IndicatorCategory.ARMED_GROUPS,
    "change to group/activity": IndicatorCategory.ARMED_MOBILISATION,
    "disrupted weapons use": IndicatorCategory.ARMS_TRAFFICKING,
    "looting/property destruction": IndicatorCategory.VIOLENT_INCIDENT,
}
# Event types that are violence (ACLED's "political violence" disorder, and riots).
_VIOLENT_TYPES = {
    "battles",
    "explosions/remote violence",
    "violence against civilians",
    "riots",
}
CRITICAL_FATALITIES = 10

_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%B-%Y", "%d-%b-%Y")

# The model field a validation message names, as the column of the file that gave it.
_COLUMN_OF_FIELD = {
    "observed_on": "event_date",
    "observed_precision": "time_precision",
    "description": "notes",
    "source": "source",
    "category": "event_type",
    "severity": "fatalities",
    "external_id": "event_id_cnty",
    "name": "actor1",
}


class EventImportError(Exception):
    """The file cannot be imported; the message is one line and names the row and column."""


@dataclass(frozen=True)
class ActorRef:
    name: str
    kind: str
    type_label: str
    row: int
    column: str

    @property
    def key(self) -> str:
        return actor_key(self.name)


@dataclass
class Event:
    row: int
    event_id: str
    values: dict[str, Any]  # the sign's fields, by attribute name, without links
    actors: list[ActorRef]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    actors_matched: int = 0
    actors_created: int = 0
    dry_run: bool = False
    signs: list[WarningIndicator] = field(default_factory=list)

    def summary(self) -> str:
        if self.dry_run:
            return (
                f"Dry run, nothing written: would create {self.created} warning signs, update "
                f"{self.updated}, leave {self.unchanged} unchanged; actors: "
                f"{self.actors_matched} matched, {self.actors_created} to create"
            )
        return (
            f"{self.created} warning signs created, {self.updated} updated, {self.unchanged} "
            f"unchanged; actors: {self.actors_matched} matched, {self.actors_created} created"
        )


def actor_key(name: str) -> str:
    """A name as matching compares it: case and spacing ignored (``_ACTOR_KEY`` in SQL)."""
    return " ".join(name.split()).lower()


# The same in the database: spaces of any kind and length as one, trimmed, lower case.
_ACTOR_KEY = Lower(
    Trim(Func("name", Value(r"\s+"), Value(" "), Value("g"), function="REGEXP_REPLACE"))
)


def find_situation(reference: str) -> Situation:
    """The situation named by its slug or id; ``EventImportError`` if there is none."""
    query = Q(slug=reference)
    with contextlib.suppress(ValueError):  # not an id: a slug only
        query |= Q(pk=uuid.UUID(reference))
    situation = Situation.objects.filter(query).first()
    if situation is None:
        raise EventImportError(f"no situation with slug or id {reference!r}")
    return situation


# --- reading the file (no query) ----------------------------------------------------------------


def read_events(path: Path) -> list[Event]:
    """The events of an ACLED CSV file, each mapped to a warning sign's values."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            header = next(reader, None)
            if header is None:
                raise EventImportError(f"{path.name}: empty file, no header row")
            columns = [name.strip().lower() for name in header]
            for name in REQUIRED_COLUMNS:
                if name not in columns:
                    raise EventImportError(f"{path.name}, row 1: column {name!r} is missing")
            events: list[Event] = []
            seen: dict[str, int] = {}
            for number, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue  # a blank line
                row = {
                    name: (cells[i].strip() if i < len(cells) else "")
                    for i, name in enumerate(columns)
                }
                try:
                    event = _event(number, row)
                except _CellError as error:
                    raise EventImportError(
                        f"{path.name}, row {number}, column {error.column}: {error.reason}"
                    ) from None
                if event.event_id in seen:
                    raise EventImportError(
                        f"{path.name}, row {number}, column event_id_cnty: event "
                        f"{event.event_id} is already on row {seen[event.event_id]}"
                    )
                seen[event.event_id] = number
                events.append(event)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise EventImportError(f"{path}: {_one_line(str(error))}") from None
    return events


class _CellError(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = _one_line(reason)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _event(number: int, row: dict[str, str]) -> Event:
    event_id = row["event_id_cnty"]
    if not event_id:
        raise _CellError("event_id_cnty", "empty: every event needs its ACLED id")
    if len(KEY_PREFIX + event_id) > WarningIndicator._meta.get_field("external_id").max_length:
        raise _CellError("event_id_cnty", f"{event_id[:40]!r}… is too long for an event id")
    day = _date(row["event_date"])
    if row.get("year") and row["year"] != str(day.year):
        raise _CellError("year", f"{row['year']!r} is not the year of event_date {day}")
    observed_on, precision = observed_period(day, _precision_code(row["time_precision"]))
    fatalities = _fatalities(row["fatalities"])
    event_type = row["event_type"]
    if event_type.lower() not in _CATEGORY_BY_TYPE:
        raise _CellError("event_type", f"{event_type!r} is not an ACLED event type")
    inter = {side: _inter(row[f"inter{side}"], f"inter{side}") for side in (1, 2)}
    actors: list[ActorRef] = []
    for side in (1, 2):
        kind = ActorKind.CIVIL_SOCIETY if inter[side] in _CIVIL_SOCIETY_TYPES else ActorKind.PARTY
        label = INTER_TYPES.get(inter[side], "")
        for column in (f"actor{side}", f"assoc_actor_{side}"):
            for name in _names(row[column]):
                if len(name) > Actor._meta.get_field("name").max_length:
                    raise _CellError(column, f"actor name {name[:40]!r}… is too long")
                actors.append(ActorRef(name, kind, label, number, column))
    values = {
        "external_id": KEY_PREFIX + event_id,
        "category": _category(event_type, row["sub_event_type"], inter.values()),
        "severity": _severity(event_type, fatalities, row.get("civilian_targeting", "")),
        "description": _description(row, actors, fatalities),
        "observed_on": observed_on,
        "observed_precision": precision,
        "source": _citation(event_id, row["source"]),
    }
    return Event(number, event_id, values, actors)


def _date(text: str) -> dt.date:
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise _CellError("event_date", f"{text!r} is not a date (YYYY-MM-DD or '15 March 2024')")


def _precision_code(text: str) -> int:
    if text not in {"1", "2", "3"}:
        raise _CellError(
            "time_precision", f"{text!r} is not an ACLED time precision code (1, 2 or 3)"
        )
    return int(text)


def observed_period(day: dt.date, code: int) -> tuple[dt.date, str]:
    """The partial date (first day, precision) of an event dated ``day`` at ACLED
    ``time_precision`` ``code`` (see the module's docstring)."""
    if code == 1:
        return day, DatePrecision.DAY
    if code == 3:
        return normalise(day, DatePrecision.MONTH), DatePrecision.MONTH
    first, last = day - dt.timedelta(days=3), day + dt.timedelta(days=3)
    if normalise(first, DatePrecision.MONTH) == normalise(last, DatePrecision.MONTH):
        return normalise(day, DatePrecision.MONTH), DatePrecision.MONTH
    return normalise(day, DatePrecision.YEAR), DatePrecision.YEAR


def _fatalities(text: str) -> int:
    if not text.isdigit():
        raise _CellError("fatalities", f"{text!r} is not a number of fatalities (0 or more)")
    return int(text)


def _inter(text: str, column: str) -> int:
    """An actor type: ACLED's code (0: no actor) or its name."""
    if not text:
        return 0
    if text.isdigit() and int(text) in {0, *INTER_TYPES}:
        return int(text)
    code = _INTER_BY_NAME.get(text.lower())
    if code is None:
        raise _CellError(column, f"{text!r} is not an ACLED actor type")
    return code


def _names(text: str) -> list[str]:
    return [" ".join(name.split()) for name in text.split(";") if name.strip()]


def _category(event_type: str, sub_event_type: str, inter: Iterable[int]) -> str:
    event_type = event_type.lower()
    if event_type == "strategic developments":
        return _CATEGORY_BY_STRATEGIC_SUB_TYPE.get(
            sub_event_type.lower(), IndicatorCategory.POLITICAL_TENSION
        )
    if event_type in _VIOLENT_TYPES and 4 in inter:  # an identity militia took part
        return IndicatorCategory.INTER_ETHNIC_VIOLENCE
    return _CATEGORY_BY_TYPE[event_type]


def _severity(event_type: str, fatalities: int, civilian_targeting: str) -> int:
    """Critical from ``CRITICAL_FATALITIES`` deaths; high with any death or when civilians were
    targeted; medium for other violence; low for protests and strategic developments."""
    if fatalities >= CRITICAL_FATALITIES:
        return Severity.CRITICAL
    if fatalities or civilian_targeting:
        return Severity.HIGH
    if event_type.lower() in _VIOLENT_TYPES:
        return Severity.MEDIUM
    return Severity.LOW


def _description(row: dict[str, str], actors: list[ActorRef], fatalities: int) -> str:
    place = ", ".join(p for p in (row["location"], row.get("admin1", ""), row["country"]) if p)
    parts = [f"{row['event_type']}: {row['sub_event_type'] or row['event_type']}"]
    if place:
        parts[0] += f" in {place}"
    parts[0] += "."
    if row["notes"]:
        parts.append(row["notes"] if row["notes"].endswith(".") else row["notes"] + ".")
    for side in (1, 2):
        named = [a for a in actors if a.column.endswith(str(side))]
        if named:
            main = [a.name for a in named if a.column == f"actor{side}"]
            associated = [a.name for a in named if a.column != f"actor{side}"]
            text = "; ".join(main) or "(unnamed)"
            if named[0].type_label:
                text += f" ({named[0].type_label})"
            if associated:
                text += f" with {'; '.join(associated)}"
            parts.append(f"Actor {side}: {text}.")
    parts.append(f"Reported fatalities: {fatalities}.")
    return " ".join(parts)


def _citation(event_id: str, sources: str) -> str:
    """ACLED, the event and the event's own sources, in the 300 characters a sign's source
    has (the sources shortened with an ellipsis past that)."""
    text = f"ACLED, event {event_id}"
    if sources:
        text += f" (sources: {' '.join(sources.split())})"
    limit = WarningIndicator._meta.get_field("source").max_length
    return text if len(text) <= limit else text[: limit - 2] + "…)"


# --- writing: through the services, set-based --------------------------------------------------


def _clean(model, values: dict[str, Any], links: list[str]) -> dict[str, Any]:
    """``values`` as the model's validation leaves them (dates at the start of their period), or
    the ``ValidationError`` it raises; no query (links and uniqueness are the import's)."""
    record = model(**values)
    record.full_clean(exclude=links, validate_unique=False, validate_constraints=False)
    return {name: getattr(record, name) for name in values}


def _row_error(path: Path, row: int, error: ValidationError) -> EventImportError:
    if hasattr(error, "message_dict"):
        name, messages = next(iter(error.message_dict.items()))
        column = _COLUMN_OF_FIELD.get(name, name)
        return EventImportError(f"{path.name}, row {row}, column {column}: {' '.join(messages)}")
    return EventImportError(f"{path.name}, row {row}: {' '.join(error.messages)}")


@transaction.atomic
def import_events(
    path: Path, situation: Situation, *, dry_run: bool = False, by: Any | None = None
) -> ImportResult:
    """Import the events of ``path`` into ``situation`` as warning signs (all or nothing);
    ``dry_run``: count what it would do and write nothing. Raises ``EventImportError``."""
    path = Path(path)
    events = read_events(path)
    reason = f"{REASON_PREFIX} {path.name}"
    result = ImportResult(dry_run=dry_run)

    # Actors: every name of the file (and ACLED) looked up in one query.
    wanted: dict[str, ActorRef] = {}
    for event in events:
        for ref in event.actors:
            wanted.setdefault(ref.key, ref)
    stored: dict[str, Any] = {}
    acled_id = None
    rows = (
        Actor.objects.annotate(key=_ACTOR_KEY)
        .filter(Q(key__in=[*wanted, actor_key(ACLED_NAME)]) | Q(acronym__iexact=ACLED_ACRONYM))
        .order_by("name")
        .values_list("key", "acronym", "pk")
    )
    for key, acronym, pk in rows:
        stored.setdefault(key, pk)
        if acronym.upper() == ACLED_ACRONYM and acled_id is None:
            acled_id = pk
    acled_id = acled_id or stored.get(actor_key(ACLED_NAME))
    new_actors: list[BatchItem] = []
    for key, ref in wanted.items():
        if key in stored:
            result.actors_matched += 1
            continue
        values = {
            "name": ref.name,
            "kind": ref.kind,
            "description": f"Named by ACLED ({ref.type_label or 'actor'}); first imported from "
            f"event row {ref.row} of {path.name}",
        }
        try:
            values = _clean(Actor, values, ["parent"])
        except ValidationError as error:
            raise _row_error(path, ref.row, error) from None
        stored[key] = uuid.uuid4()
        new_actors.append(BatchItem(pk=stored[key], values=values))
    if acled_id is None:
        acled_id = uuid.uuid4()
        new_actors.append(
            BatchItem(
                pk=acled_id,
                values={
                    "name": ACLED_NAME,
                    "acronym": ACLED_ACRONYM,
                    "kind": ActorKind.CIVIL_SOCIETY,
                    "description": "Publishes the event data the ACLED imports draw on",
                },
            )
        )
    else:
        result.actors_matched += actor_key(ACLED_NAME) not in wanted
    result.actors_created = len(new_actors)

    # Signs: the stored ones of these events in one query (locked, in key order, for the write),
    # and what the last import wrote to each in another (its history row).
    signs = WarningIndicator.objects.filter(
        situation=situation, external_id__in=[KEY_PREFIX + e.event_id for e in events]
    ).order_by("pk")
    if not dry_run:
        signs = signs.select_for_update()
    by_key = {sign.external_id: sign for sign in signs}
    imported = _last_imported(list(by_key.values()))
    items: list[BatchItem] = []
    rows: list[int] = []  # the file's row of each item
    for event in events:
        values = {**event.values, "situation_id": situation.pk, "reported_by_id": acled_id}
        try:
            values = _clean(WarningIndicator, values, ["situation", "reported_by"])
        except ValidationError as error:
            raise _row_error(path, event.row, error) from None
        instance = by_key.get(values["external_id"])
        if instance is None:
            result.created += 1
        else:
            # The event as the last import read it: unchanged, the sign is left as it is, with
            # whatever a desk officer changed in it since.
            last = imported.get(instance.pk, instance)
            if all(getattr(last, name) == value for name, value in values.items()):
                result.unchanged += 1
                continue
            result.updated += 1
        items.append(
            BatchItem(
                pk=instance.pk if instance else uuid.uuid4(), values=values, instance=instance
            )
        )
        rows.append(event.row)
    if dry_run:
        return result

    # ``_clean`` checked the fields these batches check: a refusal here is the model's alone.
    # A unique name or event key taken meanwhile (another import of the same file running at
    # the same time) rolls everything back, said in one line.
    try:
        try:
            if new_actors:
                upsert_records(Actor, new_actors, by=by, reason=reason)
        except BatchInvalid as error:
            position, problem = next(iter(error.errors.items()))
            ref = wanted.get(actor_key(new_actors[position].values["name"]))
            raise _row_error(path, ref.row if ref else 1, problem) from None
        try:
            written = upsert_records(WarningIndicator, items, by=by, reason=reason) if items else []
        except BatchInvalid as error:
            position, problem = next(iter(error.errors.items()))
            raise _row_error(path, rows[position], problem) from None
    except IntegrityError as error:
        raise EventImportError(
            f"{path.name}: written meanwhile by someone else, run the import again "
            f"({_one_line(str(error))[:200]})"
        ) from None
    # A sign a desk officer had already brought to the event's new values needed no write.
    kept = sum(1 for w in written if w.status == "unchanged")
    result.updated -= kept
    result.unchanged += kept
    result.signs = [w.record for w in written]
    return result


def _last_imported(signs: list[WarningIndicator]) -> dict[Any, Any]:
    """The history row of each sign's last import (none for a sign no import wrote): one
    query."""
    if not signs:
        return {}
    rows = (
        WarningIndicator.history.filter(
            id__in=[s.pk for s in signs], history_change_reason__startswith=REASON_PREFIX
        )
        .order_by("id", "-history_date", "-history_id")
        .distinct("id")
    )
    return {row.id: row for row in rows}
