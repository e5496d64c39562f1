"""Which school year is "current": the one a day falls in; between two years the one that
ended last (next year's exists months early, for admissions, with no class yet)."""

import datetime as dt

import pytest

from edudx.org import services
from edudx.org.selectors import school_year_current

pytestmark = pytest.mark.django_db


def year(code: str):
    first = int(code[:4])
    return services.school_year_create(
        actor=None,
        code=code,
        start_date=dt.date(first, 9, 5),
        end_date=dt.date(first + 1, 5, 31),
    )


def test_no_school_year_yet():
    assert school_year_current(dt.date(2026, 11, 30)) is None


def test_the_year_a_day_falls_in_else_the_one_that_ended_last():
    for code in ("2024-2025", "2025-2026", "2027-2028"):  # 2027-2028: admissions, no class
        year(code)

    def on(*day):
        return school_year_current(dt.date(*day)).code

    assert on(2025, 11, 30) == "2025-2026"
    assert on(2025, 9, 5) == "2025-2026"  # its first day
    assert on(2025, 9, 4) == "2024-2025"  # the summer before it
    assert on(2026, 5, 31) == "2025-2026"  # its last day
    assert on(2026, 11, 30) == "2025-2026"  # not the empty 2027-2028
    assert on(2027, 9, 5) == "2027-2028"
    assert on(2020, 1, 1) == "2024-2025"  # before any year began: the first
