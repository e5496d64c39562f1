from django.apps import AppConfig


class EservicesConfig(AppConfig):
    """Online public services: procedure catalogue, dossiers with SLA, admissions, satisfaction."""

    name = "edudx.eservices"
    label = "eservices"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        return []
