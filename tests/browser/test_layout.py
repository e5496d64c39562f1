"""Every page at 360 px (a cheap phone) and 1280 px: no horizontal scroll, no console error
(a CSP violation from an inline script or style would show there). Screenshots go to
var/screenshots/ for a human to look at."""

import datetime as dt

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.accounts.models import Role
from edudx.org import services as org_services
from edudx.org.models import UnitKind
from tests.core.guardians import guardian_world

from .conftest import no_horizontal_overflow, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, live_server, client, user, width: int, language: str = "vi"):
    """A browser context carrying a verified session (the login flow itself is covered by
    test_teacher_flow)."""
    user.save(update_fields=["password"])
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    context = browser.new_context(viewport={"width": width, "height": 800})
    host = live_server.url.split("//")[1].split(":")[0]
    context.add_cookies(
        [
            {"name": "sessionid", "value": session.session_key, "domain": host, "path": "/"},
            {"name": "django_language", "value": language, "domain": host, "path": "/"},
        ]
    )
    return context


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_fit_and_load_cleanly(browser, live_server, client, district, width):
    new_province = org_services.unit_create(
        actor=None,
        kind=UnitKind.PROVINCE,
        name="Tỉnh Lâm Đồng",
        code="68",
        parent=district.ministry,
    )
    org_services.unit_reparent(
        actor=None, unit=district.commune_a, new_parent=new_province, effective=dt.date(2025, 7, 1)
    )
    principal = district.user(Role.PRINCIPAL, district.school_a)
    context = signed_in(browser, live_server, client, principal, width)
    page = context.new_page()
    errors, broken = [], []
    # The 404 page itself is a failed "document" load; any other failed resource is a bug.
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and errors.append(m.text)
        ),
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and r.request.resource_type != "document" and broken.append(r.url)
        ),
    )
    pages = {
        "home": "/",
        "org-roots": "/org/",
        "org-district-before": f"/org/{district.district.pk}/?as_of=30/06/2025",
        "org-province-after": f"/org/{new_province.pk}/",
        "org-school": f"/org/{district.school_a.pk}/",
        "students": "/people/students/",
        "student-record": f"/people/students/{district.student_a1.pk}/",
        "staff": "/people/staff/",
        "not-found": "/people/students/999999/",
        "open-data": "/open-data/",
        "open-data-dataset": "/open-data/students-by-grade/",
        "verify-transcript": "/verify/",
        "verify-document": "/verify/documents/",
        "api-tokens": "/accounts/tokens/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        screenshot(page, f"{name}-{width}")
        assert no_horizontal_overflow(page), name
    assert errors == []
    assert broken == []
    context.close()


def test_english_pages(browser, live_server, client, district):
    teacher = district.teacher_user()
    context = signed_in(browser, live_server, client, teacher, 360, language="en")
    page = context.new_page()
    page.goto(f"{live_server.url}/people/students/{district.student_a1.pk}/")
    screenshot(page, "student-record-en-360")
    assert "Date of birth" in page.locator("main").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".main-nav summary").inner_text() == "Menu · Students"
    page.click(".main-nav summary")
    assert page.locator(".main-nav").inner_text().split("\n") == [
        "Menu · Students",
        "Home",
        "Organisation",
        "Students",
        "Take attendance",
        "Enter marks",
        "Contact book",
        "Resources",
        "Online classes",
        "Professional development",
        "Question bank",
        "Sign out",
    ]
    context.close()


def test_menu_collapses_on_phones(browser, live_server, client, district):
    """360 px: one "Danh mục · <current page>" row, the content right under the header; a tap
    (or Enter on the focused summary) opens the grouped menu with logout inside."""
    principal = district.user(Role.PRINCIPAL, district.school_a)
    context = signed_in(browser, live_server, client, principal, 360)
    page = context.new_page()
    page.goto(f"{live_server.url}/people/students/")
    nav = page.locator("nav.main-nav")
    links = nav.locator("a")
    summary = nav.locator("summary")
    assert summary.inner_text() == "Danh mục · Học sinh"
    assert links.count() == 25
    assert [links.nth(i).is_visible() for i in range(25)] == [False] * 25
    assert not nav.locator(".logout-form button").is_visible()
    assert page.locator("main h1").bounding_box()["y"] < 200  # header: 3 rows of 44 px or less
    assert no_horizontal_overflow(page)
    screenshot(page, "menu-closed-360")

    summary.click()
    assert [links.nth(i).is_visible() for i in range(25)] == [True] * 25
    assert nav.locator(".nav-group-label").all_inner_texts() == [
        "HỌC SINH & LỚP",  # text-transform: uppercase
        "HỌC TẬP",
        "TÀI CHÍNH",
        "DỊCH VỤ CÔNG",
        "QUẢN LÝ",
    ]
    assert nav.locator("a[aria-current=page]").all_inner_texts() == ["Học sinh"]
    assert nav.locator(".logout-form button").is_visible()
    assert no_horizontal_overflow(page)
    screenshot(page, "menu-open-360")

    nav.locator("a", has_text="Cán bộ").click()
    page.wait_for_url(f"{live_server.url}/people/staff/")
    assert summary.inner_text() == "Danh mục · Cán bộ"
    assert not links.first.is_visible()  # a new page: closed again
    summary.focus()
    page.keyboard.press("Enter")
    assert links.first.is_visible()
    context.close()


def test_menu_is_open_on_wide_screens(browser, live_server, client, district):
    principal = district.user(Role.PRINCIPAL, district.school_a)
    context = signed_in(browser, live_server, client, principal, 1280)
    page = context.new_page()
    page.goto(f"{live_server.url}/people/students/")
    nav = page.locator("nav.main-nav")
    links = nav.locator("a")
    assert not nav.locator("summary").is_visible()
    assert links.count() == 25
    assert [links.nth(i).is_visible() for i in range(25)] == [True] * 25
    assert nav.locator(".logout-form button").is_visible()
    assert nav.locator("a[aria-current=page]").all_inner_texts() == ["Học sinh"]
    assert no_horizontal_overflow(page)
    screenshot(page, "menu-1280")
    context.close()


def test_guardian_home_fits_a_phone(browser, live_server, client, district):
    """A mother of two at 360 px: each child's card, its lines (the amount with "đ" on the
    same line) and no sideways scroll."""
    mai = guardian_world(district).mai
    context = signed_in(browser, live_server, client, mai, 360)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{live_server.url}/")
    screenshot(page, "guardian-home-360")
    assert page.locator(".child-card h3").all_inner_texts() == [
        "Nguyễn Văn An",
        "Nguyễn Văn Cường",
    ]
    due = page.locator(".child-card .glance li").first
    assert due.inner_text() == "Còn phải nộp 540.900\u00a0đ"
    assert due.bounding_box()["height"] <= 48  # one line: the amount keeps its "đ"
    assert no_horizontal_overflow(page)
    assert errors == []
    context.close()


def test_a_new_api_token_fits_a_phone(browser, live_server, client, district):
    """The token shown once (56 characters without a space) wraps inside a 360 px screen."""
    officer = district.user(Role.COMMUNE_OFFICER, district.commune_a)
    context = signed_in(browser, live_server, client, officer, 360)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/tokens/")
    page.fill("#t-name", "CSDL ngành tỉnh")
    page.click("main button[type=submit]")
    raw = page.locator("#raw-token").inner_text()
    assert raw.startswith("edx_") and len(raw) > 50
    screenshot(page, "api-token-new-360")
    assert no_horizontal_overflow(page)
    context.close()
