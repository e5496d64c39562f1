"""Invoices whose payer is not a student (a public-service fee owed to a commune): issued
once per source, matched by reference like a student's, receipted and told to the payer."""

import io

import pytest
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from edudx.fees import services
from edudx.fees.models import BankLine, Invoice, InvoiceStatus, LineSource, Payment
from edudx.notify.models import Notification

from .conftest import line

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_account(district):
    return services.bank_account_save(
        actor=None,
        school=district.commune_a,
        code="xa-a-vcb",
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0011223344",
        account_name="UBND XA A",
    )


def issue(district, source="eservices.dossier:HSABCDEFGH", payer=None):
    return services.invoice_issue(
        actor=None,
        unit=district.commune_a,
        source=source,
        title="Lệ phí hồ sơ HSABCDEFGH: Cấp bản sao văn bằng",
        amount=20_000,
        payer_name="Trần Văn Tú",
        payer_phone="0912345678",
        payer=payer,
    )


def test_issue_is_once_per_source(district):
    first = issue(district)
    again = issue(district)
    other = issue(district, source="eservices.dossier:HSZZZZZZZZ")
    assert again.pk == first.pk
    assert Invoice.objects.count() == 2
    assert (first.student_id, first.school_year_id, first.school_id) == (
        None,
        None,
        district.commune_a.pk,
    )
    assert (first.total, first.status, first.period) == (20_000, InvoiceStatus.OPEN, "")
    assert [(ln.label, ln.amount) for ln in first.lines.all()] == [
        ("Lệ phí hồ sơ HSABCDEFGH: Cấp bản sao văn bằng", 20_000)
    ]
    assert other.reference != first.reference and len(other.reference) == 10


@pytest.mark.parametrize("amount", [0, -5, 20_000.5])
def test_issue_refuses_an_amount_that_is_not_whole_dong(district, amount):
    with pytest.raises(services.DomainError) as err:
        services.invoice_issue(
            actor=None,
            unit=district.commune_a,
            source="x:1",
            title="Lệ phí",
            amount=amount,
            payer_name="A",
        )
    assert (err.value.code, err.value.field) == ("invoice.amount", "amount")
    assert Invoice.objects.count() == 0


def test_student_invoices_stay_unique_per_period(invoices, district):
    a1, _ = invoices
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            reference="HP00000026",
            student=district.student_a1,
            school=district.school_a,
            school_year=district.year,
            period="HK1",
            title="Trùng",
            total=1,
        )
    assert Invoice.objects.filter(student=district.student_a1).count() == 1


def test_statement_line_pays_it_by_reference_and_tells_the_payer(district, commune_account):
    inv = issue(district)
    with transaction.atomic():
        res = services.reconcile(
            bank_account=commune_account,
            lines=[line("FT1", 20_000, f"MBVCB.{inv.reference.lower()}.LE PHI")],
            source=LineSource.STATEMENT,
        )
    inv.refresh_from_db()
    assert (res.matched, res.unmatched) == (1, 0)
    assert (inv.paid, inv.status) == (20_000, InvoiceStatus.PAID)
    told = Notification.objects.get(event="fees.payment_recorded")
    assert (told.phone, told.recipient_id, told.title) == (
        "0912345678",
        None,
        f"Đã nhận 20.000 đ cho hóa đơn {inv.reference}",
    )
    assert told.body == (
        "Trần Văn Tú: Lệ phí hồ sơ HSABCDEFGH: Cấp bản sao văn bằng. Còn phải nộp 0 đ."
    )
    receipt = Payment.objects.get(invoice=inv).receipt
    text = PdfReader(io.BytesIO(services.receipt_pdf(receipt))).pages[0]
    assert "Người nộp: Trần Văn Tú" in text.extract_text()


def test_payer_with_an_account_is_told_in_the_inbox(district, commune_account):
    citizen = district.user("citizen", None)
    inv = issue(district, payer=citizen)
    with transaction.atomic():
        services.reconcile(
            bank_account=commune_account,
            lines=[line("FT2", 5_000, inv.reference)],
            source=LineSource.WEBHOOK,
        )
    inv.refresh_from_db()
    assert (inv.paid, inv.status) == (5_000, InvoiceStatus.PARTIAL)
    assert list(Notification.objects.values_list("recipient_id", "phone")) == [(citizen.pk, "")]


def test_a_school_account_does_not_take_a_commune_invoice(district, account):
    inv = issue(district)
    with transaction.atomic():
        res = services.reconcile(
            bank_account=account,
            lines=[line("FT3", 20_000, inv.reference)],
            source=LineSource.STATEMENT,
        )
    assert (res.matched, BankLine.objects.get().reason) == (0, "other_school")


def test_qr_names_the_commune_account_and_a_fee_purpose(district, commune_account):
    from edudx.fees import selectors, vietqr

    inv = issue(district)
    qr = selectors.invoice_qr(inv)
    parsed = vietqr.parse(qr.payload)
    assert (qr.account.pk, parsed.account, parsed.amount, parsed.purpose) == (
        commune_account.pk,
        "0011223344",
        20_000,
        f"{inv.reference} LE PHI",
    )
    assert qr.svg.startswith("<svg")
