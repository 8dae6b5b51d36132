from __future__ import annotations

from django.db import models

from ..choices import ParagraphKind
from .base import ReferenceModel


class Document(ReferenceModel):
    """A source report, such as S/2011/552, whose paragraphs the records cite."""

    symbol = models.CharField(max_length=64, unique=True, help_text="UN document symbol")
    title = models.CharField(max_length=300)
    job_number = models.CharField(max_length=32, blank=True)
    issued_on = models.DateField(
        null=True, blank=True, help_text="The issue date in the report's header"
    )
    subject_terms = models.JSONField(default=list, blank=True, help_text="UNBIS thesaurus terms")
    source_file = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} — {self.title}"


class Paragraph(ReferenceModel):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="paragraphs")
    kind = models.CharField(
        max_length=16, choices=ParagraphKind.choices, default=ParagraphKind.PARAGRAPH
    )
    number = models.PositiveSmallIntegerField()
    chapter = models.CharField(max_length=120, blank=True)
    section = models.CharField(max_length=120, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["document", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "kind", "number"], name="paragraph_unique_number"
            )
        ]

    def __str__(self) -> str:
        return self.citation

    @property
    def citation(self) -> str:
        if self.kind == ParagraphKind.FOOTNOTE:
            return f"{self.document.symbol}, footnote {self.number}"
        return f"{self.document.symbol}, para. {self.number}"
