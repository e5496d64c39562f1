"""/api/v1 curriculum subjects, attendance and leave requests, scoped to the caller.

Attendance of a class is read by its teachers and the unit-wide roles above its school, and
written by its teachers and the school's principal and clerks; a class outside the caller's
scope is a 404 (its existence does not leak), one they may read but not write a 403. A PUT
replaces the whole sheet of one class, day and session, so retrying it is harmless.
Guardians and students read their own attendance under /students/{id}/attendance."""

import datetime as dt
from typing import Literal
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from edudx.core.errors import DomainError
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, create_response, paginate
from edudx.people.selectors import student_get

from . import selectors, services
from .models import AssessedBy, AttendanceStatus, LeaveStatus, SubjectKind
from .sessions import month_range, parse_session

router = Router(tags=["records"])

SessionCode = str  # am | pm | p1…p10 (also "morning", "afternoon", "1"…"10")


# --- subjects ------------------------------------------------------------------------------


class CurriculumSubjectOut(Schema):
    subject_id: int
    code: str
    name: str
    grade: int
    periods_per_year: int
    kind: SubjectKind
    assessed_by: AssessedBy


class SubjectFilters(Schema):
    grade: int = Field(..., ge=1, le=12)


@router.get(
    "/subjects",
    response={200: list[CurriculumSubjectOut], **ERRORS},
    summary="The national curriculum of a grade (CT GDPT 2018)",
)
def list_subjects(request, filters: Query[SubjectFilters]):
    return [
        {
            "subject_id": c.subject_id,
            "code": c.subject.code,
            "name": c.subject.name,
            "grade": c.grade,
            "periods_per_year": c.periods_per_year,
            "kind": c.kind,
            "assessed_by": c.subject.assessed_by,
        }
        for c in selectors.curriculum(filters.grade)
    ]


# --- attendance ----------------------------------------------------------------------------


class SheetRowOut(Schema):
    student_id: int
    student_source_id: UUID
    full_name: str
    status: AttendanceStatus
    note: str
    on_leave: bool = Field(..., description="An accepted leave request covers the day.")


class SheetOut(Schema):
    class_id: int
    date: dt.date
    session: str
    taken: bool
    taken_at: dt.datetime | None
    taken_by: str | None
    students: list[SheetRowOut]


class MarkInSchema(Schema):
    student_id: int
    status: AttendanceStatus
    note: str = Field("", max_length=255)


class SheetIn(Schema):
    marks: list[MarkInSchema] = Field(
        default_factory=list,
        description="Students who were not simply present; everyone else is present.",
    )


def _session(value: str) -> str:
    return parse_session(value)


def render_sheet(sheet: dict) -> dict:
    taken = sheet["taken"]
    return {
        "class_id": sheet["class"].pk,
        "date": sheet["date"],
        "session": sheet["session"],
        "taken": taken is not None,
        "taken_at": taken.taken_at if taken else None,
        "taken_by": taken.taken_by.username if taken and taken.taken_by else None,
        "students": [
            {
                "student_id": r["student"].pk,
                "student_source_id": r["student"].source_id,
                "full_name": r["student"].person.full_name,
                "status": r["status"],
                "note": r["note"],
                "on_leave": r["on_leave"],
            }
            for r in sheet["rows"]
        ],
    }


@router.get(
    "/attendance/classes/{class_id}/{day}/{session}",
    response={200: SheetOut, **ERRORS},
    summary="A class's attendance for one day and session",
    description="session: am (morning), pm (afternoon) or p1…p10 (a period).",
)
def get_attendance(request, class_id: int, day: dt.date, session: SessionCode):
    return render_sheet(
        selectors.attendance_sheet(
            actor=request.user, class_id=class_id, day=day, session=_session(session)
        )
    )


@router.put(
    "/attendance/classes/{class_id}/{day}/{session}",
    response={200: SheetOut, **ERRORS},
    summary="Record a class's attendance for one day and session (replaces)",
    description=(
        "List the students who were absent (excused/unexcused) or late; everyone else is "
        "recorded present. Sending the same sheet again changes nothing; a corrected "
        "sheet replaces the stored one."
    ),
)
def put_attendance(request, class_id: int, day: dt.date, session: SessionCode, payload: SheetIn):
    session = _session(session)
    cls = selectors.class_for_attendance(actor=request.user, class_id=class_id)
    services.attendance_save(
        actor=request.user,
        class_group=cls,
        day=day,
        session=session,
        marks=[services.MarkIn(m.student_id, m.status, m.note) for m in payload.marks],
    )
    return render_sheet(
        selectors.attendance_sheet(actor=request.user, class_id=cls.pk, day=day, session=session)
    )


class SummaryRowOut(Schema):
    student_id: int
    full_name: str
    excused: int
    unexcused: int
    late: int
    absent: int
    year_absent: int = Field(..., description="Absent sessions in the school year to `end`.")
    over_limit: bool = Field(..., description="More than 45 absent sessions in the year.")
    streak: int = Field(..., description="Consecutive absent sessions running at `end`.")
    streak_flag: bool


class SummaryOut(Schema):
    class_id: int
    start: dt.date
    end: dt.date
    sessions_held: int
    limit: int
    streak_threshold: int
    students: list[SummaryRowOut]


class SummaryFilters(Schema):
    month: str | None = Field(None, description="yyyy-mm", examples=["2025-10"])
    term: int | None = Field(None, ge=1, le=2)


def summary_range(cls, month: str | None, term: int | None) -> tuple[dt.date, dt.date]:
    if month and term:
        raise DomainError("attendance.period", _("Chọn tháng hoặc học kỳ, không chọn cả hai."))
    if month:
        return month_range(month)
    if term:
        return selectors.term_range(cls, term)
    return cls.school_year.start_date, cls.school_year.end_date


@router.get(
    "/attendance/classes/{class_id}/summary",
    response={200: SummaryOut, **ERRORS},
    summary="Absences per student for a month, a term or the school year, with flags",
)
def get_summary(request, class_id: int, filters: Query[SummaryFilters]):
    cls = selectors.class_get(actor=request.user, class_id=class_id)
    start, end = summary_range(cls, filters.month, filters.term)
    s = selectors.attendance_summary(actor=request.user, class_id=cls.pk, start=start, end=end)
    return {
        "class_id": cls.pk,
        "start": start,
        "end": end,
        "sessions_held": s["sessions_held"],
        "limit": s["limit"],
        "streak_threshold": s["streak_threshold"],
        "students": [
            {
                "student_id": r["student"].pk,
                "full_name": r["student"].person.full_name,
                **{
                    k: r[k]
                    for k in (
                        "excused",
                        "unexcused",
                        "late",
                        "absent",
                        "year_absent",
                        "over_limit",
                        "streak",
                        "streak_flag",
                    )
                },
            }
            for r in s["rows"]
        ],
    }


class StudentMarkOut(Schema):
    date: dt.date
    session: str
    class_id: int
    status: AttendanceStatus
    note: str


class StudentAttendanceOut(Schema):
    student_id: int
    excused: int
    unexcused: int
    late: int
    year_absent: int | None
    limit: int
    marks: list[StudentMarkOut]


class StudentAttendanceFilters(Schema):
    start: dt.date | None = None
    end: dt.date | None = None


@router.get(
    "/students/{student_id}/attendance",
    response={200: StudentAttendanceOut, **ERRORS},
    summary="A student's absences and late arrivals (read-only; guardians see their children)",
)
def get_student_attendance(request, student_id: int, filters: Query[StudentAttendanceFilters]):
    a = selectors.student_attendance(
        actor=request.user, student_id=student_id, start=filters.start, end=filters.end
    )
    return {
        "student_id": a["student"].pk,
        "excused": a["totals"][AttendanceStatus.EXCUSED],
        "unexcused": a["totals"][AttendanceStatus.UNEXCUSED],
        "late": a["totals"][AttendanceStatus.LATE],
        "year_absent": a["year_absent"],
        "limit": a["limit"],
        "marks": [
            {
                "date": m.session.date,
                "session": m.session.session,
                "class_id": m.session.class_group_id,
                "status": m.status,
                "note": m.note,
            }
            for m in a["marks"]
        ],
    }


# --- leave requests ------------------------------------------------------------------------


class LeaveOut(Schema):
    id: int
    source_id: UUID
    student_id: int
    student_name: str
    class_id: int | None
    from_date: dt.date
    to_date: dt.date
    reason: str
    status: LeaveStatus
    decided_at: dt.datetime | None
    decision_note: str
    updated_at: dt.datetime


class LeavePage(Schema):
    items: list[LeaveOut]
    count: int
    page: int
    page_size: int


class LeaveFilters(PageParams):
    status: LeaveStatus | None = None


class LeaveIn(Schema):
    student_id: int
    from_date: dt.date
    to_date: dt.date
    reason: str = Field(..., max_length=500)


class LeaveDecisionIn(Schema):
    decision: Literal["accept", "refuse"]
    note: str = Field("", max_length=255)


def render_leave(leave) -> dict:
    return {
        "id": leave.pk,
        "source_id": leave.source_id,
        "student_id": leave.student_id,
        "student_name": leave.student.person.full_name,
        "class_id": leave.student.current_class_id,
        "from_date": leave.from_date,
        "to_date": leave.to_date,
        "reason": leave.reason,
        "status": leave.status,
        "decided_at": leave.decided_at,
        "decision_note": leave.decision_note,
        "updated_at": leave.updated_at,
    }


@router.get(
    "/leave-requests",
    response={200: LeavePage, **ERRORS},
    summary="Leave requests the caller may see (guardians: their children's)",
)
def list_leave(request, filters: Query[LeaveFilters]):
    return paginate(
        selectors.leave_list(actor=request.user, status=filters.status), filters, render_leave
    )


@router.post(
    "/leave-requests",
    response={201: LeaveOut, **ERRORS},
    summary="A guardian asks for a student's leave",
    openapi_extra=IDEMPOTENT,
)
def create_leave(request, payload: LeaveIn):
    student = student_get(actor=request.user, student_id=payload.student_id)
    return create_response(
        request,
        LeaveOut,
        lambda: render_leave(
            selectors.leave_get(
                actor=request.user,
                leave_id=services.leave_request_create(
                    actor=request.user,
                    student=student,
                    from_date=payload.from_date,
                    to_date=payload.to_date,
                    reason=payload.reason,
                ).pk,
            )
        ),
        {},
    )


@router.post(
    "/leave-requests/{leave_id}/decision",
    response={200: LeaveOut, **ERRORS},
    summary="The homeroom teacher accepts or refuses a leave request",
    description="Accepting turns the student's unexcused absences on those days excused.",
)
def decide_leave(request, leave_id: int, payload: LeaveDecisionIn):
    leave = selectors.leave_get(actor=request.user, leave_id=leave_id)
    services.leave_request_decide(
        actor=request.user, leave=leave, accept=payload.decision == "accept", note=payload.note
    )
    return render_leave(selectors.leave_get(actor=request.user, leave_id=leave_id))
