"""Exams pages render for teachers and students (360 px layout is checked in the browser
test); the student's page carries no inline script."""

import datetime as dt

import pytest
from django.utils import timezone

from edudx.exams import services
from edudx.org import services as org_services
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


def test_the_schedule_form_names_grades_and_offers_this_years_classes(client, district, scheduled):
    """Each paper and class says its grade (a paper goes only to classes of its grade);
    last year's 6A1 is not offered beside this year's."""
    org_services.school_year_create(
        actor=None, code="2024-2025", start_date=dt.date(2024, 9, 5), end_date=dt.date(2025, 5, 31)
    )
    last_year = org_services.class_create(
        actor=None, school=district.school_a, school_year_code="2024-2025", name="6A1",
        grade_number=6,
    )  # fmt: skip
    otp_login(client, district.user("principal", district.school_a))
    page = client.get("/exams/tests/").content.decode()
    assert '" data-grade="6">Đề 15 phút · khối 6</option>' in page
    assert (
        f'<option value="{district.class_a.pk}" data-grade="6">6A1 · khối 6 · Trường THCS Lê Lợi'
        "</option>"
    ) in page
    assert f'value="{last_year.pk}"' not in page


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


PNG_1X1 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
    b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe"
    b"\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_teacher_adds_an_image_to_a_question(client, teacher, maths):
    import hashlib  # noqa: PLC0415

    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    from edudx.exams.models import Asset, Question  # noqa: PLC0415

    from .conftest import single  # noqa: PLC0415

    q = services.question_create(
        actor=teacher,
        data=single("Hình vẽ bên có mấy tam giác?", subject_id=maths.pk, grade=6),
    )
    otp_login(client, teacher)
    url = f"/exams/questions/{q.pk}/"
    # A PDF renamed .png is refused by its bytes; nothing is stored.
    r = client.post(
        url,
        {"image": SimpleUploadedFile("hinh.png", b"%PDF-1.4 fake", "image/png")},
        follow=True,
    )
    assert r.status_code == 400
    assert "Tệp “hinh.png” không phải ảnh PNG, JPEG, GIF hay WebP." in r.content.decode()
    big = SimpleUploadedFile("lon.png", PNG_1X1 + b"\0" * (2 * 1024 * 1024), "image/png")
    r = client.post(url, {"image": big}, follow=True)
    assert r.status_code == 400
    assert "Ảnh “lon.png” quá lớn (2049 KB); tối đa 2048 KB." in r.content.decode()
    assert not Asset.objects.exists()
    r = client.post(
        url,
        {"image": SimpleUploadedFile("hinh.png", PNG_1X1, "image/png"), "alt": "Ba [tam] giác"},
        follow=True,
    )
    sha = hashlib.sha256(PNG_1X1).hexdigest()
    q = Question.objects.get(pk=q.pk)
    assert q.current.stem == f"Hình vẽ bên có mấy tam giác?\n![Ba tam giác](asset:{sha})"
    assert Asset.objects.get().mime == "image/png"
    page = r.content.decode()
    assert f'<img class="q-img" src="/exams/assets/{sha}/" alt="Ba tam giác"' in page
    assert client.get(f"/exams/assets/{sha}/").content == PNG_1X1


def test_student_home_says_which_tests_are_open(client, student_user, scheduled):
    """The student's home: "1 bài kiểm tra đang mở" while the test is open and their
    attempt not submitted; nothing once it is submitted."""
    import lxml.html

    def tasks():
        doc = lxml.html.fromstring(client.get("/").content)
        return [
            (a.text_content(), a.get("href")) for a in doc.xpath('//ul[@class="glance tasks"]//a')
        ]

    client.force_login(student_user)
    assert tasks() == [("1 bài kiểm tra đang mở", "/exams/my/")]
    attempt = scheduled.attempts.get(person_id=student_user.person_id)
    services.attempt_start(actor=student_user, attempt_id=attempt.pk, device_token="phone-123")
    assert tasks() == [("1 bài kiểm tra đang mở", "/exams/my/")]  # started, not submitted
    services.attempt_submit(actor=student_user, attempt_id=attempt.pk, device_token="phone-123")
    assert tasks() == []


def test_the_tests_page_comes_twenty_at_a_time_latest_first(client, district, teacher, scheduled):
    now = timezone.now()
    for n in range(1, 21):  # 20 more, each opening a day later than the one before
        services.test_schedule(
            actor=teacher,
            paper=scheduled.paper,
            class_group=district.class_a,
            opens_at=now + dt.timedelta(days=n),
            closes_at=now + dt.timedelta(days=n, hours=1),
            duration_minutes=15,
            title=f"Bài {n:02d}",
        )
    otp_login(client, teacher)
    first = client.get("/exams/tests/").content.decode()
    second = client.get("/exams/tests/?page=2").content.decode()
    assert "Bài 20</a>" in first and "Bài 01</a>" in first
    assert scheduled.title + "</a>" not in first
    assert scheduled.title + "</a>" in second and "Bài 01</a>" not in second
    assert '<p class="count-line">21 mục · trang 2/2</p>' in second


def test_typed_questions_refused_come_back_as_typed(client, teacher, maths):
    """An import or an edit refused for a typing slip shows the text again (400) with why,
    never an emptied box; nothing is written."""
    from edudx.exams.models import Question  # noqa: PLC0415

    otp_login(client, teacher)
    typed = "::Một::$1+1$ bằng? {=2 ~3}\n\n::Hai::$2+2$ bằng? {=4 ~5"
    r = client.post(
        "/exams/import/",
        {"gift_text": typed, "format": "gift", "subject": maths.pk, "grade": 6, "level": "th",
         "topic": "6.phanso", "sharing": "commune"},
    )  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 400
    assert f">{typed}</textarea>" in page
    assert "Dòng 3: thiếu dấu “}” đóng đáp án." in page
    assert 'value="6.phanso"' in page and '<option value="th" selected>' in page
    assert '<option value="commune" selected>' in page
    assert Question.objects.count() == 0
    client.post(
        "/exams/import/",
        {"gift_text": "::Một::$1+1$ bằng? {=2 ~3}", "format": "gift", "subject": maths.pk,
         "grade": 6, "level": "nb", "sharing": "school"},
    )  # fmt: skip
    q = Question.objects.get()
    edited = "::Một::$1+2$ bằng? {=3 ~4"
    r = client.post(
        f"/exams/questions/{q.pk}/",
        {"gift_text": edited, "level": "vd", "topic": "", "outcome": "", "sharing": "school"},
    )
    page = r.content.decode()
    assert r.status_code == 400
    assert f">{edited}</textarea>" in page
    assert '<option value="vd" selected>' in page
    q.refresh_from_db()
    assert (q.current.number, q.current.stem, q.level) == (1, "$1+1$ bằng?", "nb")


def test_the_papers_page_comes_ten_papers_at_a_time(client, teacher, maths):
    bank(teacher, maths)
    matrix = services.matrix_create(
        actor=teacher, name="M", subject_id=maths.pk, grade=6,
        cells=[{"topic": "phan-so", "level": "nb", "count": 1, "points": "1"}],
    )  # fmt: skip
    for n in range(1, 12):
        services.paper_generate(actor=teacher, matrix=matrix, title=f"Đề {n:02d}", versions=1)
    otp_login(client, teacher)
    first = client.get("/exams/papers/").content.decode()
    second = client.get("/exams/papers/?page=2").content.decode()
    assert "<strong>Đề 11</strong>" in first and "<strong>Đề 02</strong>" in first
    assert "<strong>Đề 01</strong>" not in first
    assert "<strong>Đề 01</strong>" in second and "<strong>Đề 02</strong>" not in second
    assert '<p class="count-line">11 đề · trang 2/2</p>' in second
