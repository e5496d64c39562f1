"""Fees fixtures: the District of tests/factories.py with a bank account and fee items for
school A, a clerk of school A, a clerk of school B, and the mother of student_a1."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.fees import services
from edudx.fees.models import FeeKind, Invoice
from edudx.fees.statements import LineIn
from edudx.people import services as people_services
from tests.factories import person_data

SECRET = "bi-mat-cua-ngan-hang-demo"
ACCOUNT_CODE = "le-loi-vcb"
WHEN = dt.datetime(2025, 10, 6, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def account(district, monkeypatch):
    monkeypatch.setenv("EDUDX_BANK_SECRET_LE_LOI_VCB", SECRET)
    return services.bank_account_save(
        actor=None,
        school=district.school_a,
        code=ACCOUNT_CODE,
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0123456789",
        account_name="TRUONG THCS LE LOI",
    )


@pytest.fixture
def items(district):
    return [
        services.fee_item_create(
            actor=None,
            school=district.school_a,
            school_year=district.year,
            kind=FeeKind.TUITION,
            name="Học phí học kỳ I",
            amount=1_250_000,
            area="rural",
        ),
        services.fee_item_create(
            actor=None,
            school=district.school_a,
            school_year=district.year,
            kind=FeeKind.INSURANCE,
            name="Bảo hiểm y tế",
            amount=680_400,
        ),
    ]


@pytest.fixture
def invoices(district, items, account):
    """HK1 invoices for class 6A1: student_a1 and student_a2, 1.930.400 đ each."""
    result = services.invoices_generate(
        actor=None,
        school=district.school_a,
        school_year=district.year,
        period="HK1",
        title="Học phí và BHYT học kỳ I",
    )
    by_student = {i.student_id: i for i in result.invoices}
    return by_student[district.student_a1.pk], by_student[district.student_a2.pk]


@pytest.fixture
def clerk(district):
    return district.user(Role.CLERK, district.school_a)


@pytest.fixture
def clerk_b(district):
    return district.user(Role.CLERK, district.school_b)


@pytest.fixture
def guardian(district):
    mother = people_services.person_create(
        actor=None, data=person_data("Đỗ Thị Mai", dt.date(1988, 1, 2), "F")
    )
    people_services.guardian_link(
        actor=None, guardian=mother, student=district.student_a1, relationship="mother"
    )
    return district.user(Role.GUARDIAN, None, person=mother)


def line(txn: str, amount: int, content: str, when=WHEN) -> LineIn:
    return LineIn(txn, when, amount, content)


def now():
    return timezone.now()


def issue_fee(unit, code: str, amount: int, payer: str) -> Invoice:
    return services.invoice_issue(
        actor=None,
        unit=unit,
        source=f"eservices.dossier:{code}",
        title=f"Lệ phí hồ sơ {code}",
        amount=amount,
        payer_name=payer,
        payer_phone="0912345678",
    )


@pytest.fixture
def desk(district):
    """The fees desks of both communes (an account each), their officers, the province's
    officer, and three dossier invoices: two of Xã Nam Bình, one of Xã Thuận Hà."""
    d = district
    for unit, code, number in (
        (d.commune_a, "xa-nam-binh-vcb", "0011223344"),
        (d.commune_b, "xa-thuan-ha-vcb", "5566778899"),
    ):
        services.bank_account_save(
            actor=None,
            school=unit,
            code=code,
            bank_bin="970436",
            bank_name="Vietcombank",
            account_number=number,
            account_name="UBND XA",
        )
    return SimpleNamespace(
        officer_a=d.user(Role.COMMUNE_OFFICER, d.commune_a),
        officer_b=d.user(Role.COMMUNE_OFFICER, d.commune_b),
        province=d.user(Role.PROVINCE_OFFICER, d.province),
        inv_a=issue_fee(d.commune_a, "HSA0000001", 20_000, "Trần Thị Bình"),
        inv_a2=issue_fee(d.commune_a, "HSA0000002", 15_000, "Phạm Văn An"),
        inv_b=issue_fee(d.commune_b, "HSB0000001", 30_000, "Lê Văn Cường"),
    )
