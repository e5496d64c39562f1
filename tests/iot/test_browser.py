"""On a 360 px phone, a principal (with her second factor) opens "Thiết bị IoT" from the
menu, goes to her school, sees the sensor with an incident, opens it (the 24-hour chart
fits the screen), acknowledges the incident and registers a new device (its secret shown
once). Nothing is wider than the screen.

Like tests/fees/test_browser.py, the browser runs in a worker thread with its own
Playwright; the database is checked from the test's thread."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from edudx.iot.models import Device, Incident
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    login,
    no_horizontal_overflow,
    require_chromium,
    screenshot,
)
from tests.browser.test_teacher_flow import PASSWORD

from .test_pages_api import feed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def drive(base, username, device, school_id, sensor_pk) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, username, device)
        page.click("nav.main-nav summary")  # on a phone the menu opens first
        page.click("nav.main-nav a >> text=Thiết bị IoT")
        page.wait_for_url(re.compile(r"/iot/$"))
        seen["home_no_overflow"] = no_horizontal_overflow(page)
        page.click(f"a[href='/iot/schools/{school_id}/']")
        page.wait_for_url(re.compile(rf"/iot/schools/{school_id}/$"))
        seen["school_text"] = page.locator("main").inner_text()
        seen["school_no_overflow"] = no_horizontal_overflow(page)
        screenshot(page, "iot-school-principal-360")
        page.click(f"a[href='/iot/devices/{sensor_pk}/']")
        page.wait_for_url(re.compile(rf"/iot/devices/{sensor_pk}/$"))
        chart = page.locator("svg.chart.series").first.bounding_box()
        seen["chart_width"] = chart["width"] if chart else None
        seen["device_no_overflow"] = no_horizontal_overflow(page)
        screenshot(page, "iot-device-principal-360")
        page.click("text=Xác nhận đã biết")
        page.wait_for_selector("text=Đã xác nhận sự cố.")
        page.goto(f"{base}/iot/schools/{school_id}/")
        page.fill("#d-id", "LL-thu-vien")
        page.fill("#d-name", "Cảm biến thư viện")
        page.fill("#d-loc", "Thư viện")
        page.click("section[aria-labelledby=h-new] button[type=submit]")
        page.wait_for_selector("code.secret")
        seen["secret"] = page.locator("code.secret").inner_text()
        seen["register_no_overflow"] = no_horizontal_overflow(page)
        screenshot(page, "iot-register-principal-360")
        seen["console_errors"] = list(errors)
        browser.close()
    return seen


def test_principal_on_a_phone(live_server, principal, sensor):
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    require_chromium()
    principal.set_password(PASSWORD)
    principal.save(update_fields=["password"])
    otp = TOTPDevice.objects.create(user=principal, name="phone", confirmed=True)
    feed(sensor, [(40, 1700), (30, 1750), (20, 1800), (10, 1650), (0, 1600)])
    feed(sensor, [(0, 29.5)], metric="temperature_c")
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive, live_server.url, principal.username, otp, sensor.school_id, sensor.pk
        ).result(timeout=120)
    assert "Cảm biến phòng 6A1" in seen["school_text"]
    assert "Có sự cố" in seen["school_text"]
    assert seen["home_no_overflow"] and seen["school_no_overflow"]
    assert seen["device_no_overflow"] and seen["register_no_overflow"]
    assert 250 <= seen["chart_width"] <= 360
    assert Incident.objects.get().acknowledged_by == principal
    new = Device.objects.get(device_id="LL-thu-vien")
    assert len(seen["secret"]) == 43
    assert new.secret_hash != seen["secret"]
    assert seen["console_errors"] == []
