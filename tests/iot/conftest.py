"""IoT fixtures on the District of tests/factories.py: a principal and a clerk of school A,
the principal of school B, a classroom sensor in each school."""

import datetime as dt

import pytest

from edudx.accounts.models import Role
from edudx.iot import services
from tests.pages.conftest import otp_login

T0 = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)  # 08:00 in Asia/Ho_Chi_Minh


@pytest.fixture
def principal(district):
    return district.user(Role.PRINCIPAL, district.school_a)


@pytest.fixture
def clerk(district):
    return district.user(Role.CLERK, district.school_a)


@pytest.fixture
def principal_b(district):
    return district.user(Role.PRINCIPAL, district.school_b)


@pytest.fixture
def officer(district):
    return district.user(Role.COMMUNE_OFFICER, district.district)


@pytest.fixture
def sensor(district, principal):
    # The built-in rules are there: tests/conftest.py puts the rows migrations load back
    # after a transactional test's flush.
    device, secret = services.device_register(
        actor=principal,
        school=district.school_a,
        device_id="LL-6A1-env",
        name="Cảm biến phòng 6A1",
        location="Phòng 6A1",
        kind="classroom_env",
    )
    device.secret = secret
    return device


@pytest.fixture
def sensor_b(district, principal_b):
    device, secret = services.device_register(
        actor=principal_b,
        school=district.school_b,
        device_id="ND-6B1-env",
        name="Cảm biến phòng 6B1",
        location="Phòng 6B1",
        kind="classroom_env",
    )
    device.secret = secret
    return device


@pytest.fixture
def as_user(client):
    def _as(user):
        return otp_login(client, user)

    return _as


def at(minutes: float) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def co2(*pairs) -> list[dict]:
    """[(minute, ppm), …] → readings of co2_ppm."""
    return [{"metric": "co2_ppm", "value": v, "ts": at(m)} for m, v in pairs]
