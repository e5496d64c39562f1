"""The submission gate in front of Django, for the admissions window:

    granian --interface wsgi edudx.eservices.wsgi_gate:application

POSTs to the submission paths take a slot of the same per-process gate as the views
(`eservices.gate`) before Django runs; without one they are answered 503 with Retry-After
in microseconds — no middleware, no session, no database — so a crowd of retries costs
the server almost nothing and the admitted submissions keep the CPU. Everything else
goes straight to Django."""

import json
import re

from edudx.wsgi import application as django_application

from .gate import HELD, _gate
from .services import setting

GATED = re.compile(
    r"^/(api/v1/(admissions/rounds/\d+/applications|dossiers)|services/bench/insert/)$"
)
BUSY_BODY = json.dumps(
    {
        "code": "server.busy",
        "message": "Hệ thống đang nhận rất nhiều hồ sơ; vui lòng gửi lại sau giây lát.",
        "field": None,
        "row": None,
    },
    ensure_ascii=False,
).encode()


def application(environ, start_response):
    if environ.get("REQUEST_METHOD") != "POST" or not GATED.match(environ.get("PATH_INFO", "")):
        return django_application(environ, start_response)
    gate = _gate()
    if not gate.acquire(timeout=setting("SUBMIT_WAIT_MS", 250) / 1000):
        start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(BUSY_BODY))),
                ("Retry-After", str(setting("RETRY_AFTER", 1))),
            ],
        )
        return [BUSY_BODY]
    environ[HELD] = True
    try:
        # The body is produced, and the response closed (request_finished: the database
        # connection goes back), before the slot is released.
        result = django_application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return [body]
    finally:
        gate.release()
