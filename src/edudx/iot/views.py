"""IoT pages (/iot/): thin — parse, call a scoped selector or a service, render. Staff pages
sit behind the staff two-factor middleware; a device, school or incident outside the
reader's scope is a 404; registering and editing devices is for the school's principal and
clerks (`selectors.may_manage`)."""

import datetime as dt
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from edudx.core.errors import DomainError, NotFound, field_messages, first_invalid
from edudx.core.params import int_param

from . import selectors, services
from .charts import series_svg
from .models import METRIC_UNITS, Comparison, DeviceKind, Metric, Severity

STATUS_LABELS = {
    "ok": gettext_lazy("Bình thường"),
    "incident": gettext_lazy("Có sự cố"),
    "silent": gettext_lazy("Mất tín hiệu > 1 giờ"),
    "inactive": gettext_lazy("Ngừng hoạt động"),
}


def _errors(request, exc: DomainError) -> dict[str, list[str]]:
    """Flash every message of a refused form and return them by field, to show under each
    (decision 30)."""
    by_field = field_messages(exc, {})
    for text in chain.from_iterable(by_field.values()):
        messages.error(request, text)
    return by_field


def _get(fetch, **kwargs):
    try:
        return fetch(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _require_reader(request) -> None:
    scope = selectors.scope_of(request.user)
    if not (scope.everything or scope.unit_paths):
        raise PermissionDenied(_("Trang này dành cho cán bộ trường và cơ quan quản lý."))


def _latest_rows(device) -> list[dict]:
    rows = []
    for metric in Metric.values:
        seen = device.latest.get(metric)
        if seen:
            rows.append(
                {
                    "metric": metric,
                    "label": Metric(metric).label,
                    "value": seen[1],
                    "unit": METRIC_UNITS[metric],
                    "at": dt.datetime.fromisoformat(seen[0]),
                }
            )
    return rows


@login_required
def home_view(request):
    _require_reader(request)
    summaries = {s.school.pk: s for s in selectors.school_summaries(actor=request.user)}
    for school in selectors.schools_of(request.user):
        summaries.setdefault(school.pk, selectors.SchoolSummary(school, 0, 0, 0))
    rows = sorted(summaries.values(), key=lambda s: (s.school.name, s.school.pk))
    context = {
        "rows": rows,
        "total_devices": sum(r.devices for r in rows),
        "total_open": sum(r.open_incidents for r in rows),
        "total_silent": sum(r.silent for r in rows),
    }
    return render(request, "iot/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def school_view(request, school_id: int):
    _require_reader(request)
    school = _get(selectors.school_get, actor=request.user, school_id=school_id)
    may_manage = selectors.may_manage(request.user, school)
    secret = new_device = None
    form: dict = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("Chỉ hiệu trưởng và văn thư của trường đăng ký thiết bị."))
        form = {k: request.POST.get(k, "") for k in ("device_id", "name", "location", "kind")}
        try:
            new_device, secret = services.device_register(actor=request.user, school=school, **form)
            form = {}
        except DomainError as exc:
            errors = _errors(request, exc)
    devices = selectors.with_status(
        list(selectors.device_list(actor=request.user, school_id=school.pk))
    )
    for d in devices:
        d.latest_rows = _latest_rows(d)
        d.status_label = STATUS_LABELS[d.status]
    context = {
        "school": school,
        "devices": devices,
        "may_manage": may_manage,
        "kinds": DeviceKind.choices,
        "form": form,
        "secret": secret,
        "new_device": new_device,
        "errors": errors,
        "focus": first_invalid(errors, ("device_id", "name", "location", "kind")),
    }
    return render(request, "iot/school.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def device_view(request, device_pk: int):
    _require_reader(request)
    device = _get(selectors.device_get, actor=request.user, device_pk=device_pk)
    may_manage = selectors.may_manage(request.user, device.school)
    secret, errors = None, {}
    form = {
        "name": device.name,
        "location": device.location,
        "kind": device.kind,
        "active": device.active,
    }
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("Chỉ hiệu trưởng và văn thư của trường sửa thiết bị."))
        try:
            if request.POST.get("action") == "rotate":
                secret = services.device_rotate_secret(actor=request.user, device=device)
            else:
                services.device_update(
                    actor=request.user,
                    device=device,
                    name=request.POST.get("name", ""),
                    location=request.POST.get("location", ""),
                    kind=request.POST.get("kind", ""),
                    active=request.POST.get("active") == "on",
                )
                messages.success(request, _("Đã lưu thiết bị."))
                return redirect("iot:device", device_pk=device.pk)
        except DomainError as exc:  # the form as typed (400), each error at its field
            errors = _errors(request, exc)
            form = {k: request.POST.get(k, "") for k in ("name", "location", "kind")}
            form["active"] = request.POST.get("active") == "on"
    now = timezone.now()
    since = now - dt.timedelta(hours=24)
    selectors.with_status([device], now)
    limits = {}  # metric -> the upper rule drawn on its chart
    for rule in selectors.effective_rules(device.school, device.kind):
        if rule.is_upper:
            limits.setdefault(rule.metric, rule)
    charts = []
    for row in _latest_rows(device):
        points = selectors.readings_series(
            device=device, metric=row["metric"], since=since, until=now
        )
        limit = limits.get(row["metric"])
        charts.append(
            {
                **row,
                "count": len(points),
                "limit": limit,
                "svg": series_svg(
                    points,
                    since=since,
                    until=now,
                    threshold=limit.threshold if limit else None,
                    clear_level=limit.clear_level if limit else None,
                    unit=row["unit"],
                    label=_("%(m)s trong 24 giờ qua") % {"m": row["label"]},
                ),
            }
        )
    context = {
        "device": device,
        "status_label": STATUS_LABELS[device.status],
        "charts": charts,
        "incidents": list(device.incidents.select_related("rule", "acknowledged_by")[:10]),
        "may_manage": may_manage,
        "kinds": DeviceKind.choices,
        "secret": secret,
        "form": form,
        "errors": errors,
        "focus": first_invalid(errors, ("name", "location", "kind")),
    }
    return render(request, "iot/device.html", context, status=400 if errors else 200)


@login_required
def incidents_view(request):
    _require_reader(request)
    open_only = request.GET.get("all") != "1"
    qs = selectors.incident_list(
        actor=request.user, school_id=int_param(request.GET.get("school")), open_only=open_only
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "iot/incidents.html",
        {"page": page, "open_only": open_only, "school_id": int_param(request.GET.get("school"))},
    )


@login_required
@require_POST
def incident_acknowledge_view(request, incident_pk: int):
    _require_reader(request)
    incident = _get(selectors.incident_get, actor=request.user, incident_pk=incident_pk)
    services.incident_acknowledge(actor=request.user, incident=incident)
    messages.success(request, _("Đã xác nhận sự cố."))
    back = request.POST.get("next") or ""
    if back.startswith("/iot/"):
        return redirect(back)
    return redirect("iot:incidents")


RULE_FIELDS = (
    "device_kind",
    "metric",
    "comparison",
    "threshold",
    "clear_level",
    "sustained_minutes",
    "severity",
    "message",
    "message_en",
)


def _rule_form_context() -> dict:
    return {
        "kinds": DeviceKind.choices,
        "metrics": Metric.choices,
        "comparisons": Comparison.choices,
        "severities": Severity.choices,
    }


def _rule_post(request) -> dict:
    data = {k: request.POST.get(k, "") for k in RULE_FIELDS}
    data["active"] = request.POST.get("active") == "on"
    return data


@login_required
@require_http_methods(["GET", "POST"])
def rules_view(request):
    _require_reader(request)
    units = selectors.rule_units(request.user)
    unit = next((u for u in units if u.pk == int_param(request.GET.get("unit"))), None)
    unit = unit or (units[0] if units else None)
    form = {"active": True, "sustained_minutes": "15"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        unit = next((u for u in units if u.pk == int_param(request.POST.get("unit"))), None)
        if unit is None:
            raise PermissionDenied(_("Bạn không đặt quy tắc cho đơn vị này."))
        form = _rule_post(request)
        try:
            services.rule_save(actor=request.user, unit=unit, **form)
            messages.success(request, _("Đã thêm quy tắc."))
            return redirect(f"{reverse('iot:rules')}?unit={unit.pk}")
        except DomainError as exc:
            errors = _errors(request, exc)
    rules = list(selectors.rules_visible(actor=request.user, unit=unit))
    editable = {u.pk for u in units}
    admin = selectors.may_edit_builtin(request.user)
    for r in rules:
        r.editable = (r.unit_id in editable) or admin
    context = {
        "rules": rules,
        "units": units,
        "unit": unit,
        "form": form,
        **_rule_form_context(),
        "errors": errors,
        "focus": first_invalid(errors, RULE_FIELDS),
    }
    return render(request, "iot/rules.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit_view(request, rule_pk: int):
    _require_reader(request)
    rule = _get(selectors.rule_get_for_edit, actor=request.user, rule_pk=rule_pk)
    form = {k: getattr(rule, k) for k in RULE_FIELDS} | {"active": rule.active}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = _rule_post(request)
        try:
            services.rule_save(actor=request.user, unit=rule.unit, rule=rule, **form)
            messages.success(request, _("Đã lưu quy tắc."))
            return redirect(f"{reverse('iot:rules')}?unit={rule.unit_id or ''}")
        except DomainError as exc:
            errors = _errors(request, exc)
    context = {
        "rule": rule,
        "form": form,
        **_rule_form_context(),
        "errors": errors,
        "focus": first_invalid(errors, RULE_FIELDS),
    }
    return render(request, "iot/rule_edit.html", context, status=400 if errors else 200)
