"""/api/v1 transcripts (học bạ số): issue, countersign, read, download, verify.

Reads are scoped like the student record (guardians their children, teachers the classes
they teach, unit-wide roles their subtree); anything else is a 404. Issuing is the homeroom
teacher's (their signature), countersigning the school principal's. POST
/students/{id}/transcripts is idempotent by (student, school year): 201 with the new
transcript, 200 with the one that exists. POST /transcripts/verify is public (no
authentication): a multipart PDF upload, answered with the verdict."""

import datetime as dt
from uuid import UUID

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from edudx.core.errors import DomainError
from edudx.core.signing_api import SignatureOut
from edudx.org.api import ERRORS
from edudx.org.models import SchoolYear
from edudx.people.selectors import student_get

from . import selectors as records_selectors
from . import transcripts_selectors as selectors
from . import transcripts_services as services
from .models_transcripts import TranscriptStatus
from .views_transcripts import twin, upload_problem

router = Router(tags=["transcripts"])


class SignedByOut(Schema):
    role: str = Field(..., description="homeroom | principal, in signing order")
    name: str = Field(..., description="The signing certificate's common name.")
    signed_at: dt.datetime | None


class TranscriptOut(Schema):
    id: int
    source_id: UUID
    reference: str = Field(..., description="Printed on the document and in its QR code.")
    student_id: int
    school_id: int
    school_year: str
    class_id: int | None
    status: TranscriptStatus
    sha256: str = Field(..., description="SHA-256 of the PDF as it stands.")
    signed_by: list[SignedByOut]
    verify_url: str
    updated_at: dt.datetime


class IssueIn(Schema):
    school_year_id: int
    comment: str = Field("", max_length=1000, description="The homeroom teacher's comment.")


class ClassIssueIn(Schema):
    comments: dict[int, str] = Field(
        default_factory=dict, description="The homeroom teacher's comment per student id."
    )


class CountersignIn(Schema):
    ids: list[int] = Field(..., min_length=1, max_length=500)


class CountersignOut(Schema):
    signed: int = Field(..., description="Transcripts signed now (others were not waiting).")


class PublicDocumentOut(Schema):
    reference: str
    type: str
    school: str
    school_year: str
    status: TranscriptStatus
    sha256: str
    signed_by: list[SignedByOut]


class VerificationOut(Schema):
    verdict: str = Field(
        ..., description="authentic | tampered | invalid | untrusted | incomplete | unsigned"
    )
    message: str
    signatures: list[SignatureOut]
    sha256: str = Field(..., description="SHA-256 of the uploaded file.")
    reference: str | None = Field(None, description="The reference the file carries.")
    matches_issued: bool = Field(
        ..., description="The file is byte for byte the document the platform issued."
    )
    document: PublicDocumentOut | None


def render(t) -> dict:
    return {
        "id": t.pk,
        "source_id": t.source_id,
        "reference": t.reference,
        "student_id": t.student_id,
        "school_id": t.school_id,
        "school_year": t.school_year.code,
        "class_id": t.class_group_id,
        "status": t.status,
        "sha256": t.sha256,
        "signed_by": selectors.signed_by(t),
        "verify_url": services.verify_url(t.reference),
        "updated_at": t.updated_at,
    }


@router.get(
    "/students/{student_id}/transcripts",
    response={200: list[TranscriptOut], **ERRORS},
    summary="A student's transcripts (guardians: their children's)",
)
def list_transcripts(request, student_id: int):
    return [
        render(t) for t in selectors.student_transcripts(actor=request.user, student_id=student_id)
    ]


@router.post(
    "/students/{student_id}/transcripts",
    response={200: TranscriptOut, 201: TranscriptOut, **ERRORS},
    summary="Issue a student's transcript for a school year (homeroom teacher signs)",
    description=(
        "Renders the transcript and signs it with the homeroom teacher's certificate. "
        "Idempotent by (student, school year): 201 when created, 200 with the existing one."
    ),
)
def issue_transcript(request, student_id: int, payload: IssueIn):
    student = student_get(actor=request.user, student_id=student_id)
    year = SchoolYear.objects.filter(pk=payload.school_year_id).first()
    if year is None:
        raise DomainError(
            "transcript.school_year",
            _("Không có năm học mã số %(id)s.") % {"id": payload.school_year_id},
            field="school_year_id",
        )
    transcript, created = services.transcript_issue(
        actor=request.user, student=student, school_year=year, comment=payload.comment
    )
    t = selectors.transcript_get(actor=request.user, transcript_id=transcript.pk)
    return Status(201 if created else 200, render(t))


# Before /transcripts/{transcript_id}: the first matching route wins.
@router.post(
    "/transcripts/verify",
    response={200: VerificationOut, **ERRORS},
    auth=None,
    summary="Verify a transcript PDF (public: no authentication)",
    description=(
        "Multipart upload (field `file`, at most 5 MB). The verdict covers both signatures "
        "(the homeroom teacher's, then the principal's); `matches_issued` says whether the "
        "file is byte for byte the document the platform issued."
    ),
)
def verify_transcript(request, file: File[UploadedFile]):
    if problem := upload_problem(request, file):
        raise problem
    return selectors.transcript_verify(file.read()).as_dict()


@router.post(
    "/transcripts/countersign",
    response={200: CountersignOut, **ERRORS},
    summary="The principal countersigns many transcripts of their school at once",
)
def countersign_many(request, payload: CountersignIn):
    rows = selectors.transcripts_by_id(actor=request.user, ids=payload.ids)
    return {"signed": services.transcript_countersign_many(actor=request.user, transcripts=rows)}


@router.get(
    "/transcripts/{transcript_id}",
    response={200: TranscriptOut, **ERRORS},
    summary="A transcript: status, signers, fingerprint",
)
def get_transcript(request, transcript_id: int):
    return render(selectors.transcript_get(actor=request.user, transcript_id=transcript_id))


@router.get(
    "/transcripts/{transcript_id}/pdf",
    response={200: None, **ERRORS},
    summary="The signed PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "The PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_transcript_pdf(request, transcript_id: int):
    t = selectors.transcript_get(actor=request.user, transcript_id=transcript_id, content=True)
    response = HttpResponse(bytes(t.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{t.reference}.pdf"'
    return response


@router.get(
    "/transcripts/{transcript_id}/json",
    response={200: dict, **ERRORS},
    summary="The machine-readable twin (schema edudx.transcript/1) and its document",
    description="`document.sha256` is the SHA-256 of the signed PDF this twin belongs to.",
)
def get_transcript_json(request, transcript_id: int):
    t = selectors.transcript_get(actor=request.user, transcript_id=transcript_id, content=True)
    return twin(t)


@router.post(
    "/transcripts/{transcript_id}/countersign",
    response={200: TranscriptOut, **ERRORS},
    summary="The principal's signature (second, after the homeroom teacher's)",
)
def countersign_transcript(request, transcript_id: int):
    t = selectors.transcript_get(actor=request.user, transcript_id=transcript_id)
    services.transcript_countersign(actor=request.user, transcript=t)
    return render(selectors.transcript_get(actor=request.user, transcript_id=transcript_id))


@router.post(
    "/classes/{class_id}/transcripts",
    response={201: list[TranscriptOut], **ERRORS},
    summary="Issue the transcripts of a whole class (homeroom teacher signs)",
    description=(
        "Every student of the class without a transcript for the class's school year gets "
        "one, signed by the homeroom teacher; students who have one are skipped (retrying "
        "creates nothing new). Returns the transcripts created."
    ),
)
def issue_class_transcripts(request, class_id: int, payload: ClassIssueIn):
    cls = records_selectors.class_get(actor=request.user, class_id=class_id)
    created = services.transcript_issue_class(
        actor=request.user, class_group=cls, comments=payload.comments
    )
    rows = selectors.transcripts_by_id(actor=request.user, ids=[t.pk for t in created])
    return Status(201, [render(t) for t in rows])
