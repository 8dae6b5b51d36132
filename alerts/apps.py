from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partners.choices import RecordType
        from partners.sources import Source, publish

        # The receivers, and the tasks registered with Celery under the names services queue.
        from . import signals, tasks  # noqa: F401
        from .models import Alert

        # Alerts are synced records: partners know them by their public uuid; they inherit their
        # situation's audience.
        publish(
            Source(
                RecordType.ALERT,
                Alert,
                id_field="uuid",
                situation_path="situation_id",
                child=True,
            )
        )
