import uuid

from django.db import models


class ExchangeModel(models.Model):
    """Every record that can leave the platform carries a stable UUID and `updated_at`
    so other systems can sync incrementally (OneRoster `sourcedId`)."""

    source_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the change it describes."""

    topic = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    # When a failed event may be tried again (exponential backoff); null = now.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.topic}#{self.pk}"


class EventReceipt(models.Model):
    """One row per (event, handler) that has run: makes at-least-once delivery idempotent."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="receipts")
    handler = models.CharField(max_length=200)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="uniq_event_handler")
        ]

    def __str__(self) -> str:
        return f"{self.handler}@{self.event_id}"


class IdempotencyRecord(models.Model):
    """A POST's Idempotency-Key with the response it produced, replayed on retry."""

    key = models.CharField(max_length=200)
    actor_key = models.CharField(max_length=100)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor_key", "key"], name="uniq_idempotency_key")
        ]

    def __str__(self) -> str:
        return self.key


class Holiday(models.Model):
    """Public holidays, including the lunar Tết days, for working-day arithmetic."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class OpenDatasetVersion(models.Model):
    """When an open dataset's rows last changed (`core.opendata.built`): a digest of the rows
    and the time of the first build that gave them, so the catalogue's `dct:modified` and a
    file's Last-Modified say when the data changed, not when a cache was last filled."""

    slug = models.CharField(max_length=60, primary_key=True)
    digest = models.CharField(max_length=64)
    modified_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.slug
