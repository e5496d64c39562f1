"""Attendance session codes and the thresholds the flags use. Pure, no database.

A session is a half-day ("buổi": `am`, `pm`) or one period (`p1`…`p10`). The codes sort in
time order within a day for half-days ("am" < "pm"), which the streak query relies on.
Summaries and flags count half-days only: Circular 22/2021 counts "buổi", and a school
that also records period attendance would otherwise count one absence several times."""

import datetime as dt
import os

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edudx.core.errors import DomainError

AM, PM = "am", "pm"
HALF_DAYS = (AM, PM)
MAX_PERIOD = 10
PERIODS = tuple(f"p{n}" for n in range(1, MAX_PERIOD + 1))
SESSIONS = HALF_DAYS + PERIODS

# Circular 22/2021/TT-BGDĐT, Art. 12(1)(c): a student absent more than 45 sessions in a
# school year (excused or not, consecutive or not) is not promoted without re-assessment.
ABSENCE_LIMIT = 45
DEFAULT_STREAK = 3

_LABELS = {AM: gettext_lazy("Buổi sáng"), PM: gettext_lazy("Buổi chiều")}


def session_label(code: str) -> str:
    if code in _LABELS:
        return str(_LABELS[code])
    return _("Tiết %(n)s") % {"n": code[1:]}


def session_choices() -> list[tuple[str, str]]:
    return [(c, session_label(c)) for c in SESSIONS]


def parse_session(value, field: str = "session") -> str:
    code = str(value or "").strip().lower()
    aliases = {"morning": AM, "sang": AM, "afternoon": PM, "chieu": PM}
    code = aliases.get(code, code)
    if code.isdigit():
        code = f"p{int(code)}"
    if code not in SESSIONS:
        raise DomainError(
            "attendance.session",
            _("Buổi học không hợp lệ: dùng am (sáng), pm (chiều) hoặc p1…p%(n)s (tiết).")
            % {"n": MAX_PERIOD},
            field=field,
        )
    return code


def absence_streak() -> int:
    """N consecutive absent sessions that raise the early-dropout flag: setting
    ABSENCE_STREAK, else environment EDUDX_ABSENCE_STREAK, else 3."""
    value = getattr(settings, "ABSENCE_STREAK", None)
    if value is None:
        value = os.environ.get("EDUDX_ABSENCE_STREAK", DEFAULT_STREAK)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return DEFAULT_STREAK


def month_range(month: str, field: str = "month") -> tuple[dt.date, dt.date]:
    """'10/2025' (mm/yyyy, as people write it) or '2025-10' (ISO) → (2025-10-01, 2025-10-31)."""
    text = month.strip() if isinstance(month, str) else ""
    try:
        if "/" in text:
            mon, year = (int(p) for p in text.split("/"))
        else:
            year, mon = (int(p) for p in text.split("-"))
        start = dt.date(year, mon, 1)
    except ValueError:
        raise DomainError(
            "attendance.month",
            _("Tháng không hợp lệ; dùng định dạng mm/yyyy (ví dụ 10/2025)."),
            field=field,
        ) from None
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def trailing_run(session_ids: list[int], absent: set[int]) -> int:
    """How many of `session_ids` (newest first) in a row, from the newest, are in `absent`."""
    n = 0
    for sid in session_ids:
        if sid not in absent:
            break
        n += 1
    return n
