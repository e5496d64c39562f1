"""The bank and the matrices speak the curriculum's language: a question tagged with a
topic code of CT GDPT 2018 (content.Topic) shows the topic's title, forms suggest the
subject and grade's topics, the bank comes 30 questions to a page with topic and kind
filters, and each saved matrix shows its cells with what the bank has for them. A matrix
typed wrong comes back with its text and an error naming the line; nothing is saved."""

import re

import pytest

from edudx.content import curriculum
from edudx.content.models import Topic
from edudx.exams import services
from edudx.exams.demo import curriculum_codes
from edudx.exams.models import Matrix, Question
from tests.pages.conftest import otp_login

from .conftest import bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics(maths):
    if not Topic.objects.filter(subject=maths, grade=6).exists():
        curriculum.load_files()
    return {t.code: t.title for t in Topic.objects.filter(subject=maths, grade=6)}


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card"><a href="/exams/questions/(\d+)/">', html)


def test_the_bank_pages_filters_and_names_topics(client, teacher, maths, topics):
    assert topics["6.phanso"] == "Phân số"
    bank(teacher, maths, topics=("6.phanso", "tu-dat"), per_cell=6)  # 16 + 16 + 1 essay
    otp_login(client, teacher)
    first = client.get("/exams/").content.decode()
    second = client.get("/exams/?page=2").content.decode()
    assert '<p class="count-line">33 câu hỏi · trang 1/2</p>' in first
    assert (len(cards(first)), len(cards(second))) == (30, 3)
    # A pager above and below the cards, each with its own name (axe: landmark-unique).
    assert first.count('<nav class="pager" aria-label="Trang">') == 1
    assert first.count('<nav class="pager" aria-label="Trang, cuối danh sách">') == 1
    assert set(cards(first)).isdisjoint(cards(second))
    assert ' · <span title="6.phanso">Phân số</span> · ' in first + second
    assert " · tu-dat · " in first + second  # a code of the school's own: shown as typed
    # The curriculum's topics are offered to the filter and the import form.
    option = f'<option value="6.phanso" data-subject="{maths.pk}" data-grade="6">Phân số (Toán 6)'
    assert option in first
    assert first.count('<datalist id="f-topics">') == 1
    assert first.count('<datalist id="i-topics">') == 1
    only = client.get("/exams/?topic=6.phanso&kind=tf4").content.decode()
    assert '<p class="count-line">2 câu hỏi · trang 1/1</p>' in only
    assert sorted(map(int, cards(only))) == sorted(
        Question.objects.filter(topic_code="6.phanso", kind="tf4").values_list("pk", flat=True)
    )


def test_a_question_names_its_topic_and_outcome(client, teacher, maths, topics):
    bank(teacher, maths, topics=("6.phanso",), per_cell=1)
    q = Question.objects.filter(kind="single").first()
    q.outcome_code = "6.phanso.3"
    q.save(update_fields=["outcome_code"])
    otp_login(client, teacher)
    page = client.get(f"/exams/questions/{q.pk}/").content.decode()
    assert " · Phân số (6.phanso) · 6.phanso.3 · " in page
    assert (
        '<p class="outcome">Yêu cầu cần đạt: Thực hiện được các phép tính cộng, trừ, nhân, '
        "chia với phân số.</p>"
    ) in page
    # Suggestions: grade 6 maths topics only, and their outcomes.
    listed = re.search(r'<datalist id="e-topics">(.*?)</datalist>', page, re.S).group(1)
    assert re.findall(r'value="([^"]+)"', listed) == list(topics)
    assert '<option value="6.phanso.3">' in page


def test_saved_matrices_show_each_cell_and_what_the_bank_has(client, teacher, maths, topics):
    bank(teacher, maths, topics=("6.phanso",), per_cell=3)  # 3 nb, 3 th, 2 tf4, 2 short, essay
    otp_login(client, teacher)
    response = client.post(
        "/exams/papers/",
        {
            "action": "matrix",
            "name": "Giữa kì",
            "subject": maths.pk,
            "grade": 6,
            "cells": "6.phanso; Nhận biết; 2; 0,5\n\n6.phanso; vdc; 3; 1; tu luan\n",
        },
        follow=True,
    )
    page = response.content.decode()
    m = Matrix.objects.get()
    assert m.cells == [
        {"topic": "6.phanso", "level": "nb", "count": 2, "points": "0.5", "kind": ""},
        {"topic": "6.phanso", "level": "vdc", "count": 3, "points": "1", "kind": "essay"},
    ]
    assert "Đã lưu ma trận “Giữa kì”." in page
    assert "Ngân hàng chưa đủ câu hỏi cho 1 ô của ma trận; xem bảng “Ma trận đã lưu”." in page
    table = re.search(
        rf'<article class="card matrix" aria-labelledby="h-m{m.pk}">(.*?)</article>', page, re.S
    )
    rows = [
        [
            " ".join(re.sub(r"<[^>]+>", " ", td).split())
            for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        for tr in re.findall(r"<tr(?: class=\"short\")?>(.*?)</tr>", table.group(1), re.S)
    ]
    assert rows[1:] == [
        ["Phân số (6.phanso)", "Nhận biết", "Mọi loại", "2", "0,5", "3"],
        ["Phân số (6.phanso)", "Vận dụng cao", "Tự luận", "3", "1", "1 — cần 3"],
    ]
    assert "Toán · Khối 6 · tổng 4 điểm · " in table.group(1)
    assert "ngân hàng chưa đủ câu để tạo đề" in table.group(1)
    assert "Tạo đề từ ma trận này" not in table.group(1)  # short: no paper can be made yet
    full = services.matrix_create(
        actor=teacher, name="Đủ câu", subject_id=maths.pk, grade=6,
        cells=[{"topic": "6.phanso", "level": "nb", "count": 2, "points": "1"}],
    )  # fmt: skip
    page = client.get(f"/exams/papers/?matrix={full.pk}").content.decode()
    assert f'<a href="?matrix={full.pk}#h-gen">Tạo đề từ ma trận này</a>' in page
    assert f'<option value="{full.pk}" selected>Đủ câu (Toán 6)</option>' in page
    assert f'<option value="{m.pk}">Giữa kì (Toán 6)</option>' in page


def test_a_matrix_typed_wrong_comes_back_with_its_text(client, teacher, maths, topics):
    otp_login(client, teacher)
    typed = "6.phanso; nb; 2; 0,5\n6.phanso; th; 2\n6.phanso; xyz; 1; 1\n6.phanso; nb; 1; 11; abc"
    response = client.post(
        "/exams/papers/",
        {"action": "matrix", "name": "Cuối kì", "subject": maths.pk, "grade": 6, "cells": typed},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert Matrix.objects.count() == 0
    assert f">{typed}</textarea>" in page
    assert 'value="Cuối kì"' in page
    assert "Dòng 2: Cần đủ: mã chủ đề; mức độ; số câu; điểm mỗi câu (cách nhau bằng dấu ;)." in page
    # The line's format is checked first; the values of the others once every line has its parts.
    fixed = typed.replace("6.phanso; th; 2\n", "6.phanso; th; 2; 1\n")
    page = client.post(
        "/exams/papers/",
        {"action": "matrix", "name": "Cuối kì", "subject": maths.pk, "grade": 6, "cells": fixed},
    ).content.decode()
    assert "Dòng 3: Mức độ nhận thức không hợp lệ (nb, th, vd hoặc vdc)." in page
    assert "Dòng 4: Loại câu hỏi không hợp lệ." in page
    assert "Dòng 4: Điểm mỗi câu phải lớn hơn 0 và không quá 10." in page
    assert Matrix.objects.count() == 0


def test_a_matrix_needs_a_grade_of_school(teacher, maths):
    with pytest.raises(services.DomainError) as exc:
        services.matrix_create(
            actor=teacher, name="M", subject_id=maths.pk, grade=0,
            cells=[{"topic": "x", "level": "nb", "count": 1, "points": "1"}],
        )  # fmt: skip
    assert (exc.value.code, exc.value.field) == ("exams.matrix.grade", "grade")


def test_the_demo_bank_uses_the_curriculum_codes_where_the_grade_has_them(maths, topics):
    assert curriculum_codes(maths, 6) == {
        "so-tu-nhien": "6.sotunhien",
        "phan-so": "6.phanso",
        "hinh-hoc": "6.hinhphang",
    }
    assert curriculum_codes(maths, 8) == {  # the band of grades 7 and up: grade 8's topics
        "hang-dang-thuc": "8.hangdangthuc",
        "phuong-trinh": "8.phuongtrinh",
        "pythagore": "8.pythagore",
    }
    assert curriculum_codes(maths, 9) == {  # no grade-9 topics shipped: the demo's own codes
        "hang-dang-thuc": "hang-dang-thuc",
        "phuong-trinh": "phuong-trinh",
        "pythagore": "pythagore",
    }
