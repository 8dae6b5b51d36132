from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partner systems"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.models import Actor, Assessment, Engagement, Situation, WarningIndicator

        from . import signals  # noqa: F401  (the feed's recorders)
        from .choices import RecordType
        from .sources import Source, publish

        # The records of ``cases``, which sits below partners and cannot declare them itself.
        publish(Source(RecordType.SITUATION, Situation))
        publish(Source(RecordType.ACTOR, Actor))
        publish(
            Source(
                RecordType.INDICATOR, WarningIndicator, situation_path="situation_id", child=True
            )
        )
        publish(
            Source(RecordType.ENGAGEMENT, Engagement, situation_path="situation_id", child=True)
        )
        publish(
            Source(RecordType.ASSESSMENT, Assessment, situation_path="engagement__situation_id")
        )
