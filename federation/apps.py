from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = "Federation (tracker-to-tracker sync)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The periodic task, registered with Celery under the name the schedule uses.
        from . import tasks  # noqa: F401
