"""Channel backends. A backend is a class with `send(message)`; it raises on failure (the
delivery is then retried with backoff) and returns normally once the channel accepted the
message. Chosen per channel by dotted path (`edudx.notify.conf.backend_path`)."""

import json
import logging
import sys
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.mail import send_mail

from . import conf

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """What a backend receives: one notification for one channel and address."""

    channel: str
    notification_id: int
    key: str
    to: str  # an e-mail address or a phone number ("" for Web Push: see subscriptions)
    title: str
    body: str
    url: str
    subscriptions: list[dict] = field(default_factory=list)  # Web Push: endpoint, keys

    def text(self) -> str:
        parts = [self.title, self.body]
        if self.url:
            parts.append(absolute(self.url))
        return "\n".join(p for p in parts if p)


def absolute(url: str) -> str:
    return url if url.startswith("http") else f"{settings.PUBLIC_BASE_URL}{url}"


class EmailBackend:
    """Django's mail backends (settings.EMAIL_BACKEND: console by default, SMTP in prod)."""

    def send(self, message: Message) -> None:
        send_mail(
            subject=message.title,
            message=message.text(),
            from_email=None,
            recipient_list=[message.to],
            fail_silently=False,
        )


class FileBackend:
    """Appends one JSON line per message to VAR_DIR/notify/<channel>.jsonl: the default
    SMS and Zalo gateway until a real one is configured (and what a demo shows)."""

    def send(self, message: Message) -> None:
        path = conf.outbox_dir() / f"{message.channel}.jsonl"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(message), ensure_ascii=False) + "\n")


class ConsoleBackend:
    """Writes the message to standard output (development)."""

    def send(self, message: Message) -> None:
        sys.stdout.write(f"[{message.channel} → {message.to}] {message.text()}\n")


class WebPushBackend:
    """Web Push with VAPID (pywebpush): one encrypted POST per subscription of the user.
    A subscription the push service says is gone (404/410) is dropped; any other failure
    raises so the delivery is retried."""

    def send(self, message: Message) -> None:
        from pywebpush import WebPushException, webpush  # noqa: PLC0415

        from .models import PushSubscription  # noqa: PLC0415

        payload = json.dumps(
            {"title": message.title, "body": message.body, "url": message.url},
            ensure_ascii=False,
        )
        errors = []
        for sub in message.subscriptions:
            try:
                webpush(
                    subscription_info={
                        "endpoint": sub["endpoint"],
                        "keys": {"p256dh": sub["p256dh"], "auth": sub["auth"]},
                    },
                    data=payload,
                    vapid_private_key=conf.vapid_private_key_b64(),
                    vapid_claims={"sub": conf.vapid_subject()},
                    timeout=10,
                )
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in (404, 410):
                    PushSubscription.objects.filter(endpoint=sub["endpoint"]).delete()
                    continue
                errors.append(f"{sub['endpoint'][:60]}: {exc}")
        if errors:
            raise RuntimeError("; ".join(errors))
