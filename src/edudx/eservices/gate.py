"""Holding the opening-day spike (`wsgi_gate` puts the same gate in front of Django):
at most N submissions run at once in a worker process
(EDUDX_ESERVICES_SUBMIT_CONCURRENCY, default 8 — about the database connections a
worker should hold busy). A request that cannot get a slot within
EDUDX_ESERVICES_SUBMIT_WAIT_MS (default 250 ms) is answered at once with 503 and
Retry-After (EDUDX_ESERVICES_RETRY_AFTER seconds) instead of queueing until it times
out; the client retries with the same Idempotency-Key, so nothing is counted twice."""

import functools
import logging
import threading

from django.http import JsonResponse
from django.utils.translation import gettext as _

from .services import setting

log = logging.getLogger(__name__)

_lock = threading.Lock()
_semaphore: threading.BoundedSemaphore | None = None


def _gate() -> threading.BoundedSemaphore:
    global _semaphore  # noqa: PLW0603 — one gate per process, made on first use
    if _semaphore is None:
        with _lock:
            if _semaphore is None:
                _semaphore = threading.BoundedSemaphore(setting("SUBMIT_CONCURRENCY", 8))
    return _semaphore


def busy_response() -> JsonResponse:
    response = JsonResponse(
        {
            "code": "server.busy",
            "message": _("Hệ thống đang nhận rất nhiều hồ sơ; vui lòng gửi lại sau giây lát."),
            "field": None,
            "row": None,
        },
        status=503,
    )
    response["Retry-After"] = str(setting("RETRY_AFTER", 1))
    # An expected answer under load, counted by the gate's own log line: not one
    # "Service Unavailable" error per request in Django's request log.
    response._has_been_logged = True
    return response


HELD = "edudx.eservices.gate_held"


def submission_gate(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.META.get(HELD):
            # The WSGI front gate (eservices.wsgi_gate) already holds a slot for it.
            return view(request, *args, **kwargs)
        gate = _gate()
        if not gate.acquire(timeout=setting("SUBMIT_WAIT_MS", 250) / 1000):
            log.info("eservices.gate_busy", extra={"path": request.path})
            return busy_response()
        try:
            return view(request, *args, **kwargs)
        finally:
            gate.release()

    return wrapper
