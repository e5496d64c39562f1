"""The electronic receipt: a PDF with Vietnamese text, read back with pypdf."""

import io

import pytest
from pypdf import PdfReader

from edudx.fees import services
from edudx.fees.models import Receipt

pytestmark = pytest.mark.django_db


def test_cash_payment_receipt_pdf_text(invoices, clerk):
    a1, _ = invoices
    payment = services.payment_record_cash(actor=clerk, invoice=a1, amount=1_930_400)
    receipt = Receipt.objects.get(payment=payment)
    data = services.receipt_pdf(receipt)
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    for expected in (
        "BIÊN LAI THU TIỀN ĐIỆN TỬ",
        "Trường THCS Lê Lợi",
        f"Số: {receipt.number}",
        "Họ và tên học sinh: Nguyễn Văn An",
        "Lớp: 6A1",
        f"hóa đơn {a1.reference}",
        "Hình thức: Tiền mặt",
        "Số tiền: 1.930.400 đ",
        "Học phí học kỳ I",
        "Bảo hiểm y tế",
    ):
        assert expected in text, expected
    # Kept with the receipt: the second download is the same bytes.
    receipt.refresh_from_db()
    assert bytes(receipt.pdf) == data
    assert services.receipt_pdf(receipt) == data
