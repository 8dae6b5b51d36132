from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from ..choices import ActorKind
from .base import TrackedModel


class Actor(TrackedModel):
    """Anyone who warns, acts or is acted upon: UN organs, regional bodies, envoys, parties."""

    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    acronym = models.CharField(max_length=32, blank=True, db_index=True, verbose_name=_("acronym"))
    kind = models.CharField(
        max_length=32, choices=ActorKind.choices, db_index=True, verbose_name=_("kind")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("parent"),
    )
    country = CountryField(
        blank=True, help_text=_("For Member States and national actors"), verbose_name=_("country")
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    citations = models.ManyToManyField(
        "cases.Paragraph", blank=True, related_name="actors", verbose_name=_("citations")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def clean(self) -> None:
        super().clean()
        # A batch checks every actor's ancestry in one query (``services._actors_in_cycles``).
        checked = getattr(self, "_ancestry_checked", False)
        if (
            not checked
            and self.parent_id is not None
            and self.pk is not None
            and self._is_ancestor_of_parent()
        ):
            raise ValidationError(
                {"parent": "An actor cannot be its own parent or the parent of its ancestors."}
            )

    def _is_ancestor_of_parent(self) -> bool:
        """Whether this actor is the chosen parent or one of its ancestors: one recursive query
        up the chain (``UNION`` stops at a cycle already stored)."""
        table = connection.ops.quote_name(self._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE chain(id) AS (SELECT %s::uuid UNION "
                f"SELECT a.parent_id FROM {table} a JOIN chain ON a.id = chain.id "
                f"WHERE a.parent_id IS NOT NULL) SELECT EXISTS (SELECT 1 FROM chain WHERE id = %s)",
                [self.parent_id, self.pk],
            )
            return cursor.fetchone()[0]
