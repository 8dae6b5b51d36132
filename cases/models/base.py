from __future__ import annotations

import uuid

from django.db import models


class VersionedModel(models.Model):
    """A record whose version grows by one with each save, so partners can detect stale copies."""

    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
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
