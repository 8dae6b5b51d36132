from django.db import models


class ChangeOp(models.TextChoices):
    UPSERT = "upsert", "Upsert"
    DELETE = "delete", "Delete"


class RecordType(models.TextChoices):
    """The record types of the change feed, named as the API names them (singular)."""

    SITUATION = "situation", "Situation"
    INDICATOR = "indicator", "Warning indicator"
    ACTOR = "actor", "Actor"
    ENGAGEMENT = "engagement", "Engagement"
    ASSESSMENT = "assessment", "Assessment"
    BRIEFING = "briefing", "Briefing"
    ALERT = "alert", "Alert"
    REVIEW = "review", "Early action review"
    FINDING = "review-finding", "Review finding"
    FOLLOW_UP = "follow-up", "Follow-up action"
    # Derived by the jobs, not written by anyone: a situation's warning-to-action figures.
    INTERVAL = "interval", "Warning-to-action interval"
