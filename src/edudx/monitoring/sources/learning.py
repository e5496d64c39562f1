"""Monitoring's slots for online learning and teacher training (T04, T06, T07, T20, T21),
registered with monitoring's indicator registry (monitoring/data/indicators.json points
here). Set-based: a few GROUP BY queries for every school at once. Definitions as
`selectors.active_students` / `selectors.online_periods` (docs/content.md), over the
report's school year (1/9 to 31/8)."""

from django.db.models import Count, Exists, OuterRef, Q, Sum

from edudx.accounts.models import User
from edudx.learning.models import CourseEnrolment, LiveSession, Submission, TrainingProfile
from edudx.learning.selectors import PRIMARY, SECONDARY
from edudx.monitoring.indicators import QueryContext, indicator
from edudx.org.models import ClassGroup, SchoolLevel
from edudx.people.models import StaffKind, StaffMember, Student, StudentStatus
from edudx.records.models import CurriculumSubject, SubjectKind


@indicator("T04")
def t04(ctx: QueryContext) -> dict:
    """Students studying at the school who submitted work or attended a live session in
    the school year, over the students studying at the school. Preschool children are not
    "học sinh" and do not study online: a preschool has no T04."""
    lo, hi = ctx.window()
    submitted = Submission.objects.filter(
        student_id=OuterRef("pk"), submitted_at__gte=lo, submitted_at__lt=hi
    )
    attended = LiveSession.attendees.through.objects.filter(
        student_id=OuterRef("pk"),
        livesession__date__gte=ctx.start,
        livesession__date__lte=ctx.end,
    )
    rows = (
        Student.objects.filter(status=StudentStatus.STUDYING, current_school_id__in=ctx.school_ids)
        .exclude(current_school__school__level=SchoolLevel.PRESCHOOL)
        .annotate(active=Exists(submitted) | Exists(attended))
        .order_by()
        .values("current_school_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(active=True)))
    )
    return {r["current_school_id"]: (r["ok"], r["n"]) for r in rows}


def _online_periods(ctx: QueryContext, grades) -> dict:
    """{school: (live-session periods of its classes of `grades`, Σ over those classes of
    their grade's compulsory and elective periods per year)}."""
    sy = ctx.school_year
    if sy is None:
        return {}
    grades = list(grades)
    per_grade = dict(
        CurriculumSubject.objects.filter(
            grade__in=grades, kind__in=[SubjectKind.COMPULSORY, SubjectKind.ELECTIVE]
        )
        .order_by()
        .values_list("grade")
        .annotate(n=Sum("periods_per_year"))
        .values_list("grade", "n")
    )
    planned: dict[int, int] = {}
    classes = (
        ClassGroup.objects.filter(
            school_year=sy, school_id__in=ctx.school_ids, grade__number__in=grades
        )
        .order_by()
        .values("school_id", "grade__number")
        .annotate(n=Count("id"))
    )
    for r in classes:
        planned[r["school_id"]] = planned.get(r["school_id"], 0) + r["n"] * per_grade.get(
            r["grade__number"], 0
        )
    online = dict(
        LiveSession.objects.filter(
            online_class__class_group__school_year=sy,
            online_class__class_group__school_id__in=list(planned),
            online_class__class_group__grade__number__in=grades,
        )
        .order_by()
        .values_list("online_class__class_group__school_id")
        .annotate(n=Sum("periods"))
        .values_list("online_class__class_group__school_id", "n")
    )
    return {sid: (online.get(sid) or 0, den) for sid, den in planned.items() if den}


@indicator("T06")
def t06(ctx: QueryContext) -> dict:
    """Primary (grades 1–5): live-session periods over curriculum periods."""
    return _online_periods(ctx, PRIMARY)


@indicator("T07")
def t07(ctx: QueryContext) -> dict:
    """Secondary (grades 6–12): live-session periods over curriculum periods."""
    return _online_periods(ctx, SECONDARY)


def _in_post(ctx: QueryContext, kinds):
    return (
        StaffMember.objects.filter(unit_id__in=ctx.school_ids, kind__in=kinds)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=ctx.as_of))
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=ctx.as_of))
    )


@indicator("T20")
def t20(ctx: QueryContext) -> dict:
    """Teachers and managers in post on the report day who completed a digital-competence
    course on the platform (by the end of the school year), over all teachers and managers
    in post."""
    _lo, hi = ctx.window()
    done = CourseEnrolment.objects.filter(
        staff_id=OuterRef("pk"), course__digital_competence=True, completed_at__lt=hi
    )
    rows = (
        _in_post(ctx, [StaffKind.TEACHER, StaffKind.MANAGER])
        .annotate(done=Exists(done))
        .order_by()
        .values("unit_id")
        .annotate(
            n=Count("person_id", distinct=True),
            ok=Count("person_id", distinct=True, filter=Q(done=True)),
        )
    )
    return {r["unit_id"]: (r["ok"], r["n"]) for r in rows}


@indicator("T21")
def t21(ctx: QueryContext) -> dict:
    """Teachers in post on the report day with a self-training profile and an active user
    account (as `training.teachers_with_profile`), over all teachers in post."""
    profile = TrainingProfile.objects.filter(staff_id=OuterRef("pk"))
    account = User.objects.filter(person_id=OuterRef("person_id"), is_active=True)
    rows = (
        _in_post(ctx, [StaffKind.TEACHER])
        .annotate(has=Exists(profile) & Exists(account))
        .order_by()
        .values("unit_id")
        .annotate(
            n=Count("person_id", distinct=True),
            ok=Count("person_id", distinct=True, filter=Q(has=True)),
        )
    )
    return {r["unit_id"]: (r["ok"], r["n"]) for r in rows}
