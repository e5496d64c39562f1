"""Issuing and countersigning transcripts (học bạ số). Every write goes through here.

`transcript_issue`: the homeroom teacher of the student's class in that year renders the
document and signs it (PAdES, field "homeroom"). `transcript_countersign`: the school's
principal adds the second signature (field "principal") as an incremental update, so the
teacher's signature still covers exactly what the teacher signed. One transcript per
student and school year: issuing again returns the one that exists.

Signing keys (docs/transcripts.md): a personal certificate configured as
EDUDX_SIGNER_USER_<user id>_*, else the school's certificate EDUDX_SIGNER_UNIT_<MOET
school code>_* (or …SCHOOL_<code>_*, the first name; PKCS#12 file or PKCS#11 token,
`core.signing.signer_for`), else —
on a site with no real trust root configured — the demo PKI's certificate `user-<user id>`
(issued on first use; `edudx demo` issues them for its principals and teachers)."""

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.audit.services import Entry, audit_record, audit_record_many
from edudx.core import events, signing
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError
from edudx.core.pdf import SignatureBox
from edudx.org.models import OrgUnit, SchoolYear
from edudx.people.models import Enrolment, Student, TeachingAssignment

from .models_transcripts import Transcript, TranscriptStatus
from .transcripts import FIELDS, new_reference, transcript_json, transcript_pdf
from .transcripts_data import (
    assemble,
    class_context,
    enrolment_class,
    place_name,
    student_facts,
    transcript_data_for,
)

log = logging.getLogger(__name__)

ISSUED = "records.transcript_issued"
COUNTERSIGNED = "records.transcript_countersigned"


def verify_url(reference: str) -> str:
    base = getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return f"{base}/verify/{reference}/"


def is_homeroom_teacher(actor, class_group) -> bool:
    person_id = getattr(actor, "person_id", None)
    return bool(person_id) and (
        TeachingAssignment.objects.filter(
            class_group=class_group,
            is_homeroom=True,
            staff__person_id=person_id,
            staff__end_date__isnull=True,
        ).exists()
    )


def is_principal(actor, school: OrgUnit) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and (
        RoleAssignment.objects.filter(
            user=actor, role=Role.PRINCIPAL, unit=school, unit__valid_to__isnull=True
        ).exists()
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def transcript_issue(
    *, actor, student: Student, school_year: SchoolYear, comment: str = ""
) -> tuple[Transcript, bool]:
    """The student's transcript for the year, signed by the homeroom teacher (`actor`).
    Returns (transcript, created); when one exists it is returned unchanged."""
    existing = Transcript.objects.filter(student=student, school_year=school_year).first()
    if existing is not None:
        return existing, False
    cls = enrolment_class(student, school_year)
    if not is_homeroom_teacher(actor, cls):
        raise Forbidden(
            "transcript.not_homeroom",
            _("Chỉ giáo viên chủ nhiệm của lớp %(c)s mới lập được học bạ.") % {"c": cls.name},
            field=None,
        )
    school = cls.school
    reference = new_reference()
    data = transcript_data_for(
        student, school_year, reference=reference, homeroom_comment=comment, class_group=cls
    )
    rendered = transcript_pdf(data, verify_url(reference))
    signer = signing.signer_for(actor, school)
    signed = signing.sign_pdf(
        rendered.data,
        signer=signer,
        field_name=FIELDS[0],
        reason="Giáo viên chủ nhiệm xác nhận học bạ",
        location=place_name(school),
        box=rendered.signature_boxes[FIELDS[0]],
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            transcript = Transcript.objects.create(
                student=student,
                school_year=school_year,
                school=school,
                class_group=cls,
                reference=reference,
                status=TranscriptStatus.TEACHER_SIGNED,
                pdf=signed,
                sha256=_sha256(signed),
                data=transcript_json(data),
                signature_boxes={
                    name: [box.page, *box.box] for name, box in rendered.signature_boxes.items()
                },
                teacher=actor,
                teacher_name=signer.common_name,
                teacher_signed_at=now,
            )
            audit_record(
                actor=actor,
                action="create",
                object_type="records.transcript",
                object_id=transcript.pk,
                object_repr=f"{reference} {student.person.full_name} {school_year.code}",
                changes={"status": [None, transcript.status], "sha256": transcript.sha256},
            )
            events.emit(
                ISSUED,
                {
                    "transcript": transcript.pk,
                    "student": student.pk,
                    "school": school.pk,
                    "school_year": school_year.pk,
                },
            )
    except IntegrityError:
        # A concurrent issue of the same (student, year) committed first: theirs stands.
        existing = Transcript.objects.filter(student=student, school_year=school_year).first()
        if existing is None:
            raise
        return existing, False
    log.info("records.transcript_issued", extra={"transcript": transcript.pk})
    return transcript, True


def transcript_countersign(*, actor, transcript: Transcript) -> Transcript:
    """The principal's signature, second, as an incremental update of the signed PDF."""
    school = transcript.school
    if not is_principal(actor, school):
        raise Forbidden(
            "transcript.not_principal",
            _("Chỉ hiệu trưởng của trường mới ký duyệt được học bạ."),
            field=None,
        )
    signer = signing.signer_for(actor, school)
    with transaction.atomic():
        row = (
            Transcript.objects.select_for_update()
            .only("pk", "reference", "student_id", "status", "pdf", "sha256", "signature_boxes")
            .get(pk=transcript.pk)
        )
        if row.status != TranscriptStatus.TEACHER_SIGNED:
            raise DomainError(
                "transcript.status",
                _("Học bạ này đã được hiệu trưởng ký.")
                if row.status == TranscriptStatus.PRINCIPAL_SIGNED
                else _("Học bạ chưa có chữ ký của giáo viên chủ nhiệm."),
                field="status",
            )
        box = row.signature_boxes.get(FIELDS[1])
        signed = signing.sign_pdf(
            bytes(row.pdf),
            signer=signer,
            field_name=FIELDS[1],
            reason="Hiệu trưởng phê duyệt học bạ",
            location=place_name(school),
            box=SignatureBox(page=box[0], box=tuple(box[1:])) if box else None,
        )
        old = row.sha256
        row.pdf = signed
        row.sha256 = _sha256(signed)
        row.status = TranscriptStatus.PRINCIPAL_SIGNED
        row.principal = actor
        row.principal_name = signer.common_name
        row.principal_signed_at = timezone.now()
        row.save(
            update_fields=[
                "pdf",
                "sha256",
                "status",
                "principal",
                "principal_name",
                "principal_signed_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="update",
            object_type="records.transcript",
            object_id=row.pk,
            object_repr=row.reference,
            changes={
                "status": [TranscriptStatus.TEACHER_SIGNED, row.status],
                "sha256": [old, row.sha256],
            },
        )
        events.emit(
            COUNTERSIGNED,
            {"transcript": row.pk, "student": row.student_id, "school": school.pk},
        )
    return row


# --- a whole class at once ---------------------------------------------------------------------


def _boxes(rendered) -> dict:
    return {name: [box.page, *box.box] for name, box in rendered.signature_boxes.items()}


def transcript_issue_class(
    *, actor, class_group, comments: dict[int, str] | None = None
) -> list[Transcript]:
    """Every transcript of a class for its school year that does not exist yet, signed by
    the homeroom teacher (`actor`) in one go — what a teacher does at the end of the year,
    entering a token's PIN once. `comments`: {student id: comment}. Reads are shared (the
    class, its staff, the curriculum: once; results and absences: three queries for the
    class); the rows, their audit events and outbox events are written in one transaction.
    Returns the transcripts created; students who already have one are skipped."""
    if not is_homeroom_teacher(actor, class_group):
        raise Forbidden(
            "transcript.not_homeroom",
            _("Chỉ giáo viên chủ nhiệm của lớp %(c)s mới lập được học bạ.")
            % {"c": class_group.name},
            field=None,
        )
    school_year = class_group.school_year
    school = class_group.school
    done = Transcript.objects.filter(school_year=school_year).values("student_id")
    students = list(
        Student.objects.filter(
            pk__in=Enrolment.objects.filter(class_group=class_group).values("student_id")
        )
        .exclude(pk__in=done)
        .select_related("person")
        .order_by("search_name", "id")
    )
    if not students:
        return []
    ctx = class_context(class_group, school_year)
    facts = student_facts([s.pk for s in students], school_year, ctx.terms)
    signer = signing.signer_for(actor, school)
    now = timezone.now()
    rows = []
    for student in students:
        reference = new_reference()
        data = assemble(
            ctx,
            student,
            facts[student.pk],
            reference=reference,
            homeroom_comment=(comments or {}).get(student.pk, ""),
        )
        rendered = transcript_pdf(data, verify_url(reference))
        signed = signing.sign_pdf(
            rendered.data,
            signer=signer,
            field_name=FIELDS[0],
            reason="Giáo viên chủ nhiệm xác nhận học bạ",
            location=ctx.place,
            box=rendered.signature_boxes[FIELDS[0]],
        )
        rows.append(
            Transcript(
                student=student,
                school_year=school_year,
                school=school,
                class_group=class_group,
                reference=reference,
                status=TranscriptStatus.TEACHER_SIGNED,
                pdf=signed,
                sha256=_sha256(signed),
                data=transcript_json(data),
                signature_boxes=_boxes(rendered),
                teacher=actor,
                teacher_name=signer.common_name,
                teacher_signed_at=now,
            )
        )
    with transaction.atomic():
        # A transcript issued meanwhile for one of them makes the insert fail as a whole
        # (uniq_transcript_student_year): nothing is written, and a retry skips it.
        Transcript.objects.bulk_create(rows)
        created = list(
            Transcript.objects.filter(reference__in=[r.reference for r in rows]).defer(
                "pdf", "data"
            )
        )
        audit_record_many(
            actor=actor,
            entries=[
                Entry(
                    action="create",
                    object_type="records.transcript",
                    object_id=str(t.pk),
                    object_repr=f"{t.reference} {school_year.code}",
                    changes={"status": [None, t.status], "sha256": t.sha256},
                )
                for t in created
            ],
        )
        for t in created:
            events.emit(
                ISSUED,
                {
                    "transcript": t.pk,
                    "student": t.student_id,
                    "school": school.pk,
                    "school_year": school_year.pk,
                },
            )
    log.info("records.transcripts_issued", extra={"class": class_group.pk, "n": len(created)})
    return created


def transcript_countersign_many(*, actor, transcripts) -> int:
    """The principal's signature on many transcripts of their school at once (one lock,
    one audit append). Transcripts not awaiting it are skipped; returns how many signed."""
    ids = [t.pk for t in transcripts]
    schools = {t.school_id for t in transcripts}
    if not ids:
        return 0
    if len(schools) != 1 or not is_principal(actor, transcripts[0].school):
        raise Forbidden(
            "transcript.not_principal",
            _("Chỉ hiệu trưởng của trường mới ký duyệt được học bạ."),
            field=None,
        )
    school = transcripts[0].school
    signer = signing.signer_for(actor, school)
    location = place_name(school)
    with transaction.atomic():
        rows = list(
            Transcript.objects.select_for_update()
            .filter(pk__in=ids, status=TranscriptStatus.TEACHER_SIGNED)
            .only("pk", "reference", "student_id", "status", "pdf", "sha256", "signature_boxes")
            .order_by("pk")
        )
        now = timezone.now()
        entries = []
        for row in rows:
            box = row.signature_boxes.get(FIELDS[1])
            signed = signing.sign_pdf(
                bytes(row.pdf),
                signer=signer,
                field_name=FIELDS[1],
                reason="Hiệu trưởng phê duyệt học bạ",
                location=location,
                box=SignatureBox(page=box[0], box=tuple(box[1:])) if box else None,
            )
            old = row.sha256
            row.pdf, row.sha256 = signed, _sha256(signed)
            row.status = TranscriptStatus.PRINCIPAL_SIGNED
            row.principal, row.principal_name = actor, signer.common_name
            row.principal_signed_at = row.updated_at = now
            entries.append(
                Entry(
                    action="update",
                    object_type="records.transcript",
                    object_id=str(row.pk),
                    object_repr=row.reference,
                    changes={
                        "status": [TranscriptStatus.TEACHER_SIGNED, row.status],
                        "sha256": [old, row.sha256],
                    },
                )
            )
        Transcript.objects.bulk_update(
            rows,
            [
                "pdf",
                "sha256",
                "status",
                "principal",
                "principal_name",
                "principal_signed_at",
                "updated_at",
            ],
            batch_size=50,
        )
        audit_record_many(actor=actor, entries=entries)
        for row in rows:
            events.emit(
                COUNTERSIGNED,
                {"transcript": row.pk, "student": row.student_id, "school": school.pk},
            )
    return len(rows)
