from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "edudx.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 — registers the outbox handlers
