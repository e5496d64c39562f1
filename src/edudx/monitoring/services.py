"""Maintaining the dashboard summary tables. Each refresh recomputes from the source rows,
so running it twice for the same event gives the same result (idempotent consumers)."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from edudx.org.models import ClassGroup, OrgUnit, SchoolYear, UnitKind
from edudx.people.models import StaffMember, Student, StudentStatus

from .models import SchoolHeadcount


def _grouped(qs, field: str) -> dict[int, int]:
    return dict(qs.order_by().values_list(field).annotate(n=Count("id")).values_list(field, "n"))


def headcount_refresh(*, school_ids: Iterable[int] | None = None) -> int:
    """Recompute the headcounts of these schools (all schools when None); returns how many
    rows were written. Three GROUP BY queries whatever the number of schools."""
    schools = OrgUnit.objects.filter(kind=UnitKind.SCHOOL)
    if school_ids is not None:
        schools = schools.filter(pk__in=list(school_ids))
    ids = list(schools.values_list("id", flat=True))
    if not ids:
        return 0
    students = _grouped(
        Student.objects.filter(current_school_id__in=ids, status=StudentStatus.STUDYING),
        "current_school_id",
    )
    staff = _grouped(StaffMember.objects.filter(unit_id__in=ids, end_date__isnull=True), "unit_id")
    year = SchoolYear.objects.order_by("-start_date").first()
    classes = (
        _grouped(ClassGroup.objects.filter(school_id__in=ids, school_year=year), "school_id")
        if year
        else {}
    )
    with transaction.atomic():
        existing = {h.school_id: h for h in SchoolHeadcount.objects.filter(school_id__in=ids)}
        new, changed = [], []
        for sid in ids:
            values = {
                "students": students.get(sid, 0),
                "staff": staff.get(sid, 0),
                "classes": classes.get(sid, 0),
            }
            row = existing.get(sid)
            if row is None:
                new.append(SchoolHeadcount(school_id=sid, **values))
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                changed.append(row)
        SchoolHeadcount.objects.bulk_create(new, batch_size=1000)
        SchoolHeadcount.objects.bulk_update(
            changed, ["students", "staff", "classes", "refreshed_at"], batch_size=1000
        )
    return len(ids)
