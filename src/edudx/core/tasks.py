from django_tasks import task

from . import events


@task()
def deliver_outbox() -> int:
    """Queued once per committing transaction that emitted events (`events.emit`); delivers
    every due event, not only that transaction's, and returns how many were delivered."""
    return events.deliver_pending()
