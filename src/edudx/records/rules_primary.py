"""Assessment rules for primary school (tiểu học): Circular 27/2020/TT-BGDĐT.

Pure functions, no database. Subjects are keyed by the curriculum codes of
`data/curriculum_2018.csv` (`tieng_viet`, `toan`, …); qualities and competencies by the
codes of `QUALITIES` and `COMPETENCIES` (any hashable key works for the year-end rules)."""

from collections.abc import Hashable, Mapping
from enum import IntEnum

from django.utils.translation import gettext as _

from edudx.core.errors import DomainError

GRADES = (1, 2, 3, 4, 5)


class Checkpoint(IntEnum):
    """The four periodic assessments of the year."""

    # Circular 27/2020/TT-BGDĐT, Art. 7(1)(a): "Vào giữa học kì I, cuối học kì I, giữa học
    # kì II và cuối năm học".
    MID_TERM_1 = 1
    END_TERM_1 = 2
    MID_TERM_2 = 3
    END_OF_YEAR = 4

    @property
    def label(self) -> str:
        return {
            Checkpoint.MID_TERM_1: _("Giữa học kì I"),
            Checkpoint.END_TERM_1: _("Cuối học kì I"),
            Checkpoint.MID_TERM_2: _("Giữa học kì II"),
            Checkpoint.END_OF_YEAR: _("Cuối năm học"),
        }[self]


class SubjectRating(IntEnum):
    """A subject's or educational activity's periodic rating."""

    # Circular 27/2020/TT-BGDĐT, Art. 7(1)(a): Hoàn thành tốt / Hoàn thành / Chưa hoàn
    # thành.
    NOT_COMPLETED = 0
    COMPLETED = 1
    COMPLETED_WELL = 2

    @property
    def code(self) -> str:
        return {
            SubjectRating.COMPLETED_WELL: "htt",
            SubjectRating.COMPLETED: "ht",
            SubjectRating.NOT_COMPLETED: "cht",
        }[self]

    @property
    def label(self) -> str:
        return {
            SubjectRating.COMPLETED_WELL: _("Hoàn thành tốt"),
            SubjectRating.COMPLETED: _("Hoàn thành"),
            SubjectRating.NOT_COMPLETED: _("Chưa hoàn thành"),
        }[self]


class CompetencyRating(IntEnum):
    """A quality's or competency's periodic rating."""

    # Circular 27/2020/TT-BGDĐT, Art. 7(2)(a): Tốt / Đạt / Cần cố gắng.
    NEEDS_EFFORT = 0
    PASS = 1
    GOOD = 2

    @property
    def code(self) -> str:
        return {
            CompetencyRating.GOOD: "t",
            CompetencyRating.PASS: "d",
            CompetencyRating.NEEDS_EFFORT: "c",
        }[self]

    @property
    def label(self) -> str:
        return {
            CompetencyRating.GOOD: _("Tốt"),
            CompetencyRating.PASS: _("Đạt"),
            CompetencyRating.NEEDS_EFFORT: _("Cần cố gắng"),
        }[self]


# Circular 27/2020/TT-BGDĐT, Art. 5(1)(b): the five main qualities and the core competencies
# (three general, seven specific) assessed at each checkpoint (Art. 7(2)).
QUALITIES = ("yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem")
GENERAL_COMPETENCIES = ("tu_chu_tu_hoc", "giao_tiep_hop_tac", "giai_quyet_van_de_sang_tao")
SPECIFIC_COMPETENCIES = (
    "ngon_ngu",
    "tinh_toan",
    "khoa_hoc",
    "cong_nghe",
    "tin_hoc",
    "tham_mi",
    "the_chat",
)
COMPETENCIES = GENERAL_COMPETENCIES + SPECIFIC_COMPETENCIES

# --- Periodic tests ------------------------------------------------------------------------

VIETNAMESE, MATHS = "tieng_viet", "toan"
FOREIGN_LANGUAGE_1, HISTORY_GEOGRAPHY = "ngoai_ngu_1", "lich_su_dia_li"
SCIENCE, IT_TECHNOLOGY = "khoa_hoc", "tin_hoc_cong_nghe"

# Circular 27/2020/TT-BGDĐT, Art. 7(1)(b): "Vào cuối học kì I và cuối năm học, đối với các
# môn học bắt buộc: Tiếng Việt, Toán, Ngoại ngữ 1, Lịch sử và Địa lí, Khoa học, Tin học và
# Công nghệ có bài kiểm tra định kì; đối với lớp 4, lớp 5, có thêm bài kiểm tra định kì
# môn Tiếng Việt, môn Toán vào giữa học kì I và giữa học kì II."
# A test is due only where the subject is compulsory in the grade (CT GDPT 2018, Circular
# 32/2018/TT-BGDĐT): Ngoại ngữ 1 and Tin học và Công nghệ from grade 3 (Ngoại ngữ 1 is
# optional in grades 1-2), Lịch sử và Địa lí and Khoa học in grades 4-5.
_TESTED_FROM_GRADE = {
    VIETNAMESE: 1,
    MATHS: 1,
    FOREIGN_LANGUAGE_1: 3,
    IT_TECHNOLOGY: 3,
    HISTORY_GEOGRAPHY: 4,
    SCIENCE: 4,
}
_MID_TERM_TESTED = (VIETNAMESE, MATHS)
_MID_TERM_TEST_GRADES = (4, 5)


def _check_grade(grade: int) -> int:
    if isinstance(grade, bool) or grade not in GRADES:
        raise ValueError(f"primary grade must be 1-5, not {grade!r}")
    return grade


def periodic_test_subjects(grade: int, checkpoint: Checkpoint) -> frozenset[str]:
    """The subjects (curriculum codes) with a periodic test at `checkpoint` in `grade`.

    End of term I and end of year: Tiếng Việt, Toán (grades 1-5); Ngoại ngữ 1, Tin học và
    Công nghệ (3-5); Lịch sử và Địa lí, Khoa học (4-5). Mid-term I and II: Tiếng Việt and
    Toán in grades 4-5 only; nothing in grades 1-3."""
    _check_grade(grade)
    checkpoint = Checkpoint(checkpoint)
    if checkpoint in (Checkpoint.MID_TERM_1, Checkpoint.MID_TERM_2):
        return frozenset(_MID_TERM_TESTED if grade in _MID_TERM_TEST_GRADES else ())
    return frozenset(s for s, first in _TESTED_FROM_GRADE.items() if grade >= first)


class PeriodicScoreError(DomainError):
    """A periodic test score is not a whole number from 1 to 10."""


TEST_SCORE_MIN, TEST_SCORE_MAX = 1, 10


def parse_test_score(text: str | int, *, field: str | None = None) -> int:
    """Read a periodic test score: a whole number from 1 to 10 ("7", " 10 ").

    Decimals ("8,5", "8.0") and 0 are refused with a `PeriodicScoreError`."""
    # Circular 27/2020/TT-BGDĐT, Art. 7(1)(d): "Bài kiểm tra được giáo viên sửa lỗi, nhận
    # xét, cho điểm theo thang điểm 10, không cho điểm thập phân". The lowest score is 1:
    # the regulation it replaced (Circular 30/2014/TT-BGDĐT as amended by Circular
    # 22/2016/TT-BGDĐT) said "không cho điểm 0"; schools and the sector database keep 1-10.
    if isinstance(text, bool):
        raise PeriodicScoreError(
            "records.test_score.invalid", _("Điểm phải là một số."), field=field
        )
    raw = str(text).strip() if text is not None else ""
    if not raw:
        raise PeriodicScoreError("records.test_score.empty", _("Chưa nhập điểm."), field=field)
    if not raw.isdigit() or not raw.isascii():
        raise PeriodicScoreError(
            "records.test_score.invalid",
            _(
                "Điểm “%(value)s” không hợp lệ: điểm kiểm tra định kì là số nguyên từ 1 "
                "đến 10, không cho điểm thập phân."
            )
            % {"value": raw},
            field=field,
        )
    score = int(raw)
    if not TEST_SCORE_MIN <= score <= TEST_SCORE_MAX:
        raise PeriodicScoreError(
            "records.test_score.range",
            _("Điểm kiểm tra định kì phải từ 1 đến 10 (đã nhập %(value)s).") % {"value": raw},
            field=field,
        )
    return score


# --- Year-end result and commendations ---------------------------------------------------


class YearResult(IntEnum):
    """The year-end overall result (đánh giá kết quả giáo dục)."""

    NOT_COMPLETED = 0  # Chưa hoàn thành
    COMPLETED = 1  # Hoàn thành
    COMPLETED_WELL = 2  # Hoàn thành tốt
    COMPLETED_EXCELLENTLY = 3  # Hoàn thành xuất sắc

    @property
    def code(self) -> str:
        return {
            YearResult.COMPLETED_EXCELLENTLY: "htxs",
            YearResult.COMPLETED_WELL: "htt",
            YearResult.COMPLETED: "ht",
            YearResult.NOT_COMPLETED: "cht",
        }[self]

    @property
    def label(self) -> str:
        return {
            YearResult.COMPLETED_EXCELLENTLY: _("Hoàn thành xuất sắc"),
            YearResult.COMPLETED_WELL: _("Hoàn thành tốt"),
            YearResult.COMPLETED: _("Hoàn thành"),
            YearResult.NOT_COMPLETED: _("Chưa hoàn thành"),
        }[self]


def _check_scores(scores: Mapping[Hashable, int]) -> list[int]:
    checked = []
    for score in scores.values():
        if isinstance(score, bool) or not isinstance(score, int):
            raise TypeError("test scores must be ints (use parse_test_score)")
        checked.append(parse_test_score(score))
    return checked


def year_result(
    *,
    subjects: Mapping[Hashable, SubjectRating],
    competencies: Mapping[Hashable, CompetencyRating],
    end_of_year_tests: Mapping[Hashable, int],
    grade: int | None = None,
) -> YearResult:
    """The year-end result from the end-of-year ratings of every subject and educational
    activity, of every quality and competency, and the end-of-year periodic test scores.

    With `grade`, a missing end-of-year test for a subject `periodic_test_subjects` names
    raises ValueError (the result cannot be decided without it)."""
    # Circular 27/2020/TT-BGDĐT, Art. 9(2)(a):
    # "Hoàn thành xuất sắc: Những học sinh có kết quả đánh giá các môn học, hoạt động giáo
    #  dục đạt mức Hoàn thành tốt; các phẩm chất, năng lực đạt mức Tốt; bài kiểm tra định kì
    #  cuối năm học của các môn học đạt 9 điểm trở lên;
    #  Hoàn thành tốt: Những học sinh chưa đạt mức Hoàn thành xuất sắc, nhưng có kết quả
    #  đánh giá các môn học, hoạt động giáo dục đạt mức Hoàn thành tốt; các phẩm chất, năng
    #  lực đạt mức Tốt; bài kiểm tra định kì cuối năm học các môn học đạt 7 điểm trở lên;
    #  Hoàn thành: Những học sinh chưa đạt mức Hoàn thành xuất sắc và Hoàn thành tốt, nhưng
    #  có kết quả đánh giá các môn học, hoạt động giáo dục đạt mức Hoàn thành tốt hoặc Hoàn
    #  thành; các phẩm chất, năng lực đạt mức Tốt hoặc mức Đạt; bài kiểm tra định kì cuối
    #  năm học các môn học đạt 5 điểm trở lên;
    #  Chưa hoàn thành: Những học sinh không thuộc các đối tượng trên."
    if not subjects:
        raise ValueError("no subject ratings given")
    if grade is not None:
        missing = periodic_test_subjects(grade, Checkpoint.END_OF_YEAR) - set(end_of_year_tests)
        if missing:
            raise ValueError(f"end-of-year test missing for {sorted(missing)}")
    scores = _check_scores(end_of_year_tests)
    ratings = [SubjectRating(r) for r in subjects.values()]
    qualities = [CompetencyRating(c) for c in competencies.values()]

    def meets(subject_min, competency_min, score_min) -> bool:
        return (
            all(r >= subject_min for r in ratings)
            and all(c >= competency_min for c in qualities)
            and all(s >= score_min for s in scores)
        )

    if meets(SubjectRating.COMPLETED_WELL, CompetencyRating.GOOD, 9):
        return YearResult.COMPLETED_EXCELLENTLY
    if meets(SubjectRating.COMPLETED_WELL, CompetencyRating.GOOD, 7):
        return YearResult.COMPLETED_WELL
    if meets(SubjectRating.COMPLETED, CompetencyRating.PASS, 5):
        return YearResult.COMPLETED
    return YearResult.NOT_COMPLETED


def completes_grade(result: YearResult) -> bool:
    """Whether the pupil is confirmed as completing the grade's programme (and, in grade 5,
    the primary programme). A pupil who does not is helped and re-assessed; the principal
    decides on promotion afterwards (Art. 11(1)(b)-(c)), which no rule here decides."""
    # Circular 27/2020/TT-BGDĐT, Art. 11(1)(a): "Học sinh được xác nhận hoàn thành chương
    # trình lớp học là những học sinh được đánh giá kết quả giáo dục ở một trong ba mức:
    # Hoàn thành xuất sắc, Hoàn thành tốt, Hoàn thành." Art. 11(2): completing grade 5 is
    # completing the primary programme.
    return YearResult(result) >= YearResult.COMPLETED


class Commendation(IntEnum):
    """Year-end commendations the principal awards (giấy khen)."""

    EXEMPLARY = 1  # Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện
    EXCELLENT = 2  # Học sinh Xuất sắc

    @property
    def label(self) -> str:
        if self is Commendation.EXCELLENT:
            return _("Học sinh Xuất sắc")
        return _("Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện")


def year_commendation(
    result: YearResult,
    *,
    outstanding_or_progress: bool = False,
    class_recognised: bool = False,
) -> Commendation | None:
    """The year-end commendation, if any.

    `outstanding_or_progress`: the pupil has an outstanding achievement in at least one
    subject or clear progress in at least one quality or competency (the teacher's
    judgement); `class_recognised`: the class has recognised it. Both are needed for the
    Học sinh Tiêu biểu title; neither matters for Học sinh Xuất sắc."""
    # Circular 27/2020/TT-BGDĐT, Art. 13(1)(a): "Khen thưởng danh hiệu Học sinh Xuất sắc
    # cho những học sinh được đánh giá kết quả giáo dục đạt mức Hoàn thành xuất sắc; Khen
    # thưởng danh hiệu Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện cho
    # những học sinh được đánh giá kết quả giáo dục đạt mức Hoàn thành tốt, đồng thời có
    # thành tích xuất sắc về ít nhất một môn học hoặc có tiến bộ rõ rệt ít nhất một phẩm
    # chất, năng lực; được tập thể lớp công nhận."
    result = YearResult(result)
    if result is YearResult.COMPLETED_EXCELLENTLY:
        return Commendation.EXCELLENT
    if result is YearResult.COMPLETED_WELL and outstanding_or_progress and class_recognised:
        return Commendation.EXEMPLARY
    return None
