"""Importing S/2011/552 from its two renderings: the same paragraphs, footnotes kept apart."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases.choices import ParagraphKind
from cases.models import Document, Paragraph
from cases.report_parser import ONE_LINE, PDF, ReportError, parse_report, read_report
from cases.services import import_report, save_document
from tests.factories import DocumentFactory, SituationFactory
from tracker import jobs

REPORTS = Path(settings.BASE_DIR) / "fixtures" / "reports"
PDF_PATH = REPORTS / "S-2011-552.pdf.txt"
CLEAN_PATH = REPORTS / "S-2011-552.clean.txt"


@pytest.fixture(scope="module")
def pdf():
    return read_report(PDF_PATH)


@pytest.fixture(scope="module")
def clean():
    return read_report(CLEAN_PATH)


def words(text: str) -> list[str]:
    """Words with in-word hyphens ignored: the one-line text writes "prereferendum"."""
    return re.sub(r"(?<=\w)-(?=\w)", "", text).split()


# --- parsing ----------------------------------------------------------------------------------


def test_both_renderings_give_the_same_72_paragraphs(pdf, clean):
    assert (pdf.rendering, clean.rendering) == (PDF, ONE_LINE)
    assert [p.number for p in pdf.paragraphs] == list(range(1, 73))
    assert [p.number for p in clean.paragraphs] == list(range(1, 73))
    for from_pdf, from_clean in zip(pdf.paragraphs, clean.paragraphs, strict=True):
        assert words(from_pdf.text) == words(from_clean.text), from_pdf.number
    # Beyond hyphenation the texts are identical: markers gone, quotes and dashes one style.
    pairs = zip(pdf.paragraphs, clean.paragraphs, strict=True)
    differing = [
        from_pdf.number for from_pdf, from_clean in pairs if from_pdf.text != from_clean.text
    ]
    assert differing == [30]
    assert "monitored the pre-referendum atmosphere" in pdf.paragraphs[29].text
    assert "monitored the prereferendum atmosphere" in clean.paragraphs[29].text


@pytest.mark.parametrize("rendering", ["pdf", "clean"])
def test_paragraph_texts_read_as_in_the_report(rendering, request):
    paragraphs = {p.number: p.text for p in request.getfixturevalue(rendering).paragraphs}
    assert "warning-to-action continuum" in paragraphs[47]
    assert "early warning is useful only if it leads to early action" in paragraphs[66]
    assert paragraphs[1].startswith("Preventive diplomacy has been an enduring idea")
    assert paragraphs[72].endswith("one of the smartest investments we can make.")
    # The one-line text writes -- where the PDF has an em dash.
    assert "coupled with the recognition — all the more acute" in paragraphs[2]
    # Footnote markers are gone, whatever they were glued to ("occur”.1", "Conference3",
    # "16.9 While", "14 years.10 By contrast") and the figures of the text stay.
    assert 'when they occur". Preventive diplomacy remains' in paragraphs[1]
    assert "Organization of the Islamic Conference (OIC)" in paragraphs[5]
    assert (
        "early warning systems and targeted funding mechanisms for rapid response, the"
        in (paragraphs[6])
    )
    assert "also dropped, from 21 to 16. While a number of factors" in paragraphs[7]
    assert "an average of 14 years. By contrast, prevention" in paragraphs[8]
    assert "Pursuant to Articles 10 and 11 of the Charter" in paragraphs[10]
    assert "budget of less than $8 million per year." in paragraphs[8]


def test_the_pdf_footnotes_are_collected_apart_from_the_paragraphs(pdf):
    assert [f.number for f in pdf.footnotes] == list(range(1, 19))
    notes = {f.number: f.text for f in pdf.footnotes}
    assert notes[1] == (
        'See "An agenda for peace: preventive diplomacy, peacemaking and peace-keeping" '
        "(A/47/277-S/24111), 17 June 1992."
    )
    assert "19228_UCDP_PRIO_ArmedConflictDataset_V4_2010.xls" in notes[9]
    assert notes[18].endswith("(S/2009/189, para. 62 (f)).")
    body = " ".join(p.text for p in pdf.paragraphs)
    for note in notes.values():
        assert note[:40] not in body
    # No page furniture and no separator either.
    assert "11-48261" not in body
    assert "S/2011/552" not in body
    assert "___" not in body


def test_a_paragraph_broken_by_page_furniture_and_footnotes_is_joined():
    text = (
        "   A test report \n\n  Report of the Secretary-General \n\n  I. Introduction \n \n"
        "1. The first paragraph runs over a page.1 It \n"
        "continues here \n\n__________________ \n\n"
        " 1  A footnote that runs \non two lines. \n"
        "\n16 11-48261 \n\nS/2099/7 \n \n"
        " on the next page and ends. \n\n"
        "2. A second paragraph breaks a word: burden-\nsharing, and ends. \n"
        "\n11-48261 17\n"
    )
    report = parse_report(text)
    assert (report.symbol, report.job_number, report.title) == (
        "S/2099/7",
        "11-48261",
        "A test report",
    )
    assert [(p.number, p.chapter, p.text) for p in report.paragraphs] == [
        (
            1,
            "I. Introduction",
            "The first paragraph runs over a page. It continues here on the next page and ends.",
        ),
        (2, "I. Introduction", "A second paragraph breaks a word: burden-sharing, and ends."),
    ]
    assert [(f.number, f.text) for f in report.footnotes] == [
        (1, "A footnote that runs on two lines.")
    ]


@pytest.mark.parametrize("rendering", ["pdf", "clean"])
def test_paragraphs_sit_under_their_chapter_and_section(rendering, request):
    outline = {
        p.number: (p.chapter, p.section) for p in request.getfixturevalue(rendering).paragraphs
    }
    challenges = "IV. Key challenges and elements for success"
    ground = "III. Making a difference on the ground"
    assert outline[4] == ("II. The changing landscape", "")
    assert outline[9] == (ground, "")
    assert outline[10] == (ground, "General Assembly")
    assert outline[16] == (ground, "Good offices of the Secretary-General")
    assert outline[33] == (ground, "United Nations country teams")
    assert outline[35] == (ground, "B. New areas of focus")
    assert outline[36] == (ground, "Response to unconstitutional changes of government")
    assert outline[43] == (challenges, "")
    assert outline[44] == (challenges, "A. Early warning")
    assert outline[47] == (challenges, "A. Early warning")
    assert outline[51] == (challenges, "C. Partnerships")
    assert outline[64] == (challenges, "F. Resources")
    assert outline[65] == ("V. Observations and thoughts on the way forward", "")


def test_headings_agree_between_renderings_except_the_dropped_introduction(pdf, clean):
    pdf_outline = [(p.chapter, p.section) for p in pdf.paragraphs]
    clean_outline = [(p.chapter, p.section) for p in clean.paragraphs]
    assert pdf_outline[3:] == clean_outline[3:]
    # The one-line text has lost the heading "I. Introduction"; nothing is invented for it.
    assert pdf_outline[:3] == [("I. Introduction", "")] * 3
    assert clean_outline[:3] == [("", "")] * 3


def test_symbol_title_job_number_and_subject_terms(pdf, clean):
    assert (pdf.symbol, pdf.title, pdf.job_number) == (
        "S/2011/552",
        "Preventive diplomacy: Delivering results",
        "11-48261",
    )
    assert pdf.subject_terms == []
    # The one-line text does not print its symbol: it comes from the file name.
    assert (clean.symbol, clean.title, clean.job_number) == (
        "S/2011/552",
        "Preventive diplomacy: Delivering results",
        "",
    )
    assert len(clean.subject_terms) == 9
    assert clean.subject_terms[:3] == [
        "PREVENTIVE DIPLOMACY",
        "GOOD OFFICES",
        "EARLY WARNING SYSTEMS",
    ]
    assert clean.footnotes == []


def test_the_symbol_is_given_when_neither_text_nor_file_name_has_it(tmp_path):
    copy = tmp_path / "report.txt"
    copy.write_text(CLEAN_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ReportError, match="no document symbol"):
        read_report(copy)
    assert read_report(copy, "S/2011/552").symbol == "S/2011/552"
    with pytest.raises(ReportError, match="the text is S/2011/552, not S/2011/553"):
        read_report(PDF_PATH, "S/2011/553")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "no numbered paragraphs"),
        (b"myhost\n", "no numbered paragraphs"),
        (
            b"Some notes\n\nAbout nothing in particular.\nNo numbers here.\n",
            "no numbered paragraphs",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a UTF-8 text file"),
    ],
)
def test_a_file_that_is_not_a_report_is_refused_in_one_line(tmp_path, content, reason):
    path = tmp_path / "S-2011-552.txt"
    path.write_bytes(content)
    with pytest.raises(ReportError, match=reason) as error:
        read_report(path)
    assert "\n" not in str(error.value)


# --- importing --------------------------------------------------------------------------------


def _rows(document: Document) -> dict[tuple[str, int], tuple]:
    return {
        (p.kind, p.number): (p.pk, p.chapter, p.section, p.text)
        for p in Paragraph.objects.filter(document=document)
    }


@pytest.mark.django_db
def test_importing_both_renderings_keeps_terms_footnotes_and_headings():
    import_report(CLEAN_PATH)
    document = import_report(PDF_PATH)
    assert Document.objects.count() == 1
    document.refresh_from_db()
    assert document.symbol == "S/2011/552"
    assert document.title == "Preventive diplomacy: Delivering results"
    assert document.job_number == "11-48261"
    assert len(document.subject_terms) == 9
    assert "EARLY WARNING SYSTEMS" in document.subject_terms
    assert document.paragraphs.filter(kind=ParagraphKind.PARAGRAPH).count() == 72
    assert document.paragraphs.filter(kind=ParagraphKind.FOOTNOTE).count() == 18
    para_44 = document.paragraphs.get(kind=ParagraphKind.PARAGRAPH, number=44)
    assert (para_44.chapter, para_44.section) == (
        "IV. Key challenges and elements for success",
        "A. Early warning",
    )
    assert document.paragraphs.get(kind=ParagraphKind.PARAGRAPH, number=51).section == (
        "C. Partnerships"
    )

    # The one-line text again, after the PDF: its lack of footnotes, job number and of the
    # heading "I. Introduction" takes nothing away.
    import_report(CLEAN_PATH)
    document.refresh_from_db()
    assert document.job_number == "11-48261"
    assert document.paragraphs.filter(kind=ParagraphKind.FOOTNOTE).count() == 18
    assert document.paragraphs.get(kind=ParagraphKind.PARAGRAPH, number=1).chapter == (
        "I. Introduction"
    )
    assert "prereferendum" in document.paragraphs.get(kind=ParagraphKind.PARAGRAPH, number=30).text


@pytest.mark.django_db
def test_importing_the_pdf_after_the_clean_text_keeps_the_subject_terms():
    import_report(CLEAN_PATH)
    terms = Document.objects.get().subject_terms
    import_report(PDF_PATH)
    assert Document.objects.get().subject_terms == terms
    assert len(terms) == 9


@pytest.mark.django_db
def test_reimporting_updates_the_same_rows(django_assert_max_num_queries):
    document = import_report(PDF_PATH)
    before = _rows(document)
    with django_assert_max_num_queries(12):
        import_report(PDF_PATH)
    assert _rows(document) == before
    assert Document.objects.count() == 1
    assert Paragraph.objects.count() == 72 + 18


@pytest.mark.django_db
def test_a_shorter_report_removes_the_paragraphs_it_no_longer_has(tmp_path):
    document = import_report(PDF_PATH)
    first_three = CLEAN_PATH.read_text(encoding="utf-8").split(" 4. Preventive diplomacy today")[0]
    shorter = tmp_path / "S-2011-552.txt"
    shorter.write_text(first_three, encoding="utf-8")
    kept_pk = document.paragraphs.get(kind=ParagraphKind.PARAGRAPH, number=2).pk

    import_report(shorter)
    assert list(
        document.paragraphs.filter(kind=ParagraphKind.PARAGRAPH).values_list("number", flat=True)
    ) == [1, 2, 3]
    assert document.paragraphs.get(kind=ParagraphKind.PARAGRAPH, number=2).pk == kept_pk
    # The one-line text has no footnotes, so the PDF's stay.
    assert document.paragraphs.filter(kind=ParagraphKind.FOOTNOTE).count() == 18


@pytest.mark.django_db
def test_a_cited_paragraph_is_not_removed_and_nothing_is_written(tmp_path):
    document = import_report(PDF_PATH)
    cited = document.paragraphs.get(kind=ParagraphKind.PARAGRAPH, number=44)
    situation = SituationFactory()
    situation.citations.add(cited)
    shorter = tmp_path / "S-2011-552.txt"
    shorter.write_text(
        CLEAN_PATH.read_text(encoding="utf-8").split(" 4. Preventive diplomacy today")[0],
        encoding="utf-8",
    )
    before = _rows(document)

    with pytest.raises(ReportError, match=r"S/2011/552, para\. 44 is no longer in the report"):
        import_report(shorter)
    assert _rows(document) == before
    assert Document.objects.get().source_file == PDF_PATH.name
    assert list(situation.citations.all()) == [cited]


# --- the command ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_imports_both_renderings_by_default():
    out = StringIO()
    call_command("import_report", stdout=out)
    assert out.getvalue().splitlines() == [
        "S/2011/552 from S-2011-552.clean.txt: 72 paragraphs, 0 footnotes, 9 subject terms",
        "S/2011/552 from S-2011-552.pdf.txt: 72 paragraphs, 18 footnotes, 9 subject terms",
    ]
    call_command("import_report", stdout=StringIO())
    assert Paragraph.objects.count() == 72 + 18
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_the_command_refuses_a_file_that_is_not_a_report_and_writes_nothing(tmp_path):
    not_a_report = tmp_path / "notes.txt"
    not_a_report.write_text("Shopping list\n\neggs\nmilk\n", encoding="utf-8")
    # With a good file before it: every file is imported or none.
    with pytest.raises(CommandError) as error:
        call_command("import_report", str(CLEAN_PATH), str(not_a_report), stdout=StringIO())
    assert (
        str(error.value)
        == f"{not_a_report}: not a report: no numbered paragraphs (1., 2., …) found"
    )
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_report", str(tmp_path / "missing.txt"), stdout=StringIO())
    assert Document.objects.count() == 0
    assert Paragraph.objects.count() == 0


def test_manage_py_import_report_of_a_non_report_exits_non_zero_with_one_line(
    fresh_database_url,
):
    env = {**os.environ, "DATABASE_URL": fresh_database_url}
    result = subprocess.run(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "import_report",
            "/etc/hostname",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: /etc/hostname: ")


# --- the issue date, which no rendering carries ---------------------------------------------


@pytest.mark.django_db
def test_the_issue_date_comes_from_the_metadata_beside_the_report_once():
    """Neither rendering prints the cover page's date line: S-2011-552.document.yaml gives it."""
    assert "26 August 2011" not in CLEAN_PATH.read_text(encoding="utf-8")
    assert "26 August 2011" not in PDF_PATH.read_text(encoding="utf-8")
    import_report(CLEAN_PATH)
    document = import_report(PDF_PATH)
    document.refresh_from_db()
    assert document.issued_on == dt.date(2011, 8, 26)
    version = document.version

    import_report(PDF_PATH)  # the same file again: no new version
    document.refresh_from_db()
    assert (document.issued_on, document.version) == (dt.date(2011, 8, 26), version)


@pytest.mark.django_db
def test_a_report_imported_without_its_date_gets_it_on_the_next_import_and_its_situations_are_recomputed(
    monkeypatch, django_capture_on_commit_callbacks
):
    document = import_report(PDF_PATH)
    Document.objects.filter(pk=document.pk).update(issued_on=None)  # imported before the file
    situation = SituationFactory(as_of=document)
    SituationFactory()  # measured to today: not recomputed
    sent = []
    monkeypatch.setattr(jobs, "enqueue", lambda job, *args, **_: sent.append((job, args)) or True)
    connection.run_on_commit.clear()

    with django_capture_on_commit_callbacks(execute=True):
        document = import_report(PDF_PATH)

    assert document.issued_on == dt.date(2011, 8, 26)
    assert sent == [(jobs.REFRESH_SITUATION, (str(situation.pk),))]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("symbol: S/2011/552\nissued_on: 26 August 2011\nsource: x\n", "issued_on must be a date"),
        ("symbol: S/2011/999\nissued_on: 2011-08-26\nsource: x\n", "names 'S/2011/999'"),
        ("symbol: S/2011/552\nissued_on: 2011-08-26\n", "say where the issue date comes from"),
        ("symbol: S/2011/552\nissued: 2011-08-26\nsource: x\n", "unknown key 'issued'"),
    ],
    ids=["not-a-date", "other-symbol", "no-source", "unknown-key"],
)
def test_a_wrong_metadata_file_stops_the_import_in_one_line(tmp_path, content, message):
    report = tmp_path / "S-2011-552.pdf.txt"
    report.write_text(PDF_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "S-2011-552.document.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(ReportError) as raised:
        import_report(report)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_report_without_a_metadata_file_has_no_issue_date(tmp_path):
    report = tmp_path / "S-2011-552.pdf.txt"
    report.write_text(PDF_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert import_report(report).issued_on is None


@pytest.mark.django_db
def test_changing_a_reports_issue_date_recomputes_the_situations_measured_as_of_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    document = DocumentFactory(issued_on=dt.date(2011, 8, 26))
    situations = [SituationFactory(as_of=document) for _ in range(2)]
    SituationFactory()
    sent = []
    monkeypatch.setattr(jobs, "enqueue", lambda job, *args, **_: sent.append((job, args)) or True)
    connection.run_on_commit.clear()

    with django_capture_on_commit_callbacks(execute=True):
        document.issued_on = dt.date(2011, 8, 25)
        save_document(document)
    assert sorted(args for _, args in sent) == sorted((str(s.pk),) for s in situations)
    assert {job for job, _ in sent} == {jobs.REFRESH_SITUATION}

    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save_document(document)  # the same date: nothing to recompute
    assert sent == []
