"""Monitoring's DX pre-fill slot for the school-management criterion "phân hệ quản lý cơ sở
vật chất" (QĐ 4725, 2.3.5): `(unit, year) -> (share 0..1, note) | None`, `year` the
assessment year (school year (year-1)-year, 1/9 to 31/8)."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_noop

from edudx.core.notes import Note

from .selectors import register_counts


def facilities(unit, year: int):
    """A school: the share of its register kept as digital records in the school year — T11's
    rule (complete record, found in a closed stock-take dated in the year) over the items on
    the register; None for a school with no register."""
    counts = register_counts([unit.pk], start=dt.date(year - 1, 9, 1), end=dt.date(year, 8, 31))
    c = counts.get(unit.pk)
    if not c or not c["items"]:
        return None
    share = round(Decimal(c["recorded"]) / c["items"], 4)
    return (
        share,
        Note(
            gettext_noop("%(k)s/%(n)s tài sản có hồ sơ số, đã kiểm kê năm học %(sy)s"),
            k=c["recorded"],
            n=c["items"],
            sy=f"{year - 1}-{year}",
        ),
    )
