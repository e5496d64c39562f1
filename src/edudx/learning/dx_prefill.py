"""Monitoring's DX pre-fill slots for online teaching and teacher training: `(unit, year)
-> (share 0..1, note) | None`, `year` the assessment year (school year (year-1)-year)."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from edudx.core.notes import Note
from edudx.org.models import ClassGroup, SchoolYear, UnitKind
from edudx.people.models import StaffKind, StaffMember

from .models import OnlineClass, TrainingProfile
from .selectors import active_students


def _school_year(unit, year: int):
    if unit.kind != UnitKind.SCHOOL:
        return None
    return SchoolYear.objects.filter(code=f"{year - 1}-{year}").first()


def _teachers(unit):
    return StaffMember.objects.filter(unit=unit, kind=StaffKind.TEACHER).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=timezone.localdate())
    )


def lms(unit, year: int):
    """Classes of the school year with an online class on the platform."""
    sy = _school_year(unit, year)
    if sy is None:
        return None
    classes = ClassGroup.objects.filter(school=unit, school_year=sy)
    n = classes.count()
    if not n:
        return None
    k = (
        OnlineClass.objects.filter(class_group__in=classes.values("pk"))
        .values("class_group_id")
        .distinct()
        .count()
    )
    return round(k / n, 4), Note(
        gettext_noop("%(k)s/%(n)s lớp có lớp học trực tuyến năm học %(sy)s"), k=k, n=n, sy=sy.code
    )


def teachers_online(unit, year: int):
    """Teachers in post who teach an online class of the school year."""
    sy = _school_year(unit, year)
    if sy is None:
        return None
    teachers = _teachers(unit)
    n = teachers.count()
    if not n:
        return None
    k = teachers.filter(
        pk__in=OnlineClass.objects.filter(
            class_group__school=unit, class_group__school_year=sy
        ).values("teacher_id")
    ).count()
    return round(k / n, 4), Note(
        gettext_noop("%(k)s/%(n)s giáo viên dạy lớp trực tuyến năm học %(sy)s"),
        k=k,
        n=n,
        sy=sy.code,
    )


def students_online(unit, year: int):
    """Students who submitted work or attended a live session in the school year (T04)."""
    sy = _school_year(unit, year)
    if sy is None:
        return None
    k, n = active_students(unit=unit, start=dt.date(year - 1, 9, 1), end=dt.date(year, 8, 31))
    if not n:
        return None
    return round(k / n, 4), Note(
        gettext_noop("%(k)s/%(n)s học sinh học trực tuyến năm học %(sy)s"), k=k, n=n, sy=sy.code
    )


def training_accounts(unit, year: int):
    """Teachers in post with a self-training profile (T21)."""
    if unit.kind != UnitKind.SCHOOL:
        return None
    teachers = _teachers(unit)
    n = teachers.count()
    if not n:
        return None
    k = TrainingProfile.objects.filter(staff__in=teachers.values("pk")).count()
    return round(k / n, 4), Note(
        gettext_noop("%(k)s/%(n)s giáo viên có tài khoản tự bồi dưỡng"), k=k, n=n
    )
