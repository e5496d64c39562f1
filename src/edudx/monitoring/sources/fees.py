"""Monitoring's slot for T19 (schools collecting fees cashless), registered with monitoring's
indicator registry. As `selectors.cashless_schools_share`, for every school at once: a
school counts when it received at least one payment by bank transfer in the report's school
year (1/9 to 31/8); 1 of 1 per school."""

from edudx.fees.models import Payment, PaymentMethod
from edudx.monitoring.indicators import QueryContext, indicator


@indicator("T19")
def t19(ctx: QueryContext) -> dict:
    lo, hi = ctx.window()
    hits = set(
        Payment.objects.filter(
            method=PaymentMethod.TRANSFER,
            received_at__gte=lo,
            received_at__lt=hi,
            invoice__school_id__in=ctx.school_ids,
        )
        .order_by()
        .values_list("invoice__school_id", flat=True)
        .distinct()
    )
    return {sid: (1 if sid in hits else 0, 1) for sid in ctx.school_ids}
