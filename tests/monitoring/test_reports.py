import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from edudx.audit.models import AuditEvent
from edudx.core import events, signing
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors
from edudx.monitoring import reports
from edudx.monitoring.exports import consolidated_pdf, consolidated_xlsx
from edudx.monitoring.models import IndicatorValue, Provenance, ReportStatus
from edudx.monitoring.selectors import consolidated
from edudx.monitoring.services import indicators_sync

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def on(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


@pytest.fixture
def report(principal, reform):
    indicators_sync()
    return reports.report_get(actor=principal, unit=reform.school_a, year=2025)


def test_a_school_reports_only_what_is_not_computed(report):
    codes = reports.self_reported_codes(report.unit)
    assert codes == {"T01", "T02", "T03", "T24"}  # no platform data: self-reported
    assert not {"T08", "T09", "T10", "T18", "T25", "T26"} & codes  # computed
    assert "T12" not in codes  # an office-level indicator


def test_bad_input_is_refused_with_every_field_named(report, principal):
    with pytest.raises(DomainErrors) as exc:
        reports.report_save(
            actor=principal,
            report=report,
            values={
                "T02": {"numerator": "120", "denominator": "100"},
                "T03": {"percent": "101"},
                "T01": {"numerator": "abc", "denominator": "5"},
                "T09": {"numerator": "1", "denominator": "1"},
                "T24": {"numerator": "3"},
            },
        )
    codes = [(i["code"], i["field"]) for i in exc.value.as_list()]
    assert codes == [
        ("monitoring.numerator_over_denominator", "T02"),
        ("monitoring.percent_over_100", "T03"),
        ("monitoring.number", "T01 tử số"),
        ("monitoring.not_self_reported", "T09"),
        ("monitoring.pair", "T24"),
    ]
    assert "120 lớn hơn mẫu số 100" in exc.value.as_list()[0]["message"]
    assert not report.values.exists()  # nothing half-written


def test_submit_review_resubmit_versions_and_late_flag(report, principal, officer, reform):
    reports.report_save(
        actor=principal,
        report=report,
        values={"T02": {"numerator": "2", "denominator": "3"}, "T03": {"percent": "100"}},
        sections={"results": "Hoàn thành kế hoạch.", "bogus": "x"},
    )
    reports.report_attach(actor=principal, report=report, key="plan", name="kh.pdf", data=PDF)
    with pytest.raises(DomainError) as exc:
        reports.report_attach(
            actor=principal, report=report, key="plan", name="kh.pdf", data=b"MZ\x90\x00"
        )
    assert exc.value.code == "monitoring.file_type"

    v1 = reports.report_submit(actor=principal, report=report, now=on(dt.date(2025, 12, 9)))
    assert (v1.number, v1.late) == (1, False)
    assert v1.payload["values"]["T02"] == {"numerator": "2.00", "denominator": "3.00", "note": ""}
    assert v1.payload["sections"] == {"results": "Hoàn thành kế hoạch."}
    assert v1.payload["files"][0]["name"] == "kh.pdf"

    # The principal cannot review; the office returns it, a comment is required.
    with pytest.raises(Forbidden):
        reports.report_review(actor=principal, report=report, accept=True)
    with pytest.raises(DomainError) as exc:
        reports.report_review(actor=officer, report=report, accept=False)
    assert exc.value.code == "monitoring.comment_required"
    r = reports.report_review(actor=officer, report=report, accept=False, comment="Bổ sung T01")
    assert r.status == ReportStatus.RETURNED

    reports.report_save(
        actor=principal, report=r, values={"T01": {"numerator": "40", "denominator": "50"}}
    )
    v2 = reports.report_submit(actor=principal, report=r, now=on(dt.date(2025, 12, 12)))
    assert (v2.number, v2.late) == (2, True)  # accepted, flagged late
    r.refresh_from_db()
    assert (r.version, r.late, r.status) == (2, True, ReportStatus.SUBMITTED)
    assert list(r.versions.values_list("number", "late")) == [(1, False), (2, True)]
    reports.report_review(actor=officer, report=r, accept=True)
    with pytest.raises(DomainError):
        reports.report_submit(actor=principal, report=r)
    actions = list(
        AuditEvent.objects.filter(object_type="monitoring.report")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["update", "submit", "review", "update", "submit", "review"]

    # The worker recomputes the summary: the self-reported value rolls up to the province.
    events.deliver_pending()
    t02 = IndicatorValue.objects.get(indicator__code="T02", unit=reform.lam_dong, year=2025)
    assert (t02.numerator, t02.denominator, t02.value) == (2, 3, Decimal("66.67"))
    assert t02.provenance == Provenance.SELF_REPORTED

    data = consolidated(actor=officer, unit=reform.lam_dong, year=2025)
    assert data["counts"] == {
        "schools": 1, "submitted": 1, "accepted": 1, "late": 1, "overdue": 0
    }  # fmt: skip
    assert [s["name"] for s in data["schools"]] == ["Trường THCS Lê Lợi"]

    wb = load_workbook(
        io.BytesIO(consolidated_xlsx(actor=officer, unit=reform.lam_dong, year=2025))
    )
    rows = list(wb["Chỉ tiêu"].iter_rows(values_only=True))
    t02_row = next(x for x in rows if x[0] == "T02")
    assert t02_row[2:7] == (2, 3, 66.67, 50, "Tự báo cáo")
    assert list(wb["Báo cáo của trường"].iter_rows(values_only=True))[1][2:] == (
        "Đã tiếp nhận", 2, "12/12/2025", "Có",
    )  # fmt: skip

    pdf = consolidated_pdf(actor=officer, unit=reform.lam_dong, year=2025)
    result = signing.verify_pdf(pdf, expected_fields=["office"])
    assert result.verdict == "authentic", result.message


def test_other_schools_cannot_open_the_report(reform, report):
    from edudx.accounts.models import Role

    other = reform.user(Role.PRINCIPAL, reform.school_b)
    with pytest.raises(Forbidden):
        reports.report_get(actor=other, unit=reform.school_a, year=2025)
    with pytest.raises(Forbidden):
        reports.report_save(actor=other, report=report, values={})


def test_facts_of_a_school_are_checked_and_frozen_with_the_version(report, principal, reform):
    """A school's infrastructure facts (computers for teaching, bandwidth) are part of its
    report: checked, saved, audited and frozen in each submitted version."""
    assert [f["key"] for f in reports.report_facts(report.unit, report.template)] == [
        "computers_teaching",
        "internet_mbps",
        "internet_fibre",
    ]
    with pytest.raises(DomainErrors) as exc:
        reports.report_save(
            actor=principal,
            report=report,
            values={},
            facts={
                "computers_teaching": "2,5", "internet_mbps": "-1", "printers": "3",
                "internet_fibre": "2",
            },
        )  # fmt: skip
    assert [(i["code"], i["field"], i["message"]) for i in exc.value.as_list()] == [
        (
            "monitoring.fact_integer",
            "computers_teaching",
            "Số máy tính dùng được cho dạy học: phải là số nguyên.",
        ),
        ("monitoring.negative", "internet_mbps", "Băng thông Internet của trường: không được âm."),
        ("monitoring.fact_unknown", "printers", "printers: không có trong mẫu báo cáo."),
        (
            "monitoring.fact_yesno",
            "internet_fibre",
            "Trường kết nối Internet bằng cáp quang: chỉ nhận 1 (có) hoặc 0 (không).",
        ),
    ]
    report.refresh_from_db()
    assert report.facts == {}
    reports.report_save(
        actor=principal,
        report=report,
        values={},
        facts={"computers_teaching": "35", "internet_mbps": "100,5"},
    )
    v1 = reports.report_submit(actor=principal, report=report)
    reports.report_save(actor=principal, report=report, values={}, facts={"internet_mbps": ""})
    v2 = reports.report_submit(actor=principal, report=report)
    assert v1.payload["facts"] == {"computers_teaching": "35", "internet_mbps": "100.5"}
    assert v2.payload["facts"] == {"computers_teaching": "35", "internet_mbps": None}
    assert reports.reported_fact("computers_teaching") == {reform.school_a.pk: (Decimal(35), 2025)}
    assert reports.reported_fact("internet_mbps") == {}  # cleared in the latest version
    audit = AuditEvent.objects.filter(object_type="monitoring.report").order_by("id")
    assert audit.first().changes == {
        "computers_teaching": [None, "35"],
        "internet_mbps": [None, "100.5"],
    }
    # An office's report asks no facts.
    assert reports.report_facts(reform.lam_dong, report.template) == []


def test_schools_without_a_report_by_the_due_date_are_overdue(reform, principal):
    """The office chases the schools that have not submitted by 10/12: from the 11th they
    are overdue (a draft or no report at all); one submitted, even late, is not."""
    from edudx.accounts.models import User

    admin = User.objects.create_superuser("qtv_due", password="x")  # noqa: S106
    r = reports.report_get(actor=principal, unit=reform.school_a, year=2025)
    reports.report_submit(actor=principal, report=r, now=on(dt.date(2025, 12, 12)))

    def overdue(day):
        data = consolidated(actor=admin, unit=reform.ministry, year=2025, day=day)
        return data["counts"]["overdue"], [(s["name"], s["overdue"]) for s in data["schools"]]

    assert overdue(dt.date(2025, 12, 10)) == (
        0, [("Trường THCS Lê Lợi", False), ("Trường THCS Nguyễn Du", False)]
    )  # fmt: skip
    assert overdue(dt.date(2025, 12, 11)) == (
        1, [("Trường THCS Lê Lợi", False), ("Trường THCS Nguyễn Du", True)]
    )  # fmt: skip


def test_consolidated_report_carries_the_schools_facts_and_totals(reform, principal, officer):
    """The office's consolidation lists each school's facts (latest submitted up to the
    year, with its report year) and their totals, in the .xlsx sheet "Cơ sở vật chất" and
    as a sentence of the signed PDF. School A reports in 2025, then corrects its computers
    in a second version; school B last reported in 2024."""
    from pypdf import PdfReader

    from edudx.accounts.models import Role

    def submit(user, school, year, facts):
        r = reports.report_get(actor=user, unit=school, year=year)
        reports.report_save(actor=user, report=r, values={}, facts=facts)
        reports.report_submit(actor=user, report=r)

    principal_b = reform.user(Role.PRINCIPAL, reform.school_b)
    submit(principal, reform.school_a, 2025, {"computers_teaching": "12", "internet_mbps": "50"})
    submit(principal, reform.school_a, 2025, {"computers_teaching": "14", "internet_fibre": "0"})
    submit(principal_b, reform.school_b, 2024, {"computers_teaching": "8", "internet_fibre": "1"})

    # Lâm Đồng (school A since the reform): one school.
    wb = load_workbook(
        io.BytesIO(consolidated_xlsx(actor=officer, unit=reform.lam_dong, year=2025))
    )
    assert wb.sheetnames == ["Chỉ tiêu", "Báo cáo của trường", "Cơ sở vật chất"]
    assert list(wb["Cơ sở vật chất"].iter_rows(values_only=True)) == [
        ("Trường", "Mã", "Số máy tính dùng được cho dạy học (máy)",
         "Băng thông Internet của trường (Mbps)", "Trường kết nối Internet bằng cáp quang",
         "Số liệu của báo cáo năm"),
        ("Trường THCS Lê Lợi", reform.school_a.code, 14, 50, "Không", "2025"),
        ("Tổng cộng", None, 14, 50, 0, None),
        ("Số trường có số liệu", None, 1, 1, 1, None),
    ]  # fmt: skip

    # The whole tree (the ministry above both provinces): two schools, one from 2024.
    from edudx.accounts.models import User

    admin = User.objects.create_superuser("qtv_facts", password="x")  # noqa: S106
    data = consolidated(actor=admin, unit=reform.ministry, year=2025)
    assert [(s["name"], s["facts"], s["facts_year"]) for s in data["schools"]] == [
        ("Trường THCS Lê Lợi",
         {"computers_teaching": Decimal(14), "internet_mbps": Decimal(50),
          "internet_fibre": Decimal(0)}, [2025]),
        (reform.school_b.name,
         {"computers_teaching": Decimal(8), "internet_mbps": None,
          "internet_fibre": Decimal(1)}, [2024]),
    ]  # fmt: skip
    assert data["fact_totals"] == {
        "computers_teaching": {"sum": Decimal(22), "schools": 2},
        "internet_mbps": {"sum": Decimal(50), "schools": 1},
        "internet_fibre": {"sum": Decimal(1), "schools": 2},
    }
    rows = list(
        load_workbook(io.BytesIO(consolidated_xlsx(actor=admin, unit=reform.ministry, year=2025)))[
            "Cơ sở vật chất"
        ].iter_rows(values_only=True)
    )
    assert rows[1:] == [
        ("Trường THCS Lê Lợi", reform.school_a.code, 14, 50, "Không", "2025"),
        (reform.school_b.name, reform.school_b.code, 8, None, "Có", "2024"),
        ("Tổng cộng", None, 22, 50, 1, None),
        ("Số trường có số liệu", None, 2, 1, 2, None),
    ]

    pdf = consolidated_pdf(actor=officer, unit=reform.lam_dong, year=2025)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert (
        "Cơ sở vật chất, hạ tầng theo báo cáo của các trường: Số máy tính dùng được cho dạy "
        "học: 14 máy (1 trường); Băng thông Internet của trường: 50 Mbps (1 trường); Trường "
        "kết nối Internet bằng cáp quang: 0/1 trường."
    ) in text
