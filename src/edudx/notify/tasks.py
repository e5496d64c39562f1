from django.utils import timezone
from django_tasks import task

from . import channels


@task()
def send_notification(notification_id: int) -> int:
    """Send a notification's due deliveries; re-queue itself for the next retry (when the
    task backend can defer). Returns how many deliveries went out."""
    sent = channels.send_due(notification_id=notification_id)
    retry_at = channels.next_attempt(notification_id)
    if retry_at is not None and retry_at > timezone.now():
        channels.schedule(notification_id, run_after=retry_at)
    return sent


@task()
def send_notifications(notification_ids: list[int]) -> int:
    """`send_notification` for a batch (a notice to a school's guardians)."""
    sent = 0
    for start in range(0, len(notification_ids), 500):
        chunk = notification_ids[start : start + 500]
        sent += channels.send_due(notification_ids=chunk, limit=10_000)
    retry_at = channels.next_attempt(notification_ids=notification_ids)
    if retry_at is not None and retry_at > timezone.now():
        channels.schedule_many(notification_ids, run_after=retry_at)
    return sent
