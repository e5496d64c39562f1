"""`notify(recipient, event, context, key=...)` — the one call every module makes.

Stores the in-app inbox row in the caller's transaction (so a rolled-back change notifies
nobody) and is idempotent on `key`: calling it again for the same occurrence returns the row
already stored. Channel fan-out (e-mail, Web Push, SMS, Zalo) happens after commit; see
`edudx.notify.channels` where it exists."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .models import Notification


@dataclass(frozen=True)
class Address:
    """A recipient without an account: a phone number and/or an e-mail address."""

    phone: str = ""
    email: str = ""


def notify(
    recipient,
    event: str,
    context: dict | None = None,
    *,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
) -> Notification:
    """Notify a user (`accounts.User`) or an `Address`. `event` names what happened
    ("eservices.dossier_status", "contact.notice"…); `key` identifies this occurrence
    (e.g. f"dossier:{pk}:status:{n}") so retries never notify twice."""
    fields = {
        "event": event,
        "title": title[:200],
        "body": body,
        "url": url,
        "context": dict(context or {}),
    }
    if isinstance(recipient, Address):
        fields.update(phone=recipient.phone, email=recipient.email)
    else:
        fields["recipient"] = recipient
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            notification = Notification.objects.create(key=key, **fields)
    except IntegrityError:
        return Notification.objects.get(key=key)
    _after_commit(notification)
    return notification


def _after_commit(notification: Notification) -> None:
    """Hook for channel delivery (filled in by edudx.notify.channels)."""
    try:
        from .channels import schedule  # noqa: PLC0415 — optional until channels exist
    except ImportError:
        return
    transaction.on_commit(lambda: schedule(notification.pk))
