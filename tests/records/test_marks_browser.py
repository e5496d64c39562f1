"""On a 360 px phone: a teacher enters a class's marks with the keyboard (Enter moves down
the column), saves, and a guardian then sees their child's marks, read-only."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.records import services
from edudx.records.models import Mark, Subject
from tests.browser.conftest import browser, no_horizontal_overflow, phone, screenshot  # noqa: F401
from tests.browser.test_teacher_flow import PASSWORD, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, user, device=None):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    if device is not None:
        page.wait_for_url(re.compile(r"/accounts/otp/"))
        page.fill("input[name=token]", totp_now(device))
        page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_teacher_enters_marks_on_a_phone_and_the_guardian_sees_them(
    live_server,
    district,
    guardian,
    phone,  # noqa: F811
    browser,  # noqa: F811
):
    maths = Subject.objects.get(code="toan")
    services.subject_assign(
        actor=None, staff=district.teacher_a, subject=maths, class_group=district.class_a
    )
    teacher = district.teacher_user()
    teacher.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    page, base = phone, live_server.url
    login(page, base, teacher, device)

    page.goto(f"{base}/records/marks/")
    page.click(f"a[href*='subject={maths.pk}&term=1']")
    page.wait_for_url(re.compile(r"/records/marks/\?class="))
    a1, a2 = district.student_a1.pk, district.student_a2.pk
    first = page.locator(f"input[name=m-{a1}-tx1]")
    assert first.get_attribute("inputmode") == "decimal"
    first.click()
    page.keyboard.type("8,5")
    page.keyboard.press("Enter")  # down the column, not a submit
    page.keyboard.type("7")
    page.keyboard.press("Tab")  # along the row
    page.keyboard.type("9")
    assert page.evaluate("document.activeElement.name") == f"m-{a2}-tx2"
    assert no_horizontal_overflow(page)  # the grid scrolls inside its own box
    screenshot(page, "marks-grid-360")
    page.click("text=Lưu bảng điểm")
    page.wait_for_selector(".messages")
    assert "Đã lưu bảng điểm" in page.locator(".messages").inner_text()
    assert sorted(Mark.objects.values_list("student_id", "kind", "value")) == sorted(
        [(a1, "tx1", 8.5), (a2, "tx1", 7), (a2, "tx2", 9)]
    )
    assert page.console_errors == []

    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    parent = context.new_page()
    guardian.save(update_fields=["password"])
    login(parent, base, guardian)
    parent.goto(f"{base}/records/students/{a1}/marks/")
    table = parent.locator(".marks-read").inner_text()
    assert "Toán" in table and "8,5" in table
    assert parent.locator(".marks-read input").count() == 0
    screenshot(parent, "marks-guardian-360")
    assert parent.goto(f"{base}/records/students/{a2}/marks/").status == 404
    context.close()
