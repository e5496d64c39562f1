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
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError
from edudx.core.idempotency import idempotent
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, json_body, paginate

from . import selectors, services
from .models import InvoiceStatus, LineStatus, PaymentMethod

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
    student_id: int
    student_name: str
    school_id: int
    class_id: int | None
    school_year: str
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
        "student_name": i.student.person.full_name,
        "school_id": i.school_id,
        "class_id": i.class_group_id,
        "school_year": i.school_year.code,
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
    "/fees/invoices/{invoice_id}",
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
    if not selectors.may_write(request.user, invoice.school):
        raise Forbidden(
            "fees.forbidden", _("Chỉ hiệu trưởng và kế toán/văn thư của trường được ghi thu.")
        )

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
    school = selectors.school_for_write(actor=request.user, school_id=school_id)
    account = selectors.bank_account_of(school)
    if account is None:
        raise DomainError(
            "fees.no_account", _("Trường chưa khai báo tài khoản ngân hàng."), field="school_id"
        )
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


class UnmatchedFilters(Schema):
    school_id: int | None = None


@router.get(
    "/fees/unmatched",
    response={200: list[UnmatchedOut], **ERRORS},
    summary="Bank lines waiting for the clerk (first 500)",
)
def list_unmatched(request, filters: Query[UnmatchedFilters]):
    lines = selectors.unmatched_lines(actor=request.user, school_id=filters.school_id)[:500]
    return [
        {
            "id": ln.pk,
            "transaction_id": ln.transaction_id,
            "booked_at": ln.booked_at,
            "amount": ln.amount,
            "content": ln.content,
            "reason": ln.reason,
            "candidates": ln.candidates,
            "flagged": ln.flagged,
        }
        for ln in lines
        if ln.status == LineStatus.UNMATCHED
    ]


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
