"""Append-only, hash-chained audit trail.

Each event's `hash` is SHA-256 over the previous event's hash and this event's canonical
content, so editing or deleting any row breaks every hash after it; `edudx audit verify`
recomputes the chain and names the first event that does not match."""

import hashlib
import json

from django.conf import settings
from django.db import models

# The canonical form an event's hash covers: its fields as one JSON object with sorted
# keys, no spaces, UTF-8 text. `canonical_json` writes exactly what
# json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
# default=str) writes, field by field, so that a bulk writer can reuse the parts that do
# not change from one event to the next (`canonical_head`) without building a model
# instance per event. Changing it breaks every existing chain.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
_encode = _ENCODER.encode
_text = json.encoder.encode_basestring  # what _encode does for a str, minus two calls
# The C encoder _ENCODER.encode builds on every call, built once (no circular-reference
# check: a circular `changes` fails either way, with RecursionError instead of ValueError).
_c_encoder = (
    json.encoder.c_make_encoder(None, _ENCODER.default, _text, None, ":", ",", True, False, True)
    if json.encoder.c_make_encoder is not None
    else None
)


def _enc(value) -> str:
    if type(value) is str:
        return _text(value)
    return "null" if value is None else _encode(value)


def canonical_head(*, action: str, actor, actor_name: str, at: str) -> str:
    """The canonical text up to `changes`: the keys that sort before it."""
    return (
        '{"action":'
        + _encode(action)
        + ',"actor":'
        + _encode(actor)
        + ',"actor_name":'
        + _encode(actor_name)
        + ',"at":'
        + _encode(at)
        + ',"changes":'
    )


def canonical_tail(
    *, changes_json: str, ip, object_id: str, object_repr: str, object_type: str, reason: str
) -> str:
    """The canonical text from `changes` (already encoded with `encode_changes`) on."""
    return (
        changes_json
        + ',"ip":'
        + _enc(ip)
        + ',"object_id":'
        + _enc(object_id)
        + ',"object_repr":'
        + _enc(object_repr)
        + ',"object_type":'
        + _enc(object_type)
        + ',"reason":'
        + _enc(reason)
        + "}"
    )


def encode_changes(changes) -> str:
    """`changes` as canonical JSON: also the text stored in the JSON column by bulk
    writers (the column's own key order and spacing do not matter to the hash)."""
    if type(changes) is dict and _c_encoder is not None:
        return "".join(_c_encoder(changes, 0))
    return _encode(changes)


def canonical_json(
    *, at: str, actor, actor_name, action, object_type, object_id, object_repr, changes, reason, ip
) -> str:
    """The canonical JSON of one event from plain values (`at` in ISO format)."""
    return canonical_head(action=action, actor=actor, actor_name=actor_name, at=at) + (
        canonical_tail(
            changes_json=encode_changes(changes),
            ip=ip,
            object_id=object_id,
            object_repr=object_repr,
            object_type=object_type,
            reason=reason,
        )
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        # Never rewrite an event when its user is deleted: SET_NULL would change `actor_id`,
        # which the hash covers, and `audit verify` would report a tampered trail.
        on_delete=models.DO_NOTHING,
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20)  # create / update / delete / view / merge / login
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_name} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def canonical(self) -> str:
        return canonical_json(
            at=self.at.isoformat(),
            actor=self.actor_id,
            actor_name=self.actor_name,
            action=self.action,
            object_type=self.object_type,
            object_id=str(self.object_id),
            object_repr=self.object_repr,
            changes=self.changes,
            reason=self.reason,
            ip=self.ip,
        )

    def compute_hash(self) -> str:
        return chain_hash(self.prev_hash, self.canonical())


GENESIS_HASH = "0" * 64


class AuditChainHead(models.Model):
    """Single row (pk=1, created by migration 0002) holding the last hash; locked
    (SELECT … FOR UPDATE) while appending so concurrent writers extend the chain one at a
    time, and ids are handed out in chain order."""

    SINGLETON_PK = 1

    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.last_hash


class AuditDailySummary(models.Model):
    """Built by the outbox consumer: how many audited actions per day, type and action."""

    day = models.DateField()
    object_type = models.CharField(max_length=60)
    action = models.CharField(max_length=20)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "object_type", "action"], name="uniq_audit_summary"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.object_type} {self.action} {self.count}"


class AuditPending(models.Model):
    """A deferred audit event (`services.audit_defer`): written in the caller's
    transaction as one plain row — no head lock, no outbox event — and moved into the hash
    chain, in id order, by `services.audit_drain` (the worker's periodic job; `audit
    verify` drains first). It carries what the chained event will carry, `at` included,
    so the event is the one an immediate `audit_record` would have written then."""

    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"
