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


def test_text_is_built_in_each_recipients_language():
    """A function as title/body is called in the recipient's stored language; an
    address without an account reads Vietnamese; the caller's language does not leak."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    vi_user = User.objects.create_user("ph_vi", password="x")
    en_user = User.objects.create_user("ph_en", password="x", language="en")

    def title():
        return _("Đã nhận %(a)s cho hóa đơn %(r)s") % {"a": "50.000 đ", "r": "HP-1"}

    with translation.override("en"):  # the actor reads English; the recipients decide
        a = notify(vi_user, "fees.payment_recorded", key="p:vi", title=title, body=lambda: "x")
        b = notify(en_user, "fees.payment_recorded", key="p:en", title=title)
        c = notify(Address(phone="0912345678"), "fees.payment_recorded", key="p:a", title=title)
    assert a.title == "Đã nhận 50.000 đ cho hóa đơn HP-1"
    assert a.body == "x"
    assert b.title == "Received 50.000 đ for invoice HP-1"
    assert c.title == "Đã nhận 50.000 đ cho hóa đơn HP-1"


def test_notify_many_builds_each_language_once():
    from django.utils.translation import gettext as _

    from edudx.notify.services import notify_many

    users = [
        User.objects.create_user("m1", password="x"),
        User.objects.create_user("m2", password="x", language="en"),
        User.objects.create_user("m3", password="x", language="en"),
        User.objects.create_user("m4", password="x", language="xx"),  # unknown: Vietnamese
    ]
    calls = []

    def title():
        calls.append(1)
        return _("Bài tập mới: %(t)s") % {"t": "Phân số"}

    assert notify_many(users, "learning.assignment", key="a:1", title=title) == 4
    rows = dict(Notification.objects.values_list("recipient__username", "title"))
    assert rows == {
        "m1": "Bài tập mới: Phân số",
        "m2": "New assignment: Phân số",
        "m3": "New assignment: Phân số",
        "m4": "Bài tập mới: Phân số",
    }
    assert len(calls) == 2
