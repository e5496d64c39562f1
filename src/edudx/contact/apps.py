from django.apps import AppConfig


class ContactConfig(AppConfig):
    """School–family contact book: notices, messages, leave requests, feedback channel."""

    name = "edudx.contact"
    label = "contact"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        return []
