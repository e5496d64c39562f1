"""Exams pages render for teachers and students (360 px layout is checked in the browser
test); the student's page carries no inline script."""

import datetime as dt

import pytest
from django.utils import timezone

from edudx.exams import services
from tests.pages.conftest import otp_login

from .conftest import bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(teacher, maths, district):
    bank(teacher, maths)
    matrix = services.matrix_create(
        actor=teacher,
        name="M",
        subject_id=maths.pk,
        grade=6,
        cells=[{"topic": "phan-so", "level": "nb", "count": 2, "points": "1"}],
    )
    paper = services.paper_generate(
        actor=teacher, matrix=matrix, title="Đề 15 phút", versions=2, seed=1
    )
    now = timezone.now()
    return services.test_schedule(
        actor=teacher,
        paper=paper,
        class_group=district.class_a,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=1),
        duration_minutes=15,
    )


def test_teacher_pages(client, teacher, scheduled):
    otp_login(client, teacher)
    bank_page = client.get("/exams/?q=phan so")
    assert bank_page.status_code == 200
    assert "<math" in bank_page.content.decode()  # LaTeX rendered as MathML on the server
    assert client.get("/exams/papers/").status_code == 200
    assert client.get("/exams/tests/").status_code == 200
    page = client.get(f"/exams/tests/{scheduled.pk}/")
    assert page.status_code == 200 and "Nguyễn Văn An" in page.content.decode()
    q = scheduled.paper.versions.first().items[0]["qv"]
    from edudx.exams.models import QuestionVersion  # noqa: PLC0415

    qid = QuestionVersion.objects.get(pk=q).question_id
    assert client.get(f"/exams/questions/{qid}/").status_code == 200


def test_student_sees_their_test_and_the_page(client, student_user, scheduled):
    client.force_login(student_user)
    mine = client.get("/exams/my/").content.decode()
    assert "Đề 15 phút" in mine and "Làm bài" in mine
    attempt = scheduled.attempts.get(person_id=student_user.person_id)
    page = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()
    assert 'src="/static/exams/take.js"' in page
    assert "<script>" not in page  # CSP: only external scripts and JSON data
    other = scheduled.attempts.exclude(pk=attempt.pk).get()
    assert client.get(f"/exams/attempts/{other.pk}/").status_code == 404
    assert client.get("/exams/papers/").status_code == 403


def test_teacher_types_a_question_in_gift_then_edits_it(client, teacher, maths):
    otp_login(client, teacher)
    response = client.post(
        "/exams/import/",
        {
            "gift_text": "::Cộng::$2+3$ bằng? {=5 ~6 ~7}",
            "format": "gift",
            "subject": maths.pk,
            "grade": 6,
            "level": "nb",
            "sharing": "school",
        },
    )
    assert response.status_code == 302
    from edudx.exams.models import Question  # noqa: PLC0415

    q = Question.objects.get()
    page = client.get(f"/exams/questions/{q.pk}/").content.decode()
    assert "::Cộng::$2+3$ bằng? {=5 ~6 ~7}" in page
    client.post(
        f"/exams/questions/{q.pk}/",
        {
            "gift_text": "::Cộng::$2+4$ bằng? {=6 ~5 ~7}",
            "level": "th",
            "topic": "so-tu-nhien",
            "outcome": "",
            "sharing": "commune",
        },
    )
    q.refresh_from_db()
    assert (q.current.number, q.current.stem, q.level, q.sharing) == (
        1,
        "$2+4$ bằng?",
        "th",
        "commune",
    )
    assert q.shared_path == district_commune_path(q)


def district_commune_path(q):
    return q.unit.parent.path
