"""`notify(recipient, event, context, key=...)` — the one call every module makes.

Stores the in-app inbox row and its channel deliveries (`channels.plan`: one row per channel
the recipient wants, unique on (notification, channel)) in the caller's transaction, so a
rolled-back change notifies nobody, and is idempotent on `key`: calling it again for the
same occurrence returns the row already stored and sends nothing more. Channel sending
(e-mail, Web Push, SMS, Zalo) is queued after commit through the outbox (`channels.
queue_after_commit` → `handlers.queue_sending` → task `send_notifications`).

`title` and `body` are text, or a function of no arguments that builds the text with
gettext: it is called in each recipient's language (`User.language`; Vietnamese for an
`Address`), so a parent who chose English reads "Payment of … received" whoever triggered
it — `title=lambda: _("Đã nhận %(a)s…") % {...}`."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from edudx.core.errors import DomainError, NotFound

from . import channels
from .models import Notification, Preference, PushSubscription


@dataclass(frozen=True)
class Address:
    """A recipient without an account: a phone number and/or an e-mail address."""

    phone: str = ""
    email: str = ""


Text = str | Callable[[], str]


def language_of(recipient) -> str:
    """The language a recipient reads: the account's stored choice, else Vietnamese."""
    language = getattr(recipient, "language", "") or ""
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def render(text: Text, language: str) -> str:
    """`text` as the recipient reads it (see the module's docstring)."""
    if not callable(text):
        return text
    with translation.override(language):
        return str(text())


def notify(
    recipient,
    event: str,
    context: dict | None = None,
    *,
    key: str,
    title: Text,
    body: Text = "",
    url: str = "",
    deliver_after: dt.datetime | None = None,
) -> Notification:
    """Notify a user (`accounts.User`) or an `Address`. `event` names what happened
    ("eservices.dossier_status", "contact.notice"…); `key` identifies this occurrence
    (e.g. f"dossier:{pk}:status:{n}") so retries never notify twice. `deliver_after` holds
    the channels (not the inbox) until then: a school's quiet hours."""
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    language = language_of(recipient)
    fields = {
        "event": event,
        "title": render(title, language)[:200],
        "body": render(body, language),
        "url": url,
        "context": dict(context or {}),
    }
    if isinstance(recipient, Address):
        fields.update(phone=recipient.phone, email=recipient.email)
    else:
        fields["recipient"] = recipient
    try:
        with transaction.atomic():
            notification = Notification.objects.create(key=key, **fields)
            if channels.plan(notification, not_before=deliver_after):
                channels.queue_after_commit([notification.pk], deliver_after)
    except IntegrityError:
        return Notification.objects.get(key=key)
    return notification


def notify_many(
    recipients,
    event: str,
    context: dict | None = None,
    *,
    key: str,
    title: Text,
    body: Text = "",
    url: str = "",
    deliver_after: dt.datetime | None = None,
) -> int:
    """`notify()` for many users at once (a notice to a school's guardians), with a few
    queries in all. Each recipient's key is f"{key}:user:{user.pk}", so a repeat — or a
    single `notify()` with that key — stores and sends nothing twice. Returns how many
    notifications were stored now."""
    users = {f"{key}:user:{u.pk}": u for u in recipients}
    keys = list(users)
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing |= set(
            Notification.objects.filter(key__in=keys[start : start + 500]).values_list(
                "key", flat=True
            )
        )
    texts: dict[str, tuple[str, str]] = {}  # language -> (title, body), built once each

    def texts_for(user) -> tuple[str, str]:
        language = language_of(user)
        if language not in texts:
            texts[language] = (render(title, language)[:200], render(body, language))
        return texts[language]

    rows = [
        Notification(
            recipient=u,
            key=k,
            event=event,
            title=texts_for(u)[0],
            body=texts_for(u)[1],
            url=url,
            context=dict(context or {}),
        )
        for k, u in users.items()
        if k not in existing
    ]
    if not rows:
        return 0
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows, batch_size=500)
            deliveries = channels.plan_many(created, not_before=deliver_after)
            if deliveries:
                ids = sorted({d.notification_id for d in deliveries})
                channels.queue_after_commit(ids, deliver_after)
    except IntegrityError:  # a concurrent fan-out stored some: fall back, one at a time
        for n in rows:
            notify(
                n.recipient,
                event,
                context,
                key=n.key,
                title=title,
                body=body,
                url=url,
                deliver_after=deliver_after,
            )
        return len(rows)
    return len(created)


def mark_read(*, actor, notification_ids=None, keys=None) -> int:
    """Mark the actor's own notifications read: those with these ids or keys, or every
    unread one when neither is given (a module marks its notification read when the thing
    it announced is opened: a notice, a conversation)."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    if keys is not None:
        qs = qs.filter(key__in=list(keys))
    return qs.update(read_at=timezone.now())


def notification_open(*, actor, notification_id: int) -> Notification:
    n = Notification.objects.filter(recipient=actor, pk=notification_id).first()
    if n is None:
        raise NotFound("notify.not_found", _("Không tìm thấy thông báo."))
    if n.read_at is None:
        n.read_at = timezone.now()
        Notification.objects.filter(pk=n.pk).update(read_at=n.read_at)
    return n


def preference_update(*, actor, email: bool, webpush: bool, sms: bool, zalo: bool) -> Preference:
    pref, _created = Preference.objects.update_or_create(
        user=actor, defaults={"email": email, "webpush": webpush, "sms": sms, "zalo": zalo}
    )
    return pref


def push_subscribe(*, actor, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Store (or move to this user) a browser's push subscription."""
    endpoint = (endpoint or "").strip()
    if not endpoint.startswith("https://") or len(endpoint) > 500:
        raise DomainError(
            "notify.push.endpoint",
            _("Địa chỉ đăng ký nhận thông báo không hợp lệ."),
            field="endpoint",
        )
    if not p256dh or not auth or len(p256dh) > 200 or len(auth) > 100:
        raise DomainError("notify.push.keys", _("Thiếu khóa của trình duyệt."), field="keys")
    sub, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": actor, "p256dh": p256dh, "auth": auth}
    )
    return sub


def push_unsubscribe(*, actor, endpoint: str) -> int:
    return PushSubscription.objects.filter(user=actor, endpoint=endpoint).delete()[0]
