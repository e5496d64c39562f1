"""/api/v1/fees: scoped invoice reads, idempotent cash payments, statement import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from edudx.fees.models import Payment
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db


def test_guardian_lists_only_own_child_invoices(invoices, guardian):
    a1, a2 = invoices
    client = token_client(guardian, scopes=("read",))
    data = client.get(f"{API}/fees/invoices").json()
    assert [i["reference"] for i in data["items"]] == [a1.reference]
    assert client.get(f"{API}/fees/invoices/{a2.pk}").status_code == 404
    detail = client.get(f"{API}/fees/invoices/{a1.pk}").json()
    assert detail["total"] == 1_930_400 and detail["outstanding"] == 1_930_400
    assert detail["vietqr"].startswith("000201010212385400")
    assert f"0818{a1.reference} HOC PHI" in detail["vietqr"]


def test_clerk_of_another_school_gets_404(invoices, clerk_b):
    a1, _ = invoices
    client = token_client(clerk_b)
    assert client.get(f"{API}/fees/invoices/{a1.pk}").status_code == 404
    response = client.post(
        f"{API}/fees/payments",
        {"invoice_id": a1.pk, "amount": 1000},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_cash_payment_is_idempotent(invoices, clerk):
    a1, _ = invoices
    client = token_client(clerk, **{"Idempotency-Key": "quay-thu-1"})
    body = {"invoice_id": a1.pk, "amount": 500_000, "note": "Nộp tại trường"}
    first = client.post(f"{API}/fees/payments", body, content_type="application/json")
    again = client.post(f"{API}/fees/payments", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert first.json()["receipt_number"].startswith("BL")
    assert Payment.objects.count() == 1
    a1.refresh_from_db()
    assert (a1.paid, a1.status) == (500_000, "partial")


def test_guardian_cannot_record_a_payment(invoices, guardian):
    a1, _ = invoices
    response = token_client(guardian).post(
        f"{API}/fees/payments", {"invoice_id": a1.pk, "amount": 1}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Payment.objects.count() == 0


def test_statement_import_api(invoices, clerk):
    a1, _ = invoices
    csv = f"Ngày,Số tham chiếu,Diễn giải,Ghi có\n06/10/2025,FT7,{a1.reference},1930400\n".encode()
    response = token_client(clerk).post(
        f"{API}/fees/statements",
        {"school_id": a1.school_id, "file": SimpleUploadedFile("s.csv", csv)},
    )
    assert response.status_code == 201, response.content
    assert (response.json()["lines_matched"], response.json()["lines_unmatched"]) == (1, 0)
    unmatched = token_client(clerk).get(f"{API}/fees/unmatched").json()
    assert (unmatched["items"], unmatched["count"]) == ([], 0)


def _queries(client, url) -> int:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_invoice_list_queries_do_not_grow_with_rows(district, invoices, clerk):
    from edudx.fees import services  # noqa: PLC0415

    client = token_client(clerk)
    url = f"{API}/fees/invoices?school_id={district.school_a.pk}"
    client.get(url)  # the token's last_used_at is refreshed on first use only
    before = _queries(client, url)
    services.invoices_generate(
        actor=None, school=district.school_a, school_year=district.year, period="HK2", title="HK2"
    )
    assert client.get(url).json()["count"] == 4
    assert _queries(client, url) == before
