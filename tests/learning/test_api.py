"""/api/v1 online classes, assignments and submissions, scoped."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from edudx.learning.models import Submission
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50


def test_class_assignment_submission_flow(district, teacher, toan, student_a1, student_b1):
    t = token_client(teacher)
    oc = t.post(
        f"{API}/online-classes",
        {"class_id": district.class_a.pk, "subject_id": toan.pk},
        content_type="application/json",
        headers={"Idempotency-Key": "oc-1"},
    )
    assert oc.status_code == 201, oc.content
    oc_id = oc.json()["id"]
    assert oc.json()["title"] == "Toán – 6A1"
    a = t.post(
        f"{API}/online-classes/{oc_id}/assignments",
        {"title": "Bài tập 1", "due_at": "2030-01-01T10:00:00+07:00"},
        content_type="application/json",
    )
    assert a.status_code == 201, a.content
    aid = a.json()["id"]

    s = token_client(student_a1)
    assert s.get(f"{API}/assignments/{aid}").json()["status"] == "open"
    sub = s.post(
        f"{API}/assignments/{aid}/submissions",
        {"text": "Bài làm", "file": SimpleUploadedFile("anh.jpg", JPEG)},
        headers={"Idempotency-Key": "sub-1"},
    )
    assert sub.status_code == 201, sub.content
    assert (sub.json()["late"], sub.json()["mime"]) == (False, "image/jpeg")
    replay = s.post(
        f"{API}/assignments/{aid}/submissions",
        {"text": "Bài làm", "file": SimpleUploadedFile("anh.jpg", JPEG)},
        headers={"Idempotency-Key": "sub-1"},
    )
    assert replay["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1
    assert s.get(f"{API}/assignments/{aid}").json()["status"] == "submitted"

    other = token_client(student_b1)
    assert other.get(f"{API}/assignments/{aid}").status_code == 404
    assert other.post(f"{API}/assignments/{aid}/submissions", {"text": "x"}).status_code == 404
    assert other.get(f"{API}/online-classes/{oc_id}/assignments").status_code == 404
    assert other.get(f"{API}/online-classes").json()["count"] == 0
    listed = s.get(f"{API}/online-classes", {"q": "toan"}).json()
    assert ([c["id"] for c in listed["items"]], listed["count"]) == ([oc_id], 1)
    assert s.get(f"{API}/online-classes", {"q": "ngu van"}).json()["items"] == []

    sid = sub.json()["id"]
    g = t.post(
        f"{API}/submissions/{sid}/grade",
        {"score": "9.5", "comment": "Tốt"},
        content_type="application/json",
    )
    assert (g.status_code, g.json()["score"]) == (200, "9.5")
    assert s.get(f"{API}/assignments/{aid}").json()["status"] == "graded"
    # A student cannot read another's submission list: only their own.
    assert [x["id"] for x in s.get(f"{API}/assignments/{aid}/submissions").json()] == [sid]
    gb = t.post(
        f"{API}/assignments/{aid}/gradebook",
        {"term": 1, "kind": "tx1"},
        content_type="application/json",
    )
    assert gb.json() == {"sent": 1, "created": 1, "updated": 0}


def test_live_session_and_lesson(district, teacher, online_class):
    t = token_client(teacher)
    r = t.post(
        f"{API}/online-classes/{online_class.pk}/live-sessions",
        {
            "url": "https://meet.example.vn/a",
            "date": "2025-10-06",
            "periods": 2,
            "attendee_ids": [district.student_a1.pk],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["attendee_ids"] == [district.student_a1.pk]
    bad = t.post(
        f"{API}/online-classes/{online_class.pk}/live-sessions",
        {"url": "https://x.vn", "date": "2020-01-01", "periods": 1},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["field"]) == (400, "date")
    les = t.post(
        f"{API}/online-classes/{online_class.pk}/lessons",
        {"title": "Bài 1", "text": "Đọc SGK", "resource_ids": [12345]},
        content_type="application/json",
    )
    assert (les.status_code, les.json()["field"]) == (400, "resource_ids")
