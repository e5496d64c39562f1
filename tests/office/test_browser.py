"""On a 360 px phone, school A's clerk opens "Văn bản, hồ sơ" from the menu, registers an
incoming document through the form, sees the overdue one flagged, and no page of the
register, the document or the dossiers scrolls sideways.

Like tests/fees/test_browser.py, the browser runs in a worker thread with its own
Playwright (the session browser of tests/browser holds the main thread's event loop)."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.office import services
from edudx.office.models import IncomingDocument
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

    seen: dict = {"overflow": {}}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, username, device)
        page.click("nav.main-nav summary")  # on a phone the menu opens first
        page.click("nav.main-nav a >> text=Văn bản, hồ sơ")
        page.wait_for_url(re.compile(r"/office/$"))
        seen["overdue_rows"] = page.locator("tr.overdue").count()
        seen["overflow"]["register"] = no_horizontal_overflow(page)
        screenshot(page, "office-register-360")
        page.click("text=Vào sổ văn bản đến")
        page.fill("#i-sender", "UBND xã Nam Bình")
        page.fill("#i-symbol", "45/UBND-VX")
        page.fill("#i-issued", "2026-03-10")
        page.fill("#i-received", "2026-03-12")
        page.fill("#i-summary", "Về việc phòng chống dịch sốt xuất huyết")
        seen["overflow"]["form"] = no_horizontal_overflow(page)
        page.click("form.form button[type=submit]")
        page.wait_for_url(re.compile(r"/office/incoming/\d+/$"))
        seen["h1"] = page.locator("h1").inner_text()
        seen["overflow"]["detail"] = no_horizontal_overflow(page)
        screenshot(page, "office-incoming-360")
        page.goto(f"{base}/office/dossiers/")
        seen["overflow"]["dossiers"] = no_horizontal_overflow(page)
        seen["console_errors"] = list(errors)
        browser.close()
    return seen


def test_clerk_registers_on_a_phone(live_server, office):
    require_chromium()
    clerk = office.clerk
    clerk.save(update_fields=["password"])  # the factory does not persist it
    late = office.incoming()
    services.incoming_assign(
        actor=office.principal, document=late, handler=office.teacher, due_on=dt.date(2026, 3, 13)
    )
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(drive, live_server.url, clerk.username, device).result(timeout=120)
    assert seen["overdue_rows"] == 1
    assert seen["h1"] == "Văn bản đến số 2/2026"
    assert seen["overflow"] == {"register": True, "form": True, "detail": True, "dossiers": True}
    assert seen["console_errors"] == []
    assert IncomingDocument.objects.filter(symbol="45/UBND-VX", number=2).exists()
