"""What a record of the seed files is once read, and the names shared by the seed modules."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from ..choices import ParagraphKind

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
# The history's change reason of every row the seed writes; a later entry with another reason
# means someone changed the row since.
SEED_REASON = "Loaded from the seed data drawn from S/2011/552"


class SeedError(Exception):
    """The seed files cannot be loaded; the message is one line and names the record."""


def seed_id(kind: str, key: str) -> uuid.UUID:
    """The primary key of a seeded record: ``kind`` is actor, situation, indicator, engagement,
    partner (key ``<engagement>:<actor>``) or assessment (key ``<engagement>:<element>``)."""
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


@dataclass(frozen=True)
class Cite:
    kind: str
    number: int
    quote: str

    def __str__(self) -> str:
        if self.kind == ParagraphKind.FOOTNOTE:
            return f"footnote {self.number}"
        return f"para. {self.number}"


@dataclass
class Record:
    """One record of the files, its values converted, its references still keys."""

    # actor, situation, indicator, engagement, partner, assessment; "status" (a situation's status
    # date) and "answer" (an engagement's link to a warning sign it answers) cite but are no rows
    kind: str
    key: str
    label: str  # where it is, for messages: "actors.yaml: actor 'dpa'"
    document: str
    values: dict[str, Any]
    cites: list[Cite]
    refs: dict[str, str] = field(default_factory=dict)  # field -> actor key, once checked
    children: dict[str, list[Record]] = field(default_factory=dict)
    parent: Record | None = None

    @property
    def pk(self) -> uuid.UUID:
        return seed_id(self.kind, self.key)


def letters(text: str) -> str:
    """Letters only, lower-case: compares a quotation with either rendering of the report.

    The PDF text hyphenates at line ends ("pre-referendum"), glues footnote markers to words and
    uses typographic quotes; none of that should make a true quotation fail.
    """
    return re.sub(r"[^a-z]", "", text.lower())


def walk(situations: Iterable[Record]) -> Iterable[Record]:
    """Situations and everything under them, parents before children."""
    for situation in situations:
        yield situation
        yield from situation.children.get("status", [])
        yield from situation.children["indicators"]
        for engagement in situation.children["engagements"]:
            yield engagement
            yield from engagement.children["partners"]
            yield from engagement.children["assessments"]
            yield from engagement.children.get("answers", [])
