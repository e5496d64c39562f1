from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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

    def home_tasks(self, user, roles: set[str]) -> list:
        """What waits for the user (core.home): documents awaiting their signature or
        the unit's, incoming documents handed to them and not done, and the register's
        overdue ones."""
        from edudx.core.home import HomeTask  # noqa: PLC0415

        from . import selectors  # noqa: PLC0415

        if not roles & (REGISTER_MENU_ROLES | HANDLER_MENU_ROLES):
            return []
        waiting = selectors.tasks_of(user)
        outgoing, incoming = reverse("office:outgoing"), reverse("office:incoming")
        tasks = []
        if n := waiting.get("overdue"):
            text = ngettext("%(n)s văn bản đến quá hạn xử lý", "%(n)s văn bản đến quá hạn xử lý", n)
            tasks.append(HomeTask(text % {"n": n}, f"{incoming}?overdue=1", overdue=True))
        if n := waiting.get("handed"):
            text = ngettext(
                "%(n)s văn bản đến giao bạn xử lý", "%(n)s văn bản đến giao bạn xử lý", n
            )
            tasks.append(HomeTask(text % {"n": n}, f"{incoming}?status=open&mine=1"))
        if n := waiting.get("awaiting_head"):
            text = ngettext(
                "%(n)s văn bản chờ thủ trưởng ký số", "%(n)s văn bản chờ thủ trưởng ký số", n
            )
            tasks.append(HomeTask(text % {"n": n}, f"{outgoing}?signing=awaiting_head"))
        if n := waiting.get("awaiting_unit"):
            text = ngettext(
                "%(n)s văn bản chờ ký số của cơ quan", "%(n)s văn bản chờ ký số của cơ quan", n
            )
            tasks.append(HomeTask(text % {"n": n}, f"{outgoing}?signing=awaiting_unit"))
        return tasks
