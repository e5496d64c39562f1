from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "edudx.audit"
    label = "audit"

    def ready(self) -> None:
        from . import handlers  # noqa: F401, PLC0415 — registers the outbox handlers
