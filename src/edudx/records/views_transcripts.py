"""Transcript pages: a student's transcripts (issue, countersign, download) and the public
verification page the QR code on every transcript points to. Thin: parse, call a scoped
selector or a service, render.

The verification page needs no login and loads nothing but the site's own static files. It
shows the verdict on the document as the platform holds it, and checks an uploaded copy:
the signatures (both, the homeroom teacher's first), and whether it is byte for byte the
issued document. Uploads are size-limited and rate-limited per address."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from edudx.core import pdfcheck
from edudx.core.errors import DomainError, DomainErrors, NotFound
from edudx.core.params import int_param
from edudx.org.models import SchoolYear
from edudx.people.models import Enrolment
from edudx.people.selectors import student_get

from . import selectors as records_selectors
from . import transcripts_selectors as selectors
from . import transcripts_services as services
from .models_transcripts import TranscriptStatus
from .transcripts import FIELDS

# Uploads checked per client address per minute (each costs a signature validation).
VERIFY_RATE = 30


def _messages(exc: DomainError) -> list[str]:
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    return [str(i["message"]) for i in items]


@login_required
@require_http_methods(["GET", "POST"])
def student_transcripts_view(request, student_id: int):
    user = request.user
    try:
        student = student_get(actor=user, student_id=student_id)
        if request.method == "POST":
            return _post(request, student)
        transcripts = selectors.student_transcripts(actor=user, student_id=student.pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    issued = {t.school_year_id for t in transcripts}
    years = []
    for e in (
        Enrolment.objects.filter(student=student)
        .exclude(class_group=None)
        .select_related("school_year", "class_group")
        .order_by("-start_date")
    ):
        if e.school_year_id not in issued and services.is_homeroom_teacher(user, e.class_group):
            years.append({"year": e.school_year, "class": e.class_group})
            issued.add(e.school_year_id)
    rows = [
        {
            "t": t,
            "may_countersign": t.status == TranscriptStatus.TEACHER_SIGNED
            and services.is_principal(user, t.school),
        }
        for t in transcripts
    ]
    context = {"student": student, "rows": rows, "years": years}
    return render(request, "records/transcripts.html", context)


def _post(request, student):
    user = request.user
    action = request.POST.get("action")
    try:
        if action == "issue":
            year = SchoolYear.objects.filter(pk=int_param(request.POST.get("school_year"))).first()
            if year is None:
                raise DomainError(
                    "transcript.school_year", _("Hãy chọn năm học."), field="school_year"
                )
            transcript, created = services.transcript_issue(
                actor=user, student=student, school_year=year, comment=request.POST.get("comment")
            )
            messages.success(
                request,
                _("Đã lập và ký học bạ %(ref)s.") % {"ref": transcript.reference}
                if created
                else _("Học bạ năm học này đã được lập: %(ref)s.") % {"ref": transcript.reference},
            )
        elif action == "issue_class":
            cls = records_selectors.class_get(
                actor=user, class_id=int_param(request.POST.get("class")) or 0
            )
            created = services.transcript_issue_class(actor=user, class_group=cls)
            messages.success(
                request,
                _("Đã lập và ký %(n)s học bạ của lớp %(c)s.") % {"n": len(created), "c": cls.name},
            )
        elif action == "countersign":
            transcript = selectors.transcript_get(
                actor=user, transcript_id=int_param(request.POST.get("transcript")) or 0
            )
            services.transcript_countersign(actor=user, transcript=transcript)
            messages.success(
                request, _("Đã ký duyệt học bạ %(ref)s.") % {"ref": transcript.reference}
            )
    except NotFound:
        raise
    except DomainError as exc:  # Forbidden included: shown as a message, nothing written
        for text in _messages(exc):
            messages.error(request, text)
    return redirect("records:student_transcripts", student.pk)


@login_required
def transcript_pdf_view(request, transcript_id: int):
    try:
        t = selectors.transcript_get(actor=request.user, transcript_id=transcript_id, content=True)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(bytes(t.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{t.reference}.pdf"'
    return response


@login_required
def transcript_json_view(request, transcript_id: int):
    try:
        t = selectors.transcript_get(actor=request.user, transcript_id=transcript_id, content=True)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    body = json.dumps(twin(t), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{t.reference}.json"'
    return response


def twin(t) -> dict:
    """The JSON twin with the document it belongs to (its SHA-256 and signatures)."""
    return {**t.data, "document": selectors.public_dict(t)}


# --- the public verification page ----------------------------------------------------------


def upload_problem(request, upload) -> DomainError | None:
    """The guards of the public check (page and API): rate, a file, its size."""
    return pdfcheck.upload_problem(
        request,
        upload,
        scope="transcript-verify",
        limit=VERIFY_RATE,
        max_bytes=selectors.MAX_UPLOAD,
        code="transcript.",
    )


@require_http_methods(["GET", "POST"])
def verify_view(request, reference: str | None = None):
    document = stored = None
    if reference is not None:
        try:
            document = selectors.transcript_public(reference)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        stored = selectors.stored_verification(document)
    context = {"document": document, "stored": stored, "check": None, "error": None}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if problem := upload_problem(request, upload):
            context["error"], status = str(problem), problem.status
        else:
            try:
                context["check"] = selectors.transcript_verify(
                    upload.read(), reference=document.reference if document else None
                )
            except DomainError as exc:
                context["error"] = _messages(exc)[0]
                status = 400
    if context["check"] is not None:
        labels = {FIELDS[0]: _("Giáo viên chủ nhiệm"), FIELDS[1]: _("Hiệu trưởng")}
        context["signature_rows"] = pdfcheck.signature_rows(context["check"].result, labels)
    return render(request, "records/verify.html", context, status=status)
