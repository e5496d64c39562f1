from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "edudx.audit"
    label = "audit"
