"""Every read of fees that crosses a permission line; each takes the acting user.

Who reads a unit's invoices, payments and bank lines: the unit-wide roles at or above it
(officers, principal, clerks: `scope.unit_paths`) and the system. Who writes them (fee
items, invoices, cash payments, statements, manual assignment, refunds, cancellation): a
school's principal and clerks; for a commune or province unit (public-service fees), the
officers of that very unit (`may_write`). Guardians and students read their own invoices
(`scope.student_ids`). Outside the scope an invoice is a 404, so its existence does not
leak; in scope but read-only is a 403."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.core.api_errors import Forbidden
from edudx.core.errors import NotFound
from edudx.core.scope import Scope, scope_of
from edudx.org.models import ClassGroup, OrgUnit, School, SchoolYear, UnitKind, path_upper
from edudx.people.models import Student, StudentStatus

from .models import (
    BankAccount,
    BankLine,
    FeeItem,
    Invoice,
    InvoiceStatus,
    LineStatus,
    Payment,
    PaymentMethod,
    Receipt,
    Reduction,
    Refund,
)

WRITE_ROLES = (Role.PRINCIPAL, Role.CLERK)
# Units that resolve public-service dossiers and so collect their fees (eservices).
FEE_UNIT_KINDS = (UnitKind.COMMUNE, UnitKind.PROVINCE)
FEE_UNIT_ROLES = (Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)


def _paths_q(scope: Scope, field: str) -> Q:
    q = Q(pk__in=[])
    for p in scope.unit_paths:
        q |= Q(**{f"{field}__path__gte": p, f"{field}__path__lt": path_upper(p)})
    return q


def invoice_scope_q(scope: Scope) -> Q | None:
    """Invoices a reader may see; None means all."""
    if scope.everything:
        return None
    return _paths_q(scope, "school") | Q(student_id__in=scope.student_ids)


def _invoices() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("student__person", "school", "school_year", "class_group")


def invoice_list(
    *,
    actor,
    school_id: int | None = None,
    class_id: int | None = None,
    status: str | None = None,
    student_id: int | None = None,
) -> QuerySet[Invoice]:
    qs = _invoices()
    q = invoice_scope_q(scope_of(actor))
    if q is not None:
        qs = qs.filter(q)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if class_id:
        qs = qs.filter(class_group_id=class_id)
    if status:
        qs = qs.filter(status=status)
    if student_id:
        qs = qs.filter(student_id=student_id)
    return qs.order_by(
        "-school_year__start_date", "class_group__name", "student__search_name", "id"
    )


def invoice_get(*, actor, invoice_id: int) -> Invoice:
    qs = _invoices()
    q = invoice_scope_q(scope_of(actor))
    if q is not None:
        qs = qs.filter(q)
    invoice = qs.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound("invoice.not_found", _("Không tìm thấy hóa đơn."))
    return invoice


def invoice_refund_state(invoice_id: int) -> Invoice | None:
    """The invoice's reference and what is paid on it, unless cancelled (None then or when
    missing): for eservices, whose dossier holds the invoice and checked its reader."""
    return (
        Invoice.objects.filter(pk=invoice_id)
        .exclude(status=InvoiceStatus.CANCELLED)
        .only("pk", "reference", "paid", "status")
        .first()
    )


def invoices_for_guardian(actor) -> QuerySet[Invoice]:
    """The invoices of the actor's own children (or their own, for a student), newest
    first; empty for anyone else. For the contact book: `{% for i in invoices %}` with
    `i.reference`, `i.title`, `i.total`, `i.paid`, `i.outstanding`, `i.get_status_display`,
    `i.student.person.full_name` and the page `fees:invoice_detail i.pk`."""
    scope = scope_of(actor)
    return (
        _invoices()
        .filter(student_id__in=scope.student_ids)
        .exclude(status=InvoiceStatus.CANCELLED)
        .order_by("-school_year__start_date", "student__search_name", "-id")
    )


def owed_by_student(*, actor, student_ids) -> dict[int, int]:
    """What is still owed (whole đồng) per student across their invoices that are not
    cancelled, for the students among `student_ids` whose invoices the actor may see: 0 when
    all are paid (an overpaid invoice counts 0, it does not offset another); a student with
    no invoice is absent. One GROUP BY for any number of students (the home page's cards)."""
    qs = Invoice.objects.filter(student_id__in=list(student_ids)).exclude(
        status=InvoiceStatus.CANCELLED
    )
    q = invoice_scope_q(scope_of(actor))
    if q is not None:
        qs = qs.filter(q)
    owed = Greatest(F("total") - F("paid"), Value(0), output_field=BigIntegerField())
    return dict(
        qs.order_by()
        .values_list("student_id")
        .annotate(owed=Sum(owed))
        .values_list("student_id", "owed")
    )


def may_write(actor, school: OrgUnit) -> bool:
    """Principal or clerk at the school or a unit above it; for a commune or province unit
    (the public-service fees of the dossiers it resolves), its own officers (a role at that
    very unit, not one above it); or the system."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if scope_of(actor).everything:
        return True
    if school.kind in FEE_UNIT_KINDS:
        return any(u.pk == school.pk for u in fee_units_of(actor))
    paths = actor.__dict__.get("_fees_write_paths")
    if paths is None:
        paths = actor.__dict__["_fees_write_paths"] = tuple(
            RoleAssignment.objects.filter(
                user=actor, role__in=WRITE_ROLES, unit__valid_to__isnull=True
            ).values_list("unit__path", flat=True)
        )
    return any(school.path.startswith(p) for p in paths)


def school_get(*, actor, school_id: int) -> OrgUnit:
    scope = scope_of(actor)
    qs = OrgUnit.objects.filter(pk=school_id, school__isnull=False)
    if not scope.everything:
        qs = qs.filter(_unit_q(scope))
    unit = qs.first()
    if unit is None:
        raise NotFound("school.not_found", _("Không tìm thấy trường."))
    return unit


def _unit_q(scope: Scope) -> Q:
    q = Q(pk__in=[])
    for p in scope.unit_paths:
        q |= Q(path__gte=p, path__lt=path_upper(p))
    return q


def require_write(actor, school: OrgUnit) -> None:
    """Forbidden unless the actor records money for `school` (`may_write`)."""
    if may_write(actor, school):
        return
    if school.kind in FEE_UNIT_KINDS:
        raise Forbidden(
            "fees.forbidden",
            _("Chỉ cán bộ của đơn vị được quản lý lệ phí của đơn vị."),
            field=None,
        )
    raise Forbidden(
        "fees.forbidden",
        _("Chỉ hiệu trưởng và kế toán/văn thư của trường được ghi thu."),
        field=None,
    )


def school_for_write(*, actor, school_id: int) -> OrgUnit:
    school = school_get(actor=actor, school_id=school_id)
    require_write(actor, school)
    return school


def collecting_unit_for_write(*, actor, unit_id: int) -> OrgUnit:
    """The unit whose fees the actor manages (receiving accounts, statements): a school
    (its principal and clerks), or a commune or province unit (its own officers: a role
    at that very unit, not one above it). 404 outside the actor's scope, 403 in scope
    without that role (`require_write`)."""
    scope = scope_of(actor)
    qs = OrgUnit.objects.filter(pk=unit_id, valid_to__isnull=True).filter(
        Q(school__isnull=False) | Q(kind__in=FEE_UNIT_KINDS)
    )
    if not scope.everything:
        qs = qs.filter(_unit_q(scope))
    unit = qs.first()
    if unit is None:
        raise NotFound("school.not_found", _("Không tìm thấy trường."))
    require_write(actor, unit)
    return unit


def fee_units_of(actor) -> list[OrgUnit]:
    """The communes and provinces where the actor is an officer: the units whose
    public-service fees (receiving accounts, invoices, statements) they manage, by name.
    Kept on the user object for the request."""
    if not getattr(actor, "is_authenticated", False):
        return []
    units = actor.__dict__.get("_fees_units")
    if units is None:
        units = actor.__dict__["_fees_units"] = [
            ra.unit
            for ra in RoleAssignment.objects.filter(
                user=actor,
                role__in=FEE_UNIT_ROLES,
                unit__kind__in=FEE_UNIT_KINDS,
                unit__valid_to__isnull=True,
            )
            .select_related("unit")
            .order_by("unit__name", "unit_id")
        ]
    return list(units)


def schools_for(actor, *, limit: int = 300) -> list[OrgUnit]:
    """Schools the actor reads fees of, by name (the picker on clerk pages)."""
    scope = scope_of(actor)
    qs = OrgUnit.objects.filter(school__isnull=False, valid_to__isnull=True)
    if not scope.everything:
        if not scope.unit_paths:
            return []
        qs = qs.filter(_unit_q(scope))
    return list(qs.order_by("name")[:limit])


def classes_of(school: OrgUnit, school_year_id: int | None = None) -> list[ClassGroup]:
    qs = ClassGroup.objects.filter(school=school).select_related("school_year", "grade")
    if school_year_id:
        qs = qs.filter(school_year_id=school_year_id)
    return list(qs.order_by("-school_year__start_date", "grade__number", "name"))


def fee_items(*, school: OrgUnit, school_year_id: int | None = None) -> list[FeeItem]:
    qs = FeeItem.objects.filter(school=school).select_related("school_year")
    if school_year_id:
        qs = qs.filter(school_year_id=school_year_id)
    return list(qs.order_by("-school_year__start_date", "kind", "grade_number", "name"))


def fee_item_get(*, actor, item_id: int) -> FeeItem:
    """A fee item of a school the actor reads (404 otherwise)."""
    scope = scope_of(actor)
    qs = FeeItem.objects.select_related("school", "school_year")
    if not scope.everything:
        qs = qs.filter(_paths_q(scope, "school"))
    item = qs.filter(pk=item_id).first()
    if item is None:
        raise NotFound("fee_item.not_found", _("Không tìm thấy khoản thu."))
    return item


def bank_accounts_of(*, school: OrgUnit) -> list[BankAccount]:
    """Every receiving account of the school, active first (callers checked the school)."""
    return list(BankAccount.objects.filter(school=school).order_by("-active", "id"))


def bank_account_get(*, actor, account_id: int) -> BankAccount:
    scope = scope_of(actor)
    qs = BankAccount.objects.select_related("school")
    if not scope.everything:
        qs = qs.filter(_paths_q(scope, "school"))
    account = qs.filter(pk=account_id).first()
    if account is None:
        raise NotFound("bank_account.not_found", _("Không tìm thấy tài khoản ngân hàng."))
    return account


def refunds_of(
    *, actor, school_id: int | None = None, invoice_id: int | None = None
) -> QuerySet[Refund]:
    """Refunds of the invoices the actor reads, newest first."""
    scope = scope_of(actor)
    qs = Refund.objects.select_related("invoice")
    if not scope.everything:
        qs = qs.filter(
            _paths_q(scope, "invoice__school") | Q(invoice__student_id__in=scope.student_ids)
        )
    if school_id:
        qs = qs.filter(invoice__school_id=school_id)
    if invoice_id:
        qs = qs.filter(invoice_id=invoice_id)
    return qs.order_by("-refunded_at", "-id")


def bank_account_of(school: OrgUnit) -> BankAccount | None:
    """The unit's (school, commune or province) earliest active receiving account."""
    return BankAccount.objects.filter(school=school, active=True).order_by("id").first()


@dataclass(frozen=True)
class InvoiceQR:
    account: BankAccount | None  # None: the unit has no active receiving account
    payload: str | None  # None: no account, nothing due, or cancelled
    svg: str  # inline SVG, safe to print ("" without a payload)


def invoice_qr(invoice: Invoice) -> InvoiceQR:
    """The VietQR code of what is due on `invoice`, payable to its unit's account."""
    from django.utils.safestring import mark_safe  # noqa: PLC0415

    from . import services, vietqr  # noqa: PLC0415

    account = bank_account_of(invoice.school)
    payload = services.invoice_qr_payload(invoice, account)
    # The SVG is built by the qrcode package from our own payload (digits, letters).
    svg = mark_safe(vietqr.svg(payload)) if payload else ""  # noqa: S308
    return InvoiceQR(account, payload, svg)


def unmatched_lines(*, actor, school_id: int | None = None) -> QuerySet[BankLine]:
    scope = scope_of(actor)
    qs = BankLine.objects.filter(status=LineStatus.UNMATCHED).select_related("bank_account__school")
    if not scope.everything:
        qs = qs.filter(_paths_q(scope, "bank_account__school"))
    if school_id:
        qs = qs.filter(bank_account__school_id=school_id)
    return qs.order_by("booked_at", "id")


def line_get(*, actor, line_id: int) -> BankLine:
    scope = scope_of(actor)
    qs = BankLine.objects.select_related("bank_account__school")
    if not scope.everything:
        qs = qs.filter(_paths_q(scope, "bank_account__school"))
    line = qs.filter(pk=line_id).first()
    if line is None:
        raise NotFound("line.not_found", _("Không tìm thấy giao dịch."))
    return line


def payments_of(*, actor, school_id: int | None = None, limit: int = 200) -> list[Payment]:
    scope = scope_of(actor)
    qs = Payment.objects.select_related("invoice__student__person", "invoice__school", "receipt")
    if not scope.everything:
        qs = qs.filter(
            _paths_q(scope, "invoice__school") | Q(invoice__student_id__in=scope.student_ids)
        )
    if school_id:
        qs = qs.filter(invoice__school_id=school_id)
    return list(qs.order_by("-received_at", "-id")[:limit])


def receipt_get(*, actor, receipt_id: int) -> Receipt:
    receipt = Receipt.objects.select_related("payment__invoice").filter(pk=receipt_id).first()
    if receipt is None:
        raise NotFound("receipt.not_found", _("Không tìm thấy biên lai."))
    invoice_get(actor=actor, invoice_id=receipt.payment.invoice_id)  # scope check
    return receipt


# --- reports --------------------------------------------------------------------------------


def _year_window(school_year_id: int) -> tuple[dt.datetime, dt.datetime | None] | None:
    """Aware bounds of a school year for what has no school year (public-service fees):
    from its first day to the first day of the next school year (the summer belongs to the
    year before), open-ended for the latest year; None for an unknown year.
    Asia/Ho_Chi_Minh days."""
    first = SchoolYear.objects.filter(pk=school_year_id).values_list("start_date", flat=True)
    first = first.first()
    if first is None:
        return None
    nxt = (
        SchoolYear.objects.filter(start_date__gt=first)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )

    def at(day):
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    return at(first), (at(nxt) if nxt else None)


def _collection_rows(qs: QuerySet[Invoice], *group: str) -> list[dict]:
    """Invoices, billed, collected and outstanding (each invoice's own: an overpaid one
    does not hide another's debt), paid invoices and percent collected, per group."""
    out = []
    for r in (
        qs.values(*group)
        .annotate(
            n=Count("id"),
            billed=Sum("total"),
            collected=Sum("paid"),
            outstanding=Sum(
                Greatest(F("total") - F("paid"), Value(0), output_field=BigIntegerField())
            ),
            paid_n=Count("id", filter=Q(status__in=[InvoiceStatus.PAID, InvoiceStatus.OVERPAID])),
        )
        .order_by(*group)
    ):
        billed, collected = r["billed"] or 0, r["collected"] or 0
        r["billed"], r["collected"], r["outstanding"] = billed, collected, r["outstanding"] or 0
        r["percent"] = round(100 * collected / billed, 1) if billed else 0.0
        out.append(r)
    return out


def _collection_totals(rows: list[dict]) -> dict:
    return {
        "n": sum(r["n"] for r in rows),
        "billed": sum(r["billed"] for r in rows),
        "collected": sum(r["collected"] for r in rows),
        "outstanding": sum(r["outstanding"] for r in rows),
    }


def collection_report(*, actor, school_year_id: int, school_id: int | None = None) -> dict:
    """Billed, collected and outstanding per school and per class of a school year, and —
    `fee_units` — per commune or province the public-service fees (invoices without a
    student, eservices dossiers) issued in that school year's span (`_year_window`).
    Cancelled invoices are left out; units the actor may read only. One grouped query each,
    on the (school, status) index."""
    live = Invoice.objects.exclude(status=InvoiceStatus.CANCELLED)
    q = invoice_scope_q(scope_of(actor))
    if q is not None:
        live = live.filter(q)
    if school_id:
        live = live.filter(school_id=school_id)

    schools = _collection_rows(
        live.filter(school_year_id=school_year_id), "school_id", "school__name"
    )
    classes = _collection_rows(
        live.filter(school_year_id=school_year_id),
        "school_id",
        "class_group_id",
        "class_group__name",
    )
    by_school = defaultdict(list)
    for c in classes:
        by_school[c["school_id"]].append(c)
    for s in schools:
        s["classes"] = by_school.get(s["school_id"], [])

    window = _year_window(school_year_id)
    fees = live.filter(student__isnull=True)
    if window is None:
        fees = fees.none()
    else:
        fees = fees.filter(created_at__gte=window[0])
        if window[1] is not None:
            fees = fees.filter(created_at__lt=window[1])
    fee_units = _collection_rows(fees, "school_id", "school__name")
    return {
        "schools": schools,
        "totals": _collection_totals(schools),
        "fee_units": fee_units,
        "fee_totals": _collection_totals(fee_units),
    }


def cashless_schools_share(*, start: dt.date, end: dt.date, unit: OrgUnit | None = None) -> dict:
    """Target T19: the share of schools (under `unit`, all if None; schools open today) that
    collected at least one cashless payment (bank transfer) with `start <= received date <=
    end` (dates in Asia/Ho_Chi_Minh). Returns {"schools": n, "cashless": k, "share": k/n
    (0.0 when n = 0)}. Not scoped to an actor: the monitoring helper computes indicators."""
    from django.utils import timezone  # noqa: PLC0415

    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    schools = School.objects.filter(unit__valid_to__isnull=True)
    if unit is not None:
        schools = schools.filter(unit__path__gte=unit.path, unit__path__lt=path_upper(unit.path))
    school_ids = set(schools.values_list("unit_id", flat=True))
    cashless = set(
        Payment.objects.filter(
            method=PaymentMethod.TRANSFER,
            received_at__gte=lo,
            received_at__lt=hi,
            invoice__school_id__in=school_ids,
        )
        .values_list("invoice__school_id", flat=True)
        .distinct()
    )
    n = len(school_ids)
    return {"schools": n, "cashless": len(cashless), "share": (len(cashless) / n) if n else 0.0}


def students_of(*, school: OrgUnit, school_year) -> list[Student]:
    """Studying students of the school in the year, by class and name (reduction picker)."""
    return list(
        Student.objects.filter(
            current_school=school,
            status=StudentStatus.STUDYING,
            current_class__school_year=school_year,
        )
        .select_related("person", "current_class")
        .order_by("current_class__name", "search_name", "id")
    )


def reductions_of(*, school: OrgUnit) -> list[Reduction]:
    return list(
        Reduction.objects.filter(student__current_school=school)
        .select_related("student__person", "school_year")
        .order_by("-school_year__start_date", "student__search_name", "id")[:300]
    )


def student_invoices(*, actor, student_id: int) -> list[dict]:
    """The contact book's view of one student's fees (contact.selectors.fees_due): the open
    and settled invoices of the current and earlier years that the actor may see, newest
    first, as {"reference", "title", "amount" (outstanding, whole đồng), "total", "paid",
    "due_date" (date or None), "status" (label), "url"}."""
    qs = invoice_list(actor=actor, student_id=student_id).exclude(status=InvoiceStatus.CANCELLED)
    return [
        {
            "reference": inv.reference,
            "title": inv.title,
            "amount": inv.outstanding,
            "total": inv.total,
            "paid": inv.paid,
            "due_date": inv.due_date,
            "status": str(inv.get_status_display()),
            "url": reverse("fees:invoice_detail", args=[inv.pk]),
        }
        for inv in qs
    ]
