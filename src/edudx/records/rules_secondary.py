"""Assessment rules for lower and upper secondary (THCS, THPT): Circular 22/2021/TT-BGDĐT.

Pure functions over marks and levels: no database, no models. Imports, pages, the API,
reports and the year-end benchmark all call these, so a rule lives in exactly one place.

Arithmetic is exact. Marks have at most one decimal (Art. 5(2)), so they are `Decimal`
values and every average is a ratio of such numbers; it is rounded half-up to one decimal
with `ROUND_HALF_UP` (8.25 → 8.3). Binary floats cannot do this: Python's `round` rounds
half to even (round(8.25, 1) == 8.2) and most x.x5 values are not exact in binary
(66.8 / 8 == 8.35 is stored as 8.3499…, which rounds to 8.3). An exact tie only arises
for subjects with 3 ĐĐGtx (divisor 8); divisors 7, 9 and the year's 3 never give one.

Subjects are keyed by the curriculum codes of `data/curriculum_2018.csv` (`toan`,
`ngu_van`, …) but any hashable key works: the rules only count."""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import IntEnum

from django.utils.translation import gettext as _

from edudx.core.errors import DomainError

# --- Marks -----------------------------------------------------------------------------

MARK_MIN = Decimal("0")
MARK_MAX = Decimal("10")
TENTH = Decimal("0.1")


# Every valid mark, 0.0 to 10.0 in tenths, by value (Decimal("8.50") finds Decimal("8.5")).
_MARKS = {Decimal(i).scaleb(-1): Decimal(i).scaleb(-1) for i in range(101)}
# The same marks as whole tenths (8.5 → 85) and back: the averages below are exact integer
# arithmetic on tenths when every mark is one of these (a year-end run averages millions).
_TENTHS_OF = {mark: i for i, mark in enumerate(_MARKS.values())}
_OF_TENTHS = tuple(_MARKS.values())


class MarkError(DomainError):
    """A mark a teacher typed is not a number from 0 to 10 with at most one decimal."""


def parse_mark(text: str | int | Decimal, *, field: str | None = None) -> Decimal:
    """Read one assessment mark (ĐĐGtx, ĐĐGgk or ĐĐGck) as typed by a teacher.

    Accepts "8", "8.5", "8,5" (Vietnamese decimal comma), " 10 ", "0"; returns the value
    with one decimal place (`Decimal("8.5")`, `Decimal("8.0")`). Raises `MarkError` for an
    empty value, anything that is not a plain decimal number, a value outside 0–10 or more
    than one decimal ("8.25"). A student who misses an assessment and its make-up gets 0,
    so 0 is a valid mark (Art. 6(4), Art. 7(4))."""
    # Circular 22/2021/TT-BGDĐT, Art. 5(2): marks are on a 10-point scale, "là số nguyên
    # hoặc số thập phân được lấy đến chữ số thập phân thứ nhất".
    if type(text) is Decimal:
        canonical = _MARKS.get(text)  # the 101 valid values (a year-end run checks millions)
        if canonical is not None:
            return canonical
    if isinstance(text, bool):
        raise MarkError("records.mark.invalid", _("Điểm phải là một số."), field=field)
    if isinstance(text, int):
        text = str(text)
    if isinstance(text, Decimal):
        value = text
    else:
        raw = str(text or "").strip()
        if not raw:
            raise MarkError("records.mark.empty", _("Chưa nhập điểm."), field=field)
        normalised = raw.replace(",", ".", 1)
        digits = normalised.replace(".", "", 1)
        if not (digits.isascii() and digits.isdigit()):
            raise MarkError(
                "records.mark.invalid",
                _("Điểm “%(value)s” không hợp lệ: nhập số từ 0 đến 10, ví dụ 8 hoặc 8,5.")
                % {"value": raw},
                field=field,
            )
        try:
            value = Decimal(normalised)
        except InvalidOperation:  # pragma: no cover - the digit check above prevents it
            raise MarkError(
                "records.mark.invalid", _("Điểm phải là một số."), field=field
            ) from None
    if not value.is_finite() or not MARK_MIN <= value <= MARK_MAX:
        raise MarkError(
            "records.mark.range",
            _("Điểm phải từ 0 đến 10 (đã nhập %(value)s).") % {"value": text},
            field=field,
        )
    if value != value.quantize(TENTH):
        raise MarkError(
            "records.mark.decimals",
            _("Điểm chỉ có tối đa một chữ số thập phân (đã nhập %(value)s).") % {"value": text},
            field=field,
        )
    return value.quantize(TENTH)


def round_half_up(value: Decimal) -> Decimal:
    """Round to one decimal, halves away from zero: 8.25 → 8.3, 8.35 → 8.4, 8.24 → 8.2."""
    # Circular 22/2021/TT-BGDĐT, Art. 9(1)(b): ĐTBmhk, ĐTBmcn "là số nguyên hoặc số thập
    # phân được lấy đến chữ số thập phân thứ nhất sau khi làm tròn số" - ordinary
    # (half-up) rounding as taught in school, never banker's rounding.
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def regular_assessment_count(periods_per_year: int) -> int:
    """How many regular-assessment marks (ĐĐGtx) a score subject records each term.

    35 periods a year → 2; over 35 up to 70 → 3; over 70 → 4. A subject with fewer than 35
    periods (none in CT GDPT 2018 at secondary) is treated like 35."""
    # Circular 22/2021/TT-BGDĐT, Art. 6(2)(b): "Môn học có 35 tiết/năm học: 02 ĐĐGtx; môn
    # học có trên 35 tiết/năm học đến 70 tiết/năm học: 03 ĐĐGtx; môn học có trên 70
    # tiết/năm học: 04 ĐĐGtx."
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int):
        raise TypeError("periods_per_year must be an int")
    if periods_per_year <= 0:
        raise ValueError("periods_per_year must be positive")
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


# Circular 22/2021/TT-BGDĐT, Art. 6(2)(a) and Art. 7(2): a comment-only subject has 2
# regular assessments, 1 midterm and 1 final assessment each term.
COMMENT_REGULAR_PER_TERM = 2


def _tenths(marks: Sequence[Decimal]) -> list[int] | None:
    """The marks as whole tenths when every one is a valid `Decimal` mark, else None (the
    caller then takes the checking path, which raises the right error)."""
    out = []
    for m in marks:
        if type(m) is not Decimal:
            return None
        try:
            t = _TENTHS_OF.get(m)
        except TypeError:  # a signalling NaN cannot be hashed
            return None
        if t is None:
            return None
        out.append(t)
    return out


def _half_up(total_tenths: int, divisor: int) -> int:
    """round_half_up(total_tenths / divisor) for non-negative integers, exactly:
    ⌊total/divisor + ½⌋ = ⌊(2·total + divisor) / (2·divisor)⌋."""
    return (2 * total_tenths + divisor) // (2 * divisor)


def mark_from_tenths(tenths: int) -> Decimal:
    """A mark or average given in whole tenths as its `Decimal` (85 → Decimal("8.5"))."""
    return _OF_TENTHS[tenths]


def _check_marks(marks: Iterable[Decimal]) -> list[Decimal]:
    checked = []
    for m in marks:
        if not isinstance(m, Decimal):
            raise TypeError("marks must be Decimal values (use parse_mark)")
        checked.append(parse_mark(m))
    return checked


def term_average(
    regular: Sequence[Decimal],
    midterm: Decimal,
    final: Decimal,
    *,
    periods_per_year: int | None = None,
) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (number of ĐĐGtx + 5), rounded half-up.

    `regular` are the term's ĐĐGtx marks. With `periods_per_year` the count is checked
    against `regular_assessment_count` (ValueError when it differs)."""
    # Circular 22/2021/TT-BGDĐT, Art. 9(1)(b): "ĐTBmhk = (TĐĐGtx + 2 x ĐĐGgk + 3 x ĐĐGck)
    # / (Số ĐĐGtx + 5)".
    tenths = _tenths((*regular, midterm, final)) if periods_per_year is None else None
    if tenths is not None:
        n = len(tenths) - 2
        return _OF_TENTHS[term_average_tenths(tenths[:n], tenths[n], tenths[n + 1])]
    regular_marks = _check_marks(regular)
    midterm_mark, final_mark = _check_marks((midterm, final))
    if periods_per_year is not None:
        expected = regular_assessment_count(periods_per_year)
        if len(regular_marks) != expected:
            raise ValueError(
                f"{len(regular_marks)} regular marks given, {expected} expected "
                f"for {periods_per_year} periods a year"
            )
    total = sum(regular_marks, Decimal(0)) + 2 * midterm_mark + 3 * final_mark
    return round_half_up(total / (len(regular_marks) + 5))


def year_average(first_term: Decimal, second_term: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3 from the (already rounded) term averages."""
    # Circular 22/2021/TT-BGDĐT, Art. 9(1)(b): "ĐTBmcn = (ĐTBmhkI + 2 x ĐTBmhkII) / 3".
    tenths = _tenths((first_term, second_term))
    if tenths is not None:
        return _OF_TENTHS[year_average_tenths(*tenths)]
    first, second = _check_marks((first_term, second_term))
    return round_half_up((first + 2 * second) / 3)


def term_average_tenths(regular: Sequence[int], midterm: int, final: int) -> int:
    """`term_average` of marks given in whole tenths (8.5 → 85), as a database stores
    them, with the average in tenths: the same formula and exact half-up rounding, for
    callers that average millions of stored marks (the year end). The marks are not
    re-checked: they must be valid marks (0 to 100 tenths)."""
    # Circular 22/2021/TT-BGDĐT, Art. 9(1)(b), as `term_average`.
    return _half_up(sum(regular) + 2 * midterm + 3 * final, len(regular) + 5)


def year_average_tenths(first_term: int, second_term: int) -> int:
    """`year_average` of term averages in whole tenths, in tenths."""
    # Circular 22/2021/TT-BGDĐT, Art. 9(1)(b), as `year_average`.
    return _half_up(first_term + 2 * second_term, 3)


# --- Levels ----------------------------------------------------------------------------


class Level(IntEnum):
    """Tốt / Khá / Đạt / Chưa đạt, for both learning (học tập) and conduct (rèn luyện).

    Ordered: `Level.GOOD > Level.FAIR > Level.PASS > Level.FAIL`, so `level >= Level.PASS`
    reads "at least Đạt". `.code` is the stable string for storage and the API."""

    # Circular 22/2021/TT-BGDĐT, Art. 8(1) (conduct) and Art. 9(2) (learning): four levels.
    FAIL = 0
    PASS = 1
    FAIR = 2
    GOOD = 3

    @property
    def code(self) -> str:
        return _LEVEL_CODES[self]

    @property
    def label(self) -> str:
        return {
            Level.GOOD: _("Tốt"),
            Level.FAIR: _("Khá"),
            Level.PASS: _("Đạt"),
            Level.FAIL: _("Chưa đạt"),
        }[self]

    @classmethod
    def from_code(cls, code: str) -> "Level":
        for level, c in _LEVEL_CODES.items():
            if c == code:
                return level
        raise ValueError(f"unknown level code {code!r}")


_LEVEL_CODES = {Level.GOOD: "tot", Level.FAIR: "kha", Level.PASS: "dat", Level.FAIL: "chua_dat"}


class Comment(IntEnum):
    """Đạt / Chưa đạt: the result of a comment-only subject (and of each of its assessments)."""

    # Circular 22/2021/TT-BGDĐT, Art. 5(1)(b), Art. 9(1)(a).
    FAIL = 0
    PASS = 1

    @property
    def code(self) -> str:
        return "dat" if self is Comment.PASS else "chua_dat"

    @property
    def label(self) -> str:
        return _("Đạt") if self is Comment.PASS else _("Chưa đạt")


# Circular 22/2021/TT-BGDĐT, Art. 5(1)(b): assessed by comment only - "Giáo dục thể chất,
# Nghệ thuật, Âm nhạc, Mĩ thuật, Nội dung giáo dục của địa phương, Hoạt động trải nghiệm,
# hướng nghiệp"; every other subject is assessed by comment and score (Art. 5(2)).
# Curriculum codes as in data/curriculum_2018.csv (the CSV's `assessed_by` column is the
# source of truth for a given school; this set is the circular's list).
COMMENT_ONLY_SUBJECTS = frozenset(
    {
        "giao_duc_the_chat",
        "nghe_thuat",
        "am_nhac",
        "mi_thuat",
        "giao_duc_dia_phuong",
        "hdtn_huong_nghiep",
    }
)


def comment_term_result(
    regular: Sequence[Comment], midterm: Comment | None, final: Comment | None
) -> Comment:
    """A comment-only subject's term result: Đạt only with every assessment present
    (2 regular, the midterm and the final) and every one of them Đạt."""
    # Circular 22/2021/TT-BGDĐT, Art. 9(1)(a): "Mức Đạt: Có đủ số lần kiểm tra, đánh giá
    # theo quy định tại Thông tư này và tất cả các lần được đánh giá mức Đạt. Mức Chưa đạt:
    # Các trường hợp còn lại."
    complete = len(regular) >= COMMENT_REGULAR_PER_TERM and None not in (midterm, final)
    every = [*regular, midterm, final]
    if complete and all(c is Comment.PASS for c in every):
        return Comment.PASS
    return Comment.FAIL


def comment_year_result(second_term: Comment) -> Comment:
    """A comment-only subject's year result is its term II result."""
    # Circular 22/2021/TT-BGDĐT, Art. 9(1)(a): "Cả năm học ... Mức Đạt: Kết quả học tập học
    # kì II được đánh giá mức Đạt. Mức Chưa đạt: Kết quả học tập học kì II được đánh giá mức
    # Chưa đạt."
    return second_term


# --- Learning result (kết quả học tập), Article 9(2) and 9(3) ---------------------------

# Circular 22/2021/TT-BGDĐT, Art. 9(2): the thresholds of each level. "at least 06
# subjects" counts score subjects only.
MIN_SUBJECTS = 6
GOOD_FLOOR, GOOD_HIGH = Decimal("6.5"), Decimal("8.0")
FAIR_FLOOR, FAIR_HIGH = Decimal("5.0"), Decimal("6.5")
PASS_HIGH, PASS_FLOOR = Decimal("5.0"), Decimal("3.5")

# Tốt and Khá share a shape: every comment subject Đạt, every score subject ≥ floor, at
# least 6 score subjects ≥ high.
_SHAPED = {Level.GOOD: (GOOD_FLOOR, GOOD_HIGH), Level.FAIR: (FAIR_FLOOR, FAIR_HIGH)}


def _meets(level: Level, averages: Sequence[Decimal], comments: Sequence[Comment]) -> bool:
    if level is Level.FAIL:
        return True
    if level is Level.PASS:
        # Art. 9(2)(c): "Có nhiều nhất 01 môn học đánh giá bằng nhận xét được đánh giá mức
        # Chưa đạt; có ít nhất 06 môn học ... có ĐTBmhk, ĐTBmcn từ 5,0 điểm trở lên; không
        # có môn học nào có ĐTBmhk, ĐTBmcn dưới 3,5 điểm."
        return (
            sum(c is Comment.FAIL for c in comments) <= 1
            and sum(a >= PASS_HIGH for a in averages) >= MIN_SUBJECTS
            and all(a >= PASS_FLOOR for a in averages)
        )
    # Art. 9(2)(a) Tốt: "Tất cả các môn học đánh giá bằng nhận xét được đánh giá mức Đạt;
    # tất cả các môn học đánh giá bằng nhận xét kết hợp với đánh giá bằng điểm số có
    # ĐTBmhk, ĐTBmcn từ 6,5 điểm trở lên, trong đó có ít nhất 06 môn học có ĐTBmhk, ĐTBmcn
    # đạt từ 8,0 điểm trở lên." Art. 9(2)(b) Khá: the same with 5,0 and 6,5.
    floor, high = _SHAPED[level]
    return (
        all(c is Comment.PASS for c in comments)
        and all(a >= floor for a in averages)
        and sum(a >= high for a in averages) >= MIN_SUBJECTS
    )


def _unadjusted(averages: Sequence[Decimal], comments: Sequence[Comment]) -> Level:
    # Art. 9(2)(d): "Mức Chưa đạt: Các trường hợp còn lại."
    for level in (Level.GOOD, Level.FAIR, Level.PASS):
        if _meets(level, averages, comments):
            return level
    return Level.FAIL


def _blocking_subject(
    target: Level,
    averages: Mapping[Hashable, Decimal],
    comments: Mapping[Hashable, Comment],
) -> Hashable | None:
    """The one subject whose result alone keeps the student from `target`, if any.

    "Only because of one subject" is read as: every other subject meets the target's
    conditions by itself, including the count of at least 6 score subjects above the
    higher threshold (the blocking subject is below the floor, so it could never have been
    one of those 6). The blocking subject is replaced by the floor (or Đạt) and the target
    re-checked."""
    floor, _high = _SHAPED[target]
    for key, avg in averages.items():
        if avg < floor:
            trial = [floor if k == key else a for k, a in averages.items()]
            if _meets(target, trial, list(comments.values())):
                return key
    for key, comment in comments.items():
        if comment is Comment.FAIL:
            trial_c = [Comment.PASS if k == key else c for k, c in comments.items()]
            if _meets(target, list(averages.values()), trial_c):
                return key
    return None


@dataclass(frozen=True)
class LearningResult:
    """The learning result of a term or a year, with how it was reached.

    `level` is the result to record. `unadjusted` is the level Art. 9(2) gives by itself;
    when Art. 9(3) raised it, `adjusted_for` is the subject whose result alone caused the
    drop and `level == Level(unadjusted + 1)`."""

    level: Level
    unadjusted: Level
    adjusted_for: Hashable | None = None

    @property
    def adjusted(self) -> bool:
        return self.adjusted_for is not None


def learning_result(
    averages: Mapping[Hashable, Decimal],
    comments: Mapping[Hashable, Comment] | None = None,
) -> LearningResult:
    """Learning result (Tốt / Khá / Đạt / Chưa đạt) of a term or of the year.

    `averages`: subject → ĐTBmhk (for a term) or ĐTBmcn (for the year) of every subject
    assessed by comment and score; `comments`: subject → Đạt/Chưa đạt of every comment-only
    subject (the term or year result). Subjects a student is exempt from are left out."""
    comments = dict(comments or {})
    marks = {k: parse_mark(v) for k, v in averages.items()}
    raw = _unadjusted(list(marks.values()), list(comments.values()))
    # Circular 22/2021/TT-BGDĐT, Art. 9(3): "Nếu mức đánh giá kết quả học tập của học kì,
    # cả năm học bị thấp xuống từ 02 (hai) mức trở lên so với mức đánh giá quy định tại
    # điểm a, điểm b khoản 2 Điều này chỉ do kết quả đánh giá của 01 (một) môn học thì mức
    # đánh giá kết quả học tập của học kì đó, cả năm học đó được điều chỉnh lên mức liền
    # kề." Points a and b are Tốt and Khá; "mức liền kề" is the level just above the one
    # reached (Tốt→Đạt becomes Khá, Tốt→Chưa đạt or Khá→Chưa đạt becomes Đạt), as in the
    # same clause of Circular 58/2011, Art. 13(6). A one-level drop is never adjusted.
    for target in (Level.GOOD, Level.FAIR):
        if raw <= target - 2:
            subject = _blocking_subject(target, marks, comments)
            if subject is not None:
                return LearningResult(Level(raw + 1), raw, subject)
    return LearningResult(raw, raw)


def learning_level(
    averages: Mapping[Hashable, Decimal],
    comments: Mapping[Hashable, Comment] | None = None,
) -> Level:
    """`learning_result(...).level`: the level to record."""
    return learning_result(averages, comments).level


# --- Conduct result (kết quả rèn luyện), Article 8(3) ------------------------------------


def conduct_year_result(first_term: Level, second_term: Level) -> Level:
    """Year conduct from the two term levels (each term's level is the homeroom teacher's
    judgement against Art. 8(2); only the year is computed)."""
    # Circular 22/2021/TT-BGDĐT, Art. 8(3) (the year; Art. 8(2) is the term):
    # "Mức Tốt: học kì II được đánh giá mức Tốt, học kì I được đánh giá từ mức Khá trở lên.
    #  Mức Khá: học kì II được đánh giá mức Khá, học kì I được đánh giá từ mức Đạt trở lên;
    #  học kì II được đánh giá mức Đạt, học kì I được đánh giá mức Tốt; học kì II được đánh
    #  giá mức Tốt, học kì I được đánh giá mức Đạt hoặc Chưa đạt.
    #  Mức Đạt: học kì II được đánh giá mức Đạt, học kì I được đánh giá mức Khá, Đạt hoặc
    #  Chưa đạt; học kì II được đánh giá mức Khá, học kì I được đánh giá mức Chưa đạt.
    #  Mức Chưa đạt: Các trường hợp còn lại."
    first, second = Level(first_term), Level(second_term)
    if second is Level.GOOD:
        return Level.GOOD if first >= Level.FAIR else Level.FAIR
    if second is Level.FAIR:
        return Level.FAIR if first >= Level.PASS else Level.PASS
    if second is Level.PASS:
        return Level.FAIR if first is Level.GOOD else Level.PASS
    return Level.FAIL


# --- Year end: promotion, summer, titles (Articles 12-15) --------------------------------

# Circular 22/2021/TT-BGDĐT, Art. 12(1)(c): "Nghỉ học không quá 45 (bốn mươi lăm) buổi
# trong một năm học" (excused or not, consecutive or not, one session a day).
MAX_ABSENT_SESSIONS = 45


class YearEndStatus(IntEnum):
    """Where a student stands after the year-end review (before or after the summer)."""

    RETAINED = 0  # ở lại lớp (not promoted; not recognised as completing grade 9/12)
    SUMMER_TRAINING_AND_RE_EXAMINATION = 1  # rèn luyện hè và kiểm tra, đánh giá lại
    SUMMER_TRAINING = 2  # rèn luyện trong kì nghỉ hè (Art. 13)
    RE_EXAMINATION = 3  # kiểm tra, đánh giá lại các môn học trong kì nghỉ hè (Art. 14)
    PROMOTED = 4  # được lên lớp / hoàn thành chương trình THCS, THPT

    @property
    def label(self) -> str:
        return {
            YearEndStatus.RETAINED: _("Ở lại lớp"),
            YearEndStatus.SUMMER_TRAINING_AND_RE_EXAMINATION: _(
                "Rèn luyện trong kì nghỉ hè và kiểm tra, đánh giá lại"
            ),
            YearEndStatus.SUMMER_TRAINING: _("Rèn luyện trong kì nghỉ hè"),
            YearEndStatus.RE_EXAMINATION: _("Kiểm tra, đánh giá lại trong kì nghỉ hè"),
            YearEndStatus.PROMOTED: _("Được lên lớp"),
        }[self]


def _check_absences(absent_sessions: int) -> int:
    if isinstance(absent_sessions, bool) or not isinstance(absent_sessions, int):
        raise TypeError("absent_sessions must be an int")
    if absent_sessions < 0:
        raise ValueError("absent_sessions cannot be negative")
    return absent_sessions


def year_end_status(*, conduct: Level, learning: Level, absent_sessions: int) -> YearEndStatus:
    """The year-end decision from the year's conduct and learning levels and the number of
    sessions (buổi) absent, excused or not.

    More than 45 sessions → RETAINED whatever the results (the summer cannot make up
    absences). Otherwise conduct Chưa đạt → summer training (Art. 13(1)); learning Chưa đạt
    → re-examination of the failed subjects (Art. 14); both → both; neither → PROMOTED."""
    # Circular 22/2021/TT-BGDĐT, Art. 12(1): promoted when (a) year conduct, (b) year
    # learning are at least Đạt and (c) absences are at most 45 sessions; Art. 12(2): a
    # student who must train or be re-assessed in the summer follows Art. 13 / Art. 14;
    # Art. 12(3): a student who does not meet clause 1 is not promoted.
    if _check_absences(absent_sessions) > MAX_ABSENT_SESSIONS:
        return YearEndStatus.RETAINED
    conduct_ok = Level(conduct) >= Level.PASS
    learning_ok = Level(learning) >= Level.PASS
    if conduct_ok and learning_ok:
        return YearEndStatus.PROMOTED
    if learning_ok:
        # Art. 13(1): "Học sinh có kết quả rèn luyện cả năm học được đánh giá mức Chưa đạt
        # thì phải rèn luyện trong kì nghỉ hè."
        return YearEndStatus.SUMMER_TRAINING
    if conduct_ok:
        # Art. 14: conduct at least Đạt and learning Chưa đạt → the failed subjects are
        # re-assessed in the summer.
        return YearEndStatus.RE_EXAMINATION
    # Both Chưa đạt. Art. 14 names students whose year conduct is at least Đạt; Art. 12(1)(a)
    # counts the conduct re-assessed after the summer training (Art. 13(3)) as the year's
    # conduct, and the Ministry's answer to a reader (published by Lao Động) reads the two
    # together: the student trains and is re-assessed in the same summer.
    return YearEndStatus.SUMMER_TRAINING_AND_RE_EXAMINATION


def re_examination_subjects(
    averages: Mapping[Hashable, Decimal], comments: Mapping[Hashable, Comment] | None = None
) -> list[Hashable]:
    """The subjects re-assessed in the summer: comment subjects Chưa đạt and score
    subjects with ĐTBmcn below 5.0, in the order given (score subjects first)."""
    # Circular 22/2021/TT-BGDĐT, Art. 14: "được đánh giá lại kết quả học tập các môn học
    # được đánh giá mức Chưa đạt (đối với môn học đánh giá bằng nhận xét) và các môn học có
    # ĐTBmcn dưới 5,0 điểm (đối với môn học đánh giá bằng nhận xét kết hợp đánh giá bằng
    # điểm số)."
    failed = [k for k, v in averages.items() if parse_mark(v) < PASS_HIGH]
    failed += [k for k, c in (comments or {}).items() if c is Comment.FAIL]
    return failed


def after_re_examination(
    averages: Mapping[Hashable, Decimal],
    comments: Mapping[Hashable, Comment] | None,
    *,
    re_assessed_averages: Mapping[Hashable, Decimal] | None = None,
    re_assessed_comments: Mapping[Hashable, Comment] | None = None,
) -> LearningResult:
    """The year learning result with the summer re-assessments put in place of the year
    results of the subjects re-assessed (Art. 14), recomputed by Art. 9(2)-(3)."""
    # Circular 22/2021/TT-BGDĐT, Art. 14: "Kết quả đánh giá lại của môn học nào được sử
    # dụng thay thế cho kết quả học tập cả năm học của môn học đó để xét lên lớp."
    eligible = set(re_examination_subjects(averages, comments))
    new_avg = dict(averages)
    new_com = dict(comments or {})
    for key, value in (re_assessed_averages or {}).items():
        if key not in eligible or key not in new_avg:
            raise ValueError(f"{key!r} was not a subject to re-assess")
        new_avg[key] = value
    for key, value in (re_assessed_comments or {}).items():
        if key not in eligible or key not in new_com:
            raise ValueError(f"{key!r} was not a subject to re-assess")
        new_com[key] = value
    return learning_result(new_avg, new_com)


def status_after_summer(*, conduct: Level, learning: Level, absent_sessions: int) -> YearEndStatus:
    """The final decision once the summer is over: `conduct` is the conduct re-assessed
    after summer training (or the year's, if none was needed), `learning` the learning
    result after re-examination (or the year's). PROMOTED or RETAINED, nothing else."""
    # Circular 22/2021/TT-BGDĐT, Art. 12(1)(a)-(b) count the re-assessed results; Art. 13(3)
    # and Art. 14: they replace the year's results for promotion; Art. 12(3): otherwise the
    # student is not promoted.
    _check_absences(absent_sessions)
    if (
        absent_sessions <= MAX_ABSENT_SESSIONS
        and Level(conduct) >= Level.PASS
        and Level(learning) >= Level.PASS
    ):
        return YearEndStatus.PROMOTED
    return YearEndStatus.RETAINED


class Title(IntEnum):
    """Year-end titles the principal awards (giấy khen)."""

    EXCELLENT = 2  # Học sinh Xuất sắc
    GOOD = 1  # Học sinh Giỏi

    @property
    def label(self) -> str:
        return _("Học sinh Xuất sắc") if self is Title.EXCELLENT else _("Học sinh Giỏi")


# Circular 22/2021/TT-BGDĐT, Art. 15(1)(a): Học sinh Xuất sắc needs at least 6 score
# subjects with ĐTBmcn from 9,0.
EXCELLENT_HIGH = Decimal("9.0")


def year_title(
    *, conduct: Level, learning: Level, year_averages: Iterable[Decimal]
) -> Title | None:
    """Học sinh Xuất sắc, Học sinh Giỏi or no title, from the year's results."""
    # Circular 22/2021/TT-BGDĐT, Art. 15(1)(a): "Khen thưởng danh hiệu 'Học sinh Xuất sắc'
    # đối với những học sinh có kết quả rèn luyện cả năm học được đánh giá mức Tốt, kết quả
    # học tập cả năm học được đánh giá mức Tốt và có ít nhất 06 (sáu) môn học được đánh giá
    # bằng nhận xét kết hợp với đánh giá bằng điểm số có ĐTBmcn đạt từ 9,0 điểm trở lên.
    # Khen thưởng danh hiệu 'Học sinh Giỏi' đối với những học sinh có kết quả rèn luyện cả
    # năm học được đánh giá mức Tốt và kết quả học tập cả năm học được đánh giá mức Tốt."
    if Level(conduct) is not Level.GOOD or Level(learning) is not Level.GOOD:
        return None
    marks = _check_marks(year_averages)
    if sum(m >= EXCELLENT_HIGH for m in marks) >= MIN_SUBJECTS:
        return Title.EXCELLENT
    return Title.GOOD
