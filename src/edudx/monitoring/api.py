"""/api/v1/monitoring: indicators, values, yearly reports, DX assessments and alerts, scoped
to the caller (a unit outside the caller's subtrees is a 403). Values are read from the
summary table, never computed on request. Submitting a report accepts an Idempotency-Key: a
retried submission never makes a second version."""

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Query, Router, Schema

from edudx.accounts.tokens import actor_key
from edudx.core.idempotency import idempotent
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, json_body, paginate
from edudx.org.models import OrgUnit

from . import dx, fact_prefill, reports, selectors
from .alerts import alert_text, alerts_for
from .models import Indicator, YearlyReport

router = Router(tags=["monitoring"])


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    numerator: str
    denominator: str
    unit: str
    target_2025: Decimal | None
    target_2030: Decimal | None
    target_note: str
    query: str = Field(..., description="Dotted name of the per-school query function.")
    computed: bool = Field(..., description="False: the value comes from the self-report.")
    levels: list[str]


@router.get("/monitoring/indicators", response={200: list[IndicatorOut], **ERRORS})
def list_indicators(request):
    from .indicators import query_for  # noqa: PLC0415
    from .services import indicators_ensure  # noqa: PLC0415

    indicators_ensure()
    return [
        {
            "code": i.code,
            "name": i.name,
            "name_en": i.name_en,
            "numerator": i.numerator,
            "denominator": i.denominator,
            "unit": i.unit,
            "target_2025": i.target_2025,
            "target_2030": i.target_2030,
            "target_note": i.target_note,
            "query": i.query,
            "computed": query_for(i.code, i.query) is not None,
            "levels": i.levels,
        }  # fmt: skip
        for i in Indicator.objects.all()
    ]


class ValueOut(Schema):
    code: str
    name: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    target: Decimal | None
    status: str = Field(..., description="ok | warn | bad | none (against the target)")
    provenance: str = Field(..., description="computed | self_reported | mixed | missing")
    schools: int
    computed_at: dt.datetime | None
    as_of: dt.date | None


class ValuesFilter(Schema):
    unit: int
    year: int = Field(..., ge=2000, le=2100)


@router.get("/monitoring/values", response={200: list[ValueOut], **ERRORS})
def list_values(request, filters: Query[ValuesFilter]):
    unit = get_object_or_404(OrgUnit, pk=filters.unit)
    return selectors.unit_values(actor=request.user, unit=unit, year=filters.year)


class SchoolReportOut(Schema):
    id: int
    name: str
    code: str
    report_id: int | None
    status: str | None
    version: int
    submitted_at: dt.datetime | None
    late: bool
    overdue: bool = Field(..., description="not submitted and past the schools' due date")
    facts: dict[str, Decimal | None] = Field(
        ..., description="the school's latest reported facts up to the year (yes/no: 1/0)"
    )
    facts_year: list[int] = Field(..., description="report years the facts come from")


class FactTotalOut(Schema):
    sum: Decimal = Field(..., description="sum over the schools (yes/no: schools answering yes)")
    schools: int = Field(..., description="schools that gave the fact")


class ConsolidatedOut(Schema):
    unit_id: int
    year: int
    as_of: dt.date
    counts: dict[str, int]
    schools: list[SchoolReportOut]
    fact_totals: dict[str, FactTotalOut]


@router.get("/monitoring/reports", response={200: ConsolidatedOut, **ERRORS})
def consolidated(request, filters: Query[ValuesFilter]):
    unit = get_object_or_404(OrgUnit, pk=filters.unit)
    data = selectors.consolidated(actor=request.user, unit=unit, year=filters.year)
    return {
        "unit_id": unit.pk, "year": filters.year, "as_of": data["as_of"],
        "counts": data["counts"], "schools": data["schools"],
        "fact_totals": data["fact_totals"],
    }  # fmt: skip


class ReportValueIn(Schema):
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    percent: Decimal | None = None
    note: str = ""


class ReportIn(Schema):
    values: dict[str, ReportValueIn] = {}
    sections: dict[str, str] | None = None
    facts: dict[str, Decimal | None] | None = None


class FactSuggestion(Schema):
    value: str = Field(..., description="the number, as text like `facts`")
    source: str = Field(..., description="the register that answers, e.g. `assets`")
    note: str = Field(..., description="e.g. 'Theo sổ tài sản: 32 máy' (Accept-Language)")


class ReportOut(Schema):
    id: int
    unit_id: int
    year: int
    status: str
    version: int
    late: bool
    submitted_at: dt.datetime | None
    review_comment: str
    due: dt.date
    values: dict[str, dict]
    sections: dict[str, str]
    facts: dict[str, str | None]
    suggestions: dict[str, FactSuggestion] = Field(
        ...,
        description="what the platform's registers say for the facts they answer, on the "
        "report's reference date; never saved by itself (the submitted facts count)",
    )
    self_reported: list[str]


def _report_out(report: YearlyReport) -> dict:
    return {
        "id": report.pk, "unit_id": report.unit_id, "year": report.template.year,
        "status": report.status, "version": report.version, "late": report.late,
        "submitted_at": report.submitted_at, "review_comment": report.review_comment,
        "due": reports.due_date(report),
        "values": {
            v.indicator.code: {
                "numerator": None if v.numerator is None else str(v.numerator),
                "denominator": None if v.denominator is None else str(v.denominator),
                "note": v.note,
            }
            for v in report.values.select_related("indicator")
        },
        "sections": report.sections,
        "facts": {
            f["key"]: report.facts.get(f["key"])
            for f in reports.report_facts(report.unit, report.template)
        },
        "suggestions": fact_prefill.suggestions(report),
        "self_reported": sorted(reports.self_reported_codes(report.unit)),
    }  # fmt: skip


def _report(request, unit_id: int, year: int) -> YearlyReport:
    from .services import indicators_ensure  # noqa: PLC0415

    indicators_ensure()
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    return reports.report_get(actor=request.user, unit=unit, year=year)


@router.get("/monitoring/reports/{unit_id}/{year}", response={200: ReportOut, **ERRORS})
def report_get(request, unit_id: int, year: int):
    return _report_out(_report(request, unit_id, year))


@router.put("/monitoring/reports/{unit_id}/{year}", response={200: ReportOut, **ERRORS})
def report_put(request, unit_id: int, year: int, payload: ReportIn):
    report = _report(request, unit_id, year)
    reports.report_save(
        actor=request.user,
        report=report,
        values={k: v.model_dump() for k, v in payload.values.items()},
        sections=payload.sections,
        facts=payload.facts,
    )
    return _report_out(report)


@router.post(
    "/monitoring/reports/{unit_id}/{year}/submit",
    response={201: ReportOut, **ERRORS},
    openapi_extra=IDEMPOTENT,
)
def report_submit(request, unit_id: int, year: int):
    report = _report(request, unit_id, year)

    def run() -> dict:
        reports.report_submit(actor=request.user, report=report)
        report.refresh_from_db()
        return json_body(ReportOut, _report_out(report))

    return idempotent(request, actor_key=actor_key(request), run=run, status=201)


class ReviewIn(Schema):
    accept: bool
    comment: str = ""


@router.post("/monitoring/reports/{unit_id}/{year}/review", response={200: ReportOut, **ERRORS})
def report_review(request, unit_id: int, year: int, payload: ReviewIn):
    report = _report(request, unit_id, year)
    report = reports.report_review(
        actor=request.user, report=report, accept=payload.accept, comment=payload.comment
    )
    return _report_out(report)


class DxOut(Schema):
    id: int
    unit_id: int
    year: int
    framework: str
    status: str
    scores: dict
    level: int | None
    answers: list[dict]


def _in(answer, language: str) -> str:
    """A DX answer's pre-fill note in `language`, whatever the request's."""
    with translation.override(language):
        return answer.note


def _dx_out(a) -> dict:
    return {
        "id": a.pk, "unit_id": a.unit_id, "year": a.year, "framework": a.framework.code,
        "status": a.status, "scores": a.scores, "level": dx.overall_level(a),
        "answers": [
            {
                "criterion": x.criterion.code, "points": str(x.points), "met": x.met,
                "data_points": None if x.data_points is None else str(x.data_points),
                "data_note": _in(x, "vi"), "data_note_en": _in(x, "en"),
                "flagged": x.flagged, "link": x.link,
            }
            for x in a.answers.select_related("criterion")
        ],
    }  # fmt: skip


@router.get("/monitoring/dx/published", response={200: list[dict], **ERRORS})
def dx_published(request, year: int | None = None):
    return [
        {**r, "published_at": r["published_at"].isoformat() if r["published_at"] else None}
        for r in dx.published(year)
    ]


@router.get("/monitoring/dx/{unit_id}/{year}", response={200: DxOut, **ERRORS})
def dx_get(request, unit_id: int, year: int):
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    return _dx_out(dx.assessment_get(actor=request.user, unit=unit, year=year))


class DxAnswerIn(Schema):
    points: Decimal | None = None
    met: bool = False
    link: str = ""


class DxIn(Schema):
    answers: dict[str, DxAnswerIn] = Field(..., description="By criterion code.")


@router.put("/monitoring/dx/{unit_id}/{year}", response={200: DxOut, **ERRORS})
def dx_put(request, unit_id: int, year: int, payload: DxIn):
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    a = dx.assessment_get(actor=request.user, unit=unit, year=year)
    dx.answers_save(
        actor=request.user,
        assessment=a,
        answers={k: v.model_dump() for k, v in payload.answers.items()},
    )
    return _dx_out(a)


class AlertOut(Schema):
    id: int
    rule: str
    unit_id: int
    unit: str
    message: str = Field(..., description="In the caller's language (Accept-Language).")
    url: str
    raised_at: dt.datetime


class AlertPage(Schema):
    items: list[AlertOut]
    count: int
    page: int
    page_size: int


class AlertFilters(PageParams):
    rule: str | None = Field(None, description="One rule's alerts (e.g. report_overdue).")


def render_alert(a) -> dict:
    return {
        "id": a.pk,
        "rule": a.rule.code,
        "unit_id": a.unit_id,
        "unit": a.unit.name,
        "message": alert_text(a.msgid, a.params, a.message),
        "url": a.url,
        "raised_at": a.raised_at,
    }


@router.get(
    "/monitoring/alerts",
    response={200: AlertPage, **ERRORS},
    summary="Open alerts on the caller's units and below, newest first",
)
def list_alerts(request, filters: Query[AlertFilters]):
    qs = alerts_for(request.user).order_by("-raised_at", "-id")
    if filters.rule:
        qs = qs.filter(rule__code=filters.rule)
    return paginate(qs, filters, render_alert)
