"""Monitoring's DX pre-fill slot for digital learning resources: `(unit, year) -> (share
0..1, note) | None`."""

from django.utils.translation import gettext_noop

from edudx.core.notes import Note
from edudx.org.models import UnitKind

from .coverage import coverage_ratio


def resources(unit, year: int):
    """A school: the share of its curriculum periods covered by published resources
    available to it (T05, `coverage.coverage_ratio`; the repository as it stands)."""
    if unit.kind != UnitKind.SCHOOL:
        return None
    num, den = coverage_ratio(unit)
    if not den:
        return None
    return round(num / den, 4), Note(
        gettext_noop("%(num)s/%(den)s tiết có học liệu số"), num=num, den=den
    )
