"""On a 360 px phone, a guardian signs in, opens the fees page, and sees her child's invoice
with its VietQR code (an inline SVG that fits the screen), and nothing of another child.

Like tests/records/test_marks_browser.py, the browser runs in a worker thread with its own
Playwright (the session browser of tests/browser holds the main thread's event loop)."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from edudx.fees import vietqr
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


def drive(base, username, own_id, other_id) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, username)
        page.click("nav.main-nav summary")  # on a phone the menu opens first
        page.click("nav.main-nav a >> text=Học phí")
        page.wait_for_url(re.compile(r"/fees/$"))
        seen["cards"] = page.locator(".invoice-card").count()
        page.click(".invoice-card a")
        page.wait_for_url(re.compile(rf"/fees/invoices/{own_id}/$"))
        qr = page.locator(".qr-box svg")
        box = qr.bounding_box()
        seen["qr_box"] = (box["width"], box["height"]) if box else None
        seen["qr_visible"] = qr.is_visible()
        seen["text"] = page.locator("main").inner_text()
        seen["no_overflow"] = no_horizontal_overflow(page)
        screenshot(page, "fees-invoice-guardian-360")
        seen["console_errors"] = list(errors)  # before the 404 below, which logs one
        seen["other"] = page.goto(f"{base}/fees/invoices/{other_id}/").status
        browser.close()
    return seen


def test_guardian_sees_invoice_with_vietqr_on_a_phone(live_server, invoices, guardian):
    require_chromium()
    guardian.save(update_fields=["password"])  # the factory does not persist it
    a1, a2 = invoices
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(drive, live_server.url, guardian.username, a1.pk, a2.pk).result(
            timeout=120
        )
    assert seen["cards"] == 1
    assert seen["qr_visible"] is True
    width, height = seen["qr_box"]
    assert 150 <= width <= 330 and abs(width - height) < 2
    assert a1.reference in seen["text"]
    assert "1.930.400\u00a0đ" in seen["text"]
    assert "Vietcombank" in seen["text"] and "0123456789" in seen["text"]
    assert seen["no_overflow"] is True
    assert seen["other"] == 404
    assert seen["console_errors"] == []
    # What the code encodes is a valid VietQR for exactly what is due.
    from edudx.fees import selectors, services  # noqa: PLC0415

    payload = services.invoice_qr_payload(a1, selectors.bank_account_of(a1.school))
    assert vietqr.parse(payload).amount == 1_930_400


def drive_accounts(base, username, device, school_id) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, username, device)
        page.goto(f"{base}/fees/accounts/?school={school_id}")
        seen["cards_before"] = page.locator(".bank-accounts .card").count()
        page.select_option("#n-bin", "970415")
        page.fill("#n-num", "1020 3040 50")
        page.fill("#n-name", "Trường THCS Lê Lợi - quỹ bán trú")
        page.click("section[aria-labelledby=h-new-account] button[type=submit]")
        page.wait_for_selector(".bank-accounts .card >> nth=1")
        seen["cards_after"] = page.locator(".bank-accounts .card").count()
        seen["text"] = page.locator("main").inner_text()
        seen["no_overflow"] = no_horizontal_overflow(page)
        widths = page.eval_on_selector_all(
            "main input, main select, main button", "els => els.map(e => e.offsetWidth)"
        )
        seen["widest_control"] = max(widths)
        screenshot(page, "fees-accounts-clerk-360")
        seen["console_errors"] = list(errors)
        browser.close()
    return seen


def test_clerk_adds_a_bank_account_on_a_phone(live_server, account, clerk, district):
    """The bank-account page at 360 px: a clerk (with her second factor) adds an account
    and sees it listed, the bank name filled in from the BIN and the holder's name in the
    bank's form (capitals without diacritics), nothing wider than the screen."""
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    require_chromium()
    clerk.set_password(PASSWORD)
    clerk.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive_accounts, live_server.url, clerk.username, device, district.school_a.pk
        ).result(timeout=120)
    assert (seen["cards_before"], seen["cards_after"]) == (1, 2)
    assert "VietinBank · 1020304050" in seen["text"]
    assert "TRUONG THCS LE LOI - QUY BAN TRU" in seen["text"]
    assert seen["no_overflow"] is True
    assert seen["widest_control"] <= 360
    assert seen["console_errors"] == []
