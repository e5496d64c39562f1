"""On a 360 px phone: a teacher's home page — what waits for them, and each class card's
links to today's attendance and to the marks of the subjects they teach — fits the screen
with the curriculum's longest subject name ("Hoạt động trải nghiệm, hướng nghiệp").

Playwright drives its own Chromium from a worker thread (as tests/content/test_browser
does); the test thread prepares and checks the database."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.records import services as records_services
from edudx.records.curriculum import curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, Subject
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    login,
    no_horizontal_overflow,
    require_chromium,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def drive(base, username, device) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = page.new_page()
        login(page, base, username, device)
        page.goto(f"{base}/")
        seen = {
            "links": page.locator(".card-links a").all_inner_texts(),
            "fits": no_horizontal_overflow(page),
        }
        screenshot(page, "home-teacher-360")
        browser.close()
    return seen


def test_teacher_home_fits_a_phone(live_server, district):
    require_chromium()
    # An earlier transactional test may have flushed what the migrations load.
    curriculum_load(read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject)
    for code in ("toan", "hdtn_huong_nghiep"):
        records_services.subject_assign(
            actor=None,
            staff=district.teacher_a,
            subject=Subject.objects.get(code=code),
            class_group=district.class_a,
        )
    teacher = district.teacher_user()
    teacher.save(update_fields=["password"])  # the factory does not persist it
    device = TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(drive, live_server.url, teacher.username, device).result(timeout=120)
    # "today's attendance" while today lies in the class's school year (2025-2026), else
    # the link opens the year's nearest day and says only "Điểm danh".
    year, today = district.year, timezone.localdate()
    in_year = year.start_date <= today <= year.end_date
    assert seen["links"] == [
        "Điểm danh hôm nay" if in_year else "Điểm danh",
        "Nhập điểm Hoạt động trải nghiệm, hướng nghiệp",
        "Nhập điểm Toán",
    ]
    assert seen["fits"], "the home page scrolls sideways at 360 px"
