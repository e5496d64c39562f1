"""On a 360 px phone: a teacher enters a class's marks with the keyboard (Enter moves down
the column), saves, and a guardian then sees their child's marks, read-only.

Playwright's sync API runs an event loop in the thread that starts it, and the session's
browser of tests/browser already holds the main thread's; this test therefore drives its
own Chromium from a worker thread (the same binary and arguments), and checks the database
from the test's thread."""

import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.records import services
from edudx.records.curriculum import curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, Mark, Subject
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    login,
    no_horizontal_overflow,
    require_chromium,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def drive(base, teacher, device, guardian, subject_id, a1, a2) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        phone = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN"}
        page = browser.new_context(**phone).new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, teacher, device)
        page.goto(f"{base}/records/marks/")
        page.click(f"a[href*='subject={subject_id}&term=1']")
        page.wait_for_url(re.compile(r"/records/marks/\?class="))
        first = page.locator(f"input[name=m-{a1}-tx1]")
        seen["inputmode"] = first.get_attribute("inputmode")
        first.click()
        page.keyboard.type("8,5")
        page.keyboard.press("Enter")  # down the column, not a submit
        page.keyboard.type("7")
        page.keyboard.press("Tab")  # along the row
        page.keyboard.type("9")
        seen["focused"] = page.evaluate("document.activeElement.name")
        seen["no_overflow"] = no_horizontal_overflow(page)  # the grid scrolls in its box
        screenshot(page, "marks-grid-360")
        page.click("text=Lưu bảng điểm")
        page.wait_for_selector(".messages")
        seen["message"] = page.locator(".messages").inner_text()
        seen["teacher_console_errors"] = list(errors)

        parent = browser.new_context(**phone).new_page()
        login(parent, base, guardian)
        parent.goto(f"{base}/records/students/{a1}/marks/")
        seen["guardian_table"] = parent.locator(".marks-read").inner_text()
        seen["guardian_inputs"] = parent.locator(".marks-read input").count()
        screenshot(parent, "marks-guardian-360")
        seen["other_child"] = parent.goto(f"{base}/records/students/{a2}/marks/").status
        browser.close()
    return seen


def test_teacher_enters_marks_on_a_phone_and_the_guardian_sees_them(
    live_server, district, guardian
):
    require_chromium()
    # An earlier transactional test flushed the curriculum the migration loads.
    curriculum_load(read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject)
    maths = Subject.objects.get(code="toan")
    services.subject_assign(
        actor=None, staff=district.teacher_a, subject=maths, class_group=district.class_a
    )
    teacher = district.teacher_user()
    teacher.save(update_fields=["password"])  # the factory does not persist it
    guardian.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    a1, a2 = district.student_a1.pk, district.student_a2.pk
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive, live_server.url, teacher.username, device, guardian.username, maths.pk, a1, a2
        ).result(timeout=120)
    assert seen["inputmode"] == "decimal"
    assert seen["focused"] == f"m-{a2}-tx2"
    assert seen["no_overflow"] is True
    assert "Đã lưu bảng điểm" in seen["message"]
    assert seen["teacher_console_errors"] == []
    assert sorted(Mark.objects.values_list("student_id", "kind", "value")) == sorted(
        [(a1, "tx1", Decimal("8.5")), (a2, "tx1", Decimal("7")), (a2, "tx2", Decimal("9"))]
    )
    assert "Toán" in seen["guardian_table"] and "8,5" in seen["guardian_table"]
    assert seen["guardian_inputs"] == 0
    assert seen["other_child"] == 404
