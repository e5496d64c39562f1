"""Exams forms refused for bad input come back as typed (400), each error under its field,
the field marked `aria-invalid` and described by its error, the first one focused
(decision 30) — and nothing is written."""

import datetime as dt
import re

import lxml.html
import pytest

from edudx.exams import services
from edudx.exams.models import Asset, ExamTest, Matrix, Paper, Question
from tests.pages.conftest import otp_login

from .conftest import bank

pytestmark = pytest.mark.django_db


def field(page: str, element_id: str):
    return lxml.html.fromstring(page).get_element_by_id(element_id)


def errors_of(page: str, key: str) -> list[str]:
    """The errors under a field: the one its aria-describedby names and those after it."""
    first = lxml.html.fromstring(page).get_element_by_id(f"e-{key}")
    out = [first.text_content()]
    for p in first.itersiblings():
        if p.tag != "p" or p.get("class") != "field-error" or p.get("id"):
            break
        out.append(p.text_content())
    return out


def marked(el) -> tuple:
    return (el.get("aria-invalid"), el.get("aria-describedby"), el.get("autofocus"))


def test_a_typed_import_with_a_slip_marks_the_box(client, teacher, maths):
    otp_login(client, teacher)
    typed = "::Một::$1+1$ bằng? {=2 ~3}\n\n::Hai::$2+2$ bằng? {=4 ~5"
    r = client.post(
        "/exams/import/",
        {"gift_text": typed, "format": "gift", "subject": maths.pk, "grade": "13", "level": "th",
         "sharing": "school"},
    )  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 400
    box = field(page, "i-text")
    assert (box.text, marked(box)) == (typed, ("true", "e-i_gift_text", ""))
    assert errors_of(page, "i_gift_text") == ["Dòng 3: thiếu dấu “}” đóng đáp án."]
    assert field(page, "i-file").get("aria-invalid") is None  # typed, not a file
    assert page.count("autofocus") == 1
    assert Question.objects.count() == 0
    # Once the text parses, the grade is what is wrong: the grade field is marked.
    r = client.post(
        "/exams/import/",
        {"gift_text": typed + "}", "format": "gift", "subject": maths.pk, "grade": "13",
         "level": "th", "sharing": "school"},
    )  # fmt: skip
    page = r.content.decode()
    grade = field(page, "i-grade")
    assert (grade.get("value"), marked(grade)) == ("13", ("true", "e-i_grade", ""))
    # The grade is the form's, not a line's: said once, without a line number.
    assert errors_of(page, "i_grade") == ["Khối lớp phải từ 1 đến 12."]
    assert field(page, "i-text").get("aria-invalid") is None
    assert Question.objects.count() == 0


def test_an_import_without_file_or_text_marks_the_file(client, teacher, maths):
    otp_login(client, teacher)
    r = client.post("/exams/import/", {"format": "gift", "subject": maths.pk, "grade": "6"})
    page = r.content.decode()
    assert r.status_code == 400
    assert marked(field(page, "i-file")) == ("true", "e-i_file", "")
    assert errors_of(page, "i_file") == ["Chọn tệp cần nhập hoặc gõ câu hỏi theo cú pháp GIFT."]
    assert field(page, "i-grade").get("value") == "6"


def test_a_refused_edit_and_a_refused_image_mark_their_own_form(client, teacher, maths):
    bank(teacher, maths, topics=("phan-so",), per_cell=1)
    q = Question.objects.filter(kind="single").order_by("pk").first()
    otp_login(client, teacher)
    r = client.post(
        f"/exams/questions/{q.pk}/",
        {"gift_text": "::A::Một? {=1 ~2}\n\n::B::Hai? {=2 ~3}", "level": "vd", "topic": "",
         "outcome": "", "sharing": "school"},
    )  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 400
    assert marked(field(page, "e-text")) == ("true", "e-e_gift_text", "")
    assert errors_of(page, "e_gift_text") == ["Hãy nhập đúng một câu hỏi theo cú pháp GIFT."]
    assert field(page, "i-alt").get("value") == ""  # the other form stays as new
    r = client.post(
        f"/exams/questions/{q.pk}/",
        {"form": "image", "alt": "Hình tròn chia 4 phần",
         "image": _upload("hinh.png", b"not an image")},
    )  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 400
    assert marked(field(page, "i-file")) == ("true", "e-img_image", "")
    assert len(errors_of(page, "img_image")) == 1
    assert field(page, "i-alt").get("value") == "Hình tròn chia 4 phần"
    assert field(page, "e-text").get("aria-invalid") is None
    assert q.current.number == 1 and not Asset.objects.exists()


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile(name, data, content_type="image/png")


def test_a_refused_matrix_and_a_refused_paper_keep_to_their_form(client, teacher, maths):
    otp_login(client, teacher)
    typed = "phan-so; nb; 2; 0,5\nphan-so; xyz; 1; 1"
    r = client.post(
        "/exams/papers/",
        {"action": "matrix", "name": "Cuối kì", "subject": maths.pk, "grade": 6, "cells": typed},
    )
    page = r.content.decode()
    assert r.status_code == 400
    cells = field(page, "m-cells")
    assert (cells.text, cells.get("aria-invalid"), cells.get("autofocus")) == (typed, "true", "")
    assert cells.get("aria-describedby") == "e-matrix_cells m-cells-help"
    assert errors_of(page, "matrix_cells") == [
        "Dòng 2: Mức độ nhận thức không hợp lệ (nb, th, vd hoặc vdc)."
    ]
    assert field(page, "m-name").get("value") == "Cuối kì"
    assert field(page, "p-title").get("value") == ""  # the paper form is not the one refused
    assert not Matrix.objects.exists()
    bank(teacher, maths, topics=("phan-so",), per_cell=2)
    m = services.matrix_create(
        actor=teacher, name="Giữa kì", subject_id=maths.pk, grade=6,
        cells=[{"topic": "phan-so", "level": "nb", "count": 2, "points": "1"}],
    )  # fmt: skip
    r = client.post(
        "/exams/papers/",
        {"action": "paper", "matrix": m.pk, "title": "Đề giữa kì", "versions": "30",
         "duration": "45"},
    )  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 400
    versions = field(page, "p-versions")
    assert (versions.get("value"), marked(versions)) == (
        "30",
        ("true", "e-paper_versions", ""),
    )
    assert errors_of(page, "paper_versions") == ["Số mã đề từ 1 đến 24."]
    assert field(page, "p-title").get("value") == "Đề giữa kì"
    assert field(page, "m-name").get("value") == "" and field(page, "m-cells").text is None
    assert not Paper.objects.exists()
    # A negative duration was a server error (the column's CHECK constraint): now refused.
    r = client.post(
        "/exams/papers/",
        {"action": "paper", "matrix": m.pk, "title": "Đề", "versions": "2", "duration": "-1"},
    )
    assert r.status_code == 400
    assert errors_of(r.content.decode(), "paper_duration") == [
        "Thời gian làm bài từ 1 đến 300 phút."
    ]
    assert not Paper.objects.exists()


def a_paper(teacher, maths, title: str):
    bank(teacher, maths)
    matrix = services.matrix_create(
        actor=teacher, name="M", subject_id=maths.pk, grade=6,
        cells=[{"topic": "phan-so", "level": "nb", "count": 2, "points": "1"}],
    )  # fmt: skip
    return services.paper_generate(actor=teacher, matrix=matrix, title=title, versions=1)


def test_a_refused_schedule_comes_back_as_typed(client, teacher, maths, district):
    paper = a_paper(teacher, maths, "Đề 15 phút")
    otp_login(client, teacher)
    typed = {
        "paper": paper.pk, "class": district.class_a.pk, "title": "Kiểm tra 15 phút",
        "opens_at": "2026-12-07T08:00", "closes_at": "2026-12-07T07:00", "duration": "15",
        "mark_kind": "tx2", "term": "2",
    }  # fmt: skip
    r = client.post("/exams/tests/", typed)
    page = r.content.decode()
    assert r.status_code == 400
    closes = field(page, "t-close")
    assert (closes.get("value"), marked(closes)) == (
        "2026-12-07T07:00",
        ("true", "e-t_closes_at", ""),
    )
    assert errors_of(page, "t_closes_at") == ["Giờ đóng phải sau giờ mở."]
    assert [field(page, i).get("value") for i in ("t-title", "t-open", "t-duration")] == [
        "Kiểm tra 15 phút",
        "2026-12-07T08:00",
        "15",
    ]
    selected = [
        re.sub(r"\s+", " ", o.text_content())
        for o in lxml.html.fromstring(page).xpath("//form//option[@selected]")
    ]
    assert selected[0].startswith("Đề 15 phút") and selected[1].startswith(district.class_a.name)
    assert selected[2:] == ["ĐĐGtx2", "II"]
    assert page.count("autofocus") == 1 and not ExamTest.objects.exists()


def test_the_window_left_empty_marks_the_missing_time(client, teacher, maths, district):
    paper = a_paper(teacher, maths, "Đề")
    otp_login(client, teacher)
    start = (dt.datetime(2026, 12, 7, 8, 0)).strftime("%Y-%m-%dT%H:%M")  # noqa: DTZ001
    r = client.post(
        "/exams/tests/",
        {"paper": paper.pk, "class": district.class_a.pk, "opens_at": start, "closes_at": ""},
    )
    page = r.content.decode()
    assert r.status_code == 400
    assert marked(field(page, "t-close")) == ("true", "e-t_closes_at", "")
    assert field(page, "t-open").get("aria-invalid") is None
