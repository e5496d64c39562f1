"""The inbox page, the unread badge in the header, the API inbox and preferences."""

import pytest

from edudx.notify.models import Notification, PushSubscription
from edudx.notify.services import notify
from tests.api.conftest import API, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    u = UserFactory(username="ph")
    u.save()
    return u


def test_inbox_page_badge_and_mark_read(client, user):
    notify(user, "contact.notice", key="a", title="Họp phụ huynh", url="/contact/notices/1/")
    notify(user, "contact.message", key="b", title="Tin nhắn mới")
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "Họp phụ huynh" in page and "Tin nhắn mới" in page
    assert 'class="notify-badge" aria-label="2 chưa đọc">2<' in page
    first = Notification.objects.get(key="a")
    opened = client.post(f"/notifications/{first.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/contact/notices/1/"
    assert 'aria-label="1 chưa đọc">1<' in client.get("/notifications/").content.decode()
    client.post("/notifications/", {"action": "read_all"})
    assert "notify-badge" not in client.get("/notifications/").content.decode()


def test_someone_elses_notification_is_404(client, user):
    other = UserFactory(username="other")
    n = notify(other, "e", key="x", title="riêng")
    client.force_login(user)
    assert client.post(f"/notifications/{n.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_api_inbox_read_and_preferences(user):
    notify(user, "e", key="1", title="Một")
    notify(user, "e", key="2", title="Hai")
    api = token_client(user)
    inbox = api.get(f"{API}/notifications").json()
    assert [n["title"] for n in inbox["items"]] == ["Hai", "Một"]
    assert inbox["unread"] == 2
    one = inbox["items"][0]["id"]
    marked = api.post(
        f"{API}/notifications/read", {"ids": [one]}, content_type="application/json"
    ).json()
    assert marked == {"marked": 1, "unread": 1}
    assert [n["title"] for n in api.get(f"{API}/notifications?unread=true").json()["items"]] == [
        "Một"
    ]
    prefs = {"email": False, "webpush": True, "sms": True, "zalo": False}
    assert (
        api.put(f"{API}/notifications/preferences", prefs, content_type="application/json").json()
        == prefs
    )
    assert api.get(f"{API}/notifications/preferences").json() == prefs


def test_push_subscription_api_and_page(client, user):
    api = token_client(user, **{"Idempotency-Key": "sub-1"})
    body = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "BPk", "auth": "xyz"}}
    assert (
        api.post(
            f"{API}/notifications/push-subscriptions", body, content_type="application/json"
        ).status_code
        == 201
    )
    assert list(PushSubscription.objects.values_list("user", "endpoint")) == [
        (user.pk, "https://push.example/abc")
    ]
    bad = token_client(user).post(
        f"{API}/notifications/push-subscriptions",
        {"endpoint": "http://insecure/x", "keys": {"p256dh": "a", "auth": "b"}},
        content_type="application/json",
    )
    assert bad.json()["code"] == "notify.push.endpoint"
    client.force_login(user)
    key = client.get("/notifications/push/key/").json()["publicKey"]
    assert len(key) == 87  # base64url of a 65-byte uncompressed P-256 point
