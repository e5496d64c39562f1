"""Monitoring's yearly-report suggestion slot for the school fact `computers_teaching`
("Số máy tính dùng được cho dạy học", which T22 reads once submitted):
`(unit, day) -> (value, note) | None`, `day` the report's reference date. The register only
suggests; the school's submitted figure is what counts."""

import datetime as dt

from django.utils.translation import ngettext

from .selectors import teaching_computers_in_use


def computers_teaching(unit, day: dt.date):
    """The school's usable teaching computers on the register on `day`; None when its
    register has no teaching computer."""
    n = teaching_computers_in_use(unit, on=day)
    if n is None:
        return None
    return n, ngettext("Theo sổ tài sản: %(n)s máy", "Theo sổ tài sản: %(n)s máy", n) % {"n": n}
