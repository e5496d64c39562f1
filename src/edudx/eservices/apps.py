from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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

    def home_tasks(self, user, roles: set[str]) -> list:
        """Dossiers waiting in the officer's queue, and those overdue; an applicant's
        dossiers waiting for a supplement (core.home)."""
        from edudx.core.home import HomeTask  # noqa: PLC0415

        from .selectors import my_dossiers_waiting, queue_waiting  # noqa: PLC0415

        tasks = []
        if roles & {"citizen", "guardian"} and (n := my_dossiers_waiting(actor=user)):
            text = ngettext(
                "%(n)s hồ sơ của bạn cần bổ sung giấy tờ",
                "%(n)s hồ sơ của bạn cần bổ sung giấy tờ",
                n,
            )
            tasks.append(HomeTask(text % {"n": n}, reverse("eservices:mine")))
        if not roles & (OFFICER_ROLES - {"system_admin"}):
            return tasks
        counts, queue = queue_waiting(actor=user), reverse("eservices:queue")
        if n := counts["overdue"]:
            text = ngettext(
                "%(n)s hồ sơ dịch vụ công quá hạn", "%(n)s hồ sơ dịch vụ công quá hạn", n
            )
            tasks.append(HomeTask(text % {"n": n}, f"{queue}?overdue=1", overdue=True))
        if n := counts["waiting"]:
            text = ngettext(
                "%(n)s hồ sơ dịch vụ công chờ xử lý", "%(n)s hồ sơ dịch vụ công chờ xử lý", n
            )
            tasks.append(HomeTask(text % {"n": n}, f"{queue}?status=waiting"))
        return tasks
