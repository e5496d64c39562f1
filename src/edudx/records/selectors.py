"""Every read of records that crosses a permission line. Each takes the acting user.

Who sees a class's attendance: its teachers (scope.class_ids), unit-wide roles above its
school, the system. Who may take it: its teachers, and the school's principal and clerks
(officers above the school read, they do not write). A class outside the reader's scope is
a 404; a class they may read but not write is a 403. Guardians and students read their own
attendance through `student_attendance`, which applies people's student scope."""

import datetime as dt
from collections import defaultdict

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, User
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, NotFound
from edudx.core.scope import Scope, scope_of
from edudx.org.models import ClassGroup, Term, ancestor_paths
from edudx.org.selectors import subtree_q
from edudx.people import selectors as people_selectors
from edudx.people.models import Student, StudentStatus

from .marks import PRIMARY_GRADES, layout, shown
from .models import (
    ABSENT,
    YEAR,
    AttendanceMark,
    AttendanceSession,
    AttendanceStatus,
    ChangeStatus,
    CurriculumSubject,
    LeaveRequest,
    LeaveStatus,
    Mark,
    MarkChangeRequest,
    QualityCheckpoint,
    QualityRating,
    StudentResult,
    Subject,
    SubjectAssignment,
    SubjectResult,
    TermLock,
)
from .sessions import ABSENCE_LIMIT, HALF_DAYS, absence_streak, session_label, trailing_run

# Unit-wide roles that may write a school's attendance and decide leave (not officers).
SCHOOL_STAFF_ROLES = (Role.PRINCIPAL, Role.CLERK)


def _paths_q(scope: Scope, field: str) -> Q:
    """Rows whose unit (`field`) lies under one of the scope's subtrees."""
    return subtree_q(scope.unit_paths, f"{field}__path")


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


def _staff_paths(actor) -> tuple[str, ...]:
    """Paths of the units where the actor is principal or clerk (read with the scope)."""
    return scope_of(actor).paths_where(SCHOOL_STAFF_ROLES)


def _school_staff(actor, school) -> bool:
    """The actor is principal or clerk at the school or a unit above it."""
    return any(school.path.startswith(p) for p in _staff_paths(actor))


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


def attendance_day_refusal(cls: ClassGroup, day: dt.date) -> DomainError | None:
    """Why attendance cannot be taken for `cls` on `day`, or None: a day outside the
    class's school year, or in the future. The service refuses such a save; the page says
    so before the teacher fills anything in."""
    year = cls.school_year
    if not year.contains(day):
        return DomainError(
            "attendance.date_outside_year",
            _("Ngày %(d)s nằm ngoài năm học %(y)s (%(a)s – %(b)s).")
            % {
                "d": day.strftime("%d/%m/%Y"),
                "y": year.code,
                "a": year.start_date.strftime("%d/%m/%Y"),
                "b": year.end_date.strftime("%d/%m/%Y"),
            },
            field="date",
        )
    if day > timezone.localdate():
        return DomainError(
            "attendance.future", _("Không thể điểm danh cho ngày trong tương lai."), field="date"
        )
    return None


def attendance_sheet(*, actor, class_id: int, day: dt.date | None, session: str) -> dict:
    """What a teacher sees before saving: every student with the stored status, or the
    default (present; excused when an accepted leave covers the day). Without `day`: today,
    or the nearest day of the class's school year when today lies outside it (a class of
    a year that has ended opens on its last day)."""
    cls = class_get(actor=actor, class_id=class_id)
    if day is None:
        day = cls.school_year.nearest(timezone.localdate())
    refusal = attendance_day_refusal(cls, day)
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
        "may_write": refusal is None and may_take_attendance(actor, cls),
        "refusal": str(refusal) if refusal is not None else "",
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


def absences_by_student(*, actor, student_ids) -> dict[int, dict[str, int]]:
    """Absent half-days so far in each student's current school year, as {"excused",
    "unexcused", "total"}, for the students among `student_ids` the actor may see (people's
    student scope): one GROUP BY over index attendance_student_status. A student with no
    absence or no current class is absent from the result."""
    students = Student.objects.filter(pk__in=list(student_ids))
    q = people_selectors.student_scope_q(scope_of(actor))
    if q is not None:
        students = students.filter(q)
    rows = (
        AttendanceMark.objects.filter(
            student__in=students.values("pk"),
            status__in=ABSENT,
            session__session__in=HALF_DAYS,
            session__class_group__school_year_id=F("student__current_class__school_year_id"),
        )
        .order_by()
        .values_list("student_id", "status")
        .annotate(n=Count("id"))
        .values_list("student_id", "status", "n")
    )
    out: dict[int, dict[str, int]] = {}
    for student_id, status, n in rows:
        c = out.setdefault(student_id, {"excused": 0, "unexcused": 0, "total": 0})
        c[status] += n
        c["total"] += n
    return out


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


def leave_page(*, actor) -> QuerySet[LeaveRequest]:
    """The leave page's list: requests still waiting for a decision first, the latest
    first within each group (a pending request must not sink below decided ones)."""
    waiting = Case(When(status=LeaveStatus.PENDING, then=Value(0)), default=Value(1))
    return leave_list(actor=actor).alias(waiting=waiting).order_by("waiting", "-from_date", "-id")


def leave_get(*, actor, leave_id: int) -> LeaveRequest:
    leave = leave_list(actor=actor).filter(pk=leave_id).first()
    if leave is None:
        raise NotFound("leave.not_found", _("Không tìm thấy đơn xin nghỉ."))
    return leave


def leave_waiting(*, actor) -> int:
    """Leave requests waiting for the actor's decision (the home page): pending ones of
    the classes they are homeroom teacher of and of the schools where they are principal
    or clerk (`may_decide_leave`). One query, two without a cached scope."""
    scope, paths = scope_of(actor), _staff_paths(actor)
    if not (scope.homeroom_class_ids or paths):
        return 0
    q = Q(student__current_class_id__in=scope.homeroom_class_ids)
    q |= subtree_q(paths, "student__current_school__path")
    return LeaveRequest.objects.filter(q, status=LeaveStatus.PENDING).count()


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
    ids = _assigned(actor, day).filter(class_group=cls).values("subject_id")
    return list(Subject.objects.filter(pk__in=ids))


def _assigned(actor, day: dt.date | None = None) -> QuerySet[SubjectAssignment]:
    """The actor's subject assignments (through their current staff rows): for the whole
    year, or, with `day`, for a term containing it too; none without a person."""
    if not getattr(actor, "person_id", None):
        return SubjectAssignment.objects.none()
    qs = SubjectAssignment.objects.filter(
        staff__person_id=actor.person_id, staff__end_date__isnull=True
    )
    if day is not None:
        qs = qs.filter(Q(term__isnull=True) | Q(term__start_date__lte=day, term__end_date__gte=day))
    return qs


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


# --- marks and results ---------------------------------------------------------------------


def _principal_paths(actor) -> tuple[str, ...]:
    """Paths of the units where the actor is principal (read with the scope)."""
    return scope_of(actor).paths_where({Role.PRINCIPAL})


def is_principal(actor, school) -> bool:
    """The actor is the school's principal (or the system): approves and locks marks."""
    if scope_of(actor).everything:
        return True
    return any(school.path.startswith(p) for p in _principal_paths(actor))


def school_principals(school) -> QuerySet[User]:
    """Active users who are principal of `school` (or of a unit above it, still in place):
    whom a mark-change request is for."""
    return User.objects.filter(
        is_active=True,
        role_assignments__role=Role.PRINCIPAL,
        role_assignments__unit__path__in=ancestor_paths(school.path),
        role_assignments__unit__valid_to__isnull=True,
    ).distinct()


def is_homeroom(actor, cls: ClassGroup) -> bool:
    scope = scope_of(actor)
    return scope.everything or cls.pk in scope.homeroom_class_ids


def term_get(cls: ClassGroup, number: int) -> Term:
    term = Term.objects.filter(school_year_id=cls.school_year_id, number=number).first()
    if term is None:
        raise NotFound("records.term", _("Năm học không có học kỳ %(n)s.") % {"n": number})
    return term


def subject_get(*, subject_id: int) -> Subject:
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("records.subject", _("Không tìm thấy môn học."))
    return subject


def class_for_marks(*, actor, class_id: int, subject_id: int) -> tuple[ClassGroup, Subject]:
    """The class and subject, for entering marks: 404 outside the actor's scope, 403 when
    the actor may see the class but does not teach the subject there."""
    cls = class_get(actor=actor, class_id=class_id)
    subject = subject_get(subject_id=subject_id)
    if not may_enter_marks(actor=actor, class_id=cls.pk, subject_id=subject.pk):
        raise Forbidden(
            "records.marks.forbidden",
            _("Bạn không dạy môn %(s)s ở lớp %(c)s.") % {"s": subject.name, "c": cls.name},
            field="subject",
        )
    return cls, subject


def teaching_on(*, actor, class_ids, day: dt.date) -> dict[int, dict]:
    """A teacher's day, per class of `class_ids` (the actor's own, from their scope): the
    subjects they are assigned there on `day` (whole-year assignments, or a term containing
    it), the number of the term containing `day` (else the last begun, else 1) and the
    attendance sessions already taken that day (by anyone). Three queries, whatever the
    number of classes; for the links of the home page."""
    out = {cid: {"subjects": [], "term": 1, "taken": []} for cid in class_ids}
    if not class_ids:
        return out
    assigned = (
        _assigned(actor, day)
        .filter(class_group_id__in=class_ids)
        .select_related("subject")
        .order_by("subject__name", "subject_id")
    )
    for a in assigned:
        subjects = out[a.class_group_id]["subjects"]
        if a.subject not in subjects:  # one subject may be assigned for two terms
            subjects.append(a.subject)
    years = dict(ClassGroup.objects.filter(pk__in=class_ids).values_list("pk", "school_year_id"))
    started = Term.objects.filter(school_year_id__in=set(years.values()), start_date__lte=day)
    term_of_year = dict(
        started.order_by("school_year_id", "number").values_list("school_year_id", "number")
    )  # the last begun term of each year wins
    taken = AttendanceSession.objects.filter(class_group_id__in=class_ids, date=day)
    for cid, session in taken.order_by("session").values_list("class_group_id", "session"):
        out[cid]["taken"].append(session_label(session))
    for cid, year_id in years.items():
        out[cid]["term"] = term_of_year.get(year_id, 1)
    return out


def marks_classes(*, actor) -> list[dict]:
    """What a teacher may enter marks for: (class, subjects) pairs. Teachers see only the
    subjects assigned to them; the school's principal and clerks every subject."""
    out = []
    for cls in attendance_classes(actor=actor, limit=100):
        subjects = teacher_subjects(actor=actor, class_id=cls.pk)
        if subjects:
            out.append({"class": cls, "subjects": subjects})
    return out


def subject_layout(cls: ClassGroup, subject: Subject, term_number: int):

    grade = cls.grade.number if cls.grade_id else 6
    cs = CurriculumSubject.objects.filter(grade=grade, subject=subject).first()
    if cs is None:
        raise DomainError(
            "records.marks.subject_grade",
            _("Môn %(s)s không có trong chương trình khối %(g)s.")
            % {"s": subject.name, "g": grade},
            field="subject",
        )
    return layout(
        grade=grade,
        subject_code=subject.code,
        assessed_by=subject.assessed_by,
        periods=cs.periods_per_year,
        term=term_number,
    )


def term_lock(cls: ClassGroup, term: Term):
    return (
        TermLock.objects.filter(class_group=cls, term=term)
        .select_related("homeroom_approved_by__person", "principal_approved_by__person")
        .first()
    )


def mark_sheet(*, actor, class_id: int, subject_id: int, term_number: int) -> dict:
    """The grid: every student of the class (by name) with the stored value of every column
    and the term average. Read by the class's teachers and the roles above the school."""

    cls = class_get(actor=actor, class_id=class_id)
    subject = subject_get(subject_id=subject_id)
    term = term_get(cls, term_number)
    lay = subject_layout(cls, subject, term_number)
    students = list(roster(cls))
    ids = [s.pk for s in students]
    stored: dict[int, dict[str, str]] = defaultdict(dict)
    for sid, kind, value, comment in Mark.objects.filter(
        student_id__in=ids, subject=subject, term=term
    ).values_list("student_id", "kind", "value", "comment"):
        stored[sid][kind] = shown(value, comment)
    averages = dict(
        SubjectResult.objects.filter(
            student_id__in=ids,
            subject=subject,
            school_year_id=cls.school_year_id,
            period=term_number,
        ).values_list("student_id", "average")
    )
    rows = [
        {
            "n": i,
            "student": s,
            "cells": [
                {"kind": c.kind, "label": c.label, "text": stored[s.pk].get(c.kind, "")}
                for c in lay.columns
            ],
            "average": shown(averages.get(s.pk), "") if lay.scored else "",
        }
        for i, s in enumerate(students, start=1)
    ]
    lock = term_lock(cls, term)
    return {
        "class": cls,
        "subject": subject,
        "term": term,
        "layout": lay,
        "rows": rows,
        "lock": lock,
        "locked": bool(lock and lock.locked),
        "may_write": may_enter_marks(actor=actor, class_id=cls.pk, subject_id=subject.pk),
    }


def student_marks(*, actor, student_id: int) -> dict:
    """A student's marks and results for their current school year, read-only: guardians
    their children, a student themself, teachers their class (people's student scope)."""

    student = people_selectors.student_get(actor=actor, student_id=student_id)
    cls = student.current_class
    if cls is None:
        return {
            "student": student,
            "class": None,
            "subjects": [],
            "results": {},
            "primary": False,
            "qualities": {},
        }
    marks: dict[int, dict[int, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    order = {k: i for i, k in enumerate(("tx1", "tx2", "tx3", "tx4", "gk", "ck", "rating"))}
    for subject_id, term_no, kind, value, comment in sorted(
        Mark.objects.filter(student=student, term__school_year_id=cls.school_year_id).values_list(
            "subject_id", "term__number", "kind", "value", "comment"
        ),
        key=lambda r: order.get(r[2], 9),
    ):
        marks[subject_id][term_no].append((kind, shown(value, comment)))
    results: dict[int, dict[int, str]] = defaultdict(dict)
    for subject_id, period, average, comment in SubjectResult.objects.filter(
        student=student, school_year_id=cls.school_year_id
    ).values_list("subject_id", "period", "average", "comment"):
        results[subject_id][period] = shown(average, comment) or None
    grade = cls.grade.number if cls.grade_id else None
    subjects = []
    for cs in curriculum(grade) if grade else []:
        s = cs.subject
        if cs.kind != "compulsory" and s.pk not in marks:
            continue
        subjects.append(
            {
                "subject": s,
                "terms": [
                    {"number": n, "marks": marks[s.pk].get(n, []), "result": results[s.pk].get(n)}
                    for n in (1, 2)
                ],
                "year": results[s.pk].get(YEAR),
            }
        )
    overall = {
        r.period: r
        for r in StudentResult.objects.filter(student=student, school_year_id=cls.school_year_id)
    }
    return {
        "student": student,
        "class": cls,
        "subjects": subjects,
        "results": overall,
        "primary": is_primary(cls),
        "qualities": student_qualities(student, cls.school_year_id) if is_primary(cls) else {},
    }


def class_results(*, actor, class_id: int, period: int) -> dict:
    """The class's results for a term (1, 2) or the year (0), from the summary tables."""

    cls = class_get(actor=actor, class_id=class_id)
    students = list(roster(cls))
    by_student = {
        r.student_id: r
        for r in StudentResult.objects.filter(
            student_id__in=[s.pk for s in students],
            school_year_id=cls.school_year_id,
            period=period,
        )
    }
    return {
        "class": cls,
        "period": period,
        "primary": is_primary(cls),
        "rows": [{"student": s, "result": by_student.get(s.pk)} for s in students],
    }


def is_primary(cls: ClassGroup) -> bool:
    return bool(cls.grade_id and cls.grade.number in PRIMARY_GRADES)


def checkpoint_check(checkpoint: str) -> None:
    """A quality checkpoint is mid-term (gk) or end (ck) of a term (Circular 27, Art. 6(2))."""
    if checkpoint not in QualityCheckpoint.values:
        raise DomainError(
            "records.qualities.checkpoint",
            _("Thời điểm đánh giá phải là giữa kì (gk) hoặc cuối kì (ck)."),
            field="checkpoint",
        )


def quality_sheet(
    *, actor, class_id: int, term_number: int, checkpoint: str = QualityCheckpoint.END
) -> dict:
    """A primary class's qualities and competencies at a checkpoint of a term — mid-term or
    end (Circular 27/2020, Art. 6(2), 7(2)): every pupil with the stored rating of each
    code. Read by the class's teachers and the roles above the school; written by its
    homeroom teacher."""
    checkpoint_check(checkpoint)
    cls = class_get(actor=actor, class_id=class_id)
    if not is_primary(cls):
        raise DomainError(
            "records.qualities.not_primary",
            _("Chỉ lớp tiểu học đánh giá phẩm chất, năng lực theo Thông tư 27/2020/TT-BGDĐT."),
            field="class_id",
        )
    term = term_get(cls, term_number)
    students = list(roster(cls))
    stored = {
        q.student_id: q
        for q in QualityRating.objects.filter(
            student_id__in=[s.pk for s in students], term=term, checkpoint=checkpoint
        )
    }
    rows = []
    for i, s in enumerate(students, start=1):
        q = stored.get(s.pk)
        rows.append(
            {
                "n": i,
                "student": s,
                "ratings": dict(q.ratings) if q else {},
                "outstanding": bool(q and q.outstanding),
                "class_recognised": bool(q and q.class_recognised),
            }
        )
    final = checkpoint == QualityCheckpoint.END and term_number == max(
        Term.objects.filter(school_year_id=cls.school_year_id).values_list("number", flat=True)
    )
    return {
        "class": cls,
        "term": term,
        "checkpoint": checkpoint,
        "final": final,
        "rows": rows,
        "may_write": is_homeroom(actor, cls),
    }


def student_qualities(student: Student, school_year_id: int) -> dict[int, dict]:
    """{term number: {"ratings": {...}, "outstanding": bool, "class_recognised": bool}} of
    a pupil whose reader `student_marks` has already checked."""
    return {
        number: {"ratings": ratings, "outstanding": o, "class_recognised": r}
        for number, ratings, o, r in QualityRating.objects.filter(
            student=student, term__school_year_id=school_year_id, checkpoint=QualityCheckpoint.END
        ).values_list("term__number", "ratings", "outstanding", "class_recognised")
    }


def mark_changes(*, actor, class_id: int):
    """The change requests of one class the actor may read (its lock page)."""
    cls = class_get(actor=actor, class_id=class_id)
    return (
        MarkChangeRequest.objects.filter(class_group=cls)
        .select_related("student__person", "subject", "term", "requested_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def mark_change_list(*, actor, status: str | None = None) -> QuerySet[MarkChangeRequest]:
    """Change requests across classes, newest first: those of the schools where the actor
    is principal (to decide; the system: all) and those the actor made (to follow).
    `status` filters (ChangeStatus)."""
    scope = scope_of(actor)
    qs = MarkChangeRequest.objects.select_related(
        "class_group__school",
        "student__person",
        "subject",
        "term",
        "requested_by__person",
        "decided_by__person",
    )
    if not scope.everything:
        q = subtree_q(_principal_paths(actor), "class_group__school__path")
        if getattr(actor, "is_authenticated", False):
            q |= Q(requested_by=actor)
        qs = qs.filter(q)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def mark_change_get(*, actor, change_id: int) -> MarkChangeRequest:
    change = mark_change_list(actor=actor).filter(pk=change_id).first()
    if change is None:
        raise NotFound("records.change.not_found", _("Không tìm thấy đề nghị sửa điểm."))
    return change


def mark_changes_waiting(*, actor) -> int:
    """Pending change requests of the schools where the actor is principal (the home
    page). One query; none when the actor is nowhere principal."""
    paths = _principal_paths(actor)
    if not paths:
        return 0
    q = subtree_q(paths, "class_group__school__path")
    return MarkChangeRequest.objects.filter(q, status=ChangeStatus.PENDING).count()
