from django.apps import AppConfig
from django.utils.translation import gettext as _

CONTACT_ROLES = {
    "guardian",
    "teacher",
    "homeroom_teacher",
    "principal",
    "clerk",
    "student",
}
OFFICER_ROLES = {"principal", "clerk", "province_officer", "commune_officer"}


class ContactConfig(AppConfig):
    """School–family contact book: notices, messages, leave requests, feedback channel."""

    name = "edudx.contact"
    label = "contact"

    def ready(self) -> None:
        from . import handlers  # noqa: F401, PLC0415 — registers outbox handlers

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        items = []
        if roles & CONTACT_ROLES:
            items.append(("contact", _("Sổ liên lạc"), "contact:home"))
        if roles & OFFICER_ROLES:
            items.append(("contact", _("Phản hồi"), "contact:feedback_inbox"))
        elif not roles & CONTACT_ROLES:
            items.append(("contact", _("Phản hồi"), "contact:feedback_new"))
        return items
