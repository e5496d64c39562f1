from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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

    def home_tasks(self, user, roles: set[str]) -> list:
        """Feedback waiting for an answer, and that overdue (core.home)."""
        from edudx.core.home import HomeTask  # noqa: PLC0415

        from .selectors import feedback_waiting  # noqa: PLC0415

        if not roles & OFFICER_ROLES:
            return []
        counts, inbox = feedback_waiting(actor=user), reverse("contact:feedback_inbox")
        tasks = []
        if n := counts["overdue"]:
            text = ngettext(
                "%(n)s phản ánh, kiến nghị quá hạn trả lời",
                "%(n)s phản ánh, kiến nghị quá hạn trả lời",
                n,
            )
            tasks.append(HomeTask(text % {"n": n}, f"{inbox}?overdue=1", overdue=True))
        if n := counts["waiting"]:
            text = ngettext(
                "%(n)s phản ánh, kiến nghị chờ trả lời", "%(n)s phản ánh, kiến nghị chờ trả lời", n
            )
            tasks.append(HomeTask(text % {"n": n}, f"{inbox}?status=open"))
        return tasks
