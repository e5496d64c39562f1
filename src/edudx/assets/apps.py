from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who reads a school's register (the menu; the pages check the scope again).
MENU_ROLES = {"system_admin", "province_officer", "commune_officer", "principal", "clerk"}


class AssetsConfig(AppConfig):
    """Assets: rooms, the asset register (equipment, ICT inventory), stock-takes."""

    name = "edudx.assets"
    label = "assets"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        if roles & MENU_ROLES:
            return [("assets", _("Tài sản, thiết bị"), "assets:index")]
        return []
