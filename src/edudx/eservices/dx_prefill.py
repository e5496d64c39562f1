"""Monitoring's DX pre-fill slots for public services (criteria of data/dx_frameworks.json
in monitoring): `(unit, year) -> (share 0..1, note) | None`, `year` the assessment year."""

from django.utils.translation import gettext_noop

from edudx.core.notes import Note
from edudx.org.models import SchoolYear, UnitKind

from .models import AdmissionSchool
from .selectors import indicator_counts


def _years(year: int) -> list[str]:
    """The school years whose admission rounds count: the assessment's and the next."""
    return [f"{year - 1}-{year}", f"{year}-{year + 1}"]


def online_admissions(unit, year: int):
    """A school admits online when it takes part in an admission round on the platform for
    the school year of the assessment or the next one (rounds open in spring)."""
    if unit.kind != UnitKind.SCHOOL:
        return None
    codes = _years(year)
    if not SchoolYear.objects.filter(code__in=codes).exists():
        return None
    rounds = (
        AdmissionSchool.objects.filter(school=unit, round__school_year__code__in=codes)
        .values("round_id")
        .distinct()
        .count()
    )
    if rounds:
        return 1, Note(
            gettext_noop("%(rounds)s đợt tuyển sinh trực tuyến (năm học %(years)s)"),
            rounds=rounds,
            years=" / ".join(codes),
        )
    return 0, Note(gettext_noop("chưa có đợt tuyển sinh trực tuyến trên nền tảng"))


def office_online_services(unit, year: int):
    """An office: T14, its eligible procedures offered fully online (catalogue today)."""
    if unit.kind == UnitKind.SCHOOL:
        return None
    num, den = indicator_counts(unit=unit, target="T14")
    if not den:
        return None
    return round(num / den, 4), Note(
        gettext_noop("%(k)s/%(n)s thủ tục cung cấp trực tuyến toàn trình"), k=num, n=den
    )


def schools_online_admissions(unit, year: int):
    """An office: the share of its schools (on 31 May of the year) that admit online, as
    `online_admissions` decides for one school."""
    from edudx.monitoring.dx_prefill import schools_on  # noqa: PLC0415

    if unit.kind == UnitKind.SCHOOL:
        return None
    codes = _years(year)
    schools = schools_on(unit, year)
    if not schools or not SchoolYear.objects.filter(code__in=codes).exists():
        return None
    online = (
        AdmissionSchool.objects.filter(school_id__in=schools, round__school_year__code__in=codes)
        .values("school_id")
        .distinct()
        .count()
    )
    return round(online / len(schools), 4), (
        Note(
            gettext_noop("%(k)s/%(n)s trường tuyển sinh đầu cấp trực tuyến trên nền tảng"),
            k=online,
            n=len(schools),
        )
    )
