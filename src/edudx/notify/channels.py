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

from django.contrib.auth import get_user_model
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from edudx.core.events import retry_delay

from . import conf
from .backends import Message
from .models import Channel, Delivery, DeliveryStatus, Notification, Preference, PushSubscription

log = logging.getLogger(__name__)
User = get_user_model()

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
    pushable = PushSubscription.objects.filter(user=user).exists()
    return _user_targets(user, preference_of(user), pushable)


def _user_targets(user, pref: Preference, pushable: bool) -> dict[str, str]:
    out = {}
    if pref.email and (email := _user_email(user)):
        out[Channel.EMAIL] = email
    if pref.webpush and pushable:
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


def plan_many(
    notifications: list[Notification], *, not_before: dt.datetime | None = None
) -> list[Delivery]:
    """`plan` for many users' notifications with a few queries in all (a notice to a
    school's guardians): preferences, people and push subscriptions read in bulk."""
    when = not_before or timezone.now()
    user_ids = [n.recipient_id for n in notifications]
    prefs = {p.user_id: p for p in Preference.objects.filter(user_id__in=user_ids)}
    pushable = set(
        PushSubscription.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids).select_related("person")}
    rows = []
    for n in notifications:
        user = users[n.recipient_id]
        pref = prefs.get(user.pk) or Preference(user=user)
        rows.extend(
            Delivery(notification=n, channel=channel, next_attempt_at=when)
            for channel in _user_targets(user, pref, user.pk in pushable)
        )
    return Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


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


class _Batch:
    """What the messages of a batch of deliveries need, read in three queries."""

    def __init__(self, deliveries: list[Delivery]):
        user_ids = {d.notification.recipient_id for d in deliveries} - {None}
        self.prefs = {p.user_id: p for p in Preference.objects.filter(user_id__in=user_ids)}
        self.subs: dict[int, list[dict]] = {}
        for row in PushSubscription.objects.filter(user_id__in=user_ids).values(
            "user_id", "endpoint", "p256dh", "auth"
        ):
            self.subs.setdefault(row.pop("user_id"), []).append(row)

    def targets(self, n: Notification) -> dict[str, str]:
        if n.recipient_id is None:
            return targets(n)
        user = n.recipient
        pref = self.prefs.get(user.pk) or Preference(user=user)
        return _user_targets(user, pref, bool(self.subs.get(user.pk)))


def _message(delivery: Delivery, batch: _Batch) -> Message:
    n = delivery.notification
    subs = []
    if delivery.channel == Channel.WEBPUSH and n.recipient_id:
        subs = batch.subs.get(n.recipient_id, [])
    return Message(
        channel=delivery.channel,
        notification_id=n.pk,
        key=n.key,
        to=batch.targets(n).get(delivery.channel, ""),
        title=n.title,
        body=n.body,
        url=n.url,
        subscriptions=subs,
    )


def _due(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    )


def _with_notification():
    return Delivery.objects.select_related("notification__recipient__person")


def send_one(
    delivery_id: int,
    *,
    now: dt.datetime | None = None,
    delivery: Delivery | None = None,
    batch: _Batch | None = None,
) -> bool:
    """Claim, send and record one delivery; True when it was sent now. `delivery` and
    `batch` (read beforehand by `send_due`) save the reads."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(_due(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now
    )
    if not claimed:
        return False  # sent already, not due, or another worker holds it
    if delivery is None:
        delivery = _with_notification().get(pk=delivery_id)
    if batch is None:
        batch = _Batch([delivery])
    attempts = delivery.attempts + 1
    try:
        message = _message(delivery, batch)
        if not (message.to or message.subscriptions):
            raise RuntimeError(f"no {delivery.channel} address any more")
        import_string(conf.backend_path(delivery.channel))().send(message)
    except Exception as exc:
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
        attempts=attempts,
        sent_at=timezone.now(),
        claimed_at=None,
        last_error="",
    )
    return True


def send_due(
    *,
    notification_id: int | None = None,
    notification_ids=None,
    now: dt.datetime | None = None,
    limit: int = 500,
) -> int:
    """Send every due delivery (of one notification, of some, or all); returns how many
    went out."""
    now = now or timezone.now()
    qs = Delivery.objects.filter(_due(now))
    if notification_id is not None:
        qs = qs.filter(notification_id=notification_id)
    if notification_ids is not None:
        qs = qs.filter(notification_id__in=list(notification_ids))
    ids = list(qs.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
    sent = 0
    for start in range(0, len(ids), 200):
        rows = list(_with_notification().filter(pk__in=ids[start : start + 200]).order_by("id"))
        batch = _Batch(rows)
        sent += sum(1 for d in rows if send_one(d.pk, now=now, delivery=d, batch=batch))
    return sent


def next_attempt(notification_id=None, *, notification_ids=None) -> dt.datetime | None:
    qs = Delivery.objects.filter(status=DeliveryStatus.PENDING)
    if notification_ids is not None:
        qs = qs.filter(notification_id__in=list(notification_ids))
    else:
        qs = qs.filter(notification_id=notification_id)
    return qs.aggregate(t=Min("next_attempt_at"))["t"]


def schedule_many(
    ids: list[int], *, run_after: dt.datetime | None = None, raise_errors: bool = False
) -> None:
    """Queue one task for a batch of notifications. A queue that cannot defer leaves a
    future batch to `send_due` (edudx notify_send)."""
    from .tasks import send_notifications  # noqa: PLC0415 — tasks import this module

    try:
        task = send_notifications
        if run_after is not None and run_after > timezone.now():
            if not task.get_backend().supports_defer:
                return
            task = task.using(run_after=run_after)
        task.enqueue(list(ids))
    except Exception:
        if raise_errors:
            raise
        log.exception("notify.enqueue_failed", extra={"notifications": len(ids)})


LOST_AFTER = dt.timedelta(minutes=2)


def requeue_lost(*, now: dt.datetime | None = None, grace: dt.timedelta = LOST_AFTER) -> int:
    """The worker's periodic sweep: queue the sending task again for notifications with a
    delivery due for more than `grace` (its task was lost: a worker crash, a queue outage,
    a backend that cannot defer) or claimed by a worker that died. Re-queueing is safe:
    `send_one` claims each delivery with a conditional UPDATE, so a delivery whose first
    task is still alive is sent once, never twice per event and channel. Returns how many
    notifications were queued."""
    now = now or timezone.now()
    ids = sorted(
        set(
            Delivery.objects.filter(_due(now - grace))
            .order_by("next_attempt_at")
            .values_list("notification_id", flat=True)[:5000]
        )
    )
    for start in range(0, len(ids), 500):
        schedule_many(ids[start : start + 500])
    if ids:
        log.warning("notify.requeued_lost", extra={"notifications": len(ids)})
    return len(ids)


QUEUED = "notify.queued"


def queue_after_commit(ids: list[int], run_after: dt.datetime | None = None) -> None:
    """In the caller's transaction: an outbox event whose handler queues the sending task.
    It commits with the notifications, so a crash between commit and enqueue loses
    nothing: the worker's outbox sweep queues it then (`core.events`)."""
    from edudx.core import events  # noqa: PLC0415

    events.emit(QUEUED, {"ids": list(ids), "run_after": run_after.isoformat() if run_after else ""})
