from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeOp(models.TextChoices):
    UPSERT = "upsert", _("Upsert")
    DELETE = "delete", _("Delete")


class RecordType(models.TextChoices):
    """The record types of the change feed, named as the API names them (singular)."""

    SITUATION = "situation", _("Situation")
    INDICATOR = "indicator", _("Warning indicator")
    ACTOR = "actor", _("Actor")
    ENGAGEMENT = "engagement", _("Engagement")
    ASSESSMENT = "assessment", _("Assessment")
    BRIEFING = "briefing", _("Briefing")
    ALERT = "alert", _("Alert")
    REVIEW = "review", _("Early action review")
    FINDING = "review-finding", _("Review finding")
    FOLLOW_UP = "follow-up", _("Follow-up action")
    # Derived by the jobs, not written by anyone: a situation's warning-to-action figures.
    INTERVAL = "interval", _("Warning-to-action interval")
