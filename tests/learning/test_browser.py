"""On phones (360 px): an officer creates a training course (a first try with a missing
title shows the error under the field) and corrects its title, its questions lock once a
teacher has taken the test, a teacher corrects a returned resource, and the
class page shows the cartridge export and import.

Playwright drives its own Chromium from a worker thread (as tests/content/test_browser
does); the test thread prepares and checks the database."""

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.accounts.models import Role
from edudx.content import services as content_services
from edudx.content.models import Resource
from edudx.learning import services
from edudx.learning.models import Course
from edudx.records import services as records_services
from edudx.records.curriculum import curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, Subject
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, no_horizontal_overflow, screenshot
from tests.records.test_marks_browser import login, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN"}
PDF = b"%PDF-1.4\n% bai giang\n%%EOF\n"


def _phone(browser, base, seen, username, device):
    """A signed-in page on a 360 px phone whose console errors land in seen["errors"]."""
    page = browser.new_context(**PHONE).new_page()
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    login(page, base, username, device)
    return page


def drive(base, officer, o_device, teacher, t_device, resource_id, class_id) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {"errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

        page = _phone(browser, base, seen, officer, o_device)
        page.goto(f"{base}/learning/training/")
        page.click("text=Tạo khoá học")
        page.wait_for_url(re.compile(r"/learning/training/courses/new/$"))
        page.fill("#q1-text", "Phần mềm nào dùng để soạn bài giảng điện tử?")
        page.fill("#q1-options", "Excel\nPowerPoint")
        page.fill("#q1-answer", "2")
        page.click("button[value=save]")
        page.wait_for_selector(".field-error")
        seen["course_error"] = page.locator(".field-error").all_inner_texts()
        seen["course_focus"] = page.evaluate("document.activeElement.id")
        seen["course_form_no_overflow"] = no_horizontal_overflow(page)
        screenshot(page, "learning-course-form-360")
        page.fill("#co-title", "Chuyển đổi số trong dạy học")
        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/learning/training/$"))
        seen["course_created"] = page.locator(".messages").inner_text()
        page.click("text=Sửa khoá học")
        page.wait_for_url(re.compile(r"/learning/training/courses/\d+/edit/$"))
        edit_url = page.url
        page.fill("#co-title", "Chuyển đổi số trong dạy học 2026")
        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/learning/training/$"))
        seen["course_saved"] = page.locator(".messages").inner_text()

        t = _phone(browser, base, seen, teacher, t_device)
        t.goto(f"{base}/content/mine/")
        t.click("text=Sửa và gửi duyệt lại")
        t.wait_for_url(re.compile(rf"/content/r/{resource_id}/edit/$"))
        seen["comment"] = t.locator(".review-box").inner_text()
        seen["edit_no_overflow"] = no_horizontal_overflow(t)
        screenshot(t, "content-edit-360")
        t.fill("#u-title", "Phân số")
        t.click("button[value=save]")
        t.wait_for_url(re.compile(rf"/content/r/{resource_id}/$"))

        # The teacher takes the course's test; its questions are then locked for the officer.
        t.goto(f"{base}/learning/training/")
        t.check("input[name=q0][value='1']")
        t.click("text=Nộp bài kiểm tra")
        t.wait_for_selector(".messages")
        page.goto(edit_url)
        seen["locked"] = page.locator("fieldset.questions[disabled]").count()
        seen["locked_no_overflow"] = no_horizontal_overflow(page)
        screenshot(page, "learning-course-edit-locked-360")

        t.goto(f"{base}/learning/c/{class_id}/")
        t.click("text=Gói IMS Common Cartridge")
        seen["class_no_overflow"] = no_horizontal_overflow(t)
        seen["export_link"] = t.locator("text=Xuất cả lớp (.imscc)").count()
        screenshot(t, "learning-class-cartridge-360")
        browser.close()
    return seen


def test_course_form_resource_edit_and_cartridge_on_a_phone(live_server, district):
    require_chromium()
    # An earlier transactional test may have flushed what the migrations load.
    curriculum_load(read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject)
    toan = Subject.objects.get(code="toan")
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    teacher = district.teacher_user()
    principal = district.user(Role.PRINCIPAL, district.school_a)
    for u in (officer, teacher):
        u.save(update_fields=["password"])  # the factory does not persist it
    records_services.subject_assign(
        actor=None, staff=district.teacher_a, subject=toan, class_group=district.class_a
    )
    oc = services.online_class_create(actor=teacher, class_group=district.class_a, subject=toan)
    r = content_services.resource_create(
        actor=teacher,
        data=content_services.ResourceData(
            title="Phan so", type="document", subject_id=toan.pk, grade=6,
            licence="cc-by", author="Lê Thị Hoa",
        ),
        upload=content_services.Upload(io.BytesIO(PDF), len(PDF), "phan-so.pdf"),
    )  # fmt: skip
    content_services.resource_review(
        actor=principal, resource=r, approve=False, comment="Tiêu đề thiếu dấu."
    )
    o_dev = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    t_dev = TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive,
            live_server.url,
            officer.username,
            o_dev,
            teacher.username,
            t_dev,
            r.pk,
            oc.pk,
        ).result(timeout=240)
    assert seen["course_error"] == ["Tên khoá học: Thiếu tiêu đề."]
    assert seen["course_focus"] == "co-title"  # the phone lands on the field to correct
    assert "Đã tạo khoá học “Chuyển đổi số trong dạy học”." in seen["course_created"]
    assert "Đã lưu khoá học “Chuyển đổi số trong dạy học 2026”." in seen["course_saved"]
    assert (seen["locked"], seen["locked_no_overflow"]) == (1, True)
    assert "Tiêu đề thiếu dấu." in seen["comment"]
    assert seen["export_link"] == 1
    assert seen["course_form_no_overflow"] and seen["edit_no_overflow"]
    assert seen["class_no_overflow"]
    # The console's only error is the refused course form's own status.
    assert seen["errors"] == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    course = Course.objects.get()
    assert (course.title, course.questions[0]["answer"]) == ("Chuyển đổi số trong dạy học 2026", 1)
    assert Resource.objects.values_list("title", "status").get() == ("Phân số", "submitted")
