"""Seed data drawn from S/2011/552: read the YAML files of ``fixtures/seed/``, check them, load them.

Every record in the files cites the paragraphs it comes from as a mapping from paragraph (``24``)
or footnote (``fn12``) to words of that paragraph that mention the record; the loader checks that
the paragraph exists and holds those words, so a citation cannot point at the wrong place.

Loading is one transaction and idempotent: each record's primary key is a ``uuid5`` of its key in
the files, and a record whose stored content already matches the files is not saved again (its
version and history stay as they are). Seeded records that someone changed or deleted since the
seed last wrote them are kept as they are, unless ``reset`` asks to set them back. Any problem — an
unknown key, reference or choice value, a bad date, a citation the report does not support, a
model rule — stops the load with a message naming the record, and nothing is written.

Modules: ``records`` (what a record of the files is), ``reading`` (YAML to records, field by
field), ``checking`` (references and citations), ``writing`` (records to rows), ``loader``.
"""

from .loader import SeedSummary, load_seed
from .records import SEED_DIR, SEED_REASON, SeedError, seed_id

__all__ = ["SEED_DIR", "SEED_REASON", "SeedError", "SeedSummary", "load_seed", "seed_id"]
