"""Seed data drawn from S/2011/552: read the YAML files of ``fixtures/seed/``, check them, load them.

Every record in the files cites the paragraphs it comes from as a mapping from paragraph (``24``)
or footnote (``fn12``) to words of that paragraph that mention the record; the loader checks that
the paragraph exists and holds those words, so a citation cannot point at the wrong place.

Loading is one transaction and idempotent: each record's primary key is a ``uuid5`` of its key in
the files, fields and links are set to what the files say, and a record whose stored content
already matches is not saved again (its version and history stay as they are). Any problem — an
unknown key, reference or choice value, a bad date, a citation the report does not support, a
model rule — stops the load with a message naming the record, and nothing is written.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django_countries import countries

from .choices import (
    ActorKind,
    AssessmentRating,
    ConflictStage,
    CrisisType,
    DatePrecision,
    IndicatorCategory,
    Instrument,
    Outcome,
    ParagraphKind,
    PartnerRole,
    Region,
    RiskLevel,
    Severity,
    SharingLevel,
    SituationStatus,
    Subregion,
    SuccessElementCode,
    Track,
)
from .dates import PartialDate
from .models import (
    Actor,
    Assessment,
    Document,
    Engagement,
    EngagementPartner,
    Paragraph,
    Situation,
    SuccessElement,
    WarningIndicator,
)

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seed"
REPORTS_DIR = Path(settings.BASE_DIR) / "fixtures" / "reports"
DEFAULT_DOCUMENT = "S/2011/552"
# Reports shipped with the tracker, imported when a seed file cites one not yet in the database.
# The one-line text first, then the PDF text: together they give subject terms and footnotes.
BUNDLED_REPORTS = {
    "S/2011/552": [REPORTS_DIR / "S-2011-552.clean.txt", REPORTS_DIR / "S-2011-552.pdf.txt"],
}
# Fixed for ever: seeded primary keys are uuid5(NAMESPACE, "<kind>:<key>").
NAMESPACE = uuid.UUID("6f0c6a8e-5b1d-5e0a-9a57-552201100552")
SEED_REASON = "Loaded from the seed data drawn from S/2011/552"


class SeedError(Exception):
    """The seed files cannot be loaded; the message is one line and names the record."""


def seed_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


@dataclass(frozen=True)
class SeedSummary:
    situations: int
    actors: int
    engagements: int
    partner_roles: int
    indicators: int
    assessments: int
    citations: int
    held_back: int
    created: int
    updated: int
    unchanged: int
    removed: int

    def describe(self) -> str:
        return (
            f"{self.situations} situations, {self.actors} actors, {self.engagements} engagements, "
            f"{self.partner_roles} partner roles, {self.indicators} indicators, "
            f"{self.assessments} assessments, {self.citations} citations"
        )


# --- Reading the files -------------------------------------------------------------------------


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # C parser if built
    """PyYAML keeps the last of two equal keys silently; a seed file with one is a mistake."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Problem(Exception):
    pass


@dataclass(frozen=True)
class Cite:
    kind: str
    number: int
    quote: str

    def __str__(self) -> str:
        return (
            f"footnote {self.number}"
            if self.kind == ParagraphKind.FOOTNOTE
            else (f"para. {self.number}")
        )


@dataclass
class Record:
    """One record of the files, its values converted, its references still keys."""

    kind: str  # actor, situation, indicator, engagement, partner, assessment
    key: str
    label: str  # where it is, for messages
    document: str
    values: dict[str, Any]
    cites: list[Cite]
    refs: dict[str, str] = field(default_factory=dict)  # field -> actor key / element code
    children: dict[str, list[Record]] = field(default_factory=dict)
    parent: Record | None = None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Problem("must be non-empty text")
    return " ".join(value.split())


def _optional_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Problem("must be text")
    return " ".join(value.split())


def _key(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value):
        raise _Problem(f"{value!r} is not a key (lower-case words joined by hyphens)")
    return value


def _choice(choices: type[models.Choices]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(choices, type) and issubclass(choices, models.IntegerChoices):
            # Ordinal scales are written by name ("high"), which reads better than a number.
            if isinstance(value, int) and not isinstance(value, bool) and value in choices.values:
                return value
            name = str(value).upper().replace("-", "_")
            if name in choices.names:
                return choices[name].value
        elif value in choices.values:
            return value
        allowed = (
            [n.lower() for n in choices.names]
            if issubclass(choices, models.IntegerChoices)
            else choices.values
        )
        raise _Problem(f"{value!r} is not one of {', '.join(map(str, allowed))}")

    return convert


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Problem("must be true or false")
    return value


def _date(value: Any) -> PartialDate:
    try:
        return PartialDate.parse(str(value))
    except ValueError as error:
        raise _Problem(str(error)) from None


def _optional_date(value: Any) -> PartialDate | None:
    return None if value is None else _date(value)


def _country(value: Any) -> str:
    code = str(value).upper()
    if code not in dict(countries):
        raise _Problem(f"{value!r} is not an ISO 3166 country code")
    return code


def _countries(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _Problem("must be a list of ISO 3166 codes")
    return sorted({_country(code) for code in value})


def _cites(value: Any) -> list[Cite]:
    if not isinstance(value, dict) or not value:
        raise _Problem(
            "must map each cited paragraph (24) or footnote (fn12) to words of it that mention "
            "the record"
        )
    cites = []
    for ref, quote in value.items():
        text = str(ref).strip().lower()
        if match := re.fullmatch(r"(?:fn|footnote\s*)(\d+)", text):
            kind, number = ParagraphKind.FOOTNOTE, int(match.group(1))
        elif text.isdigit():
            kind, number = ParagraphKind.PARAGRAPH, int(text)
        else:
            raise _Problem(f"{ref!r} is neither a paragraph number nor a footnote (fn12)")
        if not isinstance(quote, str) or not _letters(quote):
            raise _Problem(f"{ref}: give the words of the paragraph that mention the record")
        cites.append(Cite(kind, number, quote))
    return cites


# Field name -> (required, converter). Converters raise _Problem with a reason.
ACTOR_FIELDS: dict[str, tuple[bool, Callable[[Any], Any]]] = {
    "key": (True, _key),
    "name": (True, _text),
    "acronym": (False, _optional_text),
    "kind": (True, _choice(ActorKind)),
    "parent": (False, _key),
    "country": (False, _country),
    "description": (False, _optional_text),
    "cites": (True, _cites),
}
SITUATION_FIELDS = {
    "slug": (True, _key),
    "title": (True, _text),
    "countries": (False, _countries),
    "region": (True, _choice(Region)),
    "subregion": (False, _choice(Subregion)),
    "crisis_type": (True, _choice(CrisisType)),
    "conflict_stage": (True, _choice(ConflictStage)),
    "status": (True, _choice(SituationStatus)),
    "risk_level": (True, _choice(RiskLevel)),
    "sharing": (False, _choice(SharingLevel)),
    "summary": (True, _text),
    "cites": (True, _cites),
    "indicators": (False, None),
    "engagements": (False, None),
}
INDICATOR_FIELDS = {
    "key": (True, _key),
    "category": (True, _choice(IndicatorCategory)),
    "severity": (True, _choice(Severity)),
    "observed": (True, _date),
    "description": (True, _text),
    "reported_by": (False, _key),
    "threshold_moment": (False, _bool),
    "source": (False, _optional_text),
    "cites": (True, _cites),
}
ENGAGEMENT_FIELDS = {
    "key": (True, _key),
    "title": (True, _text),
    "instrument": (True, _choice(Instrument)),
    "track": (True, _choice(Track)),
    "lead": (True, _key),
    "partners": (False, None),
    # Required but may be null: the report gives no start date, so the engagement is checked
    # and held back (Engagement.started_on cannot be empty).
    "started": (True, _optional_date),
    "ended": (False, _optional_date),
    "objective": (True, _text),
    "outcome": (True, _choice(Outcome)),
    "cites": (True, _cites),
    "assessments": (False, None),
}
PARTNER_FIELDS = {
    "actor": (True, _key),
    "role": (True, _choice(PartnerRole)),
    "cites": (True, _cites),
}
ASSESSMENT_FIELDS = {
    "element": (True, _choice(SuccessElementCode)),
    "rating": (True, _choice(AssessmentRating)),
    "evidence": (True, _text),
    "cites": (True, _cites),
}
FILE_KEYS = {"document", "actors", "situations"}


class _Reader:
    """Turns the YAML files into Records, collecting every problem instead of stopping at one."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.actors: list[Record] = []
        self.situations: list[Record] = []

    def fail(self, label: str, message: str) -> None:
        self.problems.append(f"{label}: {message}")

    def read_directory(self, directory: Path) -> None:
        if not directory.is_dir():
            raise SeedError(f"{directory} is not a directory")
        paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        if not paths:
            raise SeedError(f"{directory} holds no .yaml seed files")
        for path in paths:
            self.read_file(path)

    def read_file(self, path: Path) -> None:
        try:
            # A safe loader: builds plain data only.
            content = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
        except (OSError, UnicodeDecodeError) as error:
            raise SeedError(f"{path.name}: cannot be read ({error})") from None
        except yaml.YAMLError as error:
            where = getattr(error, "problem_mark", None)
            line = f" at line {where.line + 1}" if where else ""
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise SeedError(f"{path.name}: not valid YAML{line}: {problem}") from None
        if content is None:
            return
        if not isinstance(content, dict):
            self.fail(path.name, "must be a mapping with 'actors' and/or 'situations'")
            return
        for unknown in sorted(set(content) - FILE_KEYS):
            self.fail(
                path.name, f"unknown key {unknown!r} (expected {', '.join(sorted(FILE_KEYS))})"
            )
        document = content.get("document", DEFAULT_DOCUMENT)
        for items, name in (
            (content.get("actors"), "actors"),
            (content.get("situations"), "situations"),
        ):
            if items is None:
                continue
            if not isinstance(items, list):
                self.fail(path.name, f"'{name}' must be a list")
                continue
            for index, item in enumerate(items, start=1):
                if name == "actors":
                    record = self.record("actor", item, ACTOR_FIELDS, path.name, index, document)
                    if record:
                        self.actors.append(record)
                else:
                    record = self.situation(item, path.name, index, document)
                    if record:
                        self.situations.append(record)

    def record(
        self,
        kind: str,
        item: Any,
        fields: dict[str, tuple[bool, Any]],
        where: str,
        index: int,
        document: str,
        key_field: str = "key",
    ) -> Record | None:
        label = f"{where}: {kind} #{index}"
        if not isinstance(item, dict):
            self.fail(label, "must be a mapping")
            return None
        if key_field in item:
            label = f"{where}: {kind} {item[key_field]!r}"
        converted: dict[str, Any] = {}
        problems_before = len(self.problems)
        for name in item:
            if name not in fields:
                self.fail(label, f"unknown field {name!r}")
        for name, (required, convert) in fields.items():
            if name not in item:
                if required:
                    self.fail(label, f"missing field {name!r}")
                continue
            if convert is None:
                continue
            try:
                converted[name] = convert(item[name])
            except _Problem as problem:
                self.fail(label, f"{name}: {problem}")
        if len(self.problems) > problems_before:
            return None
        key = converted.get(key_field, "")
        return Record(
            kind=kind,
            key=key,
            label=label,
            document=document,
            values=converted,
            cites=converted.pop("cites"),
        )

    def situation(self, item: Any, where: str, index: int, document: str) -> Record | None:
        record = self.record("situation", item, SITUATION_FIELDS, where, index, document, "slug")
        if record is None:
            return None
        record.children["indicators"] = [
            child
            for i, child_item in enumerate(self.items(item, "indicators", record), start=1)
            if (child := self.child(record, "indicator", child_item, INDICATOR_FIELDS, i))
        ]
        engagements = []
        for i, child_item in enumerate(self.items(item, "engagements", record), start=1):
            engagement = self.child(record, "engagement", child_item, ENGAGEMENT_FIELDS, i)
            if engagement is None:
                continue
            engagement.children["partners"] = [
                partner
                for j, partner_item in enumerate(self.items(child_item, "partners", engagement), 1)
                if (partner := self.child(engagement, "partner", partner_item, PARTNER_FIELDS, j))
            ]
            engagement.children["assessments"] = [
                assessment
                for j, item_ in enumerate(self.items(child_item, "assessments", engagement), 1)
                if (
                    assessment := self.child(
                        engagement, "assessment", item_, ASSESSMENT_FIELDS, j, "element"
                    )
                )
            ]
            engagements.append(engagement)
        record.children["engagements"] = engagements
        return record

    def items(self, item: dict, name: str, parent: Record) -> list[Any]:
        value = item.get(name) or []
        if not isinstance(value, list):
            self.fail(parent.label, f"'{name}' must be a list")
            return []
        return value

    def child(
        self,
        parent: Record,
        kind: str,
        item: Any,
        fields: dict[str, tuple[bool, Any]],
        index: int,
        key_field: str = "key",
    ) -> Record | None:
        record = self.record(kind, item, fields, parent.label, index, parent.document, key_field)
        if record is not None:
            record.parent = parent
            if kind == "partner":
                record.key = f"{parent.key}:{record.values['actor']}"
            elif kind == "assessment":
                record.key = f"{parent.key}:{record.values['element']}"
        return record


# --- Checking the records against each other and the report ------------------------------------


def _letters(text: str) -> str:
    """Letters only, lower-case: compares a quotation with either rendering of the report.

    The PDF text hyphenates at line ends ("pre-referendum"), glues footnote markers to words and
    uses typographic quotes; none of that should make a true quotation fail.
    """
    return re.sub(r"[^a-z]", "", text.lower())


def _walk(situations: Iterable[Record]) -> Iterable[Record]:
    for situation in situations:
        yield situation
        yield from situation.children["indicators"]
        for engagement in situation.children["engagements"]:
            yield engagement
            yield from engagement.children["partners"]
            yield from engagement.children["assessments"]


def _check_structure(actors: list[Record], situations: list[Record]) -> list[str]:
    """Unique keys, known references, no cycle among parents, no lead listed as its own partner."""
    problems: list[str] = []
    keys: dict[str, Counter] = {}
    everything = [*actors, *_walk(situations)]
    for record in everything:
        keys.setdefault(record.kind, Counter())[record.key] += 1
    for kind, counter in keys.items():
        for key, count in counter.items():
            if count > 1:
                problems.append(f"{kind} {key!r} appears {count} times; keys must be unique")
    actor_keys = {a.key for a in actors}

    def ref(record: Record, name: str) -> None:
        key = record.values.get(name)
        if key is None:
            return
        if key not in actor_keys:
            problems.append(f"{record.label}: {name} {key!r} is not an actor key")
        else:
            record.refs[name] = key

    for actor in actors:
        ref(actor, "parent")
    for record in _walk(situations):
        if record.kind == "indicator":
            ref(record, "reported_by")
        elif record.kind == "engagement":
            ref(record, "lead")
        elif record.kind == "partner":
            ref(record, "actor")
            if record.values["actor"] == record.parent.values["lead"]:
                problems.append(f"{record.label}: the lead actor cannot also be a partner")
    parents = {a.key: a.refs.get("parent") for a in actors}
    for actor in actors:
        seen, current = {actor.key}, parents.get(actor.key)
        while current:
            if current in seen:
                problems.append(f"{actor.label}: parents form a cycle through {current!r}")
                break
            seen.add(current)
            current = parents.get(current)
    return problems


def _ensure_documents(symbols: set[str]) -> dict[str, Document]:
    from .services import import_report  # services imports the models; keep this module light

    documents = {d.symbol: d for d in Document.objects.filter(symbol__in=symbols)}
    for symbol in sorted(symbols - set(documents)):
        paths = BUNDLED_REPORTS.get(symbol)
        if not paths:
            raise SeedError(
                f"the seed cites {symbol}, which is not in the database; import it first "
                "with: manage.py import_report PATH"
            )
        for path in paths:
            documents[symbol] = import_report(path)
    return documents


def _resolve_citations(
    records: Iterable[Record], documents: dict[str, Document]
) -> tuple[dict[int, list[Paragraph]], list[str]]:
    """Each record's Paragraph rows, after checking that each cited paragraph holds the quote."""
    paragraphs = {
        (p.document.symbol, p.kind, p.number): p
        for p in Paragraph.objects.filter(document__in=documents.values()).select_related(
            "document"
        )
    }
    letters = {key: _letters(p.text) for key, p in paragraphs.items()}
    problems: list[str] = []
    resolved: dict[int, list[Paragraph]] = {}
    for record in records:
        rows = []
        for cite in record.cites:
            key = (record.document, cite.kind, cite.number)
            if key not in paragraphs:
                problems.append(
                    f"{record.label}: cites {cite}, which {record.document} does not have"
                )
            elif _letters(cite.quote) not in letters[key]:
                problems.append(
                    f"{record.label}: {record.document} {cite} does not say {cite.quote!r}"
                )
            else:
                rows.append(paragraphs[key])
        resolved[id(record)] = rows
    return resolved, problems


# --- Writing -----------------------------------------------------------------------------------


class _Writer:
    def __init__(self, citations: dict[int, list[Paragraph]]) -> None:
        self.citations = citations
        self.status: Counter = Counter()
        self.links = 0

    def cites(self, *records: Record) -> list[Paragraph]:
        rows = {p.pk: p for record in records for p in self.citations[id(record)]}
        self.links += len(rows)
        return list(rows.values())

    def upsert(
        self,
        model: type[models.Model],
        record: Record,
        values: dict[str, Any],
        relations: dict[str, list[Any]],
        existing: dict[Any, Any],
    ) -> Any:
        from .services import upsert_record

        pk = seed_id(record.kind, record.key)
        try:
            result = upsert_record(
                model,
                values,
                instance=existing.get(pk),
                pk=pk,
                relations=relations,
                reason=SEED_REASON,
            )
        except ValidationError as error:
            raise SeedError(f"{record.label}: {_messages(error)}") from None
        self.status[result.status] += 1
        return result.record


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _existing(model: type[models.Model], records: list[Record]) -> dict[Any, Any]:
    return model._default_manager.in_bulk([seed_id(r.kind, r.key) for r in records])


def _in_parent_order(actors: list[Record]) -> list[Record]:
    by_key = {a.key: a for a in actors}
    ordered: list[Record] = []
    placed: set[str] = set()

    def place(actor: Record) -> None:
        if actor.key in placed:
            return
        if parent := actor.refs.get("parent"):
            place(by_key[parent])
        placed.add(actor.key)
        ordered.append(actor)

    for actor in actors:
        place(actor)
    return ordered


def _write(actors: list[Record], situations: list[Record], writer: _Writer) -> Counter:
    from .services import delete_record, save_engagement_partner

    counts: Counter = Counter()
    saved_actors: dict[str, Actor] = {}
    existing = _existing(Actor, actors)
    for record in _in_parent_order(actors):
        values = {
            "name": record.values["name"],
            "acronym": record.values.get("acronym", ""),
            "kind": record.values["kind"],
            "parent": saved_actors.get(record.refs.get("parent", "")),
            "country": record.values.get("country", ""),
            "description": record.values.get("description", ""),
        }
        relations = {"citations": writer.cites(record)}
        saved_actors[record.key] = writer.upsert(Actor, record, values, relations, existing)
        counts["actors"] += 1

    existing = _existing(Situation, situations)
    indicators = [i for s in situations for i in s.children["indicators"]]
    existing_indicators = _existing(WarningIndicator, indicators)
    engagements = [
        e for s in situations for e in s.children["engagements"] if e.values["started"] is not None
    ]
    counts["held_back"] = sum(len(s.children["engagements"]) for s in situations) - len(engagements)
    existing_engagements = _existing(Engagement, engagements)
    assessments = [a for e in engagements for a in e.children["assessments"]]
    existing_assessments = _existing(Assessment, assessments)
    elements = {e.code: e for e in SuccessElement.objects.all()}
    stored_partners: dict[Any, dict[Any, EngagementPartner]] = {}
    for partner in EngagementPartner.objects.filter(
        engagement_id__in=[seed_id("engagement", e.key) for e in engagements]
    ):
        stored_partners.setdefault(partner.engagement_id, {})[partner.actor_id] = partner

    for record in situations:
        v = record.values
        values = {
            "title": v["title"],
            "slug": record.key,
            "countries": v.get("countries", []),
            "region": v["region"],
            "subregion": v.get("subregion", ""),
            "crisis_type": v["crisis_type"],
            "conflict_stage": v["conflict_stage"],
            "status": v["status"],
            "risk_level": v["risk_level"],
            "sharing": v.get("sharing", SharingLevel.CLEAR),  # the report is public
            "summary": v["summary"],
        }
        relations = {"citations": writer.cites(record), "shared_with": []}
        situation = writer.upsert(Situation, record, values, relations, existing)
        counts["situations"] += 1

        for child in record.children["indicators"]:
            cv = child.values
            observed: PartialDate = cv["observed"]
            values = {
                "situation": situation,
                "category": cv["category"],
                "severity": cv["severity"],
                "description": cv["description"],
                "observed_on": observed.start,
                "observed_precision": observed.precision,
                "reported_by": saved_actors.get(child.refs.get("reported_by", "")),
                "threshold_moment": cv.get("threshold_moment", False),
                "source": cv.get("source") or _source(child),
            }
            relations = {"citations": writer.cites(child)}
            writer.upsert(WarningIndicator, child, values, relations, existing_indicators)
            counts["indicators"] += 1

        for child in record.children["engagements"]:
            cv = child.values
            started: PartialDate | None = cv["started"]
            if started is None:
                continue
            ended: PartialDate | None = cv.get("ended")
            values = {
                "situation": situation,
                "title": cv["title"],
                "instrument": cv["instrument"],
                "track": cv["track"],
                "lead_actor": saved_actors[child.refs["lead"]],
                "started_on": started.start,
                "started_precision": started.precision,
                "ended_on": ended.start if ended else None,
                "ended_precision": ended.precision if ended else DatePrecision.DAY,
                "objective": cv["objective"],
                "outcome": cv["outcome"],
            }
            partners = child.children["partners"]
            # A partner's role has no citations of its own: its paragraphs join the engagement's.
            relations = {"citations": writer.cites(child, *partners)}
            engagement = writer.upsert(Engagement, child, values, relations, existing_engagements)
            counts["engagements"] += 1

            stored = stored_partners.get(engagement.pk, {})
            for partner_record in partners:
                actor = saved_actors[partner_record.refs["actor"]]
                role = partner_record.values["role"]
                row = stored.pop(actor.pk, None)
                if row is None:
                    row = EngagementPartner(
                        pk=seed_id("partner", partner_record.key),
                        engagement=engagement,
                        actor=actor,
                        role=role,
                    )
                    status = "created"
                elif row.role != role:
                    row.role = role
                    status = "updated"
                else:
                    status = "unchanged"
                if status != "unchanged":
                    row._change_reason = SEED_REASON
                    try:
                        save_engagement_partner(row)
                    except ValidationError as error:
                        raise SeedError(f"{partner_record.label}: {_messages(error)}") from None
                writer.status[status] += 1
                counts["partner_roles"] += 1
            for row in stored.values():  # partners the seed no longer lists
                row._change_reason = SEED_REASON
                delete_record(row)
                writer.status["removed"] += 1

            for assessment_record in child.children["assessments"]:
                av = assessment_record.values
                values = {
                    "engagement": engagement,
                    "element": elements[av["element"]],
                    "rating": av["rating"],
                    "evidence": av["evidence"],
                }
                relations = {"citations": writer.cites(assessment_record)}
                writer.upsert(
                    Assessment, assessment_record, values, relations, existing_assessments
                )
                counts["assessments"] += 1
    return counts


def _source(record: Record) -> str:
    paragraphs = [c.number for c in record.cites if c.kind == ParagraphKind.PARAGRAPH]
    footnotes = [c.number for c in record.cites if c.kind == ParagraphKind.FOOTNOTE]
    parts = []
    if paragraphs:
        word = "para." if len(paragraphs) == 1 else "paras."
        parts.append(f"{word} {', '.join(map(str, sorted(paragraphs)))}")
    if footnotes:
        word = "footnote" if len(footnotes) == 1 else "footnotes"
        parts.append(f"{word} {', '.join(map(str, sorted(footnotes)))}")
    return f"{record.document}, {'; '.join(parts)}"


def _one_line(problems: list[str]) -> str:
    shown = problems[:5]
    more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{len(problems)} {noun} in the seed data: {'; '.join(shown)}{more}"


def load_seed(directory: Path = SEED_DIR) -> SeedSummary:
    """Load every ``*.yaml`` file of ``directory`` in one transaction; raise ``SeedError``."""
    reader = _Reader()
    reader.read_directory(Path(directory))
    problems = reader.problems or _check_structure(reader.actors, reader.situations)
    if problems:
        raise SeedError(_one_line(problems))
    records = [*reader.actors, *_walk(reader.situations)]
    with transaction.atomic():
        documents = _ensure_documents({r.document for r in records})
        citations, problems = _resolve_citations(records, documents)
        if problems:
            raise SeedError(_one_line(problems))
        missing = {a.values["element"] for a in records if a.kind == "assessment"} - set(
            SuccessElement.objects.values_list("code", flat=True)
        )
        if missing:
            raise SeedError(
                f"success elements {', '.join(sorted(missing))} are not in the database; "
                "run manage.py migrate"
            )
        writer = _Writer(citations)
        counts = _write(reader.actors, reader.situations, writer)
    return SeedSummary(
        situations=counts["situations"],
        actors=counts["actors"],
        engagements=counts["engagements"],
        partner_roles=counts["partner_roles"],
        indicators=counts["indicators"],
        assessments=counts["assessments"],
        citations=writer.links,
        held_back=counts["held_back"],
        created=writer.status["created"],
        updated=writer.status["updated"],
        unchanged=writer.status["unchanged"],
        removed=writer.status["removed"],
    )
