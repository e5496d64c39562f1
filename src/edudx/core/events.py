"""The outbox (DESIGN.md "Events and exchange").

A service calls `emit(topic, payload)` inside its transaction; the row commits or rolls back
with the change. After commit a task (`core.tasks.deliver_outbox`) delivers pending events
to the handlers registered for their topic with `@handles(topic)`, and `edudx worker`
sweeps the outbox periodically, so a crash between commit and enqueue loses nothing.

Guarantees:
- at least once: an event stays pending until every handler has succeeded; a failing
  handler is retried with exponential backoff (`retry_delay`) up to `MAX_ATTEMPTS`, then
  the event is left for an operator (`edudx worker --requeue-failed`);
- at most once per handler: the handler runs in a savepoint together with its
  `EventReceipt` row, unique on (event, handler), so a retried or duplicated delivery skips
  the handlers that already ran, and a failed handler leaves neither receipt nor effect;
- one worker per event at a time: the event row is locked (`FOR UPDATE SKIP LOCKED` on
  PostgreSQL; SQLite serialises writers anyway) while its handlers run.

Handlers must keep their side effects in the database (or be idempotent themselves):
anything outside the transaction, e.g. an SMS, may be repeated after a crash."""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import EventReceipt, OutboxEvent

log = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[tuple[str, Handler]]] = defaultdict(list)

# A failing event is retried this many times in all, then parked (see `requeue_failed`).
MAX_ATTEMPTS = 10
_BACKOFF_BASE = dt.timedelta(seconds=30)
_BACKOFF_CAP = dt.timedelta(hours=6)


def handles(topic: str):
    """Register a handler for a topic: `@handles("people.student_imported")`. Its name
    (module.qualname) is what `EventReceipt` records, so renaming a handler makes it run
    again for events still pending."""

    def decorator(func: Handler) -> Handler:
        name = f"{func.__module__}.{func.__qualname__}"
        if all(n != name for n, _ in _handlers[topic]):
            _handlers[topic].append((name, func))
        return func

    return decorator


def handlers_for(topic: str) -> list[tuple[str, Handler]]:
    return list(_handlers.get(topic, []))


def emit(topic: str, payload: dict) -> OutboxEvent:
    """Write an event in the caller's transaction; delivery is scheduled after commit."""
    event = OutboxEvent.objects.create(topic=topic, payload=payload)
    # One delivery task per transaction, not one per event (an import emits thousands).
    # The pending callback is remembered on the connection; if a rollback dropped it from
    # `run_on_commit`, or it has run, the next emit schedules a new one.
    pending_cb = getattr(connection, "_edudx_outbox_callback", None)
    if pending_cb is None or not any(f is pending_cb for _s, f, _r in connection.run_on_commit):
        callback = _DeliveryCallback()
        connection._edudx_outbox_callback = callback
        transaction.on_commit(callback)
    return event


class _DeliveryCallback:
    def __call__(self) -> None:
        if getattr(connection, "_edudx_outbox_callback", None) is self:
            connection._edudx_outbox_callback = None
        _schedule_delivery()


def _schedule_delivery() -> None:
    from .tasks import deliver_outbox  # noqa: PLC0415 — tasks import this module

    try:
        deliver_outbox.enqueue()
    except Exception:  # the periodic worker sweep delivers it later
        log.exception("outbox.enqueue_failed")


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait before the attempt after `attempts` failed ones: 30 s, 1 min, 2 min … ≤ 6 h."""
    if attempts <= 0:
        return dt.timedelta(0)
    return min(_BACKOFF_BASE * (2 ** (attempts - 1)), _BACKOFF_CAP)


def _due_q(now: dt.datetime) -> Q:
    """Pending events whose next attempt is due and that have not been parked."""
    return Q(attempts__lt=MAX_ATTEMPTS) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def pending(now: dt.datetime | None = None):
    """Undelivered events due for an attempt, oldest first (index on delivered_at)."""
    now = now or timezone.now()
    return OutboxEvent.objects.filter(_due_q(now), delivered_at__isnull=True).order_by("id")


def failed():
    """Events parked after MAX_ATTEMPTS failures."""
    return OutboxEvent.objects.filter(delivered_at__isnull=True, attempts__gte=MAX_ATTEMPTS)


def requeue_failed() -> int:
    """Give parked events a fresh series of attempts (after fixing the handler)."""
    return failed().update(attempts=0, next_attempt_at=None)


def deliver_pending(limit: int = 500, *, now: dt.datetime | None = None) -> int:
    """Deliver due events in id order; returns how many were fully delivered. Events that
    keep failing wait for their backoff, so they do not block the ones behind them."""
    now = now or timezone.now()
    ids = list(pending(now).values_list("id", flat=True)[:limit])
    return sum(1 for pk in ids if deliver_id(pk, now=now))


def deliver(event: OutboxEvent) -> bool:
    """Run the handlers of one event that have not run yet; True when all have."""
    return deliver_id(event.pk)


def deliver_id(event_id: int, *, now: dt.datetime | None = None) -> bool:
    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, delivered_at__isnull=True)
            .first()
        )
        if event is None:  # delivered already, or another worker holds it
            return False
        done = set(EventReceipt.objects.filter(event=event).values_list("handler", flat=True))
        errors = []
        for name, func in handlers_for(event.topic):
            if name in done:
                continue
            try:
                _run_handler(event, name, func)
            except Exception as exc:
                log.exception("outbox.handler_failed", extra={"event": event.pk, "handler": name})
                errors.append(f"{name}: {exc!r}")
        if errors:
            OutboxEvent.objects.filter(pk=event.pk).update(
                attempts=F("attempts") + 1,
                next_attempt_at=(now or timezone.now()) + retry_delay(event.attempts + 1),
                last_error="\n".join(errors)[:2000],
            )
            return False
        OutboxEvent.objects.filter(pk=event.pk).update(
            delivered_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
        return True


def _run_handler(event: OutboxEvent, name: str, func: Handler) -> None:
    """The receipt and the handler's writes commit together or not at all."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                EventReceipt.objects.create(event=event, handler=name)
        except IntegrityError:
            return  # ran already (only an IntegrityError from the receipt means that)
        func(event)
