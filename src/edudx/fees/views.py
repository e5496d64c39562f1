"""Fee pages: thin — parse, call a selector or a service, render. Staff pages sit behind the
staff two-factor middleware (accounts.middleware); writes check `selectors.may_write`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, DomainErrors, NotFound, form_errors
from edudx.core.params import int_param
from edudx.core.scope import scope_of
from edudx.core.tables import table_download
from edudx.core.validators import parse_date
from edudx.org.models import SchoolYear, UnitKind
from edudx.org.selectors import school_year_current

from . import selectors, services
from .models import (
    Area,
    FeeKind,
    InvoiceStatus,
    PaymentMethod,
    Reduction,
    ReductionReason,
)


def _errors(request, exc: DomainError) -> None:
    items = exc.items if isinstance(exc, DomainErrors) else [exc.item]
    for item in items:
        messages.error(request, str(item.message))


def _staff_context(request):
    """The unit picked (?school=) among those offered — the communes and provinces where
    the actor is an officer (their public-service fees) first, then the schools they read —
    and whether the actor may write for it."""
    fee_units = selectors.fee_units_of(request.user)
    units = fee_units + selectors.schools_for(request.user)
    if not units:
        raise PermissionDenied(_("Trang này dành cho cán bộ trường."))
    unit_id = int_param(request.GET.get("school") or request.POST.get("school"))
    unit = next((u for u in units if u.pk == unit_id), units[0])
    return {
        "schools": units,
        "school": unit,
        "may_write": selectors.may_write(request.user, unit),
        # A commune or province collects public-service fees: no fee items, no class runs.
        "fee_unit": unit.kind in selectors.FEE_UNIT_KINDS,
        "fee_units": bool(fee_units),
        "year": school_year_current(),
    }


def _require_school_write(ctx) -> None:
    """Fee items and invoice runs are a school's: its principal and clerks only."""
    if not ctx["may_write"] or ctx["fee_unit"]:
        raise PermissionDenied(_("Chỉ hiệu trưởng và kế toán/văn thư của trường được ghi thu."))


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


@login_required
def index_view(request):
    """Guardians and students: their invoices. Staff: the invoice list."""
    scope = scope_of(request.user)
    if scope.unit_paths or scope.everything:
        return redirect("fees:invoices")
    invoices = list(selectors.invoices_for_guardian(request.user))
    return render(request, "fees/my_invoices.html", {"invoices": invoices})


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def items_view(request):
    ctx = _staff_context(request)
    school = ctx["school"]
    refused: DomainError | None = None
    if request.method == "POST":
        _require_school_write(ctx)
        year = SchoolYear.objects.filter(pk=int_param(request.POST.get("school_year"))).first()
        if year is None:
            refused = DomainError("fees.school_year", _("Chọn năm học."), field="school_year")
            messages.error(request, refused.item.message)
        elif request.POST.get("action") == "reduction":
            refused = _reduction_post(request, school, year)
        else:
            refused = _item_post(request, school, year)
        if refused is None:
            return redirect(f"{reverse('fees:items')}?school={school.pk}")
    year = ctx["year"]
    if refused is not None:  # the page again, the refused form as typed (400)
        form = request.POST.get("action") or "item"
        errors, focus = form_errors(refused, form, SCHOOL_FORMS.get(form, {}))
        ctx.update(sent={**request.POST.dict(), "action": form}, errors=errors, focus=focus)
    ctx.update(
        reductions=selectors.reductions_of(school=school),
        students=selectors.students_of(school=school, school_year=year) if year else [],
        reasons=ReductionReason.choices,
        items=selectors.fee_items(school=school),
        years=SchoolYear.objects.order_by("-start_date")[:5],
        kinds=FeeKind.choices,
        areas=Area.choices,
    )
    return render(request, "fees/items.html", ctx, status=400 if refused is not None else 200)


# The fee items page's forms: their fields as the page labels them.
SCHOOL_FORMS = {
    "item": {
        "school_year": gettext_lazy("Năm học"),
        "kind": gettext_lazy("Loại"),
        "name": gettext_lazy("Tên khoản thu"),
        "amount": gettext_lazy("Số tiền (đồng)"),
        "area": gettext_lazy("Vùng (học phí)"),
        "grade_number": gettext_lazy("Khối"),
    },
    "reduction": {
        "student": gettext_lazy("Học sinh"),
        "reason": gettext_lazy("Đối tượng"),
        "kind": gettext_lazy("Áp dụng cho"),
        "percent": gettext_lazy("Tỉ lệ giảm (%)"),
        "amount": gettext_lazy("hoặc số tiền giảm (đồng)"),
        "dossier_ref": gettext_lazy("Mã hồ sơ dịch vụ công (nếu có)"),
    },
}


def _item_post(request, school, year) -> DomainError | None:
    """Add a fee item; the refusal (its messages flashed), or None when added."""
    try:
        item = services.fee_item_create(
            actor=request.user,
            school=school,
            school_year=year,
            kind=request.POST.get("kind", ""),
            name=request.POST.get("name", ""),
            amount=int_param(request.POST.get("amount", "").replace(".", "")) or 0,
            area=request.POST.get("area", ""),
            grade_number=int_param(request.POST.get("grade")),
        )
    except DomainError as exc:
        _errors(request, exc)
        return exc
    messages.success(
        request,
        _("Đã thêm khoản thu %(n)s: %(a)s.") % {"n": item.name, "a": services.money(item.amount)},
    )
    return None


def _reduction_post(request, school, year) -> DomainError | None:
    """Record a reduction; the refusal (its messages flashed), or None when recorded."""
    student = next(
        (
            st
            for st in selectors.students_of(school=school, school_year=year)
            if st.pk == int_param(request.POST.get("student"))
        ),
        None,
    )
    try:
        if student is None:
            raise DomainError("reduction.student", _("Chọn học sinh."), field="student")
        percent = int_param(request.POST.get("percent"))
        amount = int_param((request.POST.get("amount") or "").replace(".", ""))
        services.reduction_create(
            actor=request.user,
            student=student,
            school_year=year,
            reason=request.POST.get("reason", ""),
            percent=percent,
            amount=amount,
            kind=request.POST.get("kind", ""),
            dossier_ref=request.POST.get("dossier_ref", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        _errors(request, exc)
        return exc
    messages.success(
        request,
        _("Đã ghi miễn, giảm cho %(s)s; áp dụng cho các hóa đơn lập sau.")
        % {"s": student.person.full_name},
    )
    return None


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def invoices_view(request):
    ctx = _staff_context(request)
    school = ctx["school"]
    year = ctx["year"]
    classes = selectors.classes_of(school, year.pk if year else None)
    refused: DomainError | None = None
    if request.method == "POST":
        _require_school_write(ctx)
        cls = next((c for c in classes if c.pk == int_param(request.POST.get("class"))), None)
        due = (request.POST.get("due_date") or "").strip()
        try:
            if year is None:
                raise DomainError("invoice.year", _("Chưa có năm học."))
            result = services.invoices_generate(
                actor=request.user,
                school=school,
                school_year=year,
                period=request.POST.get("period", ""),
                title=request.POST.get("title", ""),
                class_group=cls,
                # The due date may be left blank (the form does not require it).
                due_date=parse_date(due, field="due_date") if due else None,
            )
        except DomainError as exc:
            _errors(request, exc)
            refused = exc
        else:
            messages.success(
                request,
                _("Đã lập %(n)s hóa đơn (%(s)s học sinh đã có hóa đơn kỳ này).")
                % {"n": result.created, "s": result.skipped},
            )
            return redirect(f"{reverse('fees:invoices')}?school={school.pk}")
    class_id = int_param(request.GET.get("class"))
    status = request.GET.get("status") or ""
    qs = selectors.invoice_list(
        actor=request.user,
        school_id=school.pk,
        class_id=class_id,
        status=status if status in InvoiceStatus.values else None,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ctx.update(
        page=page,
        classes=classes,
        class_id=class_id,
        status=status,
        statuses=InvoiceStatus.choices,
    )
    if refused is not None:  # the run form again as typed (400), errors under its fields
        errors, focus = form_errors(refused, "run", RUN_FORM)
        ctx.update(sent=request.POST, errors=errors, focus=focus)
    return render(request, "fees/invoices.html", ctx, status=400 if refused is not None else 200)


# The invoice run's fields as the form labels them (fees/invoices.html).
RUN_FORM = {
    "period": gettext_lazy("Kỳ thu (vd. HK1)"),
    "title": gettext_lazy("Tiêu đề"),
    "due_date": gettext_lazy("Hạn nộp"),
}


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def invoice_detail_view(request, invoice_id: int):
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    may_write = selectors.may_write(request.user, invoice.school)
    if request.method == "POST":
        selectors.require_write(request.user, invoice.school)
        action = request.POST.get("action")
        try:
            if action == "cash":
                payment = services.payment_record_cash(
                    actor=request.user,
                    invoice=invoice,
                    amount=int_param(request.POST.get("amount", "").replace(".", "")) or 0,
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request,
                    _("Đã thu %(a)s tiền mặt; biên lai %(r)s.")
                    % {"a": services.money(payment.amount), "r": payment.receipt.number},
                )
            elif action == "refund":
                services.refund_record(
                    actor=request.user,
                    invoice=invoice,
                    amount=int_param(request.POST.get("amount", "").replace(".", "")) or 0,
                    reason=request.POST.get("reason", ""),
                    method=request.POST.get("method", PaymentMethod.TRANSFER),
                )
                messages.success(request, _("Đã ghi nhận hoàn tiền."))
            elif action == "cancel":
                services.invoice_cancel(
                    actor=request.user, invoice=invoice, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("Đã hủy hóa đơn."))
        except DomainError as exc:
            _errors(request, exc)
            return _invoice_page(request, invoice, may_write, sent=request.POST, exc=exc)
        return redirect("fees:invoice_detail", invoice.pk)
    return _invoice_page(request, invoice, may_write)


# The invoice page's desk forms: their fields as the page labels them.
DESK_FORMS = {
    "cash": {"amount": gettext_lazy("Số tiền (đồng)"), "note": gettext_lazy("Ghi chú")},
    "refund": {
        "amount": gettext_lazy("Số tiền (đồng)"),
        "method": gettext_lazy("Hình thức"),
        "reason": gettext_lazy("Lý do"),
    },
    "cancel": {"reason": gettext_lazy("Lý do")},
}


def _invoice_page(request, invoice, may_write: bool, sent=None, exc=None):
    """The invoice page; `sent` is a refused form's POST, shown again as typed (400) in
    the form it came from (its `action`: cash, refund or cancel), with `exc`'s errors under
    their fields and the first of them focused."""
    errors, focus = {}, ""
    if sent is not None and exc is not None:
        action = sent.get("action", "")
        errors, focus = form_errors(exc, action, DESK_FORMS.get(action, {}))
    qr = selectors.invoice_qr(invoice)
    payments = list(invoice.payments.select_related("receipt").order_by("received_at", "id"))
    return render(
        request,
        "fees/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "payments": payments,
            "refunds": list(invoice.refunds.order_by("refunded_at")),
            "reductions": list(
                Reduction.objects.filter(
                    student_id=invoice.student_id, school_year_id=invoice.school_year_id
                )
            ),
            "account": qr.account,
            "payload": qr.payload,
            "qr_svg": qr.svg,
            "may_write": may_write,
            "methods": PaymentMethod.choices,
            # The payee may be a commune or province (a public-service fee), not a school:
            # the page names it "Đơn vị thu" and never says "Trường".
            "payee_is_school": invoice.school.kind == UnitKind.SCHOOL,
            "sent": sent or {},
            "errors": errors,
            "focus": focus,
        },
        status=400 if sent is not None else 200,
    )


@login_required
@_guard
def receipt_view(request, receipt_id: int):
    receipt = selectors.receipt_get(actor=request.user, receipt_id=receipt_id)
    data = services.receipt_pdf(receipt)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt.number}.pdf"'
    return response


@login_required
@_guard
def payments_view(request):
    ctx = _staff_context(request)
    ctx["payments"] = selectors.payments_of(actor=request.user, school_id=ctx["school"].pk)
    return render(request, "fees/payments.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def statements_view(request):
    ctx = _staff_context(request)
    school = ctx["school"]
    account = selectors.bank_account_of(school)
    if request.method == "POST":
        selectors.require_write(request.user, school)
        upload = request.FILES.get("file")
        if account is None:
            messages.error(request, services.no_account_text(school))
        elif upload is None:
            ctx.update(errors={"file": [_("Chọn tệp sao kê (.csv hoặc .xlsx).")]}, focus="file")
        else:
            try:
                stmt = services.statement_import(
                    actor=request.user,
                    bank_account=account,
                    file_name=upload.name,
                    content=upload.read(),
                )
            except DomainError as exc:
                ctx["import_errors"] = exc.items if isinstance(exc, DomainErrors) else [exc.item]
            else:
                messages.success(
                    request,
                    _(
                        "Đã nhập sao kê %(f)s: %(m)s giao dịch khớp, %(u)s chưa khớp, "
                        "%(s)s đã có từ trước."
                    )
                    % {
                        "f": stmt.file_name,
                        "m": stmt.lines_matched,
                        "u": stmt.lines_unmatched,
                        "s": stmt.lines_skipped,
                    },
                )
                for err in stmt.errors:
                    messages.warning(request, err["message"])
                return redirect(f"{reverse('fees:statements')}?school={school.pk}")
    from .models import StatementImport  # noqa: PLC0415

    ctx.update(
        account=account,
        imports=StatementImport.objects.filter(bank_account__school=school).order_by("-id")[:20],
    )
    return render(
        request,
        "fees/statements.html",
        ctx,
        status=400 if "import_errors" in ctx or "errors" in ctx else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def unmatched_view(request):
    ctx = _staff_context(request)
    school = ctx["school"]
    if request.method == "POST":
        line = selectors.line_get(
            actor=request.user, line_id=int_param(request.POST.get("line")) or 0
        )
        selectors.require_write(request.user, line.bank_account.school)
        try:
            if request.POST.get("action") == "ignore":
                services.line_ignore(actor=request.user, line=line, note=request.POST.get("note"))
                messages.success(
                    request, _("Đã bỏ qua giao dịch %(t)s.") % {"t": line.transaction_id}
                )
            else:
                ref = "".join((request.POST.get("reference") or "").split()).upper()
                invoice = (
                    selectors.invoice_list(
                        actor=request.user, school_id=line.bank_account.school_id
                    )
                    .filter(reference=ref)
                    .first()
                )
                if invoice is None:
                    raise DomainError(
                        "line.invoice",
                        _("Không tìm thấy hóa đơn %(r)s của %(u)s.")
                        % {"r": ref, "u": line.bank_account.school.name},
                        field="reference",
                    )
                services.line_assign(
                    actor=request.user,
                    line=line,
                    invoice=invoice,
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request,
                    _("Đã gán giao dịch %(t)s cho hóa đơn %(r)s.")
                    % {"t": line.transaction_id, "r": invoice.reference},
                )
        except DomainError as exc:
            _errors(request, exc)
        return redirect(f"{reverse('fees:unmatched')}?school={school.pk}")
    page = Paginator(
        selectors.unmatched_lines(actor=request.user, school_id=school.pk), 50
    ).get_page(request.GET.get("page"))
    for ln in page:
        ln.reason_text = services.reason_text(ln.reason)
    ctx["lines"] = page
    return render(request, "fees/unmatched.html", ctx)


def _report_context(request) -> dict:
    ctx = _staff_context(request)
    year = ctx["year"]
    years = list(SchoolYear.objects.order_by("-start_date")[:5])
    year_id = int_param(request.GET.get("year")) or (year.pk if year else None)
    all_schools = request.GET.get("scope") == "all"
    ctx.update(
        years=years,
        year_id=year_id,
        all_schools=all_schools,
        report=selectors.collection_report(
            actor=request.user,
            school_year_id=year_id,
            school_id=None if all_schools else ctx["school"].pk,
        )
        if year_id
        else None,
    )
    return ctx


@login_required
@_guard
def reports_view(request):
    return render(request, "fees/reports.html", _report_context(request))


def _report_table(report: dict) -> tuple[list, list[list]]:
    """The collection report as rows: each class and the whole school, then each commune's
    or province's public-service fees; whole đồng as plain integers."""

    def cells(r):
        return [r["n"], r["billed"], r["collected"], r["outstanding"], r["percent"]]

    head = [_("Đơn vị"), _("Lớp"), _("Hóa đơn"), _("Phải thu"), _("Đã thu"), _("Còn phải thu")]
    rows = []
    for s in report["schools"]:
        name = s["school__name"]
        rows.extend([name, c["class_group__name"] or "—", *cells(c)] for c in s["classes"])
        rows.append([name, _("Cả trường"), *cells(s)])
    rows.extend(
        [u["school__name"], _("Lệ phí dịch vụ công"), *cells(u)] for u in report["fee_units"]
    )
    return [*head, "%"], rows


@login_required
@require_http_methods(["GET"])
@_guard
def reports_export_view(request, fmt: str):
    """The report of the page (same unit, year and scope) as .csv or .xlsx."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    ctx = _report_context(request)
    if ctx["report"] is None:
        raise Http404
    head, rows = _report_table(ctx["report"])
    year = next((y.code for y in ctx["years"] if y.pk == ctx["year_id"]), ctx["year_id"])
    name = f"bao-cao-thu-{'tat-ca' if ctx['all_schools'] else ctx['school'].pk}-{year}"
    return table_download(fmt, name, [(_("Báo cáo thu"), head, rows)])


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def accounts_view(request):
    """The unit's receiving bank accounts (VietQR): a school's principal and clerks, a
    commune's or province's own officers."""
    from .banks import BANKS  # noqa: PLC0415

    ctx = _staff_context(request)
    school = ctx["school"]
    selectors.require_write(request.user, school)
    back = f"{reverse('fees:accounts')}?school={school.pk}"
    if request.method == "POST":
        action = request.POST.get("action", "create")
        fields = {
            "bank_bin": request.POST.get("bank_bin", ""),
            "account_number": request.POST.get("account_number", ""),
            "account_name": request.POST.get("account_name", ""),
        }
        try:
            if action == "create":
                account = services.bank_account_create(actor=request.user, school=school, **fields)
                messages.success(request, _("Đã thêm tài khoản %(a)s.") % {"a": str(account)})
            else:
                account = next(
                    (
                        a
                        for a in selectors.bank_accounts_of(school=school)
                        if a.pk == int_param(request.POST.get("account"))
                    ),
                    None,
                )
                if account is None:
                    raise NotFound(
                        "bank_account.not_found", _("Không tìm thấy tài khoản ngân hàng.")
                    )
                if action == "deactivate":
                    services.bank_account_update(actor=request.user, account=account, active=False)
                    messages.success(
                        request, _("Đã ngừng dùng tài khoản %(a)s.") % {"a": str(account)}
                    )
                elif action == "activate":
                    services.bank_account_update(actor=request.user, account=account, active=True)
                    messages.success(
                        request, _("Đã dùng lại tài khoản %(a)s.") % {"a": str(account)}
                    )
                else:
                    services.bank_account_update(actor=request.user, account=account, **fields)
                    messages.success(request, _("Đã lưu tài khoản %(a)s.") % {"a": str(account)})
        except NotFound:
            raise
        except DomainError as exc:
            _errors(request, exc)
            ctx.update(accounts=selectors.bank_accounts_of(school=school), banks=BANKS)
            ctx["form"] = {
                "action": action,
                "account": int_param(request.POST.get("account")),
                **fields,
            }
            return render(request, "fees/accounts.html", ctx, status=400)
        return redirect(back)
    ctx.update(accounts=selectors.bank_accounts_of(school=school), banks=BANKS, form={})
    return render(request, "fees/accounts.html", ctx)
