"""Reads of transcripts. Scoped reads take the acting user and follow the student's scope
(`people.selectors.student_get`): guardians their children, teachers the students of the
classes they teach, unit-wide roles their subtree; anything else is a 404. The public
verification reads (`transcript_public`, `transcript_verify`) show only what the public may
see: the document's type, school, year, status, signers and fingerprint."""

import hashlib
import io
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from pypdf import PdfReader

from edudx.audit.services import audit_record
from edudx.core.errors import DomainError, NotFound
from edudx.core.signing import VerificationResult, verify_pdf
from edudx.people.selectors import student_get

from .models_transcripts import Transcript
from .transcripts import FIELDS

# Verification reads a whole upload into memory: a one-page transcript is ~70 KB.
MAX_UPLOAD = 5 * 1024 * 1024

_LIST_COLUMNS = ("pdf", "data")


def _rows() -> QuerySet[Transcript]:
    return Transcript.objects.select_related("school_year", "school", "class_group")


def student_transcripts(*, actor, student_id: int) -> list[Transcript]:
    student = student_get(actor=actor, student_id=student_id)
    return list(
        _rows()
        .filter(student=student)
        .defer(*_LIST_COLUMNS)
        .order_by("-school_year__start_date", "-id")
    )


def transcript_get(*, actor, transcript_id: int, content: bool = False) -> Transcript:
    """A transcript the actor may see (404 otherwise). `content` loads the PDF and the
    JSON twin, and records the read in the audit trail (a full record of a minor)."""
    qs = _rows() if content else _rows().defer(*_LIST_COLUMNS)
    transcript = qs.filter(pk=transcript_id).first()
    if transcript is None:
        raise NotFound("transcript.not_found", _("Không tìm thấy học bạ."))
    try:
        transcript.student = student_get(actor=actor, student_id=transcript.student_id)
    except NotFound:
        raise NotFound("transcript.not_found", _("Không tìm thấy học bạ.")) from None
    if content:
        audit_record(
            actor=actor,
            action="view",
            object_type="records.transcript",
            object_id=transcript.pk,
            object_repr=transcript.reference,
        )
    return transcript


def transcripts_by_id(*, actor, ids) -> list[Transcript]:
    """Transcripts by id, each one the actor may see (404 for any other), in id order."""
    return [transcript_get(actor=actor, transcript_id=pk) for pk in sorted(set(ids))]


def transcript_public(reference: str) -> Transcript:
    """The issued document behind a reference (QR code), for the public page."""
    transcript = (
        Transcript.objects.select_related("school_year", "school")
        .filter(reference=(reference or "").strip().upper()[:20])
        .first()
    )
    if transcript is None:
        raise NotFound("transcript.not_found", _("Không tìm thấy học bạ có số hiệu này."))
    return transcript


@dataclass(frozen=True)
class Verification:
    """`verify_pdf`'s result, and what the platform knows of the file: the issued
    document it claims to be (by its printed reference) and whether it is that
    document byte for byte."""

    result: VerificationResult
    sha256: str
    reference: str  # read from the PDF ("" when absent or unreadable)
    transcript: Transcript | None  # the issued document with that reference
    matches_issued: bool  # identical to the document as the platform holds it

    def as_dict(self) -> dict:
        t = self.transcript
        return {
            **self.result.as_dict(),
            "sha256": self.sha256,
            "reference": self.reference or None,
            "matches_issued": self.matches_issued,
            "document": public_dict(t) if t is not None else None,
        }


def signed_by(t: Transcript) -> list[dict]:
    """Who signed, in signing order, with when."""
    return [
        {"role": role, "name": name, "signed_at": at}
        for role, name, at in (
            (FIELDS[0], t.teacher_name, t.teacher_signed_at),
            (FIELDS[1], t.principal_name, t.principal_signed_at),
        )
        if at is not None
    ]


def public_dict(t: Transcript) -> dict:
    """What the public may see of an issued transcript (JSON-ready)."""
    return {
        "reference": t.reference,
        "type": "transcript",
        "school": t.school.name,
        "school_year": t.school_year.code,
        "status": t.status,
        "sha256": t.sha256,
        "signed_by": [{**s, "signed_at": s["signed_at"].isoformat()} for s in signed_by(t)],
    }


def _reference_of(data: bytes) -> str:
    """The reference the renderer stored as the PDF's /Subject (read leniently: a damaged
    file simply has none)."""
    try:
        meta = PdfReader(io.BytesIO(data), strict=False).metadata
        subject = (meta or {}).get("/Subject") or ""
    except Exception:  # a damaged file is a finding of verify_pdf, not an error here
        return ""
    return str(subject).strip()[:20]


def transcript_verify(data: bytes, *, reference: str | None = None) -> Verification:
    """Verify an uploaded PDF: the signatures (both expected, the homeroom teacher's
    first), and whether it is the document issued under its reference (or `reference`,
    the page it was uploaded on). Not a PDF → DomainError("signing.bad_pdf")."""
    if len(data) > MAX_UPLOAD:
        raise DomainError(
            "transcript.too_large",
            _("Tệp quá lớn (tối đa %(n)s MB).") % {"n": MAX_UPLOAD // (1024 * 1024)},
            field="file",
        )
    result = verify_pdf(data, expected_fields=list(FIELDS))
    digest = hashlib.sha256(data).hexdigest()
    issued = Transcript.objects.select_related("school_year", "school").filter(sha256=digest)
    transcript = issued.defer(*_LIST_COLUMNS).first()
    found = reference or (transcript.reference if transcript else "") or _reference_of(data)
    if transcript is None or (reference and transcript.reference != reference):
        transcript = None
        if found:
            transcript = (
                Transcript.objects.select_related("school_year", "school")
                .defer(*_LIST_COLUMNS)
                .filter(reference=found.strip().upper())
                .first()
            )
    matches = transcript is not None and transcript.sha256 == digest
    return Verification(
        result=result,
        sha256=digest,
        reference=found,
        transcript=transcript,
        matches_issued=matches,
    )


def stored_verification(transcript: Transcript) -> VerificationResult:
    """The verdict on the document as the platform holds it."""
    pdf = Transcript.objects.values_list("pdf", flat=True).get(pk=transcript.pk)
    return verify_pdf(bytes(pdf), expected_fields=list(FIELDS))
