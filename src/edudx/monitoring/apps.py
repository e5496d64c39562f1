from django.apps import AppConfig
from django.utils.translation import gettext as _

OFFICE_ROLES = {"system_admin", "province_officer", "commune_officer"}
SCHOOL_ROLES = {"principal", "clerk"}


class MonitoringConfig(AppConfig):
    """Monitoring: the plan's indicators, yearly reports, DX index, operations centre."""

    name = "edudx.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from . import handlers  # noqa: F401, PLC0415 — registers the outbox handlers

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        entries = []
        if roles & (OFFICE_ROLES | SCHOOL_ROLES):
            entries.append(("monitoring", _("Trung tâm điều hành"), "monitoring:dashboard"))
            entries.append(("monitoring-report", _("Báo cáo năm"), "monitoring:report"))
            entries.append(("monitoring-dx", _("Chỉ số chuyển đổi số"), "monitoring:dx"))
        return entries
