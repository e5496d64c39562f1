"""Fee pages: what a guardian and the clerks see, scoping (404 outside), writes by clerks."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from edudx.accounts.models import Role
from edudx.fees.models import BankLine, FeeItem, Invoice, Payment
from edudx.org import services as org_services
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db


def guardian_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_guardian_sees_own_child_invoice_with_vietqr(invoices, guardian):
    a1, a2 = invoices
    client = guardian_client(guardian)
    index = client.get("/fees/")
    assert index.status_code == 200
    body = index.content.decode()
    assert a1.reference in body and a2.reference not in body
    assert "1.930.400\u00a0đ" in body
    detail = client.get(f"/fees/invoices/{a1.pk}/")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "<svg" in html and "Chuyển khoản bằng mã VietQR" in html
    assert "Thu tiền mặt" not in html  # no write forms for a guardian
    assert client.get(f"/fees/invoices/{a2.pk}/").status_code == 404


def test_guardian_cannot_open_clerk_pages(invoices, guardian):
    client = guardian_client(guardian)
    assert client.get("/fees/invoices/").status_code == 403
    assert client.get("/fees/unmatched/").status_code == 403


def test_clerk_of_another_school_gets_404(invoices, clerk_b):
    a1, _ = invoices
    client = otp_login(Client(), clerk_b)
    assert client.get(f"/fees/invoices/{a1.pk}/").status_code == 404
    listing = client.get(f"/fees/invoices/?school={a1.school_id}")
    assert a1.reference not in listing.content.decode()


def test_officer_reads_but_cannot_record(district, invoices):
    a1, _ = invoices
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    client = otp_login(Client(), officer)
    assert client.get(f"/fees/invoices/{a1.pk}/").status_code == 200
    response = client.post(f"/fees/invoices/{a1.pk}/", {"action": "cash", "amount": "1000"})
    assert response.status_code == 403
    assert Payment.objects.count() == 0


def test_a_refused_desk_form_comes_back_as_typed(invoices, clerk):
    a1, _ = invoices
    client = otp_login(Client(), clerk)
    url = f"/fees/invoices/{a1.pk}/"
    r = client.post(url, {"action": "cash", "amount": "1.930,4", "note": "Mẹ em nộp"})
    page = r.content.decode()
    assert r.status_code == 400  # the page again, not a redirect that empties the form
    assert "Số tiền phải là số nguyên đồng lớn hơn 0." in page
    # The amount as typed, marked, focused and described by its error under it.
    assert (
        'name="amount" inputmode="numeric" required value="1.930,4" aria-invalid="true" '
        'aria-describedby="e-cash_amount" autofocus>\n    <p class="field-error" '
        'id="e-cash_amount" role="alert">Số tiền (đồng): Số tiền phải là số nguyên đồng lớn '
        "hơn 0.</p>"
    ) in page
    assert 'name="note" maxlength="255" value="Mẹ em nộp">' in page  # not in error
    assert page.count("autofocus") == 1
    assert Payment.objects.count() == 0
    client.post(url, {"action": "cash", "amount": "1.930.400"})
    refund = {"action": "refund", "amount": "2000000", "method": "cash", "reason": "Chuyển trường"}
    r = client.post(url, refund)
    page = r.content.decode()
    assert r.status_code == 400
    assert (
        'id="r-amount" name="amount" inputmode="numeric" required value="2000000" '
        'aria-invalid="true" aria-describedby="e-refund_amount" autofocus>'
    ) in page
    assert "Số tiền (đồng): Số tiền hoàn phải lớn hơn 0 và không quá số đã nộp" in page
    assert 'id="e-cash_amount"' not in page  # the other form is not marked
    assert '<option value="cash" selected>' in page
    assert 'id="r-reason" name="reason" maxlength="255" required value="Chuyển trường">' in page
    assert a1.refunds.count() == 0


def test_clerk_records_cash_and_downloads_the_receipt(invoices, clerk):
    a1, _ = invoices
    client = otp_login(Client(), clerk)
    response = client.post(
        f"/fees/invoices/{a1.pk}/", {"action": "cash", "amount": "1.930.400"}, follow=True
    )
    assert response.status_code == 200
    assert "Đã thu 1.930.400 đ tiền mặt" in response.content.decode()
    payment = Payment.objects.get()
    pdf = client.get(f"/fees/receipts/{payment.receipt.pk}/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_clerk_adds_fee_item_and_generates_invoices(district, account, clerk):
    client = otp_login(Client(), clerk)
    typed = {
        "school": district.school_a.pk, "school_year": district.year.pk, "kind": "tuition",
        "name": "Học phí HK1", "amount": "1,25 triệu", "area": "rural", "grade": "13",
    }  # fmt: skip
    bad = client.post("/fees/items/", typed)
    page = bad.content.decode()
    # The item form again as typed (400), each error under its field, the first focused.
    assert bad.status_code == 400
    assert re.search(
        r'id="i-amount" name="amount" inputmode="numeric" required value="1,25 triệu" '
        r'aria-invalid="true" aria-describedby="e-item_amount" autofocus>\s*'
        r'<p class="field-error" id="e-item_amount" role="alert">Số tiền \(đồng\): ',
        page,
    )
    assert re.search(
        r'id="i-grade" name="grade" inputmode="numeric" value="13" aria-invalid="true" '
        r'aria-describedby="e-item_grade_number">\s*<p class="field-error" '
        r'id="e-item_grade_number" role="alert">Khối lớp từ 1 đến 12.</p>',
        page,
    )
    assert 'value="Học phí HK1"' in page and '<option value="rural" selected>' in page
    assert page.count("autofocus") == 1 and not FeeItem.objects.exists()
    # No school year picked (none exists, or the list was tampered with): at the year.
    bad = client.post("/fees/items/", {**typed, "school_year": "", "amount": "1250000"})
    page = bad.content.decode()
    assert bad.status_code == 400
    assert (
        'name="school_year" aria-invalid="true" aria-describedby="e-item_school_year" autofocus>'
    ) in page
    assert 'id="e-item_school_year" role="alert">Năm học: Chọn năm học.</p>' in page
    assert 'value="1250000"' in page and not FeeItem.objects.exists()
    client.post(
        "/fees/items/",
        {
            "school": district.school_a.pk,
            "school_year": district.year.pk,
            "kind": "tuition",
            "name": "Học phí HK1",
            "amount": "1.250.000",
            "area": "rural",
        },
    )
    assert FeeItem.objects.get().amount == 1_250_000
    # A run refused (no title, a 31 February due date) comes back as typed with its errors
    # under the fields, the first focused; no invoice made. (A due date of 31/02 used to
    # fail with a server error.)
    bad = client.post(
        "/fees/invoices/",
        {"school": district.school_a.pk, "class": district.class_a.pk, "period": "HK1",
         "title": " ", "due_date": "2026-02-31"},
    )  # fmt: skip
    page = bad.content.decode()
    assert bad.status_code == 400
    assert (
        'id="g-due" name="due_date" type="date" value="2026-02-31" aria-invalid="true" '
        'aria-describedby="e-run_due_date" autofocus>\n    <p class="field-error" '
        'id="e-run_due_date" role="alert">Hạn nộp: Ngày &#x27;2026-02-31&#x27; không đúng '
        "định dạng dd/mm/yyyy.</p>"
    ) in page
    assert 'id="g-period" name="period" maxlength="40" required value="HK1">' in page
    assert f'<option value="{district.class_a.pk}" selected>' in page
    assert not Invoice.objects.exists()
    bad = client.post(
        "/fees/invoices/",
        {"school": district.school_a.pk, "period": "HK1", "title": "", "due_date": "2026-01-15"},
    )
    assert (
        'required value="" aria-invalid="true" aria-describedby="e-run_title" autofocus>'
    ) in bad.content.decode()
    response = client.post(
        "/fees/invoices/",
        {
            "school": district.school_a.pk,
            "class": district.class_a.pk,
            "period": "HK1",
            "title": "Học phí HK1",
        },
        follow=True,
    )
    assert "Đã lập 2 hóa đơn" in response.content.decode()
    assert Invoice.objects.filter(school=district.school_a).count() == 2


def test_statement_upload_and_queue_assignment(invoices, clerk):
    a1, _ = invoices
    client = otp_login(Client(), clerk)
    csv = (
        "Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền\n06/10/2025,FT1,con an nop hoc phi,1930400\n"
    ).encode()
    response = client.post(
        "/fees/statements/",
        {"school": a1.school_id, "file": SimpleUploadedFile("s.csv", csv)},
        follow=True,
    )
    assert "0 giao dịch khớp, 1 chưa khớp" in response.content.decode()
    queue = client.get(f"/fees/unmatched/?school={a1.school_id}").content.decode()
    assert "con an nop hoc phi" in queue
    assert "Nội dung chuyển khoản không có mã hóa đơn." in queue
    line = BankLine.objects.get()
    client.post(
        "/fees/unmatched/",
        {"school": a1.school_id, "line": line.pk, "reference": a1.reference.lower()},
    )
    a1.refresh_from_db()
    assert a1.status == "paid"


def test_bad_statement_shows_row_errors(invoices, clerk):
    a1, _ = invoices
    client = otp_login(Client(), clerk)
    csv = "Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền\nhôm qua,FT1,x,1000\n".encode()
    response = client.post(
        "/fees/statements/", {"school": a1.school_id, "file": SimpleUploadedFile("s.csv", csv)}
    )
    assert response.status_code == 400
    assert "Dòng 2, cột “Ngày giao dịch”" in response.content.decode()
    # No file at all (a browser without `required`): the error is at the file field.
    response = client.post("/fees/statements/", {"school": a1.school_id})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        'name="file" accept=".csv,.xlsx" required aria-invalid="true" '
        'aria-describedby="e-file" autofocus>'
    ) in html
    assert 'id="e-file" role="alert">Chọn tệp sao kê (.csv hoặc .xlsx).</p>' in html


def test_reports_page(invoices, clerk):
    a1, _ = invoices
    client = otp_login(Client(), clerk)
    client.post(f"/fees/invoices/{a1.pk}/", {"action": "cash", "amount": "1930400"})
    html = client.get(f"/fees/reports/?school={a1.school_id}").content.decode()
    assert (
        "2 hóa đơn · phải thu 3.860.800\u00a0đ · đã thu 1.930.400\u00a0đ · còn 1.930.400\u00a0đ"
        in html
    )
    assert "6A1" in html


def test_next_years_admissions_do_not_empty_the_clerk_pages(district, invoices, clerk):
    """Admissions create the next school year months before it starts (the e-services demo
    built on 30/11/2026 made 2027-2028). Between two years the clerk's pages keep the year
    that ended last: they showed the empty next one (no class, no invoice)."""
    a1, _ = invoices
    org_services.school_year_create(
        actor=None, code="2098-2099", start_date=dt.date(2098, 9, 5), end_date=dt.date(2099, 5, 31)
    )
    client = otp_login(Client(), clerk)
    html = client.get(f"/fees/reports/?school={a1.school_id}").content.decode()
    assert "2 hóa đơn · phải thu 3.860.800\u00a0đ" in html
    page = client.get(f"/fees/invoices/?school={a1.school_id}").content.decode()
    assert f'<option value="{district.class_a.pk}">6A1</option>' in page


def test_menu_entries(invoices, clerk, guardian):
    html = otp_login(Client(), clerk).get("/fees/invoices/").content.decode()
    assert 'href="/fees/invoices/"' in html and "Thu phí" in html
    html = guardian_client(guardian).get("/fees/").content.decode()
    assert "Học phí" in html


def test_guardian_page_queries_do_not_grow_with_invoices(district, invoices, guardian):
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from edudx.fees import services  # noqa: PLC0415

    client = guardian_client(guardian)
    client.get("/fees/")  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get("/fees/")
        return len(ctx.captured_queries)

    before = count()
    services.invoices_generate(
        actor=None, school=district.school_a, school_year=district.year, period="HK2", title="HK2"
    )
    assert count() == before


def test_clerk_records_a_reduction_used_by_the_next_invoices(district, items, account, clerk):
    from edudx.fees.models import Reduction  # noqa: PLC0415

    client = otp_login(Client(), clerk)
    page = client.get(f"/fees/items/?school={district.school_a.pk}").content.decode()
    assert "Ghi miễn, giảm" in page and "Nguyễn Văn An" in page
    response = client.post(
        "/fees/items/",
        {
            "school": district.school_a.pk,
            "action": "reduction",
            "school_year": district.year.pk,
            "student": district.student_a1.pk,
            "reason": "poor",
            "kind": "tuition",
            "percent": "100",
            "dossier_ref": "DVC-2025-000123",
        },
        follow=True,
    )
    assert "Đã ghi miễn, giảm cho Nguyễn Văn An" in response.content.decode()
    both = client.post(
        "/fees/items/",
        {"school": district.school_a.pk, "action": "reduction", "school_year": district.year.pk,
         "student": district.student_a1.pk,
         "reason": "poor", "percent": "50", "amount": "100000", "dossier_ref": "DVC-9"},
    )  # fmt: skip
    page = both.content.decode()
    assert both.status_code == 400  # a percentage or an amount, not both: as typed
    assert re.search(
        r'id="r-percent" name="percent" inputmode="numeric" value="50" aria-invalid="true" '
        r'aria-describedby="e-reduction_percent" autofocus>',
        page,
    )
    assert 'id="r-dossier" name="dossier_ref" maxlength="40" value="DVC-9">' in page
    red = Reduction.objects.get()
    assert (red.percent, red.dossier_ref, red.kind) == (100, "DVC-2025-000123", "tuition")
    client.post(
        "/fees/invoices/",
        {"school": district.school_a.pk, "period": "HK1", "title": "HK1"},
    )
    inv = Invoice.objects.get(student=district.student_a1)
    assert inv.total == 680_400  # tuition exempted, insurance due


def test_unmatched_queue_pages_and_counts(invoices, clerk):
    """A statement with 60 lines that match no invoice: the queue says 60 and pages them
    50 + 10, oldest first (it showed the first 200 with no count)."""
    a1, _ = invoices
    client = otp_login(Client(), clerk)
    rows = "".join(
        f"{6 + i // 30:02d}/10/2025,FT{i:03d},chuyen tien lan {i:03d},{10_000 + i}\n"
        for i in range(60)
    )
    client.post(
        "/fees/statements/",
        {
            "school": a1.school_id,
            "file": SimpleUploadedFile(
                "s.csv", ("Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền\n" + rows).encode()
            ),
        },
    )
    assert BankLine.objects.filter(status="unmatched").count() == 60
    url = f"/fees/unmatched/?school={a1.school_id}"
    first = client.get(url).content.decode()
    second = client.get(url + "&page=2").content.decode()
    assert "60 giao dịch chưa khớp · trang 1/2" in " ".join(first.split())
    shown = [f"chuyen tien lan {i:03d}" for i in range(60)]
    assert [t for t in shown if t in first] == shown[:50]
    assert [t for t in shown if t in second] == shown[50:]
    # The links keep the school: the page is per school.
    assert f'<a href="?school={a1.school_id}&amp;page=2">Trang sau</a>' in first
    assert f'<a href="?school={a1.school_id}&amp;page=1">Trang trước</a>' in second
