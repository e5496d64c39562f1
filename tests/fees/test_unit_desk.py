"""The fees desk of a commune or province unit (public-service fees, eservices): its own
officers import its statements, resolve its unmatched lines, refund and cancel its
invoices; an officer of another commune gets a 404, an officer above it a 403 on writes;
a school clerk's desk is as before."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from edudx.audit.models import AuditEvent
from edudx.core.errors import Conflict
from edudx.fees import selectors, services
from edudx.fees.models import BankLine, Invoice
from tests.api.conftest import API, token_client
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

FORBIDDEN = "Chỉ cán bộ của đơn vị được quản lý lệ phí của đơn vị."


def statement(desk) -> bytes:
    return (
        "Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền\n"
        f"06/10/2025,FTA1,LE PHI {desk.inv_a.reference},20000\n"
        "06/10/2025,FTA2,nop le phi ho so ban sao,15000\n"
    ).encode()


def error(response) -> tuple:
    body = response.json()
    return response.status_code, body["code"], body["message"]


# --- pages ----------------------------------------------------------------------------------


def test_officer_desk_lists_only_the_units_invoices(district, desk):
    client = otp_login(Client(), desk.officer_a)
    r = client.get("/fees/invoices/")
    page = r.content.decode()
    assert r.status_code == 200
    assert "Hóa đơn · Xã Nam Bình" in page
    assert desk.inv_a.reference in page and desk.inv_a2.reference in page
    assert desk.inv_b.reference not in page
    assert '<td data-label="Học sinh">Trần Thị Bình</td>' in page
    assert '<th scope="col">Người nộp</th>' in page
    assert '<label for="f-school">Đơn vị</label>' in page
    # Public-service fees: no fee items, no invoice runs by class.
    assert "/fees/items/" not in page and "Lập hóa đơn" not in page
    assert client.post("/fees/items/", {"school": district.commune_a.pk}).status_code == 403
    assert client.post("/fees/invoices/", {"school": district.commune_a.pk}).status_code == 403


def test_another_communes_invoice_is_404_and_a_province_officer_may_only_read(district, desk):
    officer_a = otp_login(Client(), desk.officer_a)
    assert officer_a.get(f"/fees/invoices/{desk.inv_b.pk}/").status_code == 404
    assert officer_a.post(
        f"/fees/invoices/{desk.inv_b.pk}/", {"action": "cancel", "reason": "x"}
    ).status_code == (404)
    province = otp_login(Client(), desk.province)
    assert province.get(f"/fees/invoices/{desk.inv_a.pk}/").status_code == 200
    r = province.post(f"/fees/invoices/{desk.inv_a.pk}/", {"action": "cancel", "reason": "x"})
    assert r.status_code == 403
    assert Invoice.objects.get(pk=desk.inv_a.pk).status == "open"


NO_UNIT_ACCOUNT = (
    "Xã Thuận Hà chưa khai báo tài khoản nhận chuyển khoản; vui lòng nộp trực tiếp tại đơn vị."
)
NO_SCHOOL_ACCOUNT = "Trường chưa khai báo tài khoản nhận chuyển khoản; vui lòng nộp tại trường."


def test_an_office_invoice_page_names_the_collecting_unit_not_a_school(district, desk):
    district.commune_b.bank_accounts.update(active=False)
    page = otp_login(Client(), desk.officer_b).get(f"/fees/invoices/{desk.inv_b.pk}/")
    page = page.content.decode()
    assert "<p>Lê Văn Cường · Đơn vị thu: Xã Thuận Hà</p>" in page
    assert f'<p class="empty">{NO_UNIT_ACCOUNT}</p>' in page
    assert "Trường" not in page.split("<main", 1)[1]


def test_a_school_invoice_page_keeps_the_school_wording(district, invoices, clerk):
    a1, _a2 = invoices
    a1.school.bank_accounts.update(active=False)
    page = otp_login(Client(), clerk).get(f"/fees/invoices/{a1.pk}/").content.decode()
    assert (
        f"<p>{district.student_a1.person.full_name} · Lớp 6A1 · Trường THCS Lê Lợi · 2025-2026</p>"
    ) in page
    assert f'<p class="empty">{NO_SCHOOL_ACCOUNT}</p>' in page


def test_an_office_invoice_page_in_english(district, desk):
    district.commune_b.bank_accounts.update(active=False)
    client = otp_login(Client(), desk.officer_b)
    client.cookies["django_language"] = "en"
    page = client.get(f"/fees/invoices/{desk.inv_b.pk}/").content.decode()
    assert "<p>Lê Văn Cường · Collecting unit: Xã Thuận Hà</p>" in page
    assert "Xã Thuận Hà has no account for transfers yet; please pay at its office." in page


def test_statement_unmatched_assignment_refund_and_cancel_through_pages(district, desk):
    a = district.commune_a.pk
    client = otp_login(Client(), desk.officer_a)
    r = client.post(
        "/fees/statements/",
        {"school": a, "file": SimpleUploadedFile("saoke.csv", statement(desk))},
        follow=True,
    )
    assert "Đã nhập sao kê saoke.csv: 1 giao dịch khớp, 1 chưa khớp, 0 đã có từ trước." in (
        r.content.decode()
    )
    queue = client.get(f"/fees/unmatched/?school={a}").content.decode()
    assert "nop le phi ho so ban sao" in queue
    line = BankLine.objects.get(transaction_id="FTA2")
    # Commune B's officer neither sees the line nor can assign it.
    other = otp_login(Client(), desk.officer_b)
    assert "nop le phi ho so ban sao" not in other.get("/fees/unmatched/").content.decode()
    assert other.post("/fees/unmatched/", {"line": line.pk, "reference": "x"}).status_code == 404
    client.post(
        "/fees/unmatched/", {"school": a, "line": line.pk, "reference": desk.inv_a2.reference}
    )
    paid = {i.reference: (i.status, i.paid) for i in Invoice.objects.filter(school_id=a)}
    assert paid == {desk.inv_a.reference: ("paid", 20_000), desk.inv_a2.reference: ("paid", 15_000)}
    # The dossier was rejected after paying: refund, then cancel (offered once nothing is paid).
    url = f"/fees/invoices/{desk.inv_a.pk}/"
    assert 'value="cancel"' not in client.get(url).content.decode()
    refund = {"action": "refund", "amount": "20000", "reason": "Hồ sơ bị từ chối"}
    client.post(url, {**refund, "method": "transfer"})
    assert 'name="action" value="cancel"' in client.get(url).content.decode()
    client.post(url, {"action": "cancel", "reason": "Hồ sơ bị từ chối"})
    inv = Invoice.objects.get(pk=desk.inv_a.pk)
    assert (inv.status, inv.paid, inv.refunds.get().amount) == ("cancelled", 0, 20_000)
    assert list(
        AuditEvent.objects.filter(object_type="fees.invoice", object_id=str(inv.pk))
        .exclude(action="create")
        .order_by("id")
        .values_list("action", "actor")
    ) == [("refund", desk.officer_a.pk), ("cancel", desk.officer_a.pk)]


def test_school_clerk_desk_is_unchanged(district, desk, clerk):
    client = otp_login(Client(), clerk)
    page = client.get(f"/fees/invoices/?school={district.commune_a.pk}").content.decode()
    assert "Hóa đơn · Trường THCS Lê Lợi" in page
    assert '<label for="f-school">Trường</label>' not in page  # one school: no picker
    assert f'href="/fees/items/?school={district.school_a.pk}"' in page
    assert desk.inv_a.reference not in page
    assert client.get(f"/fees/invoices/{desk.inv_a.pk}/").status_code == 404


def test_officer_queue_links_to_the_desk(district, desk):
    page = otp_login(Client(), desk.officer_a).get("/services/officer/").content.decode()
    assert (
        f'<a class="btn btn-secondary fee-desk" href="/fees/invoices/?school='
        f'{district.commune_a.pk}">Lệ phí · Xã Nam Bình</a>'
    ) in page


# --- API ------------------------------------------------------------------------------------


def test_api_statement_import_scoped_to_the_unit(district, desk, clerk):
    def upload(user):
        return token_client(user).post(
            f"{API}/fees/statements",
            {
                "school_id": district.commune_a.pk,
                "file": SimpleUploadedFile("saoke.csv", statement(desk)),
            },
        )

    assert error(upload(desk.officer_b)) == (404, "school.not_found", "Không tìm thấy trường.")
    assert error(upload(clerk)) == (404, "school.not_found", "Không tìm thấy trường.")
    assert error(upload(desk.province)) == (403, "fees.forbidden", FORBIDDEN)
    r = upload(desk.officer_a)
    assert r.status_code == 201, r.content
    body = r.json()
    del body["id"]
    assert body == {
        "file_name": "saoke.csv",
        "lines_total": 2,
        "lines_matched": 1,
        "lines_unmatched": 1,
        "lines_skipped": 0,
        "errors": [],
    }


def test_api_unmatched_assign_and_refund_for_the_unit(district, desk):
    services.statement_import(
        actor=desk.officer_a,
        bank_account=selectors.bank_account_of(district.commune_a),
        file_name="saoke.csv",
        content=statement(desk),
    )
    line = BankLine.objects.get(transaction_id="FTA2")
    a, b = token_client(desk.officer_a), token_client(desk.officer_b)
    listed = a.get(f"{API}/fees/unmatched", {"school_id": district.commune_a.pk}).json()
    assert [(x["transaction_id"], x["amount"]) for x in listed["items"]] == [("FTA2", 15_000)]
    assert b.get(f"{API}/fees/unmatched").json()["items"] == []
    url = f"{API}/fees/unmatched/{line.pk}/assign"
    body = {"reference": desk.inv_a2.reference}
    assert error(b.post(url, body, content_type="application/json"))[:2] == (
        404,
        "line.not_found",
    )
    province = token_client(desk.province)
    assert error(province.post(url, body, content_type="application/json")) == (
        403,
        "fees.forbidden",
        FORBIDDEN,
    )
    r = a.post(url, body, content_type="application/json")
    assert (r.status_code, r.json()["amount"]) == (201, 15_000)
    refund = {"invoice_id": desk.inv_a2.pk, "amount": 15_000, "reason": "Hồ sơ bị từ chối"}
    assert error(b.post(f"{API}/fees/refunds", refund, content_type="application/json"))[:2] == (
        404,
        "invoice.not_found",
    )
    assert (
        error(province.post(f"{API}/fees/refunds", refund, content_type="application/json"))[0]
        == 403
    )
    r = a.post(f"{API}/fees/refunds", refund, content_type="application/json")
    assert (r.status_code, r.json()["amount"]) == (201, 15_000)
    assert Invoice.objects.get(pk=desk.inv_a2.pk).paid == 0


def test_api_cancel_for_the_unit(district, desk):
    url = f"{API}/fees/invoices/{desk.inv_a.pk}/cancel"

    def cancel(user, reason="Hồ sơ bị từ chối"):
        return token_client(user).post(url, {"reason": reason}, content_type="application/json")

    assert error(cancel(desk.officer_b))[:2] == (404, "invoice.not_found")
    assert error(cancel(desk.province)) == (403, "fees.forbidden", FORBIDDEN)
    assert error(cancel(desk.officer_a, "  ")) == (400, "invoice.reason", "Nhập lý do hủy hóa đơn.")
    first, again = cancel(desk.officer_a), cancel(desk.officer_a)
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["status"], first.json()["reference"]) == (
        "cancelled",
        desk.inv_a.reference,
    )
    assert list(
        AuditEvent.objects.filter(object_type="fees.invoice", action="cancel").values_list(
            "object_id", "actor", "reason"
        )
    ) == [(str(desk.inv_a.pk), desk.officer_a.pk, "Hồ sơ bị từ chối")]
    paid = desk.inv_a2
    services.payment_record_cash(actor=desk.officer_a, invoice=paid, amount=15_000)
    r = token_client(desk.officer_a).post(
        f"{API}/fees/invoices/{paid.pk}/cancel", {"reason": "x"}, content_type="application/json"
    )
    assert error(r) == (
        409,
        "invoice.has_payments",
        "Hóa đơn đã có khoản nộp; hãy hoàn tiền trước khi hủy.",
    )


# --- the duplicate account message names the unit --------------------------------------------


@pytest.mark.parametrize(
    ("unit", "number", "message"),
    [
        (
            "commune_a",
            "0011223344",
            "Xã Nam Bình đã khai báo tài khoản 0011223344 tại Vietcombank.",
        ),
        (
            "school_a",
            "0123456789",
            "Trường THCS Lê Lợi đã khai báo tài khoản 0123456789 tại Vietcombank.",
        ),
    ],
    ids=["commune", "school"],
)
def test_duplicate_account_names_the_unit(district, desk, account, unit, number, message):
    with pytest.raises(Conflict) as exc:
        services.bank_account_create(
            actor=None,
            school=getattr(district, unit),
            bank_bin="970436",
            account_number=number,
            account_name="UBND XA",
        )
    assert str(exc.value.item.message) == message


def test_duplicate_account_in_english(district, desk):
    headers = {"Accept-Language": "en", "Idempotency-Key": "tk-1"}
    r = token_client(desk.officer_a, **headers).post(
        f"{API}/fees/bank-accounts",
        {
            "school_id": district.commune_a.pk,
            "bank_bin": "970436",
            "account_number": "0011223344",
            "account_name": "UBND XA NAM BINH",
        },
        content_type="application/json",
    )
    assert error(r) == (
        409,
        "bank_account.duplicate",
        "Xã Nam Bình has already registered account 0011223344 at Vietcombank.",
    )
