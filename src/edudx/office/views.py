"""E-office pages (/office/): thin — parse, call a scoped selector or a service, render.
A document, dossier or unit outside the reader's scope is a 404; an action they may not
take is a 403 with its reason; a refused form is shown again with every field's error."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors, NotFound
from edudx.core.params import int_param
from edudx.core.tables import table_download

from . import selectors, services
from .models import DocumentType, DossierStatus, IncomingStatus, Medium, SigningStage, Urgency

PAGE = 30


def _day(value) -> dt.date | None:
    """ISO (a date input) or dd/mm/yyyy; None when empty or not a date."""
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 — a date
        except ValueError:
            continue
    return None


def _guard(view):
    """Domain errors of a page: NotFound → 404, Forbidden → 403."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _page(*methods):
    """A signed-in page answering `methods`, its domain errors as 404/403."""

    def decorator(view):
        return login_required(require_http_methods(list(methods))(_guard(view)))

    return decorator


def _register_csv(request, *, name: str, title, lister, head: list, row):
    """A unit's register of a year (?unit=, ?year=) as CSV: UTF-8 with a BOM, dd/mm/yyyy."""
    unit, _units = _unit(request)
    if unit is None:
        raise Http404
    year = _year(request)
    qs = lister(actor=request.user, unit=unit, year=year).order_by("number")
    return table_download("csv", f"{name}-{unit.pk}-{year}", [(title, head, [row(d) for d in qs])])


def _day_text(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _form_page(request, template: str, ctx: dict, errors: dict):
    """A page with a form: 400 when the form was refused, each message under its field and
    the first field named focused (the services check fields top to bottom)."""
    focus = next((name for name in errors if name), "")
    return render(
        request,
        template,
        {**ctx, "errors": errors, "focus": focus},
        status=400 if errors else 200,
    )


def _errors(request, exc: DomainError) -> dict[str, list[str]]:
    """Flash every message; return them by field for the form."""
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    by_field: dict[str, list[str]] = {}
    for i in items:
        messages.error(request, i["message"])
        by_field.setdefault(i["field"] or "", []).append(i["message"])
    return by_field


def _unit(request, source=None):
    """The register unit the page is about (?unit=, else the actor's first), or None for a
    user who keeps no register."""
    units = selectors.register_units(request.user)
    if not units:
        return None, units
    unit_id = int_param((source or request.GET).get("unit"))
    return selectors.register_unit_get(actor=request.user, unit_id=unit_id), units


def _year(request) -> int:
    return int_param(request.GET.get("year")) or timezone.localdate().year


# --- incoming ---------------------------------------------------------------------------------


def _incoming_filters(request, unit):
    return {
        "unit": unit,
        "q": (request.GET.get("q") or "").strip()[:100],
        "status": request.GET.get("status")
        if request.GET.get("status") in {*IncomingStatus.values, selectors.OPEN}
        else None,
        "overdue": request.GET.get("overdue") == "1",
        "mine": request.GET.get("mine") == "1",
        "year": int_param(request.GET.get("year")),
    }


@_page("GET")
def incoming_view(request):
    """The unit's incoming register (văn thư, lãnh đạo) or, for a teacher, the documents
    handed to them."""
    unit, units = _unit(request)
    filters = _incoming_filters(request, unit)
    qs = selectors.incoming_list(actor=request.user, **filters)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [{"doc": d, "overdue": selectors.is_overdue(d, today)} for d in page.object_list]
    return render(
        request,
        "office/incoming.html",
        {
            "unit": unit,
            "units": units,
            "page": page,
            "rows": rows,
            "statuses": [(selectors.OPEN, _("Chưa xử lý xong")), *IncomingStatus.choices],
            "summary_scope": bool(request.user.scope.unit_paths or request.user.scope.everything),
            **filters,
        },
    )


@_page("GET", "POST")
def incoming_new_view(request):
    unit, units = _unit(request, request.POST if request.method == "POST" else None)
    if unit is None:
        raise PermissionDenied(_("Bạn không giữ sổ văn bản của đơn vị nào."))
    form, errors = {"received_on": timezone.localdate().isoformat(), "electronic": "1"}, {}
    if request.method == "POST":
        form = request.POST.dict()
        data = services.IncomingData(
            sender=form.get("sender", ""),
            symbol=form.get("symbol", ""),
            issued_on=_day(form.get("issued_on")),
            received_on=_day(form.get("received_on")),
            summary=form.get("summary", ""),
            urgency=form.get("urgency", Urgency.NORMAL),
            electronic=form.get("electronic") == "1",
        )
        try:
            doc = services.incoming_register(
                actor=request.user, unit=unit, data=data, attachment=request.FILES.get("attachment")
            )
            messages.success(request, _("Đã vào sổ văn bản đến số %(n)s.") % {"n": doc.number})
            return redirect("office:incoming_detail", document_id=doc.pk)
        except Forbidden:
            raise
        except DomainError as exc:
            errors = _errors(request, exc)
    return _form_page(
        request,
        "office/incoming_new.html",
        {
            "unit": unit,
            "units": units,
            "form": form,
            "errors": errors,
            "urgencies": Urgency.choices,
        },
        errors,
    )


@_page("GET", "POST")
def incoming_detail_view(request, document_id: int):
    user = request.user
    doc = selectors.incoming_get(actor=user, document_id=document_id)
    manager = selectors.may_manage(user, doc.unit)
    errors = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign" and manager:
                handler = (
                    selectors.handlers(doc.unit)
                    .filter(pk=int_param(request.POST.get("handler_id")))
                    .first()
                )
                services.incoming_assign(
                    actor=user,
                    document=doc,
                    handler=handler,
                    due_on=_day(request.POST.get("due_on")),
                )
                messages.success(request, _("Đã giao xử lý."))
            elif action == "start":
                services.incoming_start(actor=user, document=doc)
            elif action == "done":
                services.incoming_done(actor=user, document=doc)
                messages.success(request, _("Đã đánh dấu xử lý xong."))
            elif action == "file" and manager:
                dossier = selectors.dossier_get(
                    actor=user, dossier_id=int_param(request.POST.get("dossier_id")) or 0
                )
                services.dossier_file(actor=user, dossier=dossier, incoming=doc)
                messages.success(
                    request, _("Đã đưa văn bản vào hồ sơ %(c)s.") % {"c": dossier.code}
                )
            else:
                raise PermissionDenied
            return redirect("office:incoming_detail", document_id=doc.pk)
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            errors = _errors(request, exc)
    ctx = {
        "doc": doc,
        "manager": manager,
        "is_handler": doc.handler_id == user.pk,
        "overdue": selectors.is_overdue(doc),
        "errors": errors,
        "replies": list(doc.replies.order_by("issued_on", "id")),
    }
    if manager:
        ctx["handlers"] = [(u.pk, selectors.user_label(u)) for u in selectors.handlers(doc.unit)]
        ctx["dossiers"] = list(
            selectors.dossier_list(actor=user, unit=doc.unit, status=DossierStatus.OPEN)
        )
    return _form_page(request, "office/incoming_detail.html", ctx, errors)


def _attachment(doc):
    if not doc.attachment:
        raise Http404
    return FileResponse(
        doc.attachment.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{doc.pk}.pdf",
    )


@_page("GET")
def incoming_attachment_view(request, document_id: int):
    return _attachment(selectors.incoming_get(actor=request.user, document_id=document_id))


@_page("GET")
def incoming_export_view(request):
    """The unit's incoming register of a year as CSV."""
    head = [
        _("Số đến"), _("Ngày đến"), _("Cơ quan ban hành"), _("Số và ký hiệu"),
        _("Ngày ban hành"), _("Trích yếu"), _("Độ khẩn"), _("Hình thức"), _("Người xử lý"),
        _("Hạn xử lý"), _("Trạng thái"),
    ]  # fmt: skip
    return _register_csv(
        request,
        name="so-van-ban-den",
        title=_("Văn bản đến"),
        lister=selectors.incoming_list,
        head=head,
        row=lambda d: [
            d.number,
            _day_text(d.received_on),
            d.sender,
            d.symbol,
            _day_text(d.issued_on),
            d.summary,
            d.get_urgency_display(),
            _("Điện tử") if d.electronic else _("Giấy"),
            selectors.user_label(d.handler),
            _day_text(d.due_on),
            d.get_status_display(),
        ],  # fmt: skip
    )


# --- outgoing ---------------------------------------------------------------------------------


@_page("GET")
def outgoing_view(request):
    unit, units = _unit(request)
    if unit is None:
        raise PermissionDenied(_("Bạn không giữ sổ văn bản của đơn vị nào."))
    q = (request.GET.get("q") or "").strip()[:100]
    year = int_param(request.GET.get("year"))
    signing = request.GET.get("signing") or ""
    qs = selectors.outgoing_list(
        actor=request.user, unit=unit, q=q, year=year, signing=signing or None
    )
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "office/outgoing.html",
        {
            "unit": unit,
            "units": units,
            "page": page,
            "q": q,
            "year": year,
            "signing": signing,
            "stages": SigningStage.choices,
        },
    )


@_page("GET", "POST")
def outgoing_new_view(request):
    unit, units = _unit(request, request.POST if request.method == "POST" else None)
    if unit is None:
        raise PermissionDenied(_("Bạn không giữ sổ văn bản của đơn vị nào."))
    form = {
        "issued_on": timezone.localdate().isoformat(),
        "electronic": "1",
        "reply_to_id": request.GET.get("reply_to", ""),
    }
    errors = {}
    if request.method == "POST":
        form = request.POST.dict()
        data = services.OutgoingData(
            symbol=form.get("symbol", ""),
            doc_type=form.get("doc_type", ""),
            issued_on=_day(form.get("issued_on")),
            signer=form.get("signer", ""),
            recipients=form.get("recipients", ""),
            summary=form.get("summary", ""),
            urgency=form.get("urgency", Urgency.NORMAL),
            electronic=form.get("electronic") == "1",
            reply_to_id=int_param(form.get("reply_to_id")),
        )
        try:
            doc = services.outgoing_issue(
                actor=request.user, unit=unit, data=data, attachment=request.FILES.get("attachment")
            )
            messages.success(request, _("Đã cấp số %(n)s.") % {"n": doc.number_symbol})
            return redirect("office:outgoing_detail", document_id=doc.pk)
        except Forbidden:
            raise
        except DomainError as exc:
            errors = _errors(request, exc)
    open_incoming = selectors.incoming_list(actor=request.user, unit=unit).exclude(
        status=IncomingStatus.DONE
    )[:200]
    return _form_page(
        request,
        "office/outgoing_new.html",
        {
            "unit": unit,
            "units": units,
            "form": form,
            "errors": errors,
            "urgencies": Urgency.choices,
            "types": DocumentType.choices,
            "open_incoming": open_incoming,
        },
        errors,
    )


@_page("GET", "POST")
def outgoing_detail_view(request, document_id: int):
    user = request.user
    doc = selectors.outgoing_get(actor=user, document_id=document_id)
    errors = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "sign":
                services.outgoing_sign(actor=user, document=doc)
                messages.success(request, _("Đã ký số văn bản."))
            elif action == "seal":
                services.outgoing_seal(actor=user, document=doc)
                messages.success(request, _("Đã ký số của cơ quan lên văn bản."))
            elif action == "render":
                services.outgoing_render(actor=user, document=doc)
                messages.success(request, _("Đã tạo tệp PDF của văn bản."))
            else:
                dossier = selectors.dossier_get(
                    actor=user, dossier_id=int_param(request.POST.get("dossier_id")) or 0
                )
                services.dossier_file(actor=user, dossier=dossier, outgoing=doc)
                messages.success(
                    request, _("Đã đưa văn bản vào hồ sơ %(c)s.") % {"c": dossier.code}
                )
            return redirect("office:outgoing_detail", document_id=doc.pk)
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            errors = _errors(request, exc)
    ctx = {
        "doc": doc,
        "dossiers": selectors.dossier_list(actor=user, unit=doc.unit, status=DossierStatus.OPEN),
        "may_sign": selectors.may_sign(user, doc.unit),
        "may_seal": selectors.may_manage(user, doc.unit),
        "signature": selectors.outgoing_signature(doc),
        "errors": errors,
    }
    return _form_page(request, "office/outgoing_detail.html", ctx, errors)


@_page("GET")
def outgoing_attachment_view(request, document_id: int):
    return _attachment(selectors.outgoing_get(actor=request.user, document_id=document_id))


@_page("GET")
def outgoing_export_view(request):
    """The unit's outgoing register of a year as CSV."""
    head = [
        _("Số, ký hiệu"), _("Ngày ban hành"), _("Loại văn bản"), _("Trích yếu"), _("Người ký"),
        _("Nơi nhận"), _("Độ khẩn"), _("Hình thức"), _("Trả lời văn bản đến số"),
    ]  # fmt: skip
    return _register_csv(
        request,
        name="so-van-ban-di",
        title=_("Văn bản đi"),
        lister=selectors.outgoing_list,
        head=head,
        row=lambda d: [
            d.number_symbol,
            _day_text(d.issued_on),
            d.get_doc_type_display(),
            d.summary,
            d.signer,
            " ".join(d.recipients.split()),
            d.get_urgency_display(),
            _("Điện tử") if d.electronic else _("Giấy"),
            d.reply_to.number if d.reply_to_id else "",
        ],  # fmt: skip
    )


# --- dossiers ---------------------------------------------------------------------------------


@_page("GET", "POST")
def dossiers_view(request):
    """The unit's work dossiers, and a form to open one (its staff); a teacher sees the
    dossiers they handle."""
    user = request.user
    unit, units = _unit(request, request.POST if request.method == "POST" else None)
    form = {"opened_on": timezone.localdate().isoformat(), "medium": Medium.DIGITAL}
    errors = {}
    if request.method == "POST":
        if unit is None:
            raise PermissionDenied(_("Bạn không giữ sổ văn bản của đơn vị nào."))
        form = request.POST.dict()
        handler = selectors.handlers(unit).filter(pk=int_param(form.get("handler_id"))).first()
        try:
            dossier = services.dossier_open(
                actor=user,
                unit=unit,
                code=form.get("code", ""),
                title=form.get("title", ""),
                handler=handler,
                opened_on=_day(form.get("opened_on")),
                medium=form.get("medium", ""),
            )
            messages.success(request, _("Đã mở hồ sơ %(c)s.") % {"c": dossier.code})
            return redirect("office:dossier_detail", dossier_id=dossier.pk)
        except Forbidden:
            raise
        except DomainError as exc:
            errors = _errors(request, exc)
    status = (
        request.GET.get("status") if request.GET.get("status") in DossierStatus.values else None
    )
    q = (request.GET.get("q") or "").strip()[:100]
    qs = selectors.dossier_list(actor=user, unit=unit, status=status, q=q)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    ctx = {
        "unit": unit,
        "units": units,
        "page": page,
        "status": status,
        "statuses": DossierStatus.choices,
        "q": q,
        "form": form,
        "errors": errors,
        "media": Medium.choices,
    }
    if unit is not None:
        ctx["handlers"] = [(u.pk, selectors.user_label(u)) for u in selectors.handlers(unit)]
    return _form_page(request, "office/dossiers.html", ctx, errors)


@_page("GET", "POST")
def dossier_detail_view(request, dossier_id: int):
    user = request.user
    dossier = selectors.dossier_get(actor=user, dossier_id=dossier_id)
    errors = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "close":
                services.dossier_close(
                    actor=user, dossier=dossier, closed_on=_day(request.POST.get("closed_on"))
                )
                messages.success(request, _("Đã kết thúc hồ sơ."))
            elif action == "file":
                kind, _sep, pk = (request.POST.get("document") or "").partition(":")
                if kind == "in":
                    doc = selectors.incoming_get(actor=user, document_id=int_param(pk) or 0)
                    services.dossier_file(actor=user, dossier=dossier, incoming=doc)
                elif kind == "out":
                    doc = selectors.outgoing_get(actor=user, document_id=int_param(pk) or 0)
                    services.dossier_file(actor=user, dossier=dossier, outgoing=doc)
                else:
                    raise DomainError("office.document", _("Hãy chọn văn bản."), field="document")
                messages.success(request, _("Đã thêm văn bản vào hồ sơ."))
            else:
                raise PermissionDenied
            return redirect("office:dossier_detail", dossier_id=dossier.pk)
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            errors = _errors(request, exc)
    writer = dossier.handler_id == user.pk or selectors.may_manage(user, dossier.unit)
    ctx = {
        "dossier": dossier,
        "writer": writer,
        "errors": errors,
        "incoming": list(dossier.incoming.order_by("received_on", "id")),
        "outgoing": list(dossier.outgoing.order_by("issued_on", "id")),
        "today": timezone.localdate().isoformat(),
    }
    if writer and dossier.status == DossierStatus.OPEN and selectors.may_manage(user, dossier.unit):
        ctx["unfiled_in"] = selectors.incoming_list(actor=user, unit=dossier.unit).filter(
            dossier__isnull=True
        )[:100]
        ctx["unfiled_out"] = selectors.outgoing_list(actor=user, unit=dossier.unit).filter(
            dossier__isnull=True
        )[:100]
    return _form_page(request, "office/dossier_detail.html", ctx, errors)


# --- summary ----------------------------------------------------------------------------------


@_page("GET")
def summary_view(request):
    """Counts per unit of the reader's subtree (no document is shown)."""
    year = _year(request)
    rows = selectors.summary(actor=request.user, year=year)
    this = timezone.localdate().year
    return render(
        request,
        "office/summary.html",
        {"rows": rows, "year": year, "years": list(range(this, this - 4, -1))},
    )
