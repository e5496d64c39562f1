"""Writing the audit trail. Call inside the transaction that makes the change, so an event
exists exactly when the change does."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from edudx.core import events
from edudx.core.inserts import insert_row

from .context import current_ip, normalise_ip
from .models import (
    AuditChainHead,
    AuditEvent,
    AuditPending,
    canonical_head,
    canonical_tail,
    encode_changes,
)


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


# From this many events a call skips model instances: the canonical JSON is built from
# plain values (audit.models.canonical_head/tail, the same code AuditEvent.canonical runs)
# and the rows go in by COPY on PostgreSQL (bulk_create's UNNEST arrays cost ~150 µs per
# event there) or one executemany on SQLite, hashed as they stream to the server.
COPY_THRESHOLD = 1000

_SCALARS = frozenset({str, int, bool, type(None)})


def _json_native(value) -> bool:
    """True when `value` reads back from a JSON column exactly as it is: str-keyed dicts,
    lists, text, integers, booleans, None (what audited `changes` almost always are).
    The {field: [old, new]} shape is checked without a call per value."""
    t = type(value)
    if t in _SCALARS:
        return True
    if t is list:
        for v in value:
            if type(v) not in _SCALARS and not _json_native(v):
                return False
        return True
    if t is dict:
        for k, v in value.items():
            if type(k) is not str:
                return False
            tv = type(v)
            if tv is list:
                for x in v:
                    if type(x) not in _SCALARS and not _json_native(x):
                        return False
            elif tv not in _SCALARS and not _json_native(v):
                return False
        return True
    return False


def _as_stored(changes: dict) -> dict:
    """`changes` as it will read back from the JSON column (tuples become lists, dates
    text), so the hash computed now matches the one `audit verify` recomputes."""
    if _json_native(changes):
        return changes
    return json.loads(json.dumps(changes, ensure_ascii=False, default=str))


# (action, object_type, object_id, object_repr, changes, reason): one event to append.
Row = tuple[str, str, str, str, dict, str]

_COLUMNS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "ip",
    "prev_hash",
    "hash",
)


def _stream(rows: Iterable[tuple], prev: str, *, at_db, counts):
    """The events as database rows, each hashed onto the one before; `counts` gathers
    how many per (day, object_type, action). `rows` are (at, actor_id, actor_name, ip) +
    `Row`; `at_db(at)` is `at` as the driver writes it. Yields tuples in _COLUMNS order."""
    heads: dict[tuple, tuple[str, object, str]] = {}
    sha = hashlib.sha256
    for row in rows:
        (
            at,
            actor_id,
            actor_name,
            ip,
            action,
            object_type,
            object_id,
            object_repr,
            changes,
            reason,
        ) = row
        hk = (action, at, actor_id, actor_name)
        cached = heads.get(hk)
        if cached is None:
            cached = heads[hk] = (
                canonical_head(
                    action=action, actor=actor_id, actor_name=actor_name, at=at.isoformat()
                ),
                at_db(at),
                timezone.localdate(at).isoformat(),
            )
        head, at_value, day = cached
        object_id, object_repr, reason = str(object_id), object_repr[:255], reason[:255]
        changes_json = encode_changes(_as_stored(changes))
        text = head + canonical_tail(
            changes_json=changes_json,
            ip=ip,
            object_id=object_id,
            object_repr=object_repr,
            object_type=object_type,
            reason=reason,
        )
        h = sha((prev + text).encode()).hexdigest()
        key = (day, object_type, action)
        counts[key] = counts.get(key, 0) + 1
        yield (
            at_value,
            actor_id,
            actor_name,
            action,
            object_type,
            object_id,
            object_repr,
            changes_json,
            reason,
            ip,
            prev,
            h,
        )
        prev = h


def _at_db():
    """How `at` is handed to the driver: as is on PostgreSQL, as text on SQLite."""
    if connection.vendor == "postgresql":
        return lambda at: at
    return connection.ops.adapt_datetimefield_value


def _append_bulk(rows: Iterable[tuple], prev: str, *, counts) -> tuple[str, int | None]:
    """Write the events (see `_stream`) without model instances; returns (last hash,
    last id)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    last = [prev]

    def tracked():
        for r in _stream(rows, prev, at_db=_at_db(), counts=counts):
            last[0] = r[-1]
            yield r

    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            # Ids come from the column default, row by row in COPY order, while the head
            # lock keeps every other writer out: id order stays chain order.
            with c.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                write = copy.write_row
                for r in tracked():
                    write(r)
            c.execute(
                "SELECT currval(pg_get_serial_sequence(%s, 'id'))", [AuditEvent._meta.db_table]
            )
        else:
            marks = ", ".join(["%s"] * len(_COLUMNS))
            c.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tracked())  # noqa: S608
            c.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 — the model's table
        return last[0], c.fetchone()[0]


def _fields(model, row: Row, *, at, actor_id, actor_name, ip, **extra):
    """An AuditEvent or AuditPending for one `Row`, as it will be stored."""
    action, object_type, object_id, object_repr, changes, reason = row
    return model(
        at=at,
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        changes=_as_stored(changes),
        reason=reason[:255],
        ip=ip,
        **extra,
    )


def _append_models(rows: list[Row], prev: str, *, at, actor_id, actor_name, ip, counts):
    """A few events (the usual request): model instances and one bulk_create."""
    events_ = []
    day = timezone.localdate(at).isoformat()
    who = {"at": at, "actor_id": actor_id, "actor_name": actor_name, "ip": ip}
    for row in rows:
        ev = _fields(AuditEvent, row, prev_hash=prev, **who)
        object_type, action = ev.object_type, ev.action
        ev.hash = ev.compute_hash()
        prev = ev.hash
        events_.append(ev)
        key = (day, object_type, action)
        counts[key] = counts.get(key, 0) + 1
    created = AuditEvent.objects.bulk_create(events_, batch_size=2000)
    return prev, getattr(created[-1], "pk", None) if created else None


def _close(head: AuditChainHead, last_hash: str, last_id: int | None, counts: dict) -> None:
    """Move the head to the last event written and announce the counts: one
    "audit.recorded" outbox event per day the events fall on."""
    AuditChainHead.objects.filter(pk=head.pk).update(
        last_hash=last_hash, last_event_id=last_id or head.last_event_id
    )
    per_day: dict[str, list] = {}
    for (day, t, a), n in sorted(counts.items()):
        per_day.setdefault(day, []).append([t, a, n])
    for day, day_counts in per_day.items():
        events.emit("audit.recorded", {"day": day, "counts": day_counts})


def _who(actor, ip) -> tuple[int | None, str, str | None]:
    """(actor_id, actor_name, ip) as an event records them."""
    ip = normalise_ip(ip if ip is not None else current_ip.get())
    actor_id = getattr(actor, "pk", None)
    actor_name = getattr(actor, "username", "") or ("system" if actor is None else str(actor))
    return actor_id, actor_name, ip


def audit_append(*, actor, rows: Iterable[Row], ip: str | None = None, size: int | None = None):
    """Append events given as plain tuples (see `Row`) to the chain; returns how many were
    written. `rows` may be a generator: with `size` (or a sized collection) at or above
    COPY_THRESHOLD it is consumed once, as the rows are written."""
    if size is None:
        rows = rows if isinstance(rows, list | tuple) else list(rows)
        size = len(rows)
    if not size:
        return 0
    now = timezone.now()
    actor_id, actor_name, ip = _who(actor, ip)
    counts: dict[tuple[str, str, str], int] = {}
    with transaction.atomic():
        head = _head_for_update()
        if size >= COPY_THRESHOLD:
            who = (now, actor_id, actor_name, ip)
            last_hash, last_id = _append_bulk(
                (who + r for r in rows), head.last_hash, counts=counts
            )
        else:
            last_hash, last_id = _append_models(
                list(rows),
                head.last_hash,
                at=now,
                actor_id=actor_id,
                actor_name=actor_name,
                ip=ip,
                counts=counts,
            )
        written = sum(counts.values())
        if written != size:
            raise ValueError(f"audit_append: {written} rows written, {size} announced")
        _close(head, last_hash, last_id, counts)
    return written


def audit_defer(
    *,
    actor,
    action: str,
    object_type: str,
    object_id,
    object_repr: str = "",
    changes: dict | None = None,
    reason: str = "",
    ip: str | None = None,
) -> None:
    """`audit_record` for hot paths (the admissions spike): one plain INSERT into
    AuditPending in the caller's transaction — no head lock held until COMMIT, no outbox
    event — so concurrent writers do not queue behind one another. The event joins the
    chain when `audit_drain` runs (the worker, every few seconds), with the `at`, actor and
    IP of this call; a rolled-back transaction leaves nothing to drain."""
    row = (action, object_type, object_id, object_repr, changes or {}, reason)
    insert_row(pending_event(actor=actor, row=row, ip=ip))


def pending_event(*, actor, row: Row, ip: str | None = None) -> AuditPending:
    """The AuditPending row `audit_defer` writes for `row`, not saved (for a caller that
    inserts it together with its own rows: `core.inserts.insert_all`)."""
    actor_id, actor_name, ip = _who(actor, ip)
    return _fields(
        AuditPending, row, at=timezone.now(), actor_id=actor_id, actor_name=actor_name, ip=ip
    )


_PENDING_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "ip",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "reason",
)


def audit_drain(limit: int = 2000) -> int:
    """Move up to `limit` deferred events into the hash chain, oldest id first, under one
    head lock, and delete them in the same transaction; returns how many moved. Two
    drains at once cannot write an event twice: the second waits for the head lock and
    then reads only what the first left. One "audit.recorded" outbox event per batch
    (per day)."""
    with transaction.atomic():
        head = _head_for_update()
        rows = list(AuditPending.objects.order_by("id").values_list(*_PENDING_FIELDS)[:limit])
        if not rows:
            return 0
        counts: dict[tuple[str, str, str], int] = {}
        last_hash, last_id = _append_bulk((r[1:] for r in rows), head.last_hash, counts=counts)
        AuditPending.objects.filter(id__in=[r[0] for r in rows]).delete()
        _close(head, last_hash, last_id, counts)
    return len(rows)


def audit_drain_all(batch: int = 2000) -> int:
    """Drain until nothing is pending (the worker's periodic job); returns how many moved."""
    total = 0
    while moved := audit_drain(batch):
        total += moved
    return total


def audit_record_many(*, actor, entries: Iterable[Entry], ip: str | None = None) -> int:
    """Append events for `entries` to the chain; returns how many were written."""
    return audit_append(
        actor=actor,
        ip=ip,
        rows=[
            (e.action, e.object_type, e.object_id, e.object_repr, e.changes, e.reason)
            for e in entries
        ],
    )


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
