"""Open data of people: counts only, never a row per person (edudx.core.opendata). Counts
of students pass through `suppress`, so a group of 1–4 children is not published."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edudx.core.opendata import INTEGER, Column, dataset, suppress
from edudx.org.models import UnitKind

from .models import Enrolment, EnrolmentStatus, StaffKind, StaffMember

KINH = "01"


@dataset(
    slug="students-by-grade",
    title=_("Số học sinh theo trường và khối lớp"),
    description=_(
        "Mỗi năm học, mỗi trường, mỗi khối: số học sinh (đang học hoặc đã hoàn thành năm "
        "học), trong đó nữ và dân tộc thiểu số. Số từ 1 đến 4, và số mà phần còn lại của "
        "khối chỉ còn 1 đến 4 em, được để trống để không nhận diện được học sinh."
    ),
    columns=[
        Column("school_year", _("Năm học")),
        Column("school_code", _("Mã trường")),
        Column("school_name", _("Tên trường")),
        Column("grade", _("Khối lớp"), INTEGER),
        Column("students", _("Số học sinh"), INTEGER),
        Column("girls", _("Học sinh nữ"), INTEGER),
        Column("ethnic_minority", _("Học sinh dân tộc thiểu số"), INTEGER),
    ],
    keywords=("học sinh", "khối lớp", "students"),
    source="people",
    order=20,
)
def students_by_grade() -> list[tuple]:
    counts = (
        Enrolment.objects.filter(
            status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED],
            class_group__isnull=False,
        )
        .order_by()
        .values("school_year__code", "school__code", "school__name", "class_group__grade__number")
        .annotate(
            students=Count("student_id", distinct=True),
            girls=Count("student_id", distinct=True, filter=Q(student__person__sex="F")),
            minority=Count("student_id", distinct=True, filter=~Q(student__person__ethnicity=KINH)),
        )
    )
    rows = []
    for r in counts:
        total = r["students"]
        shown = suppress(total, None)
        rows.append(
            (
                r["school_year__code"],
                r["school__code"],
                r["school__name"],
                r["class_group__grade__number"],
                shown,
                suppress(r["girls"], total) if shown is not None else None,
                suppress(r["minority"], total) if shown is not None else None,
            )
        )
    rows.sort(key=lambda t: (t[0], t[1], t[2], t[3] is None, t[3] or 0))
    return rows


@dataset(
    slug="staff-by-school",
    title=_("Số cán bộ, giáo viên, nhân viên theo trường"),
    description=_(
        "Mỗi trường đang hoạt động: số giáo viên, cán bộ quản lý và nhân viên đang công tác "
        "(một người có hai vai trò được đếm ở cả hai)."
    ),
    columns=[
        Column("school_code", _("Mã trường")),
        Column("school_name", _("Tên trường")),
        Column("teachers", _("Số giáo viên"), INTEGER),
        Column("managers", _("Số cán bộ quản lý"), INTEGER),
        Column("employees", _("Số nhân viên"), INTEGER),
    ],
    keywords=("giáo viên", "cán bộ quản lý", "staff"),
    source="people",
    order=30,
)
def staff_by_school() -> list[tuple]:
    today = timezone.localdate()
    counts = (
        StaffMember.objects.filter(unit__kind=UnitKind.SCHOOL, unit__valid_to__isnull=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by()
        .values("unit__code", "unit__name")
        .annotate(
            **{
                kind: Count("person_id", distinct=True, filter=Q(kind=value))
                for kind, value in (
                    ("teachers", StaffKind.TEACHER),
                    ("managers", StaffKind.MANAGER),
                    ("employees", StaffKind.EMPLOYEE),
                )
            }
        )
    )
    return sorted(
        (r["unit__code"], r["unit__name"], r["teachers"], r["managers"], r["employees"])
        for r in counts
    )
