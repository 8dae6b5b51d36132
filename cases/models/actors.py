from __future__ import annotations

from django.db import models
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from ..choices import ActorKind
from .base import TrackedModel


class Actor(TrackedModel):
    """Anyone who warns, acts or is acted upon: UN organs, regional bodies, envoys, parties."""

    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=32, blank=True, db_index=True)
    kind = models.CharField(max_length=32, choices=ActorKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    country = CountryField(blank=True, help_text="For Member States and national actors")
    description = models.TextField(blank=True)
    citations = models.ManyToManyField("cases.Paragraph", blank=True, related_name="actors")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name
