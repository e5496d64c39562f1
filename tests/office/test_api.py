"""/api/v1/office: scoped like the pages, idempotent POSTs, errors in the project's shape
naming the field, in Vietnamese or (Accept-Language: en) English."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edudx.office import services
from edudx.office.models import IncomingDocument, OutgoingDocument, WorkDossier
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db

BODY = {
    "sender": "Sở Giáo dục và Đào tạo tỉnh Đắk Nông",
    "symbol": "125/SGDĐT-VP",
    "issued_on": "2026-03-10",
    "received_on": "2026-03-12",
    "summary": "Về việc tổ chức Hội khỏe Phù Đổng",
    "urgency": "urgent",
}


def test_create_is_idempotent_and_lists_are_scoped(office):
    d = office.d
    api = token_client(office.clerk, **{"Idempotency-Key": "in-1"})
    body = {**BODY, "unit_id": d.school_a.pk}
    first = api.post(f"{API}/office/incoming", body, content_type="application/json")
    again = api.post(f"{API}/office/incoming", body, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    doc = first.json()
    assert (doc["number"], doc["year"], doc["status"], doc["overdue"]) == (
        1,
        2026,
        "received",
        False,
    )
    assert IncomingDocument.objects.count() == 1

    other = office.incoming(unit=d.school_b, actor=office.clerk_b)
    listing = token_client(office.clerk).get(f"{API}/office/incoming", {"q": "hoi khoe"}).json()
    assert [i["id"] for i in listing["items"]] == [doc["id"]] and listing["count"] == 1
    b = token_client(office.clerk_b)
    assert b.get(f"{API}/office/incoming/{doc['id']}").status_code == 404
    assert b.get(f"{API}/office/incoming/{other.pk}").status_code == 200
    assert token_client(office.officer).get(f"{API}/office/incoming/{doc['id']}").status_code == 404
    # Registering into another school's book: that unit is not found for this caller.
    refused = b.post(f"{API}/office/incoming", body, content_type="application/json")
    assert refused.status_code == 404
    assert refused.json()["code"] == "office.unit_not_found"


def test_errors_name_the_field_in_vietnamese_and_english(office):
    body = {**BODY, "unit_id": office.d.school_a.pk, "issued_on": "2026-03-13"}
    vi = token_client(office.clerk).post(
        f"{API}/office/incoming", body, content_type="application/json"
    )
    assert vi.status_code == 400
    assert vi.json()["code"] == "office.issued_after_received"
    assert vi.json()["field"] == "issued_on"
    assert vi.json()["message"] == "Ngày ban hành không được sau ngày đến."
    en = token_client(office.clerk, **{"Accept-Language": "en"}).post(
        f"{API}/office/incoming", body, content_type="application/json"
    )
    assert en.json()["message"] == "The issue date cannot be after the date received."
    assert IncomingDocument.objects.count() == 0


def test_assign_reply_and_dossier_through_the_api(office):
    doc = office.incoming()
    api = token_client(office.principal, **{"Idempotency-Key": "assign-1"})
    url = f"{API}/office/incoming/{doc.pk}/assign"
    early = api.post(
        url,
        {"handler_id": office.teacher.pk, "due_on": "2026-03-01"},
        content_type="application/json",
    )
    assert (early.status_code, early.json()["field"]) == (400, "due_on")
    api = token_client(office.principal, **{"Idempotency-Key": "assign-2"})
    ok = api.post(
        url,
        {"handler_id": office.teacher.pk, "due_on": "2026-03-20"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert (ok.json()["status"], ok.json()["handler"]) == ("assigned", "Lê Thị Hoa")
    # The teacher now reads it, and only it.
    mine = token_client(office.teacher).get(f"{API}/office/incoming").json()
    assert [i["id"] for i in mine["items"]] == [doc.pk]

    clerk = token_client(office.clerk, **{"Idempotency-Key": "out-1"})
    reply = clerk.post(
        f"{API}/office/outgoing",
        {
            "unit_id": office.d.school_a.pk,
            "symbol": "THCSLL-VP",
            "doc_type": "official_letter",
            "issued_on": "2026-03-15",
            "signer": "Nguyễn Văn Hiệu",
            "recipients": "Sở GDĐT",
            "summary": "Trả lời về Hội khỏe Phù Đổng",
            "reply_to_id": doc.pk,
        },
        content_type="application/json",
    )
    assert reply.status_code == 201 and reply.json()["number_symbol"] == "1/THCSLL-VP"
    assert (
        token_client(office.clerk).get(f"{API}/office/incoming/{doc.pk}").json()["status"] == "done"
    )

    dossier = token_client(office.clerk, **{"Idempotency-Key": "d-1"}).post(
        f"{API}/office/dossiers",
        {
            "unit_id": office.d.school_a.pk,
            "code": "01.VP",
            "title": "Hội khỏe Phù Đổng",
            "handler_id": office.clerk.pk,
            "opened_on": "2026-03-12",
        },
        content_type="application/json",
    )
    assert dossier.status_code == 201
    did = dossier.json()["id"]
    for key, payload in (
        ("f-1", {"incoming_id": doc.pk}),
        ("f-2", {"outgoing_id": reply.json()["id"]}),
    ):
        filed = token_client(office.clerk, **{"Idempotency-Key": key}).post(
            f"{API}/office/dossiers/{did}/documents", payload, content_type="application/json"
        )
        assert filed.status_code == 200
    assert filed.json()["documents"] == 2
    closed = token_client(office.clerk, **{"Idempotency-Key": "c-1"}).post(
        f"{API}/office/dossiers/{did}/close",
        {"closed_on": "2026-03-16"},
        content_type="application/json",
    )
    assert (closed.json()["status"], closed.json()["handled_digitally"]) == ("closed", True)
    assert token_client(office.clerk_b).get(f"{API}/office/dossiers/{did}/close").status_code == 405
    b_close = token_client(office.clerk_b).post(
        f"{API}/office/dossiers/{did}/close",
        {"closed_on": "2026-03-16"},
        content_type="application/json",
    )
    assert b_close.status_code == 404
    assert (OutgoingDocument.objects.count(), WorkDossier.objects.count()) == (1, 1)


@pytest.mark.parametrize("path", ["/office/incoming", "/office/dossiers"])
def test_lists_do_not_grow_queries_with_rows(office, path):
    """No N+1: the same number of queries for 1 and for 5 rows (handler, unit, dossier and
    the document count are fetched with the page)."""
    api = token_client(office.clerk)

    def add(i):
        doc = office.incoming(symbol=f"{i}/X")
        office.dossier(code=f"{i:02d}.VP")
        services.incoming_assign(
            actor=office.clerk, document=doc, handler=office.teacher, due_on=doc.received_on
        )

    add(1)
    api.get(f"{API}{path}")  # the token's first use is stamped once
    with CaptureQueriesContext(connection) as one:
        assert api.get(f"{API}{path}").json()["count"] == 1
    for i in range(2, 6):
        add(i)
    with CaptureQueriesContext(connection) as five:
        assert api.get(f"{API}{path}").json()["count"] == 5
    assert len(five) == len(one)


def test_attach_a_pdf_once_checked_on_the_bytes(office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import PDF

    doc = office.incoming()
    url = f"{API}/office/incoming/{doc.pk}/attachment"
    api = token_client(office.clerk, **{"Accept-Language": "en"})
    bad = api.post(url, {"file": SimpleUploadedFile("cv.pdf", b"GIF89a...", "application/pdf")})
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        400,
        "office.attachment_type",
        "file",
    )
    assert bad.json()["message"] == "The attachment must be a PDF file."
    ok = token_client(office.clerk).post(url, {"file": SimpleUploadedFile("cv.pdf", PDF)})
    assert ok.status_code == 200 and ok.json()["has_attachment"] is True
    doc.refresh_from_db()
    with doc.attachment.open("rb") as f:
        assert f.read() == PDF
    again = token_client(office.clerk).post(url, {"file": SimpleUploadedFile("b.pdf", PDF)})
    assert (again.status_code, again.json()["message"]) == (400, "Văn bản đã có tệp đính kèm.")
    other = token_client(office.clerk_b).post(url, {"file": SimpleUploadedFile("c.pdf", PDF)})
    assert other.status_code == 404
