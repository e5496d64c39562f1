"""Every write of records: subject assignments, homeroom teachers, attendance, leave.

Callers fetch the class or student through `records.selectors` (which apply the actor's
scope) and pass the objects in; services check the rules that remain (a teacher of the
school, a date inside the school year, a guardian of the student) and write in one
transaction with the audit trail and outbox events."""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import Entry, audit_record, audit_record_many
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, ErrorCollector
from edudx.core.scope import scope_of
from edudx.notify.services import notify
from edudx.org.models import ClassGroup, Term
from edudx.people import services as people_services
from edudx.people.models import (
    Enrolment,
    GuardianLink,
    StaffMember,
    Student,
    StudentStatus,
    TeachingAssignment,
)

from . import marks as marks_layout
from . import rules, selectors
from .models import (
    ABSENT,
    YEAR,
    AssessedBy,
    AttendanceMark,
    AttendanceSession,
    AttendanceStatus,
    ChangeStatus,
    ConductRating,
    CurriculumSubject,
    LeaveRequest,
    LeaveStatus,
    Mark,
    MarkChangeRequest,
    MarkKind,
    QualityCheckpoint,
    QualityRating,
    StudentResult,
    Subject,
    SubjectAssignment,
    SubjectResult,
    TermLock,
)
from .sessions import ABSENCE_LIMIT, HALF_DAYS, absence_streak, parse_session, trailing_run

log = logging.getLogger(__name__)

ABSENCE_FLAGGED = "records.absence_flagged"
ATTENDANCE_SAVED = "records.attendance_saved"


# --- subjects and assignments ---------------------------------------------------------------


def subject_assign(
    *,
    actor,
    staff: StaffMember,
    subject: Subject,
    class_group: ClassGroup,
    term: Term | None = None,
) -> SubjectAssignment:
    """Assign a teacher to teach a subject to a class for a term (or the whole year). The
    class scope (people.TeachingAssignment, read by accounts.scope) is kept in step."""
    if (
        class_group.grade_id is not None
        and not CurriculumSubject.objects.filter(
            grade=class_group.grade.number, subject=subject
        ).exists()
    ):
        raise DomainError(
            "assignment.subject_grade",
            _("Môn %(s)s không có trong chương trình khối %(g)s.")
            % {"s": subject.name, "g": class_group.grade.number},
            field="subject",
        )
    if term is not None and term.school_year_id != class_group.school_year_id:
        raise DomainError("assignment.term", _("Học kỳ không thuộc năm học của lớp."), field="term")
    if staff.end_date is not None:
        raise DomainError("assignment.staff_left", _("Cán bộ này đã nghỉ công tác."), field="staff")
    with transaction.atomic():
        # Validates that teacher and class belong to the same school.
        people_services.teaching_assign(
            actor=actor, staff=staff, class_group=class_group, subject=subject.name
        )
        assignment, created = SubjectAssignment.objects.get_or_create(
            staff=staff, subject=subject, class_group=class_group, term=term
        )
        if created:
            audit_record(
                actor=actor,
                action="create",
                object_type="records.subject_assignment",
                object_id=assignment.pk,
                object_repr=f"{staff.person.full_name} · {subject.name} · {class_group}",
                changes={"term": [None, term.number if term else "year"]},
            )
    return assignment


def subject_unassign(*, actor, assignment: SubjectAssignment) -> None:
    """Remove an assignment; the class drops out of the teacher's scope when nothing else
    (another term of the subject, homeroom) keeps it there."""
    with transaction.atomic():
        staff_id, cls_id = assignment.staff_id, assignment.class_group_id
        subject = assignment.subject
        pk = assignment.pk
        assignment.delete()
        if not SubjectAssignment.objects.filter(
            staff_id=staff_id, class_group_id=cls_id, subject=subject
        ).exists():
            people_services.teaching_unassign(
                actor=actor, staff_id=staff_id, class_group_id=cls_id, subject=subject.name
            )
        audit_record(
            actor=actor,
            action="delete",
            object_type="records.subject_assignment",
            object_id=pk,
            object_repr=f"{staff_id} · {subject.name} · {cls_id}",
        )


def homeroom_set(*, actor, class_group: ClassGroup, staff: StaffMember) -> TeachingAssignment:
    """Make `staff` the class's homeroom teacher (giáo viên chủ nhiệm); the previous one
    stops being homeroom (their subject assignments stay)."""
    if staff.end_date is not None:
        raise DomainError("assignment.staff_left", _("Cán bộ này đã nghỉ công tác."), field="staff")
    with transaction.atomic():
        previous = list(
            TeachingAssignment.objects.filter(class_group=class_group, is_homeroom=True)
            .exclude(staff=staff)
            .values_list("staff_id", flat=True)
        )
        ta = people_services.homeroom_move(actor=actor, class_group=class_group, staff=staff)
        audit_record(
            actor=actor,
            action="update",
            object_type="records.homeroom",
            object_id=class_group.pk,
            object_repr=f"{class_group} · {staff.person.full_name}",
            changes={"homeroom": [",".join(map(str, previous)) or None, str(staff.pk)]},
        )
    return ta


# --- attendance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkIn:
    student_id: int
    status: str
    note: str = ""


@dataclass
class AttendanceResult:
    session: AttendanceSession
    created: bool
    changed: int
    flagged: list[dict] = field(default_factory=list)


def _left_class(class_group: ClassGroup, student_ids: list[int]) -> dict[int, str]:
    """The names of those of `student_ids` who were enrolled in the class once (moved to
    another class or school since the sheet was opened) — only theirs: an id typed in
    by hand names no one."""
    if not student_ids:
        return {}
    rows = Enrolment.objects.filter(class_group=class_group, student_id__in=student_ids)
    return dict(rows.values_list("student_id", "student__person__full_name"))


def _clean_marks(
    marks: Iterable[MarkIn], roster_ids: set[int], class_group: ClassGroup
) -> dict[int, MarkIn]:
    """Validated marks by student; every bad row reported at once (row = position)."""
    marks = list(marks)
    errors = ErrorCollector()
    out: dict[int, MarkIn] = {}
    left = _left_class(class_group, [m.student_id for m in marks if m.student_id not in roster_ids])
    for i, m in enumerate(marks, start=1):
        errors.row = i
        if m.student_id in left:
            errors.add(
                "attendance.student_left",
                _(
                    "%(name)s (mã số %(id)s) không còn trong lớp này (đã chuyển lớp hoặc "
                    "chuyển trường). Mở lại danh sách lớp rồi lưu."
                )
                % {"name": left[m.student_id], "id": m.student_id},
                "student_id",
            )
            continue
        if m.student_id not in roster_ids:
            errors.add(
                "attendance.student",
                _("Học sinh mã số %(id)s không thuộc lớp này.") % {"id": m.student_id},
                "student_id",
            )
            continue
        if m.status not in AttendanceStatus.values:
            errors.add(
                "attendance.status",
                _("Trạng thái điểm danh không hợp lệ: %(v)s.") % {"v": m.status},
                "status",
            )
            continue
        if m.student_id in out:
            errors.add(
                "attendance.duplicate",
                _("Học sinh mã số %(id)s được điểm danh hai lần.") % {"id": m.student_id},
                "student_id",
            )
            continue
        out[m.student_id] = MarkIn(m.student_id, m.status, (m.note or "").strip()[:255])
    errors.raise_if_any()
    return out


def _session_for_update(class_group, day, session, actor, now) -> tuple[AttendanceSession, bool]:
    """The session row, locked; created if new. A concurrent first save of the same
    session loses the INSERT race and falls back to the winner's row."""
    key = {"class_group": class_group, "date": day, "session": session}
    row = AttendanceSession.objects.select_for_update().filter(**key).first()
    if row is not None:
        return row, False
    try:
        with transaction.atomic():
            return AttendanceSession.objects.create(**key, taken_by=actor, taken_at=now), True
    except IntegrityError:
        return AttendanceSession.objects.select_for_update().get(**key), False


def attendance_save(
    *,
    actor,
    class_group: ClassGroup,
    day: dt.date,
    session: str,
    marks: Iterable[MarkIn],
) -> AttendanceResult:
    """Record a class's attendance for one session. `marks` lists the students who were
    not simply present (a `present` mark is accepted and means the same as no mark).

    The submission replaces what was stored for that class, day and session, so a retried
    or corrected save never duplicates. An accepted leave request turns an unexcused
    absence into an excused one. One transaction; the query count does not depend on the
    class size (bulk writes, one audit append)."""
    session = parse_session(session)
    if (refusal := selectors.attendance_day_refusal(class_group, day)) is not None:
        raise refusal  # outside the class's school year, or in the future
    actor = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    roster_ids = set(Student.objects.filter(current_class=class_group).values_list("id", flat=True))
    wanted = {
        sid: m
        for sid, m in _clean_marks(marks, roster_ids, class_group).items()
        if m.status != AttendanceStatus.PRESENT
    }
    with transaction.atomic():
        leave = selectors.accepted_leave(list(roster_ids), day)
        row, created = _session_for_update(class_group, day, session, actor, now)
        if not created:
            row.taken_by, row.taken_at = actor, now
            AttendanceSession.objects.filter(pk=row.pk).update(
                taken_by=actor, taken_at=now, updated_at=now
            )
        existing = {
            m.student_id: m
            for m in AttendanceMark.objects.filter(session=row, student_id__in=roster_ids)
        }
        to_create, to_update, to_delete, entries = [], [], [], []
        newly_absent: list[int] = []
        for sid, m in wanted.items():
            status, leave_id = m.status, leave.get(sid)
            if status == AttendanceStatus.UNEXCUSED and leave_id:
                status = AttendanceStatus.EXCUSED
            if status not in ABSENT:
                leave_id = None
            old = existing.get(sid)
            if old is None:
                to_create.append(
                    AttendanceMark(
                        session=row,
                        student_id=sid,
                        status=status,
                        note=m.note,
                        leave_request_id=leave_id,
                    )
                )
                entries.append(_mark_entry(row, sid, None, status, m.note))
            elif (old.status, old.note, old.leave_request_id) != (status, m.note, leave_id):
                entries.append(_mark_entry(row, sid, old.status, status, m.note))
                old.status, old.note, old.leave_request_id = status, m.note, leave_id
                to_update.append(old)
            else:
                continue
            if status in ABSENT and (old is None or old.status not in ABSENT):
                newly_absent.append(sid)
        for sid, old in existing.items():
            if sid not in wanted:
                to_delete.append(old.pk)
                entries.append(_mark_entry(row, sid, old.status, AttendanceStatus.PRESENT, ""))
        if to_delete:
            AttendanceMark.objects.filter(pk__in=to_delete).delete()
        if to_create:
            AttendanceMark.objects.bulk_create(to_create)
        if to_update:
            AttendanceMark.objects.bulk_update(to_update, ["status", "note", "leave_request"])
        entries.insert(
            0,
            Entry(
                action="create" if created else "update",
                object_type="records.attendance_session",
                object_id=str(row.pk),
                object_repr=f"{class_group.name} {day.isoformat()} {session}",
                changes={"absent": len(wanted), "changed": len(entries)},
            ),
        )
        audit_record_many(actor=actor, entries=entries)
        flagged = _flag_absences(class_group, row, newly_absent) if newly_absent else []
        events.emit(
            ATTENDANCE_SAVED,
            {
                "class": class_group.pk,
                "school": class_group.school_id,
                "date": day.isoformat(),
                "session": session,
                "absent": sum(1 for m in wanted.values() if m.status in ABSENT),
            },
        )
    return AttendanceResult(session=row, created=created, changed=len(entries) - 1, flagged=flagged)


def _mark_entry(row, student_id, old, new, note) -> Entry:
    return Entry(
        action="update",
        object_type="records.attendance_mark",
        object_id=f"{row.pk}:{student_id}",
        object_repr=f"{row.date.isoformat()} {row.session}",
        changes={"status": [old or AttendanceStatus.PRESENT, new], "note": note},
    )


def _flag_absences(class_group, row: AttendanceSession, student_ids: list[int]) -> list[dict]:
    """Emit `records.absence_flagged` for students this save pushed across a threshold:
    the year's absences from 45 to 46 (Circular 22/2021, Art. 12(1)(c)), or a run of
    consecutive absent half-days reaching N at this session (early dropout warning).
    Only students who became absent in this save are looked at, so a retried save emits
    nothing new."""
    if row.session not in HALF_DAYS:
        return []
    flagged = []
    year = selectors.year_absences(class_group.school_year_id, student_ids)
    n = absence_streak()
    recent = list(
        AttendanceSession.objects.filter(class_group=class_group, session__in=HALF_DAYS)
        .filter(Q(date__lt=row.date) | Q(date=row.date, session__lte=row.session))
        .order_by("-date", "-session")
        .values_list("id", flat=True)[: n + 1]
    )
    absent: dict[int, set[int]] = {sid: set() for sid in student_ids}
    for sid, student_id in AttendanceMark.objects.filter(
        session_id__in=recent, student_id__in=student_ids, status__in=ABSENT
    ).values_list("session_id", "student_id"):
        absent[student_id].add(sid)
    base = {
        "class": class_group.pk,
        "school": class_group.school_id,
        "school_year": class_group.school_year_id,
        "date": row.date.isoformat(),
        "session": row.session,
    }
    for student_id in student_ids:
        count = year.get(student_id, 0)
        if count == ABSENCE_LIMIT + 1:
            flagged.append({**base, "student": student_id, "kind": "over_limit", "count": count})
        if trailing_run(recent, absent[student_id]) == n:
            flagged.append({**base, "student": student_id, "kind": "streak", "count": n})
    for payload in flagged:
        events.emit(ABSENCE_FLAGGED, payload)
        log.info("records.absence_flagged", extra=payload)
    return flagged


# --- leave requests --------------------------------------------------------------------------


def leave_request_create(
    *,
    actor,
    student: Student,
    from_date: dt.date,
    to_date: dt.date,
    reason: str,
    today: dt.date | None = None,
) -> LeaveRequest:
    """A guardian asks for leave for their child (from records' own page and API, or the
    contact book). Leave for a month already over is refused: its attendance is summarised
    and reported; the homeroom teacher corrects it instead."""
    person_id = getattr(actor, "person_id", None)
    if not (
        person_id
        and student.pk in scope_of(actor).student_ids
        and GuardianLink.objects.filter(guardian_id=person_id, student=student).exists()
    ):
        raise Forbidden(
            "leave.not_guardian",
            _("Chỉ cha mẹ hoặc người giám hộ của học sinh mới gửi được đơn xin nghỉ."),
            field=None,
        )
    reason = " ".join((reason or "").split())
    errors = ErrorCollector()
    if not reason:
        errors.add("leave.reason", _("Hãy ghi lý do xin nghỉ."), "reason")
    today = today or timezone.localdate()
    if from_date < today.replace(day=1):
        errors.add(
            "leave.past_month",
            _("Không thể xin nghỉ cho tháng đã qua (ngày %(d)s); hãy liên hệ giáo viên chủ nhiệm.")
            % {"d": from_date.strftime("%d/%m/%Y")},
            "from_date",
        )
    if to_date < from_date:
        errors.add("leave.dates", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."), "to_date")
    elif (to_date - from_date).days > 60:
        errors.add("leave.too_long", _("Mỗi đơn xin nghỉ tối đa 60 ngày."), "to_date")
    errors.raise_if_any()
    with transaction.atomic():
        leave = LeaveRequest.objects.create(
            student=student,
            guardian_id=person_id,
            from_date=from_date,
            to_date=to_date,
            reason=reason[:500],
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="records.leave_request",
            object_id=leave.pk,
            object_repr=f"{student.person.full_name} {from_date.isoformat()}–{to_date.isoformat()}",
        )
        events.emit(
            "records.leave_requested",
            {"leave": leave.pk, "student": student.pk, "class": student.current_class_id},
        )
    return leave


def leave_request_decide(
    *, actor, leave: LeaveRequest, accept: bool, note: str = ""
) -> LeaveRequest:
    """The homeroom teacher (or the school's principal or clerk) accepts or refuses. On
    acceptance the student's unexcused absences already recorded on those days become
    excused; attendance taken later for those days defaults to excused."""
    if not selectors.may_decide_leave(actor, leave):
        raise Forbidden(
            "leave.forbidden",
            _("Chỉ giáo viên chủ nhiệm hoặc lãnh đạo nhà trường duyệt được đơn này."),
            field=None,
        )
    if leave.status != LeaveStatus.PENDING:
        raise DomainError("leave.decided", _("Đơn này đã được xử lý."), field="status")
    status = LeaveStatus.ACCEPTED if accept else LeaveStatus.REFUSED
    now = timezone.now()
    with transaction.atomic():
        updated = LeaveRequest.objects.filter(pk=leave.pk, status=LeaveStatus.PENDING).update(
            status=status,
            decided_by=actor,
            decided_at=now,
            decision_note=(note or "").strip()[:255],
            updated_at=now,
        )
        if not updated:  # decided concurrently
            raise DomainError("leave.decided", _("Đơn này đã được xử lý."), field="status")
        leave.status, leave.decided_by, leave.decided_at = status, actor, now
        excused = 0
        if accept:
            excused = AttendanceMark.objects.filter(
                student_id=leave.student_id,
                status=AttendanceStatus.UNEXCUSED,
                session__date__gte=leave.from_date,
                session__date__lte=leave.to_date,
            ).update(status=AttendanceStatus.EXCUSED, leave_request=leave)
        audit_record(
            actor=actor,
            action="update",
            object_type="records.leave_request",
            object_id=leave.pk,
            object_repr=str(leave),
            changes={"status": [LeaveStatus.PENDING, status], "excused_marks": excused},
        )
        events.emit(
            "records.leave_decided",
            {"leave": leave.pk, "student": leave.student_id, "status": status},
        )
    return leave


# --- marks -----------------------------------------------------------------------------------

MARKS_CHANGED = "records.marks_changed"


@dataclass(frozen=True)
class MarkEntry:
    """One cell of the grid as typed: `text` empty clears the mark."""

    student_id: int
    kind: str
    text: str | int | Decimal | None


@dataclass
class MarksResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _clean_entries(entries, lay, roster_rows: dict[int, int], names: dict[int, str]):
    """{(student_id, kind): (value, comment) | None} with every bad cell reported at once:
    row = the student's number (STT) on the class list, field = the column."""
    errors = ErrorCollector()
    out: dict[tuple[int, str], tuple | None] = {}
    for i, e in enumerate(entries, start=1):
        sid = e.student_id
        if sid not in roster_rows:
            errors.row = i
            errors.add(
                "records.marks.student",
                _("Học sinh mã số %(id)s không thuộc lớp này.") % {"id": sid},
                "student_id",
            )
            continue
        errors.row = roster_rows[sid]
        column = lay.column(e.kind)
        if column is None:
            errors.add(
                "records.marks.column",
                _("%(n)s: môn này không có cột “%(k)s” (các cột: %(all)s).")
                % {"n": names[sid], "k": e.kind, "all": ", ".join(c.label for c in lay.columns)},
                e.kind,
            )
            continue
        if (sid, e.kind) in out:
            errors.add(
                "records.marks.duplicate",
                _("Điểm %(c)s của %(n)s được nhập hai lần.") % {"c": column.label, "n": names[sid]},
                e.kind,
            )
            continue
        if marks_layout.is_blank(e.text):
            out[(sid, e.kind)] = None
            continue
        try:
            out[(sid, e.kind)] = marks_layout.parse_cell(column, e.text, field=e.kind)
        except DomainError as exc:
            item = exc.as_dict()
            errors.add(
                item["code"],
                _("%(n)s, cột %(c)s: %(m)s")
                % {"n": names[sid], "c": column.label, "m": item["message"]},
                e.kind,
            )
    errors.raise_if_any()
    return out


def _mark_id(student_id, subject, term, kind) -> str:
    return f"{student_id}:{subject.pk}:{term.pk}:{kind}"


def marks_save(
    *,
    actor,
    class_group: ClassGroup,
    subject: Subject,
    term: Term,
    entries: Iterable[MarkEntry],
) -> MarksResult:
    """Save a class's marks in one subject and term (the grid, or part of it).

    Every cell is checked by the rules (`rules.parse_mark`: 0–10, one decimal; whole
    numbers for primary periodic tests; Đ/CĐ, T/H/C for comments); the actor must teach
    the subject to the class (`selectors.may_enter_marks`); every student must be in the
    class. All errors are collected (row = STT on the class list, field = column) and
    nothing is written if there is one. Saving the same values again changes nothing and
    writes no audit. Once the term is locked only an approved change request may change a
    mark. One transaction; the query count does not depend on the class size."""
    if not selectors.may_enter_marks(actor=actor, class_id=class_group.pk, subject_id=subject.pk):
        raise Forbidden(
            "records.marks.forbidden",
            _("Bạn không dạy môn %(s)s ở lớp %(c)s.") % {"s": subject.name, "c": class_group.name},
            field="subject",
        )
    if term.school_year_id != class_group.school_year_id:
        raise DomainError("records.term", _("Học kỳ không thuộc năm học của lớp."), field="term")
    lay = selectors.subject_layout(class_group, subject, term.number)
    students = list(selectors.roster(class_group).values_list("id", "person__full_name"))
    roster_rows = {sid: n for n, (sid, _name) in enumerate(students, start=1)}
    names = dict(students)
    wanted = _clean_entries(list(entries), lay, roster_rows, names)
    user = actor if getattr(actor, "is_authenticated", False) else None
    result = MarksResult()
    with transaction.atomic():
        lock = (
            TermLock.objects.select_for_update().filter(class_group=class_group, term=term).first()
        )
        existing = {
            (m.student_id, m.kind): m
            for m in Mark.objects.select_for_update().filter(
                student_id__in={sid for sid, _k in wanted}, subject=subject, term=term
            )
        }
        now = timezone.now()
        to_create, to_update, to_delete, audit = [], [], [], []
        for (sid, kind), new in wanted.items():
            old = existing.get((sid, kind))
            old_pair = (old.value, old.comment) if old else None
            if new == old_pair:
                continue
            object_id = _mark_id(sid, subject, term, kind)
            audit.append(
                Entry(
                    action="update" if old and new else ("create" if new else "delete"),
                    object_type="records.mark",
                    object_id=object_id,
                    object_repr=f"{names[sid]} · {subject.name} · HK{term.number} · {kind}",
                    changes={"value": [_mark_text(old_pair), _mark_text(new)]},
                )
            )
            if new is None:
                to_delete.append(old.pk)
            elif old is None:
                to_create.append(
                    Mark(
                        student_id=sid,
                        class_group=class_group,
                        subject=subject,
                        term=term,
                        kind=kind,
                        value=new[0],
                        comment=new[1],
                        entered_by=user,
                    )
                )
            else:
                old.value, old.comment, old.entered_by = new[0], new[1], user
                old.class_group, old.updated_at = class_group, now
                to_update.append(old)
        if not audit:
            return result
        if lock is not None and lock.locked:
            raise Conflict(
                "records.marks.locked",
                _(
                    "Điểm học kỳ %(t)s của lớp %(c)s đã khoá; muốn sửa hãy gửi đề nghị kèm lý "
                    "do để hiệu trưởng duyệt."
                )
                % {"t": term.number, "c": class_group.name},
                field="term",
            )
        if lock is not None and lock.homeroom_approved_at:
            # Marks changed after the homeroom teacher's approval: it must be given again.
            TermLock.objects.filter(pk=lock.pk).update(
                homeroom_approved_at=None, homeroom_approved_by=None, updated_at=now
            )
        if to_delete:
            Mark.objects.filter(pk__in=to_delete).delete()
        if to_create:
            Mark.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Mark.objects.bulk_update(
                to_update, ["value", "comment", "entered_by", "class_group", "updated_at"], 500
            )
        result = MarksResult(len(to_create), len(to_update), len(to_delete))
        audit_record_many(actor=user, entries=audit)
        results_recompute(class_group=class_group, term=term)
        events.emit(
            MARKS_CHANGED,
            {
                "class": class_group.pk,
                "school": class_group.school_id,
                "subject": subject.pk,
                "term": term.pk,
                "changed": result.changed,
            },
        )
    return result


def _mark_text(pair) -> str | None:
    if pair is None:
        return None
    value, comment = pair
    return comment or (str(value) if value is not None else None)


# --- term lock and changes after locking -------------------------------------------------------


def term_approve(*, actor, class_group: ClassGroup, term: Term, as_role: str) -> TermLock:
    """`as_role="homeroom"`: the homeroom teacher approves the class's marks for the term;
    `as_role="principal"`: then the principal approves, which locks them."""
    with transaction.atomic():
        lock, _created = TermLock.objects.select_for_update().get_or_create(
            class_group=class_group, term=term
        )
        now = timezone.now()
        if as_role == "homeroom":
            if not selectors.is_homeroom(actor, class_group):
                raise Forbidden(
                    "records.lock.forbidden",
                    _("Chỉ giáo viên chủ nhiệm lớp mới xác nhận được điểm của lớp."),
                )
            if lock.locked:
                raise Conflict("records.lock.locked", _("Điểm học kỳ này đã khoá."))
            lock.homeroom_approved_at, lock.homeroom_approved_by = now, actor
            fields = ["homeroom_approved_at", "homeroom_approved_by"]
        elif as_role == "principal":
            if not selectors.is_principal(actor, class_group.school):
                raise Forbidden(
                    "records.lock.forbidden", _("Chỉ hiệu trưởng mới duyệt và khoá điểm.")
                )
            if lock.locked:
                return lock
            if lock.homeroom_approved_at is None:
                raise DomainError(
                    "records.lock.homeroom_first",
                    _("Giáo viên chủ nhiệm cần xác nhận điểm của lớp trước khi hiệu trưởng duyệt."),
                )
            lock.principal_approved_at, lock.principal_approved_by = now, actor
            lock.locked_at = now
            fields = ["principal_approved_at", "principal_approved_by", "locked_at"]
        else:
            raise ValueError(as_role)
        lock.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            object_type="records.term_lock",
            object_id=lock.pk,
            object_repr=f"{class_group.name} HK{term.number}",
            changes={"approved": [None, as_role], "locked": [False, lock.locked]},
        )
        events.emit(
            "records.term_approved",
            {"class": class_group.pk, "term": term.pk, "role": as_role, "locked": lock.locked},
        )
    return lock


def mark_change_request(
    *,
    actor,
    class_group: ClassGroup,
    subject: Subject,
    term: Term,
    student_id: int,
    kind: str,
    text,
    reason: str,
) -> MarkChangeRequest:
    """Ask to change one mark of a locked term: needs a reason; applied only when the
    principal approves (`mark_change_decide`)."""
    if not selectors.may_enter_marks(actor=actor, class_id=class_group.pk, subject_id=subject.pk):
        raise Forbidden(
            "records.marks.forbidden",
            _("Bạn không dạy môn %(s)s ở lớp %(c)s.") % {"s": subject.name, "c": class_group.name},
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "records.change.reason", _("Hãy ghi lý do sửa điểm sau khi khoá."), field="reason"
        )
    lock = TermLock.objects.filter(class_group=class_group, term=term).first()
    if lock is None or not lock.locked:
        raise DomainError(
            "records.change.not_locked",
            _("Điểm học kỳ này chưa khoá: hãy sửa trực tiếp trên bảng điểm."),
        )
    lay = selectors.subject_layout(class_group, subject, term.number)
    students = list(selectors.roster(class_group).values_list("id", "person__full_name"))
    rows = {sid: n for n, (sid, _name) in enumerate(students, start=1)}
    new = _clean_entries([MarkEntry(student_id, kind, text)], lay, rows, dict(students))[
        (student_id, kind)
    ]
    old = Mark.objects.filter(student_id=student_id, subject=subject, term=term, kind=kind).first()
    with transaction.atomic():
        change = MarkChangeRequest.objects.create(
            class_group=class_group,
            term=term,
            subject=subject,
            student_id=student_id,
            kind=kind,
            old_value=old.value if old else None,
            old_comment=old.comment if old else "",
            new_value=new[0] if new else None,
            new_comment=new[1] if new else "",
            reason=reason[:500],
            requested_by=actor,
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="records.mark_change",
            object_id=change.pk,
            object_repr=str(change),
            changes={
                "value": [
                    _mark_text((change.old_value, change.old_comment) if old else None),
                    _mark_text(new),
                ],
            },
            reason=reason,
        )
        _notify_principals(change)
    return change


def _notify_principals(change: MarkChangeRequest) -> None:
    """Each principal of the school learns of a new request (in-app and their channels),
    linked to the pending list; stored in the request's transaction, once per request."""
    name, subject = change.student.person.full_name, change.subject.name
    cls = change.class_group
    url = reverse("records:mark_changes") + "?status=pending"
    for user in selectors.school_principals(cls.school):
        notify(
            user,
            "records.mark_change_requested",
            {"change": change.pk},
            key=f"records.mark_change:{change.pk}:requested:user:{user.pk}",
            title=lambda: (
                _("Đề nghị sửa điểm: %(s)s, môn %(m)s, lớp %(c)s")
                % {"s": name, "m": subject, "c": cls.name}
            ),
            body=change.reason,
            url=url,
        )


def _notify_requester(change: MarkChangeRequest) -> None:
    """The teacher who asked learns the principal's decision."""
    if change.requested_by is None:
        return
    approved = change.status == ChangeStatus.APPROVED
    names = {"s": change.student.person.full_name, "m": change.subject.name}
    notify(
        change.requested_by,
        "records.mark_change_decided",
        {"change": change.pk, "status": change.status},
        key=f"records.mark_change:{change.pk}:decided",
        title=lambda: (
            (
                _("Hiệu trưởng đã duyệt đề nghị sửa điểm: %(s)s, môn %(m)s")
                if approved
                else _("Hiệu trưởng không duyệt đề nghị sửa điểm: %(s)s, môn %(m)s")
            )
            % names
        ),
        url=reverse("records:mark_changes"),
    )


def mark_change_decide(*, actor, change: MarkChangeRequest, approve: bool) -> MarkChangeRequest:
    """The principal approves (the mark changes, results are recomputed, the audit trail
    has the old and new values and the reason) or refuses a change request."""
    cls = change.class_group
    if not selectors.is_principal(actor, cls.school):
        raise Forbidden("records.lock.forbidden", _("Chỉ hiệu trưởng mới duyệt sửa điểm."))
    with transaction.atomic():
        change = MarkChangeRequest.objects.select_for_update().get(pk=change.pk)
        if change.status != ChangeStatus.PENDING:
            raise Conflict("records.change.decided", _("Đề nghị này đã được xử lý."))
        now = timezone.now()
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REFUSED
        change.decided_by, change.decided_at = actor, now
        change.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        old_pair = (change.old_value, change.old_comment)
        new_pair = (change.new_value, change.new_comment)
        if approve:
            key = {
                "student_id": change.student_id,
                "subject_id": change.subject_id,
                "term_id": change.term_id,
                "kind": change.kind,
            }
            if change.new_value is None and not change.new_comment:
                Mark.objects.filter(**key).delete()
            else:
                Mark.objects.update_or_create(
                    **key,
                    defaults={
                        "class_group": cls,
                        "value": change.new_value,
                        "comment": change.new_comment,
                        "entered_by": change.requested_by,
                    },
                )
            results_recompute(class_group=cls, term=change.term)
            events.emit(
                MARKS_CHANGED,
                {
                    "class": cls.pk,
                    "school": cls.school_id,
                    "subject": change.subject_id,
                    "term": change.term_id,
                    "changed": 1,
                },
            )
        audit_record(
            actor=actor,
            action="update",
            object_type="records.mark",
            object_id=f"{change.student_id}:{change.subject_id}:{change.term_id}:{change.kind}",
            object_repr=f"{cls.name} · change request {change.pk}",
            changes={
                "value": [_mark_text(old_pair), _mark_text(new_pair)],
                "status": [ChangeStatus.PENDING, change.status],
                "requested_by": change.requested_by_id,
            },
            reason=change.reason,
        )
        _notify_requester(change)
    return change


def conduct_save(*, actor, class_group: ClassGroup, term: Term, levels: dict[int, str]) -> int:
    """The homeroom teacher records the term's conduct (Tốt/Khá/Đạt/Chưa đạt codes)."""
    if not selectors.is_homeroom(actor, class_group):
        raise Forbidden(
            "records.conduct.forbidden", _("Chỉ giáo viên chủ nhiệm đánh giá rèn luyện.")
        )
    roster_ids = set(selectors.roster(class_group).values_list("id", flat=True))
    errors = ErrorCollector()
    for sid, code in levels.items():
        errors.row = sid
        if sid not in roster_ids:
            errors.add("records.marks.student", _("Học sinh không thuộc lớp này."), "student_id")
        elif code not in {lv.code for lv in rules.Level}:
            errors.add("records.conduct.level", _("Mức rèn luyện không hợp lệ."), "level")
    errors.raise_if_any()
    with transaction.atomic():
        existing = {
            c.student_id: c for c in ConductRating.objects.filter(student_id__in=levels, term=term)
        }
        new = [
            ConductRating(
                student_id=sid, class_group=class_group, term=term, level=code, entered_by=actor
            )
            for sid, code in levels.items()
            if sid not in existing
        ]
        changed = [c for sid, c in existing.items() if c.level != levels[sid]]
        for c in changed:
            c.level = levels[c.student_id]
        ConductRating.objects.bulk_create(new)
        ConductRating.objects.bulk_update(changed, ["level"])
        if new or changed:
            audit_record(
                actor=actor,
                action="update",
                object_type="records.conduct",
                object_id=f"{class_group.pk}:{term.pk}",
                object_repr=f"{class_group.name} HK{term.number}",
                changes={"students": len(new) + len(changed)},
            )
            results_recompute(class_group=class_group, term=term)
    return len(new) + len(changed)


@dataclass(frozen=True)
class QualityEntry:
    """One pupil's ratings as entered: {code: "t" | "d" | "c" | ""} ("" clears a rating);
    `outstanding` / `class_recognised` only at the end of the year (term 2)."""

    student_id: int
    ratings: dict
    outstanding: bool = False
    class_recognised: bool = False


def qualities_save(
    *,
    actor,
    class_group: ClassGroup,
    term: Term,
    entries: Iterable[QualityEntry],
    checkpoint: str = QualityCheckpoint.END,
) -> int:
    """The homeroom teacher of a primary class records the pupils' qualities and
    competencies at a checkpoint of a term — mid-term or end (Circular 27/2020, Art. 6(2);
    levels Art. 7(2)(a): Tốt / Đạt / Cần cố gắng); codes not mentioned keep their stored
    rating. All or nothing; audited with old and new values; the end-of-year checkpoint
    recomputes the results. Returns the number of pupils changed."""
    selectors.checkpoint_check(checkpoint)
    if not selectors.is_homeroom(actor, class_group):
        raise Forbidden(
            "records.qualities.forbidden",
            _("Chỉ giáo viên chủ nhiệm đánh giá phẩm chất, năng lực."),
        )
    if not (class_group.grade_id and class_group.grade.number in marks_layout.PRIMARY_GRADES):
        raise DomainError(
            "records.qualities.not_primary",
            _("Chỉ lớp tiểu học đánh giá phẩm chất, năng lực theo Thông tư 27/2020/TT-BGDĐT."),
            field="class_id",
        )
    roster_ids = set(selectors.roster(class_group).values_list("id", flat=True))
    entries = list(entries)
    errors = ErrorCollector()
    known = set(QUALITY_CODES)
    levels = {c.code for c in rules.CompetencyRating}
    seen: set[int] = set()
    for entry in entries:
        errors.row = entry.student_id
        if entry.student_id not in roster_ids:
            errors.add("records.marks.student", _("Học sinh không thuộc lớp này."), "student_id")
            continue
        if entry.student_id in seen:
            errors.add("records.qualities.duplicate", _("Học sinh bị nhập hai lần."), "student_id")
        seen.add(entry.student_id)
        for code, level in entry.ratings.items():
            if code not in known:
                errors.add(
                    "records.qualities.code",
                    _("Không có phẩm chất, năng lực “%(c)s”.") % {"c": code},
                    str(code),
                )
            elif level not in levels and level not in ("", None):
                errors.add(
                    "records.qualities.level",
                    _("Mức “%(v)s” không hợp lệ: nhập T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng).")
                    % {"v": level},
                    code,
                )
    errors.raise_if_any()
    final = checkpoint == QualityCheckpoint.END and term.number == max(
        Term.objects.filter(school_year_id=class_group.school_year_id).values_list(
            "number", flat=True
        )
    )
    with transaction.atomic():
        existing = {
            q.student_id: q
            for q in QualityRating.objects.select_for_update().filter(
                student_id__in=[e.student_id for e in entries], term=term, checkpoint=checkpoint
            )
        }
        new, changed, audit = [], [], []
        for entry in entries:
            row = existing.get(entry.student_id)
            old = dict(row.ratings) if row else {}
            ratings = dict(old)
            for code, level in entry.ratings.items():
                if level:
                    ratings[code] = level
                else:
                    ratings.pop(code, None)
            ratings = {c: ratings[c] for c in QUALITY_CODES if c in ratings}
            flags = (entry.outstanding, entry.class_recognised) if final else (False, False)
            old_flags = (row.outstanding, row.class_recognised) if row else (False, False)
            if row is None:
                if not ratings and not any(flags):
                    continue
                new.append(
                    QualityRating(
                        student_id=entry.student_id,
                        class_group=class_group,
                        term=term,
                        checkpoint=checkpoint,
                        ratings=ratings,
                        outstanding=flags[0],
                        class_recognised=flags[1],
                        entered_by=actor,
                    )
                )
            elif ratings != old or flags != old_flags:
                row.ratings = ratings
                row.outstanding, row.class_recognised = flags
                row.entered_by = actor
                changed.append(row)
            else:
                continue
            diff = {
                c: [old.get(c), ratings.get(c)]
                for c in QUALITY_CODES
                if old.get(c) != ratings.get(c)
            }
            if flags != old_flags:
                diff["outstanding"] = [old_flags[0], flags[0]]
                diff["class_recognised"] = [old_flags[1], flags[1]]
            audit.append(
                Entry(
                    action="update" if row else "create",
                    object_type="records.qualities",
                    object_id=f"{entry.student_id}:{term.pk}"
                    + ("" if checkpoint == QualityCheckpoint.END else f":{checkpoint}"),
                    object_repr=f"{class_group.name} HK{term.number}"
                    + ("" if checkpoint == QualityCheckpoint.END else " GK"),
                    changes=diff,
                )
            )
        QualityRating.objects.bulk_create(new)
        QualityRating.objects.bulk_update(
            changed, ["ratings", "outstanding", "class_recognised", "entered_by", "updated_at"]
        )
        if audit:
            audit_record_many(actor=actor, entries=audit)
            if checkpoint == QualityCheckpoint.END:
                results_recompute(class_group=class_group, term=term)
    return len(audit)


# --- results (summary tables) -------------------------------------------------------------------


def results_recompute(*, class_group: ClassGroup, term: Term | None = None) -> int:
    """Rebuild the class's SubjectResult and StudentResult rows for `term` and for the year
    (or both terms and the year when `term` is None) from its marks, conduct and absences,
    by `records.rules` only. Idempotent; bulk; the caller's transaction (or its own).
    Primary classes (Circular 27/2020) get their ratings, qualities and year-end result
    (`_primary_rows`); secondary classes (Circular 22/2021) their averages and levels
    (`_secondary_rows`). Returns the number of summary rows written or deleted."""
    with transaction.atomic():
        return _recompute_classes([class_group], term)


def results_recompute_many(class_groups: Iterable[ClassGroup], *, term: Term | None = None) -> int:
    """`results_recompute` for many classes at once (a school's or a province's year end):
    each read is one query for all the classes of a school year (rosters, marks, conduct,
    qualities, absences, the stored results) and each summary table is written in one
    statement, instead of a dozen round trips per class. One transaction."""
    with transaction.atomic():
        return _recompute_classes(list(class_groups), term)


_RATINGS = {r.code: r for r in rules.SubjectRating}
_COMPETENCY_LEVELS = {c.code: c for c in rules.CompetencyRating}
QUALITY_CODES = (*rules.QUALITIES, *rules.COMPETENCIES)


def _grade(cls: ClassGroup) -> int:
    return cls.grade.number


class _Plan(NamedTuple):
    """A subject's term layout with what the recompute asks of it for every student, worked
    out once: the columns it needs and its regular-assessment (ĐĐGtx) columns in order."""

    layout: object
    needed: frozenset
    regular: tuple

    @classmethod
    def of(cls, lay) -> "_Plan":
        kinds = [c.kind for c in lay.columns]
        return cls(lay, frozenset(kinds), tuple(k for k in kinds if k.startswith("tx")))


_NO_MARKS: dict = {}  # read only: the cells of a subject without marks


def _curricula(grades: set[int], term_numbers: tuple[int, ...]) -> dict[int, list]:
    """grade → [(subject id, code, comment only, kind, {term number: Layout})]."""
    out: dict[int, list] = defaultdict(list)
    for grade, subject_id, code, assessed_by, ppy, kind in CurriculumSubject.objects.filter(
        grade__in=grades
    ).values_list(
        "grade", "subject_id", "subject__code", "subject__assessed_by", "periods_per_year", "kind"
    ):
        layouts = {
            n: _Plan.of(
                marks_layout.layout(
                    grade=grade, subject_code=code, assessed_by=assessed_by, periods=ppy, term=n
                )
            )
            for n in term_numbers
        }
        out[grade].append((subject_id, code, assessed_by == AssessedBy.COMMENT, kind, layouts))
    return out


def _recompute_classes(classes: list[ClassGroup], term: Term | None) -> int:
    changed = 0
    by_year: dict[int, list[ClassGroup]] = defaultdict(list)
    for cls in classes:
        if cls.grade_id:  # kindergarten groups have no marks or results
            by_year[cls.school_year_id].append(cls)
    with _keyed_reads():
        for year_id, year_classes in by_year.items():
            changed += _recompute_year(year_id, year_classes, term)
    return changed


# PostgreSQL planner settings while a recompute reads: every read is by an indexed key
# (the classes' students, then their marks and results). A year end adds millions of
# summary rows faster than autovacuum analyses them, and on the stale statistics the
# planner chose a parallel sequential scan of the whole StudentResult table for every
# batch (226 ms at 157,000 rows, growing with the table) where the unique index answers
# in under a millisecond, and parallel workers for each batch's reads (docs/records.md).
_KEYED_READS = {"enable_seqscan": "off", "max_parallel_workers_per_gather": "0"}


@contextmanager
def _keyed_reads():
    """`_KEYED_READS` for the enclosed statements (transaction-local: call inside the
    recompute's atomic block), then the previous values again; nothing on SQLite, whose
    planner uses the indexes without statistics."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cur:
        names = list(_KEYED_READS)
        cur.execute(
            "SELECT " + ", ".join("current_setting(%s)" for _ in names),  # noqa: S608
            names,
        )
        before = cur.fetchone()
        for name, value in _KEYED_READS.items():
            cur.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield  # an error rolls back the recompute's savepoint, and the settings with it
    with connection.cursor() as cur:
        for name, value in zip(names, before, strict=True):
            cur.execute("SELECT set_config(%s, %s, true)", [name, value])


def _recompute_year(year_id: int, classes: list[ClassGroup], term: Term | None) -> int:
    bounds = list(
        Term.objects.filter(school_year_id=year_id).values_list(
            "number", "id", "start_date", "end_date"
        )
    )
    terms = {n: pk for n, pk, _s, _e in bounds}
    term_numbers = {pk: n for n, pk in terms.items()}
    periods = [term.number] if term is not None else sorted(terms)
    periods.append(YEAR)
    class_ids = [c.pk for c in classes]
    # The students as a subquery, not a list of thousands of parameters.
    roster_q = Student.objects.filter(
        current_class__in=class_ids, status=StudentStatus.STUDYING
    ).values("id")
    rosters: dict[int, list[int]] = defaultdict(list)
    for sid, class_id in (
        Student.objects.filter(current_class__in=class_ids, status=StudentStatus.STUDYING)
        .order_by("search_name", "id")
        .values_list("id", "current_class_id")
    ):
        rosters[class_id].append(sid)
    student_ids = [sid for ids in rosters.values() for sid in ids]
    if connection.vendor == "postgresql" and student_ids:
        # PostgreSQL: the ids themselves. With the subquery the plan of each read of the
        # summary tables rested on their statistics, stale while a year end fills them,
        # and the planner read every stored result of the year for each batch; an id list
        # is an index lookup per student whatever the statistics say (docs/records.md).
        roster_q = student_ids
    if not student_ids:
        owner: dict[int, int] = {}
    else:
        owner = {sid: class_id for class_id, ids in rosters.items() for sid in ids}
    primary = [c for c in classes if c.grade_id and c.grade.number in marks_layout.PRIMARY_GRADES]
    primary_ids = {c.pk for c in primary}
    curricula = _curricula({_grade(c) for c in classes}, tuple(sorted(terms)))
    marks = _read_marks(student_ids, term_numbers, class_ids) if student_ids else {}
    conduct: dict[tuple[int, int], str] = {}
    if len(primary) < len(classes) and student_ids:
        conduct = {
            (sid, term_numbers[term_id]): code
            for sid, term_id, code in ConductRating.objects.filter(
                student_id__in=roster_q
            ).values_list("student_id", "term_id", "level")
            if term_id in term_numbers and sid in owner
        }
    qualities: dict[int, tuple] = {}
    if primary and terms and student_ids:
        qualities = {
            sid: (ratings, outstanding, recognised)
            for sid, ratings, outstanding, recognised in QualityRating.objects.filter(
                student_id__in=roster_q, term_id=terms[max(terms)], checkpoint=QualityCheckpoint.END
            ).values_list("student_id", "ratings", "outstanding", "class_recognised")
        }
    absences = {YEAR: selectors.year_absences(year_id, roster_q) if student_ids else {}}
    if absences[YEAR]:  # per-term counts only when someone was absent at all
        absent_ids = list(absences[YEAR])
        for n, _pk, start, end in bounds:
            absences[n] = _absences_between(absent_ids, year_id, start, end)
    subject_rows: dict[tuple, tuple] = {}
    student_rows: dict[tuple, tuple] = {}
    for cls in classes:
        ids = rosters.get(cls.pk, [])
        curriculum = curricula.get(_grade(cls), [])
        if cls.pk in primary_ids:
            _primary_rows(
                ids, terms, periods, curriculum, marks, qualities, absences,
                subject_rows, student_rows,
            )  # fmt: skip
        else:
            _secondary_rows(
                ids, terms, periods, curriculum, marks, conduct, absences,
                subject_rows, student_rows,
            )  # fmt: skip
    if not student_ids:
        return 0
    common = {"student_id__in": roster_q, "school_year_id": year_id}
    changed = _sync(
        SubjectResult,
        SubjectResult.objects.filter(**common, period__in=periods),
        ("student_id", "subject_id", "period"),
        ("average", "comment", "complete"),
        subject_rows,
        owner,
        year_id,
        _subject_copy_line,
    )
    changed += _sync(
        StudentResult,
        StudentResult.objects.filter(**common, period__in=periods),
        ("student_id", "period"),
        ("learning", "learning_adjusted_for", "conduct", "absences", "status", "title", "complete"),
        student_rows,
        owner,
        year_id,
        _student_copy_line,
    )
    return changed


def _read_marks(
    student_ids, term_numbers, class_ids=None
) -> dict[tuple[int, int, int], dict[str, tuple]]:
    """{(student, subject, term number): {kind: (tenths, comment)}} of the students' marks in
    the terms `term_numbers` ({term id: number}) names. With `class_ids`, `student_ids` are
    the current students of those classes and are selected by a subquery."""
    # Filtered by student only (index uniq_mark, student first) and the year in Python: with
    # a term filter too, SQLite's planner may pick the term index and scan a whole term.
    # Read raw, the value in whole tenths (8.5 → 85): an integer costs the driver a
    # fraction of a Decimal, and the averages are integer arithmetic on tenths
    # (`rules.term_average_tenths`); a province's year end reads ~16 million marks.
    marks: dict[tuple[int, int, int], dict[str, tuple]] = defaultdict(dict)
    if not student_ids:
        return marks
    table = Mark._meta.db_table
    tenths = (
        "(value * 10)::integer"
        if connection.vendor == "postgresql"
        else "CAST(ROUND(value * 10) AS INTEGER)"
    )
    sql = f"SELECT student_id, subject_id, term_id, kind, {tenths}, comment FROM {table} "  # noqa: S608
    if class_ids is not None:
        student = connection.ops.quote_name(Student._meta.db_table)
        queries = [
            (
                sql + f"WHERE student_id IN (SELECT id FROM {student} WHERE current_class_id "
                f"IN ({', '.join(['%s'] * len(class_ids))}) AND status = %s)",
                [*class_ids, StudentStatus.STUDYING.value],
            )
        ]
    elif connection.vendor == "postgresql":
        # One array parameter: the statement is the same for any number of students.
        queries = [(sql + "WHERE student_id = ANY(%s)", [list(student_ids)])]
    else:
        ids = list(student_ids)
        queries = [
            (sql + f"WHERE student_id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            for chunk in (ids[i : i + 5000] for i in range(0, len(ids), 5000))
        ]
    with connection.cursor() as cur:
        for query, params in queries:
            cur.execute(query, params)
            for sid, subject_id, term_id, kind, value, comment in cur.fetchall():
                n = term_numbers.get(term_id)
                if n is not None:
                    marks[(sid, subject_id, n)][kind] = (value, comment)
    return marks


def _secondary_rows(
    student_ids, terms, periods, curriculum, marks, conduct, absences, subject_rows, student_rows
) -> None:
    """Circular 22/2021: term and year averages or comment results per subject (Art. 9(1)),
    learning (Art. 9(2)-(3)) and conduct (Art. 8(3)) levels, year-end status (Art. 12) and
    title (Art. 15), into `subject_rows` and `student_rows`."""
    for sid in student_ids:
        averages: dict[int, dict] = {n: {} for n in (*terms, YEAR)}
        comments: dict[int, dict] = {n: {} for n in (*terms, YEAR)}
        complete = {n: True for n in (*terms, YEAR)}
        year_avgs = []
        for subject_id, code, is_comment, kind, layouts in curriculum:
            if kind != "compulsory" and not any((sid, subject_id, n) in marks for n in terms):
                continue  # an optional subject the student does not take
            per_term = {
                n: _subject_term(layouts[n], marks.get((sid, subject_id, n), _NO_MARKS))
                for n in terms
            }
            year = None
            if len(terms) >= 2 and per_term.get(1) is not None and per_term.get(2) is not None:
                if is_comment:
                    year = rules.comment_year_result(per_term[2])
                else:
                    year = rules.year_average_tenths(per_term[1], per_term[2])
            per_term[YEAR] = year
            if not is_comment:  # averages in tenths → Decimal for the levels and the rows
                per_term = {
                    n: None if t is None else rules.mark_from_tenths(t) for n, t in per_term.items()
                }
                if year is not None:
                    year_avgs.append(per_term[YEAR])
            for n, res in per_term.items():
                if res is None:
                    complete[n] = False
                elif is_comment:
                    comments[n][code] = res
                else:
                    averages[n][code] = res
                if n in periods:
                    subject_rows[(sid, subject_id, n)] = (
                        None if res is None or is_comment else res,
                        res.code if res is not None and is_comment else "",
                        res is not None,
                    )
        conduct_levels = {
            n: rules.Level.from_code(conduct[(sid, n)]) for n in terms if (sid, n) in conduct
        }
        if 1 in conduct_levels and 2 in conduct_levels:
            conduct_levels[YEAR] = rules.conduct_year_result(conduct_levels[1], conduct_levels[2])
        for n in periods:
            learning = (
                rules.learning_result(averages[n], comments[n])
                if complete[n] and (averages[n] or comments[n])
                else None
            )
            level = conduct_levels.get(n)
            absent = absences.get(n, {}).get(sid, 0)
            status = title = ""
            if n == YEAR and learning is not None and level is not None:
                status = rules.year_end_status(
                    conduct=level, learning=learning.level, absent_sessions=absent
                ).name.lower()
                t = rules.year_title(
                    conduct=level, learning=learning.level, year_averages=year_avgs
                )
                title = t.name.lower() if t else ""
            student_rows[(sid, n)] = (
                learning.level.code if learning else "",
                str(learning.adjusted_for or "") if learning else "",
                level.code if level is not None else "",
                absent,
                status,
                title,
                learning is not None,
            )


def _primary_rows(
    student_ids, terms, periods, curriculum, marks, qualities, absences, subject_rows, student_rows
) -> None:
    """Primary (Circular 27/2020): a subject's result for a term is its end-of-term rating
    (term 2: the end-of-year rating, also the year's), with the end-of-term test score
    where one is set; the year row of a pupil holds the year-end result (Art. 9(2)), whether
    the grade is completed (Art. 11(1)) and the commendation (Art. 13(1)(a)), once every
    subject, quality and competency has its end-of-year rating and every end-of-year test
    its score. Term rows hold the absences only."""
    last = max(terms) if terms else 2
    for sid in student_ids:
        year_ratings, year_tests, complete = {}, {}, True
        for subject_id, code, _is_comment, kind, layouts in curriculum:
            if kind != "compulsory" and not any((sid, subject_id, n) in marks for n in terms):
                continue  # an optional subject the pupil does not take
            for n in terms:
                cells = marks.get((sid, subject_id, n), _NO_MARKS)
                done = cells.keys() >= layouts[n].needed
                rating = cells.get(MarkKind.RATING, (None, ""))[1]
                tenths = cells[MarkKind.CK][0] if MarkKind.CK in cells else None
                score = None if tenths is None else rules.mark_from_tenths(tenths)
                row = (score if done else None, rating if done else "", done)
                if n in periods:
                    subject_rows[(sid, subject_id, n)] = row
                if n == last:
                    if YEAR in periods:
                        subject_rows[(sid, subject_id, YEAR)] = row
                    if done and rating in _RATINGS:
                        year_ratings[code] = _RATINGS[rating]
                        if tenths is not None:
                            year_tests[code] = tenths // 10  # a test score is whole
                    else:
                        complete = False
        ratings, outstanding, recognised = qualities.get(sid, ({}, False, False))
        levels = {c: _COMPETENCY_LEVELS.get(ratings.get(c)) for c in QUALITY_CODES}
        result = commendation = None
        if complete and year_ratings and None not in levels.values():
            result = rules.year_result(
                subjects=year_ratings, competencies=levels, end_of_year_tests=year_tests
            )
            commendation = rules.year_commendation(
                result, outstanding_or_progress=outstanding, class_recognised=recognised
            )
        for n in periods:
            absent = absences.get(n, {}).get(sid, 0)
            if n != YEAR:
                student_rows[(sid, n)] = ("", "", "", absent, "", "", False)
                continue
            status = ""
            if result is not None:
                status = "completed" if rules.completes_grade(result) else "not_completed"
            student_rows[(sid, n)] = (
                result.code if result is not None else "",
                "",
                "",
                absent,
                status,
                commendation.name.lower() if commendation else "",
                result is not None,
            )


# COPY's text format: a tab between columns, \N for NULL, t/f, and a backslash escape
# for the four characters that would break a line. The lines are written by hand for the
# two summary tables: psycopg's `write_row` formats each value through its dumper, 3.6 µs
# a row against 1.1 µs here, and a year end writes ~8 million rows (docs/records.md).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_NULL = "\\N"


def _subject_copy_line(row: tuple, stamp: str) -> str:
    sid, subject_id, period, average, comment, complete, class_id, year_id, _now = row
    average = _COPY_NULL if average is None else average
    comment = comment.translate(_COPY_ESCAPES)
    return (
        f"{sid}\t{subject_id}\t{period}\t{average}\t{comment}\t{'t' if complete else 'f'}"
        f"\t{class_id}\t{year_id}\t{stamp}\n"
    )


def _student_copy_line(row: tuple, stamp: str) -> str:
    sid, period, learning, adjusted, conduct, absent, status, title, done, class_id, year, _ = row
    e = _COPY_ESCAPES
    return (
        f"{sid}\t{period}\t{learning.translate(e)}\t{adjusted.translate(e)}"
        f"\t{conduct.translate(e)}\t{absent}\t{status.translate(e)}\t{title.translate(e)}"
        f"\t{'t' if done else 'f'}\t{class_id}\t{year}\t{stamp}\n"
    )


def _sync(
    model, existing_qs, key_fields, value_fields, rows: dict, owner, year_id, copy_line
) -> int:
    """Make the summary rows in `existing_qs` (one school year's) equal `rows` ({key:
    values}), writing only what differs: after one mark changes, a class's recompute writes
    a handful of rows. Rows are addressed by their natural key (`key_fields` and the school
    year: SubjectResult's primary key, StudentResult's unique constraint), never by id.
    `owner`: student id (the first key field) → class id. Plain parameterised statements
    (PostgreSQL: COPY, and arrays through unnest); no model instance per row."""
    n_key = len(key_fields)
    existing = {}
    for row in existing_qs.values_list(*key_fields, "class_group_id", *value_fields):
        existing[row[:n_key]] = row[n_key:]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(model._meta.db_table)
    field = model._meta.get_field
    keys = [field(f).column for f in key_fields]
    values = [field(f).column for f in value_fields]
    inserts, updates = [], []
    for key, new in rows.items():
        old = existing.pop(key, None)
        class_id = owner[key[0]]
        if old is None:
            inserts.append((*key, *new, class_id, year_id, now))
        elif old[1:] != new or old[0] != class_id:
            updates.append((*new, class_id, now, *key))
    where = " AND ".join(f"{table}.{k} = u.{k}" for k in keys)
    pg = connection.vendor == "postgresql"

    def unnest(fields, aliases) -> str:
        # One statement for any number of rows: a typed array per column, zipped by unnest.
        arrays = ", ".join(f"%s::{field(f).db_type(connection)}[]" for f in fields)
        return f"unnest({arrays}) AS u({', '.join(aliases)})"

    with connection.cursor() as cur:
        if existing and pg:
            cur.execute(
                f"DELETE FROM {table} USING {unnest(key_fields, keys)} "  # noqa: S608
                f"WHERE {table}.school_year_id = %s AND {where}",
                [*(list(column) for column in zip(*existing, strict=True)), year_id],
            )
        elif existing:
            cur.executemany(
                f"DELETE FROM {table} WHERE school_year_id = %s AND "  # noqa: S608
                + " AND ".join(f"{k} = %s" for k in keys),
                [(year_id, *key) for key in existing],
            )
        names = ", ".join([*keys, *values, "class_group_id", "school_year_id", "computed_at"])
        if inserts and pg:
            # COPY, the server skips the planner; an INSERT … SELECT FROM unnest(arrays)
            # spent more client CPU dumping the arrays (a regex per element) than the server
            # spent inserting (docs/records.md). Lines by `copy_line`, see _COPY_ESCAPES.
            stamp = now.isoformat()
            with cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608
                for i in range(0, len(inserts), 20_000):
                    copy.write("".join([copy_line(r, stamp) for r in inserts[i : i + 20_000]]))
        elif inserts:
            # One prepared statement and sqlite3's C loop over the rows (Django rewrites the
            # placeholders once, not per row as it would for a many-row VALUES list).
            marks = ", ".join(["%s"] * (len(keys) + len(values) + 3))
            cur.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                inserts,
            )
        sets = ", ".join(f"{c} = u.{c}" for c in (*values, "class_group_id", "computed_at"))
        if updates and pg:
            fields = (*value_fields, "class_group", "computed_at", *key_fields)
            aliases = (*values, "class_group_id", "computed_at", *keys)
            cur.execute(
                f"UPDATE {table} SET {sets} FROM {unnest(fields, aliases)} "  # noqa: S608
                f"WHERE {table}.school_year_id = %s AND {where}",
                [*(list(column) for column in zip(*updates, strict=True)), year_id],
            )
        elif updates:
            cur.executemany(
                f"UPDATE {table} SET "  # noqa: S608
                + ", ".join(f"{c} = %s" for c in (*values, "class_group_id", "computed_at"))
                + " WHERE "
                + " AND ".join(f"{k} = %s" for k in keys)
                + " AND school_year_id = %s",
                [(*u, year_id) for u in updates],
            )
    return len(inserts) + len(updates) + len(existing)


def _subject_term(plan: _Plan, cells: dict[str, tuple]):
    """A subject's term result from its marks (None while any column is empty): the
    average in tenths for a score subject, a `rules.Comment` for a comment-only one."""
    if not cells.keys() >= plan.needed:
        return None
    lay = plan.layout
    if lay.scored:
        regular = [cells[k][0] for k in plan.regular]
        return rules.term_average_tenths(regular, cells[MarkKind.GK][0], cells[MarkKind.CK][0])
    passed, fail = rules.Comment.PASS, rules.Comment.FAIL
    got = {k: passed if cells[k][1] == marks_layout.PASS else fail for k in plan.needed}
    return rules.comment_term_result(
        [got[k] for k in plan.regular], got[MarkKind.GK], got[MarkKind.CK]
    )


def _absences_between(student_ids, school_year_id, start, end) -> dict[int, int]:
    return dict(
        AttendanceMark.objects.filter(
            student_id__in=student_ids,
            status__in=ABSENT,
            session__session__in=HALF_DAYS,
            session__class_group__school_year_id=school_year_id,
            session__date__gte=start,
            session__date__lte=end,
        )
        .values_list("student_id")
        .annotate(n=Count("id"))
        .values_list("student_id", "n")
    )
