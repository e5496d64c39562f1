"""Deferred audit events (audit_defer / audit_drain): written as plain pending rows in the
caller's transaction, moved into the hash chain by the drain."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from edudx.audit.context import current_ip
from edudx.audit.models import AuditChainHead, AuditEvent, AuditPending
from edudx.audit.services import audit_defer, audit_drain, audit_drain_all, audit_record
from edudx.audit.verify import chain_verify
from edudx.core.models import OutboxEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELDS = (
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "ip",
)


def defer(actor, i: int, **kw) -> None:
    audit_defer(
        actor=actor,
        action="create",
        object_type="eservices.admission_application",
        object_id=f"TS{i:08d}",
        object_repr=f"Nguyễn Thị Hoa {i}",
        changes={"round": [None, 7], "school": [None, 40 + i]},
        **kw,
    )


def test_drained_events_carry_the_deferred_fields_and_the_chain_verifies():
    user = UserFactory(username="phuhuynh")
    token = current_ip.set("113.161.4.20")
    try:
        defer(user, 1)
    finally:
        current_ip.reset(token)
    defer(None, 2, reason="Nộp hồ sơ")
    pending = list(AuditPending.objects.values_list("at", flat=True))
    assert AuditEvent.objects.count() == 0 and len(pending) == 2
    assert audit_drain() == 2
    events = list(AuditEvent.objects.order_by("id"))
    assert [tuple(getattr(e, f) for f in FIELDS) for e in events] == [
        (
            user.pk,
            "phuhuynh",
            "create",
            "eservices.admission_application",
            "TS00000001",
            "Nguyễn Thị Hoa 1",
            {"round": [None, 7], "school": [None, 41]},
            "",
            "113.161.4.20",
        ),
        (
            None,
            "system",
            "create",
            "eservices.admission_application",
            "TS00000002",
            "Nguyễn Thị Hoa 2",
            {"round": [None, 7], "school": [None, 42]},
            "Nộp hồ sơ",
            None,
        ),
    ]
    assert [e.at for e in events] == pending  # the time of the change, not of the drain
    assert AuditPending.objects.count() == 0
    head = AuditChainHead.objects.get()
    assert (head.last_hash, head.last_event_id) == (events[-1].hash, events[-1].pk)
    report = chain_verify()
    assert report.ok and report.checked == 2
    recorded = OutboxEvent.objects.filter(topic="audit.recorded").get()
    assert recorded.payload["counts"] == [["eservices.admission_application", "create", 2]]


def test_deferred_and_immediate_events_share_one_chain():
    defer(None, 1)
    audit_record(actor=None, action="view", object_type="people.student", object_id="s1")
    defer(None, 2)
    assert audit_drain(limit=1) == 1
    assert audit_drain_all() == 1
    assert list(AuditEvent.objects.order_by("id").values_list("object_id", flat=True)) == [
        "s1",
        "TS00000001",
        "TS00000002",
    ]
    assert chain_verify().ok


def test_a_rolled_back_transaction_leaves_nothing_pending():
    with pytest.raises(RuntimeError), transaction.atomic():
        defer(None, 1)
        assert AuditPending.objects.count() == 1
        raise RuntimeError("rollback")
    assert AuditPending.objects.count() == 0
    assert audit_drain() == 0 and AuditEvent.objects.count() == 0


def test_a_second_drain_never_writes_an_event_twice():
    for i in range(3):
        defer(None, i)
    assert audit_drain() == 3
    assert audit_drain() == 0
    assert audit_drain_all() == 0
    assert AuditEvent.objects.count() == 3
    assert chain_verify().checked == 3


def test_events_deferred_across_midnight_are_counted_per_day():
    defer(None, 1)
    defer(None, 2)
    AuditPending.objects.filter(object_id="TS00000001").update(
        at=dt.datetime(2026, 6, 30, 16, 59, tzinfo=dt.UTC)  # 23:59 in Hà Nội
    )
    AuditPending.objects.filter(object_id="TS00000002").update(
        at=dt.datetime(2026, 6, 30, 17, 0, tzinfo=dt.UTC)  # 00:00 on 1 July
    )
    audit_drain()
    payloads = sorted(
        OutboxEvent.objects.filter(topic="audit.recorded").values_list("payload", flat=True),
        key=lambda p: p["day"],
    )
    assert payloads == [
        {"day": "2026-06-30", "counts": [["eservices.admission_application", "create", 1]]},
        {"day": "2026-07-01", "counts": [["eservices.admission_application", "create", 1]]},
    ]
    assert chain_verify().ok


def test_verify_drains_first(capsys):
    defer(None, 1)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Đã đưa 1 sự kiện đang chờ vào chuỗi nhật ký." in out
    assert "Nhật ký kiểm toán nguyên vẹn: 1 sự kiện" in out
    assert AuditPending.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer at BEGIN IMMEDIATE",
)
def test_concurrent_deferrers_and_drains_write_each_event_once_on_postgresql(transactional_db):
    AuditChainHead.objects.get_or_create(pk=1)
    writers, per_writer, drains = 3, 30, 2
    barrier = threading.Barrier(writers + drains)
    done = threading.Event()
    errors = []

    def write(w: int):
        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    defer(None, w * 1000 + i)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def drain():
        try:
            barrier.wait()
            while not done.is_set():
                audit_drain(limit=7)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    writer_threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    drain_threads = [threading.Thread(target=drain) for _ in range(drains)]
    for t in writer_threads + drain_threads:
        t.start()
    for t in writer_threads:
        t.join()
    done.set()
    for t in drain_threads:
        t.join()
    assert errors == []
    audit_drain_all()
    ids = list(AuditEvent.objects.values_list("object_id", flat=True))
    assert len(ids) == len(set(ids)) == writers * per_writer
    assert AuditPending.objects.count() == 0
    report = chain_verify()
    assert report.ok and report.checked == writers * per_writer
