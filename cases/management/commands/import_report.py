"""Import a UN report (PDF text or one-line rendering) into a Document and its paragraphs."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count, Q

from cases.choices import ParagraphKind
from cases.report_parser import ReportError
from cases.services import import_report

REPORTS = Path(settings.BASE_DIR) / "fixtures" / "reports"
# The one-line text first, then the PDF: the document ends with the subject terms of the one
# and the footnotes and job number of the other.
DEFAULT_PATHS = [REPORTS / "S-2011-552.clean.txt", REPORTS / "S-2011-552.pdf.txt"]


class Command(BaseCommand):
    help = (
        "Import reports into Documents with their numbered paragraphs and footnotes. Each file "
        "is either the PDF text or the one-line text with its %%%TERM|TERM| header. Running it "
        "again updates the rows. Without a path, both renderings of S/2011/552 in "
        "fixtures/reports/ are imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
        parser.add_argument(
            "--symbol",
            help="Document symbol, e.g. S/2011/552 (default: the symbol printed in the PDF "
            "text, else the file name, S-2011-552.* being S/2011/552)",
        )

    def handle(self, *args, paths: list[Path], symbol: str | None, **options) -> None:
        lines = []
        try:
            with transaction.atomic():  # every file or none
                for path in paths or DEFAULT_PATHS:
                    document = import_report(path, symbol)
                    counts = document.paragraphs.aggregate(
                        paragraphs=Count("pk", filter=Q(kind=ParagraphKind.PARAGRAPH)),
                        footnotes=Count("pk", filter=Q(kind=ParagraphKind.FOOTNOTE)),
                    )
                    lines.append(
                        f"{document.symbol} from {path.name}: {counts['paragraphs']} paragraphs, "
                        f"{counts['footnotes']} footnotes, "
                        f"{len(document.subject_terms)} subject terms"
                    )
        except ReportError as error:
            raise CommandError(str(error)) from None
        for line in lines:
            self.stdout.write(line)
