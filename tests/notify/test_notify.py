import pytest
from django.db import IntegrityError

from edudx.accounts.models import User
from edudx.notify.models import Notification
from edudx.notify.selectors import inbox
from edudx.notify.services import Address, notify

pytestmark = pytest.mark.django_db


def test_same_key_stores_one_notification():
    user = User.objects.create_user("ph1", password="x")
    first = notify(user, "contact.notice", {"n": 1}, key="notice:1:user:1", title="Thông báo")
    again = notify(user, "contact.notice", {"n": 2}, key="notice:1:user:1", title="Khác")
    assert again.pk == first.pk
    assert Notification.objects.count() == 1
    assert list(inbox(user).values_list("title", "context")) == [("Thông báo", {"n": 1})]


def test_inbox_is_the_users_own():
    a = User.objects.create_user("a", password="x")
    b = User.objects.create_user("b", password="x")
    notify(a, "e", key="k-a", title="cho A")
    notify(b, "e", key="k-b", title="cho B")
    assert [n.title for n in inbox(a)] == ["cho A"]


def test_address_recipient_without_account():
    n = notify(Address(phone="0912345678"), "eservices.status", key="d:1", title="Hồ sơ")
    assert (n.recipient_id, n.phone, n.email) == (None, "0912345678", "")


def test_a_notification_needs_somebody_to_receive_it():
    with pytest.raises(IntegrityError):
        Notification.objects.create(key="x", event="e", title="t")
