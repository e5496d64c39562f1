"""Writing the audit trail. Call inside the transaction that makes the change, so an event
exists exactly when the change does."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from edudx.core import events

from .context import current_ip, normalise_ip
from .models import AuditChainHead, AuditEvent


@dataclass
class Entry:
    action: str
    object_type: str
    object_id: str
    object_repr: str = ""
    changes: dict = field(default_factory=dict)
    reason: str = ""


def _head_for_update() -> AuditChainHead:
    """Lock the head row. Migration 0002 creates it; it is only missing after a flush (test
    databases). Re-creating it with INSERT … ON CONFLICT DO NOTHING cannot race: a second
    writer's insert waits for the first one's commit and then does nothing."""
    pk = AuditChainHead.SINGLETON_PK
    head = AuditChainHead.objects.select_for_update().filter(pk=pk).first()
    if head is None:
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=pk)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(pk=pk)
    return head


# From this many events, PostgreSQL gets them by COPY (a bulk import writes 100,000s;
# bulk_create's UNNEST arrays cost ~150 µs per event there).
COPY_THRESHOLD = 1000


def _insert_events(rows: list[AuditEvent]) -> int | None:
    """Insert the events; returns the id of the last one."""
    if connection.vendor != "postgresql" or len(rows) < COPY_THRESHOLD:
        created = AuditEvent.objects.bulk_create(rows, batch_size=2000)
        return getattr(created[-1], "pk", None)
    table = AuditEvent._meta.db_table
    with connection.cursor() as c:
        c.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = sorted(r[0] for r in c.fetchall())  # ascending ids keep the chain order
        cols = (
            "id, at, actor_id, actor_name, action, object_type, object_id, object_repr,"
            " changes, reason, ip, prev_hash, hash"
        )
        with c.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for pk, ev in zip(ids, rows, strict=True):
                ev.pk = pk
                copy.write_row(
                    (
                        pk,
                        ev.at,
                        ev.actor_id,
                        ev.actor_name,
                        ev.action,
                        ev.object_type,
                        ev.object_id,
                        ev.object_repr,
                        json.dumps(ev.changes, ensure_ascii=False),
                        ev.reason,
                        ev.ip,
                        ev.prev_hash,
                        ev.hash,
                    )
                )
    return ids[-1]


def _as_stored(changes: dict) -> dict:
    """`changes` as it will read back from the JSON column (tuples become lists, dates
    text), so the hash computed now matches the one `audit verify` recomputes."""
    return json.loads(json.dumps(changes, ensure_ascii=False, default=str))


def audit_record_many(*, actor, entries: Iterable[Entry], ip: str | None = None) -> int:
    """Append events for `entries` to the chain; returns how many were written."""
    entries = list(entries)
    if not entries:
        return 0
    now = timezone.now()
    ip = normalise_ip(ip if ip is not None else current_ip.get())
    actor_id = getattr(actor, "pk", None)
    actor_name = getattr(actor, "username", "") or ("system" if actor is None else str(actor))
    with transaction.atomic():
        head = _head_for_update()
        prev = head.last_hash
        rows = []
        for e in entries:
            ev = AuditEvent(
                at=now,
                actor_id=actor_id,
                actor_name=actor_name,
                action=e.action,
                object_type=e.object_type,
                object_id=str(e.object_id),
                object_repr=e.object_repr[:255],
                changes=_as_stored(e.changes),
                reason=e.reason[:255],
                ip=ip,
                prev_hash=prev,
            )
            ev.hash = ev.compute_hash()
            prev = ev.hash
            rows.append(ev)
        last_id = _insert_events(rows)
        head.last_hash = prev
        head.last_event_id = last_id or head.last_event_id
        AuditChainHead.objects.filter(pk=head.pk).update(
            last_hash=head.last_hash, last_event_id=head.last_event_id
        )
        counts: dict[tuple[str, str], int] = {}
        for e in entries:
            counts[(e.object_type, e.action)] = counts.get((e.object_type, e.action), 0) + 1
        events.emit(
            "audit.recorded",
            {
                "day": timezone.localdate(now).isoformat(),
                "counts": [[t, a, n] for (t, a), n in sorted(counts.items())],
            },
        )
    return len(rows)


def audit_record(
    *,
    actor,
    action: str,
    object_type: str,
    object_id,
    object_repr: str = "",
    changes: dict | None = None,
    reason: str = "",
) -> None:
    audit_record_many(
        actor=actor,
        entries=[Entry(action, object_type, str(object_id), object_repr, changes or {}, reason)],
    )


def diff(before: dict, after: dict) -> dict:
    """Changed fields as {field: [old, new]} (values as text, for the audit record)."""
    out = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = [None if old is None else str(old), None if new is None else str(new)]
    return out
