from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

BANK_ROLES = {
    "system_admin",
    "province_officer",
    "commune_officer",
    "principal",
    "clerk",
    "teacher",
    "homeroom_teacher",
}


class ExamsConfig(AppConfig):
    """Question bank, exam matrices, papers, online tests, grading, item analysis."""

    name = "edudx.exams"
    label = "exams"

    def nav_entries(self, roles: set[str]) -> list[tuple[str, str, str]]:
        """Menu entries (key = URL namespace, label, URL name) for a user with these roles;
        see edudx.core.templatetags.edudx_ui.nav_items."""
        if roles & BANK_ROLES:
            return [("exams", _("Ngân hàng đề"), "exams:index")]
        if "student" in roles:
            return [("exams", _("Bài kiểm tra"), "exams:my_tests")]
        return []

    def home_tasks(self, user, roles: set[str]) -> list:
        """A student's tests open now and not yet submitted; a teacher's submitted tests
        with answers to grade (core.home)."""
        from edudx.core.home import HomeTask  # noqa: PLC0415

        from .selectors import open_to_take, to_grade  # noqa: PLC0415

        tasks = []
        if "student" in roles and (n := open_to_take(user)):
            text = ngettext("%(n)s bài kiểm tra đang mở", "%(n)s bài kiểm tra đang mở", n)
            tasks.append(HomeTask(text % {"n": n}, reverse("exams:my_tests")))
        if roles & BANK_ROLES and (n := to_grade(user)):
            text = ngettext(
                "%(n)s bài kiểm tra chờ chấm tự luận", "%(n)s bài kiểm tra chờ chấm tự luận", n
            )
            tasks.append(HomeTask(text % {"n": n}, reverse("exams:tests")))
        return tasks
