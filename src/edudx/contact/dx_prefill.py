"""Monitoring's DX pre-fill slot for the electronic contact book: `(unit, year) -> (share
0..1, note) | None`, `year` the assessment year (school year (year-1)-year)."""

from django.utils.translation import gettext_noop

from edudx.core.notes import Note
from edudx.org.models import ClassGroup, SchoolYear, UnitKind

from .models import Audience, Notice, TeacherComment


def parent_book(unit, year: int):
    """Classes of the school year the contact book reached: a notice to the class, its
    grade or the whole school, or a teacher's comment on one of its students."""
    if unit.kind != UnitKind.SCHOOL:
        return None
    sy = SchoolYear.objects.filter(code=f"{year - 1}-{year}").first()
    if sy is None:
        return None
    classes = dict(
        ClassGroup.objects.filter(school=unit, school_year=sy).values_list("id", "grade_id")
    )
    if not classes:
        return None
    notices = Notice.objects.filter(school=unit, school_year=sy)
    if notices.filter(audience=Audience.SCHOOL).exists():
        reached = set(classes)
    else:
        grades = set(notices.filter(audience=Audience.GRADE).values_list("grade_id", flat=True))
        reached = {c for c, g in classes.items() if g in grades}
        reached |= set(
            notices.filter(audience=Audience.CLASS).values_list("class_group_id", flat=True)
        )
        reached |= set(
            TeacherComment.objects.filter(class_group_id__in=list(classes)).values_list(
                "class_group_id", flat=True
            )
        )
    n = len(reached & set(classes))
    return round(n / len(classes), 4), Note(
        gettext_noop("%(k)s/%(n)s lớp dùng sổ liên lạc điện tử năm học %(sy)s"),
        k=n,
        n=len(classes),
        sy=sy.code,
    )
