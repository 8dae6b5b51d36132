from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from feed.choices import RecordType
        from feed.sources import Source, publish

        # The tasks, registered with Celery under the names services queue (``tracker.jobs``).
        from . import tasks  # noqa: F401
        from .models import Alert, SituationInterval

        # Alerts are synced records, recorded by the alerts services (``feed.bulk``): partners
        # know them by their public uuid; they inherit their situation's audience.
        publish(Source(RecordType.ALERT, Alert, id_field="uuid", situation_path="situation_id"))
        # A situation's warning-to-action figures, derived by the recompute: partners know them
        # by their situation's id and see them when they see the situation.
        publish(
            Source(
                RecordType.INTERVAL,
                SituationInterval,
                id_field="situation_id",
                situation_path="situation_id",
            )
        )
