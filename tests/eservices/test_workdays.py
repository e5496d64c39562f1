import datetime as dt

import pytest

from edudx.eservices.workdays import Calendar, shipped_calendar

D = dt.date
CAL = shipped_calendar()


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        pytest.param(D(2026, 2, 9), 3, D(2026, 2, 12), id="plain-week"),
        pytest.param(D(2026, 2, 12), 3, D(2026, 2, 24), id="across-tet-2026"),
        pytest.param(D(2026, 2, 13), 1, D(2026, 2, 23), id="friday-before-tet"),
        pytest.param(D(2025, 1, 24), 1, D(2025, 2, 3), id="across-tet-2025"),
        pytest.param(D(2027, 2, 3), 2, D(2027, 2, 12), id="across-tet-2027"),
        pytest.param(D(2026, 11, 27), 1, D(2026, 11, 30), id="friday-to-monday"),
        pytest.param(D(2026, 11, 28), 1, D(2026, 11, 30), id="received-saturday"),
        pytest.param(D(2026, 4, 24), 3, D(2026, 5, 4), id="hung-kings-compensated-monday"),
        pytest.param(D(2026, 4, 29), 1, D(2026, 5, 4), id="april-30-may-1"),
        pytest.param(D(2025, 4, 25), 1, D(2025, 4, 26), id="make-up-saturday"),
        pytest.param(D(2026, 8, 31), 2, D(2026, 9, 4), id="national-day"),
        pytest.param(D(2026, 2, 14), 0, D(2026, 2, 23), id="zero-days-on-holiday"),
    ],
)
def test_add_working_days(start, days, due):
    assert CAL.add_working_days(start, days) == due


@pytest.mark.parametrize(
    ("start", "end", "n"),
    [
        pytest.param(D(2026, 2, 13), D(2026, 2, 23), 1, id="tet-week-counts-nothing"),
        pytest.param(D(2026, 11, 23), D(2026, 11, 30), 5, id="one-week"),
        pytest.param(D(2026, 11, 30), D(2026, 11, 30), 0, id="same-day"),
        pytest.param(D(2026, 12, 1), D(2026, 11, 30), 0, id="backwards"),
    ],
)
def test_working_days_between(start, end, n):
    assert CAL.working_days_between(start, end) == n


def test_holiday_table_covers_tet_2025_to_2027():
    tet = {d.year for d in CAL.holidays if d.month in (1, 2) and d.day > 1}
    assert tet == {2025, 2026, 2027}
    assert all(d.weekday() < 5 for d in CAL.holidays)


def test_added_days_override_the_table():
    cal = Calendar().merged(holidays=[D(2026, 12, 1)], workdays=[D(2026, 12, 5)])
    assert cal.add_working_days(D(2026, 11, 30), 1) == D(2026, 12, 2)
    assert cal.add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 5)
