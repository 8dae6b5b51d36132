"""``load_seed``: read, check and write the seed files in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .checking import check_elements, check_structure, ensure_documents, resolve_citations
from .reading import Reader
from .records import SEED_DIR, SeedError, walk
from .writing import Writer, write


@dataclass(frozen=True)
class SeedSummary:
    """Records of the files and what loading did to the rows."""

    situations: int
    actors: int
    engagements: int
    partner_roles: int
    indicators: int
    assessments: int
    citations: int  # citation links the files give the records loaded
    answers: int  # links from an engagement to a warning sign it answers, as the report says
    status_dates: int  # situations whose closing or de-escalation the report dates
    undated: int  # engagements loaded without a start date: the report gives none
    created: int
    updated: int
    unchanged: int
    kept: int  # rows changed or deleted by someone since the seed wrote them, left so
    removed: int  # partner roles the files no longer list

    def describe(self) -> str:
        return (
            f"{self.situations} situations, {self.actors} actors, {self.engagements} engagements, "
            f"{self.partner_roles} partner roles, {self.indicators} indicators, "
            f"{self.assessments} assessments, {self.citations} citations, "
            f"{self.answers} answers linked to their warning signs, "
            f"{self.status_dates} status dates"
        )


def _one_line(problems: list[str]) -> str:
    shown = problems[:5]
    more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{len(problems)} {noun} in the seed data: {'; '.join(shown)}{more}"


def load_seed(directory: Path = SEED_DIR, *, reset: bool = False) -> SeedSummary:
    """Load every ``*.yaml`` file of ``directory`` in one transaction.

    Rows someone changed or deleted since the seed wrote them are kept unless ``reset``. Raises
    ``SeedError`` (one line, naming the record) and writes nothing when anything is wrong.
    """
    reader = Reader()
    reader.read_directory(Path(directory))
    problems = reader.problems or check_structure(reader.actors, reader.situations)
    if problems:
        raise SeedError(_one_line(problems))
    records = [*reader.actors, *walk(reader.situations)]
    with transaction.atomic():
        documents = ensure_documents({r.document for r in records})
        citations, problems = resolve_citations(records, documents)
        if problems:
            raise SeedError(_one_line(problems))
        check_elements(records)
        writer = Writer(citations, documents, reset=reset)
        write(reader.actors, reader.situations, writer)
    counts, status = writer.counts, writer.status
    return SeedSummary(
        situations=counts["situation"],
        actors=counts["actor"],
        engagements=counts["engagement"],
        partner_roles=counts["partner"],
        indicators=counts["indicator"],
        assessments=counts["assessment"],
        citations=writer.links,
        answers=sum(1 for r in records if r.kind == "answer"),
        status_dates=sum(1 for r in records if r.kind == "status"),
        undated=counts["undated"],
        created=status["created"],
        updated=status["updated"],
        unchanged=status["unchanged"],
        kept=status["kept"],
        removed=status["removed"],
    )
