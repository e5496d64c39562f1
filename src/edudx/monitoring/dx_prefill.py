"""Pre-fill of DX criteria from the platform's own data. A criterion's `prefill` is the
dotted name of a function `(unit, year) -> (share 0..1, note) | None`; this module holds the
ones monitoring can answer now (people, records, its own reports). The others point at
modules still being built (edudx.fees.dx_prefill.cashless, …) and stay empty until those
modules define the function — no change here then.

`year` is the assessment year: self-assessment by 31 May, so the data is the school year
that ends in it ((year-1)-year)."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_noop

from edudx.core.notes import Note, number, term
from edudx.org.models import SchoolYear, UnitKind
from edudx.people.models import Enrolment, StaffMember
from edudx.records.models import AttendanceSession, Mark
from edudx.records.models_transcripts import Transcript

from .models import IndicatorValue, ReportVersion


def _school_year(year: int) -> SchoolYear | None:
    return SchoolYear.objects.filter(code=f"{year - 1}-{year}").first()


def _share(num: int, den: int) -> Decimal:
    return (Decimal(num) / Decimal(den)).quantize(Decimal("0.0001")) if den else Decimal(0)


def transcripts(unit, year: int):
    """Digital transcripts in use: students of the school year with a Transcript row."""
    sy = _school_year(year)
    if sy is None:
        return None
    students = (
        Enrolment.objects.filter(school=unit, school_year=sy)
        .values("student_id")
        .distinct()
        .count()
    )
    issued = (
        Transcript.objects.filter(school=unit, school_year=sy)
        .values("student_id")
        .distinct()
        .count()
    )
    return _share(issued, students), Note(
        gettext_noop("%(issued)s/%(students)s học sinh có học bạ số năm học %(sy)s"),
        issued=issued,
        students=students,
        sy=sy.code,
    )


def mark_book(unit, year: int):
    """Electronic mark book and attendance: classes with both, over the school's classes."""
    sy = _school_year(year)
    if sy is None:
        return None
    classes = set(unit.class_groups.filter(school_year=sy).values_list("id", flat=True))
    if not classes:
        return Decimal(0), Note(gettext_noop("0 lớp năm học %(sy)s"), sy=sy.code)
    with_marks = set(
        Mark.objects.filter(class_group_id__in=classes).values_list("class_group_id", flat=True)
    )
    with_att = set(
        AttendanceSession.objects.filter(class_group_id__in=classes).values_list(
            "class_group_id", flat=True
        )
    )
    both = len(classes & with_marks & with_att)
    return _share(both, len(classes)), (
        Note(
            gettext_noop("%(k)s/%(n)s lớp có sổ điểm và điểm danh điện tử năm học %(sy)s"),
            k=both,
            n=len(classes),
            sy=sy.code,
        )
    )


def school_records(unit, year: int):
    """Student and teacher records on the platform that carry a personal ID."""
    sy = _school_year(year)
    if sy is None:
        return None
    s = Enrolment.objects.filter(school=unit, school_year=sy).aggregate(
        n=Count("student_id", distinct=True),
        ok=Count(
            "student_id",
            distinct=True,
            filter=Q(student__person__personal_id__isnull=False)
            & ~Q(student__person__personal_id=""),
        ),
    )
    t = StaffMember.objects.filter(unit=unit, end_date__isnull=True).aggregate(
        n=Count("id"),
        ok=Count("id", filter=Q(person__personal_id__isnull=False) & ~Q(person__personal_id="")),
    )
    num, den = s["ok"] + t["ok"], s["n"] + t["n"]
    return _share(num, den), Note(
        gettext_noop("%(k)s/%(n)s hồ sơ học sinh, cán bộ có mã định danh"), k=num, n=den
    )


def _indicator(unit, year: int, code: str):
    """The unit's value of indicator `code` for the report year before (the school year
    that ends in `year`), from the summary; None when it has none."""
    row = IndicatorValue.objects.filter(unit=unit, year=year - 1, indicator__code=code).first()
    if row is None or row.value is None:
        return None
    return row.value / 100, Note(
        gettext_noop("%(code)s năm %(year)s: %(value)s%%"),
        code=code,
        year=year - 1,
        value=number(row.value),
    )


def office_records(unit, year: int):
    """An office: T09 (learners with a digital record) of its area, from the summary."""
    return _indicator(unit, year, "T09")


def informatics(unit, year: int):
    """A school: T22 — its reported computers for teaching seat its largest class from
    grade 3 (1 or 0)."""
    return _indicator(unit, year, "T22")


def office_reports(unit, year: int):
    """An office: its schools' yearly reports of the previous year submitted on the platform."""
    if unit.kind == UnitKind.SCHOOL:
        return None
    row = IndicatorValue.objects.filter(unit=unit, year=year - 1, indicator__code="T18").first()
    if row is None or row.value is None:
        submitted = ReportVersion.objects.filter(report__unit=unit).exists()
        return (Decimal(1) if submitted else Decimal(0)), Note(gettext_noop("báo cáo của đơn vị"))
    return row.value / 100, Note(
        gettext_noop("%(code)s năm %(year)s: %(value)s%%"),
        code="T18",
        year=year - 1,
        value=number(row.value),
    )


def schools_on(unit, year: int) -> list[int]:
    """The schools under an office on the year's self-assessment deadline (31 May)."""
    from .selectors import schools_under_on  # noqa: PLC0415

    return [pk for pk, _path in schools_under_on(unit, dt.date(year, 5, 31))]


def _schools_group(unit, year: int, group: str, label: str):
    """An office: its schools' published DX points of `group` (QĐ 4725) for the year,
    averaged over all its schools (a school without a published index counts 0)."""
    from .models import DxAssessment, DxStatus  # noqa: PLC0415

    if unit.kind == UnitKind.SCHOOL:
        return None
    schools = schools_on(unit, year)
    if not schools:
        return None
    points = [
        Decimal(str(s[group]["points"]))
        for s in DxAssessment.objects.filter(
            unit_id__in=schools, year=year, status=DxStatus.PUBLISHED
        ).values_list("scores", flat=True)
        if group in s
    ]
    mean = sum(points, Decimal(0)) / len(schools)
    share = (mean / 100).quantize(Decimal("0.0001"))
    return share, (
        Note(
            gettext_noop("%(k)s/%(n)s trường đã công bố; bình quân nhóm %(group)s %(mean)s/100"),
            k=len(points),
            n=len(schools),
            group=term(label),
            mean=number(mean.quantize(Decimal("0.1"))),
        )
    )


def schools_teaching(unit, year: int):
    """QĐ 3806 (2024), results at the schools: their teaching group (DH) of QĐ 4725."""
    return _schools_group(unit, year, "DH", gettext_noop("dạy, học"))


def schools_management(unit, year: int):
    """QĐ 3806 (2024), results at the schools: their management group (QT) of QĐ 4725."""
    return _schools_group(unit, year, "QT", gettext_noop("quản trị"))
