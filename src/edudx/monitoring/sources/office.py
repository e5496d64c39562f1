"""Monitoring's slots for e-office work dossiers (T12, T13), registered with monitoring's
indicator registry (rows in monitoring/data/indicators.json point here).

A work dossier counts in the report's school year (1/9 to 31/8) by the day it was closed;
it is handled digitally when it was kept as a digital dossier on the platform and every
document filed in it is electronic (decided when it is closed, office.services.
dossier_close). Paper dossiers are registered too, so the denominator is every dossier the
unit closed. One GROUP BY for every unit at once; units without a closed dossier are
missing (their self-report, if any, is not read for a computed indicator)."""

from edudx.monitoring.indicators import QueryContext, indicator
from edudx.office.selectors import closed_counts
from edudx.org.models import UnitKind


def _closed(ctx: QueryContext, unit_ids) -> dict:
    return closed_counts(unit_ids, start=ctx.start, end=ctx.end)


@indicator("T12", rollup=False)
def t12(ctx: QueryContext) -> dict:
    """Per education office (commune, district or province unit): its own dossiers, not its
    schools' — Appendix 1 sets 80% for the office and 90% for the Sở, so a province's value
    is the Sở's own work, not a sum over communes."""
    offices = [uid for uid, (_p, kind) in ctx.units.items() if kind != UnitKind.SCHOOL]
    return _closed(ctx, offices)


@indicator("T13")
def t13(ctx: QueryContext) -> dict:
    """Per school: its dossiers closed in the school year, handled digitally / all; summed up
    the tree (a commune's value is its schools')."""
    return _closed(ctx, ctx.school_ids)
