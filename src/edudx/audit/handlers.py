"""Outbox consumers of the audit app (registered by `AuditConfig.ready`)."""

import datetime as dt

from django.db.models import F

from edudx.core.events import handles
from edudx.core.models import OutboxEvent

from .models import AuditDailySummary


@handles("audit.recorded")
def summarise_day(event: OutboxEvent) -> None:
    """Add the event's counts to the per-day summary that dashboards read. Runs once per
    event (EventReceipt), so the counts stay exact under retried delivery."""
    day = dt.date.fromisoformat(event.payload["day"])
    counts = [(t, a, int(n)) for t, a, n in event.payload["counts"]]
    # Create missing rows without racing another worker (INSERT … ON CONFLICT DO NOTHING),
    # then add atomically in the database.
    AuditDailySummary.objects.bulk_create(
        [AuditDailySummary(day=day, object_type=t, action=a, count=0) for t, a, _ in counts],
        ignore_conflicts=True,
    )
    for object_type, action, n in counts:
        AuditDailySummary.objects.filter(day=day, object_type=object_type, action=action).update(
            count=F("count") + n
        )
