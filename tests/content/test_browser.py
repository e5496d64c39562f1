"""On phones (360 px): a teacher uploads a resource, the principal reviews and publishes it,
and a student finds it with a search typed without diacritics.

Playwright drives its own Chromium from a worker thread (as tests/records/test_marks_browser
does); the test thread checks the database."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.accounts.models import Role
from edudx.content.curriculum import load_files
from edudx.content.models import Resource
from edudx.records.curriculum import curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, Subject
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, no_horizontal_overflow, screenshot
from tests.records.test_marks_browser import login, require_chromium

from .conftest import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN"}


def wait_for(page, selector: str) -> None:
    """Wait for `selector` on the page a POST led to — up to 90 s, as a request may wait up to
    20 s for SQLite's write lock on a loaded machine — and, if it never comes, fail with
    where the browser is and what it shows (two CI runs timed out at 30 s here without
    saying why)."""
    try:
        page.wait_for_selector(selector, timeout=90_000)
    except Exception as exc:  # noqa: BLE001 — re-raised with the page's state
        text = page.locator("body").inner_text()[:600] if page.locator("body").count() else ""
        raise AssertionError(f"{selector} not found at {page.url}: {text!r}") from exc


def drive(base, teacher, t_device, principal, p_device, student, subject_id) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {"errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

        page = browser.new_context(**PHONE).new_page()
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        login(page, base, teacher, t_device)
        page.goto(f"{base}/content/upload/?grade=6&subject={subject_id}")
        page.check("text=Phân số")
        page.fill("#u-title", "Phân số thập phân và phần trăm")
        page.select_option("#u-type", "document")
        page.select_option("#u-licence", "cc-by-sa")
        page.set_input_files(
            "#u-file", {"name": "bai-giang.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
        )
        seen["upload_no_overflow"] = no_horizontal_overflow(page)
        page.click("button[value=save]")
        page.wait_for_url(re.compile(r"/content/r/\d+/$"))
        seen["after_upload"] = page.locator(".messages").inner_text()

        rev = browser.new_context(**PHONE).new_page()
        rev.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        login(rev, base, principal, p_device)
        rev.goto(f"{base}/content/review/")
        rev.click("text=Phân số thập phân và phần trăm")
        rev.click("button[value=approve]")
        wait_for(rev, "#pb-scope")
        rev.select_option("#pb-scope", "school")
        rev.click("text=Xuất bản >> nth=-1")
        wait_for(rev, ".status-published")
        screenshot(rev, "content-review-360")

        st = browser.new_context(**PHONE).new_page()
        st.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        login(st, base, student)
        st.goto(f"{base}/content/")
        st.fill("#s-q", "phan so thap phan")
        st.keyboard.press("Enter")
        st.wait_for_url(re.compile(r"q=phan\+so\+thap\+phan"))
        seen["results"] = st.locator(".results .card h2").all_inner_texts()
        seen["search_no_overflow"] = no_horizontal_overflow(st)
        screenshot(st, "content-search-360")
        st.click("text=Phân số thập phân và phần trăm")
        st.wait_for_selector("iframe.preview")
        seen["detail_no_overflow"] = no_horizontal_overflow(st)
        screenshot(st, "content-detail-360")
        browser.close()
    return seen


def test_upload_publish_and_find_without_diacritics(live_server, district):
    require_chromium()
    # An earlier transactional test may have flushed what the migrations load.
    curriculum_load(read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject)
    load_files()
    maths = Subject.objects.get(code="toan")
    teacher = district.teacher_user()
    principal = district.user(Role.PRINCIPAL, district.school_a)
    student = district.user(Role.STUDENT, None, person=district.student_a1.person)
    for u in (teacher, principal, student):
        u.save(update_fields=["password"])  # the factory does not persist it
    t_dev = TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    p_dev = TOTPDevice.objects.create(user=principal, name="phone", confirmed=True)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive,
            live_server.url,
            teacher.username,
            t_dev,
            principal.username,
            p_dev,
            student.username,
            maths.pk,
        ).result(timeout=300)
    assert "chờ duyệt" in seen["after_upload"]
    assert seen["results"] == ["Phân số thập phân và phần trăm"]
    assert seen["upload_no_overflow"] and seen["search_no_overflow"] and seen["detail_no_overflow"]
    assert seen["errors"] == []
    r = Resource.objects.get()
    assert (r.status, r.scope, r.mime, r.view_count) == (
        "published",
        "school",
        "application/pdf",
        2,  # the principal's page after publishing, then the student's
    )
    assert [t.code for t in r.topics.all()] == ["6.phanso"]
