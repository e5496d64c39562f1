"""A full-service procedure with a fee: the invoice issued on submit, paid by VietQR transfer
(bank webhook or statement), and the result held until it is paid in full."""

import pytest
from django.db import transaction
from django.test import Client

from edudx.audit.models import AuditEvent
from edudx.core.errors import Conflict
from edudx.eservices import selectors, services
from edudx.eservices.models import Dossier, DossierEvent, Procedure
from edudx.fees import services as fees_services
from edudx.fees.models import Invoice, InvoiceStatus, LineSource
from edudx.notify.models import Notification
from tests.api.conftest import API
from tests.fees.conftest import line
from tests.fees.test_webhook import call
from tests.pages.conftest import otp_login

from .test_dossiers import COPY_FORM, bring_to, copy_dossier, upload

pytestmark = pytest.mark.django_db

FEE = 20_000
SECRET = "bi-mat-xa-a"
NO_ACCOUNT = "Chưa thể nộp lệ phí trực tuyến"


@pytest.fixture
def fee(world):
    Procedure.objects.filter(code="diploma_copy").update(fee=FEE)


@pytest.fixture
def commune_account(world, monkeypatch):
    monkeypatch.setenv("EDUDX_BANK_SECRET_XA_A_VCB", SECRET)
    return fees_services.bank_account_save(
        actor=None,
        school=world.d.commune_a,
        code="xa-a-vcb",
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0011223344",
        account_name="UBND XA A",
    )


def pay(invoice, amount, txn, nonce=None):
    body = {
        "transaction_id": txn,
        "amount": amount,
        "content": f"MBVCB.{txn}.{invoice.reference} LE PHI.CT tu 0912345678",
        "booked_at": "2026-11-27T09:30:00+07:00",
    }
    return call(body, nonce=nonce or txn, secret=SECRET, account="xa-a-vcb")


def lookup_page(d) -> str:
    """The dossier page reached by code + phone, as an anonymous visitor."""
    return (
        Client()
        .post(
            "/services/lookup/",
            {"kind": "dossier", "code": d.code, "phone": "0912345678"},
            follow=True,
        )
        .content.decode()
    )


def return_result(world, d):
    return services.dossier_transition(
        actor=world.officer_a, dossier=d, action="return_result", comment="Trả kết quả"
    )


def test_submit_issues_the_invoice_to_the_dossier_unit(world, fee):
    d = copy_dossier(world)
    inv = Invoice.objects.get()
    assert d.invoice_id == inv.pk
    assert (inv.school_id, inv.total, inv.status, inv.source) == (
        world.d.commune_a.pk,
        FEE,
        InvoiceStatus.OPEN,
        f"eservices.dossier:{d.code}",
    )
    assert (inv.payer_name, inv.payer_phone, inv.payer_id, inv.student_id) == (
        "Trần Văn Tú",
        "0912345678",
        None,
        None,
    )
    assert inv.title == f"Lệ phí hồ sơ {d.code}: Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"


def test_a_retried_submit_issues_no_second_invoice(world, fee):
    d = services.dossier_create(
        actor=world.citizen,
        procedure=world.procedure("diploma_copy"),
        raw=COPY_FORM,
        attachments=[],
        unit_id=world.d.commune_a.pk,
        submit=False,
    )
    assert Invoice.objects.count() == 0
    services.dossier_attach(actor=world.citizen, dossier=d, attachment=upload(world.citizen))
    services.dossier_submit(actor=world.citizen, dossier=d)
    with pytest.raises(Conflict):
        services.dossier_submit(actor=world.citizen, dossier=d)
    inv = Invoice.objects.get()
    assert (Dossier.objects.get(pk=d.pk).invoice_id, inv.payer_id) == (inv.pk, world.citizen.pk)


def test_free_procedure_has_no_invoice(world):
    d = copy_dossier(world)
    assert (d.invoice_id, Invoice.objects.count()) == (None, 0)
    d = bring_to(world, "approved")
    assert return_result(world, d).status == "returned"


def test_end_to_end_webhook_pays_and_the_result_is_returned(world, fee, commune_account):
    d = bring_to(world, "approved")
    inv = d.invoice
    with pytest.raises(Conflict) as err:
        return_result(world, d)
    assert (err.value.code, str(err.value)) == (
        "dossier.fee_unpaid",
        f"Chưa nộp đủ lệ phí (hóa đơn {inv.reference}, chưa nộp); "
        "chỉ trả kết quả khi lệ phí đã nộp đủ.",
    )
    d.refresh_from_db()
    assert (d.status, d.result_reference) == ("approved", "")
    assert not DossierEvent.objects.filter(dossier=d, action="return_result").exists()
    r = pay(inv, FEE, "FT26331001")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "status": "matched",
        "line_id": r.json()["line_id"],
        "invoice": inv.reference,
        "reason": None,
    }
    again = pay(inv, FEE, "FT26331001", nonce="n-2")  # a bank retry: nothing recorded twice
    assert again.json()["status"] == "duplicate"
    inv.refresh_from_db()
    assert (inv.paid, inv.status) == (FEE, InvoiceStatus.PAID)
    d = return_result(world, d)
    assert d.status == "returned" and d.result_reference


def test_partial_payment_is_refused_until_the_rest_arrives(client, world, fee, commune_account):
    d = bring_to(world, "approved")
    inv = d.invoice
    assert pay(inv, 5_000, "FT26331002").json()["status"] == "matched"
    with pytest.raises(Conflict) as err:
        return_result(world, d)
    assert str(err.value) == (
        f"Chưa nộp đủ lệ phí (hóa đơn {inv.reference}, nộp một phần); "
        "chỉ trả kết quả khi lệ phí đã nộp đủ."
    )
    otp_login(client, world.officer_a)
    page = client.get(f"/services/dossiers/{d.code}/").content.decode()
    assert '<span class="badge fee-status fee-partial">Nộp một phần</span>' in page
    assert "<dd>5.000 đ</dd>" in page
    queue = client.get("/services/officer/").content.decode()
    assert (
        f'{inv.reference}: <span class="badge fee-status fee-partial">Nộp một phần</span>' in queue
    )
    refused = client.post(
        f"/services/dossiers/{d.code}/",
        {"action": "return_result", "comment": "Trả"},
        follow=True,
    ).content.decode()
    assert "Chưa nộp đủ lệ phí" in refused
    assert Dossier.objects.get(pk=d.pk).status == "approved"
    # The rest comes on the commune's statement.
    with transaction.atomic():
        fees_services.reconcile(
            bank_account=commune_account,
            lines=[line("FT26331003", 15_000, f"{inv.reference} le phi")],
            source=LineSource.STATEMENT,
        )
    inv.refresh_from_db()
    assert (inv.paid, inv.status) == (FEE, InvoiceStatus.PAID)
    assert return_result(world, d).status == "returned"


def test_a_waived_fee_holds_nothing(world, fee):
    d = bring_to(world, "approved")
    fees_services.invoice_cancel(actor=None, invoice=d.invoice, reason="Miễn lệ phí")
    assert return_result(world, d).status == "returned"


def test_partial_service_result_is_not_held(world, fee):
    Procedure.objects.filter(code="diploma_copy").update(level="partial")
    d = bring_to(world, "approved")
    assert (d.invoice.status, return_result(world, d).status) == ("open", "returned")


def test_rejecting_cancels_the_unpaid_invoice_with_an_audit_entry(world, fee):
    d = bring_to(world, "rejected")
    inv = Invoice.objects.get(pk=d.invoice_id)
    assert (inv.status, inv.paid) == (InvoiceStatus.CANCELLED, 0)
    assert list(
        AuditEvent.objects.filter(
            object_type="fees.invoice", object_id=str(inv.pk), action="cancel"
        ).values_list("actor", "object_repr", "reason")
    ) == [(world.officer_a.pk, inv.reference, f"Hồ sơ {d.code} bị từ chối: ok")]
    assert inv.refunds.count() == 0
    assert selectors.fee_refund_due(d) is None
    assert return_result(world, d).status == "returned"


def test_rejecting_a_paid_dossier_keeps_the_invoice_and_asks_for_a_refund(
    client, world, fee, commune_account
):
    d = copy_dossier(world)
    assert pay(d.invoice, 15_000, "FT26331020").status_code == 200
    otp_login(client, world.officer_a)
    r = client.post(
        f"/services/dossiers/{d.code}/", {"action": "reject", "comment": "Sai mẫu"}, follow=True
    )
    inv = Invoice.objects.get(pk=d.invoice_id)
    assert (inv.status, inv.paid) == (InvoiceStatus.PARTIAL, 15_000)
    assert not AuditEvent.objects.filter(object_type="fees.invoice", action="cancel").exists()
    due = (
        f"Hồ sơ {d.code} bị từ chối nhưng người nộp đã nộp 15.000 đ lệ phí "
        f"(hóa đơn {inv.reference}): cần hoàn tiền rồi hủy hóa đơn."
    )
    page = r.content.decode()
    assert page.count(due) == 2  # the flash message and the dossier's fee section
    assert f'href="/fees/invoices/{inv.pk}/">Mở hóa đơn để hoàn tiền</a>' in page
    # The applicant's own page does not show the officer's note, nor ask for the rest: it
    # says the payment is being refunded, without a QR code.
    applicant = lookup_page(d)
    assert due not in applicant
    assert (
        '<p class="fee-refunding">Hồ sơ bị từ chối nên không phải nộp thêm; '
        "số tiền 15.000 đ đã nộp đang được hoàn trả.</p>"
    ) in applicant
    assert '<div class="qr">' not in applicant
    # The status API says the same: nothing more owed, the payment being refunded.
    status = f"/api/v1/dossiers/status?code={d.code}&phone=0912345678"
    fee = Client().get(status).json()["fee"]
    assert (fee["paid"], fee["outstanding"], fee["refunding"]) == (15_000, 0, True)
    # The officer refunds and cancels from the fees desk; then nothing is due.
    desk = f"/fees/invoices/{inv.pk}/"
    client.post(desk, {"action": "refund", "amount": "15000", "reason": "Hồ sơ bị từ chối"})
    client.post(desk, {"action": "cancel", "reason": "Hồ sơ bị từ chối"})
    inv.refresh_from_db()
    assert (inv.status, inv.paid, inv.refunds.get().amount) == ("cancelled", 0, 15_000)
    assert selectors.fee_refund_due(d) is None
    assert due not in client.get(f"/services/dossiers/{d.code}/").content.decode()
    applicant = lookup_page(d)
    assert "fee-refunding" not in applicant and "Đã hủy" in applicant
    fee = Client().get(status).json()["fee"]
    assert (fee["paid"], fee["outstanding"], fee["refunding"], fee["status"]) == (
        0, 0, False, "cancelled",
    )  # fmt: skip


def test_rejecting_an_already_waived_fee_changes_nothing(world, fee):
    d = copy_dossier(world)
    fees_services.invoice_cancel(actor=None, invoice=d.invoice, reason="Miễn lệ phí")
    d = services.dossier_transition(
        actor=world.officer_a, dossier=d, action="reject", comment="Sai mẫu"
    )
    assert Invoice.objects.get(pk=d.invoice_id).status == InvoiceStatus.CANCELLED
    assert AuditEvent.objects.filter(object_type="fees.invoice", action="cancel").count() == 1
    assert fee_notices(d) == []  # the fee was waived before: nothing new to tell


def fee_notices(d):
    """The applicant's notifications about the fee of a rejected dossier, with channels."""
    return [
        (
            n.event,
            n.key,
            n.recipient_id,
            n.phone,
            n.title,
            n.body,
            n.url,
            n.context,
            sorted(n.deliveries.values_list("channel", flat=True)),
        )
        for n in Notification.objects.filter(event__startswith="eservices.dossier_fee_").filter(
            context__code=d.code
        )
    ]


def test_rejection_tells_the_applicant_the_invoice_is_cancelled(world, fee):
    d = bring_to(world, "rejected")
    inv = Invoice.objects.get(pk=d.invoice_id)
    event = DossierEvent.objects.get(dossier=d, action="reject")
    assert fee_notices(d) == [
        (
            "eservices.dossier_fee_cancelled",
            f"eservices:dossier:{d.pk}:event:{event.pk}:fee",
            None,
            "0912345678",
            f"Hồ sơ {d.code}: đã hủy hóa đơn lệ phí {inv.reference}",
            f"Hồ sơ bị từ chối nên hóa đơn lệ phí {inv.reference} (20.000 đ) đã được hủy; "
            "bạn không phải nộp khoản này.",
            f"/services/dossiers/{d.code}/",
            {"code": d.code, "invoice": inv.reference, "amount": FEE, "paid": 0},
            ["sms"],
        )
    ]
    # The status notice is still there, separate; returning the result adds no fee notice.
    assert Notification.objects.filter(
        event="eservices.dossier_status", context__code=d.code, context__status="rejected"
    ).exists()
    return_result(world, d)
    with pytest.raises(Conflict):
        services.dossier_transition(
            actor=world.officer_a, dossier=d, action="reject", comment="lại"
        )
    assert len(fee_notices(d)) == 1


def test_rejection_tells_a_paying_applicant_a_refund_is_on_its_way(world, fee, commune_account):
    world.citizen.email = "tu@example.vn"
    world.citizen.save(update_fields=["email"])
    d = copy_dossier(world, actor=world.citizen)
    assert pay(d.invoice, 15_000, "FT26331030").status_code == 200
    d = services.dossier_transition(
        actor=world.officer_a, dossier=d, action="reject", comment="Sai mẫu"
    )
    inv = Invoice.objects.get(pk=d.invoice_id)
    assert (inv.status, inv.paid) == (InvoiceStatus.PARTIAL, 15_000)
    event = DossierEvent.objects.get(dossier=d, action="reject")
    assert fee_notices(d) == [
        (
            "eservices.dossier_fee_refund",
            f"eservices:dossier:{d.pk}:event:{event.pk}:fee",
            world.citizen.pk,
            "",
            f"Hồ sơ {d.code}: lệ phí đã nộp sẽ được hoàn trả",
            f"Hồ sơ bị từ chối. Số tiền 15.000 đ bạn đã nộp cho hóa đơn lệ phí {inv.reference} "
            "đang được Xã Nam Bình làm thủ tục hoàn trả.",
            f"/services/dossiers/{d.code}/",
            {"code": d.code, "invoice": inv.reference, "amount": FEE, "paid": 15_000},
            ["email"],
        )
    ]
    # The same event told again (a retried call) stores and sends nothing more.
    services._notify_fee_after_rejection(d, inv, event)
    assert len(fee_notices(d)) == 1
    # Once the rejection is returned, the applicant's page still asks for nothing more.
    d = return_result(world, d)
    client = Client()
    client.force_login(world.citizen)
    page = client.get(f"/services/dossiers/{d.code}/").content.decode()
    assert (d.status, "fee-refunding" in page, '<div class="qr">' in page) == (
        "returned",
        True,
        False,
    )


def test_the_refund_itself_is_told_to_the_applicant(world, fee, commune_account):
    d = copy_dossier(world)  # without an account: the phone on the dossier
    assert pay(d.invoice, 15_000, "FT26331031").status_code == 200
    d = services.dossier_transition(
        actor=world.officer_a, dossier=d, action="reject", comment="Sai mẫu"
    )
    refund = fees_services.refund_record(
        actor=world.officer_a, invoice=d.invoice, amount=15_000, reason="Hồ sơ bị từ chối"
    )
    inv = Invoice.objects.get(pk=d.invoice_id)
    assert (inv.paid, inv.status) == (0, InvoiceStatus.OPEN)
    note = Notification.objects.get(event="fees.refund_recorded")
    assert (note.key, note.recipient_id, note.phone, note.title, note.body) == (
        f"fees.refund:{refund.pk}:payer",
        None,
        "0912345678",
        f"Đã hoàn 15.000 đ cho hóa đơn {inv.reference}",
        f"{inv.title}. Hình thức: Chuyển khoản. Lý do: Hồ sơ bị từ chối. Số đã nộp còn lại: 0 đ.",
    )
    assert sorted(note.deliveries.values_list("channel", flat=True)) == ["sms"]


def test_a_rolled_back_rejection_tells_nobody(world, fee):
    d = copy_dossier(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dossier_transition(
            actor=world.officer_a, dossier=d, action="reject", comment="Sai mẫu"
        )
        raise RuntimeError
    assert (fee_notices(d), Invoice.objects.get(pk=d.invoice_id).status) == ([], "open")


def test_code_and_phone_page_shows_the_amount_and_qr(world, fee, commune_account):
    d = copy_dossier(world)
    page = lookup_page(d)
    assert '<dd class="fee-amount">20.000 đ</dd>' in page
    assert f'<dd class="fee-reference">{d.invoice.reference}</dd>' in page
    assert '<div class="qr"><svg' in page
    assert "Vietcombank · 0011223344 · UBND XA A" in page
    assert NO_ACCOUNT not in page


def test_without_a_unit_account_submission_works_and_the_page_says_so(world, fee):
    d = copy_dossier(world)
    assert d.status == "submitted" and d.invoice_id
    page = lookup_page(d)
    assert '<dd class="fee-amount">20.000 đ</dd>' in page
    assert NO_ACCOUNT in page and "<svg" not in page


def test_signed_in_applicant_sees_the_qr(client, world, fee, commune_account):
    d = copy_dossier(world, actor=world.citizen)
    client.force_login(world.citizen)
    page = client.get(f"/services/dossiers/{d.code}/").content.decode()
    assert '<div class="qr"><svg' in page and "Chưa nộp" in page


def test_api_shows_the_fee(world, fee, commune_account):
    d = copy_dossier(world)
    pay(d.invoice, 25_000, "FT26331004")
    r = Client().get(f"{API}/dossiers/status", {"code": d.code, "phone": "0912345678"})
    assert r.json()["fee"] == {
        "reference": d.invoice.reference,
        "amount": FEE,
        "paid": 25_000,
        "outstanding": 0,
        "status": "overpaid",
        "status_label": "Nộp thừa",
        "refunding": False,
    }
