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


def _course_form(**extra) -> dict:
    return {
        "action": "save",
        "count": "5",
        "title": "Chuyển đổi số trong dạy học",
        "pass_percent": "80",
        "digital_competence": "1",
        "q1-text": "Phần mềm nào dùng để soạn bài giảng điện tử?",
        "q1-options": "Excel\r\nPowerPoint\r\n",
        "q1-answer": "2",
        "q3-text": "Mật khẩu mạnh có ít nhất bao nhiêu ký tự?",
        "q3-options": "4\n8\n12",
        "q3-answer": "3",
    } | extra


def test_course_create_page(client, district):
    from django.urls import reverse

    from edudx.learning.models import Course
    from tests.pages.conftest import otp_login

    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    otp_login(client, officer)
    training_url, url = reverse("learning:training"), reverse("learning:course_create")
    assert f'href="{url}"' in client.get(training_url).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert f'<option value="{district.district.pk}" selected>' in page.content.decode()
    # Errors name the field; the blank second block is dropped, so "Câu hỏi 2" is the
    # question shown second when the form comes back.
    bad = client.post(
        url,
        _course_form(
            provider=district.district.pk, title=" ", pass_percent="0", **{"q3-options": "4"}
        ),
    )
    text = bad.content.decode()
    assert bad.status_code == 200 and Course.objects.count() == 0
    assert "Tên khoá học: Thiếu tiêu đề." in text
    bad = client.post(url, _course_form(provider=district.district.pk, **{"q3-options": "4"}))
    text = bad.content.decode()
    assert "Câu hỏi kiểm tra: Câu hỏi 2 cần nội dung, ít nhất hai phương án và đáp án đúng." in text
    assert 'name="q2-text" value="Mật khẩu mạnh có ít nhất bao nhiêu ký tự?"' in text
    bad = client.post(url, _course_form(provider=district.district.pk, pass_percent="abc"))
    assert "Ngưỡng đạt (%): Ngưỡng đạt từ 1 đến 100%." in bad.content.decode()
    bad = client.post(url, _course_form(provider=district.school_a.pk))  # not their unit
    assert "Đơn vị tổ chức: Hãy chọn đơn vị tổ chức." in bad.content.decode()
    assert Course.objects.count() == 0
    more = client.post(url, _course_form(action="more", provider=district.district.pk))
    assert 'name="q6-text"' in more.content.decode()

    done = client.post(url, _course_form(provider=district.district.pk))
    assert (done.status_code, done["Location"]) == (302, training_url)
    c = Course.objects.get()
    assert (c.title, c.provider, c.pass_percent, c.digital_competence, c.created_by) == (
        "Chuyển đổi số trong dạy học",
        district.district,
        80,
        True,
        officer,
    )
    assert c.questions == [
        {
            "text": "Phần mềm nào dùng để soạn bài giảng điện tử?",
            "options": ["Excel", "PowerPoint"],
            "answer": 1,
        },
        {
            "text": "Mật khẩu mạnh có ít nhất bao nhiêu ký tự?",
            "options": ["4", "8", "12"],
            "answer": 2,
        },
    ]
    listing = client.get(training_url).content.decode()
    assert "Chuyển đổi số trong dạy học" in listing and "0 ghi danh, 0 hoàn thành" in listing
    # A teacher sees the course, not the form.
    teacher = district.teacher_user()
    otp_login(client, teacher)
    assert "Chuyển đổi số trong dạy học" in client.get(training_url).content.decode()
    assert client.get(url).status_code == 403


def test_course_create_page_in_english(client, district):
    from django.urls import reverse

    from tests.pages.conftest import otp_login

    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    officer.language = "en"
    officer.save(update_fields=["language"])
    otp_login(client, officer)
    client.cookies["django_language"] = "en"
    bad = client.post(
        reverse("learning:course_create"),
        _course_form(provider=district.province.pk, title=""),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Course title: The title is missing." in bad.content.decode()


def test_course_create_api(district):
    from tests.api.conftest import API, token_client

    officer = token_client(district.user(Role.COMMUNE_OFFICER, district.district))
    body = {
        "provider_id": district.district.pk,
        "title": "An toàn thông tin",
        "questions": QUESTIONS,
        "pass_percent": 50,
    }
    r = officer.post(f"{API}/training/courses", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert (r.json()["title"], r.json()["provider"], r.json()["pass_percent"]) == (
        "An toàn thông tin",
        district.district.name,
        50,
    )
    assert "answer" not in r.json()["questions"][0]
    teacher = token_client(district.teacher_user())
    assert (
        teacher.post(f"{API}/training/courses", body, content_type="application/json").json()[
            "code"
        ]
        == "learning.training.forbidden"
    )
    bad = officer.post(
        f"{API}/training/courses",
        body | {"questions": [QUESTIONS[0], {"text": "?", "options": ["a"], "answer": 0}]},
        content_type="application/json",
    ).json()
    assert (bad["field"], bad["row"]) == ("questions", 2)
    unknown = officer.post(
        f"{API}/training/courses",
        body | {"provider_id": 999999},
        content_type="application/json",
    ).json()
    assert unknown["field"] == "provider_id"
    missing = officer.post(
        f"{API}/training/courses",
        body | {"resource_ids": [999999]},
        content_type="application/json",
    ).json()
    assert (missing["code"], missing["field"]) == ("learning.resource", "resource_ids")
