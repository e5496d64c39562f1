"""The admissions submission's hot path, before Django's middleware (as `exams.live`).

On opening day almost every request is an anonymous parent's
`POST /api/v1/admissions/rounds/<id>/applications` with an Idempotency-Key. Through
Django it cost ~2 ms of CPU, a third of it middleware (sessions, CSRF, locale, auth, OTP,
messages) and ninja's parsing — none of which an anonymous JSON POST needs. Here, behind
the same submission gate (`wsgi_gate`):

* the body is parsed by the API's own schema (`ApplicationIn`) and checked by the same
  service function as the API and the form page (`admissions.application_build`:
  window, fields, age, residence, zone);
* the residence check against the population record, the application row, its deferred
  audit event and the idempotency record (with the response) are **one statement**
  (`core.inserts.insert_all` with `admissions.residence_guard`: on PostgreSQL one prepared
  INSERT chain, all or nothing; each round trip costs ~0.5 ms of CPU here) — in
  autocommit, so a 201 means committed;
* the 201 body is the API's (`api.application_created`), the headers are those Django's
  middleware sets on an API response (`tests/eservices/test_live.py` compares both).

Anything else is handed to Django untouched, with the body put back: a signed-in user
(session cookie or Authorization header), a body the schema or the service refuses (so
every error is Django's, byte for byte), a retry whose key is already recorded or a
second application for the child (nothing was written: Django replays or answers 409).
The hot path only ever answers 201."""

import functools
import io
import json
import re

import pydantic
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from pydantic import ValidationError

from edudx.audit.context import normalise_ip
from edudx.audit.services import pending_event
from edudx.core.errors import DomainError
from edudx.core.hotsql import fetchone, release_connections
from edudx.core.idempotency import MAX_KEY_LENGTH, body_hash, record_for
from edudx.core.inserts import insert_all
from edudx.core.middleware import ContentSecurityPolicyMiddleware
from edudx.core.phones import normalise_phone

from . import admissions
from .gate import busy_language

PATH = re.compile(r"^/api/v1/admissions/rounds/(\d+)/applications$")
MAX_BODY = 16 * 1024


def _anonymous(environ) -> bool:
    if environ.get("HTTP_AUTHORIZATION"):
        return False
    cookie = environ.get("HTTP_COOKIE", "")
    return settings.SESSION_COOKIE_NAME + "=" not in cookie


def headers(language: str, length: int) -> list[tuple[str, str]]:
    """What Django's middleware puts on an API JSON response."""
    return [
        ("Content-Type", "application/json"),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
        ("Content-Length", str(length)),
        ("Vary", "Accept-Language, Cookie"),
        ("Content-Language", language),
        ("Content-Security-Policy", ContentSecurityPolicyMiddleware.POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY),
    ]


@functools.cache
def _schema() -> type[pydantic.BaseModel]:
    """The API's `ApplicationIn` as a plain pydantic model: the same fields and
    constraints, without ninja's per-field getters (40 → 7 µs a body)."""
    from .api import ApplicationIn  # noqa: PLC0415

    fields = {name: (f.annotation, f) for name, f in ApplicationIn.model_fields.items()}
    return pydantic.create_model("ApplicationLive", **fields)


def submit(environ) -> tuple[str, list, bytes] | None:
    """(status, headers, body) of a submission served here, or None for Django (the
    request's body is then back in `wsgi.input`)."""
    m = PATH.match(environ.get("PATH_INFO", ""))
    if m is None or not _anonymous(environ):
        return None
    if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
        return None  # ninja decides what it makes of other bodies
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)  # for Django, if it comes to that
    key = (environ.get("HTTP_IDEMPOTENCY_KEY") or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        return None
    language = busy_language(
        path=environ["PATH_INFO"],
        cookie=environ.get("HTTP_COOKIE", ""),
        accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""),
    )
    from .api import application_created  # noqa: PLC0415 — the API module loads ninja

    with translation.override(language):
        try:
            payload = _schema().model_validate_json(raw).model_dump()
            app = admissions.application_build(
                actor=None, round_id=int(m[1]), raw=payload, check_residence=False
            )
        except (ValidationError, DomainError, ValueError):
            return None
        body = application_created(app)
        rows = [
            app,
            pending_event(
                actor=None,
                row=admissions.application_audit_row(app),
                ip=normalise_ip(environ.get("REMOTE_ADDR")),
            ),
        ]
        if key:
            rows.append(
                record_for(
                    method="POST",
                    path=environ["PATH_INFO"],
                    actor_key=f"phone:{normalise_phone(payload['phone'])}",
                    key=key,
                    digest=body_hash(raw),
                    status=201,
                    body=body,
                )
            )
        if not insert_all(rows, guard=admissions.residence_guard(app)):
            return None
    out = json.dumps(body, cls=DjangoJSONEncoder).encode()
    return "201 Created", headers(language, len(out)), out


def floor(environ) -> tuple[str, list, bytes] | None:
    """The benchmark's floor (`POST /services/bench/insert/`, only with
    EDUDX_ESERVICES_BENCH=1): one prepared INSERT, served the same way as `submit`."""
    from .views import bench_enabled  # noqa: PLC0415

    if environ.get("PATH_INFO") != "/services/bench/insert/" or not bench_enabled():
        return None
    key = (environ.get("HTTP_IDEMPOTENCY_KEY") or "")[:64]
    (pk,) = fetchone(_floor_sql(), [key])
    out = json.dumps({"id": pk}).encode()
    return "201 Created", headers(settings.LANGUAGE_CODE, len(out)), out


def _floor_sql() -> str:
    from .models import BenchRow  # noqa: PLC0415

    return f"INSERT INTO {BenchRow._meta.db_table} (value) VALUES (%s) RETURNING id"  # noqa: S608


def serve(environ, start_response):
    """The hot paths, for `wsgi_gate` (which holds a gate slot): an iterable response, or
    None when Django must answer."""
    try:
        result = submit(environ) or floor(environ)
    finally:
        release_connections()
    if result is None:
        return None
    status, response_headers, out = result
    start_response(status, response_headers)
    return [out]
