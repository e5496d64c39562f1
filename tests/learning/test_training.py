"""Teacher professional development: profile, course, attempts, completion with a signed
PDF certificate, and the T20/T21 counts."""

import pytest

from edudx.accounts.models import Role
from edudx.core import signing
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError
from edudx.learning import training

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {
        "text": "Phần mềm nào dùng để soạn bài giảng điện tử?",
        "options": ["Excel", "PowerPoint"],
        "answer": 1,
    },
    {"text": "Mật khẩu mạnh có ít nhất bao nhiêu ký tự?", "options": ["4", "8", "12"], "answer": 2},
]


@pytest.fixture(autouse=True)
def _pki(settings, tmp_path_factory):
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "pki-var"


@pytest.fixture
def course(district):
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    return training.course_create(
        actor=officer,
        provider=district.district,
        title="Năng lực số cho giáo viên",
        questions=QUESTIONS,
    )


def test_profile_course_completion_certificate(district, course):
    teacher = district.teacher_user()
    assert training.teachers_with_profile(unit=district.province) == (0, 2)
    training.profile_save(actor=teacher, digital_competence="intermediate")
    assert training.teachers_with_profile(unit=district.province) == (1, 2)
    assert [c.title for c in training.courses_for(actor=teacher)] == ["Năng lực số cho giáo viên"]
    e = training.enrol(actor=teacher, course=course)
    e = training.attempt(actor=teacher, enrolment=e, answers=[1, 0])  # 50 %
    assert (e.best_percent, e.completed_at, e.attempts) == (50, None, 1)
    assert training.trained_staff(unit=district.province) == (0, 2)
    e = training.attempt(actor=teacher, enrolment=e, answers=[1, 2])  # 100 %
    assert e.best_percent == 100 and e.completed_at is not None
    assert e.certificate_reference.startswith("BD-")
    pdf = bytes(e.certificate_pdf)
    assert pdf.startswith(b"%PDF")
    roots = [signing.demo_ca_ensure().root_cert]
    result = signing.verify_pdf(pdf, trust_roots=roots, expected_fields=["issuer"])
    assert result.verdict == "authentic", result
    assert training.trained_staff(unit=district.province) == (1, 2)
    assert training.trained_staff(unit=district.school_b) == (0, 1)
    # A later attempt keeps the certificate.
    again = training.attempt(actor=teacher, enrolment=e, answers=[0, 0])
    assert (again.best_percent, again.certificate_reference) == (100, e.certificate_reference)


def test_bad_course_and_answers(district, course):
    teacher = district.teacher_user()
    with pytest.raises(Forbidden):
        training.course_create(
            actor=teacher, provider=district.school_a, title="X", questions=QUESTIONS
        )
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    with pytest.raises(DomainError) as exc:
        training.course_create(
            actor=officer, provider=district.province, title="X",
            questions=[{"text": "?", "options": ["a"], "answer": 0}],
        )  # fmt: skip
    assert (exc.value.field, exc.value.item.row) == ("questions", 1)
    e = training.enrol(actor=teacher, course=course)
    with pytest.raises(DomainError):
        training.attempt(actor=teacher, enrolment=e, answers=[1])


def test_training_api(district, course):
    from tests.api.conftest import API, token_client

    teacher = district.teacher_user()
    t = token_client(teacher)
    p = t.post(
        f"{API}/training/profile", {"digital_competence": "basic"}, content_type="application/json"
    )
    assert p.status_code == 200 and p.json()["digital_competence"] == "basic"
    courses = t.get(f"{API}/training/courses").json()
    assert [c["title"] for c in courses] == ["Năng lực số cho giáo viên"]
    assert "answer" not in courses[0]["questions"][0]
    e = t.post(f"{API}/training/courses/{course.pk}/enrolments").json()
    assert t.get(f"{API}/training/enrolments/{e['id']}/certificate").status_code == 400
    done = t.post(
        f"{API}/training/enrolments/{e['id']}/attempts",
        {"answers": [1, 2]},
        content_type="application/json",
    ).json()
    assert done["best_percent"] == 100
    pdf = t.get(done["certificate_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = token_client(district.teacher_user(district.teacher_b))
    assert other.get(done["certificate_url"]).status_code == 404


def test_training_page(client, district, course):
    from django.urls import reverse

    from tests.pages.conftest import otp_login

    teacher = district.teacher_user()
    otp_login(client, teacher)
    url = reverse("learning:training")
    assert "Năng lực số cho giáo viên" in client.get(url).content.decode()
    client.post(url, {"action": "profile", "digital_competence": "advanced"})
    client.post(url, {"action": "attempt", "course": course.pk, "q0": "1", "q1": "2"})
    page = client.get(url).content.decode()
    assert "Đã hoàn thành" in page
    e = course.enrolments.get()
    pdf = client.get(reverse("learning:certificate", args=[e.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
