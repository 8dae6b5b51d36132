"""Reference data over the API: documents, paragraphs and success elements are named by their
public UUID and carry a version that moves only when their content does."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.conf import settings

from cases.choices import ParagraphKind
from cases.models import Document, Paragraph, SuccessElement
from cases.report_parser import read_report
from cases.services import import_report
from tests.factories import ParagraphFactory

pytestmark = pytest.mark.django_db

PDF_PATH = Path(settings.BASE_DIR) / "fixtures" / "reports" / "S-2011-552.pdf.txt"


def versions() -> dict:
    return dict(Paragraph.objects.values_list("uuid", "version"))


def is_uuid(value) -> bool:
    return isinstance(value, str) and str(uuid.UUID(value)) == value


def test_documents_and_paragraphs_are_named_by_uuid(api):
    paragraph = ParagraphFactory()
    document = paragraph.document
    listed = api.get("documents/").json()["results"]
    assert [d["id"] for d in listed] == [str(document.uuid)]
    assert listed[0]["version"] == 1 and listed[0]["updated_at"]
    response = api.get(f"documents/{document.uuid}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["id"] == str(document.uuid)
    (shown,) = body["paragraphs"]
    assert shown["id"] == str(paragraph.uuid) and is_uuid(shown["id"])
    assert shown["version"] == paragraph.version == 1
    assert "updated_at" in shown
    # The integer key is no route any more.
    assert api.get(f"documents/{document.pk}/").status_code == 404
    assert api.get(f"documents/{uuid.uuid4()}/").status_code == 404


def test_success_elements_are_named_by_uuid_and_still_by_code(api):
    rows = api.get("success-elements/").json()
    assert len(rows) == 6 and all(is_uuid(row["id"]) for row in rows)
    element = SuccessElement.objects.get(code="evaluation")
    first = next(row for row in rows if row["code"] == "evaluation")
    assert first["id"] == str(element.uuid) and first["version"] == element.version
    by_uuid = api.get(f"success-elements/{element.uuid}/")
    assert by_uuid.status_code == 200 and by_uuid.json() == first
    assert by_uuid["ETag"] == f'"{element.version}"'
    assert api.get("success-elements/evaluation/").json() == first
    assert api.get(f"success-elements/{uuid.uuid4()}/").status_code == 404
    assert api.get(f"success-elements/{element.pk}/").status_code == 404


def test_reimporting_a_report_leaves_versions_alone(api, tmp_path):
    document = import_report(PDF_PATH)
    before = versions()
    assert before and set(before.values()) == {1}
    assert document.version == 1
    updated_at = dict(Paragraph.objects.values_list("uuid", "updated_at"))

    again = import_report(PDF_PATH)
    assert again.pk == document.pk
    assert versions() == before
    assert dict(Paragraph.objects.values_list("uuid", "updated_at")) == updated_at
    assert Document.objects.get(pk=document.pk).version == 1
    detail = api.get(f"documents/{document.uuid}/").json()
    assert detail["version"] == 1 and {p["version"] for p in detail["paragraphs"]} == {1}

    # One word of one paragraph changes: that paragraph and the document move, nothing else.
    text = PDF_PATH.read_text(encoding="utf-8")
    original = read_report(PDF_PATH)
    target = original.paragraphs[9]
    word = next(w for w in target.text.split() if len(w) > 6 and text.count(w) == 1)
    edited = tmp_path / PDF_PATH.name
    edited.write_text(text.replace(word, word.upper()), encoding="utf-8")
    import_report(edited)
    after = versions()
    moved = {key for key, version in after.items() if version != before[key]}
    changed = Paragraph.objects.get(
        document=document, kind=ParagraphKind.PARAGRAPH, number=target.number
    )
    assert moved == {changed.uuid}
    assert after[changed.uuid] == 2
    assert word.upper() in changed.text
    assert Document.objects.get(pk=document.pk).version == 2
    detail = api.get(f"documents/{document.uuid}/").json()
    assert detail["version"] == 2
    shown = {p["id"]: p["version"] for p in detail["paragraphs"]}
    assert shown[str(changed.uuid)] == 2
    assert sorted(shown.values()).count(2) == 1

    # The edited file again: still nothing new.
    import_report(edited)
    assert versions() == after
    assert Document.objects.get(pk=document.pk).version == 2
