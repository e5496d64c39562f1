"""Every read of records that crosses a permission line. Each takes the acting user.

Who sees a class's attendance: its teachers (scope.class_ids), unit-wide roles above its
school, the system. Who may take it: its teachers, and the school's principal and clerks
(officers above the school read, they do not write). A class outside the reader's scope is
a 404; a class they may read but not write is a 403. Guardians and students read their own
attendance through `student_attendance`, which applies people's student scope."""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, NotFound
from edudx.core.scope import Scope, scope_of
from edudx.org.models import ClassGroup, Term, path_upper
from edudx.people import selectors as people_selectors
from edudx.people.models import Student, StudentStatus

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
from .sessions import ABSENCE_LIMIT, HALF_DAYS, absence_streak, trailing_run

# Unit-wide roles that may write a school's attendance and decide leave (not officers).
SCHOOL_STAFF_ROLES = (Role.PRINCIPAL, Role.CLERK)


def _paths_q(scope: Scope, field: str) -> Q:
    q = Q(pk__in=[])
    for p in scope.unit_paths:
        q |= Q(**{f"{field}__path__gte": p, f"{field}__path__lt": path_upper(p)})
    return q


def class_scope_q(scope: Scope) -> Q | None:
    """Classes a reader may see; None means all."""
    if scope.everything:
        return None
    return Q(pk__in=scope.class_ids) | _paths_q(scope, "school")


def _classes() -> QuerySet[ClassGroup]:
    return ClassGroup.objects.select_related("school", "school_year", "grade")


def class_get(*, actor, class_id: int) -> ClassGroup:
    qs = _classes()
    q = class_scope_q(scope_of(actor))
    if q is not None:
        qs = qs.filter(q)
    cls = qs.filter(pk=class_id).first()
    if cls is None:
        raise NotFound("class.not_found", _("Không tìm thấy lớp."))
    return cls


def _school_staff(actor, school) -> bool:
    """The actor is principal or clerk at the school or a unit above it."""
    if not getattr(actor, "is_authenticated", False):
        return False
    # Remembered on the user object for the request (a list page asks once per row).
    paths = actor.__dict__.get("_records_staff_paths")
    if paths is None:
        paths = actor.__dict__["_records_staff_paths"] = tuple(
            RoleAssignment.objects.filter(
                user=actor, role__in=SCHOOL_STAFF_ROLES, unit__valid_to__isnull=True
            ).values_list("unit__path", flat=True)
        )
    return any(school.path.startswith(p) for p in paths)


def may_take_attendance(actor, cls: ClassGroup) -> bool:
    scope = scope_of(actor)
    return scope.everything or cls.pk in scope.class_ids or _school_staff(actor, cls.school)


def class_for_attendance(*, actor, class_id: int) -> ClassGroup:
    """The class, for taking attendance: 404 outside the reader's scope, 403 if the actor
    may read it but not write (an officer above the school)."""
    cls = class_get(actor=actor, class_id=class_id)
    if not may_take_attendance(actor, cls):
        raise Forbidden(
            "attendance.forbidden", _("Bạn không có quyền điểm danh lớp này."), field=None
        )
    return cls


def attendance_classes(*, actor, limit: int = 300) -> list[ClassGroup]:
    """Classes to offer in the attendance picker: those taught first, then (for school
    staff) the classes of their schools; current school years first."""
    scope = scope_of(actor)
    if scope.everything:
        return []  # the system administrator picks a class by id, not from every class
    qs = _classes().filter(class_scope_q(scope))
    return list(qs.order_by("-school_year__start_date", "school__name", "name", "id")[:limit])


def roster(cls: ClassGroup) -> QuerySet[Student]:
    """The class's current students, by name (index student current_class)."""
    return (
        Student.objects.filter(current_class=cls, status=StudentStatus.STUDYING)
        .select_related("person")
        .order_by("search_name", "id")
    )


def accepted_leave(student_ids, day: dt.date) -> dict[int, int]:
    """{student_id: leave_request_id} of accepted leave covering `day`."""
    return dict(
        LeaveRequest.objects.filter(
            student_id__in=student_ids,
            status=LeaveStatus.ACCEPTED,
            from_date__lte=day,
            to_date__gte=day,
        )
        .order_by("student_id", "-id")
        .values_list("student_id", "id")
    )


def attendance_sheet(*, actor, class_id: int, day: dt.date, session: str) -> dict:
    """What a teacher sees before saving: every student with the stored status, or the
    default (present; excused when an accepted leave covers the day)."""
    cls = class_get(actor=actor, class_id=class_id)
    students = list(roster(cls))
    taken = (
        AttendanceSession.objects.filter(class_group=cls, date=day, session=session)
        .select_related("taken_by")
        .first()
    )
    marks = {}
    if taken is not None:
        marks = {m.student_id: m for m in AttendanceMark.objects.filter(session=taken)}
    leave = accepted_leave([s.pk for s in students], day)
    rows = []
    for s in students:
        m = marks.get(s.pk)
        if m is not None:
            status, note = m.status, m.note
        elif taken is None and s.pk in leave:
            status, note = AttendanceStatus.EXCUSED, ""
        else:
            status, note = AttendanceStatus.PRESENT, ""
        rows.append({"student": s, "status": status, "note": note, "on_leave": s.pk in leave})
    return {
        "class": cls,
        "date": day,
        "session": session,
        "taken": taken,
        "rows": rows,
        "may_write": may_take_attendance(actor, cls),
    }


def term_range(cls: ClassGroup, number: int) -> tuple[dt.date, dt.date]:
    term = Term.objects.filter(school_year_id=cls.school_year_id, number=number).first()
    if term is None:
        raise DomainError(
            "attendance.term", _("Năm học không có học kỳ %(n)s.") % {"n": number}, field="term"
        )
    return term.start_date, term.end_date


def _streaks(cls: ClassGroup, student_ids, until: dt.date) -> dict[int, int]:
    """Current run of consecutive absent half-days, for each student, as of `until`."""
    session_ids = list(
        AttendanceSession.objects.filter(class_group=cls, session__in=HALF_DAYS, date__lte=until)
        .order_by("-date", "-session")
        .values_list("id", flat=True)
    )
    absent: dict[int, set[int]] = defaultdict(set)
    for sid, student_id in AttendanceMark.objects.filter(
        session_id__in=session_ids, student_id__in=student_ids, status__in=ABSENT
    ).values_list("session_id", "student_id"):
        absent[student_id].add(sid)
    return {s: trailing_run(session_ids, absent[s]) for s in student_ids if absent[s]}


def year_absences(school_year_id: int, student_ids, until: dt.date | None = None) -> dict:
    """Absent half-days in the school year per student (GROUP BY student)."""
    qs = AttendanceMark.objects.filter(
        student_id__in=student_ids,
        status__in=ABSENT,
        session__session__in=HALF_DAYS,
        session__class_group__school_year_id=school_year_id,
    )
    if until is not None:
        qs = qs.filter(session__date__lte=until)
    return dict(qs.values_list("student_id").annotate(n=Count("id")).values_list("student_id", "n"))


def attendance_summary(*, actor, class_id: int, start: dt.date, end: dt.date) -> dict:
    """Counts per student over [start, end] (half-days), with the year's absences to date
    and the flags: over the 45-session limit, and N consecutive absences still running."""
    cls = class_get(actor=actor, class_id=class_id)
    students = list(roster(cls))
    ids = [s.pk for s in students]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for student_id, status, n in (
        AttendanceMark.objects.filter(
            session__class_group=cls,
            session__session__in=HALF_DAYS,
            session__date__gte=start,
            session__date__lte=end,
            student_id__in=ids,
        )
        .values_list("student_id", "status")
        .annotate(n=Count("id"))
        .values_list("student_id", "status", "n")
    ):
        counts[student_id][status] = n
    held = AttendanceSession.objects.filter(
        class_group=cls, session__in=HALF_DAYS, date__gte=start, date__lte=end
    ).count()
    year = year_absences(cls.school_year_id, ids, until=end)
    streak_n = absence_streak()
    streaks = _streaks(cls, ids, end)
    rows = []
    for s in students:
        c = counts.get(s.pk, {})
        excused = c.get(AttendanceStatus.EXCUSED, 0)
        unexcused = c.get(AttendanceStatus.UNEXCUSED, 0)
        rows.append(
            {
                "student": s,
                "excused": excused,
                "unexcused": unexcused,
                "late": c.get(AttendanceStatus.LATE, 0),
                "absent": excused + unexcused,
                "year_absent": year.get(s.pk, 0),
                "over_limit": year.get(s.pk, 0) > ABSENCE_LIMIT,
                "streak": streaks.get(s.pk, 0),
                "streak_flag": streaks.get(s.pk, 0) >= streak_n,
            }
        )
    return {
        "class": cls,
        "start": start,
        "end": end,
        "sessions_held": held,
        "rows": rows,
        "limit": ABSENCE_LIMIT,
        "streak_threshold": streak_n,
    }


def student_attendance(
    *, actor, student_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> dict:
    """A student's marks (not-present sessions) and counts, read-only. Scoped like the
    student record: guardians their children, a student themself, teachers their class."""
    student = people_selectors.student_get(actor=actor, student_id=student_id)
    qs = AttendanceMark.objects.filter(student=student)
    if start:
        qs = qs.filter(session__date__gte=start)
    if end:
        qs = qs.filter(session__date__lte=end)
    marks = list(
        qs.select_related("session", "session__class_group").order_by(
            "-session__date", "-session__session"
        )[:500]
    )
    totals = {s: 0 for s in (AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED)}
    totals[AttendanceStatus.LATE] = 0
    for m in marks:
        if m.session.session in HALF_DAYS:
            totals[m.status] = totals.get(m.status, 0) + 1
    year_absent = None
    if student.current_class_id:
        year_absent = year_absences(student.current_class.school_year_id, [student.pk]).get(
            student.pk, 0
        )
    leaves = list(LeaveRequest.objects.filter(student=student).order_by("-from_date", "-id")[:50])
    return {
        "student": student,
        "marks": marks,
        "totals": totals,
        "year_absent": year_absent,
        "limit": ABSENCE_LIMIT,
        "leave_requests": leaves,
    }


# --- leave requests ------------------------------------------------------------------------


def leave_scope_q(scope: Scope) -> Q | None:
    if scope.everything:
        return None
    q = Q(student_id__in=scope.student_ids) | Q(student__current_class_id__in=scope.class_ids)
    return q | _paths_q(scope, "student__current_school")


def leave_list(*, actor, status: str | None = None) -> QuerySet[LeaveRequest]:
    qs = LeaveRequest.objects.select_related(
        "student__person", "student__current_class", "student__current_school", "guardian"
    )
    q = leave_scope_q(scope_of(actor))
    if q is not None:
        qs = qs.filter(q)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-from_date", "-id")


def leave_get(*, actor, leave_id: int) -> LeaveRequest:
    leave = leave_list(actor=actor).filter(pk=leave_id).first()
    if leave is None:
        raise NotFound("leave.not_found", _("Không tìm thấy đơn xin nghỉ."))
    return leave


def may_decide_leave(actor, leave: LeaveRequest) -> bool:
    """The homeroom teacher of the student's class, or the school's principal or clerk."""
    scope = scope_of(actor)
    student = leave.student
    if scope.everything or student.current_class_id in scope.homeroom_class_ids:
        return True
    return student.current_school is not None and _school_staff(actor, student.current_school)


# --- subjects and assignments ---------------------------------------------------------------


def curriculum(grade: int) -> QuerySet[CurriculumSubject]:
    """The curriculum of a grade (not personal data: anyone signed in may read it)."""
    return CurriculumSubject.objects.filter(grade=grade).select_related("subject")


def teacher_subjects(*, actor, class_id: int, day: dt.date | None = None) -> list[Subject]:
    """Subjects the actor may enter marks for in a class: those assigned to them (for the
    whole year, or a term containing `day`); every subject of the grade for the school's
    principal and clerks. A class outside the actor's scope is a 404."""
    cls = class_get(actor=actor, class_id=class_id)
    scope = scope_of(actor)
    if scope.everything or _school_staff(actor, cls.school):
        if cls.grade_id is None:
            return list(Subject.objects.all())
        return [c.subject for c in curriculum(cls.grade.number)]
    if not actor.person_id:
        return []
    qs = SubjectAssignment.objects.filter(
        class_group=cls, staff__person_id=actor.person_id, staff__end_date__isnull=True
    )
    if day is not None:
        qs = qs.filter(Q(term__isnull=True) | Q(term__start_date__lte=day, term__end_date__gte=day))
    ids = qs.values("subject_id")
    return list(Subject.objects.filter(pk__in=ids))


def may_enter_marks(*, actor, class_id: int, subject_id: int, day: dt.date | None = None) -> bool:
    try:
        subjects = teacher_subjects(actor=actor, class_id=class_id, day=day)
    except NotFound:
        return False
    return any(s.pk == subject_id for s in subjects)


def class_assignments(*, actor, class_id: int) -> QuerySet[SubjectAssignment]:
    cls = class_get(actor=actor, class_id=class_id)
    return (
        SubjectAssignment.objects.filter(class_group=cls)
        .select_related("staff__person", "subject", "term")
        .order_by("subject__sort_order", "term__number", "id")
    )
