import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from edudx.audit.models import AuditDailySummary
from edudx.audit.services import Entry, audit_record, audit_record_many
from edudx.core import events
from edudx.core.models import EventReceipt, Holiday, OutboxEvent

# Handlers for test-only topics; they live at module level so their registered names
# (module.qualname) are stable, as for real handlers.
calls: dict[str, int] = {}
fail_next: set[str] = set()


@events.handles("test.counted")
def counted(event):
    calls["counted"] = calls.get("counted", 0) + 1
    Holiday.objects.create(date=dt.date.fromisoformat(event.payload["day"]), name="counted")


@events.handles("test.flaky")
def flaky(event):
    calls["flaky"] = calls.get("flaky", 0) + 1
    # The write happens before the failure: the savepoint must take it back.
    Holiday.objects.create(date=dt.date.fromisoformat(event.payload["day"]), name="flaky")
    if "flaky" in fail_next:
        fail_next.discard("flaky")
        raise RuntimeError("SMS gateway timed out")


@events.handles("test.flaky")
def steady(event):
    calls["steady"] = calls.get("steady", 0) + 1


@events.handles("test.own_integrity_error")
def own_integrity_error(event):
    Holiday.objects.create(date=dt.date(2026, 1, 1), name="again")


@events.handles("test.always_fails")
def always_fails(event):
    raise RuntimeError("broken handler")


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()
    fail_next.clear()


def emit_committed(topic, payload, capture):
    """Emit in a service-like transaction and run its on-commit callbacks."""
    with capture(execute=True) as callbacks:
        with transaction.atomic():
            event = events.emit(topic, payload)
    return event, callbacks


def test_rolled_back_emit_leaves_no_event_and_schedules_nothing(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            events.emit("test.counted", {"day": "2026-01-02"})
            raise RuntimeError("service failed after emitting")
    assert OutboxEvent.objects.count() == 0
    assert callbacks == []
    assert calls == {}


def test_committed_emit_is_delivered_after_commit(db, django_capture_on_commit_callbacks):
    event, callbacks = emit_committed(
        "test.counted", {"day": "2026-01-02"}, django_capture_on_commit_callbacks
    )
    assert len(callbacks) == 1
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert event.attempts == 1
    assert calls == {"counted": 1}
    assert list(EventReceipt.objects.values_list("handler", flat=True)) == [
        "tests.core.test_events.counted"
    ]


def test_one_delivery_scheduled_per_transaction(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for day in ("2026-01-02", "2026-01-03", "2026-01-04"):
                events.emit("test.counted", {"day": day})
    assert len(callbacks) == 1
    assert calls == {"counted": 3}
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 0
    # The next transaction schedules its own delivery.
    event, callbacks = emit_committed(
        "test.counted", {"day": "2026-01-05"}, django_capture_on_commit_callbacks
    )
    assert len(callbacks) == 1
    assert calls == {"counted": 4}


def test_savepoint_rollback_keeps_the_outer_delivery(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                events.emit("test.counted", {"day": "2026-01-02"})
                raise RuntimeError("inner step failed")
            events.emit("test.counted", {"day": "2026-01-03"})
    assert len(callbacks) == 1
    assert list(OutboxEvent.objects.values_list("payload__day", flat=True)) == ["2026-01-03"]
    assert calls == {"counted": 1}


def test_failed_handler_is_retried_after_backoff_and_runs_once(db):
    fail_next.add("flaky")
    event = events.emit("test.flaky", {"day": "2026-02-01"})
    t0 = event.created_at

    assert events.deliver_pending(now=t0) == 0
    event.refresh_from_db()
    assert event.delivered_at is None
    assert event.attempts == 1
    assert event.last_error == (
        "tests.core.test_events.flaky: RuntimeError('SMS gateway timed out')"
    )
    # The failed handler's write was rolled back with it; the other handler succeeded.
    assert Holiday.objects.count() == 0
    assert calls == {"flaky": 1, "steady": 1}
    assert list(EventReceipt.objects.values_list("handler", flat=True)) == [
        "tests.core.test_events.steady"
    ]

    # Not due before the backoff (30 s after the first failure).
    assert events.deliver_pending(now=t0 + dt.timedelta(seconds=29)) == 0
    assert calls == {"flaky": 1, "steady": 1}

    assert events.deliver_pending(now=t0 + dt.timedelta(seconds=30)) == 1
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert event.attempts == 2
    assert event.last_error == ""
    assert calls == {"flaky": 2, "steady": 1}
    assert list(Holiday.objects.values_list("name", flat=True)) == ["flaky"]

    # Delivered events are not picked again.
    assert events.deliver_pending(now=t0 + dt.timedelta(days=1)) == 0
    assert calls == {"flaky": 2, "steady": 1}


def test_delivering_the_same_event_twice_runs_each_handler_once(db):
    event = events.emit("test.counted", {"day": "2026-03-01"})
    assert events.deliver(event) is True
    assert events.deliver(event) is False  # already delivered
    # A worker that crashed before marking it delivered: the receipts still stop a rerun.
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    assert events.deliver(event) is True
    assert calls == {"counted": 1}
    assert Holiday.objects.count() == 1
    assert EventReceipt.objects.filter(event=event).count() == 1


def test_integrity_error_inside_a_handler_is_a_failure_not_a_duplicate(db):
    Holiday.objects.create(date=dt.date(2026, 1, 1), name="Tết Dương lịch")
    event = events.emit("test.own_integrity_error", {})
    assert events.deliver(event) is False
    event.refresh_from_db()
    assert event.delivered_at is None
    assert event.attempts == 1
    assert event.last_error.startswith("tests.core.test_events.own_integrity_error: Integrity")
    assert EventReceipt.objects.filter(event=event).count() == 0


def test_event_is_parked_after_max_attempts_and_can_be_requeued(db):
    event = events.emit("test.always_fails", {})
    now = event.created_at
    for _ in range(events.MAX_ATTEMPTS):
        now += dt.timedelta(hours=7)
        events.deliver_pending(now=now)
    event.refresh_from_db()
    assert event.attempts == events.MAX_ATTEMPTS
    assert list(events.failed()) == [event]
    assert events.deliver_pending(now=now + dt.timedelta(days=30)) == 0
    event.refresh_from_db()
    assert event.attempts == events.MAX_ATTEMPTS

    assert events.requeue_failed() == 1
    assert list(events.pending()) == [OutboxEvent.objects.get(pk=event.pk)]


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(0, 0), (1, 30), (2, 60), (3, 120), (4, 240), (9, 7680), (10, 15360), (12, 21600)],
    ids=lambda v: str(v),
)
def test_retry_delay_doubles_up_to_six_hours(attempts, seconds):
    assert events.retry_delay(attempts) == dt.timedelta(seconds=seconds)


def test_failing_event_does_not_block_later_ones(db):
    stuck = events.emit("test.always_fails", {})
    later = events.emit("test.counted", {"day": "2026-04-01"})
    assert events.deliver_pending(limit=1, now=stuck.created_at) == 0
    # The failed event now waits for its backoff; the next sweep reaches the later one.
    assert events.deliver_pending(limit=1, now=stuck.created_at) == 1
    later.refresh_from_db()
    assert later.delivered_at is not None


def test_audit_summary_counts_are_exact(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=None, action="view", object_type="people.student", object_id=1)
        audit_record(actor=None, action="view", object_type="people.student", object_id=2)
        audit_record_many(
            actor=None,
            entries=[
                Entry("create", "people.person", "7"),
                Entry("create", "people.person", "8"),
                Entry("view", "people.student", "3"),
            ],
        )
    # Redelivery of everything changes nothing.
    OutboxEvent.objects.update(delivered_at=None)
    events.deliver_pending()
    events.deliver_pending()
    today = timezone.localdate()
    assert sorted(
        AuditDailySummary.objects.values_list("day", "object_type", "action", "count")
    ) == [
        (today, "people.person", "create", 2),
        (today, "people.student", "view", 3),
    ]


def test_worker_once_delivers_pending_events(db, capsys):
    events.emit("test.counted", {"day": "2026-05-01"})
    call_command("worker", "--once", "--interval", "0")
    assert calls == {"counted": 1}
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 0


def test_worker_requeues_parked_events(db):
    event = events.emit("test.counted", {"day": "2026-05-02"})
    OutboxEvent.objects.filter(pk=event.pk).update(attempts=events.MAX_ATTEMPTS)
    call_command("worker", "--once", "--requeue-failed")
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert calls == {"counted": 1}


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers, so there is no race to show",
)
def test_two_workers_deliver_each_handler_once_on_postgresql(transactional_db):
    # Rows written directly: emit() would deliver them at once on commit.
    created = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(topic="test.counted", payload={"day": f"2026-06-{d:02d}"})
            for d in range(1, 21)
        ]
    )
    barrier = threading.Barrier(2)
    delivered, errors = [], []

    def work():
        try:
            barrier.wait()
            delivered.append(events.deliver_pending())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(delivered) == 20
    # A second run of a handler would have hit the unique date and failed the event.
    assert Holiday.objects.count() == 20
    assert EventReceipt.objects.count() == 20
    assert OutboxEvent.objects.filter(pk__in=[e.pk for e in created], attempts=1).count() == 20


def test_receipt_is_unique_per_event_and_handler(db):
    event = events.emit("test.counted", {"day": "2026-07-01"})
    EventReceipt.objects.create(event=event, handler="h")
    with pytest.raises(IntegrityError), transaction.atomic():
        EventReceipt.objects.create(event=event, handler="h")


def test_worker_runs_queued_database_tasks(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # db_worker drops "old" connections between tasks; inside the test's transaction that
    # would close the test's own PostgreSQL connection.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event = events.emit("test.counted", {"day": "2026-08-01"})
    # Enqueued, not run: the database backend waits for a worker.
    assert list(DBTaskResult.objects.values_list("task_path", "status")) == [
        ("edudx.core.tasks.deliver_outbox", "READY")
    ]
    assert calls == {}
    call_command("worker", "--once", "--outbox-only")
    assert calls == {"counted": 1}  # the sweep delivered it; the task is still queued
    call_command("worker", "--once")
    assert list(DBTaskResult.objects.values_list("status", "return_value")) == [("SUCCESSFUL", 0)]
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert calls == {"counted": 1}
