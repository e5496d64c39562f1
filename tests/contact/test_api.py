"""/api/v1/contact: scoped like the pages; POSTs retried with an Idempotency-Key never
duplicate; refusals carry a code and a Vietnamese (or English) reason."""

import datetime as dt

import pytest
from django.test import Client

from edudx.contact import services
from edudx.contact.models import Feedback, Message, Notice
from edudx.notify.models import Notification
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db


def test_contact_book_scoped(district, guardian, guardian_b, teacher):
    api = token_client(guardian)
    children = api.get(f"{API}/contact/children").json()
    assert children == [
        {
            "student_id": district.student_a1.pk,
            "full_name": "Nguyễn Văn An",
            "school": "Trường THCS Lê Lợi",
            "class_name": "6A1",
        }
    ]
    book = api.get(f"{API}/contact/students/{district.student_a1.pk}").json()
    assert book["teachers"] == [
        {"user_id": teacher.pk, "name": "Lê Thị Hoa", "homeroom": True, "subjects": ["Toán"]}
    ]
    assert book["attendance"] == {"excused": 0, "unexcused": 0, "late": 0, "year_absent": 0}
    assert book["fees"] == []  # no invoice issued in this district yet
    other = token_client(guardian_b).get(f"{API}/contact/students/{district.student_a1.pk}")
    assert other.status_code == 404


def test_message_post_is_idempotent_and_refuses_another_class(
    district, guardian, teacher, teacher_b
):
    api = token_client(guardian, **{"Idempotency-Key": "msg-1"})
    body = {"student_id": district.student_a1.pk, "to_user_id": teacher.pk, "body": "Chào cô"}
    first = api.post(f"{API}/contact/messages", body, content_type="application/json")
    again = api.post(f"{API}/contact/messages", body, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert Message.objects.count() == 1
    assert Notification.objects.filter(recipient=teacher, event="contact.message").count() == 1
    thread_id = first.json()["thread_id"]
    t = token_client(teacher).get(f"{API}/contact/threads/{thread_id}").json()
    assert [m["body"] for m in t["messages"]] == ["Chào cô"]
    assert t["unread"] == 1  # counted before this read marked it read
    again = token_client(teacher).get(f"{API}/contact/threads/{thread_id}").json()
    assert again["unread"] == 0
    # A teacher of another class writing to this guardian: refused, with its reason.
    refused = token_client(teacher_b, **{"Accept-Language": "en"}).post(
        f"{API}/contact/messages",
        {"student_id": district.student_a1.pk, "to_user_id": guardian.pk, "body": "Hi"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "message.other_class"
    assert refused.json()["message"] == (
        "You can only message guardians of students in classes you teach."
    )
    assert token_client(teacher_b).get(f"{API}/contact/threads/{thread_id}").status_code == 404
    assert Message.objects.count() == 1
    listed = token_client(teacher).get(f"{API}/contact/threads").json()
    assert [(t["id"], t["student"], t["unread"]) for t in listed["items"]] == [
        (thread_id, "Nguyễn Văn An", 0)  # read: the teacher opened it above
    ]
    assert listed["count"] == 1
    assert token_client(teacher_b).get(f"{API}/contact/threads").json()["count"] == 0


def test_notice_api_with_receipts(district, guardian, teacher):
    api = token_client(teacher, **{"Idempotency-Key": "n-1"})
    body = {
        "audience": "class",
        "class_id": district.class_a.pk,
        "title": "Nghỉ lễ",
        "body": "Học sinh nghỉ thứ Hai.",
    }
    created = api.post(f"{API}/contact/notices", body, content_type="application/json")
    replay = api.post(f"{API}/contact/notices", body, content_type="application/json")
    assert created.status_code == 201 and replay.json() == created.json()
    assert Notice.objects.count() == 1
    nid = created.json()["id"]
    g = token_client(guardian)
    assert [n["title"] for n in g.get(f"{API}/contact/notices").json()["items"]] == ["Nghỉ lễ"]
    assert g.get(f"{API}/contact/notices/{nid}/receipts").status_code == 403
    assert g.post(f"{API}/contact/notices/{nid}/read").status_code == 200
    receipts = token_client(teacher).get(f"{API}/contact/notices/{nid}/receipts").json()
    assert (receipts["recipients"], receipts["read"]) == (1, 1)
    assert receipts["rows"][0]["name"] == "Đỗ Thị Mai"


def test_feedback_api_anonymous_idempotent_and_summary(district, principal):
    anon = Client(headers={"Idempotency-Key": "fb-1"})
    body = {
        "unit_id": district.school_a.pk,
        "kind": "feedback",
        "subject": "Cổng trường",
        "body": "Đèn hỏng.",
        "phone": "0912345678",
    }
    first = anon.post(f"{API}/contact/feedback", body, content_type="application/json")
    again = anon.post(f"{API}/contact/feedback", body, content_type="application/json")
    assert first.status_code == 201 and again.json() == first.json()
    assert Feedback.objects.count() == 1
    code = first.json()["tracking_code"]
    tracked = Client().get(f"{API}/contact/feedback/track", {"code": code, "phone": "0912345678"})
    assert tracked.json()["status"] == "new"
    officer = token_client(principal)
    fid = first.json()["id"]
    assert [f["id"] for f in officer.get(f"{API}/contact/feedback").json()["items"]] == [fid]
    answered = officer.post(
        f"{API}/contact/feedback/{fid}/answer",
        {"answer": "Đã sửa."},
        content_type="application/json",
    )
    assert answered.json()["status"] == "answered"
    rated = Client().post(
        f"{API}/contact/feedback/{fid}/rating",
        {"rating": 5, "code": code, "phone": "0912345678"},
        content_type="application/json",
    )
    assert rated.json()["status"] == "closed"
    summary = officer.get(f"{API}/contact/feedback/summary", {"unit_id": district.school_a.pk})
    assert summary.json() == {
        "received": 1,
        "open": 0,
        "answered": 1,
        "answered_on_time": 1,
        "overdue": 0,
        "rated": 1,
        "mean_rating": 5.0,
        "satisfied_share": 1.0,
    }


def test_leave_request_api_refuses_a_past_month(district, guardian):
    api = token_client(guardian, **{"Accept-Language": "vi"})
    response = api.post(
        f"{API}/contact/students/{district.student_a1.pk}/leave-requests",
        {"from_date": "2020-01-06", "to_date": "2020-01-07", "reason": "Ốm"},
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert response.json()["code"] == "leave.past_month"
    assert response.json()["field"] == "from_date"


def test_notice_for_a_class_the_teacher_does_not_teach(district, teacher_b):
    response = token_client(teacher_b).post(
        f"{API}/contact/notices",
        {"audience": "class", "class_id": district.class_a.pk, "title": "T", "body": "B"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "notice.forbidden_class"
    assert not Notice.objects.exists()
    _ = services, dt


def test_anonymous_feedback_is_rate_limited_per_address(district, settings):
    from django.core.cache import cache

    cache.clear()
    settings.CONTACT_FEEDBACK_PER_HOUR = 2
    body = {
        "unit_id": district.school_a.pk,
        "kind": "feedback",
        "subject": "S",
        "body": "B",
        "phone": "0912345678",
    }
    codes = [
        Client().post(f"{API}/contact/feedback", body, content_type="application/json")
        for _ in range(3)
    ]
    assert [r.status_code for r in codes] == [201, 201, 429]
    assert codes[2].json()["code"] == "feedback.rate_limited"
    assert Feedback.objects.count() == 2
    cache.clear()
