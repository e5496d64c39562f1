"""Fan-out to channels: one Delivery per (notification, channel), never sent twice; a
failing gateway retried with backoff and sent once; quiet hours; Web Push end to end
against a local push service (encrypted body decrypted here with the subscriber's keys)."""

import base64
import datetime as dt
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.db import transaction
from django.utils import timezone

from edudx.accounts.models import User
from edudx.core import events
from edudx.notify import channels, services
from edudx.notify.models import Delivery, Notification, Preference, PushSubscription
from edudx.notify.services import Address, notify
from edudx.people.models import Person
from tests.notify import gateways

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def flaky(settings):
    settings.NOTIFY_BACKENDS = {"sms": "tests.notify.gateways.FlakySMSGateway"}
    gateways.SENT.clear()
    gateways.FAILURES["left"] = 0
    return gateways


@pytest.fixture
def parent():
    person = Person.objects.create(
        full_name="Đỗ Thị Mai",
        search_name="do thi mai",
        date_of_birth=dt.date(1985, 1, 2),
        sex="F",
        phone="0912345678",
        email="mai@example.vn",
    )
    return User.objects.create_user("me_an", password="x", person=person)


def test_one_delivery_per_channel_and_the_same_event_never_twice(
    parent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            first = notify(parent, "contact.notice", key="notice:1:user:1", title="Họp phụ huynh")
        with transaction.atomic():
            again = notify(parent, "contact.notice", key="notice:1:user:1", title="Họp phụ huynh")
    assert again.pk == first.pk
    assert len(callbacks) == 1  # the repeat scheduled nothing
    # E-mail on by default (the person has an address); SMS and Zalo off by default.
    assert list(Delivery.objects.values_list("channel", "status", "attempts")) == [
        ("email", "sent", 1)
    ]
    assert [(m.subject, m.to) for m in mail.outbox] == [("Họp phụ huynh", ["mai@example.vn"])]
    assert channels.send_due(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_preferences_choose_the_channels(parent):
    services.preference_update(actor=parent, email=False, webpush=True, sms=True, zalo=True)
    n = notify(parent, "e", key="k1", title="T")
    # No push subscription yet: Web Push is not planned.
    assert sorted(Delivery.objects.filter(notification=n).values_list("channel", flat=True)) == [
        "sms",
        "zalo",
    ]


def test_failing_gateway_is_retried_with_backoff_and_succeeds_once(parent, flaky):
    Preference.objects.create(user=parent, email=False, sms=True)
    flaky.FAILURES["left"] = 2
    n = notify(parent, "records.leave_decided", key="leave:7:decided", title="Đơn đã duyệt")
    d = Delivery.objects.get(notification=n)
    Delivery.objects.filter(pk=d.pk).update(next_attempt_at=T0)

    assert channels.send_due(now=T0) == 0
    d.refresh_from_db()
    assert (d.status, d.attempts, d.next_attempt_at) == (
        "pending",
        1,
        T0 + dt.timedelta(seconds=30),
    )
    assert "gateway timeout" in d.last_error
    assert channels.send_due(now=T0 + dt.timedelta(seconds=10)) == 0  # not due yet
    assert Delivery.objects.get(pk=d.pk).attempts == 1

    t2 = T0 + dt.timedelta(seconds=30)
    assert channels.send_due(now=t2) == 0
    d.refresh_from_db()
    assert (d.attempts, d.next_attempt_at) == (2, t2 + dt.timedelta(minutes=1))

    t3 = t2 + dt.timedelta(minutes=1)
    assert channels.send_due(now=t3) == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == ("sent", 3, "")
    assert channels.send_due(now=t3 + dt.timedelta(days=1)) == 0
    assert flaky.SENT == [("0912345678", "Đơn đã duyệt", "leave:7:decided")]


def test_a_gateway_that_never_recovers_is_parked_as_failed(parent, flaky):
    Preference.objects.create(user=parent, email=False, sms=True)
    flaky.FAILURES["left"] = 100
    n = notify(parent, "e", key="k-fail", title="T")
    now = T0
    Delivery.objects.filter(notification=n).update(next_attempt_at=now)
    for _ in range(channels.MAX_ATTEMPTS):
        channels.send_due(now=now)
        now += dt.timedelta(hours=7)
    d = Delivery.objects.get(notification=n)
    assert (d.status, d.attempts) == ("failed", channels.MAX_ATTEMPTS)
    assert channels.send_due(now=now + dt.timedelta(days=2)) == 0
    assert flaky.SENT == []


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(parent, flaky):
    Preference.objects.create(user=parent, email=False, sms=True)
    n = notify(parent, "e", key="k-claim", title="T")
    d = Delivery.objects.get(notification=n)
    now = timezone.now()
    Delivery.objects.filter(pk=d.pk).update(status="sending", claimed_at=now)
    assert channels.send_one(d.pk, now=now) is False
    assert flaky.SENT == []
    # A claim older than STALE_CLAIM (the worker died) is taken over.
    later = now + channels.STALE_CLAIM + dt.timedelta(seconds=1)
    assert channels.send_one(d.pk, now=later) is True
    assert channels.send_one(d.pk, now=later) is False
    assert len(flaky.SENT) == 1


def test_address_without_account_gets_an_sms_in_the_file_backend(settings, tmp_path):
    settings.NOTIFY_FILE_DIR = str(tmp_path)
    n = notify(Address(phone="0912345678"), "eservices.status", key="d:1", title="Hồ sơ đã xong")
    assert channels.send_due() == 1
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["to"] for x in lines] == ["0912345678"]
    assert json.loads(lines[0])["notification_id"] == n.pk


def test_rolled_back_change_notifies_nobody(parent):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(parent, "e", key="k-rb", title="T")
        raise RuntimeError
    assert Notification.objects.count() == 0 and Delivery.objects.count() == 0


class _PushService(BaseHTTPRequestHandler):
    received: list = []
    status = 201

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        type(self).received.append((self.path, headers, body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def push_service():
    _PushService.received = []
    _PushService.status = 201
    server = HTTPServer(("127.0.0.1", 0), _PushService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_web_push_is_encrypted_and_vapid_signed(parent, push_service, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the demo key pair is generated here, mode 600
    browser_key = ec.generate_private_key(ec.SECP256R1())
    public = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = os.urandom(16)
    endpoint = f"http://127.0.0.1:{push_service.server_port}/push/abc"
    PushSubscription.objects.create(
        user=parent, endpoint=endpoint, p256dh=_b64(public), auth=_b64(auth)
    )
    Preference.objects.create(user=parent, email=False, webpush=True)
    notify(
        parent,
        "contact.message",
        key="m:1",
        title="Tin nhắn mới",
        body="Cô Hoa: đã nhận",
        url="/contact/messages/1/",
    )
    assert channels.send_due() == 1
    assert oct((tmp_path / "vapid_private.pem").stat().st_mode & 0o777) == "0o600"
    [(path, headers, body)] = _PushService.received
    assert path == "/push/abc"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    from edudx.notify import conf

    assert f"k={conf.vapid_public_key()}" in headers["authorization"]
    plain = http_ece.decrypt(body, private_key=browser_key, auth_secret=auth, version="aes128gcm")
    assert json.loads(plain) == {
        "title": "Tin nhắn mới",
        "body": "Cô Hoa: đã nhận",
        "url": "/contact/messages/1/",
    }


def test_web_push_subscription_gone_is_dropped(parent, push_service, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    _PushService.status = 410
    key = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    endpoint = f"http://127.0.0.1:{push_service.server_port}/push/gone"
    PushSubscription.objects.create(
        user=parent, endpoint=endpoint, p256dh=_b64(key), auth=_b64(os.urandom(16))
    )
    Preference.objects.create(user=parent, email=False, webpush=True)
    notify(parent, "e", key="k-gone", title="T")
    channels.send_due()
    assert PushSubscription.objects.count() == 0


def test_database_task_queue_defers_and_retries(
    parent, flaky, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """With the worker's database backend: quiet hours become a task's run_after, and a
    failing gateway makes the task re-queue itself for the backoff time."""
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    Preference.objects.create(user=parent, email=False, sms=True)
    later = timezone.now() + dt.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(parent, "contact.message", key="m:q", title="Nhắn muộn", deliver_after=later)
    # After commit the outbox delivery is queued; the worker's sweep runs its handler,
    # which queues the sending task (also when that first enqueue was lost).
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "edudx.core.tasks.deliver_outbox"
    ]
    DBTaskResult.objects.all().delete()
    events.deliver_pending()
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.status, task.run_after) == (
        "edudx.notify.tasks.send_notifications",
        "READY",
        later,
    )
    DBTaskResult.objects.all().delete()

    flaky.FAILURES["left"] = 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        n = notify(parent, "contact.message", key="m:r", title="Tin nhắn")
    from django.core.management import call_command

    call_command("worker", "--once")
    d = Delivery.objects.get(notification=n)
    assert (d.status, d.attempts) == ("pending", 1)
    retry = DBTaskResult.objects.filter(
        status="READY", task_path="edudx.notify.tasks.send_notifications"
    ).get()
    assert retry.run_after == d.next_attempt_at
    assert flaky.SENT == []


def test_notify_many_matches_notify_and_never_stores_twice(parent):
    other = User.objects.create_user("khac", password="x", email="khac@example.vn")
    Preference.objects.create(user=other, email=True, sms=True)  # no phone: no SMS
    single = notify(parent, "contact.notice", key=f"n:9:user:{parent.pk}", title="T")
    stored = services.notify_many(
        [parent, other], "contact.notice", {"notice": 9}, key="n:9", title="T", body="B"
    )
    assert stored == 1  # the parent had it already
    assert events.deliver_pending() == 2  # the outbox sweep queues (here: runs) the sending
    assert Notification.objects.filter(recipient=parent).get().pk == single.pk
    assert sorted(
        Delivery.objects.values_list("notification__recipient__username", "channel", "status")
    ) == [("khac", "email", "sent"), ("me_an", "email", "sent")]
    assert services.notify_many([parent, other], "contact.notice", key="n:9", title="T") == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["khac@example.vn", "mai@example.vn"]


def test_notify_send_command_sends_what_is_due(parent, flaky):
    from io import StringIO

    from django.core.management import call_command

    Preference.objects.create(user=parent, email=False, sms=True)
    notify(parent, "e", key="k-cmd", title="Nhắc lịch họp")
    out = StringIO()
    call_command("notify_send", stdout=out)
    assert out.getvalue().strip() == "notify.sent count=1"
    assert flaky.SENT == [("0912345678", "Nhắc lịch họp", "k-cmd")]
