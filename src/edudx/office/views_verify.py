"""The public check of a signed outgoing document (no sign-in): /verify/documents/ and
/verify/documents/<uuid>/, the address printed in the QR code of a PDF the platform drew.
A recipient uploads the PDF they hold and learns whether its signatures hold and whether it
is byte for byte the document the unit issued."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from edudx.core.errors import DomainError, NotFound, RateLimited
from edudx.core.ratelimit import client_key, over_limit

from . import selectors
from .models import SIGNATURE_FIELD, UNIT_SIGNATURE_FIELD

# Uploads checked per client address and minute (a check parses and verifies a PDF).
VERIFY_RATE = 30


def signature_rows(result) -> list[tuple[str, object]]:
    labels = {
        SIGNATURE_FIELD: _("Thủ trưởng đơn vị"),
        UNIT_SIGNATURE_FIELD: _("Chữ ký số của cơ quan"),
    }
    return [(labels.get(s.field_name, s.field_name), s) for s in result.signatures]


def upload_error(request, upload) -> DomainError | None:
    """Why an upload is not checked (page and API alike), or None."""
    if over_limit(client_key(request, "document-verify"), VERIFY_RATE):
        return RateLimited(
            "office.verify_rate_limited",
            _("Bạn đã kiểm tra quá nhiều tệp; hãy thử lại sau một phút."),
        )
    if upload is None:
        return DomainError(
            "office.verify_no_file", _("Hãy chọn tệp PDF cần kiểm tra."), field="file"
        )
    if upload.size > selectors.VERIFY_MAX:
        return DomainError(
            "office.verify_too_large",
            _("Tệp quá lớn (tối đa %(n)s MB).") % {"n": selectors.VERIFY_MAX // (1024 * 1024)},
            field="file",
        )
    return None


@require_http_methods(["GET", "POST"])
def verify_view(request, source_id=None):
    document = stored = None
    if source_id is not None:
        try:
            document = selectors.outgoing_public(source_id)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        stored = selectors.outgoing_signature(document)
    context = {"document": document, "stored": stored, "check": None, "error": None}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if problem := upload_error(request, upload):
            context["error"], status = str(problem), problem.status
        else:
            try:
                check = selectors.outgoing_verify(upload.read())
            except DomainError as exc:
                context["error"], status = str(exc), 400
            else:
                context["check"] = check
                context["signature_rows"] = signature_rows(check.result)
                context["other"] = (
                    document is not None
                    and check.document is not None
                    and check.document.pk != document.pk
                )
    return render(request, "office/verify.html", context, status=status)
