"""In a browser: a principal fills in and submits the yearly report on a 360 px phone; the
province officer then opens the operations centre and finds the school on the map (Leaflet
from the xstatic package, no tile server), coloured by the self-reported value, with the
report's status in its popup. No console errors (the CSP allows no inline script/style).

Playwright's sync API runs an event loop in its thread; as in tests/records, the browser is
driven from a worker thread and the database checked from the test's thread."""

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.monitoring.models import IndicatorValue, ReportStatus, YearlyReport
from edudx.org.models import School
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, no_horizontal_overflow, screenshot
from tests.browser.test_teacher_flow import PASSWORD, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def require_chromium() -> None:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def login(page, base, username, device):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/otp/"))
    page.fill("input[name=token]", totp_now(device))
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")


def drive(base, principal, p_device, officer, o_device, school_id) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        phone = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN"}
        page = browser.new_context(**phone).new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        login(page, base, principal, p_device)
        page.goto(f"{base}/monitoring/report/?unit={school_id}&year=2025")
        page.fill("#T02-num", "2")
        page.fill("#T02-den", "3")
        page.fill("#section-results", "Hoàn thành kế hoạch chuyển đổi số.")
        page.click("#submit-report")
        page.wait_for_selector(".messages")
        seen["message"] = page.locator(".messages").inner_text()
        seen["status"] = page.locator("#report-status").inner_text()
        seen["phone_overflow_ok"] = no_horizontal_overflow(page)
        screenshot(page, "monitoring-report-360")
        seen["principal_errors"] = list(errors)

        wall = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        office = wall.new_page()
        o_errors: list[str] = []
        office.on("console", lambda m: m.type == "error" and o_errors.append(m.text))
        login(office, base, officer, o_device)
        office.goto(f"{base}/monitoring/?year=2025&indicator=T02")
        office.wait_for_selector("#ops-map.loaded", timeout=20000)
        seen["features"] = office.locator("#ops-map").get_attribute("data-features")
        seen["markers"] = office.locator("#ops-map path.leaflet-interactive").count()
        seen["fill"] = office.evaluate(
            "Array.from(document.querySelectorAll('#ops-map path.leaflet-interactive'))"
            ".map(p => p.getAttribute('fill'))"
        )
        # Click the school's point (the last feature drawn): its popup names the report.
        office.locator("#ops-map path.leaflet-interactive").last.click(force=True)
        office.wait_for_selector(".leaflet-popup-content")
        seen["popup"] = office.locator(".leaflet-popup-content").inner_text()
        screenshot(office, "monitoring-dashboard-map")
        seen["office_errors"] = list(o_errors)
        browser.close()
    return seen


def test_principal_submits_and_the_office_sees_it_on_the_map(
    live_server, reform, principal, officer
):
    require_chromium()
    School.objects.filter(unit=reform.school_a).update(
        latitude=Decimal("12.245"), longitude=Decimal("107.615")
    )
    for user in (principal, officer):
        user.save(update_fields=["password"])  # the factory does not persist it
    p_device = TOTPDevice.objects.create(user=principal, name="phone", confirmed=True)
    o_device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            drive, live_server.url, principal.username, p_device, officer.username, o_device,
            reform.school_a.pk,
        ).result(timeout=180)  # fmt: skip
    assert "Đã nộp báo cáo (lần 1)" in seen["message"]
    assert "Đã nộp – lần 1" in seen["status"]
    assert seen["phone_overflow_ok"] is True
    assert seen["principal_errors"] == []
    report = YearlyReport.objects.get(unit=reform.school_a)
    assert (report.status, report.version) == (ReportStatus.SUBMITTED, 1)
    t02 = IndicatorValue.objects.get(indicator__code="T02", unit=reform.school_a, year=2025)
    assert (t02.numerator, t02.denominator, t02.value) == (2, 3, Decimal("66.67"))
    assert seen["features"] == "2"  # the commune area and the school
    assert seen["markers"] == 2
    assert "#1a7f37" in seen["fill"]  # 66.67% against a 50% target: on target (green)
    assert "Trường THCS Lê Lợi" in seen["popup"] and "66,67%" in seen["popup"]
    assert "Báo cáo: Đã nộp" in seen["popup"]
    assert seen["office_errors"] == []
