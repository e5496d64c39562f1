"""core.inserts: insert_unless_taken (one INSERT … ON CONFLICT DO NOTHING RETURNING id) and
insert_all (several rows, all or none, one statement on PostgreSQL)."""

import pytest
from django.db import transaction

from edudx.audit.models import AuditPending
from edudx.audit.services import pending_event
from edudx.core.inserts import insert_all, insert_unless_taken
from edudx.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def record(key: str, body: dict) -> IdempotencyRecord:
    return IdempotencyRecord(
        key=key,
        actor_key="phone:0977123456",
        method="POST",
        path="/api/v1/x",
        body_hash="0" * 64,
        status_code=201,
        response_body=body,
    )


def test_inserts_then_reports_the_taken_key_and_the_transaction_goes_on():
    with transaction.atomic():
        first = record("k-1", {"code": "TS1"})
        assert insert_unless_taken(first) is True
        assert first.pk is not None and first.created_at is not None
        second = record("k-1", {"code": "TS2"})
        assert insert_unless_taken(second) is False and second.pk is None
        # No savepoint was needed: the transaction is still usable.
        assert insert_unless_taken(record("k-2", {"code": "TS3"})) is True
    rows = IdempotencyRecord.objects.order_by("id").values_list("key", "response_body")
    assert list(rows) == [("k-1", {"code": "TS1"}), ("k-2", {"code": "TS3"})]
    stored = IdempotencyRecord.objects.get(pk=first.pk)
    assert stored.created_at == first.created_at


def pending(object_id: str) -> AuditPending:
    return pending_event(
        actor=None,
        row=("create", "test.thing", object_id, "Nguyễn Thị Ánh", {"n": [None, 1]}, ""),
        ip="2001:0db8::0001",
    )


def test_insert_all_writes_every_row_or_none():
    rows = [record("k-1", {"code": "TS1"}), pending("TS1"), record("k-2", {"code": "TS1"})]
    assert insert_all(rows) is True
    assert all(r.pk is not None for r in rows)
    assert list(IdempotencyRecord.objects.order_by("id").values_list("id", "key")) == [
        (rows[0].pk, "k-1"),
        (rows[2].pk, "k-2"),
    ]
    stored = AuditPending.objects.get()
    assert (stored.pk, stored.object_id, stored.object_repr) == (
        rows[1].pk,
        "TS1",
        "Nguyễn Thị Ánh",
    )
    assert (stored.changes, str(stored.ip), stored.at) == (
        {"n": [None, 1]},
        "2001:db8::1",
        rows[1].at,
    )
    assert IdempotencyRecord.objects.get(key="k-1").response_body == {"code": "TS1"}
    # A conflict on the first row, or on a later one: nothing at all is written.
    for again in (
        [record("k-1", {"code": "X"}), pending("X"), record("k-9", {})],
        [record("k-8", {"code": "Y"}), pending("Y"), record("k-2", {})],
    ):
        assert insert_all(again) is False
        assert all(r.pk is None for r in again)
    assert IdempotencyRecord.objects.count() == 2
    assert AuditPending.objects.count() == 1
    # Inside a transaction the refused statement does not break it.
    with transaction.atomic():
        assert insert_all([record("k-2", {})]) is False
        assert insert_all([record("k-3", {"code": "Z"})]) is True
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-1", "k-2", "k-3"]


@pytest.mark.django_db(transaction=True)
def test_insert_all_in_autocommit_refuses_without_breaking_the_connection():
    from django.db import connection  # noqa: PLC0415

    assert not connection.in_atomic_block
    assert insert_all([record("a-1", {}), pending("A")]) is True
    assert insert_all([record("a-2", {}), pending("B"), record("a-1", {})]) is False
    assert insert_all([record("a-3", {}), pending("C")]) is True
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["a-1", "a-3"]
    assert sorted(AuditPending.objects.values_list("object_id", flat=True)) == ["A", "C"]
