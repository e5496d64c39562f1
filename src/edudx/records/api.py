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

from edudx.accounts.tokens import actor_key
from edudx.core.errors import DomainError, NotFound
from edudx.core.idempotency import idempotent
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, create_response, json_body, paginate
from edudx.people.selectors import student_get

from . import selectors, services
from .marks import shown
from .models import YEAR, AssessedBy, AttendanceStatus, LeaveStatus, MarkKind, SubjectKind
from .services import QUALITY_CODES
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
    month: str | None = Field(None, description="yyyy-mm or mm/yyyy", examples=["2025-10"])
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


# --- marks and results -----------------------------------------------------------------------


class MarkColumnOut(Schema):
    kind: MarkKind
    label: str
    reader: Literal["mark", "comment", "test_score", "rating"]


class MarkRowOut(Schema):
    student_id: int
    student_source_id: UUID
    full_name: str
    date_of_birth: dt.date
    marks: dict[str, str] = Field(..., description="kind → mark as shown (8,5 · Đ · T).")
    average: str = Field(..., description="ĐTBmhk (score subjects, when complete).")


class MarkSheetOut(Schema):
    class_id: int
    subject_id: int
    subject_code: str
    term: int
    locked: bool
    homeroom_approved: bool
    columns: list[MarkColumnOut]
    students: list[MarkRowOut]


class MarkCellIn(Schema):
    student_id: int
    kind: MarkKind
    value: str | None = Field(
        None,
        max_length=20,
        description="As typed: 8, 8,5, 8.5; Đ/CĐ; T/H/C. Empty or null clears the mark.",
    )


class MarksIn(Schema):
    marks: list[MarkCellIn] = Field(..., max_length=2000)


class MarksSavedOut(MarkSheetOut):
    created: int
    updated: int
    deleted: int


def render_mark_sheet(sheet: dict) -> dict:
    lock = sheet["lock"]
    kinds = [c.kind for c in sheet["layout"].columns]
    return {
        "class_id": sheet["class"].pk,
        "subject_id": sheet["subject"].pk,
        "subject_code": sheet["subject"].code,
        "term": sheet["term"].number,
        "locked": sheet["locked"],
        "homeroom_approved": bool(lock and lock.homeroom_approved_at),
        "columns": [
            {"kind": c.kind, "label": str(c.label), "reader": c.reader}
            for c in sheet["layout"].columns
        ],
        "students": [
            {
                "student_id": r["student"].pk,
                "student_source_id": r["student"].source_id,
                "full_name": r["student"].person.full_name,
                "date_of_birth": r["student"].person.date_of_birth,
                "marks": {
                    k: c["text"] for k, c in zip(kinds, r["cells"], strict=True) if c["text"]
                },
                "average": r["average"],
            }
            for r in sheet["rows"]
        ],
    }


MARKS_PATH = "/marks/classes/{class_id}/subjects/{subject_id}/terms/{term}"


@router.get(
    MARKS_PATH,
    response={200: MarkSheetOut, **ERRORS},
    summary="A class's marks in one subject and term (Bảng điểm)",
)
def get_marks(request, class_id: int, subject_id: int, term: int):
    return render_mark_sheet(
        selectors.mark_sheet(
            actor=request.user, class_id=class_id, subject_id=subject_id, term_number=term
        )
    )


@router.put(
    MARKS_PATH,
    response={200: MarksSavedOut, **ERRORS},
    summary="Save marks of a class in one subject and term (bulk upsert)",
    description=(
        "Only the teacher of the subject in the class (or the school's principal and "
        "clerks). Every cell is validated; any error (row = the student's number on the "
        "class list, field = the column) and nothing is written. Sending the same marks "
        "again changes nothing; with an Idempotency-Key a retry replays the first answer. "
        "A locked term is refused with 409 records.marks.locked."
    ),
    openapi_extra=IDEMPOTENT,
)
def put_marks(request, class_id: int, subject_id: int, term: int, payload: MarksIn):
    cls, subject = selectors.class_for_marks(
        actor=request.user, class_id=class_id, subject_id=subject_id
    )
    term_row = selectors.term_get(cls, term)

    def run() -> dict:
        result = services.marks_save(
            actor=request.user,
            class_group=cls,
            subject=subject,
            term=term_row,
            entries=[services.MarkEntry(m.student_id, m.kind, m.value) for m in payload.marks],
        )
        sheet = selectors.mark_sheet(
            actor=request.user, class_id=cls.pk, subject_id=subject.pk, term_number=term
        )
        return json_body(
            MarksSavedOut,
            {
                **render_mark_sheet(sheet),
                "created": result.created,
                "updated": result.updated,
                "deleted": result.deleted,
            },
        )

    return idempotent(request, actor_key=actor_key(request), run=run, status=200)


class TermApprovalIn(Schema):
    role: Literal["homeroom", "principal"]


class TermLockOut(Schema):
    class_id: int
    term: int
    homeroom_approved_at: dt.datetime | None
    principal_approved_at: dt.datetime | None
    locked: bool


@router.post(
    "/marks/classes/{class_id}/terms/{term}/approval",
    response={200: TermLockOut, **ERRORS},
    summary="Approve a class's marks for a term: homeroom teacher, then principal (locks)",
)
def approve_term(request, class_id: int, term: int, payload: TermApprovalIn):
    cls = selectors.class_get(actor=request.user, class_id=class_id)
    lock = services.term_approve(
        actor=request.user,
        class_group=cls,
        term=selectors.term_get(cls, term),
        as_role=payload.role,
    )
    return {
        "class_id": cls.pk,
        "term": term,
        "homeroom_approved_at": lock.homeroom_approved_at,
        "principal_approved_at": lock.principal_approved_at,
        "locked": lock.locked,
    }


class StudentResultOut(Schema):
    student_id: int
    full_name: str
    period: int = Field(..., description="1, 2 (terms) or 0 (the year).")
    learning: str = Field(
        ...,
        description=(
            "Secondary: tot | kha | dat | chua_dat. Primary (year only, Circular 27/2020): "
            "htxs | htt | ht | cht. Empty while incomplete."
        ),
    )
    conduct: str = Field(..., description="Secondary only: the conduct level.")
    absences: int
    status: str = Field(
        ...,
        description=(
            "Year only. Secondary: promoted, re_examination, …; primary: completed | "
            "not_completed (the grade's programme)."
        ),
    )
    title: str = Field(
        ..., description="Year only. Secondary: excellent | good; primary: excellent | exemplary."
    )
    complete: bool


class ClassResultsOut(Schema):
    class_id: int
    period: int
    students: list[StudentResultOut]


class ResultFilters(Schema):
    period: int = Field(YEAR, ge=0, le=2, description="1, 2 or 0 for the year.")


def render_result(student, r, period: int) -> dict:
    return {
        "student_id": student.pk,
        "full_name": student.person.full_name,
        "period": period,
        "learning": r.learning if r else "",
        "conduct": r.conduct if r else "",
        "absences": r.absences if r else 0,
        "status": r.status if r else "",
        "title": r.title if r else "",
        "complete": bool(r and r.complete),
    }


@router.get(
    "/results/classes/{class_id}",
    response={200: ClassResultsOut, **ERRORS},
    summary="A class's term or year results (learning, conduct, absences, status, title)",
)
def get_class_results(request, class_id: int, filters: Query[ResultFilters]):
    data = selectors.class_results(actor=request.user, class_id=class_id, period=filters.period)
    return {
        "class_id": class_id,
        "period": filters.period,
        "students": [
            render_result(r["student"], r["result"], filters.period) for r in data["rows"]
        ],
    }


class StudentSubjectOut(Schema):
    subject_id: int
    code: str
    name: str
    term1: dict[str, str]
    term2: dict[str, str]
    term1_result: str | None
    term2_result: str | None
    year_result: str | None


class QualityRowOut(Schema):
    student_id: int
    full_name: str
    ratings: dict[str, str] = Field(
        ..., description="Quality or competency code → t (Tốt) | d (Đạt) | c (Cần cố gắng)."
    )
    outstanding: bool = Field(
        ..., description="End of year: outstanding achievement or clear progress."
    )
    class_recognised: bool = Field(..., description="End of year: recognised by the class.")


class QualitySheetOut(Schema):
    class_id: int
    term: int
    checkpoint: Literal["gk", "ck"]
    codes: list[str]
    students: list[QualityRowOut]


class StudentQualitiesOut(Schema):
    term: int
    ratings: dict[str, str]
    outstanding: bool
    class_recognised: bool


class StudentMarksOut(Schema):
    student_id: int
    class_id: int | None
    subjects: list[StudentSubjectOut]
    results: list[StudentResultOut]
    qualities: list[StudentQualitiesOut] = Field(
        ..., description="Primary pupils: qualities and competencies at the end of each term."
    )


@router.get(
    "/students/{student_id}/marks",
    response={200: StudentMarksOut, **ERRORS},
    summary="A student's marks and results this school year (read-only; guardians: children)",
)
def get_student_marks(request, student_id: int):
    data = selectors.student_marks(actor=request.user, student_id=student_id)
    student = data["student"]
    return {
        "student_id": student.pk,
        "class_id": data["class"].pk if data["class"] else None,
        "subjects": [
            {
                "subject_id": s["subject"].pk,
                "code": s["subject"].code,
                "name": s["subject"].name,
                "term1": dict(s["terms"][0]["marks"]),
                "term2": dict(s["terms"][1]["marks"]),
                "term1_result": s["terms"][0]["result"],
                "term2_result": s["terms"][1]["result"],
                "year_result": s["year"],
            }
            for s in data["subjects"]
        ],
        "results": [
            render_result(student, r, period) for period, r in sorted(data["results"].items())
        ],
        "qualities": [{"term": n, **q} for n, q in sorted(data["qualities"].items())],
    }


class MarkChangeIn(Schema):
    class_id: int
    subject_id: int
    term: int = Field(..., ge=1, le=2)
    student_id: int
    kind: MarkKind
    value: str | None = Field(None, max_length=20, description="The new mark; empty clears.")
    reason: str = Field(..., min_length=1, max_length=500)


class MarkChangeOut(Schema):
    id: int
    source_id: UUID
    class_id: int
    subject_id: int
    term: int
    student_id: int
    kind: MarkKind
    old_value: str
    new_value: str
    reason: str
    status: Literal["pending", "approved", "refused"]
    decided_at: dt.datetime | None


class MarkChangeDecisionIn(Schema):
    decision: Literal["approve", "refuse"]


def render_change(c) -> dict:
    return {
        "id": c.pk,
        "source_id": c.source_id,
        "class_id": c.class_group_id,
        "subject_id": c.subject_id,
        "term": c.term.number,
        "student_id": c.student_id,
        "kind": c.kind,
        "old_value": shown(c.old_value, c.old_comment),
        "new_value": shown(c.new_value, c.new_comment),
        "reason": c.reason,
        "status": c.status,
        "decided_at": c.decided_at,
    }


class MarkChangePage(Schema):
    items: list[MarkChangeOut]
    count: int
    page: int
    page_size: int


class MarkChangeFilters(PageParams):
    status: Literal["pending", "approved", "refused"] | None = None


@router.get(
    "/marks/change-requests",
    response={200: MarkChangePage, **ERRORS},
    summary=(
        "Change requests across classes: those of the schools where the caller is principal "
        "(to decide) and the caller's own"
    ),
)
def list_mark_changes(request, filters: Query[MarkChangeFilters]):
    qs = selectors.mark_change_list(actor=request.user, status=filters.status)
    return paginate(qs, filters, render_change)


@router.post(
    "/marks/change-requests",
    response={201: MarkChangeOut, **ERRORS},
    summary="Ask to change a mark of a locked term (with a reason; the principal decides)",
    openapi_extra=IDEMPOTENT,
)
def create_mark_change(request, payload: MarkChangeIn):
    cls, subject = selectors.class_for_marks(
        actor=request.user, class_id=payload.class_id, subject_id=payload.subject_id
    )
    term = selectors.term_get(cls, payload.term)

    def create() -> dict:
        change = services.mark_change_request(
            actor=request.user,
            class_group=cls,
            subject=subject,
            term=term,
            student_id=payload.student_id,
            kind=payload.kind,
            text=payload.value,
            reason=payload.reason,
        )
        return render_change(
            selectors.mark_changes(actor=request.user, class_id=cls.pk).get(pk=change.pk)
        )

    return create_response(request, MarkChangeOut, create, {})


@router.post(
    "/marks/classes/{class_id}/change-requests/{change_id}/decision",
    response={200: MarkChangeOut, **ERRORS},
    summary="The principal approves (the mark changes, audited) or refuses a change request",
)
def decide_mark_change(request, class_id: int, change_id: int, payload: MarkChangeDecisionIn):
    change = (
        selectors.mark_changes(actor=request.user, class_id=class_id).filter(pk=change_id).first()
    )
    if change is None:
        raise NotFound("records.change.not_found", _("Không tìm thấy đề nghị sửa điểm."))
    services.mark_change_decide(
        actor=request.user, change=change, approve=payload.decision == "approve"
    )
    return render_change(
        selectors.mark_changes(actor=request.user, class_id=class_id).get(pk=change_id)
    )


class ConductIn(Schema):
    levels: dict[int, Literal["tot", "kha", "dat", "chua_dat"]] = Field(
        ..., description="student_id → the term's conduct level (homeroom teacher)."
    )


@router.put(
    "/results/classes/{class_id}/conduct/{term}",
    response={200: ClassResultsOut, **ERRORS},
    summary="The homeroom teacher records the term's conduct; results are recomputed",
)
def put_conduct(request, class_id: int, term: int, payload: ConductIn):
    cls = selectors.class_get(actor=request.user, class_id=class_id)
    services.conduct_save(
        actor=request.user,
        class_group=cls,
        term=selectors.term_get(cls, term),
        levels=dict(payload.levels),
    )
    data = selectors.class_results(actor=request.user, class_id=cls.pk, period=term)
    return {
        "class_id": cls.pk,
        "period": term,
        "students": [render_result(r["student"], r["result"], term) for r in data["rows"]],
    }


# --- primary qualities and competencies (Circular 27/2020) ---------------------------------

Level3 = Literal["t", "d", "c", ""]
# Circular 27/2020, Art. 6(2): mid-term (giữa kì) or end (cuối kì) of a term.
Checkpoint = Literal["gk", "ck"]


class QualityIn(Schema):
    student_id: int
    ratings: dict[str, Level3] = Field(
        ...,
        description=(
            "Code (yeu_nuoc, nhan_ai, cham_chi, trung_thuc, trach_nhiem, tu_chu_tu_hoc, "
            "giao_tiep_hop_tac, giai_quyet_van_de_sang_tao, ngon_ngu, tinh_toan, khoa_hoc, "
            'cong_nghe, tin_hoc, tham_mi, the_chat) → t | d | c; "" clears; codes left out '
            "keep their rating."
        ),
    )
    outstanding: bool = False
    class_recognised: bool = False


class QualitiesIn(Schema):
    students: list[QualityIn]


def render_quality_sheet(sheet: dict) -> dict:
    return {
        "class_id": sheet["class"].pk,
        "term": sheet["term"].number,
        "checkpoint": sheet["checkpoint"],
        "codes": list(QUALITY_CODES),
        "students": [
            {
                "student_id": r["student"].pk,
                "full_name": r["student"].person.full_name,
                "ratings": r["ratings"],
                "outstanding": r["outstanding"],
                "class_recognised": r["class_recognised"],
            }
            for r in sheet["rows"]
        ],
    }


QUALITIES_PATH = "/results/classes/{class_id}/qualities/{term}"


@router.get(
    QUALITIES_PATH,
    response={200: QualitySheetOut, **ERRORS},
    summary=(
        "A primary class's qualities and competencies at mid-term (checkpoint=gk) or the end "
        "(checkpoint=ck) of term 1 or 2"
    ),
)
def get_qualities(request, class_id: int, term: int, checkpoint: Checkpoint = "ck"):
    return render_quality_sheet(
        selectors.quality_sheet(
            actor=request.user, class_id=class_id, term_number=term, checkpoint=checkpoint
        )
    )


@router.put(
    QUALITIES_PATH,
    response={200: QualitySheetOut, **ERRORS},
    summary="The homeroom teacher rates qualities and competencies (Tốt / Đạt / Cần cố gắng)",
    description=(
        "Primary classes only (Circular 27/2020, Art. 6(2), 7(2)): four checkpoints — "
        "mid-term (gk) and end (ck) of term 1 and term 2 (term 2 ck = the end of the year). "
        "Every row is validated; any error (row = student_id, field = the code) and nothing "
        "is written. Sending the same ratings again changes nothing; with an Idempotency-Key "
        "a retry replays the first answer. The end-of-year ratings recompute the year-end "
        "results."
    ),
    openapi_extra=IDEMPOTENT,
)
def put_qualities(
    request, class_id: int, term: int, payload: QualitiesIn, checkpoint: Checkpoint = "ck"
):
    cls = selectors.class_get(actor=request.user, class_id=class_id)
    term_row = selectors.term_get(cls, term)

    def run() -> dict:
        services.qualities_save(
            actor=request.user,
            class_group=cls,
            term=term_row,
            checkpoint=checkpoint,
            entries=[
                services.QualityEntry(
                    q.student_id, dict(q.ratings), q.outstanding, q.class_recognised
                )
                for q in payload.students
            ],
        )
        sheet = selectors.quality_sheet(
            actor=request.user, class_id=cls.pk, term_number=term, checkpoint=checkpoint
        )
        return json_body(QualitySheetOut, render_quality_sheet(sheet))

    return idempotent(request, actor_key=actor_key(request), run=run, status=200)
