"""Working-day arithmetic for processing deadlines. Pure functions over a `Calendar`
(weekends, public holidays, make-up working days): no database access here.

Decree 61/2018/NĐ-CP, Art. 21 and Decree 107/2021/NĐ-CP: a procedure's processing time
counts working days from the day after the dossier is received; Saturdays, Sundays and
public holidays (Labour Code 2019, Art. 112, including the lunar Tết days) do not count,
and the clock stops while the applicant is asked to supplement the dossier."""

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "holidays.json"


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    # Saturdays or Sundays worked in exchange for a bridged holiday.
    workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start` (`start` itself does not count);
        with days=0, `start` or the next working day if `start` is not one."""
        day = start
        if days <= 0:
            while not self.is_working_day(day):
                day += dt.timedelta(days=1)
            return day
        left = days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (0 when end <= start)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def merged(self, holidays=(), workdays=()) -> "Calendar":
        return Calendar(
            holidays=(self.holidays | frozenset(holidays)) - frozenset(workdays),
            workdays=(self.workdays | frozenset(workdays)) - frozenset(holidays),
        )


@cache
def shipped_calendar() -> Calendar:
    """The holiday table shipped in data/holidays.json."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return Calendar(
        holidays=frozenset(dt.date.fromisoformat(d) for d, _name in raw["holidays"]),
        workdays=frozenset(dt.date.fromisoformat(d) for d, _name in raw["workdays"]),
    )


def holiday_names() -> dict[dt.date, str]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return {dt.date.fromisoformat(d): name for d, name in raw["holidays"]}


def due_date(
    cal: Calendar,
    received_on: dt.date,
    days: int,
    pauses: list[tuple[dt.date, dt.date]] = (),
) -> dt.date:
    """The processing deadline: `days` working days after `received_on`, moved on by the
    working days of each answered supplement pause (requested on, answered on) — the
    clock stops from the request until the answer (Decree 61/2018/NĐ-CP, Art. 21)."""
    due = cal.add_working_days(received_on, days)
    for paused, resumed in pauses:
        due = cal.add_working_days(due, cal.working_days_between(paused, resumed))
    return due
