"""On a 360 px phone: a primary homeroom teacher rates the class's qualities and
competencies (one pick, then "fill the rest with Đạt"), saves; the page does not overflow
sideways and the pupils' names are shown whole (wrapped, not cut). Same harness as
test_marks_browser (own Chromium in a worker thread)."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.org import services as org_services
from edudx.people import services as people_services
from edudx.records import rules
from edudx.records.curriculum import curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, QualityRating, Subject
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, no_horizontal_overflow, screenshot
from tests.records.test_marks_browser import login, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODES = (*rules.QUALITIES, *rules.COMPETENCIES)


def drive(base, teacher, device, class_id, pupil) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        phone = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN"}
        page = browser.new_context(**phone).new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, teacher, device)
        page.goto(f"{base}/records/marks/qualities/{class_id}/2/")
        page.select_option(f"select[name=q-{pupil}-yeu_nuoc]", "t")
        page.check("input[name=fill]")
        page.check(f"input[name=outstanding-{pupil}]")
        seen["no_overflow"] = no_horizontal_overflow(page)
        # Every name cell shows its whole text (wrapping allowed, no ellipsis).
        seen["names_cut"] = page.evaluate(
            "[...document.querySelectorAll('tbody th.name')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"
        )
        seen["select_height"] = page.evaluate(
            "document.querySelector('.q-grid select').getBoundingClientRect().height"
        )
        screenshot(page, "qualities-360")
        page.click("text=Lưu đánh giá")
        page.wait_for_url(re.compile(r"/records/marks/qualities/"))
        page.wait_for_selector(".messages")
        seen["message"] = page.locator(".messages").inner_text()
        seen["errors"] = list(errors)
        browser.close()
    return seen


def test_homeroom_rates_qualities_on_a_phone(live_server, district):
    require_chromium()
    curriculum_load(read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject)
    cls = org_services.class_create(
        actor=None,
        school=district.school_a,
        school_year_code="2025-2026",
        name="2A",
        grade_number=2,
    )
    people_services.teaching_assign(
        actor=None, staff=district.teacher_a, class_group=cls, is_homeroom=True
    )
    dob = dt.date(2018, 4, 2)
    pupil = district.student("Nguyễn Thị Phương Thảo", district.school_a, cls, "F", dob)
    other = district.student("Hoàng Văn Khánh", district.school_a, cls, dob=dob)
    teacher = district.teacher_user()
    teacher.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive, live_server.url, teacher.username, device, cls.pk, pupil.pk
        ).result(timeout=120)
    assert seen["no_overflow"] is True
    assert seen["names_cut"] == []
    assert seen["select_height"] >= 40  # a thumb-sized target
    assert "Đã lưu đánh giá phẩm chất, năng lực" in seen["message"]
    assert seen["errors"] == []
    stored = {q.student_id: (q.ratings, q.outstanding) for q in QualityRating.objects.all()}
    assert stored == {
        pupil.pk: ({**dict.fromkeys(CODES, "d"), "yeu_nuoc": "t"}, True),
        other.pk: (dict.fromkeys(CODES, "d"), False),
    }
