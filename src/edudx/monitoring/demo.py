"""Demo data for monitoring (called by `edudx demo` after the district exists).

* Indicator definitions, DX frameworks and alert rules loaded from data/.
* Enrolment history: GradeCount from the demo's enrolments (district: 2024-2025 and
  2025-2026; province: 2025-2026 only), plus THREE SYNTHETIC EARLIER YEARS per school
  (district 2021–2023, province 2022–2024), back-projected from the first real year with
  deterministic noise and flagged `synthetic=True`, so the cohort-survival forecast has a
  history to fit and a year to backtest on. The demo generator itself is not touched.
* Yearly reports 2024 and 2025: about two thirds of the schools submitted self-reported
  values (deterministic from the seed), so the dashboard shows self-reported, computed and
  missing values side by side; a few 2025 reports were late. Each submitted report also
  gives the school's computers for teaching and bandwidth (the computer–pupil alert).
* DX self-assessments 2025, pre-filled from data, claims drawn from the seed; about half
  published by the office.
* Indicators recomputed for 2024 (old tree) and 2025 (new tree); alerts evaluated.
* Dropout-risk scores of the current pupils (district scale), from the model fitted on
  the stated synthetic history (monitoring.risk), so the risk page has something to show."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from edudx.audit.services import Entry, audit_record_many
from edudx.org.models import OrgUnit, UnitKind

from . import dx, risk
from .alerts import alerts_evaluate, rules_sync
from .forecast import grade_counts_refresh
from .models import (
    DxAnswer,
    DxAssessment,
    DxCriterion,
    DxStatus,
    GradeCount,
    Indicator,
    ReportStatus,
    ReportValue,
    ReportVersion,
    YearlyReport,
)
from .reports import _payload, self_reported_codes, template_ensure
from .services import headcount_refresh, indicators_recompute, indicators_sync

REASON = "Dữ liệu mẫu (demo)"
# Typical shares (percent) the self-reports of the demo draw around.
TYPICAL = {
    "T01": 70, "T02": 60, "T03": 92, "T04": 45, "T05": 40, "T06": 4, "T07": 8, "T11": 65,
    "T13": 55, "T16": 82, "T19": 55, "T20": 75, "T21": 80, "T24": 30,
    "T26": 35,
}  # fmt: skip


def _history(rng: random.Random) -> int:
    grade_counts_refresh()
    rows = list(GradeCount.objects.filter(year=2024, synthetic=False))
    new = []
    for r in rows:
        for back in (1, 2, 3):
            factor = 1 + rng.uniform(-0.06, 0.04) * back
            new.append(
                GradeCount(
                    school_id=r.school_id,
                    year=2024 - back,
                    grade=r.grade,
                    students=max(0, round(r.students * factor)),
                    synthetic=True,
                )  # fmt: skip
            )
    GradeCount.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return len(new)


def _submit(report: YearlyReport, values: dict, *, when, rng) -> None:
    ind = {i.code: i for i in Indicator.objects.filter(code__in=values)}
    ReportValue.objects.bulk_create(
        [
            ReportValue(report=report, indicator=ind[c], numerator=n, denominator=d)
            for c, (n, d) in values.items()
        ]
    )
    report.sections = {"results": "Hoàn thành các nhiệm vụ chuyển đổi số trong năm."}
    late = timezone.localdate(when) > report.template.school_due
    ReportVersion.objects.create(
        report=report, number=1, submitted_at=when, late=late, payload=_payload(report)
    )
    report.version, report.submitted_at, report.late = 1, when, late
    report.status = ReportStatus.ACCEPTED if rng.random() < 0.5 else ReportStatus.SUBMITTED
    report.save()


def _reports(year: int, schools: list[OrgUnit], rng: random.Random) -> int:
    template = template_ensure(year)
    n = 0
    for school in schools:
        if rng.random() > 0.68:
            continue
        report, _c = YearlyReport.objects.get_or_create(template=template, unit=school)
        if report.version:
            continue
        values = {}
        for code in sorted(self_reported_codes(school)):
            pct = TYPICAL.get(code)
            if pct is None:
                continue
            if code in ("T01", "T19", "T24"):  # a yes/no per school
                values[code] = (Decimal(1 if rng.random() * 100 < pct else 0), Decimal(1))
            else:
                den = rng.randint(20, 60)
                share = min(max(rng.gauss(pct, 12), 0), 100) / 100
                values[code] = (Decimal(round(den * share)), Decimal(den))
        # Infrastructure facts from their own generator (the draws above stay as they were):
        # computers for teaching 0-45 (about one school in 25 has none), bandwidth, a fibre
        # line for about nine schools in ten (T23).
        frng = random.Random(f"facts:{school.pk}:{year}")  # noqa: S311 — demo data
        computers = 0 if frng.random() < 0.04 else frng.randint(5, 45)
        report.facts = {
            "computers_teaching": str(computers),
            "internet_mbps": str(frng.choice([20, 50, 100, 150, 300])),
            "internet_fibre": "1" if frng.random() < 0.9 else "0",
        }
        day = template.school_due - dt.timedelta(days=rng.randint(-3, 20))
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0)))
        _submit(report, values, when=when, rng=rng)
        n += 1
    return n


def _dx(year: int, schools: list[OrgUnit], rng: random.Random) -> int:
    fw = dx.framework_for(schools[0], year) if schools else None
    if fw is None:
        return 0
    crits = list(DxCriterion.objects.filter(group__framework=fw))
    n = 0
    for school in schools:
        if rng.random() > 0.8:
            continue
        a, created = DxAssessment.objects.get_or_create(framework=fw, unit=school, year=year)
        if not created:
            continue
        answers = []
        skill = rng.uniform(0.35, 0.95)
        for c in crits:
            data_points, note = dx.prefill(c, school, year)
            if c.mandatory:
                answers.append(DxAnswer(assessment=a, criterion=c, met=rng.random() < 0.9))
                continue
            claim = c.max_points * Decimal(str(round(skill + rng.uniform(-0.2, 0.2), 2)))
            claim = min(max(claim, Decimal(0)), c.max_points).quantize(Decimal("0.5"))
            answers.append(
                DxAnswer(
                    assessment=a,
                    criterion=c,
                    points=claim,
                    met=claim > 0,
                    data_points=data_points,
                    **dx.note_fields(note),
                    flagged=data_points is not None and claim > data_points,
                )  # fmt: skip
            )
        DxAnswer.objects.bulk_create(answers)
        dx._score(a)
        a.status = DxStatus.PUBLISHED if rng.random() < 0.6 else DxStatus.SUBMITTED
        a.submitted_at = dt.datetime(year, 5, 28, 10, 0, tzinfo=dt.UTC)
        if a.status == DxStatus.PUBLISHED:
            a.published_at = dt.datetime(year, 6, 18, 10, 0, tzinfo=dt.UTC)
        a.save()
        n += 1
    return n


def _risk() -> str:
    """Dropout-risk scores for the demo's current pupils, from the model fitted on the
    STATED synthetic history (the demo has no year of real dropouts to learn from), as
    `edudx monitoring_risk --synthetic-history` does."""
    year = risk.year_to_score()
    if year is None:
        return "chưa có năm học nào có học sinh"
    model = risk.fit(risk.synthetic_history(), synthetic=True)
    n = risk.score_year(model, year)
    return f"điểm nguy cơ bỏ học (mô hình trên lịch sử giả lập): {n} học sinh năm {year.code}"


def build_demo(summary, users, *, seed: int, log=print) -> None:
    rng = random.Random(f"{seed}:monitoring")  # noqa: S311 — deterministic demo data
    indicators_sync()
    dx.frameworks_sync()
    rules_sync()
    headcount_refresh()
    log(f"  giám sát: lịch sử sĩ số (3 năm tổng hợp giả lập): {_history(rng)} dòng")
    schools = list(
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, valid_to__isnull=True).order_by("code")
    )
    for year in (2024, 2025):
        log(f"  giám sát: báo cáo năm {year}: {_reports(year, schools, rng)} trường đã nộp")
    log(f"  giám sát: tự đánh giá chuyển đổi số 2025: {_dx(2025, schools, rng)} trường")
    for year in (2024, 2025):
        log(f"  giám sát: chỉ tiêu {year}: {indicators_recompute(year=year)} giá trị")
    alerts = alerts_evaluate()
    log(f"  giám sát: cảnh báo đang mở: {sum(alerts.values())}")
    if summary.scale != "province":  # ~300,000 pupils to score: benchmarks do not need it
        log(f"  giám sát: {_risk()}")
    audit_record_many(
        actor=None,
        entries=[
            Entry(
                "create",
                "monitoring.demo",
                "-",
                "Dữ liệu mẫu: báo cáo năm, chỉ số CĐS",
                {"schools": [None, str(len(schools))]},
                REASON,
            )  # fmt: skip
        ],
    )
