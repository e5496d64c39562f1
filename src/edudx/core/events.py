"""The outbox (DESIGN.md "Events and exchange").

A service calls `emit(topic, payload)` inside its transaction; the row commits or rolls back
with the change. After commit a task delivers pending events to the handlers registered for
their topic. Delivery is at least once; each (event, handler) pair is recorded in
`EventReceipt` in the handler's own transaction, so a handler never runs twice for an event
even when delivery is retried after a crash."""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import EventReceipt, OutboxEvent

log = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[tuple[str, Handler]]] = defaultdict(list)


def handles(topic: str):
    """Register a handler for a topic: `@handles("people.student_imported")`."""

    def decorator(func: Handler) -> Handler:
        name = f"{func.__module__}.{func.__qualname__}"
        if all(n != name for n, _ in _handlers[topic]):
            _handlers[topic].append((name, func))
        return func

    return decorator


def emit(topic: str, payload: dict) -> OutboxEvent:
    event = OutboxEvent.objects.create(topic=topic, payload=payload)
    transaction.on_commit(_schedule_delivery)
    return event


def _schedule_delivery() -> None:
    from .tasks import deliver_outbox  # noqa: PLC0415 — tasks import this module

    try:
        deliver_outbox.enqueue()
    except Exception:  # the periodic worker sweep delivers it later
        log.exception("outbox.enqueue_failed")


def deliver_pending(limit: int = 500) -> int:
    """Deliver undelivered events in id order; returns how many were fully delivered."""
    delivered = 0
    pending = list(OutboxEvent.objects.filter(delivered_at__isnull=True).order_by("id")[:limit])
    for event in pending:
        if deliver(event):
            delivered += 1
    return delivered


def deliver(event: OutboxEvent) -> bool:
    ok = True
    done = set(EventReceipt.objects.filter(event=event).values_list("handler", flat=True))
    for name, func in _handlers.get(event.topic, []):
        if name in done:
            continue
        try:
            with transaction.atomic():
                EventReceipt.objects.create(event=event, handler=name)
                func(event)
        except IntegrityError:
            continue  # another worker ran it
        except Exception as exc:
            ok = False
            log.exception("outbox.handler_failed", extra={"event": event.pk, "handler": name})
            OutboxEvent.objects.filter(pk=event.pk).update(
                attempts=event.attempts + 1, last_error=f"{name}: {exc}"[:2000]
            )
    if ok:
        OutboxEvent.objects.filter(pk=event.pk).update(
            delivered_at=timezone.now(), attempts=event.attempts + 1
        )
    return ok
