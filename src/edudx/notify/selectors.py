from django.db.models import QuerySet

from .models import Notification


def inbox(actor) -> QuerySet[Notification]:
    """The acting user's own notifications, newest first."""
    return Notification.objects.filter(recipient=actor).order_by("-created_at", "-pk")
