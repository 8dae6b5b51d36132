"""Reading the seed files: YAML to Records, every field converted and every problem collected."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from django.db import models
from django_countries import countries

from ..choices import (
    CLOCK_STOPPING_STATUSES,
    ActorKind,
    AssessmentRating,
    ConflictStage,
    CrisisType,
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
from ..dates import PartialDate
from .records import DEFAULT_DOCUMENT, Cite, Record, SeedError, letters


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
        if not isinstance(quote, str) or not letters(quote):
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
    # {date: "2010-12", cites: {24: "..."}}: when it was closed or de-escalated, as the report
    # says; the clock stops then. Absent when the report gives no date.
    "status_on": (False, None),
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
    # When the sign reached the desk (the source's report date); absent: not known.
    "reported": (False, _optional_date),
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
    # Required but may be null: the report gives no start date, and the engagement is written
    # with an empty start ("date not given") rather than a guessed one.
    "started": (True, _optional_date),
    "ended": (False, _optional_date),
    "objective": (True, _text),
    "outcome": (True, _choice(Outcome)),
    "cites": (True, _cites),
    "assessments": (False, None),
    # {sign key: {23: "..."}}: the warning signs of its situation the report says it answers.
    "responds_to": (False, None),
}
PARTNER_FIELDS = {
    "actor": (True, _key),
    "role": (True, _choice(PartnerRole)),
    "cites": (True, _cites),
}
STATUS_DATE_FIELDS = {
    "date": (True, _date),
    "cites": (True, _cites),
}
ASSESSMENT_FIELDS = {
    "element": (True, _choice(SuccessElementCode)),
    "rating": (True, _choice(AssessmentRating)),
    "evidence": (True, _text),
    "cites": (True, _cites),
}
FILE_KEYS = {"document", "actors", "situations"}


class Reader:
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
        record.children["status"] = self.status_date(item, record)
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
            engagement.children["answers"] = self.answers(child_item, engagement)
            engagements.append(engagement)
        record.children["engagements"] = engagements
        return record

    def status_date(self, item: dict, situation: Record) -> list[Record]:
        """A situation's ``status_on``: the date it was closed or de-escalated, with the words
        of the report that give it (a record of kind "status" whose citations join the
        situation's)."""
        if "status_on" not in item or item["status_on"] is None:
            return []
        label = f"{situation.label}: status_on"
        value = item["status_on"]
        if not isinstance(value, dict):
            self.fail(
                label,
                "give the date and the words of the report that state it "
                '({date: "2010-12", cites: {24: "..."}})',
            )
            return []
        if situation.values["status"] not in CLOCK_STOPPING_STATUSES:
            allowed = " or ".join(str(s) for s in CLOCK_STOPPING_STATUSES)
            self.fail(label, f"only a situation whose status is {allowed} has a status date")
            return []
        record = self.record(
            "status", value, STATUS_DATE_FIELDS, situation.label, 1, situation.document, "-"
        )
        if record is None:
            return []
        record.key, record.label, record.parent = situation.key, label, situation
        return [record]

    def answers(self, item: dict, engagement: Record) -> list[Record]:
        """An engagement's ``responds_to``: each warning sign it answers, by key, with the words
        of the report that say so (records of kind "answer" whose citations join the
        engagement's)."""
        value = item.get("responds_to")
        if value is None:
            return []
        if not isinstance(value, dict) or not value:
            self.fail(
                engagement.label,
                "responds_to: must map the key of each warning sign this engagement answers to "
                'the words of the report that say so ({sign-key: {23: "..."}})',
            )
            return []
        records = []
        for key, cites in value.items():
            label = f"{engagement.label}: responds_to {key!r}"
            try:
                sign, converted = _key(key), _cites(cites)
            except _Problem as problem:
                self.fail(label, str(problem))
                continue
            records.append(
                Record(
                    kind="answer",
                    key=f"{engagement.key}:{sign}",
                    label=label,
                    document=engagement.document,
                    values={"sign": sign},
                    cites=converted,
                    parent=engagement,
                )
            )
        return records

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
