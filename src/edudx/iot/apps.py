from django.apps import AppConfig
from django.utils.translation import gettext as _

IOT_ROLES = {"principal", "clerk", "commune_officer", "province_officer", "system_admin"}


class IotConfig(AppConfig):
    """IoT in schools: devices, MQTT and HTTP ingest, readings, alert rules, incidents."""

    name = "edudx.iot"
    label = "iot"

    def ready(self) -> None:
        from . import handlers  # noqa: F401, PLC0415 — registers outbox handlers

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name); see
        edudx.core.templatetags.edudx_ui.nav_items."""
        if roles & IOT_ROLES:
            return [("iot", _("Thiết bị IoT"), "iot:home")]
        return []
