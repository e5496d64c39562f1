"""Monitoring's DX pre-fill slot for the offices' criterion "hồ sơ công việc xử lý trên môi
trường số" (3.1): `(unit, year) -> (share 0..1, note) | None`, `year` the assessment year
(school year (year-1)-year, 1/9 to 31/8)."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_noop

from edudx.core.notes import Note

from .selectors import closed_counts


def dossiers(unit, year: int):
    """The unit's own work dossiers closed in the school year: the share handled digitally
    (T12's rule, `selectors.closed_counts`); None when it closed none."""
    counts = closed_counts([unit.pk], start=dt.date(year - 1, 9, 1), end=dt.date(year, 8, 31))
    if unit.pk not in counts:
        return None
    digital, n = counts[unit.pk]
    share = round(Decimal(digital) / n, 4)
    text = Note(
        gettext_noop("%(digital)s/%(n)s hồ sơ công việc xử lý trên môi trường số năm học %(sy)s"),
        digital=digital,
        n=n,
        sy=f"{year - 1}-{year}",
    )
    return share, text
