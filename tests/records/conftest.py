"""Records fixtures: the District from tests/factories.py, plus helpers for attendance."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from edudx.accounts.models import Role
from edudx.people import services as people_services
from edudx.records import services
from edudx.records.services import MarkIn
from tests.factories import person_data

DAY = dt.date(2025, 10, 6)  # a Monday inside the District's 2025-2026 school year


@pytest.fixture
def on_day():
    """The clock at 08:00 on DAY (Vietnam time), ticking: for pages and API calls that
    check dates against today (leave for a month already over is refused)."""
    with time_machine.travel(dt.datetime(2025, 10, 6, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        yield DAY


def school_days(start: dt.date, n: int) -> list[dt.date]:
    """n weekdays from `start` on."""
    out, day = [], start
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def take(actor, cls, day, session="am", **statuses):
    """attendance_save with marks given as student_id=status keyword pairs (s<ID>=...)."""
    marks = [MarkIn(int(k[1:]), v) for k, v in statuses.items()]
    return services.attendance_save(
        actor=actor, class_group=cls, day=day, session=session, marks=marks
    )


@pytest.fixture
def teacher(district):
    return district.teacher_user()


@pytest.fixture
def guardian(district):
    """Mother of student_a1, with a guardian account."""
    mother = people_services.person_create(
        actor=None, data=person_data("Đỗ Thị Mai", dt.date(1988, 1, 2), "F")
    )
    people_services.guardian_link(
        actor=None, guardian=mother, student=district.student_a1, relationship="mother"
    )
    return district.user(Role.GUARDIAN, None, person=mother)
