"""Monitoring's DX pre-fill slot for the offices' criterion "hồ sơ công việc xử lý trên môi
trường số" (3.1): `(unit, year) -> (share 0..1, note) | None`, `year` the assessment year
(school year (year-1)-year, 1/9 to 31/8)."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q

from .models import DossierStatus, WorkDossier


def dossiers(unit, year: int):
    """The unit's own work dossiers closed in the school year: the share handled digitally
    (T12's rule); None when it closed none."""
    agg = WorkDossier.objects.filter(
        unit=unit,
        status=DossierStatus.CLOSED,
        closed_on__gte=dt.date(year - 1, 9, 1),
        closed_on__lte=dt.date(year, 8, 31),
    ).aggregate(n=Count("id"), digital=Count("id", filter=Q(handled_digitally=True)))
    if not agg["n"]:
        return None
    share = round(Decimal(agg["digital"]) / agg["n"], 4)
    return share, (
        f"{agg['digital']}/{agg['n']} hồ sơ công việc xử lý trên môi trường số "
        f"năm học {year - 1}-{year}"
    )
