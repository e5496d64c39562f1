"""Outbox handlers: a guardian's leave request (records) notifies the homeroom teacher; the
decision notifies the guardian who asked. Keys make a redelivered event notify nobody twice."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, User
from edudx.core.events import handles
from edudx.notify.services import notify
from edudx.people.models import TeachingAssignment
from edudx.records.models import LeaveRequest, LeaveStatus

from .models import Notice
from .services import NOTICE_POSTED, notice_fan_out, quiet_until


@handles(NOTICE_POSTED)
def notify_notice_audience(event) -> None:
    notice = Notice.objects.select_related("school").filter(pk=event.payload.get("notice")).first()
    if notice is None:
        return
    after = event.payload.get("deliver_after") or None
    notice_fan_out(notice, deliver_after=dt.datetime.fromisoformat(after) if after else None)


@handles("records.leave_requested")
def notify_homeroom_of_leave(event) -> None:
    leave = (
        LeaveRequest.objects.select_related("student__person", "student__current_school")
        .filter(pk=event.payload.get("leave"))
        .first()
    )
    if leave is None or not leave.student.current_class_id:
        return
    persons = TeachingAssignment.objects.filter(
        class_group_id=leave.student.current_class_id,
        is_homeroom=True,
        staff__end_date__isnull=True,
    ).values("staff__person_id")
    teachers = User.objects.filter(
        person_id__in=persons,
        is_active=True,
        role_assignments__role__in=(Role.TEACHER, Role.HOMEROOM_TEACHER),
    ).distinct()
    for user in teachers:
        notify(
            user,
            "records.leave_requested",
            {"leave": leave.pk},
            key=f"records.leave:{leave.pk}:requested:user:{user.pk}",
            title=lambda: _("Đơn xin nghỉ của %(s)s") % {"s": leave.student.person.full_name},
            body=f"{leave.from_date:%d/%m/%Y}–{leave.to_date:%d/%m/%Y}: {leave.reason}",
            url=reverse("records:leave"),
            deliver_after=quiet_until(leave.student.current_school),
        )


@handles("records.leave_decided")
def notify_guardian_of_decision(event) -> None:
    leave = (
        LeaveRequest.objects.select_related("student__person", "created_by")
        .filter(pk=event.payload.get("leave"))
        .first()
    )
    if leave is None or leave.created_by is None:
        return
    accepted = leave.status == LeaveStatus.ACCEPTED
    notify(
        leave.created_by,
        "records.leave_decided",
        {"leave": leave.pk, "status": leave.status},
        key=f"records.leave:{leave.pk}:decided",
        title=lambda: (
            (
                _("Đơn xin nghỉ của %(s)s đã được chấp thuận")
                if accepted
                else _("Đơn xin nghỉ của %(s)s bị từ chối")
            )
            % {"s": leave.student.person.full_name}
        ),
        body=leave.decision_note,
        url=reverse("contact:student", args=[leave.student_id]),
    )
