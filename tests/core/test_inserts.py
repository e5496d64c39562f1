"""core.inserts.insert_unless_taken: one INSERT … ON CONFLICT DO NOTHING RETURNING id."""

import pytest
from django.db import transaction

from edudx.core.inserts import insert_unless_taken
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
