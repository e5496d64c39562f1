"""Idempotent POSTs (DESIGN.md: "a retried request never duplicates a record").

A client sends `Idempotency-Key: <anything unique, ≤200 chars>` with a POST. The first
request runs and its response is stored against (actor, key) with a hash of the body; a
retry with the same key and body gets the stored response back (header
`Idempotent-Replayed: true`) without running again; the same key with another body or
another endpoint is refused with 409 `idempotency.conflict`.

The record is inserted *before* the handler runs, in the same transaction: a concurrent
retry blocks on the `uniq_idempotency_key` index until the first commits, then fails with
IntegrityError, rolls back whatever it did and replays the committed response. Only
successful responses are stored; a failed request wrote nothing and may simply be retried.

`rerunnable=True` (hot paths: the admissions submission) saves three round trips: the
handler runs first and the record goes in afterwards with its response, in one
INSERT … ON CONFLICT DO NOTHING in the same transaction. When the key is already taken
(a retry, or a concurrent request that committed first) — or the handler fails — the
transaction is rolled back and the committed response replayed, so a retry still never
duplicates anything and gets the same body. The handler may run again on a retry before
being rolled back: it must only write to the database (on_commit hooks, tasks enqueued
in the database), never send anything itself."""

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Conflict, DomainError
from .inserts import insert_unless_taken
from .models import IdempotencyRecord

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEEP_DAYS = 30  # how long a key (API or page form) is remembered: retries come within hours
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


def body_hash(raw: bytes) -> str:
    """SHA-256 of the canonical JSON of the body (key order and spacing do not matter);
    a body that is not JSON is hashed as bytes."""
    try:
        canonical = json.dumps(
            json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except ValueError:
        canonical = raw
    return hashlib.sha256(canonical).hexdigest()


def _response(status: int, body, *, replayed: bool) -> JsonResponse:
    response = JsonResponse(body, status=status, safe=False)
    if replayed:
        response[REPLAY_HEADER] = "true"
    return response


def _replay(record: IdempotencyRecord, *, path: str, digest: str) -> JsonResponse:
    if record.path != path or record.body_hash != digest:
        raise Conflict(
            "idempotency.conflict",
            _(
                "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác; "
                "hãy dùng khóa mới cho dữ liệu mới."
            ),
            field=HEADER,
        )
    return _response(record.status_code, record.response_body, replayed=True)


class _Taken(Exception):
    """The key was taken by a committed request while the handler ran (rerunnable)."""


def idempotent(
    request,
    *,
    actor_key: str,
    run: Callable[[], dict],
    status: int = 201,
    rerunnable: bool = False,
) -> JsonResponse:
    """Run `run()` (a service call that returns the JSON-ready response body) once per
    Idempotency-Key — at most once, or with `rerunnable` at most once committed (see the
    module's docstring). Without the header it simply runs."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return _response(status, run(), replayed=False)
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            "idempotency.key",
            _("Idempotency-Key dài tối đa %(n)s ký tự.") % {"n": MAX_KEY_LENGTH},
            field=HEADER,
        )
    path = request.path[:500]
    digest = body_hash(request.body)
    if rerunnable:
        return _run_then_record(request, actor_key, key, path, digest, run, status)
    existing = IdempotencyRecord.objects.filter(actor_key=actor_key, key=key).first()
    if existing is not None:
        return _replay(existing, path=path, digest=digest)
    try:
        with transaction.atomic():
            record = _record(request, actor_key, key, path, digest, status)
            record.save(force_insert=True)
            body = run()
            record.response_body = body
            record.save(update_fields=["response_body"])
    except IntegrityError:
        # Lost the race to a concurrent request with the same key, which has committed.
        existing = IdempotencyRecord.objects.filter(actor_key=actor_key, key=key).first()
        if existing is None:
            raise
        log.info("idempotency.race", extra={"actor_key": actor_key, "path": path})
        return _replay(existing, path=path, digest=digest)
    return _response(status, body, replayed=False)


def _record(request, actor_key, key, path, digest, status) -> IdempotencyRecord:
    return record_for(
        method=request.method, path=path, actor_key=actor_key, key=key, digest=digest,
        status=status, body={},
    )  # fmt: skip


def record_for(*, method, path, actor_key, key, digest, status, body) -> IdempotencyRecord:
    """The record of a request that succeeded with `body`, not saved (the hot path of
    `eservices.live` inserts it together with what the request wrote)."""
    return IdempotencyRecord(
        key=key,
        actor_key=actor_key,
        method=method,
        path=path[:500],
        body_hash=digest,
        status_code=status,
        response_body=body,
    )


def _run_then_record(request, actor_key, key, path, digest, run, status) -> JsonResponse:
    record = _record(request, actor_key, key, path, digest, status)
    try:
        with transaction.atomic():
            record.response_body = body = run()
            if not insert_unless_taken(record):
                raise _Taken
    except (_Taken, DomainError, IntegrityError):
        existing = IdempotencyRecord.objects.filter(actor_key=actor_key, key=key).first()
        if existing is None:
            raise
        log.info("idempotency.replay", extra={"actor_key": actor_key, "path": path})
        return _replay(existing, path=path, digest=digest)
    return _response(status, body, replayed=False)


def purge_expired(now=None) -> int:
    """Forget keys older than KEEP_DAYS (a periodic job, settings.PERIODIC_JOBS): without
    it every API POST with a key and every page form sent would be kept for ever."""
    now = now or timezone.now()
    deleted, _per_model = IdempotencyRecord.objects.filter(
        created_at__lt=now - dt.timedelta(days=KEEP_DAYS)
    ).delete()
    return deleted
