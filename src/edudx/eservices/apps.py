from django.apps import AppConfig
from django.utils.translation import gettext as _

OFFICER_ROLES = {"system_admin", "province_officer", "commune_officer", "principal", "clerk"}


class EservicesConfig(AppConfig):
    """Online public services: procedure catalogue, dossiers with SLA, admissions, satisfaction."""

    name = "edudx.eservices"
    label = "eservices"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        entries = []
        if roles & {"citizen", "guardian"}:
            entries.append(("eservices", _("Dịch vụ công"), "eservices:index"))
            entries.append(("eservices_mine", _("Hồ sơ của tôi"), "eservices:mine"))
        if roles & {"guardian"}:
            entries.append(("eservices_admissions", _("Tuyển sinh"), "eservices:admissions"))
        if roles & OFFICER_ROLES:
            entries.append(("eservices", _("Hồ sơ dịch vụ công"), "eservices:queue"))
        return entries
