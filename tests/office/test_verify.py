"""The public check of signed outgoing documents (/verify/documents/, POST /office/verify):
no sign-in; the uploaded file's signatures, and whether it is byte for byte a document a
unit issued (or the head-signed file before the unit's signature); the QR code's page."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from edudx.office import services, views_verify
from edudx.office.models import OutgoingDocument
from tests.api.conftest import API
from tests.office.test_signing import AUTHENTIC, _pki, head, stored, var_dir  # noqa: F401

pytestmark = pytest.mark.django_db

PAGE = "/verify/documents/"


@pytest.fixture
def issued(office, head):  # noqa: F811
    """A report of school A drawn by the platform, signed by the head, sealed by the clerk;
    with the bytes of the head-signed file before the seal."""
    document = services.outgoing_render(actor=office.clerk, document=office.outgoing())
    signed = services.outgoing_sign(actor=head, document=document)
    head_signed = stored(signed)
    return services.outgoing_seal(actor=office.clerk, document=signed), head_signed


def upload(client, data: bytes, url: str = PAGE, **extra):
    return client.post(
        url, {"file": SimpleUploadedFile("vb.pdf", data, "application/pdf")}, **extra
    )


def test_the_issued_file_is_recognised_without_sign_in(issued):
    doc, _head_signed = issued
    response = upload(Client(), stored(doc))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"<strong>{AUTHENTIC}</strong>" in body
    assert (
        "Tệp trùng khớp từng byte với văn bản số 1/BC-THCSLL do Trường THCS Lê Lợi ban hành "
        "trên hệ thống."
    ) in body
    assert "Thủ trưởng đơn vị" in body and "Chữ ký số của cơ quan" in body
    assert f"<code>{doc.sealed_sha256}</code>" in body
    # What the public sees of the document: not its summary nor its recipients.
    assert "Hội khỏe Phù Đổng" not in body and "Nam Bình;" not in body


def test_the_head_signed_file_and_strangers(issued):
    doc, head_signed = issued
    client = Client()
    body = upload(client, head_signed).content.decode()
    assert (
        "Tệp là bản văn bản số 1/BC-THCSLL của Trường THCS Lê Lợi đã có chữ ký của thủ trưởng "
        "nhưng chưa có chữ ký số của cơ quan"
    ) in body
    assert f"<strong>{AUTHENTIC}</strong>" in body  # the head's one signature holds

    data = bytearray(stored(doc))
    data[len(data) // 3] ^= 0x01  # a byte of the signed revisions
    tampered = upload(client, bytes(data)).content.decode()
    assert "Không tìm thấy văn bản tương ứng trên hệ thống" in tampered
    assert "verdict-authentic" not in tampered

    unsigned = services.outgoing_pdf(doc).data
    body = upload(client, unsigned).content.decode()
    assert "Không tìm thấy văn bản tương ứng trên hệ thống" in body
    assert "verdict-unsigned" in body

    assert upload(client, b"not a pdf").status_code == 400
    missing = client.post(PAGE, {})
    assert missing.status_code == 400
    assert "Hãy chọn tệp PDF cần kiểm tra." in missing.content.decode()


def test_the_qr_code_page_shows_the_document_and_its_stored_check(issued, office):
    doc, _ = issued
    url = f"{PAGE}{doc.source_id}/"
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(stored(doc))).pages
    )
    assert f"Kiểm tra tính xác thực tại: {settings.PUBLIC_BASE_URL}{url}" in text

    body = Client().get(url).content.decode()
    assert "Văn bản số 1/BC-THCSLL của Trường THCS Lê Lợi" in body
    assert f"Bản lưu trên hệ thống: {AUTHENTIC}" in body
    assert "14/03/2026" in body  # issued on, dd/mm/yyyy
    assert f'action="{url}"' in body  # the upload is checked against this document
    assert upload(Client(), stored(doc), url).status_code == 200

    unsigned = office.outgoing(symbol="KH-THCSLL", doc_type="plan")
    assert Client().get(f"{PAGE}{unsigned.source_id}/").status_code == 404
    assert Client().get(f"{PAGE}00000000-0000-4000-8000-000000000000/").status_code == 404


def test_api_checks_a_file_without_a_token(issued):
    doc, head_signed = issued
    response = Client().post(
        f"{API}/office/verify",
        {"file": SimpleUploadedFile("vb.pdf", stored(doc), "application/pdf")},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["verdict"], body["version"], body["sha256"]) == (
        "authentic",
        "issued",
        doc.sealed_sha256,
    )
    assert [s["field_name"] for s in body["signatures"]] == ["office_signer", "office_unit"]
    document = body["document"]
    assert {k: document[k] for k in ("unit", "number_symbol", "doc_type", "issued_on")} == {
        "unit": "Trường THCS Lê Lợi",
        "number_symbol": "1/BC-THCSLL",
        "doc_type": "report",
        "issued_on": "2026-03-14",
    }
    assert (document["signed_name"], document["sealed_name"]) == (
        "Nguyễn Văn Hiệu",
        "Trường THCS Lê Lợi",
    )
    earlier = Client().post(
        f"{API}/office/verify",
        {"file": SimpleUploadedFile("vb.pdf", head_signed, "application/pdf")},
    )
    assert (earlier.json()["version"], earlier.json()["document"]["sha256"]) == (
        "head_signed",
        doc.sealed_sha256,
    )


def test_a_flood_of_checks_is_turned_away(issued, monkeypatch):
    doc, _ = issued
    monkeypatch.setattr(views_verify, "VERIFY_RATE", 2)
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert [upload(client, stored(doc)).status_code for _ in range(3)] == [200, 200, 429]
    en = Client(REMOTE_ADDR="203.0.113.9").post(
        f"{API}/office/verify",
        {"file": SimpleUploadedFile("vb.pdf", stored(doc), "application/pdf")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (en.status_code, en.json()["code"]) == (429, "office.verify_rate_limited")
    assert OutgoingDocument.objects.count() == 1


def test_the_page_in_english(issued):
    doc, _ = issued
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = upload(client, stored(doc)).content.decode()
    assert "Check a digitally signed document" in body
    assert (
        "The file is byte for byte document 1/BC-THCSLL issued by Trường THCS Lê Lợi on the "
        "platform."
    ) in body
