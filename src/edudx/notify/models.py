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
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(phone="", email=""),
                name="notification_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id or self.phone or self.email}"


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    WEBPUSH = "webpush", _("Thông báo đẩy trên trình duyệt")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")


class Preference(models.Model):
    """Which channels a user wants besides the in-app inbox (always on). A user without a
    row gets the defaults: e-mail and Web Push on, SMS and Zalo off (they cost money)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference"
    )
    email = models.BooleanField(_("thư điện tử"), default=True)
    webpush = models.BooleanField(_("thông báo đẩy"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)
    zalo = models.BooleanField(_("Zalo"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.channels()}"

    def channels(self) -> list[str]:
        return [c for c in Channel.values if getattr(self, c)]


class PushSubscription(models.Model):
    """A browser's Web Push subscription (PushSubscription.toJSON() of the Push API)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.CharField(max_length=500, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.endpoint[:40]}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không được")


class Delivery(models.Model):
    """One channel of one notification: unique on (notification, channel), so an event is
    never sent twice on a channel; retried with backoff while `pending`."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="uniq_delivery_channel"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}: {self.status}"
