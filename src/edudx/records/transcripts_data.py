"""`transcript_data_for`: a student's school year, read from the database into the pure
`transcripts.TranscriptData`.

Sources: the enrolment of that year (school and class), the grade's curriculum (the subject
rows, in the curriculum's order), the results summary tables `SubjectResult` (term and year
averages, comment results) and `StudentResult` (learning and conduct levels, the year-end
status and title) that `records.services` rebuilds from the marks, the attendance marks
(half-days absent, excused or not, per term), and the class's homeroom teacher and the
school's principal. A subject or period without a result yet shows "—". About ten queries,
whatever the number of subjects."""

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.core.errors import DomainError
from edudx.core.ethnicity import ETHNICITY_BY_CODE
from edudx.org.models import ClassGroup, OrgUnit, SchoolYear, Term, UnitKind
from edudx.people.models import Enrolment, Student, TeachingAssignment

from .models import (
    ABSENT,
    YEAR,
    AssessedBy,
    AttendanceMark,
    AttendanceStatus,
    CurriculumSubject,
    StudentResult,
    Subject,
    SubjectKind,
    SubjectResult,
)
from .sessions import HALF_DAYS
from .transcripts import PeriodResult, SubjectLine, TranscriptData

_PLACE_PREFIXES = ("Xã ", "Phường ", "Thị trấn ", "Đặc khu ")


def enrolment_class(student: Student, school_year: SchoolYear) -> ClassGroup:
    """The class the student belonged to in that year (the latest enrolment with a class)."""
    cls = (
        ClassGroup.objects.filter(
            pk__in=Enrolment.objects.filter(student=student, school_year=school_year)
            .exclude(class_group=None)
            .order_by("-start_date", "-id")
            .values("class_group_id")[:1]
        )
        .select_related("school__parent", "grade")
        .first()
    )
    if cls is None:
        raise DomainError(
            "transcript.no_class",
            _("Học sinh không học lớp nào trong năm học %(y)s.") % {"y": school_year.code},
            field="school_year",
        )
    cls.school_year = school_year
    return cls


def homeroom_name(class_group: ClassGroup) -> str:
    return (
        TeachingAssignment.objects.filter(class_group=class_group, is_homeroom=True)
        .values_list("staff__person__full_name", flat=True)
        .first()
    ) or ""


def principal_name(school: OrgUnit) -> str:
    row = (
        RoleAssignment.objects.filter(role=Role.PRINCIPAL, unit=school)
        .order_by("id")
        .values_list("user__person__full_name", "user__first_name", "user__last_name")
        .first()
    )
    if row is None:
        return ""
    return row[0] or f"{row[1]} {row[2]}".strip()


def authority_line(school: OrgUnit) -> str:
    """The line above the school's name: its governing body (Decree 30/2020, Appendix I)."""
    parent = school.parent
    if parent is None:
        return ""
    if parent.kind == UnitKind.COMMUNE:
        return f"UBND {parent.name.upper()}"
    return parent.name.upper()


def place_name(school: OrgUnit) -> str:
    parent = school.parent
    name = parent.name if parent is not None and parent.kind == UnitKind.COMMUNE else ""
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name or school.name


def _subject_lines(student: Student, school_year: SchoolYear, grade: int | None):
    results = defaultdict(dict)
    subject_ids = []
    for subject_id, period, average, comment in SubjectResult.objects.filter(
        student=student, school_year=school_year
    ).values_list("subject_id", "period", "average", "comment"):
        results[subject_id][period] = average if average is not None else (comment or None)
        subject_ids.append(subject_id)
    # The grade's compulsory subjects, and any other (elective, optional) with a result.
    q = Q(pk__in=subject_ids)
    if grade is not None:
        compulsory = CurriculumSubject.objects.filter(grade=grade, kind=SubjectKind.COMPULSORY)
        q |= Q(pk__in=compulsory.values("subject_id"))
    lines = []
    for pk, code, name, assessed_by in (
        Subject.objects.filter(q)
        .order_by("sort_order", "code")
        .values_list("pk", "code", "name", "assessed_by")
    ):
        r = results.get(pk, {})
        lines.append(
            SubjectLine(
                code=code,
                name=name,
                assessed_by="comment" if assessed_by == AssessedBy.COMMENT else "score",
                term1=r.get(1),
                term2=r.get(2),
                year=r.get(YEAR),
            )
        )
    return lines


def _absences(student: Student, school_year: SchoolYear) -> dict[int, dict[str, int]]:
    """Half-days absent per term number (1, 2) and for the year (YEAR), by status."""
    terms = list(Term.objects.filter(school_year=school_year).values_list("number", "start_date"))
    terms.sort(key=lambda t: t[1], reverse=True)
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, status in AttendanceMark.objects.filter(
        student=student,
        status__in=ABSENT,
        session__session__in=HALF_DAYS,
        session__class_group__school_year=school_year,
    ).values_list("session__date", "status"):
        out[YEAR][status] += 1
        number = next((n for n, start in terms if day >= start), None)
        if number is not None:
            out[number][status] += 1
    return out


def transcript_data_for(
    student: Student,
    school_year: SchoolYear,
    *,
    reference: str,
    homeroom_comment: str = "",
    issued_on: dt.date | None = None,
    class_group: ClassGroup | None = None,
) -> TranscriptData:
    """`class_group`: the year's class when the caller has it (`enrolment_class`)."""
    cls = class_group or enrolment_class(student, school_year)
    school = cls.school
    person = student.person
    grade = cls.grade.number if cls.grade_id else None
    results = {
        r[0]: r
        for r in StudentResult.objects.filter(student=student, school_year=school_year).values_list(
            "period", "learning", "conduct", "status", "title"
        )
    }
    absences = _absences(student, school_year)

    def period(n: int) -> PeriodResult:
        r = results.get(n)
        a = absences.get(n, {})
        return PeriodResult(
            learning=r[1] if r else "",
            conduct=r[2] if r else "",
            absent_excused=a.get(AttendanceStatus.EXCUSED, 0),
            absent_unexcused=a.get(AttendanceStatus.UNEXCUSED, 0),
        )

    year = results.get(YEAR)
    return TranscriptData(
        reference=reference,
        school_year=school_year.code,
        student_name=person.full_name,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        ethnicity=ETHNICITY_BY_CODE.get(person.ethnicity, person.ethnicity),
        student_code=student.student_code,
        moet_id=person.moet_id or "",
        school_name=school.name,
        school_code=school.code,
        authority=authority_line(school),
        place=place_name(school),
        class_name=cls.name,
        grade=grade,
        issued_on=issued_on or timezone.localdate(),
        homeroom_teacher=homeroom_name(cls),
        principal=principal_name(school),
        subjects=_subject_lines(student, school_year, grade),
        term1=period(1),
        term2=period(2),
        year=period(YEAR),
        year_end_status=year[3] if year else "",
        title=year[4] if year else "",
        homeroom_comment=" ".join((homeroom_comment or "").split()),
    )
