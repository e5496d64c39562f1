import pytest

from edudx.monitoring.forecast import backtest, cohort_forecast, grade_counts_refresh
from edudx.monitoring.models import GradeCount


def test_cohort_survival_on_a_hand_checked_example():
    # A primary school, grades 1–3, two years of history; births in its commune.
    history = {
        2023: {1: 100, 2: 90, 3: 80},
        2024: {1: 110, 2: 95, 3: 88},
    }
    births = {2017: 200, 2018: 220, 2019: 210, 2020: 230}
    f = cohort_forecast(history, births, horizon=2)
    # GPR(1) = 95/100 = 0.95; GPR(2) = 88/90.
    assert f.gpr == {1: pytest.approx(0.95), 2: pytest.approx(88 / 90)}
    # Entry: grade 1 at age 6: 2023 ← born 2017, 2024 ← born 2018: (100+110)/(200+220) = 0.5.
    assert f.entry_ratio == pytest.approx(0.5)
    # 2025: grade 1 = 0.5 × 210 = 105; grade 2 = 0.95 × 110 = 104.5; grade 3 = 88/90 × 95.
    assert f.by_year[2025] == {
        1: pytest.approx(105),
        2: pytest.approx(104.5),
        3: pytest.approx(92.888888, rel=1e-6),
    }
    # 2026: grade 1 = 0.5 × 230 = 115; grade 2 = 0.95 × 105 = 99.75; grade 3 = 88/90 × 104.5.
    assert f.by_year[2026][1] == pytest.approx(115)
    assert f.by_year[2026][2] == pytest.approx(99.75)
    assert f.by_year[2026][3] == pytest.approx(102.177777, rel=1e-6)


def test_without_birth_data_the_entry_is_carried_forward():
    f = cohort_forecast({2024: {6: 50, 7: 40}, 2025: {6: 60, 7: 45}}, {}, horizon=1)
    assert f.by_year[2026] == {6: 60, 7: pytest.approx(0.9 * 60)}
    assert f.notes


def test_backtest_error():
    history = {
        2022: {1: 100, 2: 100},
        2023: {1: 100, 2: 90},
        2024: {1: 100, 2: 100},
    }
    # Fitted on 2022–2023: GPR 0.9, entry carried forward (no births): 2024 = 100 + 90 = 190;
    # actual 200: error 5%.
    assert backtest(history, {}) == pytest.approx(0.05)
    assert backtest({2024: {1: 1}}, {}) is None


def test_grade_counts_come_from_enrolments(reform):
    grade_counts_refresh()
    rows = sorted(GradeCount.objects.values_list("school__name", "year", "grade", "students"))
    assert rows == [("Trường THCS Lê Lợi", 2025, 6, 3), ("Trường THCS Nguyễn Du", 2025, 6, 1)]
