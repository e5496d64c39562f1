"""Monitoring's slot for T16 (learners and parents satisfied with online services),
registered with monitoring's indicator registry. Satisfied (4 or 5 of 5) over rated, by
unit (school or office, summed up the tree), from two online channels: feedback sent to a
unit through the contact book (rated, received in the report's school year, as
`selectors.feedback_summary`) and public-service dossiers for learners and parents
(transfer, admissions, tuition support; closed in the school year, as eservices'
`indicator_counts("T16")`)."""

from django.db.models import Count, Q

from edudx.contact.models import Feedback
from edudx.contact.selectors import SATISFIED_FROM
from edudx.monitoring.indicators import QueryContext, indicator
from edudx.monitoring.sources.eservices import ratings


@indicator("T16")
def t16(ctx: QueryContext) -> dict:
    lo, hi = ctx.window()
    out = dict(ratings(ctx, learner_only=True))
    rows = (
        Feedback.objects.filter(
            created_at__gte=lo,
            created_at__lt=hi,
            rating__isnull=False,
            unit_id__in=list(ctx.units),
        )
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(rating__gte=SATISFIED_FROM)))
    )
    for r in rows:
        ok, n = out.get(r["unit_id"], (0, 0))
        out[r["unit_id"]] = (ok + r["ok"], n + r["n"])
    return out
