"""A teacher attaches resources to a lesson or an assignment from the whole repository of
the subject, not only its newest: the picker lists the newest 20 and finds the others by a
search without diacritics (learning:resource_picker, htmx), leaving out those already
chosen. On a phone (browser test): a found resource ticked stays chosen through the next
search and is attached when the lesson is posted. A refused form — the lesson edit, the
class page's lesson and live-session forms — comes back with what was typed and ticked."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.accounts.models import Role
from edudx.content import services as content_services
from edudx.learning import training
from edudx.learning.models import Lesson
from edudx.learning.views import PICKER_SIZE
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, login, no_horizontal_overflow
from tests.pages.conftest import otp_login
from tests.records.test_marks_browser import require_chromium

pytestmark = pytest.mark.django_db


def more_resources(district, teacher, toan, n):
    """`n` published links of the subject, newer than the lesson fixture's two."""
    principal = district.user(Role.PRINCIPAL, district.school_a)
    for i in range(n):
        r = content_services.resource_create(
            actor=teacher,
            data=content_services.ResourceData(
                title=f"Bài đọc thêm {i:02d}", type="link", licence="cc-by", subject_id=toan.pk,
                grade=6, author="Lê Thị Hoa", language="vi",
                external_url=f"https://example.edu.vn/doc/{i}",
            ),
        )  # fmt: skip
        content_services.resource_review(actor=principal, resource=r, approve=True)
        content_services.resource_publish(actor=principal, resource=r, scope="school")


def found(html: str) -> list[str]:
    return [
        " ".join(t.split()) for t in re.findall(r'value="\d+"(?: checked)?> <span>([^<]+)', html)
    ]


def test_the_picker_finds_older_resources_without_diacritics(lesson, district, teacher, toan):
    more_resources(district, teacher, toan, PICKER_SIZE)
    client = otp_login(Client(), teacher)
    oc = lesson.online_class_id
    page = client.get(f"/learning/c/{oc}/").content.decode()
    newest = found(page.split('id="ls-found"')[1].split("</div>")[0])
    assert newest == [f"Bài đọc thêm {i:02d}" for i in range(PICKER_SIZE - 1, -1, -1)]
    url = f"/learning/c/{oc}/resources/"
    assert sorted(found(client.get(url, {"rq": "phan so"}).content.decode())) == [
        "Phân số – bài giảng",
        "Video phân số",
    ]  # both older than the 20 listed (the order is the search's ranking)
    pdf = min(r.pk for r in lesson.resources.all())
    assert found(client.get(url, {"rq": "phan so", "have": pdf}).content.decode()) == [
        "Video phân số"
    ]
    none = client.get(url, {"rq": "lich su"}).content.decode()
    assert "Không có học liệu đã duyệt nào khớp “lich su”." in none
    # The lesson's edit page: its two resources ticked, the others offered unticked.
    edit = client.get(f"/learning/lessons/{lesson.pk}/edit/").content.decode()
    assert edit.count('" checked>') == 2
    assert "Phân số – bài giảng" not in edit.split('id="ls-found"')[1]


def test_only_the_classs_teacher_may_search_it(lesson, district, student_a1):
    url = f"/learning/c/{lesson.online_class_id}/resources/"
    s = Client()
    s.force_login(student_a1)
    assert s.get(url, {"rq": "phan"}).status_code == 403
    other = otp_login(Client(), district.user(Role.TEACHER, district.school_b))
    assert other.get(url, {"rq": "phan"}).status_code == 404


def test_a_refused_edit_keeps_what_was_typed_and_ticked(lesson, teacher):
    client = otp_login(Client(), teacher)
    link = max(r.pk for r in lesson.resources.all())
    r = client.post(
        f"/learning/lessons/{lesson.pk}/edit/",
        {"action": "save", "title": "  ", "text": "Làm bài 5 trang 14.", "resources": [link]},
    )
    page = r.content.decode()
    assert r.status_code == 400
    # The title is marked, described by its error right under it, and focused.
    assert (
        '<input id="ls-title" name="title" maxlength="200" value="  " required '
        'aria-invalid="true" aria-describedby="e-lesson_title" autofocus>'
        '<p class="field-error" id="e-lesson_title" role="alert">Tiêu đề: Thiếu tiêu đề.</p>'
    ) in page
    assert page.count("autofocus") == 1
    assert '<textarea id="ls-text" name="text" rows="8">Làm bài 5 trang 14.</textarea>' in page
    chosen = page.split("data-chosen>")[1].split("</div>")[0]
    assert found(chosen) == ["Video phân số"]
    assert Lesson.objects.get(pk=lesson.pk).text == "Đọc SGK trang 10 & làm bài 1."


def drive(base, username, device, class_id) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {"errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="vi-VN"
        ).new_page()
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        login(page, base, username, device)
        page.goto(f"{base}/learning/c/{class_id}/")
        page.click("text=Đăng bài học")
        page.fill("#ls-title", "Bài 4. So sánh phân số")
        with page.expect_response(re.compile(r"/resources/\?")):
            page.fill("#ls-rq", "phan so bai giang")
        page.wait_for_selector("#ls-found >> text=Phân số – bài giảng")
        page.check("#ls-found >> label:has-text('Phân số – bài giảng') >> input")
        with page.expect_response(re.compile(r"/resources/\?")):
            page.fill("#ls-rq", "video")
        page.wait_for_selector("#ls-found >> text=Video phân số")
        page.press("#ls-rq", "Enter")  # searches; does not send the lesson
        page.check("#ls-found >> label:has-text('Video phân số') >> input")
        seen["chosen"] = page.locator("[data-picker]:has(#ls-rq) [data-chosen]").inner_text()
        seen["no_overflow"] = no_horizontal_overflow(page)
        page.click("form:has(#ls-rq) button[type=submit]")
        page.wait_for_selector(".messages")
        seen["message"] = page.locator(".messages").inner_text()
        browser.close()
    return seen


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_teacher_finds_and_attaches_older_resources_on_a_phone(
    live_server, lesson, district, teacher, toan
):
    require_chromium()
    more_resources(district, teacher, toan, PICKER_SIZE + 2)
    teacher.save(update_fields=["password"])  # the factory does not persist it
    device = TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive, live_server.url, teacher.username, device, lesson.online_class_id
        ).result(timeout=180)
    assert seen["errors"] == []
    assert seen["no_overflow"]
    assert " ".join(seen["chosen"].split()) == "Phân số – bài giảng · Khối 6 Video phân số · Khối 6"
    new = Lesson.objects.get(title="Bài 4. So sánh phân số")
    assert sorted(r.title for r in new.resources.all()) == ["Phân số – bài giảng", "Video phân số"]


def test_a_training_course_picks_from_every_subject(lesson, district, teacher, toan):
    """The course form's picker: the course's resources ticked, a search over every subject
    (each result naming its subject and grade); only who may create courses may search."""
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    pdf, link = sorted(lesson.resources.all(), key=lambda r: r.pk)
    course = training.course_create(
        actor=officer,
        provider=district.district,
        title="Dạy phân số bằng học liệu số",
        questions=[{"text": "1/2 + 1/2 = ?", "options": ["1", "2"], "answer": 1}],
        resource_ids=[pdf.pk],
    )
    client = otp_login(Client(), officer)
    page = client.get(f"/learning/training/courses/{course.pk}/edit/").content.decode()
    chosen = page.split("data-chosen>")[1].split("</div>")[0]
    assert found(chosen) == ["Phân số – bài giảng"]
    assert found(page.split('id="co-found"')[1].split("</div>")[0]) == ["Video phân số"]
    results = client.get("/learning/training/resources/", {"rq": "phan so", "have": pdf.pk})
    assert found(results.content.decode()) == ["Video phân số"]
    assert "<small>· Toán 6</small>" in results.content.decode()
    # A refused save keeps the resources ticked in the form.
    r = client.post(
        f"/learning/training/courses/{course.pk}/edit/",
        {"action": "save", "title": "", "pass_percent": "70", "resources": [pdf.pk, link.pk]},
    )
    chosen = r.content.decode().split("data-chosen>")[1].split("</div>")[0]
    assert sorted(found(chosen)) == ["Phân số – bài giảng", "Video phân số"]
    assert client.get("/learning/training/resources/").status_code == 200
    student = Client()
    student.force_login(district.user(Role.STUDENT, None, person=district.student_a1.person))
    assert student.get("/learning/training/resources/", {"rq": "phan"}).status_code == 403


def test_a_refused_class_form_comes_back_open_with_what_was_typed(
    lesson, district, teacher, student_a1
):
    """A lesson without a title, a live session with a bad link: the class page again (400),
    that form open with its text, its ticked resources and attendees; nothing written."""
    client = otp_login(Client(), teacher)
    url = f"/learning/c/{lesson.online_class_id}/"
    link = max(r.pk for r in lesson.resources.all())
    r = client.post(
        url,
        {"action": "lesson", "title": " ", "text": "Ôn tập chương 2.", "resources": [link]},
    )
    page = r.content.decode()
    assert r.status_code == 400
    assert "Thiếu tiêu đề." in page
    assert (  # the lesson's title marked, focused, its error right under it
        'id="ls-title" name="title" maxlength="200" required value=" " aria-invalid="true" '
        'aria-describedby="e-lesson_title" autofocus><p class="field-error" '
        'id="e-lesson_title" role="alert">Tiêu đề: Thiếu tiêu đề.</p>'
    ) in page
    assert 'id="as-title" name="title" maxlength="200" required value="">' in page  # not marked
    assert ">Ôn tập chương 2.</textarea>" in page
    lesson_form = page.split('<details class="teacher-form" open><summary>Đăng bài học')[1]
    chosen = lesson_form.split("data-chosen>")[1].split("</div>")[0]
    assert found(chosen) == ["Video phân số"]
    assert page.count('<details class="teacher-form" open>') == 1
    assert Lesson.objects.filter(online_class_id=lesson.online_class_id).count() == 1
    pupil = district.student_a1
    r = client.post(
        url,
        {"action": "live", "url": "zoom.us/j/1", "date": "2025-10-06", "periods": "2",
         "attendees": [pupil.pk]},
    )  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 400
    assert "Liên kết phải là địa chỉ http(s):// hợp lệ." in page
    assert (
        'value="zoom.us/j/1" aria-invalid="true" aria-describedby="e-live_url" autofocus>'
        '<p class="field-error" id="e-live_url" role="alert">Liên kết phải là'
    ) in page
    assert 'value="zoom.us/j/1"' in page and 'value="2025-10-06"' in page
    assert f'name="attendees" value="{pupil.pk}" checked>' in page
    assert 'name="periods" min="1" max="10" value="2"' in page
    # An impossible day (2026-02-31, a date field's text edited by hand) or a bad time is
    # an error under the field, never a server error.
    r = client.post(url, {"action": "live", "url": "https://meet.example/x", "date": "2025-02-31"})
    assert r.status_code == 400
    assert (
        'value="2025-02-31" required aria-invalid="true" aria-describedby="e-live_date" '
        'autofocus><p class="field-error" id="e-live_date" role="alert">Ngày '
        "&#x27;2025-02-31&#x27; không đúng định dạng dd/mm/yyyy.</p>"
    ) in r.content.decode()
    for due_date, due_time, error in [
        ("2025-02-31", "", "Ngày &#x27;2025-02-31&#x27; không đúng định dạng dd/mm/yyyy."),
        ("2025-10-20", "25:00", "Giờ “25:00” không đúng dạng giờ:phút (vd. 23:59)."),
    ]:
        r = client.post(
            url,
            {"action": "assignment", "title": "Bài 1", "due_date": due_date, "due_time": due_time},
        )
        assert r.status_code == 400
        assert (
            'aria-describedby="e-assignment_due_at" autofocus><p class="field-error" '
            f'id="e-assignment_due_at" role="alert">Hạn nộp: {error}</p>'
        ) in r.content.decode()
