"""/api/v1 fees: invoices (scoped), cash payments, statement import, the bank webhook.

Invoices are read by the unit-wide roles above their school and by the student's guardians;
outside that scope an invoice is a 404. Payments, statements and refunds are written by the
school's principal and clerks (403 for officers above it). POST /payments honours
Idempotency-Key, so a retried cash payment is never recorded twice.

The bank webhook (POST /fees/bank-webhook) takes no user: it is authenticated by an
HMAC-SHA256 signature (see docs/fees.md)."""

import datetime as dt
from uuid import UUID

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from edudx.accounts.tokens import actor_key
from edudx.core.errors import DomainError
from edudx.core.idempotency import idempotent
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, create_response, json_body, paginate
from edudx.org.models import SchoolYear

from . import selectors, services
from .models import Area, FeeKind, InvoiceStatus, LineStatus, PaymentMethod

router = Router(tags=["fees"])


class InvoiceLineOut(Schema):
    label: str
    amount: int
    reduction: int


class PaymentOut(Schema):
    id: int
    invoice_id: int
    amount: int
    method: PaymentMethod
    received_at: dt.datetime
    receipt_number: str | None


class InvoiceOut(Schema):
    id: int
    source_id: UUID
    reference: str = Field(..., description="Unique; the transfer content carries it.")
    student_id: int | None = Field(..., description="Null for a payer who is not a student.")
    student_name: str = Field(..., description="The student's, or the payer's, name.")
    school_id: int = Field(..., description="The unit paid: a school, commune or province.")
    class_id: int | None
    school_year: str | None
    source: str | None = Field(None, description='What issued it, e.g. "eservices.dossier:HS…".')
    period: str
    title: str
    total: int = Field(..., description="Whole đồng, after exemptions and reductions.")
    paid: int
    outstanding: int
    status: InvoiceStatus
    due_date: dt.date | None
    updated_at: dt.datetime


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]
    payments: list[PaymentOut]
    vietqr: str | None = Field(None, description="The dynamic VietQR payload for what is due.")


class InvoicePage(Schema):
    items: list[InvoiceOut]
    count: int
    page: int
    page_size: int


class InvoiceFilters(PageParams):
    school_id: int | None = None
    class_id: int | None = None
    student_id: int | None = None
    status: InvoiceStatus | None = None


def render_invoice(i) -> dict:
    return {
        "id": i.pk,
        "source_id": i.source_id,
        "reference": i.reference,
        "student_id": i.student_id,
        "student_name": i.payer_display,
        "school_id": i.school_id,
        "class_id": i.class_group_id,
        "school_year": i.school_year.code if i.school_year_id else None,
        "source": i.source,
        "period": i.period,
        "title": i.title,
        "total": i.total,
        "paid": i.paid,
        "outstanding": i.outstanding,
        "status": i.status,
        "due_date": i.due_date,
        "updated_at": i.updated_at,
    }


def render_payment(p) -> dict:
    receipt = getattr(p, "receipt", None)
    return {
        "id": p.pk,
        "invoice_id": p.invoice_id,
        "amount": p.amount,
        "method": p.method,
        "received_at": p.received_at,
        "receipt_number": receipt.number if receipt else None,
    }


@router.get("/fees/invoices", response={200: InvoicePage, **ERRORS}, summary="List invoices")
def list_invoices(request, filters: Query[InvoiceFilters]):
    qs = selectors.invoice_list(
        actor=request.user,
        school_id=filters.school_id,
        class_id=filters.class_id,
        status=filters.status,
        student_id=filters.student_id,
    )
    return paginate(qs, filters, render_invoice)


@router.get(
    "/fees/invoices/{int:invoice_id}",
    response={200: InvoiceDetailOut, **ERRORS},
    summary="One invoice with its lines, payments and VietQR payload",
)
def get_invoice(request, invoice_id: int):
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    return {
        **render_invoice(invoice),
        "lines": [
            {"label": ln.label, "amount": ln.amount, "reduction": ln.reduction}
            for ln in invoice.lines.all()
        ],
        "payments": [
            render_payment(p) for p in invoice.payments.select_related("receipt").order_by("id")
        ],
        "vietqr": services.invoice_qr_payload(invoice, selectors.bank_account_of(invoice.school)),
    }


class CancelIn(Schema):
    reason: str = Field(..., max_length=255, description="Why it is cancelled (audited).")


@router.post(
    "/fees/invoices/{int:invoice_id}/cancel",
    response={200: InvoiceOut, **ERRORS},
    summary="Cancel an invoice nothing is paid on (refund first); again: no change",
)
def cancel_invoice(request, invoice_id: int, payload: CancelIn):
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    selectors.require_write(request.user, invoice.school)
    return render_invoice(
        services.invoice_cancel(actor=request.user, invoice=invoice, reason=payload.reason)
    )


class CashPaymentIn(Schema):
    invoice_id: int
    amount: int = Field(..., gt=0, description="Whole đồng.")
    note: str = Field("", max_length=255)


@router.post(
    "/fees/payments",
    response={201: PaymentOut, **ERRORS},
    summary="Record a cash payment (issues the receipt)",
    openapi_extra=IDEMPOTENT,
)
def create_payment(request, payload: CashPaymentIn):
    invoice = selectors.invoice_get(actor=request.user, invoice_id=payload.invoice_id)
    selectors.require_write(request.user, invoice.school)

    def run() -> dict:
        payment = services.payment_record_cash(
            actor=request.user, invoice=invoice, amount=payload.amount, note=payload.note
        )
        return json_body(PaymentOut, render_payment(payment))

    return idempotent(request, actor_key=actor_key(request), run=run)


class StatementOut(Schema):
    id: int
    file_name: str
    lines_total: int
    lines_matched: int
    lines_unmatched: int
    lines_skipped: int
    errors: list[dict]


@router.post(
    "/fees/statements",
    response={201: StatementOut, **ERRORS},
    summary="Import a bank statement (.csv or .xlsx) and reconcile it",
)
def import_statement(request, school_id: Form[int], file: File[UploadedFile]):
    school = selectors.collecting_unit_for_write(actor=request.user, unit_id=school_id)
    account = selectors.bank_account_of(school)
    if account is None:
        raise DomainError("fees.no_account", services.no_account_text(school), field="school_id")
    stmt = services.statement_import(
        actor=request.user, bank_account=account, file_name=file.name, content=file.read()
    )
    return Status(
        201,
        {
            "id": stmt.pk,
            "file_name": stmt.file_name,
            "lines_total": stmt.lines_total,
            "lines_matched": stmt.lines_matched,
            "lines_unmatched": stmt.lines_unmatched,
            "lines_skipped": stmt.lines_skipped,
            "errors": stmt.errors,
        },
    )


class UnmatchedOut(Schema):
    id: int
    transaction_id: str
    booked_at: dt.datetime
    amount: int
    content: str
    reason: str
    candidates: list[str]
    flagged: bool


class UnmatchedPage(Schema):
    items: list[UnmatchedOut]
    count: int
    page: int
    page_size: int


class UnmatchedFilters(PageParams):
    school_id: int | None = None


def render_unmatched(ln) -> dict:
    return {
        "id": ln.pk,
        "transaction_id": ln.transaction_id,
        "booked_at": ln.booked_at,
        "amount": ln.amount,
        "content": ln.content,
        "reason": ln.reason,
        "candidates": ln.candidates,
        "flagged": ln.flagged,
    }


@router.get(
    "/fees/unmatched",
    response={200: UnmatchedPage, **ERRORS},
    summary="Bank lines waiting for the clerk, oldest first",
)
def list_unmatched(request, filters: Query[UnmatchedFilters]):
    qs = selectors.unmatched_lines(actor=request.user, school_id=filters.school_id)
    return paginate(qs, filters, render_unmatched)


class WebhookIn(Schema):
    transaction_id: str = Field(..., max_length=64)
    amount: int = Field(..., gt=0)
    content: str = Field("", max_length=500)
    booked_at: dt.datetime | None = None


class WebhookOut(Schema):
    status: str = Field(..., description="matched | unmatched | duplicate")
    line_id: int
    invoice: str | None
    reason: str | None


@router.post(
    "/fees/bank-webhook",
    auth=None,
    response={200: WebhookOut, **ERRORS},
    summary="Bank credit notification (HMAC-signed; no user)",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": WebhookIn.model_json_schema()}},
            "required": True,
        },
        "parameters": [
            {"in": "header", "name": h, "required": True, "schema": {"type": "string"}}
            for h in (
                services.H_ACCOUNT,
                services.H_TIMESTAMP,
                services.H_NONCE,
                services.H_SIGNATURE,
            )
        ],
    },
)
def bank_webhook(request: HttpRequest):
    # The raw body is what is signed: it is read as bytes, never re-serialised.
    return JsonResponse(services.webhook_receive(headers=request.headers, body=request.body))


# --- fee items ------------------------------------------------------------------------------


def _school_year(school_year_id: int, field: str = "school_year_id") -> SchoolYear:
    year = SchoolYear.objects.filter(pk=school_year_id).first()
    if year is None:
        raise DomainError("fees.school_year", _("Không tìm thấy năm học."), field=field)
    return year


class FeeItemOut(Schema):
    id: int
    school_id: int
    school_year: str
    school_year_id: int
    kind: FeeKind
    name: str
    amount: int = Field(..., description="Whole đồng.")
    level: str
    area: str
    grade_number: int | None = Field(None, description="Null: every grade.")
    active: bool


def render_item(it) -> dict:
    return {
        "id": it.pk,
        "school_id": it.school_id,
        "school_year": it.school_year.code,
        "school_year_id": it.school_year_id,
        "kind": it.kind,
        "name": it.name,
        "amount": it.amount,
        "level": it.level,
        "area": it.area,
        "grade_number": it.grade_number,
        "active": it.active,
    }


class FeeItemFilters(Schema):
    school_id: int
    school_year_id: int | None = None


@router.get(
    "/fees/items",
    response={200: list[FeeItemOut], **ERRORS},
    summary="Fee items of a school (newest school year first)",
)
def list_items(request, filters: Query[FeeItemFilters]):
    school = selectors.school_get(actor=request.user, school_id=filters.school_id)
    return [
        render_item(it)
        for it in selectors.fee_items(school=school, school_year_id=filters.school_year_id)
    ]


class FeeItemIn(Schema):
    school_id: int
    school_year_id: int
    kind: FeeKind
    name: str = Field(..., max_length=200)
    amount: int = Field(..., description="Whole đồng, > 0.")
    area: Area | None = None
    grade_number: int | None = Field(None, description="1–12; null for every grade.")


@router.post(
    "/fees/items",
    response={201: FeeItemOut, **ERRORS},
    summary="Add a fee item (principal, clerk)",
    openapi_extra=IDEMPOTENT,
)
def create_item(request, payload: FeeItemIn):
    school = selectors.school_for_write(actor=request.user, school_id=payload.school_id)
    year = _school_year(payload.school_year_id)

    def create() -> dict:
        item = services.fee_item_create(
            actor=request.user,
            school=school,
            school_year=year,
            kind=payload.kind,
            name=payload.name,
            amount=payload.amount,
            area=payload.area or "",
            grade_number=payload.grade_number,
        )
        return render_item(item)

    return create_response(request, FeeItemOut, create, {})


class FeeItemPatch(Schema):
    kind: FeeKind | None = None
    name: str | None = Field(None, max_length=200)
    amount: int | None = Field(None, description="Whole đồng, > 0.")
    area: Area | None = Field(None, description='"" clears it (send it to apply to all areas).')
    grade_number: int | None = Field(None, description="1–12; send null to apply to all grades.")
    active: bool | None = None


@router.patch(
    "/fees/items/{item_id}",
    response={200: FeeItemOut, **ERRORS},
    summary="Change or deactivate a fee item (invoices already issued are unchanged)",
)
def update_item(request, item_id: int, payload: FeeItemPatch):
    item = selectors.fee_item_get(actor=request.user, item_id=item_id)
    selectors.require_write(request.user, item.school)
    given = payload.model_dump(exclude_unset=True)
    if given.get("kind", "") is None or given.get("name", "") is None:
        raise DomainError(
            "fees.null", _("Loại và tên khoản thu không được để trống."), field="name"
        )
    if "amount" in given and given["amount"] is None:
        raise DomainError(
            "fee_item.amount", _("Số tiền phải là số nguyên đồng lớn hơn 0."), field="amount"
        )
    if "active" in given and given["active"] is None:
        raise DomainError("fees.null", _("Chọn đang áp dụng hoặc ngừng."), field="active")
    if "area" in given:
        given["area"] = given["area"] or ""
    item = services.fee_item_update(actor=request.user, item=item, **given)
    return render_item(item)


# --- invoice generation ---------------------------------------------------------------------


class GenerateIn(Schema):
    school_id: int
    school_year_id: int
    period: str = Field(..., max_length=40, description='"HK1", "T9"…: one invoice per period.')
    title: str = Field(..., max_length=200)
    class_id: int | None = Field(None, description="Only this class.")
    grade_number: int | None = Field(None, description="Only this grade (1–12).")
    due_date: dt.date | None = None


class GenerateOut(Schema):
    created: int
    skipped: int = Field(..., description="Students who already had an invoice for the period.")
    invoice_ids: list[int]


@router.post(
    "/fees/invoices/generate",
    response={201: GenerateOut, **ERRORS},
    summary="Issue invoices for a period to a class, a grade or the whole school",
    openapi_extra=IDEMPOTENT,
)
def generate_invoices(request, payload: GenerateIn):
    school = selectors.school_for_write(actor=request.user, school_id=payload.school_id)
    year = _school_year(payload.school_year_id)
    cls = None
    if payload.class_id is not None:
        cls = next(
            (c for c in selectors.classes_of(school, year.pk) if c.pk == payload.class_id), None
        )
        if cls is None:
            raise DomainError(
                "invoice.class",
                _("Lớp không thuộc trường trong năm học này."),
                field="class_id",
            )

    def create() -> dict:
        result = services.invoices_generate(
            actor=request.user,
            school=school,
            school_year=year,
            period=payload.period,
            title=payload.title,
            class_group=cls,
            grade_number=payload.grade_number,
            due_date=payload.due_date,
        )
        return {
            "created": result.created,
            "skipped": result.skipped,
            "invoice_ids": [i.pk for i in result.invoices],
        }

    return create_response(request, GenerateOut, create, {})


# --- refunds --------------------------------------------------------------------------------


class RefundOut(Schema):
    id: int
    invoice_id: int
    invoice_reference: str
    amount: int
    method: PaymentMethod
    reason: str
    refunded_at: dt.datetime


class RefundPage(Schema):
    items: list[RefundOut]
    count: int
    page: int
    page_size: int


class RefundFilters(PageParams):
    school_id: int | None = None
    invoice_id: int | None = None


def render_refund(r) -> dict:
    return {
        "id": r.pk,
        "invoice_id": r.invoice_id,
        "invoice_reference": r.invoice.reference,
        "amount": r.amount,
        "method": r.method,
        "reason": r.reason,
        "refunded_at": r.refunded_at,
    }


@router.get("/fees/refunds", response={200: RefundPage, **ERRORS}, summary="List refunds")
def list_refunds(request, filters: Query[RefundFilters]):
    qs = selectors.refunds_of(
        actor=request.user, school_id=filters.school_id, invoice_id=filters.invoice_id
    )
    return paginate(qs, filters, render_refund)


class RefundIn(Schema):
    invoice_id: int
    amount: int = Field(..., description="Whole đồng; at most what was paid.")
    reason: str = Field(..., max_length=255)
    method: PaymentMethod = PaymentMethod.TRANSFER


@router.post(
    "/fees/refunds",
    response={201: RefundOut, **ERRORS},
    summary="Refund (part of) what was paid on an invoice",
    openapi_extra=IDEMPOTENT,
)
def create_refund(request, payload: RefundIn):
    invoice = selectors.invoice_get(actor=request.user, invoice_id=payload.invoice_id)
    selectors.require_write(request.user, invoice.school)

    def create() -> dict:
        refund = services.refund_record(
            actor=request.user,
            invoice=invoice,
            amount=payload.amount,
            reason=payload.reason,
            method=payload.method,
        )
        return render_refund(refund)

    return create_response(request, RefundOut, create, {})


# --- the clerk's queue ----------------------------------------------------------------------


class AssignIn(Schema):
    invoice_id: int | None = Field(None, description="The invoice paid; or give `reference`.")
    reference: str | None = Field(None, max_length=20)
    note: str = Field("", max_length=255)


class LineOut(Schema):
    id: int
    transaction_id: str
    amount: int
    status: LineStatus
    invoice_id: int | None
    note: str


def render_line(ln) -> dict:
    return {
        "id": ln.pk,
        "transaction_id": ln.transaction_id,
        "amount": ln.amount,
        "status": ln.status,
        "invoice_id": ln.invoice_id,
        "note": ln.flag_note,
    }


@router.post(
    "/fees/unmatched/{line_id}/assign",
    response={201: PaymentOut, **ERRORS},
    summary="Assign a queued bank line to an invoice of the same school (records the payment)",
    openapi_extra=IDEMPOTENT,
)
def assign_line(request, line_id: int, payload: AssignIn):
    line = selectors.line_get(actor=request.user, line_id=line_id)
    school = line.bank_account.school
    selectors.require_write(request.user, school)
    invoices = selectors.invoice_list(actor=request.user, school_id=school.pk)
    if payload.invoice_id is not None:
        invoice = invoices.filter(pk=payload.invoice_id).first()
        field, wanted = "invoice_id", str(payload.invoice_id)
    elif payload.reference:
        wanted = "".join(payload.reference.split()).upper()
        invoice = invoices.filter(reference=wanted).first()
        field = "reference"
    else:
        raise DomainError("line.invoice", _("Nhập mã hóa đơn hoặc invoice_id."), field="invoice_id")
    if invoice is None:
        raise DomainError(
            "line.invoice",
            _("Không tìm thấy hóa đơn %(r)s của %(u)s.") % {"r": wanted, "u": school.name},
            field=field,
        )

    def create() -> dict:
        payment = services.line_assign(
            actor=request.user, line=line, invoice=invoice, note=payload.note
        )
        return render_payment(payment)

    return create_response(
        request, PaymentOut, create, {"invoice": "invoice_id", "line": "line_id"}
    )


class IgnoreIn(Schema):
    note: str = Field(..., max_length=255, description="Why it is not a fee payment.")


@router.post(
    "/fees/unmatched/{line_id}/ignore",
    response={201: LineOut, **ERRORS},
    summary="Take a bank line out of the queue: not a fee payment (with a note)",
    openapi_extra=IDEMPOTENT,
)
def ignore_line(request, line_id: int, payload: IgnoreIn):
    line = selectors.line_get(actor=request.user, line_id=line_id)
    selectors.require_write(request.user, line.bank_account.school)

    def create() -> dict:
        return render_line(services.line_ignore(actor=request.user, line=line, note=payload.note))

    return create_response(request, LineOut, create, {"line": "line_id"})


# --- bank accounts --------------------------------------------------------------------------


class BankOut(Schema):
    bin: str
    name: str


@router.get("/fees/banks", response={200: list[BankOut], **ERRORS}, summary="Banks (NAPAS BIN)")
def list_banks(request):
    from .banks import BANKS  # noqa: PLC0415

    return [{"bin": b, "name": n} for b, n in BANKS]


UNIT_ID = "The school, or a commune/province unit (its fees for public-service dossiers)."
WHO_MANAGES = "school: principal, clerk; commune/province: its officers"


class BankAccountOut(Schema):
    id: int
    school_id: int = Field(..., description=UNIT_ID)
    code: str = Field(..., description="Names the account in bank webhook calls.")
    bank_bin: str
    bank_name: str
    account_number: str
    account_name: str = Field(..., description="Upper case without diacritics, as VietQR needs.")
    active: bool


def render_account(a) -> dict:
    return {
        "id": a.pk,
        "school_id": a.school_id,
        "code": a.code,
        "bank_bin": a.bank_bin,
        "bank_name": a.bank_name,
        "account_number": a.account_number,
        "account_name": a.account_name,
        "active": a.active,
    }


class BankAccountFilters(Schema):
    school_id: int = Field(..., description=UNIT_ID)


@router.get(
    "/fees/bank-accounts",
    response={200: list[BankAccountOut], **ERRORS},
    summary=f"A unit's receiving bank accounts ({WHO_MANAGES})",
)
def list_accounts(request, filters: Query[BankAccountFilters]):
    school = selectors.collecting_unit_for_write(actor=request.user, unit_id=filters.school_id)
    return [render_account(a) for a in selectors.bank_accounts_of(school=school)]


class BankAccountIn(Schema):
    school_id: int = Field(..., description=UNIT_ID)
    bank_bin: str = Field(..., max_length=6, description="From GET /fees/banks.")
    account_number: str = Field(..., max_length=40)
    account_name: str = Field(..., max_length=100, description="Upper-cased, diacritics dropped.")
    code: str = Field("", max_length=40)


@router.post(
    "/fees/bank-accounts",
    response={201: BankAccountOut, **ERRORS},
    summary=f"Add a receiving bank account ({WHO_MANAGES})",
    openapi_extra=IDEMPOTENT,
)
def create_account(request, payload: BankAccountIn):
    school = selectors.collecting_unit_for_write(actor=request.user, unit_id=payload.school_id)

    def create() -> dict:
        account = services.bank_account_create(
            actor=request.user,
            school=school,
            bank_bin=payload.bank_bin,
            account_number=payload.account_number,
            account_name=payload.account_name,
            code=payload.code,
        )
        return render_account(account)

    return create_response(request, BankAccountOut, create, {})


class BankAccountPatch(Schema):
    bank_bin: str | None = Field(None, max_length=6)
    account_number: str | None = Field(None, max_length=40)
    account_name: str | None = Field(None, max_length=100)
    active: bool | None = None


@router.patch(
    "/fees/bank-accounts/{account_id}",
    response={200: BankAccountOut, **ERRORS},
    summary="Change or deactivate a receiving bank account",
)
def update_account(request, account_id: int, payload: BankAccountPatch):
    account = selectors.bank_account_get(actor=request.user, account_id=account_id)
    selectors.require_write(request.user, account.school)
    given = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    account = services.bank_account_update(actor=request.user, account=account, **given)
    return render_account(account)
