from django.apps import AppConfig


class TrackerConfig(AppConfig):
    """The project itself as an app: its account settings (``models.py``), the operations
    commands (``backup``, ``restore``) and the health check. It knows no domain app."""

    name = "tracker"
    verbose_name = "Accounts and operations"
    default_auto_field = "django.db.models.BigAutoField"
