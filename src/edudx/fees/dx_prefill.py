"""Monitoring's DX pre-fill slot for cashless fees: `(unit, year) -> (share 0..1, note)`,
`year` the assessment year (school year (year-1)-year, 1/9 to 31/8)."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from edudx.core.notes import Note
from edudx.org.models import path_upper

from .models import Payment, PaymentMethod


def cashless(unit, year: int):
    """Payments received in the school year on invoices of schools under `unit`: the share
    received by bank transfer (count of payments)."""
    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(dt.date(year - 1, 9, 1), dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(dt.date(year, 9, 1), dt.time.min, tzinfo=tz)
    agg = Payment.objects.filter(
        received_at__gte=lo,
        received_at__lt=hi,
        invoice__school__path__gte=unit.path,
        invoice__school__path__lt=path_upper(unit.path),
    ).aggregate(n=Count("id"), transfer=Count("id", filter=Q(method=PaymentMethod.TRANSFER)))
    n, k = agg["n"], agg["transfer"]
    if not n:
        return None
    return round(k / n, 4), Note(
        gettext_noop("%(k)s/%(n)s khoản thu qua chuyển khoản năm học %(sy)s"),
        k=k,
        n=n,
        sy=f"{year - 1}-{year}",
    )
