"""Circular 27/2020/TT-BGDĐT rules, table by table. Pure: no database."""

import pytest

from edudx.records.rules import (
    COMPETENCIES,
    QUALITIES,
    Checkpoint,
    Commendation,
    CompetencyRating,
    PeriodicScoreError,
    SubjectRating,
    YearResult,
    completes_grade,
    parse_test_score,
    periodic_test_subjects,
    year_commendation,
    year_result,
)

HTT, HT, CHT = SubjectRating.COMPLETED_WELL, SubjectRating.COMPLETED, SubjectRating.NOT_COMPLETED
T, D, C = CompetencyRating.GOOD, CompetencyRating.PASS, CompetencyRating.NEEDS_EFFORT
MID1, END1, MID2, YEAR = (
    Checkpoint.MID_TERM_1,
    Checkpoint.END_TERM_1,
    Checkpoint.MID_TERM_2,
    Checkpoint.END_OF_YEAR,
)

TV_TOAN = {"tieng_viet", "toan"}
GRADE_3_TESTS = TV_TOAN | {"ngoai_ngu_1", "tin_hoc_cong_nghe"}
GRADE_45_TESTS = GRADE_3_TESTS | {"lich_su_dia_li", "khoa_hoc"}


# --- Art. 7(1)(b): which subjects have a periodic test ------------------------------------


@pytest.mark.parametrize(
    ("grade", "checkpoint", "expected"),
    [
        pytest.param(1, MID1, set(), id="g1-mid1"),
        pytest.param(1, END1, TV_TOAN, id="g1-end1"),
        pytest.param(1, MID2, set(), id="g1-mid2"),
        pytest.param(1, YEAR, TV_TOAN, id="g1-year"),
        pytest.param(2, MID1, set(), id="g2-mid1"),
        pytest.param(2, END1, TV_TOAN, id="g2-end1"),
        pytest.param(2, MID2, set(), id="g2-mid2"),
        pytest.param(2, YEAR, TV_TOAN, id="g2-year"),
        pytest.param(3, MID1, set(), id="g3-mid1"),
        pytest.param(3, END1, GRADE_3_TESTS, id="g3-end1"),
        pytest.param(3, MID2, set(), id="g3-mid2"),
        pytest.param(3, YEAR, GRADE_3_TESTS, id="g3-year"),
        pytest.param(4, MID1, TV_TOAN, id="g4-mid1"),
        pytest.param(4, END1, GRADE_45_TESTS, id="g4-end1"),
        pytest.param(4, MID2, TV_TOAN, id="g4-mid2"),
        pytest.param(4, YEAR, GRADE_45_TESTS, id="g4-year"),
        pytest.param(5, MID1, TV_TOAN, id="g5-mid1"),
        pytest.param(5, END1, GRADE_45_TESTS, id="g5-end1"),
        pytest.param(5, MID2, TV_TOAN, id="g5-mid2"),
        pytest.param(5, YEAR, GRADE_45_TESTS, id="g5-year"),
    ],
)
def test_periodic_test_subjects(grade, checkpoint, expected):
    assert periodic_test_subjects(grade, checkpoint) == expected


@pytest.mark.parametrize("grade", [0, 6, True, "3"])
def test_periodic_test_subjects_refuses_non_primary_grade(grade):
    with pytest.raises(ValueError, match="primary grade"):
        periodic_test_subjects(grade, YEAR)


def test_tested_subjects_are_score_subjects_of_the_grade():
    from edudx.records.curriculum import read_curriculum

    rows = read_curriculum()
    for grade in (1, 2, 3, 4, 5):
        compulsory_scored = {
            r.subject_code
            for r in rows
            if r.grade == grade and r.kind == "compulsory" and r.assessed_by == "score"
        }
        assert periodic_test_subjects(grade, YEAR) == compulsory_scored


# --- Art. 7(1)(d): test scores are whole numbers ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1", 1, id="one"),
        pytest.param("7", 7, id="seven"),
        pytest.param(" 10 ", 10, id="ten-spaces"),
        pytest.param("09", 9, id="leading-zero"),
        pytest.param(8, 8, id="int"),
    ],
)
def test_parse_test_score_accepts(text, expected):
    assert parse_test_score(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("", "records.test_score.empty", id="empty"),
        pytest.param(None, "records.test_score.empty", id="none"),
        pytest.param("8,5", "records.test_score.invalid", id="decimal-comma"),
        pytest.param("8.0", "records.test_score.invalid", id="decimal-dot"),
        pytest.param("-1", "records.test_score.invalid", id="negative"),
        pytest.param("abc", "records.test_score.invalid", id="letters"),
        pytest.param("８", "records.test_score.invalid", id="fullwidth"),
        pytest.param(True, "records.test_score.invalid", id="bool"),
        pytest.param(8.0, "records.test_score.invalid", id="float"),
        pytest.param("0", "records.test_score.range", id="zero"),
        pytest.param(0, "records.test_score.range", id="zero-int"),
        pytest.param("11", "records.test_score.range", id="eleven"),
    ],
)
def test_parse_test_score_refuses(text, code):
    with pytest.raises(PeriodicScoreError) as exc:
        parse_test_score(text, field="toan")
    assert (exc.value.code, exc.value.field) == (code, "toan")


def test_parse_test_score_message_is_vietnamese():
    with pytest.raises(PeriodicScoreError) as exc:
        parse_test_score("8,5")
    assert "không cho điểm thập phân" in str(exc.value)


# --- Art. 9(2)(a): year-end result ----------------------------------------------------------

ALL_HTT = {"tieng_viet": HTT, "toan": HTT, "dao_duc": HTT, "gdtc": HTT}
ALL_T = {code: T for code in QUALITIES + COMPETENCIES}


def with_(base: dict, **changes) -> dict:
    return {**base, **changes}


@pytest.mark.parametrize(
    ("subjects", "competencies", "tests", "expected"),
    [
        pytest.param(
            ALL_HTT,
            ALL_T,
            {"tieng_viet": 9, "toan": 10},
            YearResult.COMPLETED_EXCELLENTLY,
            id="htxs",
        ),
        pytest.param(
            ALL_HTT,
            ALL_T,
            {"tieng_viet": 9, "toan": 8},
            YearResult.COMPLETED_WELL,
            id="one-test-8-is-htt",
        ),
        pytest.param(
            ALL_HTT, ALL_T, {"tieng_viet": 7, "toan": 7}, YearResult.COMPLETED_WELL, id="htt-at-7"
        ),
        pytest.param(
            ALL_HTT, ALL_T, {"tieng_viet": 6, "toan": 10}, YearResult.COMPLETED, id="test-6-is-ht"
        ),
        pytest.param(
            with_(ALL_HTT, dao_duc=HT),
            ALL_T,
            {"tieng_viet": 10, "toan": 10},
            YearResult.COMPLETED,
            id="one-subject-ht",
        ),
        pytest.param(
            ALL_HTT,
            with_(ALL_T, trung_thuc=D),
            {"tieng_viet": 10, "toan": 10},
            YearResult.COMPLETED,
            id="one-quality-dat",
        ),
        pytest.param(
            ALL_HTT,
            with_(ALL_T, tin_hoc=D),
            {"tieng_viet": 10, "toan": 10},
            YearResult.COMPLETED,
            id="one-competency-dat",
        ),
        pytest.param(
            {k: HT for k in ALL_HTT},
            {k: D for k in ALL_T},
            {"tieng_viet": 5, "toan": 5},
            YearResult.COMPLETED,
            id="ht-at-5",
        ),
        pytest.param(
            ALL_HTT, ALL_T, {"tieng_viet": 4, "toan": 10}, YearResult.NOT_COMPLETED, id="test-4"
        ),
        pytest.param(
            with_(ALL_HTT, gdtc=CHT),
            ALL_T,
            {"tieng_viet": 10, "toan": 10},
            YearResult.NOT_COMPLETED,
            id="one-subject-cht",
        ),
        pytest.param(
            ALL_HTT,
            with_(ALL_T, cham_chi=C),
            {"tieng_viet": 10, "toan": 10},
            YearResult.NOT_COMPLETED,
            id="one-quality-can-co-gang",
        ),
        pytest.param(ALL_HTT, ALL_T, {}, YearResult.COMPLETED_EXCELLENTLY, id="no-tests-given"),
        pytest.param(
            ALL_HTT,
            {},
            {"tieng_viet": 9, "toan": 9},
            YearResult.COMPLETED_EXCELLENTLY,
            id="no-competencies-given",
        ),
    ],
)
def test_year_result(subjects, competencies, tests, expected):
    result = year_result(subjects=subjects, competencies=competencies, end_of_year_tests=tests)
    assert result is expected


def test_year_result_with_grade_requires_every_test():
    tests = {"tieng_viet": 9, "toan": 9, "ngoai_ngu_1": 9, "tin_hoc_cong_nghe": 9}
    assert (
        year_result(subjects=ALL_HTT, competencies=ALL_T, end_of_year_tests=tests, grade=3)
        is YearResult.COMPLETED_EXCELLENTLY
    )
    with pytest.raises(ValueError, match="khoa_hoc"):
        year_result(subjects=ALL_HTT, competencies=ALL_T, end_of_year_tests=tests, grade=4)


@pytest.mark.parametrize(
    ("tests", "error"),
    [
        pytest.param({"toan": 0}, PeriodicScoreError, id="zero"),
        pytest.param({"toan": 11}, PeriodicScoreError, id="eleven"),
        pytest.param({"toan": 8.5}, TypeError, id="float"),
        pytest.param({"toan": "8"}, TypeError, id="string"),
    ],
)
def test_year_result_refuses_bad_scores(tests, error):
    with pytest.raises(error):
        year_result(subjects=ALL_HTT, competencies=ALL_T, end_of_year_tests=tests)


def test_year_result_needs_subjects():
    with pytest.raises(ValueError, match="no subject ratings"):
        year_result(subjects={}, competencies=ALL_T, end_of_year_tests={})


# --- Art. 11(1)(a): completing the grade; Art. 13(1)(a): commendations ---------------------


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (YearResult.COMPLETED_EXCELLENTLY, True),
        (YearResult.COMPLETED_WELL, True),
        (YearResult.COMPLETED, True),
        (YearResult.NOT_COMPLETED, False),
    ],
    ids=["htxs", "htt", "ht", "cht"],
)
def test_completes_grade(result, expected):
    assert completes_grade(result) is expected


@pytest.mark.parametrize(
    ("result", "outstanding", "recognised", "expected"),
    [
        pytest.param(
            YearResult.COMPLETED_EXCELLENTLY, False, False, Commendation.EXCELLENT, id="htxs"
        ),
        pytest.param(
            YearResult.COMPLETED_EXCELLENTLY,
            True,
            True,
            Commendation.EXCELLENT,
            id="htxs-also-outstanding",
        ),
        pytest.param(
            YearResult.COMPLETED_WELL,
            True,
            True,
            Commendation.EXEMPLARY,
            id="htt-outstanding-recognised",
        ),
        pytest.param(YearResult.COMPLETED_WELL, True, False, None, id="htt-not-recognised"),
        pytest.param(YearResult.COMPLETED_WELL, False, True, None, id="htt-nothing-outstanding"),
        pytest.param(YearResult.COMPLETED_WELL, False, False, None, id="htt-plain"),
        pytest.param(YearResult.COMPLETED, True, True, None, id="ht"),
        pytest.param(YearResult.NOT_COMPLETED, True, True, None, id="cht"),
    ],
)
def test_year_commendation(result, outstanding, recognised, expected):
    assert (
        year_commendation(result, outstanding_or_progress=outstanding, class_recognised=recognised)
        is expected
    )


def test_labels_are_vietnamese():
    assert [r.label for r in (HTT, HT, CHT)] == ["Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"]
    assert [c.label for c in (T, D, C)] == ["Tốt", "Đạt", "Cần cố gắng"]
    assert [r.label for r in YearResult] == [
        "Chưa hoàn thành",
        "Hoàn thành",
        "Hoàn thành tốt",
        "Hoàn thành xuất sắc",
    ]
    assert [c.label for c in Checkpoint] == [
        "Giữa học kì I",
        "Cuối học kì I",
        "Giữa học kì II",
        "Cuối năm học",
    ]
    assert Commendation.EXEMPLARY.label == (
        "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"
    )
    assert Commendation.EXCELLENT.label == "Học sinh Xuất sắc"
    assert [r.code for r in YearResult] == ["cht", "ht", "htt", "htxs"]
    assert (HTT.code, T.code, C.code) == ("htt", "t", "c")


def test_qualities_and_competencies():
    assert len(QUALITIES) == 5
    assert len(COMPETENCIES) == 10
