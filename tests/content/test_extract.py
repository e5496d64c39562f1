"""PDF text for search (content.extract): a real PDF in Vietnamese is found by a search
typed without diacritics; broken and password-protected PDFs are still saved, with a note."""

import io

import pytest
from pypdf import PdfWriter

from edudx.content import extract, selectors
from edudx.core.pdf import DocumentSpec, render_document

from .conftest import pdf_upload, publish

pytestmark = pytest.mark.django_db

LESSON = "Phương trình bậc hai một ẩn và công thức nghiệm của Viète"


def vietnamese_pdf() -> bytes:
    spec = DocumentSpec(
        title="Bài giảng Toán 9",
        paragraphs=[LESSON, "Giải phương trình x² − 5x + 6 = 0 bằng cách nhẩm nghiệm."],
    )
    return render_document(spec).data


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(vietnamese_pdf()))
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_text_is_read_in_nfc():
    got = extract.pdf_text(io.BytesIO(vietnamese_pdf()))
    assert got.error == ""
    assert LESSON in got.text


def test_uploaded_pdf_found_by_its_text_without_diacritics(make_resource, principal):
    r = make_resource(
        title="Bài giảng chương 4", upload=pdf_upload(data=vietnamese_pdf()), description=""
    )
    assert LESSON in r.file_text
    assert r.file_text_error is None
    publish(r, principal)
    got = selectors.resource_search(actor=principal, q="cong thuc nghiem viete")
    assert [x.pk for x in got] == [r.pk]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("blank", "không có lớp chữ"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "bị hỏng"),
        (b"%PDF-1.7\n" + b"\x00\xff" * 500, "bị hỏng"),
        ("encrypted", "có mật khẩu"),
    ],
    ids=["no-text", "no-pages", "garbage", "encrypted"],
)
def test_unreadable_pdf_is_saved_with_a_note(make_resource, principal, data, error):
    data = (
        {"blank": blank_pdf, "encrypted": encrypted_pdf}[data]() if isinstance(data, str) else data
    )
    r = make_resource(title="Tệp không đọc được", upload=pdf_upload(data=data))
    r.refresh_from_db()
    assert r.file and r.sha256
    assert r.file_text is None
    assert error in r.file_text_error
    publish(r, principal)
    assert [x.pk for x in selectors.resource_search(actor=principal, q="khong doc duoc")] == [r.pk]


def test_pages_and_characters_are_bounded(monkeypatch):
    monkeypatch.setattr(extract, "MAX_CHARS", 30)
    got = extract.pdf_text(io.BytesIO(vietnamese_pdf()))
    assert len(got.text) == 30
