from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import ngettext

# Who may decide leave requests: the class's homeroom teacher (a teacher whose assignment
# says so, whatever the role's name), the school's principal or clerk.
LEAVE_DECIDER_ROLES = {"teacher", "homeroom_teacher", "principal", "clerk"}


class RecordsConfig(AppConfig):
    """School records: subjects and teaching assignments, attendance, assessment under
    Circulars 22/2021 and 27/2020, digital transcripts."""

    name = "edudx.records"
    label = "records"

    def ready(self):
        from . import handlers  # noqa: F401, PLC0415 — registers the outbox handlers

    def home_tasks(self, user, roles: set[str]) -> list:
        """Leave requests and mark-change requests waiting for the user's decision
        (core.home)."""
        from edudx.core.home import HomeTask  # noqa: PLC0415

        from .selectors import leave_waiting, mark_changes_waiting  # noqa: PLC0415

        tasks = []
        if roles & LEAVE_DECIDER_ROLES and (n := leave_waiting(actor=user)):
            text = ngettext("%(n)s đơn xin nghỉ chờ duyệt", "%(n)s đơn xin nghỉ chờ duyệt", n)
            tasks.append(HomeTask(text % {"n": n}, reverse("records:leave")))
        if "principal" in roles and (n := mark_changes_waiting(actor=user)):
            text = ngettext(
                "%(n)s đề nghị sửa điểm chờ duyệt", "%(n)s đề nghị sửa điểm chờ duyệt", n
            )
            url = reverse("records:mark_changes") + "?status=pending"
            tasks.append(HomeTask(text % {"n": n}, url))
        return tasks
