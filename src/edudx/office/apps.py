from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who keeps a unit's registers (văn thư, lãnh đạo): the pages check the unit again.
REGISTER_MENU_ROLES = {"principal", "clerk", "commune_officer", "province_officer"}
# Who sees the counts per unit of a subtree (and nothing of the documents themselves).
SUMMARY_MENU_ROLES = REGISTER_MENU_ROLES | {"system_admin"}
# Who may be handed a document to handle.
HANDLER_MENU_ROLES = {"teacher", "homeroom_teacher"}


class OfficeConfig(AppConfig):
    """E-office: incoming and outgoing document registers, work dossiers (Decree 30/2020)."""

    name = "edudx.office"
    label = "office"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        if roles & REGISTER_MENU_ROLES:
            return [("office", _("Văn bản, hồ sơ"), "office:incoming")]
        if "system_admin" in roles:
            return [("office", _("Văn bản, hồ sơ"), "office:summary")]
        # Teachers have no entry (their menu is full): a document handed to them reaches
        # them by notification, linking to it, and /office/ lists what they were handed.
        return []
