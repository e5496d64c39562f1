"""Every write of fees: fee items, reductions, invoices, payments, refunds, reconciliation.

Reconciliation is set-based: a batch of bank lines (a statement, or the one line of a
webhook call) is matched with a regex pass in Python (`references.candidates`) and a few
bulk look-ups, then written with bulk inserts and one grouped UPDATE per 500 invoices, all
in one transaction. The unique indexes in models.py make a retried or concurrent batch fail
instead of recording money twice."""

import datetime as dt
import gc
import hashlib
import hmac
import json
import logging
import os
import re
import sqlite3
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import User
from edudx.audit.services import audit_record
from edudx.core.api_errors import Unauthorized
from edudx.core.errors import Conflict, DomainError, DomainErrors, ErrorItem
from edudx.core.events import emit
from edudx.notify.services import Address, notify
from edudx.org.models import ClassGroup, OrgUnit, SchoolYear
from edudx.people.models import Student, StudentStatus

from . import references, statements
from .models import (
    Area,
    BankAccount,
    BankLine,
    FeeItem,
    FeeKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    LineStatus,
    Payment,
    PaymentMethod,
    Receipt,
    Reduction,
    ReductionReason,
    Refund,
    StatementImport,
    WebhookNonce,
)
from .statements import LineIn

log = logging.getLogger(__name__)

CHUNK = 2000
MAX_AMOUNT = 10**12  # one line never carries a thousand billion đồng


def vietqr_name(text: str) -> str:
    """An account holder's name as banks print it: upper case, no diacritics."""
    from .vietqr import ascii_purpose  # noqa: PLC0415

    return ascii_purpose(text).upper()[:100]


def money(amount: int | None) -> str:
    """1250000 → "1.250.000 đ" (Vietnamese grouping, whole đồng)."""
    n = int(amount or 0)
    sign = "-" if n < 0 else ""
    return f"{sign}{abs(n):,} đ".replace(",", ".")


# --- fee items and reductions ---------------------------------------------------------------


def fee_item_create(
    *,
    actor,
    school: OrgUnit,
    school_year: SchoolYear,
    kind: str,
    name: str,
    amount: int,
    level: str = "",
    area: str = "",
    grade_number: int | None = None,
) -> FeeItem:
    errors = []
    name = " ".join((name or "").split())
    if kind not in FeeKind.values:
        errors.append(ErrorItem("fee_item.kind", _("Loại khoản thu không hợp lệ."), "kind"))
    if not name:
        errors.append(ErrorItem("fee_item.name", _("Nhập tên khoản thu."), "name"))
    if not isinstance(amount, int) or amount <= 0 or amount > MAX_AMOUNT:
        errors.append(
            ErrorItem("fee_item.amount", _("Số tiền phải là số nguyên đồng lớn hơn 0."), "amount")
        )
    if area and area not in Area.values:
        errors.append(ErrorItem("fee_item.area", _("Vùng không hợp lệ."), "area"))
    if grade_number is not None and not 1 <= grade_number <= 12:
        errors.append(ErrorItem("fee_item.grade", _("Khối lớp từ 1 đến 12."), "grade_number"))
    if errors:
        raise DomainErrors(errors)
    _fee_item_unique(school.pk, school_year.pk, name, grade_number)
    try:
        with transaction.atomic():
            item = FeeItem.objects.create(
                school=school,
                school_year=school_year,
                kind=kind,
                name=name,
                amount=amount,
                level=level or getattr(getattr(school, "school", None), "level", ""),
                area=area,
                grade_number=grade_number,
            )
            audit_record(
                actor=actor,
                action="create",
                object_type="fees.feeitem",
                object_id=item.pk,
                object_repr=f"{name} {money(amount)}",
            )
    except IntegrityError as exc:
        raise Conflict(
            "fee_item.duplicate",
            _("Trường đã có khoản thu “%(n)s” cho năm học và khối này.") % {"n": name},
            field="name",
        ) from exc
    return item


def _fee_item_unique(school_id, year_id, name, grade_number, exclude=None) -> None:
    """The unique index cannot see two items for every grade (NULL ≠ NULL): checked here."""
    qs = FeeItem.objects.filter(
        school_id=school_id, school_year_id=year_id, name=name, grade_number=grade_number
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise Conflict(
            "fee_item.duplicate",
            _("Trường đã có khoản thu “%(n)s” cho năm học và khối này.") % {"n": name},
            field="name",
        )


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # an argument not given: the field keeps its value


def fee_item_update(
    *,
    actor,
    item: FeeItem,
    name=UNSET,
    amount=UNSET,
    kind=UNSET,
    area=UNSET,
    grade_number=UNSET,
    active=UNSET,
) -> FeeItem:
    """Change a fee item; invoices already issued keep their lines (the item applies to the
    invoices generated after). Every given field is checked before anything is written."""
    errors = []
    changes: dict[str, list] = {}
    if name is not UNSET:
        name = " ".join((name or "").split())
        if not name or len(name) > 200:
            errors.append(ErrorItem("fee_item.name", _("Nhập tên khoản thu."), "name"))
        changes["name"] = [item.name, name]
    if amount is not UNSET:
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
            errors.append(
                ErrorItem(
                    "fee_item.amount", _("Số tiền phải là số nguyên đồng lớn hơn 0."), "amount"
                )
            )
        changes["amount"] = [item.amount, amount]
    if kind is not UNSET:
        if kind not in FeeKind.values:
            errors.append(ErrorItem("fee_item.kind", _("Loại khoản thu không hợp lệ."), "kind"))
        changes["kind"] = [item.kind, kind]
    if area is not UNSET:
        area = area or ""
        if area and area not in Area.values:
            errors.append(ErrorItem("fee_item.area", _("Vùng không hợp lệ."), "area"))
        changes["area"] = [item.area, area]
    if grade_number is not UNSET:
        if grade_number is not None and not 1 <= grade_number <= 12:
            errors.append(ErrorItem("fee_item.grade", _("Khối lớp từ 1 đến 12."), "grade_number"))
        changes["grade_number"] = [item.grade_number, grade_number]
    if active is not UNSET:
        changes["active"] = [item.active, bool(active)]
    if errors:
        raise DomainErrors(errors)
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    if not changes:
        return item
    if "name" in changes or "grade_number" in changes:
        _fee_item_unique(
            item.school_id,
            item.school_year_id,
            changes.get("name", [None, item.name])[1],
            changes.get("grade_number", [None, item.grade_number])[1],
            exclude=item.pk,
        )
    try:
        with transaction.atomic():
            for k, (_old, new) in changes.items():
                setattr(item, k, new)
            item.save()
            audit_record(
                actor=actor,
                action="update",
                object_type="fees.feeitem",
                object_id=item.pk,
                object_repr=f"{item.name} {money(item.amount)}",
                changes=changes,
            )
    except IntegrityError as exc:
        item.refresh_from_db()
        raise Conflict(
            "fee_item.duplicate",
            _("Trường đã có khoản thu “%(n)s” cho năm học và khối này.") % {"n": item.name},
            field="name",
        ) from exc
    return item


def reduction_create(
    *,
    actor,
    student: Student,
    school_year: SchoolYear,
    reason: str,
    percent: int | None = None,
    amount: int | None = None,
    kind: str = "",
    dossier_ref: str | None = None,
    note: str = "",
) -> Reduction:
    errors = []
    if reason not in ReductionReason.values:
        errors.append(ErrorItem("reduction.reason", _("Chọn lý do miễn, giảm."), "reason"))
    if (percent is None) == (amount is None):
        errors.append(
            ErrorItem(
                "reduction.value", _("Nhập hoặc tỉ lệ phần trăm, hoặc số tiền giảm."), "percent"
            )
        )
    elif percent is not None and not 1 <= percent <= 100:
        errors.append(ErrorItem("reduction.percent", _("Tỉ lệ giảm từ 1 đến 100%."), "percent"))
    elif amount is not None and not 0 < amount <= MAX_AMOUNT:
        errors.append(ErrorItem("reduction.amount", _("Số tiền giảm phải lớn hơn 0."), "amount"))
    if kind and kind not in FeeKind.values:
        errors.append(ErrorItem("reduction.kind", _("Loại khoản thu không hợp lệ."), "kind"))
    if errors:
        raise DomainErrors(errors)
    with transaction.atomic():
        red = Reduction.objects.create(
            student=student,
            school_year=school_year,
            reason=reason,
            percent=percent,
            amount=amount,
            kind=kind,
            dossier_ref=(dossier_ref or "").strip() or None,
            note=note[:255],
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="people.student",
            object_id=student.pk,
            object_repr=student.person.full_name,
            changes={
                "reason": [None, reason],
                "percent": [None, percent],
                "amount": [None, amount],
            },
        )
    return red


def _reduce(lines: list[dict], reductions: list[Reduction]) -> None:
    """Apply reductions to invoice lines in place: percent per line, a fixed amount spread
    over the lines it covers in order, never below zero."""
    for red in reductions:
        covered = [ln for ln in lines if not red.kind or ln["kind"] == red.kind]
        if red.percent is not None:
            for ln in covered:
                cut = (ln["amount"] - ln["reduction"]) * red.percent // 100
                ln["reduction"] += cut
        else:
            left = red.amount
            for ln in covered:
                cut = min(left, ln["amount"] - ln["reduction"])
                ln["reduction"] += cut
                left -= cut


def _fresh_references(n: int) -> list[str]:
    """n references not yet used; the unique index is the last word."""
    out: list[str] = []
    while len(out) < n:
        batch = references.random_references(n - len(out), taken=out)
        used = set(Invoice.objects.filter(reference__in=batch).values_list("reference", flat=True))
        out.extend(r for r in batch if r not in used)
    return out


@dataclass
class GenerateResult:
    created: int = 0
    skipped: int = 0  # students who already have an invoice for the period
    invoices: list = field(default_factory=list)


def invoices_generate(
    *,
    actor,
    school: OrgUnit,
    school_year: SchoolYear,
    period: str,
    title: str,
    class_group: ClassGroup | None = None,
    grade_number: int | None = None,
    due_date: dt.date | None = None,
) -> GenerateResult:
    """One invoice per studying student of the school (or class, or grade) for `period`, with a line
    per active fee item of the year that applies to the student's grade, less reductions.
    Students already invoiced for the period are skipped, so running it again is harmless."""
    period = " ".join((period or "").split())[:40]
    title = " ".join((title or "").split())[:200]
    if not period or not title:
        raise DomainError(
            "invoice.period",
            _("Nhập kỳ thu và tiêu đề."),
            field="period" if not period else "title",  # the one left blank
        )
    items = list(
        FeeItem.objects.filter(school=school, school_year=school_year, active=True).order_by(
            "kind", "id"
        )
    )
    if not items:
        raise DomainError(
            "invoice.no_items",
            _("Trường chưa có khoản thu nào cho năm học %(y)s.") % {"y": school_year.code},
        )
    students = Student.objects.filter(
        current_school=school,
        status=StudentStatus.STUDYING,
        current_class__school_year=school_year,
    ).select_related("current_class__grade")
    if class_group is not None:
        students = students.filter(current_class=class_group)
    if grade_number is not None:
        if not 1 <= grade_number <= 12:
            raise DomainError("invoice.grade", _("Khối lớp từ 1 đến 12."), field="grade_number")
        students = students.filter(current_class__grade__number=grade_number)
    students = list(students.order_by("current_class__name", "search_name", "id"))
    result = GenerateResult()
    with transaction.atomic():
        have = set(
            Invoice.objects.filter(
                school_year=school_year, period=period, student__in=[s.pk for s in students]
            ).values_list("student_id", flat=True)
        )
        todo = [s for s in students if s.pk not in have]
        result.skipped = len(students) - len(todo)
        reductions = defaultdict(list)
        for red in Reduction.objects.filter(
            school_year=school_year, student__in=[s.pk for s in todo]
        ).order_by("id"):
            reductions[red.student_id].append(red)
        refs = _fresh_references(len(todo))
        invoices, all_lines = [], []
        for student, ref in zip(todo, refs, strict=True):
            grade = student.current_class.grade.number if student.current_class.grade else None
            lines = [
                {"item": it, "kind": it.kind, "amount": it.amount, "reduction": 0}
                for it in items
                if it.grade_number is None or it.grade_number == grade
            ]
            _reduce(lines, reductions.get(student.pk, []))
            total = sum(ln["amount"] - ln["reduction"] for ln in lines)
            invoices.append(
                Invoice(
                    reference=ref,
                    student=student,
                    school=school,
                    school_year=school_year,
                    class_group=student.current_class,
                    period=period,
                    title=title,
                    total=total,
                    status=InvoiceStatus.PAID if total == 0 else InvoiceStatus.OPEN,
                    due_date=due_date,
                )
            )
            all_lines.append(lines)
        Invoice.objects.bulk_create(invoices, batch_size=500)
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=inv,
                    fee_item=ln["item"],
                    label=ln["item"].name,
                    amount=ln["amount"],
                    reduction=ln["reduction"],
                )
                for inv, lines in zip(invoices, all_lines, strict=True)
                for ln in lines
            ],
            batch_size=1000,
        )
        result.created = len(invoices)
        result.invoices = invoices
        audit_record(
            actor=actor,
            action="create",
            object_type="org.orgunit",
            object_id=(class_group or school).pk,
            object_repr=f"{(class_group or school).name}"
            + (f" khối {grade_number}" if grade_number is not None else "")
            + f" {period}",
            changes={"created": [None, result.created], "skipped": [None, result.skipped]},
        )
        if invoices:
            emit(
                "fees.invoices_issued",
                {"school_id": school.pk, "period": period, "count": len(invoices)},
            )
    return result


def invoice_issue(
    *,
    actor,
    unit: OrgUnit,
    source: str,
    title: str,
    amount: int,
    payer_name: str,
    payer_phone: str = "",
    payer=None,
    due_date: dt.date | None = None,
) -> Invoice:
    """One invoice owed to `unit` by a payer who need not be a student (a public-service
    fee): one line, whole đồng, a fresh `HP` reference. `source` names what it is for
    ("eservices.dossier:<code>") and is unique: issuing again for the same source returns
    the invoice already issued, so a retried submission never bills twice."""
    existing = Invoice.objects.filter(source=source).first()
    if existing is not None:
        return existing
    title = " ".join((title or "").split())[:200]
    if not source or not title:
        raise DomainError("invoice.source", _("Thiếu nguồn hoặc tiêu đề hóa đơn."), field="source")
    if not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise DomainError(
            "invoice.amount",
            _("Số tiền phải là số đồng nguyên dương, ví dụ 20000."),
            field="amount",
        )
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                reference=_fresh_references(1)[0],
                school=unit,
                period="",
                title=title,
                total=amount,
                source=source[:80],
                payer_name=payer_name[:200],
                payer_phone=payer_phone[:20],
                payer=payer if getattr(payer, "pk", None) else None,
                due_date=due_date,
            )
            InvoiceLine.objects.create(invoice=invoice, label=title, amount=amount)
            audit_record(
                actor=actor if getattr(actor, "pk", None) else None,
                action="create",
                object_type="fees.invoice",
                object_id=invoice.pk,
                object_repr=f"{invoice.reference} {source}"[:100],
                changes={"total": [None, amount], "source": [None, source]},
            )
            emit("fees.invoices_issued", {"school_id": unit.pk, "source": source, "count": 1})
    except IntegrityError:
        # A concurrent submission issued it first (unique `source`): use that one.
        existing = Invoice.objects.filter(source=source).first()
        if existing is None:
            raise
        return existing
    return invoice


def invoice_cancel(*, actor, invoice: Invoice, reason: str) -> Invoice:
    """Cancel an invoice nothing is paid on (refund first otherwise), with a reason;
    audited. The row is locked, so a payment recorded meanwhile is seen and the
    cancellation refused. Cancelling a cancelled invoice changes and records nothing."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("invoice.reason", _("Nhập lý do hủy hóa đơn."), field="reason")
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status == InvoiceStatus.CANCELLED:
            invoice.status = locked.status
            return invoice
        if locked.paid:
            raise Conflict(
                "invoice.has_payments",
                _("Hóa đơn đã có khoản nộp; hãy hoàn tiền trước khi hủy."),
            )
        invoice.status = InvoiceStatus.CANCELLED
        invoice.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor if getattr(actor, "pk", None) else None,
            action="cancel",
            object_type="fees.invoice",
            object_id=invoice.pk,
            object_repr=invoice.reference,
            reason=reason,
        )
    return invoice


# --- payments, receipts, refunds ------------------------------------------------------------


def invoices_refresh(invoice_ids) -> None:
    """Recompute `paid` (payments − refunds) and `status` of these invoices from the rows,
    one set-based UPDATE per 2,000 invoices: never an increment that a retry could double.
    Index: fees_payment.invoice_id, fees_refund.invoice_id."""
    inv = _table(Invoice)
    for chunk in _chunks(sorted(set(invoice_ids)), CHUNK):
        marks = ", ".join(["%s"] * len(chunk))
        _refresh_from(f"SELECT x.id FROM {inv} x WHERE x.id IN ({marks})", chunk)  # noqa: S608


def _refresh_from(ids_sql: str, params) -> None:
    """`invoices_refresh` of the invoices whose ids `ids_sql` selects (one column, `id`):
    UPDATE … FROM (PostgreSQL; SQLite ≥ 3.33), so the new total is computed once per
    affected invoice and the planner starts from the few affected rows."""
    pay, ref = _table(Payment), _table(Refund)
    _update_paid(
        "SELECT a.id AS invoice_id, "
        f"COALESCE((SELECT SUM(p.amount) FROM {pay} p WHERE p.invoice_id = a.id), 0) - "
        f"COALESCE((SELECT SUM(r.amount) FROM {ref} r WHERE r.invoice_id = a.id), 0) AS paid "
        f"FROM ({ids_sql}) a",
        params,
    )


def _refresh_paid_from(ids_sql: str, params) -> None:
    """`_refresh_from` for invoices that each have a payment (those of matched bank lines
    just paid): their payments summed in one grouped pass over the payment index instead
    of a sub-select per invoice (a third less time on SQLite, docs/fees.md). An invoice
    without a payment would be left out, hence not for `invoices_refresh`."""
    pay, ref = _table(Payment), _table(Refund)
    _update_paid(
        "SELECT p.invoice_id, SUM(p.amount) - "
        f"COALESCE((SELECT SUM(r.amount) FROM {ref} r WHERE r.invoice_id = p.invoice_id), 0) "
        f"AS paid FROM {pay} p WHERE p.invoice_id IN ({ids_sql}) GROUP BY p.invoice_id",
        params,
    )


def _update_paid(paid_sql: str, params) -> None:
    """Set `paid` and `status` from `paid_sql`'s rows (invoice_id, paid); a cancelled
    invoice keeps its status. `updated_at` moves too (an UPDATE skips auto_now), so a
    system syncing invoices incrementally (ExchangeModel) sees the payment."""
    inv, st = _table(Invoice), InvoiceStatus
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {inv} SET paid = t.paid, updated_at = %s, status = CASE "  # noqa: S608
            f"WHEN {inv}.status = %s THEN %s WHEN t.paid > {inv}.total THEN %s "
            f"WHEN t.paid = {inv}.total THEN %s WHEN t.paid > 0 THEN %s ELSE %s END "
            f"FROM ({paid_sql}) t WHERE {inv}.id = t.invoice_id",
            [now, st.CANCELLED, st.CANCELLED, st.OVERPAID, st.PAID, st.PARTIAL, st.OPEN, *params],
        )


def _receipts_issue(payments: list[Payment], now) -> list[Receipt]:
    receipts = [Receipt(payment=p, number=f"BL{p.pk:010d}", issued_at=now) for p in payments]
    Receipt.objects.bulk_create(receipts, batch_size=1000)
    return receipts


def _notify_guardians(payments: list[Payment], students: dict[int, int | None] | None = None):
    """Tell each guardian with an account that a payment for their child was recorded.
    One plain-SQL read per 2,000 invoices finds (invoice, student, guardian's user) —
    compiling a 2,000-item IN through the ORM cost more than running it —; the invoices
    and users are loaded in full only for the payments someone is to be told about.
    `students` (invoice id → student id, None for a public-service fee), when the caller
    has read them already (`match_lines`), saves reading the invoices: the guardians are
    then found from the students directly."""
    from edudx.people.models import GuardianLink  # noqa: PLC0415

    invoice_ids = sorted({p.invoice_id for p in payments})
    student_of: dict[int, int] = {}
    users_by_student: dict[int, list[int]] = defaultdict(list)
    guardians = f"JOIN {_table(User)} u ON u.person_id = g.guardian_id WHERE u.is_active = %s AND "
    if students is None:
        rows = _select_in(
            f"SELECT i.id, i.student_id, u.id FROM {_table(Invoice)} i "  # noqa: S608
            f"JOIN {_table(GuardianLink)} g ON g.student_id = i.student_id {guardians}"
            "i.id IN ({IN}) ORDER BY u.id",
            invoice_ids,
            params=[True],
        )
    else:
        by_student: dict[int, list[int]] = defaultdict(list)
        for invoice_id in invoice_ids:
            if (student := students[invoice_id]) is not None:
                by_student[student].append(invoice_id)
        rows = [
            (invoice_id, student_id, user_id)
            for student_id, user_id in _select_in(
                f"SELECT g.student_id, u.id FROM {_table(GuardianLink)} g "  # noqa: S608
                f"{guardians}g.student_id IN ({{IN}}) ORDER BY u.id",
                sorted(by_student),
                params=[True],
            )
            for invoice_id in by_student[student_id]
        ]
    for invoice_id, student_id, user_id in rows:
        student_of[invoice_id] = student_id
        if user_id not in users_by_student[student_id]:
            users_by_student[student_id].append(user_id)
    if students is None:
        _notify_payers(payments, invoice_ids)
    else:
        _notify_payers(payments, [i for i in invoice_ids if students[i] is None], known=True)
    told = [p for p in payments if p.invoice_id in student_of]
    if not told:
        return
    users = User.objects.in_bulk({u for ids in users_by_student.values() for u in ids})
    users_by_student = {st: [users[u] for u in ids] for st, ids in users_by_student.items()}
    from django.urls import reverse  # noqa: PLC0415

    invoices = Invoice.objects.select_related("student__person").in_bulk(
        {p.invoice_id for p in told}
    )
    for p in told:
        inv = invoices[p.invoice_id]
        title, body = _payment_texts(p, inv, inv.student.person.full_name)
        for user in users_by_student[inv.student_id]:
            notify(
                user,
                "fees.payment_recorded",
                {"invoice": inv.reference, "amount": p.amount, "payment_id": p.pk},
                key=f"fees.payment:{p.pk}:user:{user.pk}",
                title=title,
                body=body,
                url=reverse("fees:invoice_detail", args=[inv.pk]),
            )


def _payment_texts(payment: Payment, invoice: Invoice, name: str):
    """A payment's notification title and body, built in each recipient's language."""
    owed = money(max(invoice.total - invoice.paid, 0))

    def title():
        return _("Đã nhận %(a)s cho hóa đơn %(r)s") % {
            "a": money(payment.amount),
            "r": invoice.reference,
        }

    def body():
        return _("%(s)s: %(t)s. Còn phải nộp %(o)s.") % {"s": name, "t": invoice.title, "o": owed}

    return title, body


def _notify_payers(payments: list[Payment], invoice_ids: list[int], *, known=False) -> None:
    """Invoices without a student (a public-service fee): tell the payer — their account,
    else their phone number — that the money arrived. One plain-SQL read per 2,000
    invoices finds them (`known`: `invoice_ids` are those already); none in a statement of
    student fees costs nothing more."""
    ids = (
        invoice_ids
        if known
        else [
            row[0]
            for row in _select_in(
                f"SELECT id FROM {_table(Invoice)} "  # noqa: S608
                "WHERE student_id IS NULL AND id IN ({IN})",
                invoice_ids,
            )
        ]
    )
    if not ids:
        return
    invoices = Invoice.objects.select_related("payer").in_bulk(ids)
    for p in payments:
        inv = invoices.get(p.invoice_id)
        if inv is None:
            continue
        recipient = inv.payer if inv.payer_id else Address(phone=inv.payer_phone)
        title, body = _payment_texts(p, inv, inv.payer_name)
        notify(
            recipient,
            "fees.payment_recorded",
            {"invoice": inv.reference, "amount": p.amount, "payment_id": p.pk},
            key=f"fees.payment:{p.pk}:payer",
            title=title,
            body=body,
        )


def _chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _select_in(sql: str, values, *, params=(), size: int = CHUNK):
    """Rows of `sql` (with one "{in}" placeholder for an IN list) over `values` in chunks:
    plain SQL, because compiling a 2,000-item IN through the ORM costs more than running it."""
    out = []
    with connection.cursor() as cur:
        for chunk in _chunks(list(values), size):
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(sql.format(IN=marks), [*params, *chunk])
            out.extend(cur.fetchall())
    return out


def payment_record_cash(
    *,
    actor,
    invoice: Invoice,
    amount: int,
    received_at: dt.datetime | None = None,
    note: str = "",
) -> Payment:
    """A cash payment at the school's desk; issues the receipt and notifies the guardian."""
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
        raise DomainError(
            "payment.amount", _("Số tiền phải là số nguyên đồng lớn hơn 0."), field="amount"
        )
    if invoice.status == InvoiceStatus.CANCELLED:
        raise Conflict("invoice.cancelled", _("Hóa đơn đã bị hủy."), field="invoice_id")
    now = timezone.now()
    with transaction.atomic():
        payment = Payment.objects.create(
            invoice=invoice,
            amount=amount,
            method=PaymentMethod.CASH,
            received_at=received_at or now,
            recorded_by=actor if getattr(actor, "pk", None) else None,
            note=note[:255],
        )
        _receipts_issue([payment], now)
        invoices_refresh([invoice.pk])
        invoice.refresh_from_db()
        audit_record(
            actor=actor,
            action="payment",
            object_type="fees.invoice",
            object_id=invoice.pk,
            object_repr=f"{invoice.reference} {money(amount)}",
        )
        emit("fees.payments_recorded", {"school_ids": [invoice.school_id], "count": 1})
        _notify_guardians([payment])
    return payment


def refund_record(
    *, actor, invoice: Invoice, amount: int, reason: str, method: str = PaymentMethod.TRANSFER
) -> Refund:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("refund.reason", _("Nhập lý do hoàn tiền."), field="reason")
    if method not in PaymentMethod.values:
        raise DomainError("refund.method", _("Hình thức hoàn tiền không hợp lệ."), field="method")
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not isinstance(amount, int) or not 0 < amount <= locked.paid:
            raise DomainError(
                "refund.amount",
                _("Số tiền hoàn phải lớn hơn 0 và không quá số đã nộp (%(p)s).")
                % {"p": money(locked.paid)},
                field="amount",
            )
        refund = Refund.objects.create(
            invoice=locked,
            amount=amount,
            method=method,
            reason=reason[:255],
            refunded_at=timezone.now(),
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        invoices_refresh([locked.pk])
        audit_record(
            actor=actor,
            action="refund",
            object_type="fees.invoice",
            object_id=locked.pk,
            object_repr=f"{locked.reference} -{money(amount)}",
            reason=reason,
        )
        locked.refresh_from_db(fields=["paid", "status"])
        _notify_refund(refund, locked)
    invoice.refresh_from_db()
    return refund


def _notify_refund(refund: Refund, invoice: Invoice) -> None:
    """Tell whoever paid that money is on its way back — as a payment is told: the
    guardians with an account (a student's invoice), else the payer (a public-service fee,
    e.g. a rejected dossier's: their account, else their phone). Stored with the refund;
    one notification per refund and recipient."""
    from django.urls import reverse  # noqa: PLC0415

    from edudx.people.models import GuardianLink  # noqa: PLC0415

    values = {
        "a": money(refund.amount),
        "r": invoice.reference,
        "t": invoice.title,
        "why": refund.reason,
        "p": money(invoice.paid),
    }

    def title():
        return _("Đã hoàn %(a)s cho hóa đơn %(r)s") % values

    def body():  # in each recipient's language (notify), the method's name too
        return _("%(t)s. Hình thức: %(m)s. Lý do: %(why)s. Số đã nộp còn lại: %(p)s.") % {
            **values,
            "m": refund.get_method_display(),
        }

    context = {"invoice": invoice.reference, "amount": refund.amount, "refund_id": refund.pk}
    if invoice.student_id is None:
        if invoice.payer_id:
            recipient = invoice.payer
        elif invoice.payer_phone:
            recipient = Address(phone=invoice.payer_phone)
        else:
            return
        notify(
            recipient,
            "fees.refund_recorded",
            context,
            key=f"fees.refund:{refund.pk}:payer",
            title=title,
            body=body,
        )
        return
    guardians = GuardianLink.objects.filter(student_id=invoice.student_id).values("guardian_id")
    for user in User.objects.filter(is_active=True, person_id__in=guardians).order_by("pk"):
        notify(
            user,
            "fees.refund_recorded",
            context,
            key=f"fees.refund:{refund.pk}:user:{user.pk}",
            title=title,
            body=body,
            url=reverse("fees:invoice_detail", args=[invoice.pk]),
        )


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a PDF (Vietnamese), rendered once and kept with the receipt."""
    if receipt.pdf:
        return bytes(receipt.pdf)
    from edudx.core.pdf import DocumentSpec, render_document  # noqa: PLC0415

    payment = receipt.payment
    inv = Invoice.objects.select_related(
        "student__person", "school", "class_group", "school_year"
    ).get(pk=payment.invoice_id)
    when = timezone.localtime(payment.received_at)
    spec = DocumentSpec(
        title="BIÊN LAI THU TIỀN ĐIỆN TỬ",
        issuer_lines=(inv.school.name,),
        place_date=f"Ngày {when:%d} tháng {when:%m} năm {when:%Y}",
        subtitle_lines=(f"Số: {receipt.number}",),
        paragraphs=(
            *(
                (
                    f"Họ và tên học sinh: {inv.student.person.full_name}",
                    f"Lớp: {inv.class_group.name if inv.class_group else ''} — "
                    f"Năm học {inv.school_year.code}",
                )
                if inv.student_id
                else (f"Người nộp: {inv.payer_name}",)
            ),
            f"Nội dung thu: {inv.title} (hóa đơn {inv.reference})",
            f"Hình thức: {payment.get_method_display()}",
            f"Số tiền: {money(payment.amount)}",
        ),
        table=(
            ("Khoản thu", "Số tiền", "Miễn, giảm"),
            *((ln.label, money(ln.amount), money(ln.reduction)) for ln in inv.lines.all()),
        ),
        col_widths=(0.5, 0.25, 0.25),
        reference=receipt.number,
    )
    data = render_document(spec).data
    Receipt.objects.filter(pk=receipt.pk, pdf__isnull=True).update(pdf=data)
    receipt.pdf = data
    return data


# --- reconciliation -------------------------------------------------------------------------


class Reason:
    """Why a line went to the clerk's queue (codes stored on the line)."""

    NO_REFERENCE = "no_reference"
    UNKNOWN_REFERENCE = "unknown_reference"
    OTHER_SCHOOL = "other_school"
    TWO_INVOICES = "two_invoices"
    CANCELLED = "invoice_cancelled"
    TRUNCATED_AMBIGUOUS = "truncated_ambiguous"


def reason_text(code: str) -> str:
    return {
        Reason.NO_REFERENCE: _("Nội dung chuyển khoản không có mã hóa đơn."),
        Reason.UNKNOWN_REFERENCE: _("Mã hóa đơn không tồn tại."),
        Reason.OTHER_SCHOOL: _("Mã hóa đơn thuộc trường khác."),
        Reason.TWO_INVOICES: _("Nội dung khớp nhiều hóa đơn; cần kế toán chọn."),
        Reason.CANCELLED: _("Hóa đơn đã bị hủy."),
        Reason.TRUNCATED_AMBIGUOUS: _(
            "Mã hóa đơn bị cắt cụt và số tiền không xác định được một hóa đơn duy nhất."
        ),
    }.get(code, code)


# A named tuple built from its values without the Python-level __new__ of NamedTuple:
# a third of the time, for the tuples made once per statement line (docs/fees.md).
_new = tuple.__new__


class Decision(NamedTuple):
    """A tuple: one per statement line, built in the matching loop."""

    invoice_id: int | None
    reason: str
    candidates: list[str]


@dataclass
class ReconcileResult:
    matched: int = 0
    unmatched: int = 0
    skipped: int = 0  # already recorded with the same amount
    errors: list[ErrorItem] = field(default_factory=list)
    line_ids: list[int] = field(default_factory=list)
    payments: list = field(default_factory=list)  # PaymentRow


def match_lines(
    school_id: int, lines: list[LineIn], students: dict[int, int | None] | None = None
) -> list[Decision]:
    """Decide, for each line, the invoice it pays (set-based: one regex pass, then one
    lookup per 2,000 distinct references and one per 200 truncated prefixes). `students`,
    if given, receives the student id (None: a public-service fee) of each invoice looked
    up, read with it, so that telling guardians and payers needs no second look-up.

    A full, check-digit-valid reference found in the content wins; two different existing
    invoices in one content → the queue. Only when there is none, a reference cut short at
    the end of the content is tried: the school's open invoices whose reference starts with
    it and whose outstanding amount (or total) equals the line's amount; exactly one → it."""
    found = references.candidates_many([ln.content for ln in lines])
    all_full = sorted({r for full, _p in found for r in full})
    rows = _select_in(
        f"SELECT id, reference, school_id, status, student_id FROM {_table(Invoice)} "  # noqa: S608
        "WHERE reference IN ({IN})",
        all_full,
    )
    invoices: dict[str, tuple[int, int, str]] = {
        ref: (pk, school, status) for pk, ref, school, status, _st in rows
    }
    if students is not None:
        students.update((pk, student) for pk, _r, _s, _t, student in rows)
    need_prefix = sorted(
        {
            p
            for (full, prefixes) in found
            if prefixes and not any(r in invoices for r in full)
            for p in prefixes
        }
    )
    by_prefix: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    with connection.cursor() as cur:
        for chunk in _chunks(need_prefix, 200):
            wanted = set(chunk)
            # Ranges on the unique reference index ("HP1234" <= ref < "HP1234:", ":" follows
            # "9"), not LIKE, which SQLite's case-insensitive LIKE cannot serve from an index.
            ranges = " OR ".join(["(reference >= %s AND reference < %s)"] * len(chunk))
            # School and status are checked here, not in SQL: with them in the WHERE,
            # SQLite walks the school index and tests every range on each of its invoices.
            cur.execute(
                f"SELECT id, reference, total, paid, school_id, status, student_id "  # noqa: S608
                f"FROM {_table(Invoice)} WHERE {ranges}",
                [v for p in chunk for v in (p, p + ":")],
            )
            for pk, ref, total, paid, school, status, student in cur.fetchall():
                if school != school_id or status == InvoiceStatus.CANCELLED:
                    continue
                if students is not None:
                    students[pk] = student
                for n in range(references.MIN_TRUNCATED_DIGITS + 2, references.LENGTH):
                    if ref[:n] in wanted:
                        by_prefix[ref[:n]].append((pk, total, paid, ref))
    out: list[Decision] = []
    append = out.append
    cancelled = InvoiceStatus.CANCELLED
    get = invoices.get
    for ln, (full, prefixes) in zip(lines, found, strict=True):
        if len(full) == 1:  # the usual line: one reference, of an invoice of this school
            (ref,) = full
            inv = get(ref)
            if inv is not None and inv[1] == school_id and inv[2] != cancelled:
                append(_new(Decision, (inv[0], "", [ref])))
                continue
        if full:
            known = [r for r in full if r in invoices]
            if len(known) == 1:
                pk, school, status = invoices[known[0]]
                if school != school_id:
                    append(Decision(None, Reason.OTHER_SCHOOL, known))
                elif status == cancelled:
                    append(Decision(None, Reason.CANCELLED, known))
                else:
                    append(Decision(pk, "", known))
            elif known:
                append(Decision(None, Reason.TWO_INVOICES, sorted(known)))
            else:
                append(Decision(None, Reason.UNKNOWN_REFERENCE, sorted(full)))
            continue
        hits = {
            (pk, ref)
            for p in prefixes
            for pk, total, paid, ref in by_prefix.get(p, ())
            if ln.amount in (total - paid, total)
        }
        if len(hits) == 1:
            pk, ref = hits.pop()
            append(Decision(pk, "", [ref]))
        elif hits or any(by_prefix.get(p) for p in prefixes):
            append(Decision(None, Reason.TRUNCATED_AMBIGUOUS, sorted(ref for _pk, ref in hits)))
        else:
            append(Decision(None, Reason.NO_REFERENCE, sorted(prefixes)))
    return out


def reconcile(
    *,
    bank_account: BankAccount,
    lines: list[LineIn],
    source: str,
    statement: StatementImport | None = None,
    actor=None,
) -> ReconcileResult:
    """Record bank lines and the payments they make, in the caller's transaction (the
    callers open one). A line whose transaction id is already recorded with the same amount
    is skipped (a retry); with another amount it is refused, listed in `errors`, and the
    recorded line is flagged for the clerk."""
    result = ReconcileResult()
    batch = lines
    if len({ln.transaction_id for ln in lines}) < len(lines):
        batch = _first_of_each(lines, result)
    txns = [ln.transaction_id for ln in batch]
    existing: dict[str, tuple[int, int]] = (
        {
            txn: (pk, amount)
            for pk, txn, amount in _select_in(
                f"SELECT id, transaction_id, amount FROM {_table(BankLine)} "  # noqa: S608
                "WHERE bank_account_id = %s AND transaction_id IN ({IN})",
                txns,
                params=[bank_account.pk],
            )
        }
        if _any_recorded(bank_account.pk, txns)
        else {}
    )
    fresh: list[LineIn] = [] if existing else batch  # a new statement: all fresh
    flag: list[tuple[int, LineIn]] = []
    for ln in batch if existing else ():
        old = existing.get(ln.transaction_id)
        if old is None:
            fresh.append(ln)
        elif old[1] == ln.amount:
            result.skipped += 1
        else:
            flag.append((old[0], ln))
            result.errors.append(
                ErrorItem(
                    "line.amount_mismatch",
                    _(
                        "Giao dịch %(t)s đã ghi nhận %(old)s nhưng lần này báo %(new)s; "
                        "không ghi nhận, đã đánh dấu để kế toán kiểm tra."
                    )
                    % {"t": ln.transaction_id, "old": money(old[1]), "new": money(ln.amount)},
                    field="amount",
                    row=ln.row,
                )
            )
    for pk, ln in flag:
        BankLine.objects.filter(pk=pk).update(
            flagged=True,
            flag_note=(
                f"{source}: {ln.transaction_id} {money(ln.amount)} "
                f"{timezone.localtime():%d/%m/%Y %H:%M}"
            )[:255],
        )
    students: dict[int, int | None] = {}
    decisions = match_lines(bank_account.school_id, fresh, students)
    recorder = actor.pk if getattr(actor, "pk", None) else None
    line_t = _table(BankLine)
    if statement is not None:
        # A statement's lines are all its own: one statement per batch, no id lists.
        _insert_lines(bank_account, statement, source, fresh, decisions, want_ids=False)
        batches = [("b.statement_id = %s", [statement.pk])]
    else:
        result.line_ids = _insert_lines(bank_account, statement, source, fresh, decisions)
        batches = [
            (f"b.id IN ({', '.join(['%s'] * len(c))})", c) for c in _chunks(result.line_ids, CHUNK)
        ]
    payments: list[PaymentRow] = []
    for where, params in batches:
        payments += _insert_payments(where, params, recorder)
        _refresh_paid_from(
            f"SELECT b.invoice_id FROM {line_t} b "  # noqa: S608
            f"WHERE {where} AND b.invoice_id IS NOT NULL",
            params,
        )
    result.payments = payments
    result.matched = len(payments)
    result.unmatched = len(fresh) - len(payments)
    if payments:
        emit(
            "fees.payments_recorded",
            {"school_ids": [bank_account.school_id], "count": len(payments)},
        )
        _notify_guardians(payments, students)
    return result


def _any_recorded(account_id: int, txns: list[str]) -> bool:
    """Whether the account has a line recorded with a transaction id between the batch's
    least and greatest: one probe of the unique (account, transaction id) index. Banks
    number their transactions in sequence, so a new statement usually has none, and the
    per-id look-up (one probe per line) is then skipped; any line in the range, and the
    look-up decides exactly as before. SQLite only, where the index orders text as Python
    does (BINARY); PostgreSQL's collation may order it otherwise: always "maybe" there."""
    if not txns:
        return False
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT 1 FROM {_table(BankLine)} WHERE bank_account_id = %s "  # noqa: S608
            "AND transaction_id >= %s AND transaction_id <= %s LIMIT 1",
            [account_id, min(txns), max(txns)],
        )
        return cur.fetchone() is not None


def _first_of_each(lines: list[LineIn], result: ReconcileResult) -> list[LineIn]:
    """Duplicates inside the batch: the first wins; the same id with another amount is an
    error, with the same amount a skip."""
    first: dict[str, LineIn] = {}
    batch: list[LineIn] = []
    for ln in lines:
        seen = first.get(ln.transaction_id)
        if seen is None:
            first[ln.transaction_id] = ln
            batch.append(ln)
        elif seen.amount != ln.amount:
            result.errors.append(
                ErrorItem(
                    "line.duplicate_amount",
                    _("Dòng %(r)s: mã giao dịch %(t)s lặp lại với số tiền khác.")
                    % {"r": ln.row, "t": ln.transaction_id},
                    field="transaction_id",
                    row=ln.row,
                )
            )
        else:
            result.skipped += 1
    return batch


class PaymentRow(NamedTuple):
    pk: int
    invoice_id: int
    amount: int


def _insert_lines(
    bank_account, statement, source, lines, decisions, *, want_ids: bool = True
) -> list[int]:
    """INSERT the bank lines, many rows per statement on SQLite (`_insert_values`), COPY on
    PostgreSQL (Django's bulk_create spends most of its time compiling SQL for 100,000
    rows); returns their ids, in the order given."""
    if not lines:
        return []
    ops = connection.ops
    pg = connection.vendor == "postgresql"
    now = ops.adapt_datetimefield_value(timezone.now())

    seen: dict[dt.datetime, object] = {}

    def when(value: dt.datetime):
        # What adapt_datetimefield_value does, without its per-call checks: PostgreSQL
        # takes the aware value, SQLite stores naive UTC text. A statement repeats its
        # booking times (many banks give the date only): each is converted once.
        if pg:
            return value
        out = seen.get(value)
        if out is None:
            out = seen[value] = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        return out

    def as_json(refs: list[str]) -> str:
        # The candidates are "HP" + digits (references.candidates): nothing to escape.
        if not refs:
            return "[]"
        joined = "".join(refs)
        if not (joined.isascii() and (joined.isalnum() or not joined)):
            return json.dumps(refs)
        return '["' + '", "'.join(refs) + '"]'

    columns = (
        "bank_account_id, statement_id, source, transaction_id, booked_at, amount, content, "
        "status, reason, candidates, invoice_id, flagged, flag_note, created_at"
    )
    # Per line only what varies (transaction id, booked at, amount, content, reason,
    # candidates, invoice); what a statement's lines share is given once per INSERT and the
    # status follows from the invoice.
    account_id, statement_id = bank_account.pk, statement.pk if statement else None
    matched, unmatched = LineStatus.MATCHED.value, LineStatus.UNMATCHED.value
    rows = [
        (txn, seen.get(booked) or when(booked), amount, content[:500], reason, as_json(refs), inv)
        for (txn, booked, amount, content, _row), (inv, reason, refs) in zip(
            lines, decisions, strict=True
        )
    ]
    table = ops.quote_name(BankLine._meta.db_table)
    with connection.cursor() as cur:
        if pg:
            # COPY: one stream instead of a round trip per row (psycopg 3).
            with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for txn, booked, amount, text, reason, cands, invoice_id in rows:
                    copy.write_row(
                        (
                            account_id,
                            statement_id,
                            source,
                            txn,
                            booked,
                            amount,
                            text,
                            matched if invoice_id else unmatched,
                            reason,
                            cands,
                            invoice_id,
                            False,
                            "",
                            now,
                        )
                    )
        else:
            # INSERT … SELECT over a VALUES list of the varying columns (SQLite names them
            # column1…column7): half the parameters of a full row each, a third less time
            # for a statement's lines than binding all 14 columns per row (docs/fees.md).
            _insert_values(
                cur,
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                "SELECT ?, ?, ?, column1, column2, column3, column4, "
                "CASE WHEN column7 IS NULL THEN ? ELSE ? END, column5, column6, column7, "
                "0, '', ? FROM (VALUES ",
                rows,
                head_params=[account_id, statement_id, source, unmatched, matched, now],
                tail=")",
            )
    if not want_ids:
        return []
    ids: dict[str, int] = dict(
        _select_in(
            f"SELECT transaction_id, id FROM {table} "  # noqa: S608
            "WHERE bank_account_id = %s AND transaction_id IN ({IN})",
            [ln.transaction_id for ln in lines],
            params=[bank_account.pk],
        )
    )
    return [ids[ln.transaction_id] for ln in lines]


SQLITE_ROWS_PER_INSERT = 500


def _insert_values(cur, head: str, rows: list[tuple], *, head_params=(), tail: str = "") -> None:
    """SQLite: `head` ("INSERT INTO t (a, b) VALUES ", or "… SELECT ?, column1 … FROM
    (VALUES " with `head_params` for its marks and `tail` ")") with many rows per statement,
    not executemany's one row per step: 40 % less time for the bank lines of a statement
    (docs/fees.md). The chunk size keeps within SQLite's bound-parameter limit; the full
    chunks share one SQL text, so sqlite3 prepares it once."""
    width = len(rows[0])
    limit = cur.cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(SQLITE_ROWS_PER_INSERT, (limit - len(head_params)) // width))
    one = "(" + ", ".join(["?"] * width) + ")"
    head_params = list(head_params)
    for i in range(0, len(rows), per):
        chunk = rows[i : i + per]
        # The raw sqlite3 cursor takes "?" as it is; Django's wrapper would rewrite
        # thousands of "%s" with a regex on every call.
        sqlite3.Cursor.execute(
            cur.cursor,
            head + ", ".join([one] * len(chunk)) + tail,
            head_params + list(chain.from_iterable(chunk)),
        )


def _insert_payments(where: str, params, recorder: int | None) -> list[PaymentRow]:
    """A payment and its receipt for every matched line `b` with `where`: two
    INSERT … SELECT; receipt numbers are "BL" + the payment id on ten digits."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    payment_t, line_t, receipt_t = _table(Payment), _table(BankLine), _table(Receipt)
    pg = connection.vendor == "postgresql"
    number = "'BL' || lpad(p.id::text, 10, '0')" if pg else "'BL' || printf('%%010d', p.id)"
    params = list(params)
    with connection.cursor() as cur:
        if not pg:
            # SQLite has one writer at a time, holding this transaction's lock, and
            # AUTOINCREMENT ids only grow: the payments this INSERT makes are exactly those
            # above the greatest id before it, read back by primary-key range instead of a
            # join through the bank lines.
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {payment_t}")  # noqa: S608
            new_sql, new_params = f"FROM {payment_t} p WHERE p.id > %s", [cur.fetchone()[0]]
        else:
            new_sql = f"FROM {payment_t} p JOIN {line_t} b ON b.id = p.bank_line_id WHERE {where}"
            new_params = params
        cur.execute(
            f"INSERT INTO {payment_t} (invoice_id, amount, method, bank_line_id, "  # noqa: S608
            "received_at, recorded_by_id, note, created_at) "
            f"SELECT b.invoice_id, b.amount, %s, b.id, b.booked_at, %s, '', %s "
            f"FROM {line_t} b WHERE {where} AND b.invoice_id IS NOT NULL",
            [PaymentMethod.TRANSFER, recorder, now, *params],
        )
        cur.execute(
            f"INSERT INTO {receipt_t} (payment_id, number, issued_at) "  # noqa: S608
            f"SELECT p.id, {number}, %s {new_sql}",
            [now, *new_params],
        )
        cur.execute(f"SELECT p.id, p.invoice_id, p.amount {new_sql}", new_params)  # noqa: S608
        return [_new(PaymentRow, row) for row in cur.fetchall()]


def statement_import(
    *, actor, bank_account: BankAccount, file_name: str, content: bytes
) -> StatementImport:
    """Import a statement file: refused whole if a row is unreadable; the same file twice
    returns the first import. Lines already recorded (by the webhook) are skipped."""
    digest = hashlib.sha256(content).hexdigest()
    done = StatementImport.objects.filter(bank_account=bank_account, sha256=digest).first()
    if done is not None:
        return done
    with _gc_paused():
        return _statement_import(
            actor=actor,
            bank_account=bank_account,
            file_name=file_name,
            content=content,
            digest=digest,
        )


@contextmanager
def _gc_paused():
    """Python's cyclic collector off while a statement is imported: the import allocates a
    few objects per line (rows, lines, decisions, candidate sets), none in a cycle, and each
    full collection walked the whole heap (about 15 % of the import's time at 20,000 lines,
    measured under load). Reference counting still frees everything; the collector is back
    on afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _statement_import(*, actor, bank_account, file_name, content, digest) -> StatementImport:
    lines = statements.parse_statement(file_name=file_name, content=content)
    with transaction.atomic():
        stmt = StatementImport.objects.create(
            bank_account=bank_account,
            file_name=file_name[:255],
            sha256=digest,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        res = reconcile(
            bank_account=bank_account,
            lines=lines,
            source=LineSource.STATEMENT,
            statement=stmt,
            actor=actor,
        )
        stmt.lines_total = len(lines)
        stmt.lines_matched = res.matched
        stmt.lines_unmatched = res.unmatched
        stmt.lines_skipped = res.skipped
        stmt.errors = [e.as_dict() for e in res.errors]
        stmt.save()
        audit_record(
            actor=actor,
            action="import",
            object_type="fees.statementimport",
            object_id=stmt.pk,
            object_repr=file_name[:100],
            changes={"matched": [None, res.matched], "unmatched": [None, res.unmatched]},
        )
    log.info(
        "fees.statement_imported",
        extra={"statement": stmt.pk, "matched": res.matched, "unmatched": res.unmatched},
    )
    return stmt


def line_assign(*, actor, line: BankLine, invoice: Invoice, note: str = "") -> Payment:
    """The clerk assigns an unmatched line to an invoice of the same school."""
    if invoice.school_id != line.bank_account.school_id:
        raise DomainError(
            "line.other_school", _("Hóa đơn không thuộc trường của tài khoản này."), field="invoice"
        )
    if invoice.status == InvoiceStatus.CANCELLED:
        raise Conflict("invoice.cancelled", _("Hóa đơn đã bị hủy."), field="invoice")
    now = timezone.now()
    with transaction.atomic():
        updated = BankLine.objects.filter(pk=line.pk, status=LineStatus.UNMATCHED).update(
            status=LineStatus.ASSIGNED, invoice=invoice
        )
        if not updated:
            raise Conflict("line.done", _("Giao dịch này đã được xử lý."), field="line")
        payment = Payment.objects.create(
            invoice=invoice,
            amount=line.amount,
            method=PaymentMethod.TRANSFER,
            bank_line=line,
            received_at=line.booked_at,
            recorded_by=actor if getattr(actor, "pk", None) else None,
            note=note[:255],
        )
        _receipts_issue([payment], now)
        invoices_refresh([invoice.pk])
        audit_record(
            actor=actor,
            action="assign",
            object_type="fees.bankline",
            object_id=line.pk,
            object_repr=f"{line.transaction_id} → {invoice.reference}",
            reason=note,
        )
        emit("fees.payments_recorded", {"school_ids": [invoice.school_id], "count": 1})
        _notify_guardians([payment])
    line.refresh_from_db()
    return payment


def line_ignore(*, actor, line: BankLine, note: str) -> BankLine:
    """Not a fee payment (a donation, a bank's interest): out of the queue, kept on record."""
    note = " ".join((note or "").split())
    if not note:
        raise DomainError("line.note", _("Nhập lý do bỏ qua."), field="note")
    with transaction.atomic():
        if not BankLine.objects.filter(pk=line.pk, status=LineStatus.UNMATCHED).update(
            status=LineStatus.IGNORED, flag_note=note[:255]
        ):
            raise Conflict("line.done", _("Giao dịch này đã được xử lý."), field="line")
        audit_record(
            actor=actor,
            action="ignore",
            object_type="fees.bankline",
            object_id=line.pk,
            object_repr=line.transaction_id,
            reason=note,
        )
    line.refresh_from_db()
    return line


# --- bank webhook ---------------------------------------------------------------------------

WEBHOOK_WINDOW = dt.timedelta(minutes=5)
H_ACCOUNT = "X-Bank-Account"
H_TIMESTAMP = "X-Bank-Timestamp"
H_NONCE = "X-Bank-Nonce"
H_SIGNATURE = "X-Bank-Signature"


def webhook_secret(bank_account: BankAccount) -> bytes | None:
    """EDUDX_BANK_SECRET_<CODE> (code upper-cased, non-alphanumerics as "_")."""
    name = "EDUDX_BANK_SECRET_" + re.sub(r"[^A-Z0-9]", "_", bank_account.code.upper())
    value = os.environ.get(name, "")
    return value.encode() if value else None


def webhook_sign(secret: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    """hex HMAC-SHA256 over "<timestamp>.<nonce>.<raw body>"."""
    message = timestamp.encode() + b"." + nonce.encode() + b"." + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _unauthorized(code: str, message) -> Unauthorized:
    return Unauthorized(code, message)


def webhook_receive(*, headers, body: bytes, now: dt.datetime | None = None) -> dict:
    """A bank's credit notification: authenticated, fresh, not replayed, idempotent on the
    bank's transaction id. Returns {status, line_id, invoice}; raises Unauthorized (401) or
    Conflict (409: replay, or an amount different from what is recorded, then flagged)."""
    now = now or timezone.now()
    code = (headers.get(H_ACCOUNT) or "").strip()
    account = BankAccount.objects.filter(code=code, active=True).first() if code else None
    secret = webhook_secret(account) if account else None
    if account is None or secret is None:
        raise _unauthorized("webhook.account", _("Tài khoản ngân hàng không được nhận thông báo."))
    timestamp = (headers.get(H_TIMESTAMP) or "").strip()
    nonce = (headers.get(H_NONCE) or "").strip()
    signature = (headers.get(H_SIGNATURE) or "").strip().lower()
    expected = webhook_sign(secret, timestamp, nonce, body)
    if not (timestamp and nonce and signature) or not hmac.compare_digest(signature, expected):
        raise _unauthorized("webhook.signature", _("Chữ ký HMAC của thông báo không đúng."))
    try:
        sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise _unauthorized("webhook.timestamp", _("Thời điểm gửi không hợp lệ.")) from None
    if abs(now - sent) > WEBHOOK_WINDOW:
        raise _unauthorized(
            "webhook.timestamp", _("Thông báo gửi quá 5 phút so với giờ máy chủ; bị từ chối.")
        )
    if len(nonce) > 64:
        raise _unauthorized("webhook.nonce", _("Nonce dài tối đa 64 ký tự."))
    try:
        data = json.loads(body)
        line = LineIn(
            transaction_id=" ".join(str(data["transaction_id"]).split())[:64],
            booked_at=statements.parse_when(data.get("booked_at") or now.isoformat()),
            amount=int(data["amount"]),
            content=" ".join(str(data.get("content") or "").split())[:500],
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise DomainError(
            "webhook.body",
            _("Nội dung thông báo phải là JSON có transaction_id, amount, content, booked_at."),
        ) from exc
    if not line.transaction_id or not 0 < line.amount <= MAX_AMOUNT:
        raise DomainError("webhook.body", _("Thiếu mã giao dịch hoặc số tiền không hợp lệ."))
    try:
        with transaction.atomic():
            WebhookNonce.objects.create(bank_account=account, nonce=nonce)
    except IntegrityError:
        raise Conflict(
            "webhook.replay", _("Thông báo này đã được nhận (nonce trùng): bị từ chối.")
        ) from None
    with transaction.atomic():
        res = reconcile(bank_account=account, lines=[line], source=LineSource.WEBHOOK)
    if res.errors:
        # The flag on the recorded line is committed above; the call itself is refused.
        err = res.errors[0]
        raise Conflict(err.code, err.message, field=err.field)
    if res.line_ids:
        bl = BankLine.objects.select_related("invoice").get(pk=res.line_ids[0])
        status = "matched" if bl.invoice_id else "unmatched"
    else:
        bl = BankLine.objects.get(bank_account=account, transaction_id=line.transaction_id)
        status = "duplicate"
    ref = bl.invoice.reference if bl.invoice_id else None
    return {"status": status, "line_id": bl.pk, "invoice": ref, "reason": bl.reason or None}


def bank_account_save(
    *,
    actor,
    school: OrgUnit,
    code: str,
    bank_bin: str,
    bank_name: str,
    account_number: str,
    account_name: str,
) -> BankAccount:
    from . import vietqr  # noqa: PLC0415

    vietqr.build(vietqr.VietQR(bank_bin=bank_bin, account=account_number))  # validates
    with transaction.atomic():
        account, _created = BankAccount.objects.update_or_create(
            code=code,
            defaults={
                "school": school,
                "bank_bin": bank_bin,
                "bank_name": bank_name,
                "account_number": account_number,
                "account_name": account_name,
                "active": True,
            },
        )
        audit_record(
            actor=actor,
            action="update",
            object_type="fees.bankaccount",
            object_id=account.pk,
            object_repr=str(account),
        )
    return account


_ACCOUNT_NUMBER = re.compile(r"[0-9A-Z]{1,19}")
_ACCOUNT_NAME = re.compile(r"[A-Z0-9 .,&()/-]{2,50}")
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")


def _bank_account_clean(
    *, bank_bin: str, account_number: str, account_name: str, errors: list
) -> tuple[str, str, str, str]:
    """(bin, bank name, account number, holder as VietQR needs it), errors appended."""
    from .banks import bank_name  # noqa: PLC0415

    bank_bin = (bank_bin or "").strip()
    name = bank_name(bank_bin)
    if name is None:
        errors.append(
            ErrorItem("bank_account.bin", _("Chọn ngân hàng trong danh sách."), "bank_bin")
        )
    number = "".join((account_number or "").split()).upper()
    if not _ACCOUNT_NUMBER.fullmatch(number):
        errors.append(
            ErrorItem(
                "bank_account.number",
                _("Số tài khoản gồm 1 đến 19 chữ số hoặc chữ cái, không dấu cách."),
                "account_number",
            )
        )
    holder = vietqr_name(account_name or "")
    if not _ACCOUNT_NAME.fullmatch(holder):
        errors.append(
            ErrorItem(
                "bank_account.name",
                _(
                    "Tên chủ tài khoản từ 2 đến 50 ký tự, chữ in hoa không dấu như ngân hàng "
                    "in (ví dụ TRUONG THCS LE LOI)."
                ),
                "account_name",
            )
        )
    return bank_bin, name or "", number, holder


def no_account_text(unit: OrgUnit) -> str:
    """The unit (school, commune or province, by name) has no active receiving account."""
    return _("%(u)s chưa khai báo tài khoản ngân hàng.") % {"u": unit.name}


def _duplicate_account(unit: OrgUnit, number: str, bank_name: str) -> Conflict:
    return Conflict(
        "bank_account.duplicate",
        _("%(u)s đã khai báo tài khoản %(n)s tại %(b)s.")
        % {"u": unit.name, "n": number, "b": bank_name},
        field="account_number",
    )


def bank_account_create(
    *,
    actor,
    school: OrgUnit,
    bank_bin: str,
    account_number: str,
    account_name: str,
    code: str = "",
) -> BankAccount:
    """A school's receiving account for VietQR transfers. The holder's name is stored upper
    case without diacritics ("Trường THCS Lê Lợi" → "TRUONG THCS LE LOI"); `code` names the
    account in webhook calls (default: school code, bank BIN and the account's last digits)."""
    errors: list[ErrorItem] = []
    bank_bin, bank_name, number, holder = _bank_account_clean(
        bank_bin=bank_bin, account_number=account_number, account_name=account_name, errors=errors
    )
    code = (code or "").strip().lower()
    if not code:
        base = re.sub(r"[^a-z0-9]+", "-", vietqr_name(school.code or str(school.pk)).lower())
        code = f"{base.strip('-')[:20]}-{bank_bin}-{number[-6:].lower()}"
    if not _CODE.fullmatch(code):
        errors.append(
            ErrorItem(
                "bank_account.code",
                _("Mã tài khoản từ 2 đến 40 ký tự: chữ thường không dấu, số, dấu gạch ngang."),
                "code",
            )
        )
    if errors:
        raise DomainErrors(errors)
    if BankAccount.objects.filter(school=school, bank_bin=bank_bin, account_number=number).exists():
        raise _duplicate_account(school, number, bank_name)
    try:
        with transaction.atomic():
            account = BankAccount.objects.create(
                school=school,
                code=code,
                bank_bin=bank_bin,
                bank_name=bank_name,
                account_number=number,
                account_name=holder,
                active=True,
            )
            audit_record(
                actor=actor,
                action="create",
                object_type="fees.bankaccount",
                object_id=account.pk,
                object_repr=str(account),
            )
    except IntegrityError as exc:
        raise Conflict(
            "bank_account.code_taken",
            _("Mã tài khoản “%(c)s” đã được dùng.") % {"c": code},
            field="code",
        ) from exc
    return account


def bank_account_update(
    *,
    actor,
    account: BankAccount,
    bank_bin=UNSET,
    account_number=UNSET,
    account_name=UNSET,
    active=UNSET,
) -> BankAccount:
    """Change or (de)activate a receiving account. A deactivated account no longer appears
    on invoices' QR codes nor accepts webhook calls; its recorded lines stay."""
    errors: list[ErrorItem] = []
    bank_bin, bank_name, number, holder = _bank_account_clean(
        bank_bin=account.bank_bin if bank_bin is UNSET else bank_bin,
        account_number=account.account_number if account_number is UNSET else account_number,
        account_name=account.account_name if account_name is UNSET else account_name,
        errors=errors,
    )
    if errors:
        raise DomainErrors(errors)
    new = {
        "bank_bin": bank_bin,
        "bank_name": bank_name,
        "account_number": number,
        "account_name": holder,
        "active": account.active if active is UNSET else bool(active),
    }
    changes = {k: [getattr(account, k), v] for k, v in new.items() if getattr(account, k) != v}
    if not changes:
        return account
    if (
        BankAccount.objects.filter(school_id=account.school_id, bank_bin=bank_bin)
        .filter(account_number=number)
        .exclude(pk=account.pk)
        .exists()
    ):
        raise _duplicate_account(account.school, number, bank_name)
    with transaction.atomic():
        for k, (_old, v) in changes.items():
            setattr(account, k, v)
        account.save()
        audit_record(
            actor=actor,
            action="deactivate" if changes.get("active") == [True, False] else "update",
            object_type="fees.bankaccount",
            object_id=account.pk,
            object_repr=str(account),
            changes=changes,
        )
    return account


def invoice_qr_payload(invoice: Invoice, account: BankAccount | None) -> str | None:
    """The dynamic VietQR payload of an invoice: its outstanding amount, its reference as
    the transfer content. None when the school has no account or nothing is due."""
    from . import vietqr  # noqa: PLC0415

    due = invoice.outstanding
    if account is None or due <= 0 or invoice.status == InvoiceStatus.CANCELLED:
        return None
    return vietqr.build(
        vietqr.VietQR(
            bank_bin=account.bank_bin,
            account=account.account_number,
            amount=due,
            # A public-service fee is a "lệ phí", not tuition; the reference is what matches.
            purpose=f"{invoice.reference} {'LE PHI' if invoice.source else 'HOC PHI'}",
        )
    )
