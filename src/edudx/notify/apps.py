from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Notifications: one notify() service, in-app inbox, channels (email, Web Push, SMS, Zalo)."""

    name = "edudx.notify"
    label = "notify"

    def ready(self) -> None:
        from . import handlers  # noqa: F401, PLC0415 — registers the outbox handler

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items. The inbox link with its unread count
        sits in the header (templatetag notify_tags.unread_badge), not in this menu."""
        return []
