"""Read a UN report, in either rendering we receive, into its numbered paragraphs and footnotes.

Pure parsing: no database. Two renderings of the same report are known:

* the **PDF text** — line-wrapped, with page furniture (the document symbol, page numbers next
  to the job number), footnotes at page bottoms below a ``__________________`` separator and
  footnote markers glued to the word they annotate (``actors.1``);
* the **one-line text** — the whole body on a single line, preceded by a ``%%%A|B|C|`` header
  listing the subject terms; footnotes are gone but some markers remain (``14 years.10 By``).

Both must give the same paragraphs, so the text is brought to one canonical form: markers
removed, whitespace collapsed, straight quotes, ``--`` written as an em dash.

Neither rendering carries the cover page's date line: the issue date is read from a metadata
file beside the report (``S-2011-552.document.yaml``), which names where the date comes from.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PDF = "pdf"
ONE_LINE = "one-line"


class ReportError(ValueError):
    """The file cannot be imported; the message is one line meant for the user."""


@dataclass(frozen=True)
class ReportParagraph:
    number: int
    text: str
    chapter: str = ""
    section: str = ""


@dataclass(frozen=True)
class ReportFootnote:
    number: int
    text: str


@dataclass
class ParsedReport:
    symbol: str
    title: str
    rendering: str
    job_number: str = ""
    subject_terms: list[str] = field(default_factory=list)
    paragraphs: list[ReportParagraph] = field(default_factory=list)
    footnotes: list[ReportFootnote] = field(default_factory=list)
    # From the metadata file beside the report (``metadata_path``): no rendering carries it.
    issued_on: dt.date | None = None


# --- canonical text ---------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'"})


def normalise_text(text: str) -> str:
    """One spelling for what the renderings write differently (quotes, dashes, spacing)."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "").translate(_QUOTES)
    text = re.sub(r"\s*--\s*", " — ", text)
    return re.sub(r"\s+", " ", text).strip()


def join_lines(lines: list[str]) -> str:
    """Unwrap PDF lines; a line ending in a hyphen, slash or underscore runs on without a space.

    The PDF keeps real hyphens at line ends (``burden-`` / ``sharing``), so the hyphen stays.
    """
    text = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        glue = "" if not text or text.endswith(("-", "/", "_")) else " "
        text += glue + line
    return text


# A footnote marker is a number glued to the word or punctuation it annotates. After a digit and
# a full stop or comma ("16.9 While") it could be a decimal, so that form needs the footnotes'
# order to tell: it counts only as the next footnote not referred to yet.
_MARKER = re.compile(
    r"""(?:
        (?<=[^\W\d_])                        # glued to a letter: Conference3
      | (?<=[^\s\d][.,;:!?"')\]])            # or to punctuation after a word: actors.1
      | (?P<after_digit>(?<=\d[.,]))          # or after a figure: 16.9
    )(?P<number>\d{1,3})(?=\s|$)""",
    re.VERBOSE,
)


def strip_markers(texts: list[str], footnote_numbers: set[int] | None) -> list[str]:
    """Remove footnote markers from consecutive texts (paragraph order matters).

    ``footnote_numbers`` are the footnotes the rendering carries; ``None`` when it carries none
    (the one-line text), in which case only unambiguous markers are removed.
    """
    next_new = 1

    def drop(match: re.Match[str]) -> str:
        nonlocal next_new
        number = int(match["number"])
        if footnote_numbers is None:
            keep = match["after_digit"] is not None
        elif match["after_digit"] is not None:
            keep = number != next_new or number not in footnote_numbers
        else:
            keep = number not in footnote_numbers
        if keep:
            return match[0]
        next_new = max(next_new, number + 1)
        return ""

    return [normalise_text(_MARKER.sub(drop, text)) for text in texts]


# --- headings ---------------------------------------------------------------------------------

_ENUMERATED = re.compile(r"^(?P<label>[IVXLC]{1,5}|[A-Z])\.\s+(?P<title>\S.*)$")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _roman(label: str) -> int | None:
    if not re.fullmatch(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})", label):
        return None
    values = [_ROMAN[c] for c in label]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


class _Outline:
    """Chapter (I., II., …), lettered section (A., B., …) and sub-head currently in force.

    "C." and "V." could be a letter or a numeral; the one that continues the sequence wins.
    The innermost heading is the paragraph's section.
    """

    def __init__(self) -> None:
        self.chapter = ""
        self.section = ""
        self.chapter_number = 0
        self.section_letter = ""

    def heading(self, text: str) -> None:
        text = normalise_text(text)
        match = _ENUMERATED.match(text)
        if not match:
            self.section = text
            return
        label, title = match["label"], match["title"]
        heading = f"{label}. {title}"
        next_letter = chr(ord(self.section_letter) + 1) if self.section_letter else "A"
        number = _roman(label)
        if label == next_letter or number is None:
            self.section, self.section_letter = heading, label
        else:
            self.chapter, self.chapter_number = heading, number
            self.section, self.section_letter = "", ""


# --- the PDF rendering --------------------------------------------------------------------------

_SYMBOL = r"[A-Z]{1,2}(?:/[A-Z][A-Za-z.]*)*(?:/\d[\dA-Za-z.]*)+"
_JOB = r"\d{2}-\d{5}"
_FURNITURE = [
    re.compile(rf"^(?P<symbol>{_SYMBOL})$"),  # running head
    re.compile(rf"^(?P<job>{_JOB})(?:\s*\(E\))?(?:\s+\d{{1,3}})?(?:\s+\d{{6}})?$"),  # page foot
    re.compile(rf"^\d{{1,3}}\s+(?P<job>{_JOB})$"),
    re.compile(r"^\*\d{7}\*$"),  # bar code
    re.compile(r"^\d{1,3}$"),  # bare page number
]
_SEPARATOR = re.compile(r"^_{5,}$")
_FOOTNOTE_START = re.compile(r"^\s+(?P<number>\d{1,3}|\*+)\s+(?P<text>\S.*)$")
_PARAGRAPH_START = re.compile(r"^\s*(?P<number>\d{1,3})\.\s+(?P<text>\S.*)$")
_DOCUMENT_KIND = re.compile(r"^(?:Report|Note|Letter)\b")


def _furniture(line: str) -> re.Match[str] | None:
    stripped = line.strip()
    return next((m for pattern in _FURNITURE if (m := pattern.match(stripped))), None)


def _is_heading(line: str, next_line: str) -> bool:
    """An indented short line standing alone, not ending a sentence."""
    text = line.strip()
    return (
        line[:1].isspace()
        and not next_line.strip()
        and len(text) <= 150
        and not text.endswith((".", ",", ";", ":"))
        and (text[:1].isupper())
    )


def _parse_pdf(text: str) -> ParsedReport:
    symbols: list[str] = []
    jobs: list[str] = []
    lines: list[str] = []
    for line in text.splitlines():
        match = _furniture(line)
        if match is None:
            lines.append(line.rstrip())
            continue
        found = match.groupdict()
        if found.get("symbol"):
            symbols.append(found["symbol"])
        if found.get("job"):
            jobs.append(found["job"])
        lines.append("")  # furniture sits between blocks, never inside a sentence

    preface: list[str] = []
    blocks: dict[int, list[str]] = {}
    outlines: dict[int, tuple[str, str]] = {}
    notes: dict[int, list[str]] = {}
    outline = _Outline()
    paragraph = 0
    footnote: list[str] | None = None  # the footnote being read, when below a separator
    in_footnotes = False
    previous_blank = True
    for index, line in enumerate(lines):
        blank = not line.strip()
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _SEPARATOR.match(line.strip()):
            in_footnotes, footnote = True, None
        elif blank:
            pass
        elif (
            in_footnotes
            and (entry := _FOOTNOTE_START.match(line))
            and (entry["number"].startswith("*") or int(entry["number"]) == len(notes) + 1)
        ):
            footnote = [entry["text"]]
            if not entry["number"].startswith("*"):  # an unnumbered (*) note belongs to no one
                notes[int(entry["number"])] = footnote
        elif (
            in_footnotes and footnote is not None and not line[:1].isspace() and not previous_blank
        ):
            footnote.append(line)
        else:
            # Anything else is the body again: the page under the footnotes has begun.
            in_footnotes, footnote = False, None
            start = _PARAGRAPH_START.match(line)
            if start and int(start["number"]) == paragraph + 1:
                paragraph += 1
                blocks[paragraph] = [start["text"]]
                outlines[paragraph] = (outline.chapter, outline.section)
            elif _is_heading(line, following) and (paragraph or _ENUMERATED.match(line.strip())):
                outline.heading(line)  # before paragraph 1 only "I. Introduction" counts
            elif paragraph:
                blocks[paragraph].append(line)
            else:
                preface.append(line)
        previous_blank = blank

    numbers = sorted(notes)
    texts = strip_markers([join_lines(blocks[n]) for n in sorted(blocks)], set(numbers) or None)
    return ParsedReport(
        symbol=symbols[0] if symbols else "",
        title=_pdf_title(preface),
        rendering=PDF,
        job_number=jobs[0] if jobs else "",
        paragraphs=[
            ReportParagraph(n, t, *outlines[n]) for n, t in zip(sorted(blocks), texts, strict=True)
        ],
        footnotes=[ReportFootnote(n, normalise_text(join_lines(notes[n]))) for n in numbers],
    )


def _pdf_title(preface: list[str]) -> str:
    """The lines above "Report of …" / "Note by …"; else the first line."""
    lines = [line.strip() for line in preface if line.strip()]
    kind = next((i for i, line in enumerate(lines) if _DOCUMENT_KIND.match(line)), None)
    return normalise_text(" ".join(lines[:kind] if kind else lines[:1]))


# --- the one-line rendering -------------------------------------------------------------------

# What may stand between the end of one paragraph and the number of the next: nothing, or
# headings ("II. The changing landscape", "A. Key actors, tools and instruments General
# Assembly"). A heading is short and carries no figures, which is what tells "… dropped, from 21
# to 16. While …" (inside paragraph 7) from the start of paragraph 16.
_HEADING_TEXT = r"[A-Z][^.!?\d]{0,150}?"
_HEADS = re.compile(
    rf"""["')\]]*\s*  # what closes the sentence before
    (?P<heads>(?:(?:[IVXLC]{{1,5}}|[A-Z])\.\s+)?{_HEADING_TEXT}
      (?:\s+(?:[IVXLC]{{1,5}}|[A-Z])\.\s+{_HEADING_TEXT})*)?\s*""",
    re.VERBOSE,
)


def _tail(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The headings that close ``text[start:end]`` and how far back they begin, or None when
    that text ends mid-sentence.

    They follow one of the last few sentence ends (the enumerators "II." and "A." end in a full
    stop too); looking no further back keeps a long one-line file that is not a report from
    costing quadratic time.
    """
    reach = max(start, end - 800)
    boundaries: list[int] = []
    cut = end
    while len(boundaries) < 5 and (cut := max(text.rfind(c, reach, cut) for c in ".!?")) >= 0:
        boundaries.insert(0, cut + 1)
    if len(boundaries) < 5 and reach == start:
        boundaries.insert(0, start)
    for boundary in boundaries:
        if match := _HEADS.fullmatch(text, boundary, end):
            heads = match["heads"] or ""
            return heads, (end - match.start("heads")) if heads else 0
    return None


_SPLIT_HEADS = re.compile(r"\s+(?=(?:[IVXLC]{1,5}|[A-Z])\.\s)")
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "without",
        "between",
        "among",
    ]
)


def _split_subhead(heading: str) -> list[str]:
    """Part a heading from the sub-head run onto it ("… instruments General Assembly").

    The sub-head starts at a capitalised word following a lower-case word that is not a
    function word: "Key actors, tools and instruments | General Assembly", while "Good offices
    of the Secretary-General" and "United Nations country teams" stay whole.
    """
    words = heading.split(" ")
    for i in range(2, len(words)):
        before = words[i - 1].strip(",;:")
        if (
            words[i][:1].isupper()
            and before[:1].islower()
            and before.lower() not in _FUNCTION_WORDS
        ):
            return [" ".join(words[:i]), " ".join(words[i:])]
    return [heading]


def _headings(heads: str) -> list[str]:
    return [part for head in _SPLIT_HEADS.split(heads) for part in _split_subhead(head)]


def _parse_one_line(body: str) -> ParsedReport:
    body = normalise_text(body)
    # (number, where the headings above it begin, where its text begins, the headings)
    starts: list[tuple[int, int, int, str]] = []
    position = 0
    while True:
        number = len(starts) + 1
        candidates = re.compile(rf"(?:^|(?<=\s)){number}\.\s+(?=\S)")
        for match in candidates.finditer(body, position):
            tail = _tail(body, position, match.start())
            if tail:
                break
        else:
            break
        heads, back = tail
        starts.append((number, match.start() - back, match.end(), heads))
        position = match.end()

    outline = _Outline()
    raw: list[tuple[int, str, str, str]] = []
    for i, (number, _, begin, heads) in enumerate(starts):
        for heading in _headings(heads) if heads else []:
            outline.heading(heading)
        end = starts[i + 1][1] if i + 1 < len(starts) else len(body)
        raw.append((number, body[begin:end], outline.chapter, outline.section))

    texts = strip_markers([text for _, text, _, _ in raw], None)
    title_match = re.match(r"(?P<title>.{3,300}?)\s+(?:Report|Note|Letter) (?:of|by|dated)\b", body)
    return ParsedReport(
        symbol="",
        title=title_match["title"] if title_match else "",
        rendering=ONE_LINE,
        paragraphs=[
            ReportParagraph(number, text, chapter, section)
            for (number, _, chapter, section), text in zip(raw, texts, strict=True)
        ],
    )


# --- entry points -----------------------------------------------------------------------------


def symbol_from_filename(path: Path) -> str:
    """UN file names write the symbol's slashes as hyphens: ``S-2011-552.pdf`` is S/2011/552."""
    stem = path.name.split(".", 1)[0]
    if re.fullmatch(r"[A-Z]{1,2}(?:-[A-Z]{2,})*(?:-\d[\dA-Z]*)+", stem):
        return stem.replace("-", "/")
    return ""


def parse_report(text: str) -> ParsedReport:
    """Parse either rendering; the symbol is left empty when the text does not print it."""
    lines = text.splitlines()
    terms: list[str] = []
    if lines and lines[0].startswith("%%%"):
        terms = [term.strip() for term in lines[0][3:].split("|") if term.strip()]
        lines = lines[1:]
    body = [line for line in lines if line.strip()]
    report = _parse_pdf("\n".join(lines)) if len(body) > 1 else _parse_one_line(" ".join(body))
    report.subject_terms = terms
    if not report.paragraphs:
        raise ReportError("not a report: no numbered paragraphs (1., 2., …) found")
    if not report.title:
        raise ReportError("not a report: no title found above the paragraphs")
    return report


def read_report(path: Path, symbol: str | None = None) -> ParsedReport:
    """Read and parse a report file, and settle its symbol.

    The symbol comes from ``symbol`` when given, else from the text (the PDF's running head),
    else from the file name. A ``symbol`` that contradicts the text is refused.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory, not a report file") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise ReportError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        report = parse_report(text)
    except ReportError as error:
        raise ReportError(f"{path}: {error}") from None
    if symbol and report.symbol and symbol != report.symbol:
        raise ReportError(f"{path}: the text is {report.symbol}, not {symbol}")
    report.symbol = symbol or report.symbol or symbol_from_filename(path)
    if not report.symbol:
        raise ReportError(f"{path}: no document symbol in the text or the file name; give one")
    report.issued_on = read_issue_date(path.parent, report.symbol)
    return report


# --- what no rendering carries ------------------------------------------------------------------


def metadata_path(directory: Path, symbol: str) -> Path:
    """The metadata file of ``symbol`` in ``directory``: ``S-2011-552.document.yaml``."""
    return Path(directory) / f"{symbol.replace('/', '-')}.document.yaml"


def read_issue_date(directory: Path, symbol: str) -> dt.date | None:
    """The report's issue date from its metadata file, None when there is no such file.

    Neither rendering we receive prints the cover page's date line, so the date is recorded
    beside the report with the source it was taken from (``symbol``, ``issued_on``, ``source``).
    Raises ``ReportError`` (one line) when the file is there but wrong.
    """
    path = metadata_path(directory, symbol)
    if not path.is_file():
        return None
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ReportError(f"{path.name}: cannot be read ({reason})") from None
    if not isinstance(content, dict):
        raise ReportError(f"{path.name}: must be a mapping with symbol, issued_on and source")
    unknown = sorted(set(content) - {"symbol", "issued_on", "source"})
    if unknown:
        raise ReportError(f"{path.name}: unknown key {unknown[0]!r}")
    if content.get("symbol") != symbol:
        raise ReportError(f"{path.name}: names {content.get('symbol')!r}, not {symbol}")
    issued = content.get("issued_on")
    if not isinstance(issued, dt.date) or isinstance(issued, dt.datetime):
        raise ReportError(f"{path.name}: issued_on must be a date written YYYY-MM-DD")
    source = content.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ReportError(f"{path.name}: say where the issue date comes from (source)")
    return issued
