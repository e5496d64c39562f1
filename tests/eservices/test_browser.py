"""On a 360 px phone a parent applies for grade 1, and after the allocation sees the result
and confirms enrolment. Drives its own Chromium from a worker thread (see
tests/records/test_marks_browser.py for why); the database is checked from the test."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from edudx.eservices import admissions
from edudx.eservices.models import AdmissionApplication
from edudx.people.models import Enrolment
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, no_horizontal_overflow, screenshot
from tests.browser.test_teacher_flow import PASSWORD
from tests.factories import make_personal_id
from tests.records.test_marks_browser import require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")


def apply(base, username, round_id, form) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="vi-VN"
        ).new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, username)
        seen["menu_closed"] = page.locator("nav.main-nav").inner_text()
        page.click("nav.main-nav summary")  # on a phone the menu opens first
        seen["menu"] = page.locator("nav.main-nav").inner_text()
        page.click("nav.main-nav a >> text=Tuyển sinh")
        page.click(f"a[href='/services/admissions/{round_id}/apply/']")
        page.fill("#a-pid", form["pid"])
        page.fill("#a-name", form["name"])
        page.fill("#a-dob", form["dob"])
        page.select_option("#a-sex", "F")
        page.select_option("#a-commune", str(form["commune"]))
        page.select_option("#a-school", str(form["school"]))
        seen["phone_prefilled"] = page.input_value("#a-phone")
        seen["form_fits"] = no_horizontal_overflow(page)
        screenshot(page, "admissions-apply-360")
        page.click("text=Gửi hồ sơ tuyển sinh")
        page.wait_for_url(re.compile(r"/services/admissions/result/\?code=TS"))
        seen["after_apply"] = page.locator("main").inner_text()
        seen["result_fits"] = no_horizontal_overflow(page)
        seen["errors"] = list(errors)
        browser.close()
    return seen


def result(base, username) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="vi-VN"
        ).new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, username)
        page.goto(f"{base}/services/mine/")
        page.click("a[href^='/services/admissions/result/?code=']")
        seen["result"] = page.locator("main").inner_text()
        screenshot(page, "admissions-result-360")
        page.click("text=Xác nhận nhập học")
        page.wait_for_selector(".messages")
        seen["confirmed"] = page.locator("main").inner_text()
        seen["fits"] = no_horizontal_overflow(page)
        seen["errors"] = list(errors)
        browser.close()
    return seen


def test_parent_applies_for_grade_1_on_a_phone_and_later_sees_the_result(live_server, world):
    require_chromium()
    r = world.grade1_round(quota_a=1)
    parent = world.guardian
    parent.save(update_fields=["password"])  # the factory does not persist it
    form = {
        "pid": make_personal_id(dt.date(2020, 8, 19), "F"),
        "name": "Nguyễn Thị Mai",
        "dob": "19/08/2020",
        "commune": world.d.commune_a.pk,
        "school": world.primary_a.pk,
    }
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(apply, live_server.url, parent.username, r.pk, form).result(timeout=120)
    assert seen["menu_closed"] == "Danh mục · Trang chủ"  # a phone: one row, links behind it
    assert "Dịch vụ công" in seen["menu"] and "Tuyển sinh" in seen["menu"]
    assert seen["phone_prefilled"] == "0912000111"
    assert seen["form_fits"] is True and seen["result_fits"] is True
    assert "Đã đăng ký" in seen["after_apply"]
    assert seen["errors"] == []
    a = AdmissionApplication.objects.get()
    assert (a.child_personal_id, a.applicant, a.in_zone) == (form["pid"], parent, True)

    # The window closes; the office allocates by the published rules.
    r.closes_at = timezone.now() - dt.timedelta(seconds=1)
    r.save()
    admissions.round_allocate(actor=None, round_=r)

    with ThreadPoolExecutor(1) as pool:
        later = pool.submit(result, live_server.url, parent.username).result(timeout=120)
    assert "Trúng tuyển vào" in later["result"] and "Trường Tiểu học Kim Đồng" in later["result"]
    assert "Đã xác nhận nhập học." in later["confirmed"]
    assert later["fits"] is True and later["errors"] == []
    e = Enrolment.objects.get(student__person__personal_id=form["pid"])
    assert (e.school, e.class_group.name) == (world.primary_a, "1A1")
