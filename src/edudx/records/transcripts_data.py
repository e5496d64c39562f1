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
from dataclasses import dataclass, field

from django.utils import timezone, translation
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
    QualityCheckpoint,
    QualityRating,
    StudentResult,
    Subject,
    SubjectKind,
    SubjectResult,
)
from .primary import QUALITY_FIELDS
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


@dataclass(frozen=True)
class ClassContext:
    """What every transcript of a class shares: read once for a whole class."""

    class_group: ClassGroup
    school_year: SchoolYear
    grade: int | None
    authority: str
    place: str
    homeroom: str
    principal: str
    terms: tuple[tuple[int, dt.date], ...]  # (number, start), latest first
    # (pk, code, name, assessed_by, compulsory) in the curriculum's order; electives and
    # optional subjects are printed only for a student who has a result in them.
    subjects: tuple[tuple[int, str, str, str, bool], ...]


def class_context(cls: ClassGroup, school_year: SchoolYear) -> ClassContext:
    grade = cls.grade.number if cls.grade_id else None
    compulsory: set[int] = set()
    if grade is not None:
        compulsory = set(
            CurriculumSubject.objects.filter(grade=grade, kind=SubjectKind.COMPULSORY).values_list(
                "subject_id", flat=True
            )
        )
    subjects = tuple(
        (pk, code, name, assessed_by, pk in compulsory)
        # Every subject (a few dozen rows): a result in any of them is printed.
        for pk, code, name, assessed_by in Subject.objects.order_by(
            "sort_order", "code"
        ).values_list("pk", "code", "name", "assessed_by")
    )
    terms = sorted(
        Term.objects.filter(school_year=school_year).values_list("number", "start_date"),
        key=lambda t: t[1],
        reverse=True,
    )  # latest first: a day belongs to the first term that started on or before it
    return ClassContext(
        class_group=cls,
        school_year=school_year,
        grade=grade,
        authority=authority_line(cls.school),
        place=place_name(cls.school),
        homeroom=homeroom_name(cls),
        principal=principal_name(cls.school),
        terms=tuple(terms),
        subjects=subjects,
    )


@dataclass
class StudentFacts:
    """A student's results and absences for the year, read in bulk for many students."""

    subjects: dict[int, dict[int, object]] = field(default_factory=dict)  # subject → period
    tests: dict[int, dict[int, int]] = field(default_factory=dict)  # primary: test scores
    qualities: dict[int, dict[str, str]] = field(default_factory=dict)  # term → code → level
    results: dict[int, tuple] = field(default_factory=dict)  # period → row
    absences: dict[int, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )


def student_facts(student_ids, school_year: SchoolYear, terms) -> dict[int, StudentFacts]:
    """Three queries, whatever the number of students."""
    facts = {sid: StudentFacts() for sid in student_ids}
    for sid, subject_id, period, average, comment in SubjectResult.objects.filter(
        student_id__in=student_ids, school_year=school_year
    ).values_list("student_id", "subject_id", "period", "average", "comment"):
        if comment and average is not None:  # primary: the rating and the test score
            facts[sid].tests.setdefault(subject_id, {})[period] = int(average)
            average = None
        value = average if average is not None else (comment or None)
        facts[sid].subjects.setdefault(subject_id, {})[period] = value
    for sid, number, ratings in QualityRating.objects.filter(
        student_id__in=student_ids, term__school_year=school_year, checkpoint=QualityCheckpoint.END
    ).values_list("student_id", "term__number", "ratings"):
        facts[sid].qualities[number] = ratings
    for row in StudentResult.objects.filter(
        student_id__in=student_ids, school_year=school_year
    ).values_list("student_id", "period", "learning", "conduct", "status", "title"):
        facts[row[0]].results[row[1]] = row
    for sid, day, status in AttendanceMark.objects.filter(
        student_id__in=student_ids,
        status__in=ABSENT,
        session__session__in=HALF_DAYS,
        session__class_group__school_year=school_year,
    ).values_list("student_id", "session__date", "status"):
        absences = facts[sid].absences
        absences[YEAR][status] += 1
        number = next((n for n, start in terms if day >= start), None)
        if number is not None:
            absences[number][status] += 1
    return facts


def assemble(
    ctx: ClassContext,
    student: Student,
    facts: StudentFacts,
    *,
    reference: str,
    homeroom_comment: str = "",
    issued_on: dt.date | None = None,
) -> TranscriptData:
    """The transcript data of one student from what was read (no query but the person,
    unless it was fetched with the student)."""
    person = student.person
    school = ctx.class_group.school

    def period(n: int) -> PeriodResult:
        r = facts.results.get(n)
        a = facts.absences.get(n, {})
        return PeriodResult(
            learning=r[2] if r else "",
            conduct=r[3] if r else "",
            absent_excused=a.get(AttendanceStatus.EXCUSED, 0),
            absent_unexcused=a.get(AttendanceStatus.UNEXCUSED, 0),
        )

    lines = []
    for pk, code, name, assessed_by, compulsory in ctx.subjects:
        r = facts.subjects.get(pk)
        if r is None and not compulsory:
            continue
        r = r or {}
        lines.append(
            SubjectLine(
                code=code,
                name=name,
                assessed_by="comment" if assessed_by == AssessedBy.COMMENT else "score",
                term1=r.get(1),
                term2=r.get(2),
                year=r.get(YEAR),
                test1=facts.tests.get(pk, {}).get(1),
                test2=facts.tests.get(pk, {}).get(2),
            )
        )
    qualities = ()
    if ctx.grade is not None and ctx.grade <= 5:
        q1, q2 = facts.qualities.get(1, {}), facts.qualities.get(2, {})
        with translation.override("vi"):  # the document is Vietnamese whoever asks
            qualities = tuple(
                (code, str(name), q1.get(code, ""), q2.get(code, ""))
                for code, name, _short in QUALITY_FIELDS
            )
    year = facts.results.get(YEAR)
    return TranscriptData(
        reference=reference,
        school_year=ctx.school_year.code,
        student_name=person.full_name,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        ethnicity=ETHNICITY_BY_CODE.get(person.ethnicity, person.ethnicity),
        student_code=student.student_code,
        moet_id=person.moet_id or "",
        school_name=school.name,
        school_code=school.code,
        authority=ctx.authority,
        place=ctx.place,
        class_name=ctx.class_group.name,
        grade=ctx.grade,
        issued_on=issued_on or timezone.localdate(),
        homeroom_teacher=ctx.homeroom,
        principal=ctx.principal,
        subjects=lines,
        term1=period(1),
        term2=period(2),
        year=period(YEAR),
        year_end_status=year[4] if year else "",
        title=year[5] if year else "",
        homeroom_comment=" ".join((homeroom_comment or "").split()),
        qualities=qualities,
    )


def transcript_data_for(
    student: Student,
    school_year: SchoolYear,
    *,
    reference: str,
    homeroom_comment: str = "",
    issued_on: dt.date | None = None,
    class_group: ClassGroup | None = None,
) -> TranscriptData:
    """One student's transcript data. `class_group`: the year's class when the caller has
    it (`enrolment_class`). For a whole class use `class_context` and `student_facts` once
    and `assemble` per student."""
    cls = class_group or enrolment_class(student, school_year)
    ctx = class_context(cls, school_year)
    facts = student_facts([student.pk], school_year, ctx.terms)[student.pk]
    return assemble(
        ctx,
        student,
        facts,
        reference=reference,
        homeroom_comment=homeroom_comment,
        issued_on=issued_on,
    )
