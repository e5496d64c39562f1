"""Fan-out of a notification to the recipient's channels.

`plan` runs inside `notify()`'s transaction: one `Delivery` row per channel the recipient
wants and can be reached on, unique on (notification, channel). After commit, the task
`send_notification` sends the due deliveries. A delivery is claimed by a conditional UPDATE
(pending → sending) before its backend is called, so two workers never send it both; a
failing backend leaves it pending with `next_attempt_at` pushed back (30 s, 1 min, 2 min …
`core.events.retry_delay`), up to MAX_ATTEMPTS, then `failed`. A worker that died while
sending leaves a claim that is taken over after STALE_CLAIM (the one case where a message
may go out twice: the gateway accepted it and we crashed before recording that).

Retries are re-queued with `run_after` on backends that can defer (the database backend of
`edudx worker`); `edudx notify_send` sends whatever is due, for a cron or after an outage."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from edudx.core.events import retry_delay

from . import conf
from .backends import Message
from .models import Channel, Delivery, DeliveryStatus, Notification, Preference, PushSubscription

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_CLAIM = dt.timedelta(minutes=10)


def preference_of(user) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def _user_email(user) -> str:
    return user.email or (user.person.email if user.person_id else "")


def _user_phone(user) -> str:
    return user.person.phone if user.person_id else ""


def targets(notification: Notification) -> dict[str, str]:
    """{channel: address} the notification can go to, after the recipient's preferences."""
    if notification.recipient_id is None:
        out = {}
        if notification.email:
            out[Channel.EMAIL] = notification.email
        if notification.phone:
            out[Channel.SMS] = notification.phone
        return out
    user = notification.recipient
    pref = preference_of(user)
    out = {}
    if pref.email and (email := _user_email(user)):
        out[Channel.EMAIL] = email
    if pref.webpush and PushSubscription.objects.filter(user=user).exists():
        out[Channel.WEBPUSH] = ""
    phone = _user_phone(user)
    if pref.sms and phone:
        out[Channel.SMS] = phone
    if pref.zalo and phone:
        out[Channel.ZALO] = phone
    return out


def plan(notification: Notification, *, not_before: dt.datetime | None = None) -> list[Delivery]:
    """The notification's deliveries, in the caller's transaction."""
    when = not_before or timezone.now()
    rows = [
        Delivery(notification=notification, channel=channel, next_attempt_at=when)
        for channel in targets(notification)
    ]
    return Delivery.objects.bulk_create(rows, ignore_conflicts=True)


def schedule(notification_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Queue the sending task (after commit). A queue that is down loses nothing: the rows
    wait for `send_due` (edudx notify_send)."""
    from .tasks import send_notification  # noqa: PLC0415 — tasks import this module

    try:
        task = send_notification
        if run_after is not None and run_after > timezone.now():
            if not task.get_backend().supports_defer:
                return  # the next sweep sends it when due
            task = task.using(run_after=run_after)
        task.enqueue(notification_id)
    except Exception:
        log.exception("notify.enqueue_failed", extra={"notification": notification_id})


def _message(delivery: Delivery) -> Message:
    n = delivery.notification
    to = targets(n).get(delivery.channel, "")
    subs = []
    if delivery.channel == Channel.WEBPUSH and n.recipient_id:
        subs = list(
            PushSubscription.objects.filter(user_id=n.recipient_id).values(
                "endpoint", "p256dh", "auth"
            )
        )
    return Message(
        channel=delivery.channel,
        notification_id=n.pk,
        key=n.key,
        to=to,
        title=n.title,
        body=n.body,
        url=n.url,
        subscriptions=subs,
    )


def _due(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    )


def send_one(delivery_id: int, *, now: dt.datetime | None = None) -> bool:
    """Claim, send and record one delivery; True when it was sent now."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(_due(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now
    )
    if not claimed:
        return False  # sent already, not due, or another worker holds it
    delivery = Delivery.objects.select_related("notification__recipient__person").get(
        pk=delivery_id
    )
    try:
        message = _message(delivery)
        if not (message.to or message.subscriptions):
            raise RuntimeError(f"no {delivery.channel} address any more")
        import_string(conf.backend_path(delivery.channel))().send(message)
    except Exception as exc:
        attempts = delivery.attempts + 1
        log.warning(
            "notify.send_failed",
            extra={"delivery": delivery_id, "channel": delivery.channel, "attempts": attempts},
        )
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED if attempts >= MAX_ATTEMPTS else DeliveryStatus.PENDING,
            attempts=attempts,
            next_attempt_at=now + retry_delay(attempts),
            claimed_at=None,
            last_error=repr(exc)[:2000],
        )
        return False
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT,
        attempts=delivery.attempts + 1,
        sent_at=timezone.now(),
        claimed_at=None,
        last_error="",
    )
    return True


def send_due(
    *, notification_id: int | None = None, now: dt.datetime | None = None, limit: int = 500
) -> int:
    """Send every due delivery (of one notification, or all); returns how many went out."""
    now = now or timezone.now()
    qs = Delivery.objects.filter(_due(now))
    if notification_id is not None:
        qs = qs.filter(notification_id=notification_id)
    ids = list(qs.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
    return sum(1 for pk in ids if send_one(pk, now=now))


def next_attempt(notification_id: int) -> dt.datetime | None:
    return Delivery.objects.filter(
        notification_id=notification_id, status=DeliveryStatus.PENDING
    ).aggregate(t=Min("next_attempt_at"))["t"]


def after_commit(notification: Notification, run_after: dt.datetime | None = None) -> None:
    pk = notification.pk
    transaction.on_commit(lambda: schedule(pk, run_after=run_after))
