from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from django.db import models, router, transaction
from django.db.models import F
from django.utils import timezone


def new_version(at: dt.datetime | None = None) -> dict[str, Any]:
    """The fields that make each row a set-based write changes one new version, as
    ``VersionedModel.save()`` does for one row: ``queryset.update(**changes, **new_version())``.
    The one place, with ``save()``, where versions grow."""
    return {"version": F("version") + 1, "updated_at": at or timezone.now()}


class VersionedModel(models.Model):
    """A record whose version grows by one with each save, so partners can detect stale copies."""

    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    #: Fields whose stored value ``save()`` reads with the version, in the same locked query, into
    #: ``stored_before_save`` (empty for a new row): the write services learn from it where a
    #: record moved from (its previous situation) without a query of their own.
    read_before_save: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.stored_before_save: dict[str, Any] = {}
        if self._state.adding or kwargs.get("force_insert"):
            super().save(*args, **kwargs)
            return
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # One more than the version *stored*, read under a row lock kept to the end of the
        # transaction: two saves of one row at once queue on the lock and the second counts on
        # from the first. ``version += 1`` in memory let both write the same number, and an
        # instance read before someone else's save (or rebuilt from history) went backwards.
        with transaction.atomic(using=using, savepoint=False):
            row = (
                type(self)
                ._base_manager.using(using)
                .select_for_update()
                .filter(pk=self.pk)
                .values_list("version", *self.read_before_save)
                .first()
            )
            if row is not None:
                self.stored_before_save = dict(zip(self.read_before_save, row[1:], strict=True))
            self.version = (self.version if row is None else row[0]) + 1
            super().save(*args, **kwargs)


class TrackedModel(VersionedModel):
    """A record partners can sync: a stable UUID, a version that grows by one with each save."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True


class ReferenceModel(VersionedModel):
    """Reference data (documents, paragraphs, success elements) keeps its integer key for the
    citation tables but shows partners a stable public UUID, like every other record."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True
