from django.apps import AppConfig


class ContentConfig(AppConfig):
    """Curriculum framework (CT GDPT 2018) and the shared digital learning repository."""

    name = "edudx.content"
    label = "content"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        return []
