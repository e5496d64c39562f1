"""On a 360 px phone: a guardian opens the contact book (first load measured: bytes
transferred, cold cache), reads a notice (a read receipt), sends a message to the homeroom
teacher; offline, the contact book opens on the last data seen and says how old it is.

Playwright's sync API runs its own event loop; as in tests/records, the browser is driven
from a worker thread and the database is checked from the test's thread."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from edudx.contact import services
from edudx.contact.models import Message, NoticeRead
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, no_horizontal_overflow, screenshot
from tests.browser.test_teacher_flow import PASSWORD
from tests.records.test_marks_browser import require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIRST_LOAD_BUDGET = 300 * 1024
RESULT = Path(__file__).resolve().parents[2] / "var" / "contact-first-load.json"


def first_load_bytes(browser, base, storage_state, path) -> dict:
    """Bytes transferred (encoded, headers included) for a cold-cache load of `path`."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", storage_state=storage_state
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(f"{base}{path}", wait_until="networkidle")
    total = int(sum(sizes.values()))
    files = sorted((urls.get(k, "?").replace(base, ""), int(v)) for k, v in sizes.items())
    context.close()
    return {"bytes": total, "requests": len(sizes), "files": files}


def drive(base, guardian, notice_id, student_id, teacher_id) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", guardian)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_url(f"{base}/")
        seen["first_load"] = first_load_bytes(browser, base, context.storage_state(), "/contact/")

        page.click(".main-nav summary")  # on a phone the menu opens first
        page.click(".main-nav a >> text=Sổ liên lạc")
        page.wait_for_url(re.compile(r"/contact/$"))
        seen["home_overflow_ok"] = no_horizontal_overflow(page)
        screenshot(page, "contact-guardian-home-360")
        page.click("text=Họp phụ huynh cuối kỳ")
        page.wait_for_url(re.compile(rf"/contact/notices/{notice_id}/$"))
        seen["notice_text"] = page.locator(".notice-body").inner_text()
        screenshot(page, "contact-notice-360")

        page.goto(f"{base}/contact/students/{student_id}/")
        seen["teacher_option"] = page.locator("#m-to option").first.inner_text()
        page.select_option("#m-to", value=str(teacher_id))
        page.fill("#m-body", "Chào cô, cháu An xin nghỉ sáng mai vì đi khám răng.")
        page.click("text=Gửi tin nhắn")
        page.wait_for_url(re.compile(r"/contact/messages/\d+/$"))
        seen["thread_text"] = page.locator(".messages-list").inner_text()
        seen["thread_overflow_ok"] = no_horizontal_overflow(page)
        screenshot(page, "contact-thread-360")

        # Offline: the service worker (now controlling /contact/) serves the last copy.
        page.goto(f"{base}/contact/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # a load under the worker's control, kept in its cache
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#offline-banner:not([hidden])")
        seen["offline_banner"] = page.locator("#offline-banner").inner_text()
        seen["offline_has_child"] = page.locator(".child-card").count()
        screenshot(page, "contact-offline-360")
        context.set_offline(False)
        seen["console_errors"] = [e for e in errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
        browser.close()
    return seen


def test_guardian_reads_a_notice_and_sends_a_message_on_a_phone(
    live_server, district, guardian, teacher
):
    require_chromium()
    guardian.set_password(PASSWORD)
    guardian.save()
    notice = services.notice_post(
        actor=teacher,
        audience="class",
        class_group=district.class_a,
        title="Họp phụ huynh cuối kỳ",
        body="Họp lúc 8 giờ thứ Bảy tại phòng học lớp 6A1.",
    )
    a1 = district.student_a1.pk
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive, live_server.url, guardian.username, notice.pk, a1, teacher.pk
        ).result(timeout=180)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(seen["first_load"], indent=2))
    assert seen["first_load"]["bytes"] < FIRST_LOAD_BUDGET, seen["first_load"]
    assert "8 giờ thứ Bảy" in seen["notice_text"]
    assert NoticeRead.objects.filter(notice=notice, user=guardian).count() == 1
    assert list(Message.objects.values_list("sender", "thread__teacher", "body")) == [
        (guardian.pk, teacher.pk, "Chào cô, cháu An xin nghỉ sáng mai vì đi khám răng.")
    ]
    assert seen["teacher_option"] == "Lê Thị Hoa (chủ nhiệm) · Toán"
    assert "khám răng" in seen["thread_text"]
    assert seen["home_overflow_ok"] and seen["thread_overflow_ok"]
    assert "ngoại tuyến" in seen["offline_banner"]
    assert re.search(r"(vừa xong|\d+ phút trước)", seen["offline_banner"])
    assert seen["offline_has_child"] == 1
    assert seen["console_errors"] == []
