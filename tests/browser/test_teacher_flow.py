"""A teacher on a 360 px phone: real login form, real OTP form, search a student without
diacritics (htmx search-as-you-type), open the record."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.audit.models import AuditEvent

from .conftest import no_horizontal_overflow, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mat-khau-dai-123"  # tests.factories.UserFactory


def totp_now(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    return f"{totp.token():0{device.digits}d}"


def test_teacher_searches_without_diacritics_and_opens_the_record(live_server, district, phone):
    user = district.teacher_user()
    user.save(update_fields=["password"])  # the factory does not persist it
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page = phone
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/otp/"))
    page.fill("input[name=token]", totp_now(device))
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator(".user-box").inner_text().startswith("Lê Thị Hoa")
    assert no_horizontal_overflow(page)
    screenshot(page, "teacher-home-360")

    page.click(".main-nav summary")  # on a phone the menu opens first
    page.click(".main-nav a >> text=Học sinh")
    page.wait_for_url(re.compile(r"/people/students/"))
    assert page.locator("#results tbody tr").count() == 2
    page.locator("#q").press_sequentially("nguyen van", delay=30)
    # htmx swaps the results in place and pushes the query into the address bar.
    page.wait_for_url(re.compile(r"q=nguyen"))
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1
    assert "Nguyễn Văn An" in rows.first.inner_text()
    assert no_horizontal_overflow(page)
    screenshot(page, "teacher-search-360")

    page.click("#results >> text=Nguyễn Văn An")
    page.wait_for_url(re.compile(r"/people/students/\d+/$"))
    assert page.locator("h1").inner_text() == "Nguyễn Văn An"
    body = page.locator("main").inner_text()
    assert "04/05/2013" in body
    assert no_horizontal_overflow(page)
    screenshot(page, "teacher-record-360")

    assert page.console_errors == []
    assert (
        AuditEvent.objects.filter(
            action="view", object_type="people.student", object_id=str(district.student_a1.pk)
        ).count()
        == 1
    )
