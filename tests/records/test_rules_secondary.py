"""Circular 22/2021/TT-BGDĐT rules, table by table. Pure: no database."""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from edudx.records import rules
from edudx.records.rules import (
    Comment,
    Level,
    MarkError,
    Title,
    YearEndStatus,
    after_re_examination,
    comment_term_result,
    comment_year_result,
    conduct_year_result,
    learning_level,
    learning_result,
    parse_mark,
    re_examination_subjects,
    regular_assessment_count,
    round_half_up,
    status_after_summer,
    term_average,
    year_average,
    year_end_status,
    year_title,
)

D = Decimal
G, K, P, F = Level.GOOD, Level.FAIR, Level.PASS, Level.FAIL
OK, NO = Comment.PASS, Comment.FAIL


def scores(*marks: str) -> dict[str, Decimal]:
    return {f"s{i}": D(m) for i, m in enumerate(marks, start=1)}


def comments(*results: Comment) -> dict[str, Comment]:
    return {f"c{i}": c for i, c in enumerate(results, start=1)}


ALL_OK = (OK, OK, OK, OK)  # GDTC, Nghệ thuật, HĐTN-HN, nội dung GD địa phương


# --- parse_mark -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("8", "8.0", id="integer"),
        pytest.param("8.5", "8.5", id="dot"),
        pytest.param("8,5", "8.5", id="vietnamese-comma"),
        pytest.param(" 7,2 ", "7.2", id="spaces"),
        pytest.param("0", "0.0", id="zero-allowed"),
        pytest.param("0,0", "0.0", id="zero-comma"),
        pytest.param("10", "10.0", id="ten"),
        pytest.param("10.0", "10.0", id="ten-point-zero"),
        pytest.param("9.", "9.0", id="trailing-dot"),
        pytest.param(".5", "0.5", id="leading-dot"),
        pytest.param("08", "8.0", id="leading-zero"),
        pytest.param("6.50", "6.5", id="trailing-zero-second-decimal"),
        pytest.param(7, "7.0", id="int"),
        pytest.param(D("6.5"), "6.5", id="decimal"),
    ],
)
def test_parse_mark_accepts(text, expected):
    result = parse_mark(text)
    assert result == D(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("", "records.mark.empty", id="empty"),
        pytest.param("   ", "records.mark.empty", id="blank"),
        pytest.param(None, "records.mark.empty", id="none"),
        pytest.param("abc", "records.mark.invalid", id="letters"),
        pytest.param("8,5,1", "records.mark.invalid", id="two-commas"),
        pytest.param("8.5.1", "records.mark.invalid", id="two-dots"),
        pytest.param("-1", "records.mark.invalid", id="negative"),
        pytest.param("+8", "records.mark.invalid", id="plus-sign"),
        pytest.param("1e1", "records.mark.invalid", id="exponent"),
        pytest.param("NaN", "records.mark.invalid", id="nan"),
        pytest.param("8 5", "records.mark.invalid", id="inner-space"),
        pytest.param("８", "records.mark.invalid", id="fullwidth-digit"),
        pytest.param(True, "records.mark.invalid", id="bool"),
        pytest.param("10.1", "records.mark.range", id="above-ten"),
        pytest.param("11", "records.mark.range", id="eleven"),
        pytest.param(D("-0.5"), "records.mark.range", id="negative-decimal"),
        pytest.param("8.25", "records.mark.decimals", id="two-decimals"),
        pytest.param("8,75", "records.mark.decimals", id="two-decimals-comma"),
        pytest.param(D("8.05"), "records.mark.decimals", id="two-decimals-decimal"),
    ],
)
def test_parse_mark_refuses(text, code):
    with pytest.raises(MarkError) as exc:
        parse_mark(text, field="final")
    assert exc.value.code == code
    assert exc.value.field == "final"


def test_parse_mark_message_is_vietnamese():
    with pytest.raises(MarkError) as exc:
        parse_mark("8,25")
    assert str(exc.value) == "Điểm chỉ có tối đa một chữ số thập phân (đã nhập 8,25)."


# --- regular_assessment_count: Art. 6(2)(b) ----------------------------------------------


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        pytest.param(1, 2, id="1-treated-as-35"),
        pytest.param(35, 2, id="35"),
        pytest.param(36, 3, id="36"),
        pytest.param(52, 3, id="52-cong-nghe-8"),
        pytest.param(70, 3, id="70"),
        pytest.param(71, 4, id="71"),
        pytest.param(105, 4, id="105"),
        pytest.param(140, 4, id="140"),
    ],
)
def test_regular_assessment_count(periods, expected):
    assert regular_assessment_count(periods) == expected


@pytest.mark.parametrize(
    ("periods", "error"),
    [
        pytest.param(0, ValueError, id="zero"),
        pytest.param(-35, ValueError, id="negative"),
        pytest.param("35", TypeError, id="string"),
        pytest.param(35.0, TypeError, id="float"),
        pytest.param(True, TypeError, id="bool"),
    ],
)
def test_regular_assessment_count_refuses(periods, error):
    with pytest.raises(error):
        regular_assessment_count(periods)


# --- Averages: Art. 9(1)(b), rounding -------------------------------------------------------


@pytest.mark.parametrize(
    ("regular", "midterm", "final", "expected"),
    [
        pytest.param(["8", "8"], "8", "8", "8.0", id="flat"),
        pytest.param(["10", "10", "10", "10"], "10", "10", "10.0", id="all-ten"),
        pytest.param(["0", "0"], "0", "0", "0.0", id="all-zero"),
        pytest.param(["7", "8"], "6", "9", "7.7", id="two-regular-54/7"),
        pytest.param(["7", "8", "9"], "6", "9", "7.9", id="three-regular-63/8=7.875"),
        pytest.param(["7", "8", "9", "10"], "6", "9", "8.1", id="four-regular-73/9"),
        pytest.param(["9.3", "5.8", "5.7"], "7.6", "10", "8.3", id="8.25-half-up"),
        pytest.param(["7.2", "7.1", "6.6"], "8.1", "9.9", "8.4", id="8.35-half-up"),
        pytest.param(["6.2", "7.9", "7.7"], "6.5", "5.6", "6.5", id="6.45-reaches-6.5"),
        pytest.param(["8.9", "4.1", "5.4"], "3.4", "4.8", "5.0", id="4.95-reaches-5.0"),
        pytest.param(["3.4", "3.2", "3.3"], "3.0", "3.9", "3.5", id="3.45-reaches-3.5"),
        pytest.param(["5.2", "7.9", "6.9"], "8.0", "9.2", "8.0", id="7.95-reaches-8.0"),
        pytest.param(["8.9", "7.8", "9.6"], "7.8", "9.9", "9.0", id="8.95-reaches-9.0"),
        pytest.param(["6.6", "9.8", "7.3"], "9.8", "9.7", "9.1", id="9.05-half-up"),
        pytest.param(["8", "8", "8"], "8", "8.2", "8.1", id="8.075-rounds-up"),
        pytest.param(["8", "8", "8"], "8", "8.1", "8.0", id="8.0375-rounds-down"),
        pytest.param([], "6", "9", "7.8", id="no-regular-39/5"),
    ],
)
def test_term_average(regular, midterm, final, expected):
    result = term_average([D(m) for m in regular], D(midterm), D(final))
    assert str(result) == expected


@pytest.mark.parametrize(
    ("regular", "midterm", "final", "exact", "float_rounded", "decimal_rounded"),
    [
        pytest.param([9.3, 5.8, 5.7], 7.6, 10.0, "8.25", 8.2, "8.3", id="8.25"),
        pytest.param([7.2, 7.1, 6.6], 8.1, 9.9, "8.35", 8.3, "8.4", id="8.35"),
        pytest.param([6.2, 7.9, 7.7], 6.5, 5.6, "6.45", 6.4, "6.5", id="6.45"),
        pytest.param([8.9, 4.1, 5.4], 3.4, 4.8, "4.95", 4.9, "5.0", id="4.95"),
        pytest.param([3.4, 3.2, 3.3], 3.0, 3.9, "3.45", 3.4, "3.5", id="3.45"),
        pytest.param([5.2, 7.9, 6.9], 8.0, 9.2, "7.95", 7.9, "8.0", id="7.95"),
        pytest.param([8.9, 7.8, 9.6], 7.8, 9.9, "8.95", 8.9, "9.0", id="8.95"),
    ],
)
def test_float_arithmetic_would_have_failed(
    regular, midterm, final, exact, float_rounded, decimal_rounded
):
    """Each average is exactly x.x5; floats lose the half (binary error or half-to-even)."""
    as_float = (sum(regular) + 2 * midterm + 3 * final) / (len(regular) + 5)
    assert round(as_float, 1) == float_rounded
    exact_value = (sum(D(str(m)) for m in regular) + 2 * D(str(midterm)) + 3 * D(str(final))) / (
        len(regular) + 5
    )
    assert exact_value == D(exact)
    result = term_average([D(str(m)) for m in regular], D(str(midterm)), D(str(final)))
    assert str(result) == decimal_rounded


def test_python_round_is_bankers_and_decimal_default_too():
    assert round(8.25, 1) == 8.2
    assert D("8.25").quantize(D("0.1"), rounding=ROUND_HALF_EVEN) == D("8.2")
    assert round_half_up(D("8.25")) == D("8.3")
    assert round_half_up(D("8.249")) == D("8.2")
    assert round_half_up(D("8.15")) == D("8.2")


def test_term_average_checks_count_against_periods():
    marks = [D("8"), D("8"), D("8")]
    assert term_average(marks, D("8"), D("8"), periods_per_year=70) == D("8.0")
    with pytest.raises(ValueError, match="3 regular marks given, 4 expected"):
        term_average(marks, D("8"), D("8"), periods_per_year=140)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(8.5, id="float"),
        pytest.param("8.5", id="string"),
        pytest.param(D("10.5"), id="out-of-range"),
        pytest.param(D("8.25"), id="two-decimals"),
    ],
)
def test_term_average_refuses_unparsed_marks(bad):
    with pytest.raises((TypeError, MarkError)):
        term_average([bad, D("8")], D("8"), D("8"))


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param("8.0", "8.0", "8.0", id="flat"),
        pytest.param("6.0", "9.0", "8.0", id="24/3"),
        pytest.param("8.0", "8.1", "8.1", id="8.0666-up"),
        pytest.param("6.4", "6.5", "6.5", id="6.4666-reaches-6.5"),
        pytest.param("6.5", "6.4", "6.4", id="6.4333-stays-below"),
        pytest.param("7.9", "8.0", "8.0", id="7.9666"),
        pytest.param("9.0", "8.9", "8.9", id="8.9333"),
        pytest.param("4.9", "5.0", "5.0", id="4.9666"),
        pytest.param("10.0", "0.0", "3.3", id="10-then-0"),
        pytest.param("0.0", "10.0", "6.7", id="0-then-10"),
        pytest.param("0.0", "0.0", "0.0", id="zeros"),
        pytest.param("10.0", "10.0", "10.0", id="tens"),
    ],
)
def test_year_average(first, second, expected):
    assert str(year_average(D(first), D(second))) == expected


# --- Comment-only subjects: Art. 9(1)(a) -----------------------------------------------


@pytest.mark.parametrize(
    ("regular", "midterm", "final", "expected"),
    [
        pytest.param([OK, OK], OK, OK, OK, id="all-dat"),
        pytest.param([OK, OK, OK], OK, OK, OK, id="extra-regular-all-dat"),
        pytest.param([OK, NO], OK, OK, NO, id="one-regular-chua-dat"),
        pytest.param([OK, OK], NO, OK, NO, id="midterm-chua-dat"),
        pytest.param([OK, OK], OK, NO, NO, id="final-chua-dat"),
        pytest.param([OK], OK, OK, NO, id="missing-regular"),
        pytest.param([OK, OK], None, OK, NO, id="missing-midterm"),
        pytest.param([OK, OK], OK, None, NO, id="missing-final"),
        pytest.param([], None, None, NO, id="nothing"),
    ],
)
def test_comment_term_result(regular, midterm, final, expected):
    assert comment_term_result(regular, midterm, final) is expected


@pytest.mark.parametrize(("second", "expected"), [(OK, OK), (NO, NO)], ids=["dat", "chua-dat"])
def test_comment_year_result_is_term_two(second, expected):
    assert comment_year_result(second) is expected


# --- Learning result: Art. 9(2) and the adjustment of Art. 9(3) ---------------------------

LEARNING_CASES = [
    # Tốt / Khá / Đạt by the thresholds alone.
    ("tot-six-at-8.0", ["8.0"] * 6 + ["6.5"] * 2, ALL_OK, G, G),
    ("tot-all-ten", ["10"] * 8, ALL_OK, G, G),
    ("tot-upper-secondary-ten-subjects", ["8.0"] * 6 + ["6.5"] * 4, ALL_OK, G, G),
    ("tot-no-comment-subjects", ["8.0"] * 6, (), G, G),
    ("kha-only-five-at-8.0", ["8.0"] * 5 + ["7.9"] * 3, ALL_OK, K, K),
    ("kha-all-7.9", ["7.9"] * 8, ALL_OK, K, K),
    ("kha-six-at-6.5", ["6.5"] * 6 + ["5.0"] * 2, ALL_OK, K, K),
    ("dat-only-five-at-6.5", ["6.5"] * 5 + ["6.4"] + ["5.0"] * 2, ALL_OK, P, P),
    ("dat-six-at-5.0-two-at-3.5", ["5.0"] * 6 + ["3.5"] * 2, ALL_OK, P, P),
    ("dat-all-5.0-one-comment-chua-dat", ["5.0"] * 8, (OK, OK, OK, NO), P, P),
    ("chua-dat-only-five-at-5.0", ["5.0"] * 5 + ["4.9"] * 3, ALL_OK, F, F),
    ("chua-dat-two-comments", ["5.0"] * 8, (OK, OK, NO, NO), F, F),
    ("chua-dat-all-comments", ["9.0"] * 8, (NO, NO, NO, NO), F, F),
    ("chua-dat-all-zero", ["0"] * 8, ALL_OK, F, F),
    ("chua-dat-fewer-than-six-score-subjects", ["10"] * 5, ALL_OK, F, F),
    # One-level drops are never adjusted.
    ("tot-minus-one-subject-6.4-is-kha", ["8.0"] * 7 + ["6.4"], ALL_OK, K, K),
    ("tot-minus-one-subject-5.0-is-kha", ["8.0"] * 7 + ["5.0"], ALL_OK, K, K),
    ("upper-tot-minus-one-6.4-is-kha", ["9.5"] * 9 + ["6.4"], ALL_OK, K, K),
    ("kha-minus-one-subject-4.9-is-dat", ["7.0"] * 7 + ["4.9"], ALL_OK, P, P),
    ("kha-minus-one-subject-3.5-is-dat", ["7.0"] * 7 + ["3.5"], ALL_OK, P, P),
    ("kha-minus-one-comment-is-dat", ["7.0"] * 8, (OK, OK, OK, NO), P, P),
    ("tot-count-short-and-4.0-stays-dat", ["8.0"] * 5 + ["7.0"] * 2 + ["4.0"], ALL_OK, P, P),
    ("kha-one-comment-and-4.9-stays-dat", ["7.0"] * 7 + ["4.9"], (OK, OK, OK, NO), P, P),
    # Art. 9(3): down two or more levels from Tốt because of one subject → one level up.
    ("tot-one-comment-chua-dat-adjusted-kha", ["8.0"] * 8, (OK, OK, OK, NO), K, P),
    ("tot-borderline-one-comment-adjusted-kha", ["8.0"] * 6 + ["6.5"] * 2, (NO, OK, OK, OK), K, P),
    ("tot-one-subject-4.9-adjusted-kha", ["8.0"] * 7 + ["4.9"], ALL_OK, K, P),
    ("tot-one-subject-3.5-adjusted-kha", ["8.0"] * 7 + ["3.5"], ALL_OK, K, P),
    ("upper-tot-one-subject-4.0-adjusted-kha", ["9.5"] * 9 + ["4.0"], ALL_OK, K, P),
    ("tot-one-subject-3.4-adjusted-dat", ["8.0"] * 7 + ["3.4"], ALL_OK, P, F),
    ("tot-one-subject-0-adjusted-dat", ["8.0"] * 7 + ["0"], ALL_OK, P, F),
    ("tot-seven-subjects-one-3.4-adjusted-dat", ["8.0"] * 6 + ["3.4"], ALL_OK, P, F),
    # Art. 9(3): down two levels from Khá because of one subject → Đạt.
    ("kha-one-subject-3.4-adjusted-dat", ["7.0"] * 7 + ["3.4"], ALL_OK, P, F),
    ("kha-borderline-one-subject-0-adjusted-dat", ["6.5"] * 6 + ["5.0", "0"], ALL_OK, P, F),
    # Not one subject, so no adjustment.
    ("tot-two-comments-chua-dat", ["9.0"] * 8, (OK, OK, NO, NO), F, F),
    ("tot-one-comment-and-one-3.0", ["8.0"] * 7 + ["3.0"], (OK, OK, OK, NO), F, F),
    ("tot-two-subjects-3.0", ["8.0"] * 6 + ["3.0"] * 2, ALL_OK, F, F),
    ("tot-two-subjects-4.0-stays-dat", ["8.0"] * 6 + ["4.0"] * 2, ALL_OK, P, P),
    ("kha-two-comments-chua-dat", ["7.0"] * 8, (OK, OK, NO, NO), F, F),
    ("kha-one-comment-and-one-3.4", ["7.0"] * 7 + ["3.4"], (OK, OK, OK, NO), F, F),
    ("upper-tot-2.0-and-comment", ["9.5"] * 9 + ["2.0"], (NO, OK, OK, OK), F, F),
    # The others alone must meet the level: the blocking subject cannot count towards it.
    ("kha-count-needs-the-blocked-subject", ["6.5"] * 5 + ["6.4"] * 2 + ["3.0"], ALL_OK, F, F),
    ("dat-level-below-3.5-not-adjusted", ["5.0"] * 7 + ["3.4"], ALL_OK, F, F),
    (
        "tot-6.4-and-one-comment-two-subjects-stays-dat",
        ["8.0"] * 7 + ["6.4"],
        (OK, OK, OK, NO),
        P,
        P,
    ),
    ("tot-3.5-and-6.4-two-subjects-stays-dat", ["8.0"] * 6 + ["6.4", "3.5"], ALL_OK, P, P),
    ("upper-kha-one-subject-0-adjusted-dat", ["7.0"] * 9 + ["0"], ALL_OK, P, F),
    (
        "tot-one-comment-and-one-3.4-three-down-not-one-subject",
        ["8.0"] * 7 + ["3.4"],
        (NO, OK, OK, OK),
        F,
        F,
    ),
    # Rounding edges feed straight into the levels.
    ("6.45-rounded-6.5-keeps-tot", ["8.0"] * 6 + [str(round_half_up(D("6.45")))], ALL_OK, G, G),
    (
        "7.95-rounded-8.0-counts",
        ["8.0"] * 5 + [str(round_half_up(D("7.95")))] + ["7"],
        ALL_OK,
        G,
        G,
    ),
    ("4.95-rounded-5.0-keeps-kha", ["7.0"] * 7 + [str(round_half_up(D("4.95")))], ALL_OK, K, K),
    (
        "3.45-rounded-3.5-adjust-from-tot",
        ["8.0"] * 7 + [str(round_half_up(D("3.45")))],
        ALL_OK,
        K,
        P,
    ),
]


@pytest.mark.parametrize(
    ("averages", "comment_results", "expected", "unadjusted"),
    [pytest.param(a, c, e, u, id=name) for name, a, c, e, u in LEARNING_CASES],
)
def test_learning_result(averages, comment_results, expected, unadjusted):
    result = learning_result(scores(*averages), comments(*comment_results))
    assert (result.level, result.unadjusted) == (expected, unadjusted)
    assert result.adjusted is (expected != unadjusted)
    assert learning_level(scores(*averages), comments(*comment_results)) is expected


def test_learning_cases_are_at_least_forty():
    assert len(LEARNING_CASES) >= 40


@pytest.mark.parametrize(
    ("averages", "comment_results", "subject"),
    [
        pytest.param({"toan": D("3.0"), "ngu_van": D("8.5")}, {}, "toan", id="score-subject"),
        pytest.param({"toan": D("8.0"), "ngu_van": D("8.5")}, {"gdtc": NO}, "gdtc", id="comment"),
    ],
)
def test_learning_result_names_the_subject_that_was_forgiven(averages, comment_results, subject):
    others = {f"x{i}": D("8.0") for i in range(5)}
    result = learning_result({**averages, **others}, comment_results)
    assert result.adjusted_for == subject


def test_learning_result_refuses_bad_averages():
    with pytest.raises(MarkError):
        learning_result({"toan": D("10.5")})


# --- Conduct: Art. 8(2)(b), every combination ---------------------------------------------

CONDUCT_YEAR = {
    # (term I, term II): year
    (G, G): G,
    (K, G): G,
    (P, G): K,
    (F, G): K,
    (G, K): K,
    (K, K): K,
    (P, K): K,
    (F, K): P,
    (G, P): K,
    (K, P): P,
    (P, P): P,
    (F, P): P,
    (G, F): F,
    (K, F): F,
    (P, F): F,
    (F, F): F,
}


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [pytest.param(a, b, y, id=f"hk1-{a.code}-hk2-{b.code}") for (a, b), y in CONDUCT_YEAR.items()],
)
def test_conduct_year_result(first, second, expected):
    assert conduct_year_result(first, second) is expected


# --- Promotion, summer, re-examination: Art. 12-14 ----------------------------------------


@pytest.mark.parametrize(
    ("conduct", "learning", "absent", "expected"),
    [
        pytest.param(G, G, 0, YearEndStatus.PROMOTED, id="good"),
        pytest.param(P, P, 45, YearEndStatus.PROMOTED, id="dat-dat-45-absences"),
        pytest.param(G, G, 46, YearEndStatus.RETAINED, id="46-absences"),
        pytest.param(F, F, 46, YearEndStatus.RETAINED, id="46-absences-and-fails"),
        pytest.param(F, P, 0, YearEndStatus.SUMMER_TRAINING, id="conduct-chua-dat"),
        pytest.param(F, G, 45, YearEndStatus.SUMMER_TRAINING, id="conduct-chua-dat-learning-tot"),
        pytest.param(P, F, 0, YearEndStatus.RE_EXAMINATION, id="learning-chua-dat"),
        pytest.param(G, F, 10, YearEndStatus.RE_EXAMINATION, id="learning-chua-dat-conduct-tot"),
        pytest.param(F, F, 0, YearEndStatus.SUMMER_TRAINING_AND_RE_EXAMINATION, id="both"),
    ],
)
def test_year_end_status(conduct, learning, absent, expected):
    assert year_end_status(conduct=conduct, learning=learning, absent_sessions=absent) is expected


@pytest.mark.parametrize(
    ("absent", "error"),
    [pytest.param(-1, ValueError, id="negative"), pytest.param(4.5, TypeError, id="float")],
)
def test_year_end_status_refuses_bad_absences(absent, error):
    with pytest.raises(error):
        year_end_status(conduct=G, learning=G, absent_sessions=absent)


@pytest.mark.parametrize(
    ("conduct", "learning", "absent", "expected"),
    [
        pytest.param(P, P, 0, YearEndStatus.PROMOTED, id="passed-summer"),
        pytest.param(F, P, 0, YearEndStatus.RETAINED, id="conduct-still-chua-dat"),
        pytest.param(P, F, 0, YearEndStatus.RETAINED, id="learning-still-chua-dat"),
        pytest.param(P, P, 46, YearEndStatus.RETAINED, id="absences"),
    ],
)
def test_status_after_summer(conduct, learning, absent, expected):
    result = status_after_summer(conduct=conduct, learning=learning, absent_sessions=absent)
    assert result is expected


def test_re_examination_subjects():
    year = {"toan": D("4.9"), "ngu_van": D("5.0"), "tin_hoc": D("3.0")}
    assert re_examination_subjects(year, {"gdtc": NO, "nghe_thuat": OK}) == [
        "toan",
        "tin_hoc",
        "gdtc",
    ]


def test_after_re_examination_replaces_the_year_results():
    year = {f"s{i}": D("6.0") for i in range(7)} | {"toan": D("3.0"), "tin_hoc": D("4.0")}
    assert learning_level(year, {"gdtc": OK}) is F
    passed = after_re_examination(
        year, {"gdtc": OK}, re_assessed_averages={"toan": D("5.5"), "tin_hoc": D("5.0")}
    )
    assert passed.level is P
    still = after_re_examination(year, {"gdtc": OK}, re_assessed_averages={"toan": D("3.4")})
    assert still.level is F


def test_after_re_examination_of_a_comment_subject():
    year = {f"s{i}": D("6.0") for i in range(8)}
    result = after_re_examination(year, {"gdtc": NO, "hdtn": NO}, re_assessed_comments={"gdtc": OK})
    assert result.level is P


@pytest.mark.parametrize(
    ("averages", "comment_results"),
    [
        pytest.param({"ngu_van": D("9")}, {}, id="passed-subject"),
        pytest.param({"dia_li": D("9")}, {}, id="unknown-subject"),
        pytest.param({}, {"gdtc": OK}, id="passed-comment-subject"),
    ],
)
def test_after_re_examination_only_for_failed_subjects(averages, comment_results):
    year = {"toan": D("4.0"), "ngu_van": D("6.0")}
    with pytest.raises(ValueError, match="was not a subject to re-assess"):
        after_re_examination(
            year,
            {"gdtc": OK},
            re_assessed_averages=averages,
            re_assessed_comments=comment_results,
        )


# --- Titles: Art. 15(1)(a) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("conduct", "learning", "averages", "expected"),
    [
        pytest.param(G, G, ["9.0"] * 6 + ["7.0"] * 2, Title.EXCELLENT, id="xuat-sac-six-at-9"),
        pytest.param(G, G, ["9.0"] * 5 + ["8.9"] * 3, Title.GOOD, id="gioi-five-at-9"),
        pytest.param(G, G, ["8.0"] * 8, Title.GOOD, id="gioi"),
        pytest.param(K, G, ["10"] * 8, None, id="conduct-kha"),
        pytest.param(G, K, ["10"] * 8, None, id="learning-kha"),
        pytest.param(P, P, ["10"] * 8, None, id="dat"),
        pytest.param(G, G, [str(round_half_up(D("8.95")))] * 6, Title.EXCELLENT, id="8.95-is-9"),
    ],
)
def test_year_title(conduct, learning, averages, expected):
    result = year_title(conduct=conduct, learning=learning, year_averages=[D(a) for a in averages])
    assert result is expected


def test_title_and_level_labels_are_vietnamese():
    assert [lv.label for lv in (G, K, P, F)] == ["Tốt", "Khá", "Đạt", "Chưa đạt"]
    assert [lv.code for lv in (G, K, P, F)] == ["tot", "kha", "dat", "chua_dat"]
    assert Level.from_code("chua_dat") is F
    assert Title.EXCELLENT.label == "Học sinh Xuất sắc"
    assert Title.GOOD.label == "Học sinh Giỏi"
    assert YearEndStatus.SUMMER_TRAINING.label == "Rèn luyện trong kì nghỉ hè"
    assert (OK.label, NO.label, OK.code, NO.code) == ("Đạt", "Chưa đạt", "dat", "chua_dat")


def test_level_from_unknown_code():
    with pytest.raises(ValueError, match="unknown level code"):
        Level.from_code("gioi")


def test_comment_only_subjects_match_the_curriculum_file():
    from edudx.records.curriculum import read_curriculum

    secondary_comment = {
        r.subject_code for r in read_curriculum() if r.grade >= 6 and r.assessed_by == "comment"
    }
    assert secondary_comment <= rules.COMMENT_ONLY_SUBJECTS
