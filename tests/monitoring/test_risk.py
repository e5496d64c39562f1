import datetime as dt

from edudx.monitoring import risk
from edudx.monitoring.models import RiskScore
from edudx.records import services as records


def test_synthetic_history_fits_with_a_held_out_year_and_reasons():
    model = risk.fit(risk.synthetic_history(n=1500), synthetic=True)
    assert model.train_years == [2021, 2022, 2023] and model.test_year == 2024
    assert model.n_test == 1500
    assert model.auc is not None and model.auc > 0.7
    # The generating rule raises risk with absences and lowers it with marks.
    assert model.coefficients["absences"] > 0 and model.coefficients["avg_mark"] < 0
    report = model.report()
    assert "AUC trên năm giữ lại 2024" in report and "LỊCH SỬ GIẢ LẬP" in report
    # Many unexcused absences: those are the top reasons.
    assert risk.top_reasons(model, [60, 40, 7, 0, 0]) == ["absences", "unexcused"]
    assert risk.top_reasons(model, [0, 0, 9.5, 0, 0]) == []


def test_features_from_records_and_scores(reform):
    teacher = reform.teacher_user()
    a1 = reform.student_a1
    for i, status in enumerate(["unexcused", "excused", "unexcused"]):
        records.attendance_save(
            actor=teacher, class_group=reform.class_a, day=dt.date(2025, 10, 6 + i),
            session="am", marks=[records.MarkIn(a1.pk, status)],
        )  # fmt: skip
    samples = {s.student_id: s for s in risk.features_for(reform.year)}
    # No marks yet: the default mean 7. Born 2013, in grade 6 in 2025: the usual age for
    # grade 6 is 11 (6 + 5) in the year the school year starts, so one year over.
    assert samples[a1.pk].x == [3.0, 2.0, 7.0, 0.0, 1.0]
    assert samples[reform.student_a2.pk].x == [0.0, 0.0, 7.0, 0.0, 1.0]
    model = risk.fit(risk.synthetic_history(n=1500), synthetic=True)
    assert all(
        (model.coefficients[f] > 0) == (f != "avg_mark") for f in risk.FEATURES
    )  # the signs of the generating rule
    assert risk.score_year(model, reform.year) == 4
    top = RiskScore.objects.order_by("-score").first()
    # A1 has the most absences of the school, but 3 is below the history's mean (≈8): what
    # raises A1's score above the average student's is being a year over age.
    assert top.student_id == a1.pk and top.reasons == ["over_age"]


def test_risk_page_lists_scores_and_audits_the_read(client, reform, principal):
    from edudx.audit.models import AuditEvent
    from tests.pages.conftest import otp_login

    model = risk.fit(risk.synthetic_history(n=1500), synthetic=True)
    risk.score_year(model, reform.year)
    otp_login(client, principal)
    html = client.get(f"/monitoring/risk/?unit={reform.school_a.pk}").content.decode()
    assert "Nguyễn Văn An" in html and "Lớn tuổi hơn độ tuổi của khối" in html
    # Each name opens the student's record; on a phone each value carries its label.
    assert f'href="/people/students/{reform.student_a1.pk}/"' in html
    assert 'data-label="Lý do chính"' in html
    assert "Nguyễn Văn Cường" not in html  # school B
    assert AuditEvent.objects.filter(object_type="monitoring.risk", action="view").count() == 1


def test_the_year_scored_is_the_latest_with_pupils(reform):
    """A year opened ahead for admissions (no enrolment yet) is not the one scored: the
    command scored its 0 pupils instead of the current year's."""
    from edudx.org import services as org_services  # noqa: PLC0415

    assert risk.year_to_score() == reform.year
    org_services.school_year_create(
        actor=None,
        code="2026-2027",
        start_date=dt.date(2026, 9, 5),
        end_date=dt.date(2027, 5, 31),
    )
    assert risk.year_to_score() == reform.year
    model = risk.fit(risk.synthetic_history(n=1500), synthetic=True)
    assert risk.score_year(model, risk.year_to_score()) == 4
    assert set(RiskScore.objects.values_list("year", flat=True)) == {2025}


def test_risk_top_is_scoped_to_the_actors_units(reform, principal):
    """A principal reads their school's scores; another school's unit is refused."""
    import pytest  # noqa: PLC0415

    from edudx.core.api_errors import Forbidden  # noqa: PLC0415
    from edudx.monitoring import selectors  # noqa: PLC0415

    risk.score_year(risk.fit(risk.synthetic_history(n=1500), synthetic=True), reform.year)
    year, rows = selectors.risk_top(actor=principal, unit=reform.school_a)
    assert year == 2025
    assert {r.school_id for r in rows} == {reform.school_a.pk}
    assert len(rows) == 3
    with pytest.raises(Forbidden):
        selectors.risk_top(actor=principal, unit=reform.school_b)
