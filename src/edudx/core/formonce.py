"""A page's form sent twice runs once (DESIGN.md: "a retried request never duplicates").

`core/static/edudx/once.js` gives every POST form of a page a random `_once` value when the
page loads. A form that succeeds redirects (post/redirect/get): the first POST of a signed-in
user with a given `_once` and body is recorded, with where it redirected, in the same
transaction as what the view wrote — so a second one (a double tap, a phone resending after
a dropped connection, Back and send again) is sent to the same place with a note instead of
running the view again. A concurrent duplicate waits on the record's unique index until the
first commits, then replays it. A POST the view answered otherwise (a page with its errors,
a file) or that flashed an error is not kept: sending it again runs again. A view that fails
(5xx) writes nothing: its transaction is rolled back.

The API has its own `Idempotency-Key` (core/idempotency.py); the same table keeps both."""

import hashlib
import logging
import re

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from .idempotency import record_for
from .models import IdempotencyRecord

log = logging.getLogger(__name__)

FIELD = "_once"
TOKEN = re.compile(r"[0-9a-f]{16,64}")
SKIP = ("/api/", "/accounts/")  # the API has its own key; sign-in steps are not records
REDIRECTS = (301, 302, 303)


def form_digest(request) -> str:
    """SHA-256 of the form as sent: its fields (but the CSRF token and `_once`) in order of
    name, and each file's field, name and size."""
    h = hashlib.sha256()
    for name in sorted(request.POST):
        if name in ("csrfmiddlewaretoken", FIELD):
            continue
        for value in request.POST.getlist(name):
            h.update(f"{name}\x00{value}\x01".encode())
    for name in sorted(request.FILES):
        for f in request.FILES.getlist(name):
            h.update(f"{name}\x00{f.name}\x00{f.size}\x02".encode())
    return h.hexdigest()


def _token(request) -> str | None:
    if request.method != "POST" or request.path.startswith(SKIP):
        return None
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return None
    token = request.POST.get(FIELD, "")
    return token if TOKEN.fullmatch(token) else None


def _flashed_error(request) -> bool:
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
    return any(m.level >= messages.ERROR for m in queued)


def _replay(request, record: IdempotencyRecord):
    log.info("formonce.replay", extra={"path": record.path, "actor_key": record.actor_key})
    messages.info(request, _("Yêu cầu này đã được gửi trước đó; hệ thống không ghi thêm lần nữa."))
    response = HttpResponseRedirect(record.response_body["location"])
    response.status_code = record.status_code
    return response


class FormOnceMiddleware:
    """After authentication and messages (it needs both)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _token(request)
        if token is None:
            return self.get_response(request)
        actor = f"user:{request.user.pk}"
        digest = form_digest(request)
        key = f"form:{token}:{digest[:40]}"
        existing = IdempotencyRecord.objects.filter(actor_key=actor, key=key).first()
        if existing is not None:
            return _replay(request, existing)
        try:
            with transaction.atomic():
                record = record_for(
                    method="POST", path=request.path, actor_key=actor, key=key, digest=digest,
                    status=0, body={},
                )  # fmt: skip
                record.save(force_insert=True)
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                elif response.status_code in REDIRECTS and not _flashed_error(request):
                    record.status_code = response.status_code
                    record.response_body = {"location": response["Location"]}
                    record.save(update_fields=["status_code", "response_body"])
                else:
                    record.delete()
        except IntegrityError:
            # A duplicate sent at the same moment committed first.
            existing = IdempotencyRecord.objects.filter(actor_key=actor, key=key).first()
            if existing is None or existing.status_code not in REDIRECTS:
                raise
            return _replay(request, existing)
        return response
