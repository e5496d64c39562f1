"""On a 360 px phone, a clerk (with her second factor) walks a stock-take: opens the
computer room of the check, ticks one computer found but broken and one not found, saves
the room, and sees the walk's progress; the register and the room page never scroll
sideways.

Like tests/fees/test_browser.py, the browser runs in a worker thread with its own
Playwright (the session browser of tests/browser holds the main thread's event loop)."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from edudx.assets import services
from edudx.assets.models import InventoryResult
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    login,
    no_horizontal_overflow,
    require_chromium,
    screenshot,
)
from tests.browser.test_teacher_flow import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def drive(base, username, device, check_id, room_id, mt1, mt2) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, username, device)
        page.goto(f"{base}/assets/items/")
        seen["register_no_overflow"] = no_horizontal_overflow(page)
        page.goto(f"{base}/assets/checks/{check_id}/")
        page.click(f"a[href='/assets/checks/{check_id}/rooms/{room_id}/']")
        page.wait_for_url(re.compile(rf"/rooms/{room_id}/$"))
        seen["room_no_overflow"] = no_horizontal_overflow(page)
        widths = page.eval_on_selector_all(
            "main input, main select, main button, main fieldset",
            "els => els.map(e => e.getBoundingClientRect().right)",
        )
        seen["rightmost"] = max(widths)
        page.check(f"input[name=found-{mt1}][value=yes]")
        page.select_option(f"#cond-{mt1}", "broken")
        page.check(f"input[name=found-{mt2}][value=no]")
        screenshot(page, "assets-check-room-clerk-360")
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(rf"/assets/checks/{check_id}/$"))
        seen["text"] = page.locator("main").inner_text()
        seen["console_errors"] = list(errors)
        browser.close()
    return seen


def test_clerk_walks_a_room_on_a_phone(live_server, district, register, clerk):
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    require_chromium()
    clerk.set_password(PASSWORD)
    clerk.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    check = services.check_open(
        actor=clerk, school=district.school_a, check_date=dt.date(2025, 12, 20)
    )
    r = register
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive, live_server.url, clerk.username, device, check.pk, r.lab.pk, r.mt1.pk, r.mt2.pk
        ).result(timeout=120)
    assert seen["register_no_overflow"] is True
    assert seen["room_no_overflow"] is True
    assert seen["rightmost"] <= 360
    assert "Đã lưu 2 tài sản." in seen["text"]
    assert "Đã kiểm 2/3 tài sản." in seen["text"]
    assert seen["console_errors"] == []
    results = {
        x.item_id: (x.found, x.condition_seen)
        for x in InventoryResult.objects.filter(inventory=check)
    }
    assert results == {r.mt1.pk: (True, "broken"), r.mt2.pk: (False, "")}
