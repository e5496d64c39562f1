from django.db.models import QuerySet

from .models import Delivery, Notification


def inbox(actor, *, unread: bool = False) -> QuerySet[Notification]:
    """The acting user's own notifications, newest first."""
    qs = Notification.objects.filter(recipient=actor)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def unread_count(actor) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def deliveries(notification: Notification) -> QuerySet[Delivery]:
    return Delivery.objects.filter(notification=notification).order_by("channel")
