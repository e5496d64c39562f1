"""The public check of a signed outgoing document (no sign-in): /verify/documents/ and
/verify/documents/<uuid>/, the address printed in the QR code of a PDF the platform drew.
A recipient uploads the PDF they hold and learns whether its signatures hold and whether it
is byte for byte the document the unit issued."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from edudx.core import pdfcheck
from edudx.core.errors import DomainError, NotFound

from . import selectors
from .models import SIGNATURE_FIELD, UNIT_SIGNATURE_FIELD

# Uploads checked per client address and minute (a check parses and verifies a PDF).
VERIFY_RATE = 30


def upload_problem(request, upload) -> DomainError | None:
    """The guards of the public check (page and API): rate, a file, its size."""
    return pdfcheck.upload_problem(
        request,
        upload,
        scope="document-verify",
        limit=VERIFY_RATE,
        max_bytes=selectors.VERIFY_MAX,
        code="office.verify_",
    )


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
        if problem := upload_problem(request, upload):
            context["error"], status = str(problem), problem.status
        else:
            try:
                check = selectors.outgoing_verify(upload.read())
            except DomainError as exc:
                context["error"], status = str(exc), 400
            else:
                context["check"] = check
                labels = {
                    SIGNATURE_FIELD: _("Thủ trưởng đơn vị"),
                    UNIT_SIGNATURE_FIELD: _("Chữ ký số của cơ quan"),
                }
                context["signature_rows"] = pdfcheck.signature_rows(check.result, labels)
                context["other"] = (
                    document is not None
                    and check.document is not None
                    and check.document.pk != document.pk
                )
    return render(request, "office/verify.html", context, status=status)
