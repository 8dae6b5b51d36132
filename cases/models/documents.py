from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import ParagraphKind
from .base import ReferenceModel


class Document(ReferenceModel):
    """A source report, such as S/2011/552, whose paragraphs the records cite."""

    symbol = models.CharField(
        max_length=64, unique=True, help_text=_("UN document symbol"), verbose_name=_("symbol")
    )
    title = models.CharField(max_length=300, verbose_name=_("title"))
    job_number = models.CharField(max_length=32, blank=True, verbose_name=_("job number"))
    issued_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("The issue date in the report's header"),
        verbose_name=_("issued on"),
    )
    subject_terms = models.JSONField(
        default=list,
        blank=True,
        help_text=_("UNBIS thesaurus terms"),
        verbose_name=_("subject terms"),
    )
    source_file = models.CharField(max_length=300, blank=True, verbose_name=_("source file"))
    imported_at = models.DateTimeField(auto_now=True, verbose_name=_("imported at"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} — {self.title}"


class Paragraph(ReferenceModel):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="paragraphs", verbose_name=_("document")
    )
    kind = models.CharField(
        max_length=16,
        choices=ParagraphKind.choices,
        default=ParagraphKind.PARAGRAPH,
        verbose_name=_("kind"),
    )
    number = models.PositiveSmallIntegerField(verbose_name=_("number"))
    chapter = models.CharField(max_length=120, blank=True, verbose_name=_("chapter"))
    section = models.CharField(max_length=120, blank=True, verbose_name=_("section"))
    text = models.TextField(verbose_name=_("text"))

    class Meta:
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
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
