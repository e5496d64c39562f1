"""Outbox handler: queue the sending task of notifications that just committed."""

import datetime as dt

from edudx.core.events import handles

from . import channels


@handles(channels.QUEUED)
def queue_sending(event) -> None:
    """Enqueue (a database row with the worker's backend: it commits with the receipt).
    A failure raises, and the outbox retries with backoff."""
    after = event.payload.get("run_after") or None
    channels.schedule_many(
        event.payload["ids"],
        run_after=dt.datetime.fromisoformat(after) if after else None,
        raise_errors=True,
    )
