"""Every read of online classes that crosses a permission line. Each takes the acting user.

Who sees an online class: the teachers of its class group and the unit-wide roles above its
school (records' class scope), its students (a student of the class group) and their
guardians. Anything outside is a 404 — a student opening another class's assignment gets
"not found", never a hint that it exists.

For the monitoring helper (docs/content.md, "Selectors for monitoring"):
- `online_periods(unit, school_year, grades)` — T06/T07 numerator and denominator;
- `active_students(unit, start, end)` — T04 numerator and denominator."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.content.models import Resource, ResourceStatus
from edudx.core.errors import NotFound
from edudx.core.scope import scope_of
from edudx.core.text import fold
from edudx.org.models import ClassGroup, OrgUnit, SchoolLevel, SchoolYear, path_upper
from edudx.people.models import Student, StudentStatus
from edudx.records import selectors as records_selectors
from edudx.records.models import CurriculumSubject, Subject, SubjectKind

from .models import Assignment, Lesson, LiveSession, OnlineClass, Status, Submission

PRIMARY = range(1, 6)
SECONDARY = range(6, 13)


def _class_q(actor) -> Q | None:
    """Online classes visible to the actor (None = all)."""
    scope = scope_of(actor)
    if scope.everything:
        return None
    q = Q(pk__in=[])
    q |= Q(class_group_id__in=scope.class_ids)
    for p in scope.unit_paths:
        q |= Q(class_group__school__path__gte=p, class_group__school__path__lt=path_upper(p))
    if scope.student_ids:
        q |= Q(
            class_group_id__in=Student.objects.filter(pk__in=scope.student_ids)
            .exclude(current_class__isnull=True)
            .values("current_class_id")
        )
    return q


def to_grade(*, actor) -> dict[int, int]:
    """Submissions not graded yet in the online classes the actor teaches, per assignment
    ({assignment id: count}; the home page). One query."""
    if not getattr(actor, "person_id", None):
        return {}
    rows = (
        Submission.objects.filter(
            assignment__online_class__teacher__person_id=actor.person_id, graded_at__isnull=True
        )
        .order_by()
        .values_list("assignment_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def online_classes(*, actor) -> QuerySet[OnlineClass]:
    qs = OnlineClass.objects.select_related("class_group", "subject", "teacher__person")
    q = _class_q(actor)
    return qs if q is None else qs.filter(q)


def online_classes_taught(*, actor) -> QuerySet[OnlineClass]:
    """The actor's own online classes (those they teach), none for someone with no person."""
    person_id = getattr(actor, "person_id", None)
    if not person_id:
        return OnlineClass.objects.none()
    return online_classes(actor=actor).filter(teacher__person_id=person_id)


def online_class_search(*, actor, q: str = "", exclude_person_id: int | None = None):
    """The actor's online classes matching `q` (without diacritics, any case) in the class
    name, the subject, the teacher's or the school's name, by school, class and subject;
    without those taught by `exclude_person_id` (the page lists a teacher's own apart)."""
    qs = online_classes(actor=actor).select_related("class_group__school")
    qs = qs.order_by("class_group__school__name", "class_group__name", "subject__sort_order", "id")
    if exclude_person_id:
        qs = qs.exclude(teacher__person_id=exclude_person_id)
    term = fold(q).strip()
    if term:
        subjects = [s.pk for s in Subject.objects.only("name") if term in fold(s.name)]
        qs = qs.filter(
            Q(class_group__name__icontains=q.strip())
            | Q(class_group__name__icontains=term)
            | Q(teacher__search_name__contains=term)
            | Q(class_group__school__search_name__contains=term)
            | Q(subject_id__in=subjects)
        )
    return qs


def online_classes_span_schools(*, actor) -> bool:
    """Whether the actor's online classes belong to more than one school (a commune or
    province officer): the list then names each class's school."""
    schools = online_classes(actor=actor).order_by().values("class_group__school_id")
    return len(schools.distinct()[:2]) > 1


def online_class_pairs(*, actor, class_ids: list[int]) -> set[tuple[int, int]]:
    """(class, subject) of the online classes the actor sees in `class_ids`: what is
    already open there."""
    qs = online_classes(actor=actor).filter(class_group_id__in=class_ids)
    return set(qs.values_list("class_group_id", "subject_id"))


def online_class_get(*, actor, class_id: int) -> OnlineClass:
    oc = online_classes(actor=actor).filter(pk=class_id).first()
    if oc is None:
        raise NotFound("learning.class", _("Không tìm thấy lớp học trực tuyến."))
    return oc


def is_teacher(actor, oc: OnlineClass) -> bool:
    """May manage the class: the subject's teacher there, or the school's principal/clerk."""
    return records_selectors.may_enter_marks(
        actor=actor, class_id=oc.class_group_id, subject_id=oc.subject_id
    )


def lessons(actor, oc: OnlineClass) -> QuerySet[Lesson]:
    """The class's lessons, in order, each with the resources the actor may open: all of
    them for the class's teachers (material imported from a cartridge waits for review),
    published ones for everyone else."""
    resources = Resource.objects.order_by("id")
    if not is_teacher(actor, oc):
        resources = resources.filter(status=ResourceStatus.PUBLISHED)
    return oc.lessons.prefetch_related(Prefetch("resources", queryset=resources))


def own_student(actor, oc: OnlineClass) -> Student | None:
    """The acting student in this class (a student user), else None."""
    scope = scope_of(actor)
    if not scope.student_ids or not scope.person_id:
        return None
    return Student.objects.filter(
        pk__in=scope.student_ids, person_id=scope.person_id, current_class_id=oc.class_group_id
    ).first()


def assignment_get(*, actor, assignment_id: int) -> Assignment:
    a = (
        Assignment.objects.filter(online_class__in=online_classes(actor=actor))
        .select_related("online_class__class_group", "online_class__subject")
        .filter(pk=assignment_id)
        .first()
    )
    if a is None:
        raise NotFound("learning.assignment", _("Không tìm thấy bài tập."))
    return a


def submission_get(*, actor, submission_id: int) -> Submission:
    """Teachers of the class see every submission; a student or guardian only theirs."""
    s = (
        Submission.objects.select_related("assignment__online_class", "student__person")
        .filter(pk=submission_id)
        .first()
    )
    if s is None:
        raise NotFound("learning.submission", _("Không tìm thấy bài nộp."))
    oc = s.assignment.online_class
    if not online_classes(actor=actor).filter(pk=oc.pk).exists():
        raise NotFound("learning.submission", _("Không tìm thấy bài nộp."))
    scope = scope_of(actor)
    if not (is_teacher(actor, oc) or s.student_id in scope.student_ids or scope.everything):
        raise NotFound("learning.submission", _("Không tìm thấy bài nộp."))
    return s


def submissions(*, actor, assignment: Assignment) -> QuerySet[Submission]:
    qs = Submission.objects.filter(assignment=assignment).select_related("student__person")
    if is_teacher(actor, assignment.online_class):
        return qs
    return qs.filter(student_id__in=scope_of(actor).student_ids)


def roster(oc: OnlineClass) -> QuerySet[Student]:
    return records_selectors.roster(oc.class_group)


# --- monitoring ------------------------------------------------------------------------------


def _classes_under(unit: OrgUnit, school_year: SchoolYear, grades) -> QuerySet[ClassGroup]:
    return ClassGroup.objects.filter(
        school__path__gte=unit.path,
        school__path__lt=path_upper(unit.path),
        school_year=school_year,
        grade__number__in=list(grades),
    )


def online_periods(*, unit: OrgUnit, school_year: SchoolYear, grades=SECONDARY) -> tuple[int, int]:
    """(periods delivered online, periods planned) for the classes of `grades` under `unit`
    in a school year: live-session periods ÷ Σ over those classes of their grade's
    compulsory and elective curriculum periods (records' table). T06: grades 1–5;
    T07: grades 6–12."""
    classes = _classes_under(unit, school_year, grades)
    online = (
        LiveSession.objects.filter(online_class__class_group__in=classes.values("pk")).aggregate(
            n=Sum("periods")
        )["n"]
        or 0
    )
    per_grade = dict(
        CurriculumSubject.objects.filter(
            grade__in=list(grades), kind__in=[SubjectKind.COMPULSORY, SubjectKind.ELECTIVE]
        )
        .values_list("grade")
        .annotate(n=Sum("periods_per_year"))
        .values_list("grade", "n")
    )
    planned = sum(per_grade.get(g, 0) for g in classes.values_list("grade__number", flat=True))
    return online, planned


def active_students(*, unit: OrgUnit, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(students who submitted work or attended a live session between `start` and `end`,
    students studying under `unit`, preschool children left out): T04."""
    students = Student.objects.filter(
        status=StudentStatus.STUDYING,
        current_school__path__gte=unit.path,
        current_school__path__lt=path_upper(unit.path),
    ).exclude(current_school__school__level=SchoolLevel.PRESCHOOL)
    submitted = Submission.objects.filter(
        student_id=OuterRef("pk"),
        submitted_at__date__gte=start,
        submitted_at__date__lte=end,
    )
    attended = LiveSession.attendees.through.objects.filter(
        student_id=OuterRef("pk"),
        livesession__date__gte=start,
        livesession__date__lte=end,
    )
    active = students.filter(Exists(submitted) | Exists(attended)).count()
    return active, students.count()


def student_status(actor, assignment: Assignment, now=None) -> str | None:
    """A student's own status for an assignment; None for anyone else."""
    student = own_student(actor, assignment.online_class)
    if student is None:
        return None
    s = Submission.objects.filter(assignment=assignment, student=student).first()
    if s is not None:
        return Status.GRADED if s.graded_at else Status.LATE if s.late else Status.SUBMITTED
    return Status.MISSING if (now or timezone.now()) > assignment.due_at else Status.OPEN


def lesson_get(*, actor, lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.filter(online_class__in=online_classes(actor=actor), pk=lesson_id)
        .select_related("online_class")
        .first()
    )
    if lesson is None:
        raise NotFound("learning.lesson", _("Không tìm thấy bài học."))
    return lesson
