"""Forms in any browser, driven by a guardian on a phone.

Dates in dd/mm/yyyy whatever the browser's language (core/static/edudx/dates.js): a
US-English browser shows a native date field month first, so there the field is a text box
in dd/mm/yyyy that sends the ISO date the server always got; a Vietnamese browser keeps its
native, day-first field (a leave request). A form sent twice as a browser resends it writes
once (core/static/edudx/once.js and core/formonce.py; a message to the teacher)."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from edudx.contact.models import Message
from edudx.records.models import LeaveRequest
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_teacher_flow import PASSWORD
from tests.records.test_marks_browser import require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_child(page, base, guardian, student_id) -> None:
    """Sign in as the guardian and open the child's contact-book page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", guardian)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/contact/students/{student_id}/")


def next_month_7th() -> dt.date:
    """A leave date that stays valid whenever the test runs (leave for a past month is
    refused)."""
    return (dt.date.today().replace(day=28) + dt.timedelta(days=10)).replace(day=7)


def type_date(page, selector: str, day: dt.date, padded: bool = True) -> None:
    """Type `day` as the field asks: dd/mm/yyyy in a text box, ISO in a native field."""
    if page.locator(selector).get_attribute("type") == "text":
        text = f"{day:%d/%m/%Y}" if padded else f"{day.day}/{day.month}/{day.year}"
    else:
        text = day.isoformat()
    page.fill(selector, text)


def leave_form(pw, base, guardian, student_id, locale, seen):
    """A phone in `locale` (console errors into `seen`), the guardian signed in, the child's
    leave-request form open: (browser, page)."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    open_child(page, base, guardian, student_id)
    page.click("text=Gửi đơn xin nghỉ")
    return browser, page


def drive(base, guardian, student_id, locale) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {"errors": []}
    with sync_playwright() as pw:
        browser, page = leave_form(pw, base, guardian, student_id, locale, seen)
        field = page.locator("#l-from")
        seen["type"] = field.get_attribute("type")
        seen["placeholder"] = field.get_attribute("placeholder")
        if seen["type"] == "text":
            page.fill("#l-from", "31/02/2026")  # no such day
            seen["invalid"] = field.evaluate("e => e.validationMessage")
            seen["invalid_iso"] = page.locator("input[name=from_date]").input_value()
        day = next_month_7th()
        type_date(page, "#l-from", day, padded=False)  # 7/1/2027 is read as 07/01/2027
        type_date(page, "#l-to", day + dt.timedelta(days=1))
        seen["iso"] = page.locator("input[name=from_date]").input_value()
        page.fill("#l-reason", "Đi khám răng")
        page.click("form:has(#l-reason) button[type=submit]")
        page.wait_for_url(re.compile(rf"/contact/students/{student_id}/$"))
        seen["message"] = page.locator(".messages").inner_text()
        seen["listed"] = page.locator("#h-leave + .mini-list").inner_text()
        browser.close()
    return seen


@pytest.mark.parametrize(
    ("locale", "kind", "placeholder"), [("en-US", "text", "dd/mm/yyyy"), ("vi-VN", "date", None)]
)
def test_a_leave_request_is_dated_day_first_in_any_browser(
    live_server, district, guardian, locale, kind, placeholder
):
    require_chromium()
    guardian.set_password(PASSWORD)
    guardian.save()
    student = district.student_a1
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(drive, live_server.url, guardian.username, student.pk, locale).result(
            timeout=120
        )
    assert seen["message"] == "Đã gửi đơn xin nghỉ cho giáo viên chủ nhiệm."
    day = next_month_7th()
    leave = LeaveRequest.objects.get(student=student)
    assert (leave.from_date, leave.to_date, leave.reason) == (
        day,
        day + dt.timedelta(days=1),
        "Đi khám răng",
    )
    assert (seen["type"], seen["placeholder"], seen["iso"]) == (kind, placeholder, day.isoformat())
    to = day + dt.timedelta(days=1)
    assert seen["listed"].startswith(f"{day:%d/%m/%Y}–{to:%d/%m/%Y}: Đi khám răng")
    if kind == "text":
        assert seen["invalid"] == "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2026."
        assert seen["invalid_iso"] == ""
    assert seen["errors"] == []


def refuse(base, guardian, student_id, locale) -> dict:
    """A leave request for a month already over: the page comes back with the request as
    typed, the date field in error focused and described by its error."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {"errors": []}
    with sync_playwright() as pw:
        browser, page = leave_form(pw, base, guardian, student_id, locale, seen)
        past = dt.date.today().replace(day=1) - dt.timedelta(days=3)
        type_date(page, "#l-from", past)
        type_date(page, "#l-to", past)
        page.fill("#l-reason", "Cháu bị ốm")
        page.click("form:has(#l-reason) button[type=submit]")
        page.wait_for_load_state()
        seen["focused"] = page.evaluate("document.activeElement.id")
        seen["described"] = page.locator("#l-from").get_attribute("aria-describedby")
        seen["error"] = page.locator("#e-leave_from_date").inner_text()
        seen["from"] = page.locator("input[name=from_date]").input_value()
        seen["reason"] = page.locator("#l-reason").input_value()
        seen["visible"] = page.locator("#l-from").is_visible()
        browser.close()
    return seen


@pytest.mark.parametrize("locale", ["en-US", "vi-VN"])
def test_a_refused_leave_request_lands_on_the_date_to_correct(
    live_server, district, guardian, locale
):
    require_chromium()
    guardian.set_password(PASSWORD)
    guardian.save()
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(
            refuse, live_server.url, guardian.username, district.student_a1.pk, locale
        ).result(timeout=120)
    past = dt.date.today().replace(day=1) - dt.timedelta(days=3)
    assert seen["error"] == (
        f"Từ ngày: Không thể xin nghỉ cho tháng đã qua (ngày {past:%d/%m/%Y}); hãy liên hệ "
        "giáo viên chủ nhiệm."
    )
    # Focused and described in either browser: dates.js's text box takes both over.
    assert (seen["focused"], seen["described"], seen["visible"]) == (
        "l-from",
        "e-leave_from_date",
        True,
    )
    assert (seen["from"], seen["reason"]) == (past.isoformat(), "Cháu bị ốm")
    assert LeaveRequest.objects.count() == 0
    # The console's only error is the refused page's own status.
    assert seen["errors"] == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]


def resend(base, guardian, student_id) -> dict:
    """The message form sent twice as the browser would resend it: the same fields, the
    same `_once` that once.js stamped on the form."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="vi-VN")
        open_child(page, base, guardian, student_id)
        page.fill("#m-body", "Cháu An xin nghỉ sáng mai.")
        seen = page.eval_on_selector(
            "form:has(#m-body)",
            """async form => {
                const once = form.querySelector("input[name=_once]").value;
                const send = () => fetch(form.action, {method: "POST", body: new FormData(form)})
                    .then(r => r.url);
                const urls = [await send(), await send()];
                return {once, urls};
            }""",
        )
        browser.close()
    return seen


def test_a_form_resent_by_the_browser_writes_once(live_server, district, guardian, teacher):
    require_chromium()
    guardian.set_password(PASSWORD)
    guardian.save()
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(resend, live_server.url, guardian.username, district.student_a1.pk)
        seen = seen.result(timeout=120)
    assert re.fullmatch(r"[0-9a-f]{32}", seen["once"])
    assert seen["urls"][0] == seen["urls"][1]
    assert re.search(r"/contact/messages/\d+/$", seen["urls"][0])
    assert list(Message.objects.values_list("body", flat=True)) == ["Cháu An xin nghỉ sáng mai."]
