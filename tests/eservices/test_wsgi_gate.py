import json

import pytest
from django.test import RequestFactory
from django.test.client import FakePayload

from edudx.eservices import gate, wsgi_gate
from edudx.eservices.models import AdmissionApplication

from .test_api import application
from .test_live import front

pytestmark = pytest.mark.django_db


def call(path, method="POST", body=b""):
    return front(path, body, method=method, idempotency_key="w-1")


def test_front_gate_sheds_without_django_and_admits_with_a_slot(world, settings):
    settings.ESERVICES_SUBMIT_WAIT_MS = 1
    r = world.grade1_round()
    path = f"/api/v1/admissions/rounds/{r.pk}/applications"
    body = json.dumps(application(world)).encode()
    g = gate._gate()
    taken = 0
    while g.acquire(blocking=False):
        taken += 1
    try:
        busy = call(path, body=body)
    finally:
        for _ in range(taken):
            g.release()
    assert busy["status"] == "503 Service Unavailable"
    assert busy["headers"]["Retry-After"] == "1"
    assert json.loads(busy["body"])["code"] == "server.busy"
    assert AdmissionApplication.objects.count() == 0
    ok = call(path, body=body)
    assert ok["status"].startswith("201"), ok["body"]
    assert AdmissionApplication.objects.count() == 1
    # Everything else goes straight through; the slot was given back.
    assert call("/api/v1/procedures", method="GET")["status"].startswith("200")
    assert g.acquire(blocking=False)
    g.release()


def _busy(path, *, method="POST", body=b"", **headers):
    """Call the front gate with every slot taken."""
    g = gate._gate()
    taken = 0
    while g.acquire(blocking=False):
        taken += 1
    try:
        environ_headers = {f"HTTP_{k.upper()}": v for k, v in headers.items()}
        return call_with(path, method=method, body=body, **environ_headers)
    finally:
        for _ in range(taken):
            g.release()


def call_with(path, method="POST", body=b"", **extra):
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD=method,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": FakePayload(body)},
        **extra,
    )
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    seen["body"] = b"".join(wsgi_gate.application(environ, start_response)).decode()
    return seen


VI = "Hệ thống đang nhận rất nhiều hồ sơ; vui lòng gửi lại sau giây lát."
EN = "The system is receiving a great many submissions; please send again in a moment."


@pytest.mark.parametrize(
    ("headers", "message", "language"),
    [
        ({}, VI, "vi"),
        ({"accept_language": "en-US,en;q=0.9"}, EN, "en"),
        ({"accept_language": "vi,en;q=0.5"}, VI, "vi"),
        ({"accept_language": "fr,en;q=0.5"}, EN, "en"),
        ({"cookie": "csrftoken=x; django_language=en"}, EN, "en"),
        ({"cookie": "django_language=vi", "accept_language": "en"}, VI, "vi"),
    ],
    ids=["default", "accept-en", "accept-vi", "accept-fr-then-en", "cookie-en", "cookie-wins"],
)
def test_front_gate_busy_json_speaks_the_clients_language(settings, headers, message, language):
    settings.ESERVICES_SUBMIT_WAIT_MS = 1
    settings.ESERVICES_RETRY_AFTER = 3
    busy = _busy("/api/v1/admissions/rounds/7/applications", **headers)
    assert busy["status"] == "503 Service Unavailable"
    assert busy["headers"]["Retry-After"] == "3"
    assert busy["headers"]["Content-Type"] == "application/json"
    assert busy["headers"]["Content-Language"] == language
    assert json.loads(busy["body"]) == {
        "code": "server.busy",
        "message": message,
        "field": None,
        "row": None,
    }


@pytest.mark.parametrize(
    ("headers", "title", "language"),
    [
        ({}, "<h1>Hệ thống đang bận</h1>", "vi"),
        # A page ignores the browser's Accept-Language (VietnameseFirstMiddleware) …
        ({"accept_language": "en-US,en;q=0.9"}, "<h1>Hệ thống đang bận</h1>", "vi"),
        # … and follows the reader's choice of language.
        ({"cookie": "django_language=en"}, "<h1>The system is busy</h1>", "en"),
    ],
    ids=["default", "browser-english-ignored", "cookie-en"],
)
def test_front_gate_busy_page_for_a_browser(settings, headers, title, language):
    settings.ESERVICES_SUBMIT_WAIT_MS = 1
    settings.ESERVICES_RETRY_AFTER = 2
    busy = _busy(
        "/services/admissions/7/apply/",
        accept="text/html,application/xhtml+xml,*/*;q=0.8",
        **headers,
    )
    assert busy["status"] == "503 Service Unavailable"
    assert busy["headers"]["Retry-After"] == "2"
    assert busy["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert busy["headers"]["Content-Language"] == language
    assert busy["body"].startswith(f'<!doctype html><html lang="{language}">')
    assert title in busy["body"]
    assert ("2 giây" if language == "vi" else "in 2 seconds") in busy["body"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in busy["body"]


def test_view_gate_busy_page_in_english_for_the_apply_form(world, settings):
    from django.test import Client

    settings.ESERVICES_SUBMIT_WAIT_MS = 1
    r = world.grade1_round()
    c = Client()
    c.cookies["django_language"] = "en"
    g = gate._gate()
    taken = 0
    while g.acquire(blocking=False):
        taken += 1
    try:
        page = c.get(f"/services/admissions/{r.pk}/apply/")  # a GET is never gated
        busy = c.post(
            f"/services/admissions/{r.pk}/apply/", {"child_name": "x"}, HTTP_ACCEPT="text/html"
        )
    finally:
        for _ in range(taken):
            g.release()
    assert page.status_code == 200
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "1"
    assert busy.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>The system is busy</h1>" in busy.content.decode()
    assert AdmissionApplication.objects.count() == 0
