import datetime as dt
from decimal import Decimal

import pytest

from edudx.monitoring.indicators import indicator, query_for, registered
from edudx.monitoring.models import Indicator, IndicatorValue, Provenance
from edudx.monitoring.services import indicators_recompute, indicators_sync


def value(code, unit, year):
    v = IndicatorValue.objects.get(indicator__code=code, unit=unit, year=year)
    return (v.numerator, v.denominator, v.value, v.provenance)


def test_the_26_targets_load_as_data(db):
    assert indicators_sync() == 26
    assert indicators_sync() == 0  # idempotent
    t09 = Indicator.objects.get(code="T09")
    assert (t09.target_2025, t09.target_2030, t09.unit) == (Decimal(100), Decimal(100), "học sinh")
    assert t09.query == "edudx.monitoring.queries.t09"
    assert Indicator.objects.get(code="T07").target_for(2030) == Decimal(10)
    assert list(Indicator.objects.values_list("code", flat=True))[:3] == ["T01", "T02", "T03"]


def test_modules_not_built_yet_fall_back_to_self_report(db):
    indicators_sync()
    assert query_for("T99", "edudx.not_an_app.indicators.t99") is None  # module not installed
    assert query_for("T02", "") is None
    assert query_for("T09", "edudx.monitoring.queries.t09") is not None
    assert {"T08", "T09", "T10", "T18", "T25"} <= set(registered())


def test_roll_up_as_of_a_date_across_the_2025_reparenting(reform):
    d = reform
    indicators_recompute(year=2024)  # consolidated on 10/12/2024: the old tree
    # T10: teachers with a personal ID. School A 1 of 2, school B 1 of 1.
    assert value("T10", d.school_a, 2024) == (1, 2, Decimal("50.00"), Provenance.COMPUTED)
    assert value("T10", d.province, 2024) == (2, 3, Decimal("66.67"), Provenance.COMPUTED)
    assert value("T10", d.district, 2024)[:2] == (2, 3)
    assert value("T10", d.lam_dong, 2024) == (None, None, None, Provenance.MISSING)
    # No 2024-2025 school year on the platform: T09 is missing everywhere.
    assert value("T09", d.province, 2024)[3] == Provenance.MISSING

    indicators_recompute(year=2025)  # 10/12/2025: school A sits under Lâm Đồng
    assert value("T10", d.province, 2025) == (1, 1, Decimal("100.00"), Provenance.COMPUTED)
    assert value("T10", d.lam_dong, 2025) == (1, 2, Decimal("50.00"), Provenance.COMPUTED)
    assert value("T10", d.district, 2025)[:2] == (1, 1)
    # T09 from enrolments of 2025-2026: school A 2 of 3 students have a personal ID.
    assert value("T09", d.lam_dong, 2025)[:3] == (2, 3, Decimal("66.67"))
    assert value("T09", d.province, 2025)[:3] == (1, 1, Decimal("100.00"))
    # the 2024 figures are kept alongside
    assert value("T10", d.province, 2024)[:2] == (2, 3)
    # An explicit as_of overrides the report's day: 2025 figures on the old tree.
    indicators_recompute(year=2025, as_of=dt.date(2025, 6, 30))
    assert value("T10", d.province, 2025)[:2] == (2, 3)


def test_t08_needs_attendance_and_marks(reform):
    indicators_recompute(year=2025)
    assert value("T08", reform.school_a, 2025)[:2] == (0, 1)


def test_t08_a_preschool_counts_with_attendance_alone(reform):
    """Secondary school A: attendance without marks does not count; a preschool (no mark
    book) counts once it takes attendance, not before."""
    from edudx.org import services as org_services
    from edudx.records import services as records_services

    d = reform
    kindergarten = d.school("Trường Mầm non Hoa Sen", "67000103", d.commune_b, level="preschool")
    chồi = org_services.class_create(
        actor=None, school=kindergarten, school_year_code="2025-2026", name="Chồi 1"
    )
    indicators_recompute(year=2025)
    assert value("T08", kindergarten, 2025)[:2] == (0, 1)
    day = dt.date(2025, 12, 1)
    for cls in (chồi, d.class_a):
        records_services.attendance_save(
            actor=None, class_group=cls, day=day, session="am", marks=[]
        )
    indicators_recompute(year=2025)
    assert value("T08", kindergarten, 2025)[:2] == (1, 1)
    assert value("T08", d.school_a, 2025)[:2] == (0, 1)  # a mark book is still expected


def test_t22_enough_computers_for_the_largest_class_from_grade_3(reform, principal):
    """T22 from the computers of the school's yearly report (latest up to the year) against
    its largest class of grade 3 or above: school A's grade-6 class has 3 pupils, school
    B's 1."""
    from edudx.accounts.models import Role
    from edudx.monitoring import reports

    def report(user, school, year, computers):
        r = reports.report_get(actor=user, unit=school, year=year)
        reports.report_save(
            actor=user, report=r, values={}, facts={"computers_teaching": computers}
        )
        reports.report_submit(actor=user, report=r)

    indicators_recompute(year=2025)
    assert value("T22", reform.school_a, 2025)[3] == Provenance.MISSING  # nothing reported
    report(principal, reform.school_a, 2025, "2")
    report(reform.user(Role.PRINCIPAL, reform.school_b), reform.school_b, 2024, "1")
    indicators_recompute(year=2025)
    assert value("T22", reform.school_a, 2025) == (0, 1, Decimal("0.00"), Provenance.COMPUTED)
    assert value("T22", reform.school_b, 2025) == (1, 1, Decimal("100.00"), Provenance.COMPUTED)
    assert value("T22", reform.lam_dong, 2025)[:2] == (0, 1)
    assert value("T22", reform.province, 2025)[:2] == (1, 1)
    report(principal, reform.school_a, 2025, "3")  # a second version: 3 seats 3
    indicators_recompute(year=2025)
    assert value("T22", reform.school_a, 2025)[:2] == (1, 1)
    assert "T22" not in reports.self_reported_codes(reform.school_a)
    # The DX criterion 1.7.2 (Informatics) of the 2026 self-assessment is pre-filled from it.
    from edudx.monitoring.dx_prefill import informatics

    assert informatics(reform.school_a, 2026) == (Decimal(1), "T22 năm 2025: 100%")
    assert informatics(reform.school_a, 2025) is None


def test_t23_fibre_from_the_report_fact_rolled_up_as_of_a_date(reform, principal):
    """T23 from the yes/no fact `internet_fibre` of each school's latest report up to the
    year; schools that never answered are missing; sums up the tree of the report day
    (school A under Đắk Nông in 2024, under Lâm Đồng in 2025). No longer typed in."""
    from edudx.accounts.models import Role
    from edudx.core.errors import DomainErrors
    from edudx.monitoring import reports

    def report(user, school, year, fibre):
        r = reports.report_get(actor=user, unit=school, year=year)
        reports.report_save(actor=user, report=r, values={}, facts={"internet_fibre": fibre})
        reports.report_submit(actor=user, report=r)

    d = reform
    principal_b = d.user(Role.PRINCIPAL, d.school_b)
    indicators_recompute(year=2025)
    assert value("T23", d.school_a, 2025) == (None, None, None, Provenance.MISSING)
    report(principal, d.school_a, 2024, "1")
    report(principal_b, d.school_b, 2025, "0")

    indicators_recompute(year=2024)  # the old tree; school B's 2025 answer is not read
    assert value("T23", d.school_a, 2024) == (1, 1, Decimal("100.00"), Provenance.COMPUTED)
    assert value("T23", d.school_b, 2024)[3] == Provenance.MISSING
    assert value("T23", d.commune_a, 2024) == (1, 1, Decimal("100.00"), Provenance.COMPUTED)
    assert value("T23", d.province, 2024) == (1, 1, Decimal("100.00"), Provenance.COMPUTED)
    assert value("T23", d.lam_dong, 2024)[3] == Provenance.MISSING

    indicators_recompute(year=2025)  # school A's 2024 answer carries; the new tree
    assert value("T23", d.school_a, 2025) == (1, 1, Decimal("100.00"), Provenance.COMPUTED)
    assert value("T23", d.school_b, 2025) == (0, 1, Decimal("0.00"), Provenance.COMPUTED)
    assert value("T23", d.commune_a, 2025) == (1, 1, Decimal("100.00"), Provenance.COMPUTED)
    assert value("T23", d.lam_dong, 2025) == (1, 1, Decimal("100.00"), Provenance.COMPUTED)
    assert value("T23", d.province, 2025) == (0, 1, Decimal("0.00"), Provenance.COMPUTED)
    assert value("T23", d.ministry, 2025) == (1, 2, Decimal("50.00"), Provenance.COMPUTED)

    report(principal, d.school_a, 2025, "0")  # the line is no longer fibre
    indicators_recompute(year=2025)
    indicators_recompute(year=2024)
    assert value("T23", d.ministry, 2025)[:3] == (0, 2, Decimal("0.00"))
    assert value("T23", d.province, 2024)[:2] == (1, 1)  # 2024 keeps its answer

    assert "T23" not in reports.self_reported_codes(d.school_a)
    r = reports.report_get(actor=principal, unit=d.school_a, year=2025)
    with pytest.raises(DomainErrors) as exc:
        reports.report_save(actor=principal, report=r, values={"T23": {"percent": "100"}})
    assert [i["code"] for i in exc.value.as_list()] == ["monitoring.not_self_reported"]


def test_self_reported_indicators_are_missing_until_reported(reform):
    indicators_recompute(year=2025)
    assert value("T02", reform.school_a, 2025)[3] == Provenance.MISSING
    # An office-level indicator has no school rows.
    assert not IndicatorValue.objects.filter(indicator__code="T12", unit=reform.school_a).exists()


def test_adding_an_indicator_is_data_plus_one_function(reform, tmp_path):
    import json

    from edudx.monitoring.services import DATA

    data = json.loads((DATA / "indicators.json").read_text())
    data["indicators"].append(
        {
            "code": "T99", "name": "Lớp học có sĩ số", "numerator": "n", "denominator": "d",
            "unit": "lớp", "target_2025": 100, "query": "tests.monitoring.test_indicators.x",
            "levels": ["school", "commune", "province"],
        }
    )  # fmt: skip
    path = tmp_path / "indicators.json"
    path.write_text(json.dumps(data, ensure_ascii=False))

    @indicator("T99")
    def _classes(ctx):
        return {sid: (1, 2) for sid in ctx.school_ids}

    try:
        indicators_sync()
        assert indicators_sync(path) == 1
        indicators_recompute(year=2025)
        assert value("T99", reform.lam_dong, 2025)[:3] == (1, 2, Decimal("50.00"))
    finally:
        from edudx.monitoring import indicators as registry

        registry._registry.pop("T99", None)


@pytest.mark.parametrize("year", [2025])
def test_recompute_replaces_the_years_rows(reform, year):
    n = indicators_recompute(year=year)
    assert indicators_recompute(year=year) == n
    assert IndicatorValue.objects.filter(year=year).count() == n
