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
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors, NotFound, first_invalid
from edudx.core.params import int_param
from edudx.core.scope import scope_of
from edudx.people.selectors import student_get, student_list

from . import marks_xlsx, primary, rules, selectors, services
from .marks import shown
from .models import AttendanceStatus, ChangeStatus, LeaveStatus, MarkKind, QualityCheckpoint
from .sessions import month_range, parse_session, session_choices, session_label


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
    class_id = int_param(data.get("class"))
    day = _day(data.get("date"))  # None: today, or the nearest day of the class's year
    try:
        session = parse_session(data.get("session") or "am")
    except DomainError:
        session = "am"
    context = {
        "classes": selectors.attendance_classes(actor=request.user),
        "class_id": class_id,
        "day": day or timezone.localdate(),
        "session": session,
        "sessions": session_choices(),
        "statuses": _status_short(),
    }
    if class_id is None:
        return render(request, "records/attendance.html", context)
    typed: dict = {}
    try:
        if request.method == "POST":
            cls = selectors.class_for_attendance(actor=request.user, class_id=class_id)
            ids = [s for s in (int_param(v) for v in request.POST.getlist("student")) if s]
            marks = [
                services.MarkIn(
                    sid,
                    request.POST.get(f"status-{sid}", AttendanceStatus.PRESENT),
                    request.POST.get(f"note-{sid}", ""),
                )
                for sid in ids
            ]
            try:
                if day is None:
                    raise DomainError(
                        "attendance.date", _("Hãy chọn ngày điểm danh."), field="date"
                    )
                result = services.attendance_save(
                    actor=request.user, class_group=cls, day=day, session=session, marks=marks
                )
            except DomainError as exc:
                # The sheet comes back as typed under the reasons (decision 30): a class
                # of 40 marked on a phone is not lost to one student who moved meanwhile.
                for text in _error_text(exc):
                    messages.error(request, text)
                typed = {m.student_id: m for m in marks}
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
    if typed:
        _overlay(sheet["rows"], typed)
    context.update(
        sheet=sheet, cls=sheet["class"], day=sheet["date"], session_name=session_label(session)
    )
    return render(request, "records/attendance.html", context, status=400 if typed else 200)


def _overlay(rows: list[dict], typed: dict) -> None:
    """A refused sheet's rows with what was typed for each student still in the class."""
    valid = set(AttendanceStatus.values)
    for r in rows:
        m = typed.get(r["student"].pk)
        if m is not None:
            r["status"] = m.status if m.status in valid else r["status"]
            r["note"] = m.note


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
    term = int_param(request.GET.get("term"))
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
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                form = request.POST
                student = student_get(actor=user, student_id=int_param(form.get("student")) or 0)
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
                    actor=user, leave_id=int_param(request.POST.get("leave")) or 0
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
            status = 403 if isinstance(exc, Forbidden) else 400
            for text in _error_text(exc):
                messages.error(request, text)
    leaves = Paginator(selectors.leave_page(actor=user), 50).get_page(request.GET.get("page"))
    rows = [
        {
            "leave": lv,
            "may_decide": lv.status == LeaveStatus.PENDING and selectors.may_decide_leave(user, lv),
        }
        for lv in leaves
    ]
    context = {"children": children, "rows": rows, "page": leaves, "form": form}
    return render(request, "records/leave.html", context, status=status)


# --- marks ---------------------------------------------------------------------------------


def _marks_query(class_id, subject_id, term) -> str:
    return f"{reverse('records:marks')}?" + urlencode(
        {"class": class_id, "subject": subject_id, "term": term}
    )


def _save_marks(request, cls, subject, term, entries) -> bool:
    try:
        result = services.marks_save(
            actor=request.user, class_group=cls, subject=subject, term=term, entries=entries
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        for text in _error_text(exc):
            messages.error(request, text)
        return False
    messages.success(
        request,
        _("Đã lưu bảng điểm môn %(s)s lớp %(c)s: %(n)s ô thay đổi.")
        % {"s": subject.name, "c": cls.name, "n": result.changed},
    )
    return True


def _cell_errors(exc: DomainError, sheet: dict) -> dict[tuple[int, str], str]:
    """{(STT, column kind): message} for the grid to show under each bad cell."""
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    return {(i["row"], i["field"]): i["message"] for i in items if i.get("row")}


@login_required
@require_http_methods(["GET", "POST"])
def marks_view(request):
    """Pick a class, subject and term; the grid; Save. A bad cell keeps what the teacher
    typed in the grid with its error under it; nothing is saved until every cell is valid."""
    data = request.POST if request.method == "POST" else request.GET
    class_id, subject_id = int_param(data.get("class")), int_param(data.get("subject"))
    term_no = int_param(data.get("term")) or 1
    context = {
        "choices": selectors.marks_classes(actor=request.user),
        "class_id": class_id,
        "subject_id": subject_id,
        "term_no": term_no,
    }
    if not (class_id and subject_id):
        return render(request, "records/marks.html", context)
    typed: dict[tuple[int, str], str] = {}
    cell_errors: dict[tuple[int, str], str] = {}
    try:
        if request.method == "POST":
            cls, subject = selectors.class_for_marks(
                actor=request.user, class_id=class_id, subject_id=subject_id
            )
            term = selectors.term_get(cls, term_no)
            sheet = selectors.mark_sheet(
                actor=request.user, class_id=cls.pk, subject_id=subject.pk, term_number=term_no
            )
            upload = request.FILES.get("file")
            if upload is not None:
                try:
                    entries = marks_xlsx.parse(upload.read(), sheet)
                except DomainError as exc:
                    for text in _error_text(exc):
                        messages.error(request, text)
                    entries = None
                if entries is not None and _save_marks(request, cls, subject, term, entries):
                    return redirect(_marks_query(cls.pk, subject.pk, term_no))
            else:
                entries = [
                    services.MarkEntry(
                        r["student"].pk,
                        c.kind,
                        request.POST.get(f"m-{r['student'].pk}-{c.kind}", ""),
                    )
                    for r in sheet["rows"]
                    for c in sheet["layout"].columns
                ]
                try:
                    services.marks_save(
                        actor=request.user,
                        class_group=cls,
                        subject=subject,
                        term=term,
                        entries=entries,
                    )
                except Forbidden:
                    raise
                except DomainError as exc:
                    typed = {(e.student_id, e.kind): e.text for e in entries}
                    cell_errors = _cell_errors(exc, sheet)
                    messages.error(
                        request,
                        _("Chưa lưu: %(n)s ô có lỗi, xem các ô tô đỏ.") % {"n": len(cell_errors)}
                        if cell_errors
                        else _error_text(exc)[0],
                    )
                else:
                    messages.success(
                        request,
                        _("Đã lưu bảng điểm môn %(s)s lớp %(c)s.")
                        % {"s": subject.name, "c": cls.name},
                    )
                    return redirect(_marks_query(cls.pk, subject.pk, term_no))
        sheet = selectors.mark_sheet(
            actor=request.user, class_id=class_id, subject_id=subject_id, term_number=term_no
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, _error_text(exc)[0])
        return render(request, "records/marks.html", context)
    for r in sheet["rows"]:
        for c in r["cells"]:
            key = (r["student"].pk, c["kind"])
            if key in typed:
                c["text"] = typed[key]
            c["error"] = cell_errors.get((r["n"], c["kind"]))
            c["name"] = f"m-{r['student'].pk}-{c['kind']}"
    context.update(sheet=sheet, cls=sheet["class"], subject=sheet["subject"])
    return render(request, "records/marks.html", context)


@login_required
def marks_export_view(request):
    class_id, subject_id = (
        int_param(request.GET.get("class")),
        int_param(request.GET.get("subject")),
    )
    term_no = int_param(request.GET.get("term")) or 1
    try:
        sheet = selectors.mark_sheet(
            actor=request.user,
            class_id=class_id or 0,
            subject_id=subject_id or 0,
            term_number=term_no,
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    body = marks_xlsx.export(sheet)
    name = f"bang-diem-{sheet['class'].name}-{sheet['subject'].code}-hk{term_no}.xlsx"
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def marks_lock_view(request, class_id: int, term: int):
    """Approval and lock of a class's marks for a term; change requests after locking."""
    user = request.user
    errors: dict[str, list[str]] = {}
    sent: dict = {}
    try:
        cls = selectors.class_get(actor=user, class_id=class_id)
        term_row = selectors.term_get(cls, term)
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action in {"homeroom", "principal"}:
                    services.term_approve(
                        actor=user, class_group=cls, term=term_row, as_role=action
                    )
                    messages.success(request, _("Đã xác nhận điểm học kỳ."))
                elif action == "change":
                    subject = selectors.subject_get(
                        subject_id=int_param(request.POST.get("subject")) or 0
                    )
                    services.mark_change_request(
                        actor=user,
                        class_group=cls,
                        subject=subject,
                        term=term_row,
                        student_id=int_param(request.POST.get("student")) or 0,
                        kind=request.POST.get("kind", ""),
                        text=request.POST.get("value", ""),
                        reason=request.POST.get("reason", ""),
                    )
                    messages.success(request, _("Đã gửi đề nghị sửa điểm cho hiệu trưởng."))
                elif action in {"approve", "refuse"}:
                    change = selectors.mark_changes(actor=user, class_id=cls.pk).get(
                        pk=int_param(request.POST.get("change")) or 0
                    )
                    services.mark_change_decide(
                        actor=user, change=change, approve=action == "approve"
                    )
                    messages.success(request, _("Đã xử lý đề nghị sửa điểm."))
                return redirect("records:marks_lock", class_id=cls.pk, term=term)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                for text in _error_text(exc):
                    messages.error(request, text)
                if action == "change":  # the request form again as typed, errors under it
                    errors = _change_errors(exc)
                    sent = request.POST
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    lock = selectors.term_lock(cls, term_row)
    is_principal = selectors.is_principal(user, cls.school)
    context = {
        "cls": cls,
        "term": term_row,
        "lock": lock,
        "changes": [
            _change_row(ch, may_decide=is_principal)
            for ch in selectors.mark_changes(actor=user, class_id=cls.pk)[:100]
        ],
        "is_homeroom": selectors.is_homeroom(user, cls),
        "is_principal": is_principal,
        "subjects": selectors.teacher_subjects(actor=user, class_id=cls.pk),
        "students": list(selectors.roster(cls)),
        "kinds": MarkKind.choices,
        "sent": sent,
        "errors": errors,
        "focus": first_invalid(errors, CHANGE_ORDER),
    }
    return render(request, "records/marks_lock.html", context, status=400 if sent else 200)


# The change request form's fields top to bottom (records/marks_lock.html).
CHANGE_ORDER = ("subject", "student", "kind", "value", "reason")


def _change_errors(exc: DomainError) -> dict[str, list[str]]:
    """A refused change request's errors by the form's field: the reason's under the reason,
    the teacher's subject under the subject, anything about the mark under the new mark."""
    out: dict[str, list[str]] = {}
    for item in exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]:
        if isinstance(exc, Forbidden):
            field = "subject"
        elif not item["field"]:  # about the term (not locked): the message at the top says it
            continue
        else:
            field = item["field"] if item["field"] in ("reason", "subject", "student") else "value"
        out.setdefault(field, []).append(item["message"])
    return out


def _change_row(change, *, may_decide: bool) -> dict:
    """A change request as the pages list it: marks as teachers write them ("7,5", "Đ"),
    and whether the reader may decide it now (the school's principal, while pending)."""
    return {
        "change": change,
        "old": shown(change.old_value, change.old_comment) or "—",
        "new": shown(change.new_value, change.new_comment) or "—",
        "may_decide": may_decide and change.status == ChangeStatus.PENDING,
    }


@login_required
@require_http_methods(["GET", "POST"])
def mark_changes_view(request):
    """Change requests of locked marks across classes: the principal decides them here
    (the home page links to the pending ones), a teacher follows their own."""
    user = request.user
    status = request.GET.get("status", "")
    if status not in ChangeStatus.values:
        status = ""
    query = urlencode({"status": status}) if status else ""
    here = reverse("records:mark_changes") + (f"?{query}" if query else "")
    code = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            change = selectors.mark_change_get(
                actor=user, change_id=int_param(request.POST.get("change")) or 0
            )
            if action not in {"approve", "refuse"}:
                raise DomainError("records.change.action", _("Hãy chọn Duyệt hoặc Không duyệt."))
            services.mark_change_decide(actor=user, change=change, approve=action == "approve")
            done = (
                _("Đã duyệt đề nghị sửa điểm: %(name)s, %(subject)s.")
                if action == "approve"
                else _("Đã không duyệt đề nghị sửa điểm: %(name)s, %(subject)s.")
            )
            names = {"name": change.student.person.full_name, "subject": change.subject.name}
            messages.success(request, done % names)
            return redirect(here)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except DomainError as exc:  # Forbidden included: shown as a message, nothing written
            code = 403 if isinstance(exc, Forbidden) else 409
            for text in _error_text(exc):
                messages.error(request, text)
    page = Paginator(selectors.mark_change_list(actor=user, status=status), 50).get_page(
        request.GET.get("page")
    )
    rows = [
        _change_row(ch, may_decide=selectors.is_principal(user, ch.class_group.school))
        for ch in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": ChangeStatus.choices,
        "here": here,
    }
    return render(request, "records/mark_changes.html", context, status=code)


@login_required
def student_marks_view(request, student_id: int):
    try:
        data = selectors.student_marks(actor=request.user, student_id=student_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(request, "records/marks_student.html", {**data, **_student_result_lines(data)})


def _student_result_lines(data: dict) -> dict:
    """The overall results with their labels, and a primary pupil's qualities."""
    cls = data["class"]
    lines = []
    if data.get("primary"):
        grade = cls.grade.number
        year = data["results"].get(0)
        if year is not None:
            lines.append(
                {
                    "period": 0,
                    "items": [
                        (_("Kết quả giáo dục"), primary.result_label(year.learning) or "—"),
                        (_("Số buổi nghỉ"), year.absences),
                        ("", primary.status_label(year.status, grade)),
                        ("", primary.commendation_label(year.title)),
                    ],
                }
            )
        levels = dict(primary.level_choices())
        qualities = [
            {
                "number": n,
                "cells": [
                    (label, levels.get(q["ratings"].get(code), "—"))
                    for code, label, _short in primary.QUALITY_FIELDS
                ],
            }
            for n, q in sorted(data["qualities"].items())
        ]
        return {"result_lines": lines, "quality_lines": qualities}
    labels = {lv.code: lv.label for lv in rules.Level}
    statuses = {st.name.lower(): st.label for st in rules.YearEndStatus}
    titles = {t.name.lower(): t.label for t in rules.Title}
    for period, r in sorted(data["results"].items(), key=lambda i: i[0] or 9):
        lines.append(
            {
                "period": period,
                "items": [
                    (_("Học tập"), labels.get(r.learning, "—")),
                    (_("Rèn luyện"), labels.get(r.conduct, "—")),
                    (_("Số buổi nghỉ"), r.absences),
                    ("", statuses.get(r.status, "")),
                    ("", titles.get(r.title, "")),
                ],
            }
        )
    return {"result_lines": lines, "quality_lines": []}


@login_required
@require_http_methods(["GET", "POST"])
def class_results_view(request, class_id: int):
    """A class's results for a term or the year; the homeroom teacher records the term's
    conduct here (the year's is computed by the rules)."""
    period = int_param(request.GET.get("period") or request.POST.get("period"))
    period = period if period in (0, 1, 2) else 0
    try:
        cls = selectors.class_get(actor=request.user, class_id=class_id)
        homeroom = selectors.is_homeroom(request.user, cls)
        if request.method == "POST":
            levels = {
                sid: request.POST.get(f"conduct-{sid}", "")
                for sid in (int_param(v) for v in request.POST.getlist("student"))
                if sid and request.POST.get(f"conduct-{sid}")
            }
            try:
                services.conduct_save(
                    actor=request.user,
                    class_group=cls,
                    term=selectors.term_get(cls, period or 1),
                    levels=levels,
                )
            except NotFound:
                raise
            except DomainError as exc:
                for text in _error_text(exc):
                    messages.error(request, text)
            else:
                messages.success(request, _("Đã lưu đánh giá rèn luyện."))
                url = reverse("records:class_results", args=[cls.pk])
                return redirect(f"{url}?period={period}")
        data = selectors.class_results(actor=request.user, class_id=cls.pk, period=period)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    levels = [(lv.code, lv.label) for lv in sorted(rules.Level, reverse=True)]
    labels = dict(levels)
    statuses = {s.name.lower(): s.label for s in rules.YearEndStatus}
    titles = {t.name.lower(): t.label for t in rules.Title}
    is_primary = data["primary"]
    if is_primary:
        # Circular 27/2020: the year-end result, completion of the grade, commendation.
        grade = cls.grade.number
        labels = {r.code: r.label for r in rules.YearResult}
        statuses = {c: primary.status_label(c, grade) for c in ("completed", "not_completed")}
        titles = {c.name.lower(): c.label for c in rules.Commendation}
    rows = [
        {
            "n": i,
            "student": r["student"],
            "result": r["result"],
            "learning": labels.get(r["result"].learning, "") if r["result"] else "",
            "conduct": r["result"].conduct if r["result"] else "",
            "conduct_label": labels.get(r["result"].conduct, "") if r["result"] else "",
            "status": statuses.get(r["result"].status, "") if r["result"] else "",
            "title": titles.get(r["result"].title, "") if r["result"] else "",
        }
        for i, r in enumerate(data["rows"], start=1)
    ]
    context = {
        "cls": cls,
        "period": period,
        "rows": rows,
        "levels": levels,
        "may_conduct": homeroom and period in (1, 2) and not is_primary,
        "primary": is_primary,
        "homeroom": homeroom,
    }
    return render(request, "records/marks_results.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def qualities_view(request, class_id: int, term: int):
    """A primary class's qualities and competencies at the end of a term (Circular
    27/2020): one select per pupil and quality, large enough to tap on a phone; the
    homeroom teacher saves the whole class at once (post/redirect/get)."""
    errors: list[str] = []
    checkpoint = request.GET.get("at") or QualityCheckpoint.END
    try:
        cls = selectors.class_get(actor=request.user, class_id=class_id)
        if request.method == "POST":
            fill = request.POST.get("fill") == "d"
            final = term == 2 and checkpoint == QualityCheckpoint.END
            entries = []
            for sid in (int_param(v) for v in request.POST.getlist("student")):
                if not sid:
                    continue
                ratings = {}
                for code, _label, _short in primary.QUALITY_FIELDS:
                    raw = (request.POST.get(f"q-{sid}-{code}") or "").strip().lower()
                    value = primary.LEVEL_INPUT.get(raw, raw)
                    ratings[code] = value or ("d" if fill else "")
                entries.append(
                    services.QualityEntry(
                        sid,
                        ratings,
                        outstanding=final and bool(request.POST.get(f"outstanding-{sid}")),
                        class_recognised=final and bool(request.POST.get(f"recognised-{sid}")),
                    )
                )
            try:
                services.qualities_save(
                    actor=request.user,
                    class_group=cls,
                    term=selectors.term_get(cls, term),
                    entries=entries,
                    checkpoint=checkpoint,
                )
            except (NotFound, Forbidden):
                raise
            except DomainError as exc:
                errors = _error_text(exc)
            else:
                messages.success(request, _("Đã lưu đánh giá phẩm chất, năng lực."))
                url = reverse("records:qualities", args=[cls.pk, term])
                if checkpoint != QualityCheckpoint.END:
                    url += f"?at={checkpoint}"
                return redirect(url)
        data = selectors.quality_sheet(
            actor=request.user, class_id=cls.pk, term_number=term, checkpoint=checkpoint
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    rows = []
    for r in data["rows"]:
        sid = r["student"].pk
        posted = request.method == "POST"
        rows.append(
            {
                **r,
                "cells": [
                    {
                        "code": code,
                        "label": label,
                        "value": (request.POST.get(f"q-{sid}-{code}") or "")
                        if posted
                        else r["ratings"].get(code, ""),
                    }
                    for code, label, _short in primary.QUALITY_FIELDS
                ],
            }
        )
    context = {
        "cls": cls,
        "term": data["term"],
        "checkpoint": data["checkpoint"],
        "final": data["final"],
        "rows": rows,
        "fields": primary.QUALITY_FIELDS,
        "choices": [(v, primary.LEVEL_SHORT[v]) for v, _label in primary.level_choices()],
        "may_write": data["may_write"],
        "errors": errors,
    }
    return render(request, "records/qualities.html", context, status=400 if errors else 200)
