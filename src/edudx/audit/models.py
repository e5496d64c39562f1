"""Append-only, hash-chained audit trail.

Each event's `hash` is SHA-256 over the previous event's hash and this event's canonical
content, so editing or deleting any row breaks every hash after it; `edudx audit verify`
recomputes the chain and names the first event that does not match."""

import hashlib
import json

from django.conf import settings
from django.db import models


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
        return json.dumps(
            {
                "at": self.at.isoformat(),
                "actor": self.actor_id,
                "actor_name": self.actor_name,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": str(self.object_id),
                "object_repr": self.object_repr,
                "changes": self.changes,
                "reason": self.reason,
                "ip": self.ip,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.canonical()).encode()).hexdigest()


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
