"""/api/v1/fees: fee items, invoice generation, refunds, the clerk's queue, bank accounts.
Each endpoint: the school's clerk or principal may; another school's clerk, a guardian, a
teacher may not (404 outside the scope, 403 for a reader above the school); bad input is a
Vietnamese error naming the field, with nothing written."""

import pytest

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.fees import services
from edudx.fees.models import (
    BankAccount,
    BankLine,
    FeeItem,
    Invoice,
    LineSource,
    LineStatus,
    Payment,
    Refund,
)
from tests.api.conftest import API, token_client
from tests.fees.conftest import WHEN, line

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(client, url, body, **headers):
    return client.post(url, body, content_type=JSON, headers=headers)


def patch(client, url, body):
    return client.patch(url, body, content_type=JSON)


def error(response) -> tuple:
    body = response.json()
    return response.status_code, body["code"], body["field"], body["message"]


@pytest.fixture
def principal(district):
    return district.user(Role.PRINCIPAL, district.school_a)


@pytest.fixture
def teacher(district):
    return district.teacher_user()


@pytest.fixture
def officer(district):
    return district.user(Role.PROVINCE_OFFICER, district.province)


# --- fee items ------------------------------------------------------------------------------


def test_clerk_lists_and_adds_fee_items(district, items, clerk):
    client = token_client(clerk, **{"Idempotency-Key": "khoan-thu-1"})
    listed = client.get(f"{API}/fees/items?school_id={district.school_a.pk}").json()
    assert [(i["name"], i["amount"], i["kind"]) for i in listed] == [
        ("Bảo hiểm y tế", 680_400, "insurance"),
        ("Học phí học kỳ I", 1_250_000, "tuition"),
    ]
    body = {
        "school_id": district.school_a.pk,
        "school_year_id": district.year.pk,
        "kind": "boarding",
        "name": "  Bán trú   học kỳ I ",
        "amount": 900_000,
        "grade_number": 6,
    }
    first = post(client, f"{API}/fees/items", body)
    again = post(client, f"{API}/fees/items", body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    created = first.json()
    assert (created["name"], created["amount"], created["grade_number"], created["active"]) == (
        "Bán trú học kỳ I",
        900_000,
        6,
        True,
    )
    assert FeeItem.objects.filter(school=district.school_a).count() == 3
    assert AuditEvent.objects.filter(
        object_type="fees.feeitem", object_id=str(created["id"]), action="create"
    ).exists()


def test_fee_item_bad_input_names_the_field(district, items, principal):
    client = token_client(principal)
    body = {
        "school_id": district.school_a.pk,
        "school_year_id": district.year.pk,
        "kind": "tuition",
        "name": "Học phí học kỳ II",
        "amount": 0,
    }
    response = post(client, f"{API}/fees/items", body)
    assert error(response) == (
        400,
        "fee_item.amount",
        "amount",
        "Số tiền phải là số nguyên đồng lớn hơn 0.",
    )
    dup = post(client, f"{API}/fees/items", {**body, "name": "Học phí học kỳ I", "amount": 1})
    assert error(dup) == (
        409,
        "fee_item.duplicate",
        "name",
        "Trường đã có khoản thu “Học phí học kỳ I” cho năm học và khối này.",
    )
    year = post(client, f"{API}/fees/items", {**body, "amount": 5, "school_year_id": 999_999})
    assert error(year)[:3] == (400, "fees.school_year", "school_year_id")
    assert FeeItem.objects.count() == 2


def test_fee_item_update(district, items, clerk):
    tuition = items[0]
    client = token_client(clerk)
    response = patch(client, f"{API}/fees/items/{tuition.pk}", {"amount": 1_300_000})
    assert response.status_code == 200, response.content
    assert (response.json()["amount"], response.json()["name"]) == (1_300_000, "Học phí học kỳ I")
    off = patch(client, f"{API}/fees/items/{tuition.pk}", {"active": False, "grade_number": None})
    assert (off.json()["active"], off.json()["grade_number"]) == (False, None)
    bad = patch(client, f"{API}/fees/items/{tuition.pk}", {"grade_number": 13, "amount": -1})
    assert bad.status_code == 400
    assert [(e["code"], e["field"]) for e in bad.json()["errors"]] == [
        ("fee_item.amount", "amount"),
        ("fee_item.grade", "grade_number"),
    ]
    tuition.refresh_from_db()
    assert (tuition.amount, tuition.active, tuition.grade_number) == (1_300_000, False, None)
    audit = AuditEvent.objects.filter(object_type="fees.feeitem", action="update")
    assert audit.count() == 2


def test_fee_items_forbidden(district, items, clerk_b, guardian, teacher, officer):
    tuition = items[0]
    url = f"{API}/fees/items"
    body = {
        "school_id": district.school_a.pk,
        "school_year_id": district.year.pk,
        "kind": "other",
        "name": "Quỹ lớp",
        "amount": 100_000,
    }
    for user in (clerk_b, guardian, teacher):
        client = token_client(user)
        assert client.get(f"{url}?school_id={district.school_a.pk}").status_code == 404
        assert post(client, url, body).status_code == 404
        assert patch(client, f"{url}/{tuition.pk}", {"amount": 1}).status_code == 404
    officer_client = token_client(officer)
    assert officer_client.get(f"{url}?school_id={district.school_a.pk}").status_code == 200
    assert error(post(officer_client, url, body))[:2] == (403, "fees.forbidden")
    assert patch(officer_client, f"{url}/{tuition.pk}", {"amount": 1}).status_code == 403
    tuition.refresh_from_db()
    assert (tuition.amount, FeeItem.objects.count()) == (1_250_000, 2)


# --- invoice generation ---------------------------------------------------------------------


def test_generate_invoices_for_a_grade(district, items, account, clerk):
    client = token_client(clerk)
    body = {
        "school_id": district.school_a.pk,
        "school_year_id": district.year.pk,
        "period": "HK1",
        "title": "Học phí học kỳ I",
        "grade_number": 6,
        "due_date": "2025-10-15",
    }
    first = post(client, f"{API}/fees/invoices/generate", body)
    assert first.status_code == 201, first.content
    assert (first.json()["created"], first.json()["skipped"]) == (2, 0)
    ids = first.json()["invoice_ids"]
    totals = sorted(Invoice.objects.filter(pk__in=ids).values_list("student_id", "total"))
    assert totals == sorted(
        [(district.student_a1.pk, 1_930_400), (district.student_a2.pk, 1_930_400)]
    )
    again = post(client, f"{API}/fees/invoices/generate", body)
    assert (again.json()["created"], again.json()["skipped"]) == (0, 2)
    other = post(client, f"{API}/fees/invoices/generate", {**body, "grade_number": 7})
    assert (other.json()["created"], other.json()["skipped"]) == (0, 0)


def test_generate_invoices_bad_input(district, items, clerk):
    client = token_client(clerk)
    body = {
        "school_id": district.school_a.pk,
        "school_year_id": district.year.pk,
        "period": "HK1",
        "title": "HK1",
    }
    wrong_class = post(
        client, f"{API}/fees/invoices/generate", {**body, "class_id": district.class_b.pk}
    )
    assert error(wrong_class) == (
        400,
        "invoice.class",
        "class_id",
        "Lớp không thuộc trường trong năm học này.",
    )
    blank = post(client, f"{API}/fees/invoices/generate", {**body, "period": "  "})
    assert error(blank) == (400, "invoice.period", "period", "Nhập kỳ thu và tiêu đề.")
    grade = post(client, f"{API}/fees/invoices/generate", {**body, "grade_number": 0})
    assert error(grade)[:3] == (400, "invoice.grade", "grade_number")
    assert Invoice.objects.count() == 0


def test_generate_invoices_forbidden(district, items, clerk_b, guardian, teacher, officer):
    body = {
        "school_id": district.school_a.pk,
        "school_year_id": district.year.pk,
        "period": "HK1",
        "title": "HK1",
    }
    for user, status in ((clerk_b, 404), (guardian, 404), (teacher, 404), (officer, 403)):
        response = post(token_client(user), f"{API}/fees/invoices/generate", body)
        assert response.status_code == status, user
    assert Invoice.objects.count() == 0


# --- refunds --------------------------------------------------------------------------------


def test_refund_after_payment(invoices, clerk, guardian, clerk_b):
    a1, _ = invoices
    services.payment_record_cash(actor=clerk, invoice=a1, amount=2_000_000)
    client = token_client(clerk, **{"Idempotency-Key": "hoan-1"})
    body = {"invoice_id": a1.pk, "amount": 69_600, "reason": "Nộp thừa", "method": "cash"}
    first = post(client, f"{API}/fees/refunds", body)
    again = post(client, f"{API}/fees/refunds", body)
    assert (first.status_code, again.status_code) == (201, 201), first.content
    assert first.json() == again.json()
    assert (first.json()["amount"], first.json()["invoice_reference"]) == (69_600, a1.reference)
    assert Refund.objects.count() == 1
    a1.refresh_from_db()
    assert (a1.paid, a1.status) == (1_930_400, "paid")
    listed = token_client(guardian).get(f"{API}/fees/refunds").json()
    assert [(r["amount"], r["reason"]) for r in listed["items"]] == [(69_600, "Nộp thừa")]
    assert token_client(clerk_b).get(f"{API}/fees/refunds").json()["count"] == 0


def test_refund_bad_input_and_forbidden(invoices, clerk, clerk_b, guardian, teacher):
    a1, _ = invoices
    services.payment_record_cash(actor=clerk, invoice=a1, amount=500_000)
    client = token_client(clerk)
    too_much = post(
        client, f"{API}/fees/refunds", {"invoice_id": a1.pk, "amount": 500_001, "reason": "x"}
    )
    assert error(too_much) == (
        400,
        "refund.amount",
        "amount",
        "Số tiền hoàn phải lớn hơn 0 và không quá số đã nộp (500.000 đ).",
    )
    no_reason = post(
        client, f"{API}/fees/refunds", {"invoice_id": a1.pk, "amount": 1, "reason": " "}
    )
    assert error(no_reason) == (400, "refund.reason", "reason", "Nhập lý do hoàn tiền.")
    body = {"invoice_id": a1.pk, "amount": 1, "reason": "Thử"}
    assert post(token_client(guardian), f"{API}/fees/refunds", body).status_code == 403
    assert post(token_client(clerk_b), f"{API}/fees/refunds", body).status_code == 404
    assert post(token_client(teacher), f"{API}/fees/refunds", body).status_code == 404
    assert token_client(teacher).get(f"{API}/fees/refunds").json()["count"] == 0
    assert Refund.objects.count() == 0
    a1.refresh_from_db()
    assert a1.paid == 500_000


# --- the clerk's queue ----------------------------------------------------------------------


def _queued(account, txn="FT900", amount=1_930_400, content="ung ho quy hoi cha me"):
    services.reconcile(
        bank_account=account, lines=[line(txn, amount, content)], source=LineSource.WEBHOOK
    )
    return BankLine.objects.get(transaction_id=txn)


def test_clerk_assigns_a_queued_line(invoices, account, clerk):
    a1, _ = invoices
    queued = _queued(account)
    client = token_client(clerk, **{"Idempotency-Key": "gan-1"})
    listed = client.get(f"{API}/fees/unmatched").json()
    assert [(ln["id"], ln["reason"]) for ln in listed["items"]] == [(queued.pk, "no_reference")]
    assert (listed["count"], listed["page"]) == (1, 1)
    url = f"{API}/fees/unmatched/{queued.pk}/assign"
    body = {"reference": a1.reference.lower(), "note": "Phụ huynh gọi điện"}
    first = post(client, url, body)
    again = post(client, url, body)
    assert (first.status_code, again.status_code) == (201, 201), first.content
    assert first.json()["amount"] == 1_930_400
    assert first.json()["receipt_number"] == f"BL{first.json()['id']:010d}"
    assert Payment.objects.filter(bank_line=queued).count() == 1
    a1.refresh_from_db()
    assert (a1.paid, a1.status) == (1_930_400, "paid")
    done = post(token_client(clerk), url, {"invoice_id": a1.pk})
    assert error(done) == (409, "line.done", "line_id", "Giao dịch này đã được xử lý.")
    assert client.get(f"{API}/fees/unmatched").json()["items"] == []


def test_clerk_ignores_a_queued_line(invoices, account, clerk):
    queued = _queued(account, content="lai tien gui thang 9")
    client = token_client(clerk)
    url = f"{API}/fees/unmatched/{queued.pk}/ignore"
    blank = post(client, url, {"note": "  "})
    assert error(blank) == (400, "line.note", "note", "Nhập lý do bỏ qua.")
    ok = post(client, url, {"note": "Lãi tiền gửi"})
    assert ok.status_code == 201, ok.content
    assert (ok.json()["status"], ok.json()["note"]) == ("ignored", "Lãi tiền gửi")
    queued.refresh_from_db()
    assert queued.status == LineStatus.IGNORED
    assert Payment.objects.count() == 0


def test_queue_bad_input_and_forbidden(district, invoices, account, clerk, clerk_b, guardian):
    a1, _ = invoices
    queued = _queued(account)
    url = f"{API}/fees/unmatched/{queued.pk}/assign"
    client = token_client(clerk)
    assert error(post(client, url, {"note": "x"}))[:3] == (400, "line.invoice", "invoice_id")
    unknown = post(client, url, {"reference": "HP00000000"})
    assert error(unknown) == (
        400,
        "line.invoice",
        "reference",
        "Không tìm thấy hóa đơn HP00000000 của Trường THCS Lê Lợi.",
    )
    services.invoice_cancel(actor=clerk, invoice=a1, reason="Chuyển trường")
    cancelled = post(client, url, {"invoice_id": a1.pk})
    assert error(cancelled) == (409, "invoice.cancelled", "invoice_id", "Hóa đơn đã bị hủy.")
    for user in (clerk_b, guardian):
        other = token_client(user)
        assert post(other, url, {"invoice_id": a1.pk}).status_code == 404
        assert (
            post(other, f"{API}/fees/unmatched/{queued.pk}/ignore", {"note": "x"}).status_code
            == 404
        )
        assert other.get(f"{API}/fees/unmatched").json()["count"] == 0
    queued.refresh_from_db()
    assert (queued.status, Payment.objects.count()) == (LineStatus.UNMATCHED, 0)


def test_the_queue_comes_a_page_at_a_time_oldest_first(account, clerk):
    """Every waiting line is reachable (the list stopped at 500 before), oldest first."""
    for n, (txn, hour) in enumerate((("FT903", 9), ("FT901", 7), ("FT902", 8))):
        services.reconcile(
            bank_account=account,
            lines=[line(txn, 10_000 + n, "khong ro", when=WHEN.replace(hour=hour))],
            source=LineSource.WEBHOOK,
        )
    client = token_client(clerk)
    first = client.get(f"{API}/fees/unmatched", {"page_size": 2}).json()
    second = client.get(f"{API}/fees/unmatched", {"page_size": 2, "page": 2}).json()
    assert [x["transaction_id"] for x in first["items"]] == ["FT901", "FT902"]
    assert [x["transaction_id"] for x in second["items"]] == ["FT903"]
    assert (first["count"], second["count"], second["page"], second["page_size"]) == (3, 3, 2, 2)


# --- bank accounts --------------------------------------------------------------------------


def test_clerk_adds_and_deactivates_a_bank_account(district, invoices, account, clerk):
    a1, _ = invoices
    client = token_client(clerk)
    body = {
        "school_id": district.school_a.pk,
        "bank_bin": "970418",
        "account_number": " 1234 5678 901 ",
        "account_name": "Trường THCS Lê Lợi",
    }
    created = post(client, f"{API}/fees/bank-accounts", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["bank_name"], data["account_number"], data["account_name"], data["active"]) == (
        "BIDV",
        "12345678901",
        "TRUONG THCS LE LOI",
        True,
    )
    listed = client.get(f"{API}/fees/bank-accounts?school_id={district.school_a.pk}").json()
    assert [a["account_number"] for a in listed] == ["0123456789", "12345678901"]
    off = patch(client, f"{API}/fees/bank-accounts/{account.pk}", {"active": False})
    assert off.json()["active"] is False
    # The invoice's QR code now names the account still active.
    detail = client.get(f"{API}/fees/invoices/{a1.pk}").json()
    assert "0006970418011112345678901" in detail["vietqr"]
    assert AuditEvent.objects.filter(
        object_type="fees.bankaccount", object_id=str(account.pk), action="deactivate"
    ).exists()


def test_bank_account_bad_input(district, account, clerk):
    client = token_client(clerk)
    body = {
        "school_id": district.school_a.pk,
        "bank_bin": "123456",
        "account_number": "12-34",
        "account_name": "Đ",
    }
    response = post(client, f"{API}/fees/bank-accounts", body)
    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("bank_bin", "Chọn ngân hàng trong danh sách."),
        ("account_number", "Số tài khoản gồm 1 đến 19 chữ số hoặc chữ cái, không dấu cách."),
        (
            "account_name",
            "Tên chủ tài khoản từ 2 đến 50 ký tự, chữ in hoa không dấu như ngân hàng in "
            "(ví dụ TRUONG THCS LE LOI).",
        ),
    ]
    dup = post(
        client,
        f"{API}/fees/bank-accounts",
        {**body, "bank_bin": "970436", "account_number": "0123456789", "account_name": "ABC"},
    )
    assert error(dup)[:3] == (409, "bank_account.duplicate", "account_number")
    bad_patch = patch(client, f"{API}/fees/bank-accounts/{account.pk}", {"bank_bin": "970000"})
    assert error(bad_patch)[:3] == (400, "bank_account.bin", "bank_bin")
    assert BankAccount.objects.count() == 1
    account.refresh_from_db()
    assert account.bank_bin == "970436"


def test_bank_accounts_forbidden(district, account, clerk_b, guardian, teacher, officer):
    url = f"{API}/fees/bank-accounts"
    body = {
        "school_id": district.school_a.pk,
        "bank_bin": "970418",
        "account_number": "999",
        "account_name": "X Y",
    }
    for user, status in ((clerk_b, 404), (guardian, 404), (teacher, 404), (officer, 403)):
        client = token_client(user)
        assert client.get(f"{url}?school_id={district.school_a.pk}").status_code == status
        assert post(client, url, body).status_code == status
        assert patch(client, f"{url}/{account.pk}", {"active": False}).status_code == status
    account.refresh_from_db()
    assert (account.active, BankAccount.objects.count()) == (True, 1)


def test_commune_officer_manages_the_commune_account(district, clerk, officer):
    """A commune collects the fees of the dossiers it resolves: its own officers declare its
    receiving account; a school's clerk, a province officer and another commune may not."""
    url = f"{API}/fees/bank-accounts"
    commune = district.commune_a
    body = {
        "school_id": commune.pk,
        "bank_bin": "970405",
        "account_number": "3100 2050 01234",
        "account_name": "UBND Xã A",
    }
    others = (
        (clerk, 404),
        (officer, 403),
        (district.user(Role.COMMUNE_OFFICER, district.commune_b), 404),
    )
    for user, status in others:
        assert post(token_client(user), url, body).status_code == status
    client = token_client(district.user(Role.COMMUNE_OFFICER, commune))
    created = post(client, url, body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["school_id"], data["bank_name"], data["account_number"], data["account_name"]) == (
        commune.pk,
        "Agribank",
        "3100205001234",
        "UBND XA A",
    )
    assert [a["id"] for a in client.get(f"{url}?school_id={commune.pk}").json()] == [data["id"]]
    off = patch(client, f"{url}/{data['id']}", {"active": False})
    assert off.json()["active"] is False
    for user, status in others:
        assert patch(token_client(user), f"{url}/{data['id']}", {"active": True}).status_code == (
            status
        )
    assert BankAccount.objects.get(pk=data["id"]).active is False
