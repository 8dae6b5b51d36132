"""Checking the records read: keys, references, and each citation against the report's words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..models import Document, Paragraph, SuccessElement
from ..report_parser import ReportError
from ..services import fill_issue_date, import_report
from .records import BUNDLED_REPORTS, Record, SeedError, letters, walk


def check_structure(actors: list[Record], situations: list[Record]) -> list[str]:
    """Unique keys, known references, no cycle among parents, no lead listed as its own partner.

    Fills each record's ``refs`` with the actor keys it points at.
    """
    problems: list[str] = []
    keys: dict[str, Counter] = {}
    for record in [*actors, *walk(situations)]:
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
    for record in walk(situations):
        if record.kind == "indicator":
            ref(record, "reported_by")
        elif record.kind == "engagement":
            ref(record, "lead")
        elif record.kind == "partner":
            ref(record, "actor")
            if record.values["actor"] == record.parent.values["lead"]:
                problems.append(f"{record.label}: the lead actor cannot also be a partner")
    # A sign an engagement answers is one of its own situation's (the service's rule too).
    sign_situation = {
        sign.key: situation.key
        for situation in situations
        for sign in situation.children["indicators"]
    }
    for record in walk(situations):
        if record.kind != "answer":
            continue
        sign, own = record.values["sign"], record.parent.parent.key
        if sign not in sign_situation:
            problems.append(f"{record.label}: {sign!r} is not a warning sign key")
        elif sign_situation[sign] != own:
            problems.append(
                f"{record.label}: the sign is situation {sign_situation[sign]!r}'s; an "
                f"engagement answers warning signs of its own situation ({own!r}) only"
            )
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


def ensure_documents(symbols: set[str]) -> dict[str, Document]:
    """The cited reports, importing a bundled one that is not in the database yet, with its issue
    date (the seed's situations are measured as of it)."""
    documents = {d.symbol: d for d in Document.objects.filter(symbol__in=symbols)}
    try:
        for symbol, document in documents.items():
            # Imported before its issue date was recorded beside it: set it now (once).
            if symbol in BUNDLED_REPORTS:
                fill_issue_date(document, BUNDLED_REPORTS[symbol][0].parent)
        for symbol in sorted(symbols - set(documents)):
            paths = BUNDLED_REPORTS.get(symbol)
            if not paths:
                raise SeedError(
                    f"the seed cites {symbol}, which is not in the database; import it first "
                    "with: manage.py import_report PATH"
                )
            for path in paths:
                documents[symbol] = import_report(path)
    except ReportError as error:
        raise SeedError(str(error)) from None
    return documents


def resolve_citations(
    records: Iterable[Record], documents: dict[str, Document]
) -> tuple[dict[int, list[Paragraph]], list[str]]:
    """Each record's Paragraph rows (by ``id(record)``), after checking each cited paragraph
    exists and holds the words quoted for it."""
    paragraphs = {
        (p.document.symbol, p.kind, p.number): p
        for p in Paragraph.objects.filter(document__in=documents.values()).select_related(
            "document"
        )
    }
    texts = {key: letters(p.text) for key, p in paragraphs.items()}
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
            elif letters(cite.quote) not in texts[key]:
                problems.append(
                    f"{record.label}: {record.document} {cite} does not say {cite.quote!r}"
                )
            else:
                rows.append(paragraphs[key])
        resolved[id(record)] = rows
    return resolved, problems


def check_elements(records: Iterable[Record]) -> None:
    wanted = {r.values["element"] for r in records if r.kind == "assessment"}
    missing = wanted - set(SuccessElement.objects.values_list("code", flat=True))
    if missing:
        raise SeedError(
            f"success elements {', '.join(sorted(missing))} are not in the database; "
            "run manage.py migrate"
        )
