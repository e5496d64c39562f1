"""A page's form sent twice runs once (core/formonce.py): a guardian's message posted again
with the same `_once` (what core/static/edudx/once.js puts in every POST form) and the
same text lands once; the second answer goes to the same conversation with a note. Another
text, no `_once`, or a first send that failed: each runs."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.messages import get_messages
from django.db import connection

from edudx.contact.models import Message
from edudx.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

ONCE = "0123456789abcdef0123456789abcdef"
NOTE = "Yêu cầu này đã được gửi trước đó; hệ thống không ghi thêm lần nữa."


def send(client, district, teacher, body, once=ONCE):
    data = {"student": district.student_a1.pk, "to": teacher.pk, "body": body}
    if once is not None:
        data["_once"] = once
    return client.post("/contact/messages/new/", data)


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_same_form_sent_twice_writes_one_message(district, guardian, teacher, as_user):
    client = as_user(guardian)
    first = send(client, district, teacher, "Cháu An xin nghỉ sáng mai.")
    again = send(client, district, teacher, "Cháu An xin nghỉ sáng mai.")
    assert (first.status_code, again.status_code) == (302, 302)
    assert re.fullmatch(r"/contact/messages/\d+/", first["Location"])
    assert again["Location"] == first["Location"]
    assert notes(again) == [NOTE]
    assert list(Message.objects.values_list("body", flat=True)) == ["Cháu An xin nghỉ sáng mai."]
    record = IdempotencyRecord.objects.get()
    assert (record.actor_key, record.path, record.status_code, record.response_body) == (
        f"user:{guardian.pk}",
        "/contact/messages/new/",
        302,
        {"location": first["Location"]},
    )


def test_another_text_or_no_once_runs_again(district, guardian, teacher, as_user):
    client = as_user(guardian)
    send(client, district, teacher, "Tin thứ nhất")
    send(client, district, teacher, "Tin thứ hai")  # same page, edited: a new message
    send(client, district, teacher, "Không có once", once=None)
    send(client, district, teacher, "Không có once", once=None)
    send(client, district, teacher, "Sai dạng", once="not-hex!")
    send(client, district, teacher, "Sai dạng", once="not-hex!")
    assert sorted(Message.objects.values_list("body", flat=True)) == [
        "Không có once", "Không có once", "Sai dạng", "Sai dạng", "Tin thứ hai", "Tin thứ nhất",
    ]  # fmt: skip
    assert IdempotencyRecord.objects.count() == 2


def test_a_send_that_failed_is_not_kept(district, guardian, teacher, as_user):
    client = as_user(guardian)
    refused = send(client, district, teacher, "x" * 2001)  # too long: the page again, 400
    assert (refused.status_code, notes(refused)) == (400, ["Tin nhắn dài tối đa 2000 ký tự."])
    assert IdempotencyRecord.objects.count() == 0
    refused_again = send(client, district, teacher, "x" * 2001)
    # It ran again (refused again, not replayed with the "already sent" note).
    assert (refused_again.status_code, notes(refused_again)) == (
        400,
        ["Tin nhắn dài tối đa 2000 ký tự."],
    )
    fixed = send(client, district, teacher, "Thưa cô")  # the same page, corrected: it lands
    assert (fixed.status_code, notes(fixed)) == (302, [])
    assert list(Message.objects.values_list("body", flat=True)) == ["Thưa cô"]


def test_another_user_with_the_same_once_is_not_replayed(
    district, guardian, teacher, as_user, client
):
    send(as_user(teacher), district, guardian, "Chào chị")
    send(as_user(guardian), district, teacher, "Chào chị")
    assert Message.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_the_same_moment_write_one_message(district, guardian, teacher, client):
    """PostgreSQL: the second waits on the record's unique index, then replays."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL only (SQLite serialises them)")
    from django.test import Client  # noqa: PLC0415

    from tests.pages.conftest import otp_login  # noqa: PLC0415

    clients = [otp_login(Client(), guardian), otp_login(Client(), guardian)]

    def post(c):
        try:
            return send(c, district, teacher, "Cùng lúc")["Location"]
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        locations = list(pool.map(post, clients))
    assert locations[0] == locations[1]
    assert Message.objects.count() == 1


def test_keys_are_forgotten_after_thirty_days(district, guardian, teacher, as_user):
    import datetime as dt  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    from edudx.core.idempotency import purge_expired  # noqa: PLC0415

    client = as_user(guardian)
    send(client, district, teacher, "Cũ")
    send(client, district, teacher, "Mới", once="f" * 32)
    now = timezone.now()
    IdempotencyRecord.objects.filter(key__startswith=f"form:{ONCE}").update(
        created_at=now - dt.timedelta(days=30, seconds=1)
    )
    assert purge_expired(now=now) == 1
    assert [r.key[:37] for r in IdempotencyRecord.objects.all()] == ["form:" + "f" * 32]
    send(client, district, teacher, "Cũ")  # forgotten: sent again, it runs again
    assert Message.objects.filter(body="Cũ").count() == 2
