"""Import batches: one row per uploaded file, kept whether it succeeded or failed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import OrgUnit


class ImportKind(models.TextChoices):
    STUDENTS = "students", _("Học sinh")
    STAFF = "staff", _("Cán bộ, giáo viên, nhân viên")


class ImportStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Thành công")
    FAILED = "failed", _("Có lỗi, chưa nhập")


class ImportBatch(ExchangeModel):
    """An uploaded file and its outcome. A file (same kind, same SHA-256) imports at most
    once: the partial unique index `uniq_import_success` makes a concurrent second upload
    fail inside its transaction, and a later one finds the earlier batch and writes nothing."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=ImportStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    school = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows_total = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    persons_created = models.PositiveIntegerField(default=0)
    persons_reused = models.PositiveIntegerField(default=0)
    header_row = models.PositiveIntegerField(null=True, blank=True)
    # [{code, message, field, row, column}], message as rendered at import time.
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "sha256"],
                condition=Q(status="succeeded"),
                name="uniq_import_success",
            )
        ]
        indexes = [models.Index(fields=["kind", "sha256"], name="import_kind_sha")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def succeeded(self) -> bool:
        return self.status == ImportStatus.SUCCEEDED
