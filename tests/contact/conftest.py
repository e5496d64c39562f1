"""Contact-book fixtures on the District of tests/factories.py: a guardian per class, the
homeroom teacher of 6A1 (Lê Thị Hoa), the teacher of 6B1, the principal of school A."""

import datetime as dt

import pytest

from edudx.accounts.models import Role
from edudx.people import services as people_services
from tests.factories import person_data
from tests.pages.conftest import otp_login


def make_guardian(district, student, name, username, phone="0912345678"):
    person = people_services.person_create(
        actor=None,
        data=person_data(name, dt.date(1985, 1, 2), "F", phone=phone, email=f"{username}@x.vn"),
    )
    people_services.guardian_link(
        actor=None, guardian=person, student=student, relationship="mother"
    )
    return district.user(Role.GUARDIAN, None, person=person, username=username)


@pytest.fixture
def guardian(district):
    """Mother of student_a1 (6A1, school A)."""
    return make_guardian(district, district.student_a1, "Đỗ Thị Mai", "me_an")


@pytest.fixture
def guardian_b(district):
    """Mother of student_b1 (6B1, school B)."""
    return make_guardian(district, district.student_b1, "Vũ Thị Lan", "me_cuong", "0987654321")


@pytest.fixture
def teacher(district):
    """Lê Thị Hoa: homeroom teacher of 6A1 (and its maths teacher)."""
    return district.teacher_user(district.teacher_a)


@pytest.fixture
def teacher_b(district):
    """Phạm Văn Nam: teaches literature in 6B1 only."""
    return district.teacher_user(district.teacher_b)


@pytest.fixture
def principal(district):
    return district.user(Role.PRINCIPAL, district.school_a)


@pytest.fixture
def as_user(client):
    def _as(user):
        return otp_login(client, user)

    return _as


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The anonymous-feedback limit counts per address in the cache (local memory, shared
    by the tests of one process): each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
