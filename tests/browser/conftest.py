"""Headless Debian chromium through Playwright (never a downloaded browser)."""

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (creating
# data, reading the audit trail) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def phone(browser):
    """A 360 × 740 phone, Vietnamese; collects console errors (CSP violations show there)."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", device_scale_factor=1
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_overflow(page) -> bool:
    width = page.viewport_size["width"]
    return page.evaluate("document.documentElement.scrollWidth") <= width


def require_chromium() -> None:
    """Skip with the reason where Debian's chromium is missing; under CI=true, fail."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def login(page, base, username, device=None, password=None):
    """Sign in through the login page (and the second factor when `device` is given)."""
    from tests.browser.test_teacher_flow import PASSWORD, totp_now  # noqa: PLC0415

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("form.form button[type=submit]")
    if device is not None:
        page.wait_for_url(re.compile(r"/accounts/otp/"))
        page.fill("input[name=token]", totp_now(device))
        page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")
