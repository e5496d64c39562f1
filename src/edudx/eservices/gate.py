"""Holding the opening-day spike (`wsgi_gate` puts the same gate in front of Django):
at most N submissions run at once in a worker process
(EDUDX_ESERVICES_SUBMIT_CONCURRENCY, default 8 — about the database connections a
worker should hold busy). A request that cannot get a slot within
EDUDX_ESERVICES_SUBMIT_WAIT_MS (default 250 ms) is answered at once with 503 and
Retry-After (EDUDX_ESERVICES_RETRY_AFTER seconds) instead of queueing until it times
out; the client retries with the same Idempotency-Key, so nothing is counted twice.

The 503 answer is Vietnamese unless the client asks for English — the language cookie
the switch sets (the reader's choice), or, for the API, Accept-Language (pages ignore
it, as `core.middleware.VietnameseFirstMiddleware` does) — JSON for API clients and a
small HTML page for a browser posting a form. The front gate answers before Django's
middleware, so it reads the cookie and headers itself; the bodies are rendered once per
language and kept."""

import functools
import html
import json
import logging
import re
import threading

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from .services import setting

log = logging.getLogger(__name__)

_lock = threading.Lock()
_semaphore: threading.BoundedSemaphore | None = None

LANGUAGES = ("vi", "en")


def _gate() -> threading.BoundedSemaphore:
    global _semaphore  # noqa: PLW0603 — one gate per process, made on first use
    if _semaphore is None:
        with _lock:
            if _semaphore is None:
                _semaphore = threading.BoundedSemaphore(setting("SUBMIT_CONCURRENCY", 8))
    return _semaphore


@functools.lru_cache(maxsize=4)
def _cookie_re(name: str) -> re.Pattern:
    return re.compile(r"(?:^|;)\s*" + re.escape(name) + r"=\"?([A-Za-z-]+)")


def busy_language(*, path: str, cookie: str = "", accept_language: str = "") -> str:
    """The language of a 503 answered before Django: the language cookie first (as
    LocaleMiddleware), then — for the API only — Accept-Language; otherwise Vietnamese."""
    if cookie:
        m = _cookie_re(settings.LANGUAGE_COOKIE_NAME).search(cookie)
        if m:
            lang = m.group(1).lower().split("-")[0]
            if lang in LANGUAGES:
                return lang
    if accept_language and path.startswith("/api/"):
        for tag, _q in parse_accept_lang_header(accept_language[:255]):
            lang = tag.split("-")[0]
            if lang in LANGUAGES:
                return lang
    return "vi"


def wants_html(*, path: str, accept: str = "") -> bool:
    """A browser posting a page form (it asks for text/html); the API always gets JSON."""
    return not path.startswith("/api/") and "text/html" in (accept or "")


@functools.lru_cache(maxsize=8)
def busy_body(language: str, as_html: bool, retry_after: int) -> tuple[str, bytes]:
    """(Content-Type, body) of the 503, rendered once per language and form."""
    with translation.override(language):
        title = _("Hệ thống đang bận")
        message = _("Hệ thống đang nhận rất nhiều hồ sơ; vui lòng gửi lại sau giây lát.")
        if as_html:
            hint = _(
                "Hồ sơ của bạn chưa được ghi nhận. Hãy quay lại trang trước và bấm gửi lại "
                "sau %(s)s giây; gửi lại không tạo hồ sơ trùng."
            ) % {"s": retry_after}
    if not as_html:
        body = json.dumps(
            {"code": "server.busy", "message": message, "field": None, "row": None},
            ensure_ascii=False,
        )
        return "application/json", body.encode()
    page = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        f"<p>{html.escape(hint)}</p></body></html>"
    )
    return "text/html; charset=utf-8", page.encode()


def busy_headers(
    content_type: str, body: bytes, retry_after: int, language: str
) -> list[tuple[str, str]]:
    return [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Retry-After", str(retry_after)),
        ("Content-Language", language),
        ("Cache-Control", "no-store"),
        # Nothing to load: the page is text only.
        ("Content-Security-Policy", "default-src 'none'"),
    ]


def busy_response(request=None) -> HttpResponse:
    """The 503 from inside Django (the view-level gate): LocaleMiddleware has already
    chosen the language."""
    retry_after = setting("RETRY_AFTER", 1)
    language = translation.get_language() or "vi"
    language = language.split("-")[0] if language.split("-")[0] in LANGUAGES else "vi"
    as_html = request is not None and wants_html(
        path=request.path, accept=request.headers.get("Accept", "")
    )
    content_type, body = busy_body(language, as_html, retry_after)
    response = HttpResponse(body, status=503, content_type=content_type)
    for name, value in busy_headers(content_type, body, retry_after, language)[2:]:
        response[name] = value
    # An expected answer under load, counted by the gate's own log line: not one
    # "Service Unavailable" error per request in Django's request log.
    response._has_been_logged = True
    return response


HELD = "edudx.eservices.gate_held"


def submission_gate(view):
    """Gate the submitting requests of a view (its GETs go through)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method in ("GET", "HEAD") or request.META.get(HELD):
            # The WSGI front gate (eservices.wsgi_gate) already holds a slot for it.
            return view(request, *args, **kwargs)
        gate = _gate()
        if not gate.acquire(timeout=setting("SUBMIT_WAIT_MS", 250) / 1000):
            log.info("eservices.gate_busy", extra={"path": request.path})
            return busy_response(request)
        try:
            return view(request, *args, **kwargs)
        finally:
            gate.release()

    return wrapper
