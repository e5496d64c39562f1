"""Indicators computed from the platform's own data (see indicators.py). One or two GROUP BY
queries per indicator for all schools at once."""

from django.db.models import Count, Q

from edudx.org.models import School, SchoolLevel
from edudx.people.models import Enrolment, EnrolmentStatus, StaffKind, StaffMember
from edudx.records.models import AttendanceSession, Mark

from .indicators import QueryContext, indicator
from .models import DxAssessment, DxStatus, ReportVersion
from .reports import reported_fact


def _flags(ctx: QueryContext, hits: set[int]) -> dict:
    return {sid: (1 if sid in hits else 0, 1) for sid in ctx.school_ids}


@indicator("T08")
def t08(ctx: QueryContext) -> dict:
    """A school manages on data when, in the school year, its classes have attendance taken
    on the platform and marks entered in the electronic mark book (records). A preschool
    keeps no mark book (children are not marked), so attendance alone counts there."""
    sy = ctx.school_year
    if sy is None:
        return {}
    attendance = set(
        AttendanceSession.objects.filter(
            class_group__school_year=sy, class_group__school_id__in=ctx.school_ids
        )
        .values_list("class_group__school_id", flat=True)
        .distinct()
    )
    marks = set(
        Mark.objects.filter(class_group__school_year=sy, class_group__school_id__in=ctx.school_ids)
        .values_list("class_group__school_id", flat=True)
        .distinct()
    )
    preschools = set(
        School.objects.filter(unit_id__in=ctx.school_ids, level=SchoolLevel.PRESCHOOL).values_list(
            "unit_id", flat=True
        )
    )
    return _flags(ctx, attendance & (marks | preschools))


@indicator("T09")
def t09(ctx: QueryContext) -> dict:
    """Learners enrolled in the school year (platform record) who carry a personal ID
    (the 12-digit định danh cá nhân) — over all learners enrolled that year."""
    sy = ctx.school_year
    if sy is None:
        return {}
    rows = (
        Enrolment.objects.filter(school_year=sy, school_id__in=ctx.school_ids)
        .order_by()
        .values("school_id")
        .annotate(
            den=Count("student_id", distinct=True),
            num=Count(
                "student_id",
                distinct=True,
                filter=Q(student__person__personal_id__isnull=False)
                & ~Q(student__person__personal_id=""),
            ),
        )
    )
    return {r["school_id"]: (r["num"], r["den"]) for r in rows}


@indicator("T10")
def t10(ctx: QueryContext) -> dict:
    """Teachers in post on the report date with a personal ID, over all teachers in post."""
    rows = (
        StaffMember.objects.filter(unit_id__in=ctx.school_ids, kind=StaffKind.TEACHER)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=ctx.as_of))
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=ctx.as_of))
        .order_by()
        .values("unit_id")
        .annotate(
            den=Count("person_id", distinct=True),
            num=Count(
                "person_id",
                distinct=True,
                filter=Q(person__personal_id__isnull=False) & ~Q(person__personal_id=""),
            ),
        )
    )
    return {r["unit_id"]: (r["num"], r["den"]) for r in rows}


@indicator("T18")
def t18(ctx: QueryContext) -> dict:
    """The yearly report was submitted on the platform (1 of 1 report per school)."""
    hits = set(
        ReportVersion.objects.filter(
            report__template__year=ctx.year, report__unit_id__in=ctx.school_ids
        ).values_list("report__unit_id", flat=True)
    )
    return _flags(ctx, hits)


@indicator("T25")
def t25(ctx: QueryContext) -> dict:
    """The school's DX index for the year has been published by the office."""
    hits = set(
        DxAssessment.objects.filter(
            year=ctx.year, unit_id__in=ctx.school_ids, status=DxStatus.PUBLISHED
        ).values_list("unit_id", flat=True)
    )
    return _flags(ctx, hits)


# Informatics is taught from grade 3 (Tin học và Công nghệ in primary, Tin học after), in a
# computer room where each pupil of the class has a computer: our reading of the minimum
# equipment lists (Thông tư 37/2021 and 38/2021/TT-BGDĐT); the plan gives no figure.
INFORMATICS_FROM_GRADE = 3
PUPILS_PER_COMPUTER = 1


@indicator("T22")
def t22(ctx: QueryContext) -> dict:
    """A school has enough computers to teach Informatics when the computers usable for
    teaching of its latest yearly report (up to the report year, the fact
    `computers_teaching`) seat its largest class of grade 3 or above in the school year
    (pupils enrolled in the class, not transferred out or withdrawn). Schools without such
    a class, or that never reported their computers, are missing."""
    sy = ctx.school_year
    if sy is None:
        return {}
    computers = reported_fact("computers_teaching", up_to=ctx.year)
    sizes = (
        Enrolment.objects.filter(
            school_year=sy,
            school_id__in=[s for s in ctx.school_ids if s in computers],
            class_group__grade__number__gte=INFORMATICS_FROM_GRADE,
            status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED],
        )
        .order_by()
        .values("school_id", "class_group_id")
        .annotate(n=Count("student_id", distinct=True))
    )
    largest: dict[int, int] = {}
    for r in sizes:
        largest[r["school_id"]] = max(largest.get(r["school_id"], 0), r["n"])
    return {
        sid: (1 if computers[sid][0] * PUPILS_PER_COMPUTER >= n else 0, 1)
        for sid, n in largest.items()
    }


@indicator("T23")
def t23(ctx: QueryContext) -> dict:
    """A school is connected by fibre when its latest yearly report (up to the report year)
    answers yes to the fact `internet_fibre` (1 of 1; a no is 0 of 1). Schools that never
    answered are missing. The plan's "high speed" is its fibre line (appendix, infrastructure
    tasks: "Đảm bảo kết nối Internet cáp quang tới tất cả các cơ sở giáo dục"); it sets no
    bandwidth, so the reported Mbps is consolidated next to it but not judged."""
    schools = set(ctx.school_ids)
    fibre = reported_fact("internet_fibre", up_to=ctx.year)
    return {sid: (1 if v else 0, 1) for sid, (v, _year) in fibre.items() if sid in schools}
