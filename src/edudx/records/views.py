"""Attendance and leave pages. Thin: parse, call a scoped selector or a service, render.

The attendance sheet is a plain form of radio buttons (one row per student, all present
by default), styled as large tap targets: it works without JavaScript on any phone, and one
Save posts the whole class. Saving redirects back to the sheet (post/redirect/get), so a
reload never re-submits; a repeated submission replaces the stored sheet anyway."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors, NotFound
from edudx.core.scope import scope_of
from edudx.people.selectors import student_get, student_list

from . import selectors, services
from .models import AttendanceStatus, LeaveStatus
from .sessions import month_range, parse_session, session_choices, session_label


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _day(value) -> dt.date | None:
    if not value:
        return None
    try:
        return parse_date(value) or dt.datetime.strptime(value, "%d/%m/%Y").date()  # noqa: DTZ007
    except ValueError:
        return None


def _error_text(exc: DomainError) -> list[str]:
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    return [i["message"] for i in items]


def _status_short():
    # Evaluated per request so the labels follow the active language.
    return [
        (AttendanceStatus.PRESENT, _("Có mặt")),
        (AttendanceStatus.EXCUSED, _("Vắng có phép")),
        (AttendanceStatus.UNEXCUSED, _("Vắng không phép")),
        (AttendanceStatus.LATE, _("Đi muộn")),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def attendance_view(request):
    data = request.POST if request.method == "POST" else request.GET
    class_id = _int(data.get("class"))
    day = _day(data.get("date")) or timezone.localdate()
    try:
        session = parse_session(data.get("session") or "am")
    except DomainError:
        session = "am"
    context = {
        "classes": selectors.attendance_classes(actor=request.user),
        "class_id": class_id,
        "day": day,
        "session": session,
        "sessions": session_choices(),
        "statuses": _status_short(),
    }
    if class_id is None:
        return render(request, "records/attendance.html", context)
    try:
        if request.method == "POST":
            cls = selectors.class_for_attendance(actor=request.user, class_id=class_id)
            ids = [s for s in (_int(v) for v in request.POST.getlist("student")) if s]
            marks = [
                services.MarkIn(
                    sid,
                    request.POST.get(f"status-{sid}", AttendanceStatus.PRESENT),
                    request.POST.get(f"note-{sid}", ""),
                )
                for sid in ids
            ]
            try:
                result = services.attendance_save(
                    actor=request.user, class_group=cls, day=day, session=session, marks=marks
                )
            except DomainError as exc:
                for text in _error_text(exc):
                    messages.error(request, text)
            else:
                absent = sum(1 for m in marks if m.status != AttendanceStatus.PRESENT)
                messages.success(
                    request,
                    _("Đã lưu điểm danh lớp %(c)s, %(s)s ngày %(d)s: %(n)s học sinh vắng/muộn.")
                    % {
                        "c": cls.name,
                        "s": session_label(session),
                        "d": day.strftime("%d/%m/%Y"),
                        "n": absent,
                    },
                )
                for flag in result.flagged:
                    messages.warning(request, _flag_text(flag))
                query = urlencode({"class": cls.pk, "date": day.isoformat(), "session": session})
                return redirect(f"{reverse('records:attendance')}?{query}")
        sheet = selectors.attendance_sheet(
            actor=request.user, class_id=class_id, day=day, session=session
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    context.update(sheet=sheet, cls=sheet["class"], session_name=session_label(session))
    return render(request, "records/attendance.html", context)


def _flag_text(flag: dict) -> str:
    if flag["kind"] == "over_limit":
        return _("Học sinh mã số %(id)s đã nghỉ %(n)s buổi trong năm học (quá 45 buổi).") % {
            "id": flag["student"],
            "n": flag["count"],
        }
    return _("Học sinh mã số %(id)s đã nghỉ %(n)s buổi liên tiếp.") % {
        "id": flag["student"],
        "n": flag["count"],
    }


@login_required
def summary_view(request, class_id: int):
    month = (request.GET.get("month") or "").strip()
    term = _int(request.GET.get("term"))
    try:
        cls = selectors.class_get(actor=request.user, class_id=class_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    error = None
    try:
        if month:
            start, end = month_range(month)
        elif term:
            start, end = selectors.term_range(cls, term)
        else:
            start, end = cls.school_year.start_date, cls.school_year.end_date
    except DomainError as exc:
        error = exc.as_dict()["message"]
        start, end = cls.school_year.start_date, cls.school_year.end_date
    summary = selectors.attendance_summary(
        actor=request.user, class_id=cls.pk, start=start, end=end
    )
    context = {
        **summary,
        "cls": cls,
        "month": month,
        "term": term,
        "error": error,
        "flagged": [r for r in summary["rows"] if r["over_limit"] or r["streak_flag"]],
        "may_write": selectors.may_take_attendance(request.user, cls),
    }
    return render(request, "records/summary.html", context)


@login_required
def student_attendance_view(request, student_id: int):
    try:
        data = selectors.student_attendance(actor=request.user, student_id=student_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    rows = [{"mark": m, "session_name": session_label(m.session.session)} for m in data["marks"]]
    return render(request, "records/student_attendance.html", {**data, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def leave_view(request):
    user = request.user
    scope = scope_of(user)
    children = []
    if scope.student_ids and user.person_id:
        children = [
            s
            for s in student_list(actor=user).filter(pk__in=scope.student_ids)
            if s.person_id != user.person_id
        ]
    form = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                form = request.POST
                student = student_get(actor=user, student_id=_int(form.get("student")) or 0)
                from_date, to_date = _day(form.get("from_date")), _day(form.get("to_date"))
                if from_date is None or to_date is None:
                    raise DomainError(
                        "leave.dates", _("Hãy nhập ngày nghỉ (dd/mm/yyyy)."), field="from_date"
                    )
                services.leave_request_create(
                    actor=user,
                    student=student,
                    from_date=from_date,
                    to_date=to_date,
                    reason=form.get("reason", ""),
                )
                messages.success(request, _("Đã gửi đơn xin nghỉ cho giáo viên chủ nhiệm."))
                return redirect("records:leave")
            if action in {"accept", "refuse"}:
                leave = selectors.leave_get(
                    actor=user, leave_id=_int(request.POST.get("leave")) or 0
                )
                services.leave_request_decide(
                    actor=user,
                    leave=leave,
                    accept=action == "accept",
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request,
                    _("Đã chấp thuận đơn xin nghỉ.")
                    if action == "accept"
                    else _("Đã từ chối đơn xin nghỉ."),
                )
                return redirect("records:leave")
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except DomainError as exc:  # Forbidden included: shown as a message, nothing written
            for text in _error_text(exc):
                messages.error(request, text)
    leaves = list(selectors.leave_list(actor=user)[:100])
    rows = [
        {
            "leave": lv,
            "may_decide": lv.status == LeaveStatus.PENDING and selectors.may_decide_leave(user, lv),
        }
        for lv in leaves
    ]
    context = {"children": children, "rows": rows, "form": form}
    return render(request, "records/leave.html", context)
