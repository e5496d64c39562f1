from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "edudx.core"
    label = "core"
    verbose_name = "Core"
