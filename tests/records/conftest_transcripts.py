"""Transcript fixtures: a demo PKI made once per test session in a temporary VAR_DIR, the
District's principal at school A, results of student A1 for the 2025-2026 year."""

import datetime as dt
import os
import shutil
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.people import services as people_services
from edudx.records.models import YEAR, StudentResult, Subject, SubjectResult
from tests.factories import person_data

from .conftest import take

# Subject averages of student A1 (terms I, II, year); comment-only subjects' results.
SCORES = {
    "toan": ("8.5", "9.0", "8.8"),
    "ngu_van": ("7.2", "8.0", "7.7"),
}
COMMENTS = {"giao_duc_the_chat": ("dat", "dat", "dat")}
COMMENT = "Chăm ngoan, tiến bộ rõ rệt; cần mạnh dạn phát biểu hơn."


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def pki_in_tmp(settings, var_dir):
    """The demo PKI (made on first use) and its trusted root live in a temporary VAR_DIR."""
    settings.VAR_DIR = var_dir
    settings.PUBLIC_BASE_URL = "https://edudx.example.vn"
    cache.clear()  # the verification uploads' rate limit counts per address


@pytest.fixture
def principal(district):
    person = people_services.person_create(
        actor=None, data=person_data("Võ Thị Hồng Nhung", dt.date(1975, 2, 3), "F")
    )
    return district.user(Role.PRINCIPAL, district.school_a, person=person)


@pytest.fixture
def results(district, teacher):
    """Student A1: two absences in term I (one excused, one not), results in three subjects
    and for the year."""
    a1 = district.student_a1
    take(teacher, district.class_a, dt.date(2025, 10, 6), "am", **{f"s{a1.pk}": "excused"})
    take(teacher, district.class_a, dt.date(2025, 10, 7), "am", **{f"s{a1.pk}": "unexcused"})
    now = timezone.now()
    rows = []
    for code, values in {**SCORES, **COMMENTS}.items():
        subject = Subject.objects.get(code=code)
        for period, value in zip((1, 2, YEAR), values, strict=True):
            rows.append(
                SubjectResult(
                    student=a1,
                    class_group=district.class_a,
                    school_year=district.year,
                    subject=subject,
                    period=period,
                    average=Decimal(value) if code in SCORES else None,
                    comment=value if code in COMMENTS else "",
                    complete=True,
                    computed_at=now,
                )
            )
    SubjectResult.objects.bulk_create(rows)
    for period, learning, conduct in ((1, "kha", "tot"), (2, "tot", "tot"), (YEAR, "tot", "tot")):
        StudentResult.objects.create(
            student=a1,
            class_group=district.class_a,
            school_year=district.year,
            period=period,
            learning=learning,
            conduct=conduct,
            status="PROMOTED" if period == YEAR else "",
            title="GOOD" if period == YEAR else "",
            complete=True,
            computed_at=now,
        )
    return a1


def tool(name: str) -> str:
    """A poppler tool; CI installs poppler-utils, so there a missing tool is a failure."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: .ci/run must apt-get install poppler-utils")
        pytest.skip(f"{name} not installed (apt-get install poppler-utils)")
    return path


def flip(data: bytes, at: int) -> bytes:
    """One byte changed: a digit becomes another digit, so the file still parses."""
    new = b"7" if data[at : at + 1] != b"7" else b"3"
    return data[:at] + new + data[at + 1 :]


def first_revision_byte(data: bytes, reference: str) -> int:
    """A character of the reference in the document's /Subject (the first revision)."""
    return data.index(reference.encode()) + len("HB-12")
