"""E-office (văn thư, Decree 30/2020/NĐ-CP): the incoming and outgoing document registers of a
school or an education office, and its work dossiers (hồ sơ công việc).

The owning `unit` is the school, or for an education office the commune / district /
province unit where its officers hold their role (as eservices and fees file an office's
dossiers and accounts). Register numbers restart at 1 on 1 January (Decree 30, Art. 22(2)
for incoming, Art. 15(1) for outgoing) and are unique per unit and calendar year — the
services assign them. `search_text` is the folded summary, sender/recipients and symbol
(edudx.core.text.fold) for diacritic-insensitive search."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import OrgUnit


class Urgency(models.TextChoices):
    # Decree 30/2020, Appendix I (mức độ khẩn): "Khẩn", "Thượng khẩn", "Hỏa tốc".
    NORMAL = "normal", _("Thường")
    URGENT = "urgent", _("Khẩn")
    VERY_URGENT = "very_urgent", _("Thượng khẩn")
    FLASH = "flash", _("Hỏa tốc")


class IncomingStatus(models.TextChoices):
    RECEIVED = "received", _("Mới đến")
    ASSIGNED = "assigned", _("Đã giao xử lý")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    DONE = "done", _("Đã xử lý xong")


OPEN_INCOMING = (IncomingStatus.RECEIVED, IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS)


class DocumentType(models.TextChoices):
    # Decree 30/2020, Art. 7 and Appendix III (abbreviations in the symbol).
    OFFICIAL_LETTER = "official_letter", _("Công văn")
    DECISION = "decision", _("Quyết định")
    NOTICE = "notice", _("Thông báo")
    PLAN = "plan", _("Kế hoạch")
    REPORT = "report", _("Báo cáo")
    SUBMISSION = "submission", _("Tờ trình")
    INVITATION = "invitation", _("Giấy mời")
    MINUTES = "minutes", _("Biên bản")


class Medium(models.TextChoices):
    DIGITAL = "digital", _("Điện tử")
    PAPER = "paper", _("Giấy")


class SigningStage(models.TextChoices):
    """Where an electronic outgoing document stands in its signing (the head, then the
    unit's own signature: services.outgoing_sign, outgoing_seal)."""

    NO_PDF = "no_pdf", _("Chưa có tệp PDF")
    AWAITING_HEAD = "awaiting_head", _("Chờ thủ trưởng ký số")
    AWAITING_UNIT = "awaiting_unit", _("Chờ ký số của cơ quan")
    SEALED = "sealed", _("Đã ký số đủ")


class DossierStatus(models.TextChoices):
    OPEN = "open", _("Đang giải quyết")
    CLOSED = "closed", _("Đã kết thúc")


class WorkDossier(ExchangeModel):
    """A work dossier (hồ sơ công việc, Decree 30 Art. 28–29): the documents of one matter,
    opened and closed by its handler. `handled_digitally` is decided when it is closed: a
    digital dossier all of whose documents are electronic (T12, T13)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="work_dossiers")
    year = models.PositiveSmallIntegerField()
    code = models.CharField(_("ký hiệu hồ sơ"), max_length=30)
    title = models.CharField(_("tiêu đề hồ sơ"), max_length=300)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    medium = models.CharField(max_length=10, choices=Medium.choices, default=Medium.DIGITAL)
    status = models.CharField(
        max_length=10, choices=DossierStatus.choices, default=DossierStatus.OPEN
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    handled_digitally = models.BooleanField(default=False)
    search_text = models.CharField(max_length=400, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "code"], name="uniq_office_dossier")
        ]
        indexes = [
            # T12/T13: dossiers closed in a school year, per unit.
            models.Index(fields=["status", "closed_on", "unit"], name="office_dossier_closed"),
        ]
        ordering = ["-year", "code", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class IncomingDocument(ExchangeModel):
    """A document received (văn bản đến), registered in the unit's incoming register."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="incoming_documents")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField(_("số đến"))
    sender = models.CharField(_("cơ quan ban hành"), max_length=255)
    symbol = models.CharField(_("số và ký hiệu"), max_length=100)
    issued_on = models.DateField(_("ngày ban hành"))
    received_on = models.DateField(_("ngày đến"))
    summary = models.CharField(_("trích yếu"), max_length=500)
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    electronic = models.BooleanField(default=True)
    attachment = models.FileField(upload_to="office/in/%Y/", blank=True, max_length=300)
    status = models.CharField(
        max_length=12, choices=IncomingStatus.choices, default=IncomingStatus.RECEIVED
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="office_incoming",
    )
    due_on = models.DateField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    dossier = models.ForeignKey(
        WorkDossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="incoming"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_text = models.CharField(max_length=900, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "number"], name="uniq_office_in_number")
        ]
        indexes = [
            models.Index(fields=["unit", "status", "due_on"], name="office_in_unit_status"),
            models.Index(fields=["handler", "status"], name="office_in_handler"),
        ]
        ordering = ["-year", "-number", "-id"]

    def __str__(self) -> str:
        return f"{self.number}/{self.year} {self.symbol}"


# The signature fields the platform adds to an outgoing document's PDF: the head's, then
# the unit's own (its seal).
SIGNATURE_FIELD = "office_signer"
UNIT_SIGNATURE_FIELD = "office_unit"


class OutgoingDocument(ExchangeModel):
    """A document the unit issues (văn bản đi), numbered in its outgoing register; its
    "số và ký hiệu" is `number/symbol` ("125/SGDĐT-VP")."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="outgoing_documents")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField(_("số"))
    symbol = models.CharField(_("ký hiệu"), max_length=60)
    doc_type = models.CharField(max_length=20, choices=DocumentType.choices)
    issued_on = models.DateField(_("ngày ban hành"))
    signer = models.CharField(_("người ký"), max_length=200)
    recipients = models.TextField(_("nơi nhận"))
    summary = models.CharField(_("trích yếu"), max_length=500)
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    electronic = models.BooleanField(default=True)
    attachment = models.FileField(upload_to="office/out/%Y/", blank=True, max_length=300)
    reply_to = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    dossier = models.ForeignKey(
        WorkDossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="outgoing"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_text = models.CharField(max_length=900, blank=True)
    # The digital signature (services.outgoing_sign): `attachment` then holds the signed
    # PDF, whose SHA-256 is `signed_sha256`; `signed_name` is the certificate's name.
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_name = models.CharField(max_length=200, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    # The organisation's digital signature (ký số của cơ quan, tổ chức; services.outgoing_seal),
    # affixed by the văn thư after the head signed: `attachment` then holds the sealed PDF,
    # whose SHA-256 is `sealed_sha256`; `sealed_name` is the unit certificate's name.
    sealed_at = models.DateTimeField(null=True, blank=True)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sealed_name = models.CharField(max_length=200, blank=True)
    sealed_sha256 = models.CharField(max_length=64, blank=True)
    # Where a PDF the platform drew from the fields (services.outgoing_render) left room for
    # the signature: [page, x1, y1, x2, y2]; empty for an uploaded PDF (invisible field).
    signature_box = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "number"], name="uniq_office_out_number"
            )
        ]
        indexes = [
            models.Index(fields=["unit", "year"], name="office_out_unit_year"),
            # The public check of an uploaded file finds its document by the file's hash.
            models.Index(fields=["signed_sha256"], name="office_out_signed_sha"),
            models.Index(fields=["sealed_sha256"], name="office_out_sealed_sha"),
        ]
        ordering = ["-year", "-number", "-id"]

    def __str__(self) -> str:
        return self.number_symbol

    @property
    def number_symbol(self) -> str:
        return f"{self.number}/{self.symbol}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None

    @property
    def signing_stage(self) -> str | None:
        """The document's `SigningStage` (the rule `SIGNING_STAGE_Q` writes as filters);
        None for a paper document (signed by hand)."""
        if not self.electronic:
            return None
        if self.is_sealed:
            return SigningStage.SEALED
        if self.is_signed:
            return SigningStage.AWAITING_UNIT
        return SigningStage.AWAITING_HEAD if self.attachment else SigningStage.NO_PDF

    @property
    def signing_stage_label(self) -> str:
        stage = self.signing_stage
        return SigningStage(stage).label if stage else ""

    @property
    def stored_sha256(self) -> str:
        """The SHA-256 the stored file must have: the last signature's."""
        return self.sealed_sha256 if self.is_sealed else self.signed_sha256


# `OutgoingDocument.signing_stage` as filters (the registers, the home page's counts).
SIGNING_STAGE_Q = {
    SigningStage.NO_PDF: Q(electronic=True, attachment=""),
    SigningStage.AWAITING_HEAD: Q(electronic=True, signed_at__isnull=True) & ~Q(attachment=""),
    SigningStage.AWAITING_UNIT: Q(electronic=True, signed_at__isnull=False, sealed_at__isnull=True),
    SigningStage.SEALED: Q(electronic=True, sealed_at__isnull=False),
}
