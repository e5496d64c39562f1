"""The exam-taking hot path: start, autosave and submit without the session machinery.

Measured on the full Django path, one autosave cost ~9 ms of CPU (middleware, session and
user load, CSRF, ninja parsing, permission queries) for a 0.5 ms database write. Here the
student proves who they are with signed capabilities instead of a session:

* the **ticket** (`t`) is put in the test page (and in `GET /api/v1/exams/my/attempts`) by
  the ordinary, session-authenticated Django path before the window opens; it names the
  attempt, its owner and its paper version and expires an hour after the test closes;
* **start** (`POST /exams/live/<attempt>/start`, headers `X-Exam-Ticket`, `X-Device-Token`)
  runs `services.attempt_start` (one read, one conditional UPDATE) and answers the state,
  the paper (pre-encoded bytes, rendered once per mã đề) and the **attempt token** (`a`),
  bound to the attempt, owner, paper version and this device, expiring at the attempt's
  deadline plus the network grace;
* **autosave** (`PUT /exams/live/<attempt>/answers/<question_version>`, headers
  `X-Attempt-Token`, `X-Device-Token`, body `{response, seq}`) checks the HMAC (no database)
  and runs the one guarded upsert of `services.answer_write`, which still checks in SQL that
  the attempt is started, on this device, before the deadline plus grace, and keeps the
  newest seq; in autocommit, so a 200 means committed;
* **submit** (`POST /exams/live/<attempt>/submit`, attempt token) is `services.attempt_submit`;
* **clock** (`GET /exams/live/<attempt>/clock`, ticket) is the waiting room before the window:
  server time and seconds to the opening, no database write.

Tokens are `<kind>.<attempt>.<person>.<version>.<expires>.<mac>`; the MAC is HMAC-SHA256 over
those fields and (for `a`) a hash of the device token, keyed from SECRET_KEY. The routes are
served by `wsgi_app`, which `edudx.wsgi` puts in front of Django (no middleware, no URL
resolver), and by `django_view` (the same handler behind Django's URLconf, for the test
server). The headers are not cookies, so there is nothing for CSRF to forge."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from types import SimpleNamespace

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext as _

from edudx.core.api_errors import Forbidden, Unauthorized
from edudx.core.errors import Conflict, DomainError
from edudx.core.hotsql import release_connections

from . import services

PREFIX = "/exams/live/"
TICKET_HEADER = "X-Exam-Ticket"
TOKEN_HEADER = "X-Attempt-Token"  # noqa: S105 — a header name
DEVICE_HEADER = "X-Device-Token"
MAX_BODY = 64 * 1024
TICKET_AFTER_CLOSE = dt.timedelta(hours=1)


_KEY: list[bytes] = []


def _key() -> bytes:
    if not _KEY:
        _KEY.append(hashlib.sha256(b"edudx.exams.live|" + settings.SECRET_KEY.encode()).digest())
    return _KEY[0]


def _mac(
    kind: str, attempt: int, person: int, version: int, expires: int, extra: int, device: str
) -> str:
    device_hash = hashlib.sha256(device.encode()).hexdigest() if device else ""
    msg = f"{kind}.{attempt}.{person}.{version}.{expires}.{extra}.{device_hash}".encode()
    digest = hmac.new(_key(), msg, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(
    kind: str,
    *,
    attempt: int,
    person: int,
    version: int,
    expires: dt.datetime,
    extra: int = 0,
    device: str = "",
) -> str:
    exp = int(expires.timestamp())
    mac = _mac(kind, attempt, person, version, exp, extra, device)
    return f"{kind}.{attempt}.{person}.{version}.{exp}.{extra}.{mac}"


def ticket_for(attempt) -> str:
    """The start ticket of an attempt (put in the test page by the session-checked view)."""
    return sign(
        "t",
        attempt=attempt.pk,
        person=attempt.person_id,
        version=attempt.version_id,
        expires=attempt.test.closes_at + TICKET_AFTER_CLOSE,
        extra=attempt.test_id,
    )


def token_for(*, attempt: int, person: int, version: int, deadline: dt.datetime, device: str):
    return sign(
        "a",
        attempt=attempt,
        person=person,
        version=version,
        expires=deadline + services.GRACE,
        device=device,
    )


def verify(token: str, *, kind: str, attempt: int, device: str = "", now: float | None = None):
    """The (person, version, extra) a valid token grants for `attempt` (extra: the test of
    a ticket); a clear refusal otherwise."""
    parts = (token or "").split(".")
    try:
        k, a, person, version, exp, extra = parts[0], *map(int, parts[1:6])
        mac = parts[6]
        if len(parts) != 7 or k != kind:
            raise ValueError
    except (ValueError, IndexError):
        raise Unauthorized(
            "exams.token.invalid",
            _("Mã làm bài không hợp lệ; hãy tải lại trang bài kiểm tra."),
            field="token",
        ) from None
    if not hmac.compare_digest(mac, _mac(kind, a, person, version, exp, extra, device)):
        raise Unauthorized(
            "exams.token.invalid",
            _("Mã làm bài không hợp lệ; hãy tải lại trang bài kiểm tra."),
            field="token",
        )
    if a != attempt:
        raise Forbidden(
            "exams.token.other_attempt",
            _("Mã làm bài này thuộc một bài làm khác."),
            field="token",
        )
    if (now if now is not None else time.time()) > exp:
        raise Conflict(
            "exams.token.expired",
            _("Đã hết giờ làm bài; câu trả lời này không được lưu."),
            field="token",
        )
    return person, version, extra


def _dumps(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


# --- the handler --------------------------------------------------------------------------------


def _body(raw: bytes) -> dict:
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise DomainError("exams.answer.body", _("Nội dung gửi lên không hợp lệ."), field="body")
    return data


def _start(attempt: int, headers, body: bytes) -> bytes:
    device = (headers(DEVICE_HEADER) or "").strip()
    person, _version, test = verify(headers(TICKET_HEADER), kind="t", attempt=attempt)
    # The first start at the window's opening (the burst) is one guarded UPDATE; a resume,
    # a refusal or anything unusual goes through the full service.
    state = services.attempt_first_start(
        attempt_id=attempt, person_id=person, test_id=test, device_token=device
    ) or services.attempt_start(
        actor=SimpleNamespace(person_id=person), attempt_id=attempt, device_token=device
    )
    paper = state.pop("paper")
    if state["status"] == "started":
        state["token"] = token_for(
            attempt=attempt,
            person=person,
            version=_version,
            deadline=state["deadline"],
            device=device[:64],
        )
    head = _dumps(state)
    # The paper's bytes are spliced in, not encoded again for every student.
    return (
        head[:-1]
        + b', "paper": '
        + (services.version_payload_bytes(_version) if paper else b"null")
        + b"}"
    )


def _answer(attempt: int, qv: int, headers, body: bytes) -> bytes:
    device = (headers(DEVICE_HEADER) or "").strip()
    person, version, _test = verify(headers(TOKEN_HEADER), kind="a", attempt=attempt, device=device)
    data = _body(body)
    seq = data.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise DomainError("exams.answer.seq", _("Số thứ tự lưu không hợp lệ."), field="seq")
    return _dumps(
        services.answer_write(
            attempt_id=attempt,
            person_id=person,
            version_id=version,
            device_token=device,
            question=qv,
            response=data.get("response"),
            seq=seq,
        )
    )


def _submit(attempt: int, headers, body: bytes) -> bytes:
    device = (headers(DEVICE_HEADER) or "").strip()
    person, _version, _test = verify(
        headers(TOKEN_HEADER), kind="a", attempt=attempt, device=device
    )
    return _dumps(
        services.attempt_submit(
            actor=SimpleNamespace(person_id=person), attempt_id=attempt, device_token=device
        )
    )


def _clock(attempt: int, headers, body: bytes) -> bytes:
    """The waiting room: server time and seconds until the window opens, for the ticket's
    holder; no database write (the test's timing is cached per process). The page asks
    every 20 s while it counts down, which also keeps its connection open for the start."""
    _person, _version, test = verify(headers(TICKET_HEADER), kind="t", attempt=attempt)
    return _dumps(services.waiting_room_clock(test))


def _not_found():
    return NotFoundRoute("exams.live.route", _("Không có địa chỉ này."))


class NotFoundRoute(DomainError):
    status = 404


class MethodNotAllowed(DomainError):
    status = 405


def _route(method: str, path: str):
    parts = path[len(PREFIX) :].strip("/").split("/")
    try:
        attempt = int(parts[0])
        if len(parts) == 2 and parts[1] in ("start", "submit"):
            if method != "POST":
                raise MethodNotAllowed("exams.live.method", _("Phương thức không được hỗ trợ."))
            return (_start if parts[1] == "start" else _submit), (attempt,)
        if len(parts) == 2 and parts[1] == "clock":
            if method != "GET":
                raise MethodNotAllowed("exams.live.method", _("Phương thức không được hỗ trợ."))
            return _clock, (attempt,)
        if len(parts) == 3 and parts[1] == "answers":
            if method != "PUT":
                raise MethodNotAllowed("exams.live.method", _("Phương thức không được hỗ trợ."))
            return _answer, (attempt, int(parts[2]))
    except ValueError:
        pass
    raise _not_found()


def handle(method: str, path: str, headers, body: bytes, language: str = "") -> tuple[int, bytes]:
    """(status, JSON body) for one request; `headers(name)` reads a request header."""
    lang = "en" if language.lower().startswith("en") else settings.LANGUAGE_CODE
    with translation.override(lang):
        try:
            fn, args = _route(method, path)
            return 200, fn(*args, headers, body)
        except DomainError as exc:
            return exc.status, _dumps(exc.as_dict())


_HEADERS = [
    ("Content-Type", "application/json; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
]
_REASONS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    413: "413 Payload Too Large",
}


def serve(environ, start_response):
    """The WSGI side: read the request, run `handle`, release the database connection the
    way Django's request_finished does (persistent connections are kept, broken ones closed)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > MAX_BODY:
        status, out = 413, _dumps({"code": "exams.live.body", "message": "Payload too large."})
    else:
        body = environ["wsgi.input"].read(length) if length else b""

        def headers(name: str) -> str:
            return environ.get("HTTP_" + name.upper().replace("-", "_"), "")

        try:
            status, out = handle(
                environ["REQUEST_METHOD"],
                environ.get("PATH_INFO", ""),
                headers,
                body,
                environ.get("HTTP_ACCEPT_LANGUAGE", ""),
            )
        finally:
            release_connections()
    start_response(
        _REASONS.get(status, f"{status} Error"),
        [*_HEADERS, ("Content-Length", str(len(out)))],
    )
    return [out]


def wsgi_app(django_app):
    """Put the live routes in front of Django: everything else goes to Django untouched."""

    def app(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return serve(environ, start_response)
        return django_app(environ, start_response)

    return app


def django_view(request, rest: str = ""):
    """The same routes behind Django's URLconf (the test server does not use edudx.wsgi)."""
    from django.http import HttpResponse  # noqa: PLC0415

    status, out = handle(
        request.method,
        request.path_info,
        lambda name: request.headers.get(name, ""),
        request.body,
        # VietnameseFirstMiddleware drops Accept-Language outside /api/: the cookie's choice.
        getattr(request, "LANGUAGE_CODE", ""),
    )
    resp = HttpResponse(out, status=status, content_type="application/json; charset=utf-8")
    resp["Cache-Control"] = "no-store"
    return resp
