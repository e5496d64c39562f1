"""/api/v1/exams end to end: import, matrix, paper, PDF, test, start, autosave, submit."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from edudx.exams.models import Attempt, AttemptAnswer, Question
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"


@pytest.fixture
def teacher_api(teacher):
    return token_client(teacher)


def test_import_search_export(teacher_api, maths):
    response = teacher_api.post(
        f"{API}/exams/questions/import",
        {
            "file": io.BytesIO((FILES / "sample.gift").read_bytes()),
            "format": "gift",
            "subject_id": maths.pk,
            "grade": 6,
            "topic_code": "so-tu-nhien",
        },
        headers={"Idempotency-Key": "import-1"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (len(body["created"]), body["duplicates"], body["unsupported"]) == (11, [], [])
    replay = teacher_api.post(
        f"{API}/exams/questions/import",
        {
            "file": io.BytesIO((FILES / "sample.gift").read_bytes()),
            "format": "gift",
            "subject_id": maths.pk,
            "grade": 6,
            "topic_code": "so-tu-nhien",
        },
        headers={"Idempotency-Key": "import-1"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert Question.objects.count() == 11
    found = teacher_api.get(f"{API}/exams/questions", {"text": "thu do viet nam"}).json()
    assert [q["name"] for q in found["items"]] == ["Điền từ"]
    ids = ",".join(map(str, body["created"]))
    out = teacher_api.get(f"{API}/exams/questions/export", {"format": "gift", "ids": ids})
    assert out.status_code == 200 and "::Ký tự đặc biệt::" in out.content.decode()


def test_malformed_gift_over_the_api_names_the_line_in_english(teacher_api, maths):
    response = teacher_api.post(
        f"{API}/exams/questions/import",
        {
            "file": io.BytesIO((FILES / "bad.gift").read_bytes()),
            "format": "gift",
            "subject_id": maths.pk,
            "grade": 6,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["row"] == 5
    assert response.json()["message"] == "Line 5: missing “}” closing the answers."


def test_paper_pdf_and_online_test_over_the_api(
    teacher, teacher_api, maths, district, student_user
):
    from .conftest import bank  # noqa: PLC0415

    bank(teacher, maths)
    matrix = teacher_api.post(
        f"{API}/exams/matrices",
        {
            "name": "M",
            "subject_id": maths.pk,
            "grade": 6,
            "cells": [
                {"topic": "phan-so", "level": "nb", "count": 2, "points": "1"},
                {"topic": "phan-so", "level": "vd", "count": 1, "points": "1", "kind": "tf4"},
            ],
        },
        content_type="application/json",
    ).json()
    assert matrix["total_questions"] == 3 and matrix["total_points"] == "3"
    paper = teacher_api.post(
        f"{API}/exams/papers",
        {"matrix_id": matrix["id"], "title": "Kiểm tra 15 phút", "versions": 2, "seed": 3},
        content_type="application/json",
    )
    assert paper.status_code == 201, paper.content
    paper = paper.json()
    assert [v["code"] for v in paper["versions"]] == ["101", "102"]
    pdf = teacher_api.get(f"{API}/exams/papers/{paper['id']}/versions/101/pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Mã đề: 101" in text and "Câu 1" in text and "2+" in text
    sheet = teacher_api.get(f"{API}/exams/papers/{paper['id']}/versions/102/pdf?part=sheet")
    assert "PHIẾU TRẢ LỜI" in PdfReader(io.BytesIO(sheet.content)).pages[0].extract_text()
    now = timezone.now()
    test = teacher_api.post(
        f"{API}/exams/tests",
        {
            "paper_id": paper["id"],
            "class_id": district.class_a.pk,
            "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
            "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
            "duration_minutes": 15,
        },
        content_type="application/json",
    )
    assert test.status_code == 201, test.content
    assert test.json()["attempts"] == 2

    student = token_client(student_user, **{"X-Device-Token": "phone-1234"})
    mine = student.get(f"{API}/exams/my/attempts").json()
    assert [m["status"] for m in mine] == ["ready"]
    attempt = mine[0]["attempt"]
    state = student.post(f"{API}/exams/attempts/{attempt}/start").json()
    assert state["status"] == "started" and len(state["paper"]["questions"]) == 3
    first = state["paper"]["questions"][0]
    url = f"{API}/exams/attempts/{attempt}/answers/{first['qv']}"
    saved = student.put(url, {"response": "a", "seq": 2}, content_type="application/json").json()
    assert saved["stored"] is True
    older = student.put(url, {"response": "b", "seq": 1}, content_type="application/json").json()
    assert older["stored"] is False
    other = token_client(student_user, **{"X-Device-Token": "laptop-9876"})
    refused = other.put(url, {"response": "b", "seq": 3}, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (409, "exams.attempt.other_device")
    not_mine = student.put(
        f"{API}/exams/attempts/{attempt}/answers/999999",
        {"response": "a", "seq": 4},
        content_type="application/json",
    )
    assert (not_mine.status_code, not_mine.json()["code"]) == (400, "exams.answer.not_in_version")
    result = student.post(f"{API}/exams/attempts/{attempt}/submit").json()
    assert result["status"] == "submitted" and result["score"] == "1.00"
    assert AttemptAnswer.objects.get(attempt_id=attempt).response == "a"
    results = teacher_api.get(f"{API}/exams/tests/{test.json()['id']}/results").json()
    assert [(r["full_name"], r["score"], r["mark"]) for r in results] == [
        ("Nguyễn Văn An", "1.00", "3.3"),
        ("Trần Thị Bình", None, None),
    ]
    # Another student's attempt is not reachable.
    b = Attempt.objects.exclude(pk=attempt).get()
    assert student.post(f"{API}/exams/attempts/{b.pk}/start").status_code == 404


def test_bank_search_query_count_does_not_grow(teacher_api, teacher, maths):
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from .conftest import bank  # noqa: PLC0415

    bank(teacher, maths, per_cell=1)
    teacher_api.get(f"{API}/exams/questions", {"page_size": 1})  # the token's last_used write
    with CaptureQueriesContext(connection) as small_q:
        small = teacher_api.get(f"{API}/exams/questions", {"page_size": 2})
    with CaptureQueriesContext(connection) as large_q:
        large = teacher_api.get(f"{API}/exams/questions", {"page_size": 50})
    assert len(small.json()["items"]) == 2 and len(large.json()["items"]) == 13
    assert len(large_q.captured_queries) == len(small_q.captured_queries) <= 8
