"""Fees: fee items, reductions, invoices, payments, refunds, bank lines and receipts.

Money is whole đồng in integer columns. "No money recorded twice" rests on unique indexes,
not on code paths: a bank line is unique per (bank account, bank transaction id), a payment
per bank line (one-to-one), a receipt per payment, a webhook nonce per bank account."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import ClassGroup, OrgUnit, SchoolLevel, SchoolYear
from edudx.people.models import Student


class FeeKind(models.TextChoices):
    TUITION = "tuition", _("Học phí")
    BOARDING = "boarding", _("Bán trú")
    INSURANCE = "insurance", _("Bảo hiểm y tế")
    OTHER = "other", _("Khoản thu khác")


class Area(models.TextChoices):
    """Tuition bands by area (Decree 81/2021/NĐ-CP, Art. 9, amended by Decree 97/2023)."""

    URBAN = "urban", _("Thành thị")
    RURAL = "rural", _("Nông thôn")
    MOUNTAIN = "mountain", _("Vùng dân tộc thiểu số và miền núi")


class BankAccount(models.Model):
    """A collection account of an org unit: a school (fees), or a commune or province unit
    (public-service fees of the dossiers it resolves). The field keeps its historical name
    `school`; it is any `OrgUnit`. `code` names it in webhook calls; the webhook secret is
    read from the environment (EDUDX_BANK_SECRET_<CODE>), never stored here."""

    school = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="bank_accounts",
        verbose_name=_("đơn vị thu"),
        help_text=_("Trường, hoặc UBND xã/phường, Sở GDĐT nhận lệ phí dịch vụ công."),
    )
    code = models.SlugField(max_length=40, unique=True)
    bank_bin = models.CharField(max_length=6)
    bank_name = models.CharField(max_length=100)
    account_number = models.CharField(max_length=19)
    account_name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number}"


class FeeItem(ExchangeModel):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="fee_items")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=FeeKind.choices)
    name = models.CharField(max_length=200)
    amount = models.PositiveBigIntegerField()
    level = models.CharField(max_length=20, choices=SchoolLevel.choices, blank=True)
    area = models.CharField(max_length=20, choices=Area.choices, blank=True)
    grade_number = models.PositiveSmallIntegerField(null=True, blank=True)  # null: all grades
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["school_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name", "grade_number"],
                name="uniq_fee_item_name",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReductionReason(models.TextChoices):
    """Decree 81/2021/NĐ-CP, Art. 15-16: who is exempted or has tuition reduced."""

    POLICY = "policy", _("Con người có công với cách mạng")
    POOR = "poor", _("Hộ nghèo, cận nghèo")
    ETHNIC = "ethnic", _("Dân tộc thiểu số ở vùng đặc biệt khó khăn")
    DISABILITY = "disability", _("Khuyết tật")
    ORPHAN = "orphan", _("Mồ côi, không nơi nương tựa")
    OTHER = "other", _("Lý do khác")


class Reduction(ExchangeModel):
    """An exemption (100 %) or reduction for a student in a school year: a percent or a fixed
    amount, on one fee kind or (blank) all. `dossier_ref` is the code of the approved
    public-services dossier (eservices), kept as text: the two apps do not share tables."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="fee_reductions")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=FeeKind.choices, blank=True)
    reason = models.CharField(max_length=20, choices=ReductionReason.choices)
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    amount = models.PositiveBigIntegerField(null=True, blank=True)
    dossier_ref = models.CharField(max_length=40, null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(percent__isnull=False, amount__isnull=True, percent__lte=100))
                | Q(percent__isnull=True, amount__isnull=False),
                name="fee_reduction_percent_xor_amount",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id}:{self.reason}"


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Chưa nộp")
    PARTIAL = "partial", _("Nộp một phần")
    PAID = "paid", _("Đã nộp đủ")
    OVERPAID = "overpaid", _("Nộp thừa")
    CANCELLED = "cancelled", _("Đã hủy")


class Invoice(ExchangeModel):
    """What a student owes a school for a period, or what another payer owes a unit for one
    thing (`source`, e.g. "eservices.dossier:HS…": a public-service fee). `school` is the
    unit paid (a school, or the commune/province resolving the dossier): reconciliation
    matches a line only to invoices of its bank account's unit, whatever the payer."""

    reference = models.CharField(max_length=10, unique=True)
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="invoices")
    school_year = models.ForeignKey(
        SchoolYear, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    class_group = models.ForeignKey(
        ClassGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period = models.CharField(max_length=40)  # "HK1", "T9"…: one invoice per student and period
    title = models.CharField(max_length=200)
    total = models.PositiveBigIntegerField()  # after reductions
    paid = models.BigIntegerField(default=0)  # payments minus refunds
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    due_date = models.DateField(null=True, blank=True)
    # What issued it when it is not a student's fee invoice; unique, so a retried
    # submission finds its invoice instead of issuing a second one (NULLs never collide).
    source = models.CharField(max_length=80, null=True, blank=True, unique=True)
    payer_name = models.CharField(max_length=200, blank=True)
    payer_phone = models.CharField(max_length=20, blank=True)
    payer = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year", "period"],
                condition=Q(student__isnull=False),
                name="uniq_invoice_period",
            ),
            models.CheckConstraint(
                condition=Q(student__isnull=False, school_year__isnull=False)
                | Q(student__isnull=True, source__isnull=False),
                name="fees_invoice_student_or_source",
            ),
        ]
        # No (school, status) index: reconciling rewrites the status of every invoice it
        # pays, and the one index on status cost a third of that UPDATE; the lists that
        # filter a school's invoices by status read them through the school's index.

    def __str__(self) -> str:
        return self.reference

    @property
    def outstanding(self) -> int:
        return max(self.total - self.paid, 0)

    @property
    def payer_display(self) -> str:
        """The student's name, or the payer's for an invoice without a student."""
        return self.student.person.full_name if self.student_id else self.payer_name


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    fee_item = models.ForeignKey(
        FeeItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(max_length=200)
    amount = models.PositiveBigIntegerField()
    reduction = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class LineSource(models.TextChoices):
    STATEMENT = "statement", _("Sao kê")
    WEBHOOK = "webhook", _("Thông báo ngân hàng")


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("Đã khớp")
    UNMATCHED = "unmatched", _("Chưa khớp")
    ASSIGNED = "assigned", _("Đã gán thủ công")
    IGNORED = "ignored", _("Bỏ qua")


class StatementImport(models.Model):
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lines_total = models.PositiveIntegerField(default=0)
    lines_matched = models.PositiveIntegerField(default=0)
    lines_unmatched = models.PositiveIntegerField(default=0)
    lines_skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bank_account", "sha256"], name="uniq_statement_file")
        ]

    def __str__(self) -> str:
        return self.file_name


class BankLine(models.Model):
    """One credit to a school's account, from a statement or a webhook."""

    # No index of its own: the unique (bank_account, transaction_id) index starts with it
    # (one index less to keep on every imported line).
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    statement = models.ForeignKey(
        StatementImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="lines"
    )
    source = models.CharField(max_length=10, choices=LineSource.choices)
    transaction_id = models.CharField(max_length=64)
    booked_at = models.DateTimeField()
    amount = models.PositiveBigIntegerField()
    content = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=LineStatus.choices)
    reason = models.CharField(max_length=40, blank=True)  # why unmatched (code)
    candidates = models.JSONField(default=list, blank=True)  # references seen
    # No index either: nothing reads bank lines by invoice (an invoice's page reaches them
    # through its payments, indexed by invoice), and invoices are cancelled, never deleted.
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_lines",
        db_index=False,
    )
    flagged = models.BooleanField(default=False)
    flag_note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-booked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "transaction_id"], name="uniq_bank_line_txn"
            )
        ]
        # The clerk's queue reads the unmatched lines only: a partial index keeps the matched
        # ones (most of a statement) out of it, one index entry less per imported line.
        indexes = [
            models.Index(
                fields=["bank_account"],
                condition=models.Q(status=LineStatus.UNMATCHED),
                name="fees_line_unmatched",
            )
        ]

    def __str__(self) -> str:
        return self.transaction_id


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Tiền mặt")
    TRANSFER = "transfer", _("Chuyển khoản")


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.PositiveBigIntegerField()
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    bank_line = models.OneToOneField(
        BankLine, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    received_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["method", "received_at"], name="fees_payment_method_at")]

    def __str__(self) -> str:
        return f"{self.invoice_id}:{self.amount}"


class Receipt(models.Model):
    """The electronic receipt of a payment; the PDF is rendered on first download and kept."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    number = models.CharField(max_length=20, unique=True)
    issued_at = models.DateTimeField()
    pdf = models.BinaryField(null=True, blank=True)

    def __str__(self) -> str:
        return self.number


class Refund(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField()
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    reason = models.CharField(max_length=255)
    refunded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.invoice_id}:-{self.amount}"


class WebhookNonce(models.Model):
    """Nonces of accepted webhook calls: the same signed request sent again is a replay."""

    bank_account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bank_account", "nonce"], name="uniq_webhook_nonce")
        ]

    def __str__(self) -> str:
        return self.nonce
