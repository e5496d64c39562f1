"""Monitoring's slots for public services (T14, T15, T17), registered with monitoring's
indicator registry (rows in monitoring/data/indicators.json point here). Set-based: one or
two GROUP BY queries for every unit at once. Definitions as `selectors.indicator_counts`;
a dossier counts in the report's school year (1/9 to 31/8) by the day it was closed."""

from django.db.models import Count, Q

from edudx.eservices.models import (
    Dossier,
    DossierStatus,
    Procedure,
    ProcedureKind,
    Rating,
    ServiceLevel,
)
from edudx.monitoring.indicators import QueryContext, indicator
from edudx.org.models import UnitKind


@indicator("T14", rollup=False)
def t14(ctx: QueryContext) -> dict:
    """Per office (commune, province): the active, online-eligible procedures resolved by
    a unit kind present in its subtree (a province also counts province procedures), and
    how many are offered in full. A catalogue count per unit, not a sum of schools."""
    per_kind = {
        r["unit_kind"]: (r["full"], r["n"])
        for r in Procedure.objects.filter(active=True, online_eligible=True)
        .order_by()
        .values("unit_kind")
        .annotate(n=Count("id"), full=Count("id", filter=Q(level=ServiceLevel.FULL)))
    }
    out = {}
    paths = sorted(ctx.units.items(), key=lambda kv: kv[1][0])
    for uid, (path, kind) in paths:
        if kind == UnitKind.SCHOOL:
            continue
        kinds = {k for _u, (p, k) in paths if p.startswith(path)}
        if kind in (UnitKind.PROVINCE, UnitKind.MINISTRY):
            kinds.add(UnitKind.PROVINCE)
        num = sum(per_kind.get(k, (0, 0))[0] for k in kinds)
        den = sum(per_kind.get(k, (0, 0))[1] for k in kinds)
        if den:
            out[uid] = (num, den)
    return out


@indicator("T15")
def t15(ctx: QueryContext) -> dict:
    """Dossiers closed (result returned) in the school year by each unit (school or
    office), and how many of them were submitted online; summed up the tree."""
    lo, hi = ctx.window()
    rows = (
        Dossier.objects.filter(
            status=DossierStatus.RETURNED,
            closed_at__gte=lo,
            closed_at__lt=hi,
            unit_id__in=list(ctx.units),
        )
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"), online=Count("id", filter=Q(online=True)))
    )
    return {r["unit_id"]: (r["online"], r["n"]) for r in rows}


def ratings(ctx: QueryContext, learner_only: bool = False) -> dict:
    """{unit id: (ratings 4–5, ratings)} of dossiers closed in the school year."""
    lo, hi = ctx.window()
    qs = Rating.objects.filter(
        dossier__closed_at__gte=lo,
        dossier__closed_at__lt=hi,
        dossier__unit_id__in=list(ctx.units),
    )
    if learner_only:
        qs = qs.filter(
            Q(dossier__procedure__audience="learner")
            | Q(dossier__procedure__kind__in=[ProcedureKind.TRANSFER, ProcedureKind.ADMISSION])
        )
    rows = (
        qs.order_by()
        .values("dossier__unit_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(score__gte=4)))
    )
    return {r["dossier__unit_id"]: (r["ok"], r["n"]) for r in rows}


@indicator("T17")
def t17(ctx: QueryContext) -> dict:
    """All ratings of dossiers closed in the school year, by the dossier's unit: satisfied
    (4 or 5 of 5) over rated; summed up the tree."""
    return ratings(ctx)
