"""Operations centre, yearly report and DX index pages. Thin: parse, call a selector or a
service, render. The dashboard reads the summary tables only (IndicatorValue,
SchoolHeadcount, org placements), never raw student rows."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors, field_messages, first_invalid
from edudx.core.params import int_param
from edudx.core.tables import table_download
from edudx.org.models import OrgUnit
from edudx.org.selectors import subtree_q

from . import dx, exports, fact_prefill, reports, selectors
from .alerts import alert_text, alerts_for
from .charts import bars_svg, trend_svg
from .models import DxAssessment, DxGroup, DxStatus, Provenance, ReportStatus, YearlyReport
from .reports import report_indicators, self_reported_codes
from .services import cache_generation, indicators_sync


def _errors(exc: DomainError) -> list[str]:
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    return [i["message"] for i in items]


def _year(request, unit=None) -> int:
    return int_param(request.GET.get("year") or request.POST.get("year")) or _default_year(unit)


def _default_year(unit=None) -> int:
    years = selectors.years_available(unit)
    return years[-1] if years else timezone.localdate().year


def _unit(request) -> OrgUnit:
    uid = int_param(request.GET.get("unit") or request.POST.get("unit"))
    unit = OrgUnit.objects.filter(pk=uid).first() if uid else selectors.default_unit(request.user)
    if unit is None:
        raise Http404(_("Không tìm thấy đơn vị."))
    return unit


def _guard(func):
    """Scope refusals become 403 pages."""

    def wrapper(request, *args, **kwargs):
        try:
            return func(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


# --- operations centre -----------------------------------------------------------------------


CACHE_SECONDS = 60


def _out(value) -> str:
    """A value as `{{ value }}` writes it (localised, escaped)."""
    return conditional_escape(localize(value))


_CENT = Decimal("0.01")


def floatformat2(value, decimal_sep: str | None = None) -> str:
    """`{{ value|floatformat:"-2" }}` — a whole number without decimals, else two decimals
    rounded half up, the language's decimal separator, no grouping (USE_THOUSAND_SEPARATOR
    is off) — done directly for a finite Decimal (the summary's columns), ~10x cheaper
    than the filter; anything else goes to the filter. Compared with the filter on many
    values in tests/monitoring/test_pages.py."""
    if type(value) is not Decimal or not value.is_finite() or abs(value) >= 10**15:
        return floatformat(value, "-2")
    sep = decimal_sep if decimal_sep is not None else get_format("DECIMAL_SEPARATOR")
    if value == value.to_integral_value():
        return str(int(value))
    rounded = value.quantize(_CENT, ROUND_HALF_UP)
    text = f"{rounded:f}".replace(".", sep)
    return text[1:] if rounded.is_zero() and text[0] == "-" else text


def drill_rows(children: list[dict], *, year: int, code: str) -> SafeString:
    """The drill-down table's rows (`selectors.dashboard` "children") in the HTML the
    template loop wrote — same filters, escaping and whitespace, compared in
    tests/monitoring/test_pages.py — without the template engine (~65 µs a row there)."""
    result, rate, source = _out(_("Kết quả")), _out(_("Tỷ lệ")), _out(_("Nguồn"))
    link = f"&amp;year={_out(year)}&amp;indicator={_out(code)}"
    sep, parts = get_format("DECIMAL_SEPARATOR"), []
    for c in children:
        if c["denominator"] is not None:
            res = f"{floatformat2(c['numerator'], sep)}/{floatformat2(c['denominator'], sep)}"
        else:
            res = "—"
        val = f"{floatformat2(c['value'], sep)}%" if c["value"] is not None else "—"
        parts.append(
            f'\n      <tr><td class="primary"><a href="?unit={_out(c["unit"].pk)}{link}">'
            f"{_out(c['unit'].name)}</a></td>\n"
            f'      <td class="num" data-label="{result}">{res}</td>\n'
            f'      <td class="num" data-label="{rate}"><span class="chip st-{_out(c["status"])}">'
            f"{val}</span></td>\n"
            f'      <td data-label="{source}">{_out(c["provenance"])}</td></tr>\n    '
        )
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


def value_rows(values: list[dict], *, unit_pk: int, year: int) -> SafeString:
    """The indicator table's rows (`selectors.dashboard` "values", each with its "chart")
    in the HTML the template loop wrote — same filters, escaping and whitespace, compared
    in tests/monitoring/test_pages.py — without the template engine."""
    result, rate, target = _out(_("Kết quả")), _out(_("Tỷ lệ")), _out(_("Mục tiêu"))
    source, trend = _out(_("Nguồn")), _out(_("Xu hướng"))
    link = f"?unit={_out(unit_pk)}&amp;year={_out(year)}&amp;indicator="
    sep, parts, times = get_format("DECIMAL_SEPARATOR"), [], {}
    for r in values:
        code, status = _out(r["code"]), _out(r["status"])
        if r["denominator"] is not None:
            num, den = floatformat2(r["numerator"], sep), floatformat2(r["denominator"], sep)
            res = f"{num}/{den} {_out(r['unit_label'])}"
        else:
            res = "—"
        val = f"{floatformat2(r['value'], sep)}%" if r["value"] is not None else "—"
        tgt = f"{floatformat2(r['target'], sep)}%" if r["target"] is not None else ""
        if r["target_note_label"]:
            tgt += f" <small>({_out(r['target_note_label'])})</small>"
        src = _out(r["provenance_label"])
        if r["computed_at"]:
            minute = r["computed_at"].replace(second=0, microsecond=0)  # the format's unit
            at = times.get(minute)
            if at is None:
                at = times[minute] = date_filter(template_localtime(minute), "d/m/Y H:i")
            src += f"<br><small>{at}</small>"
        parts.append(
            f'\n      <tr class="row-{status}">\n        <td class="primary"><a href="{link}'
            f'{code}">{code}</a> {_out(r["label"])}</td>\n'
            f'        <td class="num" data-label="{result}">{res}</td>\n'
            f'        <td class="num" data-label="{rate}"><span class="chip st-{status}">'
            f"{val}</span></td>\n"
            f'        <td class="num" data-label="{target}">{tgt}</td>\n'
            f'        <td data-label="{source}">{src}</td>\n'
            f'        <td data-label="{trend}">{_out(r["chart"])}</td>\n'
            "      </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


def indicator_options(indicators, *, code: str) -> SafeString:
    """The indicator filter's `<option>`s as the template loop wrote them."""
    return mark_safe(  # noqa: S308 — every value is escaped
        "".join(
            f'<option value="{_out(i.code)}"{" selected" if i.code == code else ""}>'
            f"{_out(i.code)} {_out(i.label)}</option>"
            for i in indicators
        )
    )


def _dashboard(actor, *, unit: OrgUnit, year: int, code: str) -> dict:
    """`selectors.dashboard`; on a fresh install (no recompute or demo yet, so no Indicator
    rows) the definitions are loaded first, so the nav's link to the default T09 opens.
    Checked on the rows the selector read anyway: no extra query once they exist."""
    data = selectors.dashboard(actor=actor, unit=unit, year=year, code=code)
    if not data["indicators"]:
        indicators_sync()
        data = selectors.dashboard(actor=actor, unit=unit, year=year, code=code)
    return data


@login_required
@require_GET
@_guard
def dashboard_view(request):
    """The unit's operations centre. The body (values, trends, drill-down, map settings,
    alerts) is the same for everyone who may see the unit, so it is rendered once per
    (unit, year, indicator, colour, language) and cached until the next recompute
    (`services.cache_generation`) or for CACHE_SECONDS (alerts); the scope check and the
    breadcrumbs (scope-filtered) run on every request."""
    unit = _unit(request)
    year = _year(request, unit)
    code = request.GET.get("indicator") or "T09"
    colour = request.GET.get("colour") or code
    selectors._check_scope(request.user, unit)
    key = f"monitoring:dash:{cache_generation()}:{unit.pk}:{year}:{code}:{colour}:{get_language()}"
    cached = cache.get(key)
    if cached is None:
        data = _dashboard(request.user, unit=unit, year=year, code=code)
        if data["indicator"] is None:
            raise Http404(_("Không có chỉ tiêu này."))
        for row in data["values"]:
            row["chart"] = trend_svg(
                data["trend"].get(row["code"], []),
                row["target"],
                label=f"{row['code']} {row['label']}",
            )
        data["bars"] = bars_svg(
            [(c["unit"].name, c["value"], c["status"]) for c in data["children"]],
            label=data["indicator"].label,
        )
        data["alerts"] = [
            {**a, "message": alert_text(a["msgid"], a["params"], a["message"])}
            for a in alerts_for(request.user)
            .filter(subtree_q([unit.path], "unit__path"))
            .values("url", "message", "msgid", "params", "unit__name")[:20]
        ]
        data.update(
            code=code,
            colour=colour,
            map_url=f"{reverse('monitoring:map')}?unit={unit.pk}&year={year}&colour={colour}",
            is_school=reports.is_school(unit),
            drill_rows=drill_rows(data["children"], year=year, code=code),
            value_rows=value_rows(data["values"], unit_pk=unit.pk, year=year),
            indicator_options=indicator_options(data["indicators"], code=code),
        )
        cached = {
            "body": render_to_string("monitoring/_dashboard_body.html", data),
            "ancestors": [(a.pk, a.name, a.path) for a in data["ancestors"]],
        }
        cache.set(key, cached, CACHE_SECONDS)
    scope = request.user.scope
    crumbs = [
        (pk, name)
        for pk, name, path in cached["ancestors"]
        if scope.everything or any(path.startswith(p) for p in scope.unit_paths)
    ]
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "unit": unit, "year": year, "code": code, "crumbs": crumbs,
            "body": mark_safe(cached["body"]),  # noqa: S308 — rendered by our template
        },
    )  # fmt: skip


def _table(data) -> tuple[list[str], list[list]]:
    head = [
        _("Mã"), _("Chỉ tiêu"), _("Tử số"), _("Mẫu số"), _("Tỷ lệ (%)"), _("Mục tiêu (%)"),
        _("Nguồn số liệu"), _("Tính lúc"),
    ]  # fmt: skip
    rows = [
        [
            r["code"], r["label"],
            None if r["numerator"] is None else float(r["numerator"]),
            None if r["denominator"] is None else float(r["denominator"]),
            None if r["value"] is None else float(r["value"]),
            None if r["target"] is None else float(r["target"]),
            str(Provenance(r["provenance"]).label),
            timezone.localtime(r["computed_at"]).strftime("%d/%m/%Y %H:%M")
            if r["computed_at"] else "",
        ]
        for r in data["values"]
    ]  # fmt: skip
    return head, rows


@login_required
@require_GET
@_guard
def dashboard_export_view(request, fmt: str):
    unit = _unit(request)
    year = _year(request, unit)
    code = request.GET.get("indicator") or "T09"
    data = _dashboard(request.user, unit=unit, year=year, code=code)
    head, rows = _table(data)
    child_head = [_("Đơn vị"), _("Tử số"), _("Mẫu số"), _("Tỷ lệ (%)"), _("Nguồn số liệu")]
    child_rows = [
        [
            c["unit"].name,
            None if c["numerator"] is None else float(c["numerator"]),
            None if c["denominator"] is None else float(c["denominator"]),
            None if c["value"] is None else float(c["value"]),
            c["provenance"],
        ]
        for c in data["children"]
    ]
    return table_download(
        fmt,
        f"chi-tieu-{unit.pk}-{year}",
        [(_("Chỉ tiêu"), head, rows), (f"{code} " + _("theo đơn vị"), child_head, child_rows)],
    )


@login_required
@require_GET
@_guard
def map_view(request):
    unit = _unit(request)
    year = _year(request)
    colour = request.GET.get("colour") or "T09"
    return JsonResponse(
        selectors.map_features(actor=request.user, unit=unit, year=year, colour=colour),
        content_type="application/geo+json",
    )


LEAFLET_FILES = {
    "leaflet.js": "text/javascript",
    "leaflet.css": "text/css",
}


@require_GET
def leaflet_view(request, name: str):
    """Leaflet from the xstatic-leaflet package (no CDN, no copy in our tree)."""
    if name not in LEAFLET_FILES:
        raise Http404
    from pathlib import Path  # noqa: PLC0415

    import xstatic.pkg.leaflet as leaflet  # noqa: PLC0415

    response = FileResponse(
        open(Path(leaflet.BASE_DIR) / name, "rb"),  # noqa: SIM115 — FileResponse closes it
        content_type=LEAFLET_FILES[name],
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- yearly report ---------------------------------------------------------------------------


def _not_started(actor, unit: OrgUnit, rows) -> bool:
    """An officer above `unit` follows the dashboard's link to its yearly report or DX
    self-assessment before the unit has opened one (only its own staff may create it). The
    dashboard body with those links is cached and shared by everyone who may see the unit,
    so the link stays; the page says "not started yet" instead of refusing (403)."""
    return (
        not reports._can_edit(actor, unit) and reports.can_review(actor, unit) and not rows.exists()
    )


def _not_started_page(request, unit: OrgUnit, title: str, message: str):
    return render(
        request, "monitoring/not_started.html", {"unit": unit, "title": title, "message": message}
    )


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def report_view(request):
    unit = _unit(request)
    year = _year(request)
    if request.method == "GET" and _not_started(
        request.user, unit, YearlyReport.objects.filter(template__year=year, unit=unit)
    ):
        message = _("Đơn vị %(unit)s chưa lập báo cáo năm %(year)s.")
        return _not_started_page(
            request, unit, _("Báo cáo năm"), message % {"unit": unit, "year": year}
        )
    report = reports.report_get(actor=request.user, unit=unit, year=year)
    editable = reports._can_edit(request.user, unit) and report.status != ReportStatus.ACCEPTED
    refused: DomainError | None = None
    file_refused: DomainError | None = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if "file" in request.FILES:
                f = request.FILES["file"]
                reports.report_attach(
                    actor=request.user, report=report, key=request.POST.get("key", ""),
                    name=f.name, data=f.read(),
                )  # fmt: skip
                messages.success(request, _("Đã đính kèm tệp."))
            else:
                values = {}
                for code in self_reported_codes(unit):
                    values[code] = {
                        "numerator": request.POST.get(f"{code}-num", ""),
                        "denominator": request.POST.get(f"{code}-den", ""),
                        "percent": request.POST.get(f"{code}-pct", ""),
                        "note": request.POST.get(f"{code}-note", ""),
                    }
                    if not any(values[code][k] for k in ("numerator", "denominator", "percent")):
                        del values[code]
                sections = {
                    s["key"]: request.POST.get(f"section-{s['key']}", "")
                    for s in report.template.sections
                }
                facts = {
                    f["key"]: request.POST.get(f"fact-{f['key']}", "")
                    for f in reports.report_facts(unit, report.template)
                }
                reports.report_save(
                    actor=request.user, report=report, values=values, sections=sections,
                    facts=facts,
                )  # fmt: skip
                if action == "submit":
                    v = reports.report_submit(actor=request.user, report=report)
                    if v.late:
                        messages.warning(
                            request,
                            _("Đã nộp báo cáo (lần %(n)s) sau hạn; báo cáo được ghi nhận nộp muộn.")
                            % {"n": v.number},
                        )
                    else:
                        messages.success(
                            request, _("Đã nộp báo cáo (lần %(n)s).") % {"n": v.number}
                        )
                else:
                    messages.success(request, _("Đã lưu báo cáo."))
        except DomainError as exc:
            for m in _errors(exc):
                messages.error(request, m)
            if "file" not in request.FILES:
                refused = exc  # the report again, as typed (400), each error at its row
            else:
                file_refused = exc  # the page again (400), the error at the file
        if refused is None and file_refused is None:
            return redirect(f"{reverse('monitoring:report')}?unit={unit.pk}&year={year}")
    own = {v.indicator.code: v for v in report.values.select_related("indicator")}
    computed = {
        r["code"]: r for r in selectors.unit_values(actor=request.user, unit=unit, year=year)
    }
    codes = self_reported_codes(unit)
    sent = request.POST if refused is not None else None
    rows = [
        {
            "ind": ind,
            "self": ind.code in codes,
            "own": own.get(ind.code),
            "computed": computed.get(ind.code),
            "sent": sent
            and {k: sent.get(f"{ind.code}-{k}", "") for k in ("num", "den", "pct", "note")},
        }
        for ind in report_indicators(unit)
    ]
    facts = fact_prefill.facts_form(report, editable=editable)
    errors = _report_errors(refused, [r["ind"].code for r in rows], [f["key"] for f in facts])
    if file_refused is not None:
        errors["file"] = _errors(file_refused)
    if sent is not None:
        for f in facts:
            f["value"] = sent.get(f"fact-{f['key']}", "")
    due = reports.due_date(report)
    return render(
        request,
        "monitoring/report.html",
        {
            "unit": unit, "year": year, "report": report, "rows": rows, "editable": editable,
            "due": due, "overdue": reports.overdue(report, due),
            "files": report.files.all(),
            "versions": report.versions.all(),
            "sections": [
                {
                    **s,
                    "text": sent.get(f"section-{s['key']}", "") if sent is not None
                    else report.sections.get(s["key"], ""),
                }
                for s in report.template.sections
            ],
            "facts": facts,
            "errors": errors,
            "focus": first_invalid(
                errors,
                [*(r["ind"].code for r in rows), *(f"fact-{f['key']}" for f in facts), "file"],
            ),
            "file_key": request.POST.get("key", "") if file_refused is not None else "",
        },
        status=400 if refused is not None or file_refused is not None else 200,
    )  # fmt: skip


def _report_errors(exc, codes: list[str], fact_keys: list[str]) -> dict[str, list[str]]:
    """A refused report's messages by the row they concern: an indicator's code (its
    fields are named "T01" or "T01 tử số"), or "fact-<key>" for a fact."""
    if exc is None:
        return {}
    out: dict[str, list[str]] = {}
    for item in exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]:
        field = (item["field"] or "").split(" ")[0]
        key = field if field in codes else f"fact-{field}" if field in fact_keys else ""
        out.setdefault(key, []).append(item["message"])
    return out


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def consolidated_view(request):
    unit = _unit(request)
    year = _year(request)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        data = exports.consolidated_xlsx(actor=request.user, unit=unit, year=year)
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="bao-cao-{unit.pk}-{year}.xlsx"'
        return response
    if fmt == "pdf":
        try:
            data = exports.consolidated_pdf(actor=request.user, unit=unit, year=year)
        except DomainError as exc:
            messages.error(request, _errors(exc)[0])
            return redirect(f"{reverse('monitoring:consolidated')}?unit={unit.pk}&year={year}")
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="bao-cao-{unit.pk}-{year}.pdf"'
        return response
    if request.method == "POST":
        report = get_object_or_404(YearlyReport, pk=int_param(request.POST.get("report")))
        try:
            reports.report_review(
                actor=request.user, report=report,
                accept=request.POST.get("action") == "accept",
                comment=request.POST.get("comment", ""),
            )  # fmt: skip
            messages.success(request, _("Đã ghi nhận kết quả duyệt."))
        except DomainError as exc:
            for m in _errors(exc):
                messages.error(request, m)
        return redirect(f"{reverse('monitoring:consolidated')}?unit={unit.pk}&year={year}")
    data = selectors.consolidated(actor=request.user, unit=unit, year=year)
    pending = {
        r.pk: r
        for r in YearlyReport.objects.filter(
            pk__in=[s["report_id"] for s in data["schools"] if s["report_id"]]
        ).prefetch_related("versions")
    }
    for s in data["schools"]:
        r = pending.get(s["report_id"])
        s["latest"] = r.versions.all()[len(r.versions.all()) - 1] if r and r.version else None
        s["reviewable"] = r is not None and r.status == ReportStatus.SUBMITTED
        s["fact_cells"] = [(f, s["facts"][f["key"]]) for f in data["facts"]]
    data["fact_total_cells"] = [(f, data["fact_totals"][f["key"]]) for f in data["facts"]]
    data["can_review"] = reports.is_office_over(request.user, unit)
    return render(request, "monitoring/consolidated.html", data)


# --- DX index --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def dx_view(request):
    unit = _unit(request)
    year = (
        int_param(request.GET.get("year") or request.POST.get("year")) or timezone.localdate().year
    )
    if request.method == "GET" and _not_started(
        request.user, unit, DxAssessment.objects.filter(unit=unit, year=year)
    ):
        message = _("Đơn vị %(unit)s chưa tự đánh giá chuyển đổi số năm %(year)s.")
        return _not_started_page(
            request, unit, _("Chỉ số chuyển đổi số"), message % {"unit": unit, "year": year}
        )
    a = dx.assessment_get(actor=request.user, unit=unit, year=year)
    refused: DomainError | None = None
    file_refused: DomainError | None = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action in ("publish", "return"):
                dx.assessment_review(
                    actor=request.user, assessment=a, publish=action == "publish",
                    comment=request.POST.get("comment", ""),
                )  # fmt: skip
                messages.success(request, _("Đã ghi nhận kết quả duyệt."))
            elif "file" in request.FILES:
                f = request.FILES["file"]
                dx.evidence_add(
                    actor=request.user, assessment=a, code=request.POST.get("criterion", ""),
                    name=f.name, data=f.read(),
                )  # fmt: skip
                messages.success(request, _("Đã đính kèm minh chứng."))
            else:
                answers = {}
                for ans in a.answers.select_related("criterion"):
                    c = ans.criterion.code
                    answers[c] = {
                        "points": request.POST.get(f"p-{c}", ans.points),
                        "met": request.POST.get(f"m-{c}") == "1",
                        "link": request.POST.get(f"l-{c}", ans.link),
                    }
                dx.answers_save(actor=request.user, assessment=a, answers=answers)
                if action == "submit":
                    dx.assessment_submit(actor=request.user, assessment=a)
                    messages.success(request, _("Đã gửi bản tự đánh giá."))
                else:
                    messages.success(request, _("Đã lưu bản tự đánh giá."))
        except DomainError as exc:
            for m in _errors(exc):
                messages.error(request, m)
            if "file" not in request.FILES:
                refused = exc  # the form again, as typed (400), each error at its criterion
            else:
                file_refused = exc  # the page again (400), the error at the file
        if refused is None and file_refused is None:
            return redirect(f"{reverse('monitoring:dx')}?unit={unit.pk}&year={year}")
    answers = list(a.answers.select_related("criterion__group").prefetch_related("files"))
    errors: dict[str, list[str]] = {}
    if refused is not None:
        a.refresh_from_db()  # a submit refused after its save: the saved state
        sent = request.POST
        for x in answers:
            c = x.criterion.code
            x.sent = {"points": sent.get(f"p-{c}", ""), "met": sent.get(f"m-{c}") == "1",
                      "link": sent.get(f"l-{c}", "")}  # fmt: skip
        errors = field_messages(refused, {})  # by criterion code; messages name it
    if file_refused is not None:
        errors["file"] = _errors(file_refused)
    groups = [
        {
            "group": g,
            "score": a.scores.get(g.code, {}),
            "answers": [x for x in answers if x.criterion.group_id == g.pk],
        }
        for g in a.framework.groups.all()
    ]
    return render(
        request,
        "monitoring/dx.html",
        {
            "unit": unit, "year": year, "a": a, "groups": groups,
            "level": dx.overall_level(a), "levels": dx.LEVELS,
            "total": dx.total_points(a.scores) if a.framework.level_on == "total" else None,
            "editable": reports._can_edit(request.user, unit)
            and a.status in (DxStatus.DRAFT, DxStatus.RETURNED),
            "reviewable": reports.can_review(request.user, unit)
            and a.status == DxStatus.SUBMITTED,
            "errors": errors,
            "focus": first_invalid(errors, [*(x.criterion.code for x in answers), "file"]),
            "comment": request.POST.get("comment", "") if refused is not None else "",
            "file_key": request.POST.get("criterion", "") if file_refused is not None else "",
        },
        status=400 if refused is not None or file_refused is not None else 200,
    )  # fmt: skip


@require_GET
def dx_public_view(request):
    """Public: published DX levels by unit (no sign-in)."""
    year = int_param(request.GET.get("year"))
    rows = dx.published(year)
    # The groups named in the page's language (the scores keep the Vietnamese name; the
    # frameworks' group codes are distinct).
    names = {g.code: g.label for g in DxGroup.objects.all()}
    for r in rows:
        r["groups"] = {
            code: {**g, "name": names.get(code, g.get("name", ""))}
            for code, g in r["groups"].items()
        }
    years = sorted(
        set(DxAssessment.objects.filter(status=DxStatus.PUBLISHED).values_list("year", flat=True)),
        reverse=True,
    )
    return render(
        request,
        "monitoring/dx_public.html",
        {"rows": rows, "year": year, "years": years, "levels": dx.LEVELS},
    )


# --- forecasts -------------------------------------------------------------------------------


@login_required
@require_GET
@_guard
def forecast_view(request):
    """Enrolment for the next five school years of the unit's schools and communes."""
    from edudx.org.models import School  # noqa: PLC0415

    from .forecast import forecast_schools  # noqa: PLC0415

    unit = _unit(request)
    selectors._check_scope(request.user, unit)
    today = timezone.localdate()
    schools = selectors.schools_under_on(unit, today)
    ids = [sid for sid, _p in schools]
    results = forecast_schools(ids)
    names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    communes = dict(School.objects.filter(unit_id__in=ids).values_list("unit_id", "commune_id"))
    commune_names = dict(
        OrgUnit.objects.filter(pk__in=set(communes.values())).values_list("pk", "name")
    )
    years: list[int] = sorted({y for r in results.values() for y in r["forecast"].by_year})
    rows, by_commune = [], {}
    errors = []
    for sid in sorted(ids, key=lambda i: names[i]):
        f = results[sid]["forecast"]
        totals = f.totals()
        hist = f.years[-1] if f.years else None
        rows.append(
            {
                "name": names[sid],
                "totals": [round(totals.get(y, 0)) for y in years],
                "backtest": results[sid]["backtest"],
                "last_year": hist,
                "notes": f.notes,
            }
        )
        if results[sid]["backtest"] is not None:
            errors.append(results[sid]["backtest"])
        c = communes.get(sid)
        agg = by_commune.setdefault(c, [0.0] * len(years))
        for i, y in enumerate(years):
            agg[i] += totals.get(y, 0)
    commune_rows = [
        {"name": commune_names.get(c, "—"), "totals": [round(v) for v in vals]}
        for c, vals in sorted(by_commune.items(), key=lambda kv: commune_names.get(kv[0], ""))
    ]
    # Each figure with its school year, which labels it when a phone stacks the table.
    labels = [f"{y}–{y + 1}" for y in years]
    for row in [*rows, *commune_rows]:
        row["cells"] = list(zip(labels, row["totals"], strict=True))
    mape = sum(errors) / len(errors) * 100 if errors else None
    return render(
        request,
        "monitoring/forecast.html",
        {
            "unit": unit, "years": years, "rows": rows, "communes": commune_rows,
            "mape": mape, "backtested": len(errors),
        },
    )  # fmt: skip


@login_required
@require_GET
@_guard
def risk_view(request):
    """Students of the unit's schools with the highest dropout-risk scores (summary table
    RiskScore) and their top reasons. Personal data: the read is audited."""
    from edudx.audit.services import audit_record  # noqa: PLC0415

    from .risk import FEATURE_LABELS  # noqa: PLC0415

    unit = _unit(request)
    year, rows = selectors.risk_top(actor=request.user, unit=unit)
    for r in rows:
        r.reason_labels = [_(FEATURE_LABELS[f]) for f in r.reasons]
    audit_record(
        actor=request.user,
        action="view",
        object_type="monitoring.risk",
        object_id=unit.pk,
        object_repr=f"{unit.name} {year}",
        changes={"students": [None, str(len(rows))]},
    )
    return render(request, "monitoring/risk.html", {"unit": unit, "year": year, "rows": rows})
