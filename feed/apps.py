from django.apps import AppConfig


class FeedConfig(AppConfig):
    """The change feed's log: every change of a synced record, in commit order, with who may see
    it. Below the domain apps, which record their writes in it and declare what they publish
    (``feed.sources``) from their own ``ready()``; it names no domain model."""

    name = "feed"
    verbose_name = "Change feed"
    default_auto_field = "django.db.models.BigAutoField"
