"""The digital transcript (học bạ số): one signed PDF per student per school year, with its
machine-readable JSON twin.

The PDF is kept in the database (`pdf`, a BinaryField) rather than in file storage: the
signed bytes, their SHA-256 and the status change of each signature commit in one
transaction with the audit event, on SQLite and PostgreSQL alike, with no orphan file
after a rollback and nothing extra to back up. A signed transcript is ~70 KB; list reads
defer the column (`records.transcripts_selectors`). See docs/transcripts.md."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import ClassGroup, OrgUnit, SchoolYear
from edudx.people.models import Student

__all__ = ["Transcript", "TranscriptStatus"]


class TranscriptStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    TEACHER_SIGNED = "teacher_signed", _("Giáo viên chủ nhiệm đã ký")
    PRINCIPAL_SIGNED = "principal_signed", _("Hiệu trưởng đã ký")


class Transcript(ExchangeModel):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="transcripts")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey(
        ClassGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Printed on the document and in its QR code (/verify/<reference>/): short, random,
    # unguessable (60 bits), so the public page cannot be walked.
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(
        max_length=20, choices=TranscriptStatus.choices, default=TranscriptStatus.DRAFT
    )
    pdf = models.BinaryField()
    # SHA-256 of `pdf` as it stands (the final document once the principal has signed);
    # index transcript_sha256 finds an uploaded copy that is byte-for-byte the issued one.
    sha256 = models.CharField(max_length=64)
    # The machine-readable twin (transcripts.transcript_json): versioned schema.
    data = models.JSONField()
    # Where the document drew each signer's slot ({"principal": [page, x1, y1, x2, y2]}):
    # the principal's signature field goes there when they countersign.
    signature_boxes = models.JSONField(default=dict)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    teacher_name = models.CharField(max_length=200, blank=True)
    teacher_signed_at = models.DateTimeField(null=True, blank=True)
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    principal_name = models.CharField(max_length=200, blank=True)
    principal_signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One transcript per student and school year: issuing again returns it.
            models.UniqueConstraint(
                fields=["student", "school_year"], name="uniq_transcript_student_year"
            )
        ]
        indexes = [models.Index(fields=["sha256"], name="transcript_sha256")]
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.reference
