from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partner systems"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import schema, signals  # noqa: F401  (feed recorders, OpenAPI auth scheme)
