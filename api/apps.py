from django.apps import AppConfig


class ApiConfig(AppConfig):
    """HTTP for machines: ``/api/v1/``, the only layer that combines the domain apps for it."""

    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the OpenAPI description of partner tokens)
