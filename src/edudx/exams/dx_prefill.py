"""Monitoring's DX pre-fill slot for computer-based tests: `(unit, year) -> (share 0..1,
note) | None`, `year` the assessment year (school year (year-1)-year)."""

from django.utils.translation import gettext_noop

from edudx.core.notes import Note
from edudx.org.models import ClassGroup, SchoolYear, UnitKind

from .models import ExamTest


def online_tests(unit, year: int):
    """Classes of the school year that sat at least one online test on the platform."""
    if unit.kind != UnitKind.SCHOOL:
        return None
    sy = SchoolYear.objects.filter(code=f"{year - 1}-{year}").first()
    if sy is None:
        return None
    classes = ClassGroup.objects.filter(school=unit, school_year=sy)
    n = classes.count()
    if not n:
        return None
    k = (
        ExamTest.objects.filter(class_group__in=classes.values("pk"))
        .values("class_group_id")
        .distinct()
        .count()
    )
    return round(k / n, 4), Note(
        gettext_noop("%(k)s/%(n)s lớp có bài kiểm tra trực tuyến năm học %(sy)s"),
        k=k,
        n=n,
        sy=sy.code,
    )
