from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class TrackerConfig(AppConfig):
    """The project itself as an app: its account settings (``models.py``), the operations
    commands (``backup``, ``restore``) and the health check. It knows no domain app."""

    name = "tracker"
    verbose_name = "Accounts and operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .sessions import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="tracker.start_idle_clock")
