"""Teacher professional development: profile, course, attempts, completion with a signed
PDF certificate, and the T20/T21 counts."""

import re
import threading

import pytest
from django.db import connection, connections, transaction

from edudx.accounts.models import Role
from edudx.core import signing
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, NotFound
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
    first = client.get(url).content.decode()
    assert "Năng lực số cho giáo viên" in first
    # Each question must be answered before the test is sent (one required radio a group).
    assert re.findall(r'<input type="radio" name="(q\d)" value="(\d)" required>', first) == [
        ("q0", "0"),
        ("q1", "0"),
    ]
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
    assert bad.status_code == 400 and Course.objects.count() == 0
    assert "Tên khoá học: Thiếu tiêu đề." in text
    assert text.count("autofocus") == 1
    assert re.search(r'<input [^>]*name="title"[^>]*aria-describedby="e-title" autofocus>', text)
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


# --- editing a course ---------------------------------------------------------------------

NEW_QUESTIONS = [
    {"text": "  Định dạng nào là bài giảng điện tử? ", "options": ["pptx", "xlsx"], "answer": 0}
]
LOCKED = (
    "Không sửa được câu hỏi: khoá học đã có người làm bài kiểm tra, kết quả và giấy chứng "
    "nhận đã cấp được tính theo bộ câu hỏi hiện tại. Hãy tạo khoá học mới nếu cần bộ câu "
    "hỏi khác."
)
LOCKED_EN = (
    "The questions cannot be changed: someone has already taken the course's test, and "
    "their results and the certificates issued were earned against the current questions. "
    "Create a new course if you need different questions."
)


def _course_trail(course):
    from edudx.audit.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type="learning.course", object_id=str(course.pk), action="update"
    )


def test_course_update_before_attempts(district, course):
    officer = course.created_by
    # Not only its creator: anyone who may create courses for its unit (an officer above).
    province_officer = district.user(Role.PROVINCE_OFFICER, district.province)
    training.course_update(
        actor=province_officer,
        course=course,
        title="  Năng lực   số 2026 ",
        questions=NEW_QUESTIONS,
        pass_percent="60",
        digital_competence=False,
    )
    course.refresh_from_db()
    assert (course.title, course.pass_percent, course.digital_competence, course.description) == (
        "Năng lực số 2026",
        60,
        False,
        "",
    )
    assert course.questions == [
        {"text": "Định dạng nào là bài giảng điện tử?", "options": ["pptx", "xlsx"], "answer": 0}
    ]
    (event,) = _course_trail(course)
    assert (event.actor, sorted(event.changes)) == (
        province_officer,
        ["digital_competence", "pass_percent", "questions", "title"],
    )
    assert event.changes["title"] == ["Năng lực số cho giáo viên", "Năng lực số 2026"]
    assert event.changes["pass_percent"] == ["70", "60"]
    # Nothing changes: no audit entry.
    training.course_update(actor=officer, course=course, title="Năng lực số 2026")
    assert _course_trail(course).count() == 1
    # The same validation as course_create; nothing written.
    with pytest.raises(DomainError) as exc:
        training.course_update(
            actor=officer,
            course=course,
            title="Khác",
            questions=[{"text": "?", "options": ["a"], "answer": 0}],
        )
    assert (exc.value.code, exc.value.field, exc.value.item.row) == (
        "learning.training.questions",
        "questions",
        1,
    )
    with pytest.raises(DomainError) as exc:
        training.course_update(actor=officer, course=course, title=" ")
    assert (exc.value.code, exc.value.field) == ("learning.title", "title")
    with pytest.raises(DomainError) as exc:
        training.course_update(actor=officer, course=course, pass_percent=101)
    assert (exc.value.code, exc.value.field) == ("learning.training.pass", "pass_percent")
    course.refresh_from_db()
    assert (course.title, course.pass_percent) == ("Năng lực số 2026", 60)
    assert _course_trail(course).count() == 1


def test_course_update_after_an_attempt(district, course):
    officer = course.created_by
    teacher = district.teacher_user()
    e = training.attempt(actor=teacher, enrolment=training.enrol(actor=teacher, course=course),
                         answers=[1, 0])  # fmt: skip
    assert (e.attempts, e.best_percent, e.completed_at) == (1, 50, None)
    assert training.questions_locked(course) is True
    with pytest.raises(DomainError) as exc:
        training.course_update(
            actor=officer, course=course, title="Tiêu đề mới", questions=NEW_QUESTIONS
        )
    assert (exc.value.code, exc.value.field, str(exc.value.item.message)) == (
        "learning.training.questions_locked",
        "questions",
        LOCKED,
    )
    course.refresh_from_db()
    assert (course.title, course.questions) == ("Năng lực số cho giáo viên", QUESTIONS)
    # Questions sent unchanged are no change; the title is accepted.
    training.course_update(actor=officer, course=course, title="Tiêu đề mới", questions=QUESTIONS)
    course.refresh_from_db()
    assert (course.title, course.questions) == ("Tiêu đề mới", QUESTIONS)
    assert list(_course_trail(course).values_list("changes", flat=True)) == [
        {"title": ["Năng lực số cho giáo viên", "Tiêu đề mới"]}
    ]
    # A lower pass mark applies to the next attempt; a higher one revokes nothing.
    training.course_update(actor=officer, course=course, pass_percent=50)
    e = training.attempt(actor=teacher, enrolment=e, answers=[1, 0])  # 50 %
    assert (e.attempts, e.best_percent, e.completed_at is not None) == (2, 50, True)
    reference = e.certificate_reference
    training.course_update(actor=officer, course=course, pass_percent=100)
    e.refresh_from_db()
    assert (e.completed_at is not None, e.certificate_reference) == (True, reference)
    assert bytes(e.certificate_pdf).startswith(b"%PDF")


def test_course_update_by_another_unit_is_refused(district):
    principal_a = district.user(Role.PRINCIPAL, district.school_a)
    course = training.course_create(
        actor=principal_a, provider=district.school_a, title="Bồi dưỡng tổ Toán",
        questions=QUESTIONS,
    )  # fmt: skip
    for outsider in (
        district.user(Role.PRINCIPAL, district.school_b),
        district.user(Role.COMMUNE_OFFICER, district.commune_b),
        district.teacher_user(),  # offered the course, manages nothing
    ):
        with pytest.raises(Forbidden):
            training.course_update(actor=outsider, course=course, title="Sửa trộm")
    course.refresh_from_db()
    assert course.title == "Bồi dưỡng tổ Toán"
    assert _course_trail(course).count() == 0
    # The officer of the commune above the school may.
    training.course_update(
        actor=district.user(Role.COMMUNE_OFFICER, district.commune_a), course=course,
        description="Dành cho tổ Toán",
    )  # fmt: skip
    course.refresh_from_db()
    assert course.description == "Dành cho tổ Toán"
    # Fetching it to edit: offered but not editable → 403; not offered → 404.
    with pytest.raises(Forbidden):
        training.course_get_to_edit(actor=district.teacher_user(), course_id=course.pk)
    with pytest.raises(NotFound):
        training.course_get_to_edit(
            actor=district.teacher_user(district.teacher_b), course_id=course.pk
        )
    with pytest.raises(NotFound):
        training.course_get_to_edit(
            actor=district.user(Role.PRINCIPAL, district.school_b), course_id=course.pk
        )
    assert training.course_get_to_edit(actor=principal_a, course_id=course.pk) == course


def test_course_update_api(district, course):
    from tests.api.conftest import API, token_client

    officer = token_client(course.created_by)
    url = f"{API}/training/courses/{course.pk}"
    r = officer.patch(url, {"title": "An toàn thông tin"}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "id": course.pk,
        "title": "An toàn thông tin",
        "description": "",
        "provider": district.district.name,
        "resource_ids": [],
        "questions": [{"text": q["text"], "options": q["options"]} for q in QUESTIONS],
        "pass_percent": 70,
        "withdrawn_at": None,
    }
    r = officer.patch(
        url, {"questions": NEW_QUESTIONS, "pass_percent": 55}, content_type="application/json"
    )
    assert (r.status_code, r.json()["questions"], r.json()["pass_percent"]) == (
        200,
        [{"text": "Định dạng nào là bài giảng điện tử?", "options": ["pptx", "xlsx"]}],
        55,
    )
    course.refresh_from_db()
    assert (course.title, course.questions[0]["answer"]) == ("An toàn thông tin", 0)
    missing = officer.patch(url, {"resource_ids": [999999]}, content_type="application/json")
    assert (missing.status_code, missing.json()["code"], missing.json()["field"]) == (
        400,
        "learning.resource",
        "resource_ids",
    )
    # Once someone has taken the test, its questions stay; the message says why.
    teacher = district.teacher_user()
    training.attempt(
        actor=teacher, enrolment=training.enrol(actor=teacher, course=course), answers=[1]
    )
    body = {"questions": QUESTIONS}
    locked = officer.patch(url, body, content_type="application/json")
    assert (locked.status_code, locked.json()) == (
        400,
        {
            "code": "learning.training.questions_locked",
            "message": LOCKED,
            "field": "questions",
            "row": None,
        },
    )
    english = token_client(course.created_by, **{"Accept-Language": "en"})
    locked_en = english.patch(url, body, content_type="application/json")
    assert (locked_en.status_code, locked_en.json()["message"]) == (400, LOCKED_EN)
    course.refresh_from_db()
    assert course.questions == [
        {"text": "Định dạng nào là bài giảng điện tử?", "options": ["pptx", "xlsx"], "answer": 0}
    ]
    # Scope: offered but not editable → 403; not offered, or no such course → 404.
    forbidden = token_client(teacher).patch(url, {"title": "X"}, content_type="application/json")
    assert (forbidden.status_code, forbidden.json()["code"], forbidden.json()["message"]) == (
        403,
        "learning.training.forbidden",
        "Bạn không quản lý đơn vị này.",
    )
    forbidden_en = token_client(teacher, **{"Accept-Language": "en"}).patch(
        url, {"title": "X"}, content_type="application/json"
    )
    assert forbidden_en.json()["message"] == "You do not manage this unit."
    # (the district's course is offered to every teacher under it; a commune officer
    # elsewhere is neither offered it nor manages it)
    other = token_client(district.user(Role.COMMUNE_OFFICER, district.commune_b))
    hidden = other.patch(url, {"title": "X"}, content_type="application/json")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "learning.course")
    gone = officer.patch(f"{API}/training/courses/999999", {}, content_type="application/json")
    assert (gone.status_code, gone.json()["message"]) == (404, "Không tìm thấy khoá học.")
    course.refresh_from_db()
    assert course.title == "An toàn thông tin"


def test_course_edit_page(client, district, course):
    from django.urls import reverse

    from tests.pages.conftest import otp_login

    officer = course.created_by
    otp_login(client, officer)
    url = reverse("learning:course_edit", args=[course.pk])
    training_url = reverse("learning:training")
    assert f'href="{url}"' in client.get(training_url).content.decode()
    page = client.get(url).content.decode()
    assert 'name="title" maxlength="200" value="Năng lực số cho giáo viên"' in page
    assert 'name="pass_percent" type="number" min="1" max="100" inputmode="numeric" value="70"' in (
        page
    )
    assert 'name="q2-text" value="Mật khẩu mạnh có ít nhất bao nhiêu ký tự?"' in page
    assert ">4\n8\n12</textarea>" in page
    assert 'name="q2-answer" type="number" min="1" max="20" inputmode="numeric" value="3"' in page
    assert 'name="edit_questions" value="1"' in page and " disabled" not in page
    bad = client.post(url, _course_form(title=" "))
    assert "Tên khoá học: Thiếu tiêu đề." in bad.content.decode()
    done = client.post(url, _course_form(pass_percent="90"))
    assert (done.status_code, done["Location"]) == (302, training_url)
    course.refresh_from_db()
    assert (course.title, course.pass_percent, course.provider) == (
        "Chuyển đổi số trong dạy học",
        90,
        district.district,
    )
    assert [q["text"] for q in course.questions] == [
        "Phần mềm nào dùng để soạn bài giảng điện tử?",
        "Mật khẩu mạnh có ít nhất bao nhiêu ký tự?",
    ]
    assert [q["answer"] for q in course.questions] == [1, 2]

    # After an attempt the questions are shown, disabled, with the reason.
    teacher = district.teacher_user()
    training.attempt(
        actor=teacher, enrolment=training.enrol(actor=teacher, course=course), answers=[0, 0]
    )
    page = client.get(url).content.decode()
    assert '<fieldset class="questions" disabled aria-describedby="questions-locked">' in page
    assert "Đã có người làm bài kiểm tra nên không sửa được câu hỏi" in page
    assert 'name="edit_questions"' not in page and 'value="more"' not in page
    # The locked form sends no questions: the title changes, the questions stay.
    locked_form = {k: v for k, v in _course_form(title="Chuyển đổi số 2026").items()
                   if not k.startswith("q")}  # fmt: skip
    done = client.post(url, locked_form)
    assert done.status_code == 302
    course.refresh_from_db()
    assert (course.title, [q["answer"] for q in course.questions]) == (
        "Chuyển đổi số 2026",
        [1, 2],
    )
    # A form opened before the attempt and sent after it: refused, named, nothing saved.
    stale = client.post(
        url, _course_form(title="Khác", edit_questions="1", **{"q1-answer": "1"})
    ).content.decode()
    assert f"Câu hỏi kiểm tra: {LOCKED}" in stale
    course.refresh_from_db()
    assert course.title == "Chuyển đổi số 2026"

    # A teacher offered the course may not edit it; a user neither offered it (no staff
    # post) nor managing its unit (a principal of a school below) does not see it.
    otp_login(client, teacher)
    assert f'href="{url}"' not in client.get(training_url).content.decode()
    assert client.get(url).status_code == 403
    otp_login(client, district.user(Role.PRINCIPAL, district.school_b))
    assert client.get(url).status_code == 404
    assert client.post(url, _course_form()).status_code == 404


def test_course_update_resources(district, course, lesson):
    from edudx.content.models import Resource, ResourceStatus

    officer = course.created_by
    pdf, link = sorted(lesson.resources.all(), key=lambda r: r.pk)
    training.course_update(actor=officer, course=course, resource_ids=[link.pk, pdf.pk])
    assert sorted(course.resources.values_list("pk", flat=True)) == [pdf.pk, link.pk]
    # One it already has stays though no longer published; a new one must be published.
    Resource.objects.filter(pk__in=[pdf.pk, link.pk]).update(status=ResourceStatus.SUBMITTED)
    training.course_update(actor=officer, course=course, resource_ids=[pdf.pk])
    assert list(course.resources.values_list("pk", flat=True)) == [pdf.pk]
    with pytest.raises(DomainError) as exc:
        training.course_update(actor=officer, course=course, resource_ids=[pdf.pk, link.pk])
    assert (exc.value.code, exc.value.field) == ("learning.resource", "resources")
    assert list(course.resources.values_list("pk", flat=True)) == [pdf.pk]
    assert [e.changes for e in _course_trail(course).order_by("pk")] == [
        {"resources": ["[]", f"[{pdf.pk}, {link.pk}]"]},
        {"resources": [f"[{pdf.pk}, {link.pk}]", f"[{pdf.pk}]"]},
    ]


def test_course_edit_page_in_english(client, district, course):
    from django.urls import reverse

    from tests.pages.conftest import otp_login

    officer = course.created_by
    officer.language = "en"
    officer.save(update_fields=["language"])
    teacher = district.teacher_user()
    training.attempt(
        actor=teacher, enrolment=training.enrol(actor=teacher, course=course), answers=[0, 0]
    )
    otp_login(client, officer)
    client.cookies["django_language"] = "en"
    page = client.get(
        reverse("learning:course_edit", args=[course.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "<h1>Edit course</h1>" in page
    assert (
        "Someone has already taken the test, so the questions cannot be changed: their results "
        "and the certificates issued were earned against these questions." in page
    )
    assert (
        "A new pass mark applies to attempts from now on; certificates already issued are not "
        "revoked." in page
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL only (SQLite serialises)"
)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_edit_of_the_questions_waits_for_a_first_attempt_in_progress(district, course):
    from edudx.learning.models import Course

    teacher = district.teacher_user()
    enrolment = training.enrol(actor=teacher, course=course)
    outcome: dict = {}

    def edit():
        try:
            training.course_update(
                actor=course.created_by,
                course=Course.objects.get(pk=course.pk),
                questions=NEW_QUESTIONS,
            )
            outcome["code"] = None
        except DomainError as exc:
            outcome["code"] = exc.code
        finally:
            connections.close_all()

    editor = threading.Thread(target=edit)
    with transaction.atomic():
        training.attempt(actor=teacher, enrolment=enrolment, answers=[1, 0])  # holds the course
        editor.start()
        editor.join(timeout=1.5)
        assert editor.is_alive()  # waiting for the attempt's transaction
    editor.join(timeout=20)
    assert outcome == {"code": "learning.training.questions_locked"}
    course.refresh_from_db()
    assert course.questions == QUESTIONS


# --- taking a course back ---------------------------------------------------------------


def test_a_course_nobody_took_is_deleted(district, course):
    from edudx.audit.models import AuditEvent
    from edudx.learning.models import Course

    teacher = district.teacher_user()
    with pytest.raises(Forbidden):
        training.course_withdraw(actor=teacher, course=course)
    pk = course.pk
    assert training.course_withdraw(actor=course.created_by, course=course) is True
    assert not Course.objects.filter(pk=pk).exists()
    assert list(
        AuditEvent.objects.filter(object_type="learning.course", object_id=str(pk)).values_list(
            "action", flat=True
        )
    ) == ["create", "delete"]
    assert list(training.courses_for(actor=teacher)) == []


def test_a_course_someone_took_is_withdrawn_and_kept_for_them(district, course):
    teacher = district.teacher_user()
    other = district.teacher_user(district.teacher_b)
    e = training.enrol(actor=teacher, course=course)
    e = training.attempt(actor=teacher, enrolment=e, answers=[1, 2])
    assert e.completed_at is not None
    trained_before = training.trained_staff(unit=district.province)

    assert training.course_withdraw(actor=course.created_by, course=course) is False
    course.refresh_from_db()
    assert course.withdrawn_at is not None
    # Offered to nobody new; who took it still has it, its certificate and the T20 count.
    assert [c.pk for c in training.courses_for(actor=teacher)] == [course.pk]
    assert list(training.courses_for(actor=other)) == []
    with pytest.raises(NotFound):
        training.course_get(actor=other, course_id=course.pk)
    assert training.certificate_pdf(e).startswith(b"%PDF")
    assert training.trained_staff(unit=district.province) == trained_before
    # Again: nothing more; then offered again.
    first = course.withdrawn_at
    assert training.course_withdraw(actor=course.created_by, course=course) is False
    course.refresh_from_db()
    assert course.withdrawn_at == first
    training.course_reopen(actor=course.created_by, course=course)
    assert [c.pk for c in training.courses_for(actor=other)] == [course.pk]


def test_withdraw_through_the_api(district, course):
    from tests.api.conftest import API, token_client

    officer = token_client(course.created_by)
    teacher = district.teacher_user()
    training.attempt(actor=teacher, enrolment=training.enrol(actor=teacher, course=course),
                     answers=[0, 0])  # fmt: skip
    url = f"{API}/training/courses/{course.pk}"
    assert token_client(teacher).delete(url).status_code == 403  # offered to them, not theirs
    r = officer.delete(url)
    assert r.status_code == 200, r.content
    assert r.json()["deleted"] is False and r.json()["course"]["withdrawn_at"] is not None
    other = token_client(district.teacher_user(district.teacher_b))
    assert other.get(f"{API}/training/courses").json() == []
    r = officer.patch(url, {"withdrawn": False}, content_type="application/json")
    assert (r.status_code, r.json()["withdrawn_at"]) == (200, None)
    assert [c["id"] for c in other.get(f"{API}/training/courses").json()] == [course.pk]
    fresh = training.course_create(
        actor=course.created_by, provider=district.district, title="Thử", questions=QUESTIONS
    )
    gone = officer.delete(f"{API}/training/courses/{fresh.pk}")
    assert gone.json() == {"deleted": True, "course": None}
    assert officer.delete(f"{API}/training/courses/{fresh.pk}").status_code == 404


def test_withdraw_from_the_edit_page(client, district, course):
    from django.urls import reverse

    from tests.pages.conftest import otp_login

    teacher = district.teacher_user()
    training.enrol(actor=teacher, course=course)
    otp_login(client, course.created_by)
    url = reverse("learning:course_edit", args=[course.pk])
    assert (
        'name="action" value="withdraw">Rút khoá học</button>' in client.get(url).content.decode()
    )
    done = client.post(url, {"action": "withdraw"}, follow=True)
    page = done.content.decode()
    assert "Đã rút khoá học “Năng lực số cho giáo viên”" in page
    assert '<span class="badge">Đã rút</span>' in page
    assert 'value="reopen">Mở lại khoá học</button>' in client.get(url).content.decode()
    client.post(url, {"action": "reopen"})
    course.refresh_from_db()
    assert course.withdrawn_at is None
