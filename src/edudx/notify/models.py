"""The in-app inbox: one row per (recipient, event occurrence), whatever channels follow."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """What `notify()` stored. A recipient is a user, or — for people without an account
    (an applicant who tracks a dossier by code and phone) — a phone number and/or e-mail."""

    source_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    event = models.CharField(_("sự kiện"), max_length=80)
    # The caller's idempotency key: the same key never stores (or sends) twice.
    key = models.CharField(max_length=200, unique=True)
    title = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(phone="", email=""),
                name="notification_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id or self.phone or self.email}"
