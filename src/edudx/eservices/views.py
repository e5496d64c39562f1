"""Public-service pages (Vietnamese, usable at 360 px, no JavaScript needed). Thin:
parse, call a service or selector, render.

A visitor without an account may file a dossier or apply for a place; the codes they
created or looked up (with the phone number) are remembered in their session, which is
what lets that browser open them again."""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from edudx.core.errors import (
    DomainError,
    DomainErrors,
    ErrorItem,
    field_messages,
    first_invalid,
    form_errors,
)
from edudx.core.params import int_param
from edudx.core.scope import scope_of
from edudx.fees import selectors as fees_selectors
from edudx.org.models import OrgUnit, School, SchoolYear, UnitKind

from . import admissions, selectors, services
from .gate import submission_gate
from .models import (
    AdmissionApplication,
    AdmissionRound,
    AdmissionSchool,
    BenchRow,
    Dossier,
    PriorityCategory,
    ProcedureKind,
)

SESSION_DOSSIERS = "eservices_dossiers"
SESSION_APPLICATIONS = "eservices_applications"
QUEUE_PAGE = 50  # dossiers per page of the officer queue
# The admission form's fields, top to bottom (the priorities' ticks come after them).
APPLY_FIELDS = (
    "child_personal_id",
    "child_name",
    "date_of_birth",
    "sex",
    "commune",
    "village",
    "school",
    "applicant_name",
    "phone",
)


def _errors(exc: DomainError) -> list[dict]:
    return exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]


def _flash(request, exc: DomainError) -> None:
    for item in _errors(exc):
        messages.error(request, item["message"])


def _remember(request, key: str, code: str) -> None:
    codes = list(request.session.get(key, []))
    if code not in codes:
        request.session[key] = [*codes[-19:], code]


def _user(request):
    return request.user if request.user.is_authenticated else None


# --- catalogue and dossier form --------------------------------------------------------------


def procedure_list(request):
    procs = list(selectors.procedures())
    return render(
        request,
        "eservices/procedures.html",
        {
            "procedures": [p for p in procs if p.kind != ProcedureKind.ADMISSION],
            "admissions": [p for p in procs if p.kind == ProcedureKind.ADMISSION],
            "rounds": list(selectors.open_rounds()),
        },
    )


def _choices(procedure, spec) -> list[tuple]:
    kind = spec.get("type")
    if kind == "school":
        schools = School.objects.filter(unit__valid_to__isnull=True)
        if procedure.school_levels:
            schools = schools.filter(level__in=procedure.school_levels)
        return list(schools.order_by("unit__name").values_list("unit_id", "unit__name"))
    if kind == "commune":
        return list(
            OrgUnit.objects.filter(kind=UnitKind.COMMUNE, valid_to__isnull=True)
            .order_by("name")
            .values_list("pk", "name")
        )
    if kind == "select":
        return [(c, c) for c in spec.get("choices", [])]
    return []


def _form_fields(procedure, values: dict, errors: dict) -> list[dict]:
    return [
        {
            **spec,
            "label": _(spec["label"]),
            "value": values.get(spec["name"], ""),
            "error": errors.get(spec["name"], ""),
            "choices": _choices(procedure, spec),
        }
        for spec in procedure.fields
    ]


def _prefill(request) -> dict:
    person = getattr(_user(request), "person", None)
    if person is None:
        return {}
    return {"applicant_name": person.full_name, "phone": person.phone, "email": person.email}


def _needs_unit(procedure) -> bool:
    return not any(f.get("type") == "school" for f in procedure.fields)


@require_http_methods(["GET", "POST"])
def dossier_new(request, code: str):
    try:
        procedure = selectors.procedure_get(code)
    except DomainError:
        raise Http404 from None
    if procedure.kind == ProcedureKind.ADMISSION:
        return redirect("eservices:admissions")
    values = _prefill(request)
    errors: dict = {}
    if request.method == "POST":
        values = {f["name"]: request.POST.get(f["name"], "") for f in procedure.fields}
        try:
            d = services.dossier_create(
                actor=_user(request),
                procedure=procedure,
                raw=values,
                unit_id=int_param(request.POST.get("unit")),
                submit=False,
            )
        except DomainError as exc:
            for item in _errors(exc):
                errors[item["field"] or ""] = item["message"]
            _flash(request, exc)
        else:
            _remember(request, SESSION_DOSSIERS, d.code)
            messages.success(
                request,
                _("Đã lưu hồ sơ nháp %(c)s. Hãy đính kèm giấy tờ rồi bấm «Nộp hồ sơ».")
                % {"c": d.code},
            )
            return redirect("eservices:dossier", code=d.code)
    units = []
    if _needs_unit(procedure):
        units = list(
            OrgUnit.objects.filter(kind=procedure.unit_kind, valid_to__isnull=True)
            .order_by("name")
            .values_list("pk", "name")
        )
    return render(
        request,
        "eservices/dossier_form.html",
        {
            "procedure": procedure,
            "fields": _form_fields(procedure, values, errors),
            "errors": errors,
            "focus": first_invalid(errors, ["unit", *(f["name"] for f in procedure.fields)]),
            "units": units,
            "unit_value": int_param(request.POST.get("unit")) if request.method == "POST" else None,
        },
        status=400 if errors else 200,
    )


def _dossier_for(request, code: str) -> tuple[Dossier, bool]:
    """The dossier and whether the visitor is its applicant (or only an officer)."""
    code = (code or "").strip().upper()
    if code in request.session.get(SESSION_DOSSIERS, []):
        d = Dossier.objects.select_related("procedure", "unit").filter(code=code).first()
        if d is not None:
            return d, True
    try:
        d = selectors.dossier_get(actor=request.user, code=code)
    except DomainError:
        raise Http404 from None
    return d, d.applicant_id is not None and d.applicant_id == getattr(request.user, "pk", None)


@require_http_methods(["GET", "POST"])
def dossier_detail(request, code: str):
    d, is_applicant = _dossier_for(request, code)
    phone = d.phone if is_applicant else None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "upload" and is_applicant:
                f = request.FILES.get("file")
                if f is None:
                    raise DomainError("attachment.missing", _("Chưa chọn tệp."), field="file")
                a = services.attachment_upload(
                    actor=_user(request),
                    kind=request.POST.get("kind", ""),
                    filename=f.name,
                    data=f.read(services.setting("MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024) + 1),
                    claimed_type=f.content_type or "",
                )
                services.dossier_attach(actor=_user(request), dossier=d, attachment=a, phone=phone)
                messages.success(request, _("Đã đính kèm %(f)s.") % {"f": a.filename})
            elif action == "submit" and is_applicant:
                services.dossier_submit(actor=_user(request), dossier=d, phone=phone)
                messages.success(request, _("Đã nộp hồ sơ %(c)s.") % {"c": d.code})
            elif action == "supplement" and is_applicant:
                services.dossier_supplement(
                    actor=_user(request),
                    dossier=d,
                    comment=request.POST.get("comment", ""),
                    phone=phone,
                )
                messages.success(request, _("Đã gửi bổ sung hồ sơ."))
            elif action == "rate" and is_applicant:
                services.dossier_rate(
                    actor=_user(request),
                    dossier=d,
                    score=int_param(request.POST.get("score")) or 0,
                    comment=request.POST.get("comment", ""),
                    phone=phone,
                )
                messages.success(request, _("Cảm ơn bạn đã đánh giá."))
            elif action in services.OFFICER_ACTIONS:
                services.dossier_transition(
                    actor=request.user,
                    dossier=d,
                    action=action,
                    comment=request.POST.get("comment", ""),
                )
                messages.success(
                    request, _("Đã «%(a)s» hồ sơ.") % {"a": services.action_labels()[action]}
                )
                refund = selectors.fee_refund_due(d)
                if refund:
                    messages.warning(request, refund)
            else:
                raise Http404
        except DomainError as exc:
            # The page again, as typed, each error at its field (decision 30): an officer's
            # comment is not lost to a step the dossier is not ready for.
            _flash(request, exc)
            form = action if action in ("upload", "supplement", "rate") else "handle"
            errors, focus = form_errors(exc, form, _dossier_labels(form))
            sent = {
                "form": form,
                "comment": request.POST.get("comment", ""),
                "kind": request.POST.get("kind", ""),
                "score": request.POST.get("score", ""),
            }
            return _dossier_page(
                request, d, is_applicant, {"errors": errors, "focus": focus, "sent": sent}, 400
            )
        return redirect("eservices:dossier", code=d.code)
    return _dossier_page(request, d, is_applicant, {}, 200)


def _dossier_labels(form: str) -> dict[str, str]:
    """The labels of a dossier page's form (in the active language): the applicant's
    upload, supplement and rating, else the officer's step."""
    return {
        "upload": {"kind": _("Loại giấy tờ"), "file": _("Tệp")},
        "supplement": {"comment": _("Nội dung bổ sung")},
        "rate": {"score": _("Mức độ hài lòng"), "comment": _("Góp ý")},
    }.get(form, {"comment": _("Ý kiến xử lý")})


def _dossier_page(request, d, is_applicant: bool, extra: dict, status: int):
    d = Dossier.objects.select_related(
        "procedure", "unit", "from_school", "to_school", "invoice__school"
    ).get(pk=d.pk)
    labels = services.action_labels()
    have = set(d.files.values_list("kind", flat=True))
    return render(
        request,
        "eservices/dossier.html",
        {
            **extra,
            "d": d,
            "is_applicant": is_applicant,
            "overdue": selectors.is_overdue(d),
            "events": d.events.select_related("actor").all(),
            "files": d.files.only("filename", "kind", "size", "content_type"),
            "required": [{**a, "present": a["code"] in have} for a in d.procedure.attachments],
            "actions": [(a, labels[a]) for a in services.allowed_actions(request.user, d)]
            if request.user.is_authenticated
            else [],
            "fields": [
                (_(f["label"]), d.data.get(f["name"], ""))
                for f in d.procedure.fields
                if f["name"] in d.data
            ],
            "rating": getattr(d, "rating", None) if d.status == "returned" else None,
            "fee": selectors.dossier_fee(d),
            "refund_due": None if is_applicant else selectors.fee_refund_due(d),
        },
        status=status,
    )


def dossier_result(request, code: str):
    d, _is_applicant = _dossier_for(request, code)
    if not d.result_reference:
        raise Http404
    data = Dossier.objects.values_list("result_pdf", flat=True).get(pk=d.pk)
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{d.result_reference}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def lookup(request):
    if request.method == "POST":
        kind = request.POST.get("kind", "dossier")
        code = request.POST.get("code", "").strip().upper()
        phone = request.POST.get("phone", "")
        client = request.META.get("REMOTE_ADDR", "") or "unknown"
        try:
            if kind == "application":
                if not services.lookup_allowed(client):
                    raise services.Throttled(
                        "lookup.throttled",
                        _("Tra cứu sai quá nhiều lần; vui lòng thử lại sau 15 phút."),
                    )
                try:
                    a = admissions.application_get(actor=None, code=code, phone=phone)
                except DomainError:
                    services.lookup_failed(client)
                    raise
                _remember(request, SESSION_APPLICATIONS, a.code)
                return redirect(f"{reverse('eservices:admission_result')}?code={a.code}")
            d = services.dossier_by_code_and_phone(code=code, phone=phone, client_key=client)
            _remember(request, SESSION_DOSSIERS, d.code)
            return redirect("eservices:dossier", code=d.code)
        except DomainError as exc:  # the form as typed (400); which field is not said
            _flash(request, exc)
            return render(request, "eservices/lookup.html", {"form": request.POST}, status=400)
    return render(request, "eservices/lookup.html", {"form": {}})


@login_required
def mine(request):
    return render(
        request,
        "eservices/mine.html",
        {
            "dossiers": selectors.my_dossiers(actor=request.user),
            "applications": selectors.my_applications(actor=request.user),
        },
    )


@login_required
def officer_queue(request):
    status = request.GET.get("status") or None
    overdue = request.GET.get("overdue") == "1"
    page = Paginator(
        selectors.officer_queue(actor=request.user, status=status, overdue=overdue), QUEUE_PAGE
    ).get_page(request.GET.get("page"))
    labels = services.action_labels()
    today = timezone.localdate()
    return render(
        request,
        "eservices/queue.html",
        {
            "rows": [
                {
                    "d": d,
                    "overdue": selectors.is_overdue(d, today),
                    "actions": [(a, labels[a]) for a in services.allowed_actions(request.user, d)],
                }
                for d in page
            ],
            "page": page,
            "status": status or "",
            "overdue": overdue,
            "statuses": [
                (selectors.WAITING_FILTER, _("Chờ xử lý (đã nộp, đã tiếp nhận, đang xử lý)")),
                *(s for s in Dossier._meta.get_field("status").choices if s[0] != "draft"),
            ],
            "rounds": selectors.officer_rounds(actor=request.user)[:10],
            # Officers of a commune/province declare where its dossiers' fees are paid.
            # … and keep its fees desk: invoices, statements, unmatched lines, refunds.
            "fee_units": fees_selectors.fee_units_of(request.user),
        },
    )


# --- admissions ------------------------------------------------------------------------------


def admission_rounds(request):
    return render(request, "eservices/rounds.html", {"rounds": selectors.open_rounds()})


@require_http_methods(["GET", "POST"])
@submission_gate
def admission_apply(request, round_id: int):
    r = AdmissionRound.objects.select_related("school_year").filter(pk=round_id).first()
    if r is None:
        raise Http404
    schools = list(
        AdmissionSchool.objects.filter(round=r).select_related("school").order_by("school__name")
    )
    communes = list(OrgUnit.objects.filter(pk__in=r.zones.values("commune_id")).order_by("name"))
    values = {
        "applicant_name": _prefill(request).get("applicant_name", ""),
        "phone": _prefill(request).get("phone", ""),
    }
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in APPLY_FIELDS}
        values["priorities"] = request.POST.getlist("priorities")
        try:
            a = admissions.application_submit(actor=_user(request), round_id=r.pk, raw=values)
        except DomainError as exc:
            for item in _errors(exc):
                errors[item["field"] or ""] = item["message"]
            _flash(request, exc)
        else:
            _remember(request, SESSION_APPLICATIONS, a.code)
            messages.success(
                request,
                _("Đã nhận hồ sơ tuyển sinh %(c)s. Kết quả được công bố sau khi hết hạn đăng ký.")
                % {"c": a.code},
            )
            return redirect(f"{reverse('eservices:admission_result')}?code={a.code}")
    return render(
        request,
        "eservices/apply.html",
        {
            "r": r,
            "schools": schools,
            "communes": communes,
            "priorities": PriorityCategory.objects.all(),
            "v": values,
            "errors": errors,
            "focus": first_invalid(errors, (*APPLY_FIELDS, "priorities")),
            "open": r.opens_at <= timezone.now() < r.closes_at,
            "birth_years": ", ".join(str(y) for y in admissions.entry_birth_years(r)),
        },
        status=400 if errors else 200,
    )


def _application_for(request, code: str) -> AdmissionApplication:
    code = (code or "").strip().upper()
    phone = None
    if code in request.session.get(SESSION_APPLICATIONS, []):
        phone = (
            AdmissionApplication.objects.filter(code=code).values_list("phone", flat=True).first()
        )
    try:
        return admissions.application_get(actor=request.user, code=code, phone=phone)
    except DomainError:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def admission_result(request):
    code = request.GET.get("code") or request.POST.get("code", "")
    a = _application_for(request, code)
    if request.method == "POST":
        try:
            admissions.application_confirm(actor=_user(request), application=a, phone=a.phone)
        except DomainError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Đã xác nhận nhập học."))
        return redirect(f"{reverse('eservices:admission_result')}?code={a.code}")
    return render(request, "eservices/result.html", {"a": a})


@login_required
@require_http_methods(["GET", "POST"])
def admission_counts(request, round_id: int):
    r = selectors.officer_rounds(actor=request.user).filter(pk=round_id).first()
    if r is None:
        raise Http404
    if request.method == "POST":
        try:
            result = admissions.round_allocate(actor=request.user, round_=r)
        except DomainError as exc:
            _flash(request, exc)
        else:
            messages.success(
                request,
                _("Đã xét tuyển %(n)s hồ sơ, %(a)s trúng tuyển.")
                % {"n": result["applications"], "a": result["admitted"]},
            )
        return redirect("eservices:admission_counts", round_id=r.pk)
    rows = admissions.live_counts(actor=request.user, round_=r)
    return render(
        request,
        "eservices/counts.html",
        {
            "r": r,
            "rows": rows,
            "closed": timezone.now() >= r.closes_at,
            "total": sum(x["applied"] for x in rows),
        },
    )


# --- benchmark floor -------------------------------------------------------------------------


def bench_enabled() -> bool:
    return os.environ.get("EDUDX_ESERVICES_BENCH", "") == "1"


@csrf_exempt
@require_POST
@submission_gate
def bench_insert(request):
    """One INSERT and a JSON answer: the floor any submission pays (benchmark only)."""
    if not bench_enabled():
        raise Http404
    row = BenchRow.objects.create(value=request.headers.get("Idempotency-Key", "")[:64])
    return JsonResponse({"id": row.pk}, status=201)


# --- officers: rounds, quotas, zones, calendar ----------------------------------------------


@login_required
def rounds_manage(request):
    return render(
        request,
        "eservices/rounds_manage.html",
        {
            "rounds": selectors.officer_rounds(actor=request.user).select_related("procedure"),
            "procedures": selectors.procedures(kind=ProcedureKind.ADMISSION),
            "units": selectors.officer_units(actor=request.user),
            "years": SchoolYear.objects.order_by("-start_date")[:4],
        },
    )


def _local_input(value) -> str:
    """A datetime for an <input type="datetime-local"> (Vietnam time)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, round_id: int | None = None):
    """Create (procedure, unit and year chosen on the list page) or edit a round: window,
    seed, a quota and a zone box per school of the level under the organising unit."""
    r = None
    if round_id is not None:
        r = selectors.officer_rounds(actor=request.user).filter(pk=round_id).first()
        if r is None:
            raise Http404
        procedure, unit, year = r.procedure, r.unit, r.school_year
    else:
        data = request.POST if request.method == "POST" else request.GET
        try:
            procedure = selectors.procedure_get(data.get("procedure", ""))
            unit = selectors.officer_unit_get(
                actor=request.user, unit_id=int_param(data.get("unit"))
            )
            year = selectors.school_year_get(data.get("school_year", ""))
        except DomainError as exc:
            _flash(request, exc)
            return redirect("eservices:rounds_manage")
    in_round = Q(unit_id__in=r.schools.values("school_id")) if r else Q(pk__in=[])
    schools = list(
        School.objects.filter(
            (Q(unit__path__startswith=unit.path) & Q(level__in=procedure.school_levels)) | in_round,
            unit__valid_to__isnull=True,
        )
        .select_related("unit")
        .order_by("unit__name")
    )
    # A preschool round has a quota per age group (fields quota-<school>-<age>).
    ages = sorted(admissions.PRESCHOOL_GROUPS) if procedure.grade == admissions.PRESCHOOL else []
    quotas = (
        {s: g or q for s, q, g in r.schools.values_list("school_id", "quota", "group_quotas")}
        if r
        else {}
    )
    zones = admissions.zone_lines(r) if r else {}
    values = {
        "name": r.name if r else f"{procedure.name} {year.code}",
        "opens_at": _local_input(r.opens_at) if r else "",
        "closes_at": _local_input(r.closes_at) if r else "",
        "confirm_until": r.confirm_until.isoformat() if r and r.confirm_until else "",
        "seed": r.seed if r else "",
        "allow_overlaps": False,
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        values["allow_overlaps"] = request.POST.get("allow_overlaps") == "1"
        quotas = {
            s.unit_id: {
                str(a): request.POST.get(f"quota-{s.unit_id}-{a}", "").strip() for a in ages
            }
            if ages
            else request.POST.get(f"quota-{s.unit_id}", "").strip()
            for s in schools
        }
        zones = {s.unit_id: request.POST.get(f"zones-{s.unit_id}", "") for s in schools}
        try:
            chosen = [
                s
                for s in schools
                if (any(quotas[s.unit_id].values()) if ages else quotas[s.unit_id] != "")
            ]
            zone_rows = []
            parse_errors = []
            for s in chosen:
                try:
                    zone_rows += admissions.zone_lines_parse(zones[s.unit_id], school=s.unit)
                except DomainError as exc:
                    parse_errors += _errors(exc)
            if parse_errors:
                raise DomainErrors(
                    [ErrorItem(e["code"], e["message"], e["field"], e["row"]) for e in parse_errors]
                )
            saved = admissions.round_save(
                actor=request.user,
                round_=r,
                procedure=procedure,
                unit=unit,
                school_year=year,
                name=values["name"],
                opens_at=values["opens_at"],
                closes_at=values["closes_at"],
                confirm_until=values["confirm_until"] or None,
                seed=values["seed"],
                schools=[(s.unit_id, quotas[s.unit_id]) for s in chosen],
                zones=zone_rows,
                allow_overlaps=values["allow_overlaps"],
            )
        except DomainError as exc:
            for item in _errors(exc):
                errors.setdefault(item["field"] or "", []).append(item["message"])
            _flash(request, exc)
        else:
            messages.success(request, _("Đã lưu đợt tuyển sinh %(n)s.") % {"n": saved.name})
            return redirect("eservices:round_edit", round_id=saved.pk)
    return render(
        request,
        "eservices/round_form.html",
        {
            "r": r,
            "procedure": procedure,
            "unit": unit,
            "year": year,
            "v": values,
            "errors": errors,
            "focus": first_invalid(
                errors, ("name", "opens_at", "closes_at", "confirm_until", "seed")
            ),
            "rows": [
                {
                    "school": s.unit,
                    "quota": quotas.get(s.unit_id, ""),
                    "groups": [
                        {
                            "age": a,
                            "label": admissions.quota_labels()[a],
                            "value": (quotas.get(s.unit_id) or {}).get(str(a), ""),
                        }
                        for a in ages
                    ],
                    "zones": zones.get(s.unit_id, ""),
                    "errors": errors.get(f"zones-{s.unit_id}", []),
                }
                for s in schools
            ],
            "labels": admissions.round_labels(),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_manage(request):
    units = list(selectors.officer_units(actor=request.user))
    form = {"date": "", "name": "", "kind": "holiday", "unit": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        unit = None
        try:
            if form["unit"]:
                unit = selectors.officer_unit_get(
                    actor=request.user, unit_id=int_param(form["unit"])
                )
            if request.POST.get("action") == "delete":
                change = services.calendar_day_delete(
                    actor=request.user, date=form["date"], unit=unit
                )
                messages.success(request, _("Đã xoá ngày %(d)s.") % {"d": form["date"]})
            else:
                change = services.calendar_day_save(
                    actor=request.user,
                    date=form["date"],
                    name=form["name"],
                    is_holiday=form["kind"] != "workday",
                    unit=unit,
                )
                messages.success(
                    request, _("Đã lưu ngày %(d)s.") % {"d": change.day.date.strftime("%d/%m/%Y")}
                )
            messages.info(
                request,
                _("Đã cập nhật hạn xử lý của %(n)s hồ sơ.") % {"n": change.dossiers_moved},
            )
        except DomainError as exc:
            _flash(request, exc)
            if request.POST.get("action") != "delete":  # the form below, as typed (400)
                errors = field_messages(exc, {}, {"unit_id": "unit"})
        else:
            return redirect("eservices:calendar_manage")
    paths = [u.path for u in units]
    days = [
        d
        for d in selectors.calendar_days(year=None)
        if d.unit_id is None or any(d.unit.path.startswith(p) for p in paths)
    ]
    return render(
        request,
        "eservices/calendar.html",
        {
            "days": days,
            "units": units,
            "form": form,
            "national": scope_of(request.user).everything,
            "errors": errors,
            "focus": first_invalid(errors, ("date", "name", "kind", "unit")),
        },
        status=400 if errors else 200,
    )
