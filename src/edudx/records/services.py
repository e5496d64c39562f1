"""Every write of records: subject assignments, homeroom teachers, attendance, leave.

Callers fetch the class or student through `records.selectors` (which apply the actor's
scope) and pass the objects in; services check the rules that remain (a teacher of the
school, a date inside the school year, a guardian of the student) and write in one
transaction with the audit trail and outbox events."""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import Entry, audit_record, audit_record_many
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, ErrorCollector
from edudx.core.scope import scope_of
from edudx.org.models import ClassGroup, Term
from edudx.people import services as people_services
from edudx.people.models import GuardianLink, StaffMember, Student, TeachingAssignment

from . import selectors
from .models import (
    ABSENT,
    AttendanceMark,
    AttendanceSession,
    AttendanceStatus,
    CurriculumSubject,
    LeaveRequest,
    LeaveStatus,
    Subject,
    SubjectAssignment,
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
            # people.services has no un-assign yet; the row is the one subject_assign made.
            TeachingAssignment.objects.filter(
                staff_id=staff_id, class_group_id=cls_id, subject=subject.name, is_homeroom=False
            ).delete()
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
        # The homeroom flag lives on people.TeachingAssignment, which accounts.scope reads
        # (homeroom_class_ids); people.services only creates rows, so the flag moves here.
        TeachingAssignment.objects.filter(class_group=class_group, is_homeroom=True).exclude(
            staff=staff
        ).update(is_homeroom=False, updated_at=timezone.now())
        ta = people_services.teaching_assign(
            actor=actor, staff=staff, class_group=class_group, subject="", is_homeroom=True
        )
        if not ta.is_homeroom:
            TeachingAssignment.objects.filter(pk=ta.pk).update(
                is_homeroom=True, updated_at=timezone.now()
            )
            ta.is_homeroom = True
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


def _check_day(class_group: ClassGroup, day: dt.date) -> None:
    year = class_group.school_year
    if not (year.start_date <= day <= year.end_date):
        raise DomainError(
            "attendance.date_outside_year",
            _("Ngày %(d)s nằm ngoài năm học %(y)s.")
            % {"d": day.strftime("%d/%m/%Y"), "y": year.code},
            field="date",
        )
    if day > timezone.localdate():
        raise DomainError(
            "attendance.future", _("Không thể điểm danh cho ngày trong tương lai."), field="date"
        )


def _clean_marks(marks: Iterable[MarkIn], roster_ids: set[int]) -> dict[int, MarkIn]:
    """Validated marks by student; every bad row reported at once (row = position)."""
    errors = ErrorCollector()
    out: dict[int, MarkIn] = {}
    for i, m in enumerate(marks, start=1):
        errors.row = i
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
    _check_day(class_group, day)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    roster_ids = set(Student.objects.filter(current_class=class_group).values_list("id", flat=True))
    wanted = {
        sid: m
        for sid, m in _clean_marks(marks, roster_ids).items()
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
    *, actor, student: Student, from_date: dt.date, to_date: dt.date, reason: str
) -> LeaveRequest:
    """A guardian asks for leave for their child (later also from the contact book)."""
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
