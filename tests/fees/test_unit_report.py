"""The collection report of a commune or province: its public-service (dossier) invoices —
collected and outstanding in whole đồng — on the page and in the .csv/.xlsx export."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from edudx.fees import selectors, services
from edudx.fees.models import Invoice
from edudx.org import services as org_services
from tests.pages.conftest import otp_login

from .conftest import issue_fee

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(district, desk):
    """Xã Nam Bình: 20.000 đ paid in full, 15.000 đ with 5.000 đ paid, 10.000 đ overpaid by
    2.000 đ, 8.000 đ cancelled. Xã Thuận Hà: 30.000 đ unpaid."""
    officer = desk.officer_a
    services.payment_record_cash(actor=officer, invoice=desk.inv_a, amount=20_000)
    services.payment_record_cash(actor=officer, invoice=desk.inv_a2, amount=5_000)
    over = issue_fee(district.commune_a, "HSA0000003", 10_000, "Đỗ Thị Hoa")
    services.payment_record_cash(actor=officer, invoice=over, amount=12_000)
    gone = issue_fee(district.commune_a, "HSA0000004", 8_000, "Vũ Văn Khải")
    services.invoice_cancel(actor=officer, invoice=gone, reason="Hồ sơ bị từ chối")
    return desk


def row(unit, n, billed, collected, outstanding, paid_n, percent):
    return {
        "school_id": unit.pk,
        "school__name": unit.name,
        "n": n,
        "billed": billed,
        "collected": collected,
        "outstanding": outstanding,
        "paid_n": paid_n,
        "percent": percent,
    }


def test_the_units_report_has_its_dossier_invoices(district, paid):
    report = selectors.collection_report(
        actor=paid.officer_a, school_year_id=district.year.pk, school_id=district.commune_a.pk
    )
    # The overpaid invoice does not hide the 10.000 đ still owed on another.
    assert report == {
        "schools": [],
        "totals": {"n": 0, "billed": 0, "collected": 0, "outstanding": 0},
        "fee_units": [row(district.commune_a, 3, 45_000, 37_000, 10_000, 2, 82.2)],
        "fee_totals": {"n": 3, "billed": 45_000, "collected": 37_000, "outstanding": 10_000},
    }


def test_a_province_officer_sees_every_commune_under_it(district, paid):
    report = selectors.collection_report(actor=paid.province, school_year_id=district.year.pk)
    assert report["fee_units"] == [
        row(district.commune_a, 3, 45_000, 37_000, 10_000, 2, 82.2),
        row(district.commune_b, 1, 30_000, 0, 30_000, 0, 0.0),
    ]
    assert report["fee_totals"] == {
        "n": 4,
        "billed": 75_000,
        "collected": 37_000,
        "outstanding": 40_000,
    }
    # Another commune's officer reads only their own.
    other = selectors.collection_report(actor=paid.officer_b, school_year_id=district.year.pk)
    assert other["fee_units"] == [row(district.commune_b, 1, 30_000, 0, 30_000, 0, 0.0)]


def test_dossier_invoices_fall_in_the_school_year_they_were_issued_in(district, paid):
    # 2025-2026 runs from 05/09/2025 until the first day of 2026-2027 (the summer included).
    later = org_services.school_year_create(
        actor=None, code="2026-2027", start_date=dt.date(2026, 9, 5), end_date=dt.date(2027, 5, 31)
    )
    local = timezone.get_current_timezone()
    Invoice.objects.filter(pk=paid.inv_a2.pk).update(
        created_at=dt.datetime(2026, 9, 4, 23, 59, tzinfo=local)
    )
    Invoice.objects.filter(pk=paid.inv_a.pk).update(
        created_at=dt.datetime(2026, 9, 5, 0, 0, tzinfo=local)
    )
    Invoice.objects.filter(school=district.commune_a).exclude(
        pk__in=[paid.inv_a.pk, paid.inv_a2.pk]
    ).update(created_at=dt.datetime(2025, 9, 4, 23, 59, tzinfo=local))

    def units(year):
        report = selectors.collection_report(
            actor=paid.officer_a, school_year_id=year.pk, school_id=district.commune_a.pk
        )
        return [(u["n"], u["collected"], u["outstanding"]) for u in report["fee_units"]]

    assert units(district.year) == [(1, 5_000, 10_000)]
    assert units(later) == [(1, 20_000, 0)]


def test_the_report_page_and_its_exports(district, paid):
    client = otp_login(Client(), paid.officer_a)
    query = f"?school={district.commune_a.pk}&year={district.year.pk}"
    page = client.get(f"/fees/reports/{query}").content.decode()
    assert '<h2 id="h-fee-units">Lệ phí dịch vụ công</h2>' in page
    assert "3 hóa đơn · phải thu 45.000\u00a0đ · đã thu 37.000\u00a0đ · còn 10.000\u00a0đ" in page
    assert (
        '<tr><td class="primary">Xã Nam Bình</td><td class="num" data-label="Hóa đơn">3</td>'
        '<td class="num" data-label="Phải thu">45.000\u00a0đ</td>'
        '<td class="num" data-label="Đã thu">37.000\u00a0đ</td>'
        '<td class="num" data-label="Còn phải thu">10.000\u00a0đ</td>'
        '<td class="num" data-label="%">82,2</td></tr>'
    ) in page
    assert "Chưa có hóa đơn trong năm học này." not in page
    assert f'href="/fees/reports/export.csv{query.replace("&", "&amp;")}">.csv</a>' in page

    r = client.get(f"/fees/reports/export.csv{query}")
    assert r["Content-Disposition"] == (
        f'attachment; filename="bao-cao-thu-{district.commune_a.pk}-2025-2026.csv"'
    )
    assert r.content.decode("utf-8-sig").splitlines() == [
        "Đơn vị,Lớp,Hóa đơn,Phải thu,Đã thu,Còn phải thu,%",
        "Xã Nam Bình,Lệ phí dịch vụ công,3,45000,37000,10000,82.2",
    ]

    r = client.get(f"/fees/reports/export.xlsx{query}&scope=all")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [
        ["Đơn vị", "Lớp", "Hóa đơn", "Phải thu", "Đã thu", "Còn phải thu", "%"],
        ["Xã Nam Bình", "Lệ phí dịch vụ công", 3, 45_000, 37_000, 10_000, 82.2],
    ]
    assert client.get(f"/fees/reports/export.pdf{query}").status_code == 404


def test_a_school_clerks_export_is_per_class(district, invoices, clerk):
    a1, _a2 = invoices
    client = otp_login(Client(), clerk)
    services.payment_record_cash(actor=clerk, invoice=a1, amount=1_930_400)
    r = client.get(f"/fees/reports/export.csv?school={district.school_a.pk}")
    assert r.content.decode("utf-8-sig").splitlines() == [
        "Đơn vị,Lớp,Hóa đơn,Phải thu,Đã thu,Còn phải thu,%",
        "Trường THCS Lê Lợi,6A1,2,3860800,1930400,1930400,50.0",
        "Trường THCS Lê Lợi,Cả trường,2,3860800,1930400,1930400,50.0",
    ]


def test_the_report_reads_a_fixed_number_of_queries(district, paid):
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    def count():
        with CaptureQueriesContext(connection) as ctx:
            selectors.collection_report(actor=paid.province, school_year_id=district.year.pk)
        return len(ctx.captured_queries)

    count()  # the reader's scope is read once and kept on the user
    before = count()
    for n in range(5):
        issue_fee(district.commune_b, f"HSB000010{n}", 1_000, "Người nộp")
    # schools, classes, the two school-year reads, the public-service fees: no query per row
    assert (before, count()) == (5, 5)
