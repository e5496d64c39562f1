"""The columns of a "Bảng điểm" and how one cell is read. No database access.

Which columns a subject has, and how a typed value is checked, come from the rules:
a secondary score subject has `regular_assessment_count(periods)` ĐĐGtx columns plus ĐĐGgk
and ĐĐGck, each read by `rules.parse_mark`; a comment-only subject has 2 ĐĐGtx, ĐĐGgk and
ĐĐGck rated Đ / CĐ (Circular 22/2021, Art. 6(2)(a), 7(2)); a primary subject has its
term rating (T / H / C) and, where Circular 27/2020 sets a periodic test, whole-number
scores read by `rules.parse_test_score`."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from edudx.core.errors import DomainError

from . import rules
from .models import AssessedBy, MarkKind

PRIMARY_GRADES = range(1, 6)

# Comment codes as stored, with what a teacher types for them.
PASS, FAIL = rules.Comment.PASS.code, rules.Comment.FAIL.code
_COMMENT_INPUT = {
    "đ": PASS,
    "d": PASS,
    "đạt": PASS,
    "dat": PASS,
    "cđ": FAIL,
    "cd": FAIL,
    "chưa đạt": FAIL,
    "chua dat": FAIL,
    "chua_dat": FAIL,
}
_COMMENT_SHOWN = {PASS: "Đ", FAIL: "CĐ"}
_RATING_INPUT = {
    "t": "htt",
    "htt": "htt",
    "h": "ht",
    "ht": "ht",
    "c": "cht",
    "cht": "cht",
}
_RATING_SHOWN = {"htt": "T", "ht": "H", "cht": "C"}


@dataclass(frozen=True)
class Column:
    kind: str  # MarkKind value
    label: str  # as printed on the Bảng điểm header
    reader: str  # "mark" | "comment" | "test_score" | "rating"


@dataclass(frozen=True)
class Layout:
    """The columns of one subject's sheet for one class (grade) and term."""

    columns: tuple[Column, ...]
    scored: bool  # secondary score subject: has a term average (ĐTBmhk)
    primary: bool

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(c.kind for c in self.columns)

    def column(self, kind: str) -> Column | None:
        return next((c for c in self.columns if c.kind == kind), None)


def layout(*, grade: int, subject_code: str, assessed_by: str, periods: int, term: int) -> Layout:
    if grade in PRIMARY_GRADES:
        cols = [Column(MarkKind.RATING, _("Mức đạt được"), "rating")]
        mid, end = (
            (rules.Checkpoint.MID_TERM_1, rules.Checkpoint.END_TERM_1)
            if term == 1
            else (rules.Checkpoint.MID_TERM_2, rules.Checkpoint.END_OF_YEAR)
        )
        if subject_code in rules.periodic_test_subjects(grade, mid):
            cols.append(Column(MarkKind.GK, _("KTĐK giữa kì"), "test_score"))
        if subject_code in rules.periodic_test_subjects(grade, end):
            cols.append(Column(MarkKind.CK, _("KTĐK cuối kì"), "test_score"))
        return Layout(tuple(cols), scored=False, primary=True)
    if assessed_by == AssessedBy.COMMENT:
        n, reader = rules.secondary.COMMENT_REGULAR_PER_TERM, "comment"
    else:
        n, reader = rules.regular_assessment_count(max(periods, 1)), "mark"
    regular = [Column(MarkKind(f"tx{i}"), f"ĐĐGtx{i}", reader) for i in range(1, n + 1)]
    return Layout(
        (*regular, Column(MarkKind.GK, "ĐĐGgk", reader), Column(MarkKind.CK, "ĐĐGck", reader)),
        scored=assessed_by != AssessedBy.COMMENT,
        primary=False,
    )


def parse_cell(column: Column, text, *, field: str) -> tuple[Decimal | None, str]:
    """(value, comment) for a non-empty cell; DomainError naming `field` otherwise."""
    if column.reader == "mark":
        return rules.parse_mark(text, field=field), ""
    if column.reader == "test_score":
        return Decimal(rules.parse_test_score(text, field=field)).quantize(Decimal("0.1")), ""
    raw = str(text).strip().lower()
    table = _COMMENT_INPUT if column.reader == "comment" else _RATING_INPUT
    if raw in table:
        return None, table[raw]
    if column.reader == "comment":
        message = _("“%(v)s” không hợp lệ: nhập Đ (Đạt) hoặc CĐ (Chưa đạt).")
    else:
        message = _(
            "“%(v)s” không hợp lệ: nhập T (Hoàn thành tốt), H (Hoàn thành) "
            "hoặc C (Chưa hoàn thành)."
        )
    raise DomainError("records.mark.comment", message % {"v": str(text).strip()}, field=field)


def shown(value: Decimal | None, comment: str) -> str:
    """A stored mark as a teacher reads it: "8,5", "10", "Đ", "CĐ", "T"."""
    if comment:
        return _COMMENT_SHOWN.get(comment) or _RATING_SHOWN.get(comment, comment)
    if value is None:
        return ""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",")


def is_blank(text) -> bool:
    return text is None or str(text).strip() == ""
