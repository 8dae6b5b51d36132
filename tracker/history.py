"""django-simple-history's ``HistoricalRecords``, letting a set-based delete write the history.

A delete sends ``post_delete`` for each row it takes, and simple_history's receiver writes a
history row for each: a batch of deletes (``cases.services.delete_records``) would cost queries in
proportion to its size. The service writes them all in one statement instead and marks the
instances with ``skip_history_when_saving``, simple_history's own flag for saves, which this
receiver honours for deletes too.
"""

from __future__ import annotations

from typing import Any

from simple_history.models import HistoricalRecords as _HistoricalRecords


class HistoricalRecords(_HistoricalRecords):
    def post_delete(self, instance: Any, using: str | None = None, **kwargs: Any) -> None:
        if hasattr(instance, "skip_history_when_saving"):
            return  # its history row was written with its batch's
        super().post_delete(instance, using=using, **kwargs)
