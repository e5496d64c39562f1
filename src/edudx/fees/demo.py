"""Demo fees: for every school with classes in the current school year, a collection account,
fee items (tuition by level and area, health insurance, boarding for primary schools) and
one first-term invoice per studying student; then a few payments: the demo guardian's
children (one paid by transfer, one partly in cash), a share of each school paid by
transfer (so the T19 indicator has data), and two lines waiting in the demo school's queue.

Deterministic from `seed` (references from a seeded generator, fixed dates) and written with
bulk inserts; the transfers go through `services.reconcile`, like a real statement."""

import datetime as dt
import random
import time

from django.utils import timezone

from edudx.org.models import SEGMENT, ClassGroup, OrgUnit, School, UnitKind
from edudx.org.selectors import school_year_current
from edudx.people.models import GuardianLink, Student, StudentStatus

from . import references, services
from .models import (
    Area,
    BankAccount,
    FeeItem,
    FeeKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Payment,
    PaymentMethod,
)
from .statements import LineIn

# Monthly tuition of public schools, Decree 81/2021 Art. 9 bands (đồng/month, rounded), by
# level and area; nine months in a year, four and a half in a term.
MONTHLY_TUITION = {
    ("preschool", Area.URBAN): 300_000,
    ("preschool", Area.RURAL): 100_000,
    ("preschool", Area.MOUNTAIN): 50_000,
    ("lower_secondary", Area.URBAN): 300_000,
    ("lower_secondary", Area.RURAL): 100_000,
    ("lower_secondary", Area.MOUNTAIN): 50_000,
    ("upper_secondary", Area.URBAN): 300_000,
    ("upper_secondary", Area.RURAL): 200_000,
    ("upper_secondary", Area.MOUNTAIN): 100_000,
}
INSURANCE_TERM = 631_800  # 4.5% of the base salary × 70% paid by the family, half a year
BOARDING_TERM = 900_000
BANKS = [("970436", "Vietcombank"), ("970405", "Agribank"), ("970418", "BIDV")]
PERIOD = "HK1"


def _unit_accounts(schools, rng) -> list[BankAccount]:
    """A receiving account for every commune and province above the demo's schools: they
    resolve public-service dossiers, whose fees (eservices) are paid into them."""
    ids = {
        int(s.unit.path[i : i + SEGMENT])
        for s in schools
        for i in range(0, len(s.unit.path), SEGMENT)
    }
    units = OrgUnit.objects.filter(
        pk__in=ids, kind__in=(UnitKind.COMMUNE, UnitKind.PROVINCE), valid_to__isnull=True
    ).order_by("path")
    return [
        BankAccount(
            school=unit,
            code=f"demo-{unit.kind}-{unit.code or unit.pk}"[:40].lower(),
            bank_bin=BANKS[0][0],
            bank_name=BANKS[0][1],
            account_number=f"{rng.randrange(10**12, 10**13)}",
            account_name=services.vietqr_name(
                f"UBND {unit.name}" if unit.kind == UnitKind.COMMUNE else f"Sở GDĐT {unit.name}"
            )[:50],
        )
        for unit in units
    ]


def build_demo(summary, users, *, seed: int, log=print) -> None:
    t0 = time.monotonic()
    year = school_year_current()
    if year is None:
        return
    rng = random.Random(f"{seed}:fees")  # noqa: S311 — a reproducible demo, not secrets
    school_ids = list(
        ClassGroup.objects.filter(school_year=year)
        .values_list("school_id", flat=True)
        .distinct()
        .order_by("school_id")
    )
    schools = {
        s.unit_id: s for s in School.objects.filter(unit_id__in=school_ids).select_related("unit")
    }
    accounts, items = [], []
    for i, sid in enumerate(school_ids):
        school = schools[sid]
        bin_, bank = BANKS[i % len(BANKS)]
        accounts.append(
            BankAccount(
                school_id=sid,
                code=f"demo-{school.unit.code or sid}",
                bank_bin=bin_,
                bank_name=bank,
                account_number=f"{rng.randrange(10**12, 10**13)}",
                account_name=services.vietqr_name(school.unit.name),
            )
        )
        area = (Area.RURAL, Area.MOUNTAIN)[i % 2]
        monthly = MONTHLY_TUITION.get((school.level, area), 0)  # primary: free (Law 2019)
        if monthly:
            items.append(
                FeeItem(
                    school_id=sid,
                    school_year=year,
                    kind=FeeKind.TUITION,
                    name="Học phí học kỳ I",
                    amount=monthly * 9 // 2,
                    level=school.level,
                    area=area,
                )
            )
        items.append(
            FeeItem(
                school_id=sid,
                school_year=year,
                kind=FeeKind.INSURANCE,
                name="Bảo hiểm y tế học sinh (6 tháng)",
                amount=INSURANCE_TERM,
                level=school.level,
            )
        )
        if school.level == "primary":
            items.append(
                FeeItem(
                    school_id=sid,
                    school_year=year,
                    kind=FeeKind.BOARDING,
                    name="Bán trú học kỳ I",
                    amount=BOARDING_TERM,
                    level=school.level,
                )
            )
    accounts += _unit_accounts(schools.values(), rng)
    BankAccount.objects.bulk_create(accounts, batch_size=500)
    FeeItem.objects.bulk_create(items, batch_size=500)
    by_school: dict[int, list[FeeItem]] = {}
    for it in items:
        by_school.setdefault(it.school_id, []).append(it)

    students = list(
        Student.objects.filter(
            status=StudentStatus.STUDYING,
            current_class__school_year=year,
            current_school_id__in=school_ids,
        )
        .order_by("id")
        .values_list("id", "current_school_id", "current_class_id")
    )
    refs = references.random_references(len(students), rng=rng)
    due = year.start_date + dt.timedelta(days=45)
    invoices = [
        Invoice(
            reference=ref,
            student_id=st,
            school_id=sid,
            school_year=year,
            class_group_id=cid,
            period=PERIOD,
            title=f"Các khoản thu học kỳ I năm học {year.code}",
            total=sum(it.amount for it in by_school[sid]),
            status=InvoiceStatus.OPEN,
            due_date=due,
        )
        for (st, sid, cid), ref in zip(students, refs, strict=True)
    ]
    Invoice.objects.bulk_create(invoices, batch_size=1000)
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(invoice=inv, fee_item=it, label=it.name, amount=it.amount)
            for inv in invoices
            for it in by_school[inv.school_id]
        ],
        batch_size=2000,
    )
    log(f"  Thu phí: {len(accounts)} tài khoản, {len(items)} khoản thu, {len(invoices)} hóa đơn")
    _payments(year, invoices, accounts, users, rng, log)
    log(f"  Thu phí: xong trong {time.monotonic() - t0:.1f}s")


def _payments(year, invoices, accounts, users, rng, log) -> None:
    when = timezone.make_aware(dt.datetime.combine(year.start_date, dt.time(9, 0)))
    account_of = {a.school_id: a for a in accounts}
    by_student = {inv.student_id: inv for inv in invoices}
    guardian = next((u for u in users if u.username == "phu_huynh"), None)
    children = (
        list(
            GuardianLink.objects.filter(guardian_id=guardian.person_id)
            .order_by("student_id")
            .values_list("student_id", flat=True)
        )
        if guardian and guardian.person_id
        else []
    )
    own = [by_student[c] for c in children if c in by_student]
    # Every fourth school: about a third of its invoices paid by transfer (T19 data).
    lines_by_school: dict[int, list[LineIn]] = {}
    n = 0
    for inv in invoices:
        if inv.school_id % 4 == 0 and rng.random() < 0.33 and inv not in own[:2]:
            n += 1
            lines_by_school.setdefault(inv.school_id, []).append(
                LineIn(
                    f"DEMO{n:07d}",
                    when + dt.timedelta(minutes=n),
                    inv.total,
                    f"MBVCB.{rng.randrange(10**6)}.{inv.reference} HOC PHI",
                )
            )
    if own:
        first = own[0]
        lines_by_school.setdefault(first.school_id, []).append(
            LineIn("DEMO-PH-1", when, first.total, f"Dong hoc phi {first.reference.lower()}")
        )
        school_id = first.school_id
        lines_by_school[school_id] += [
            LineIn("DEMO-Q-1", when, 500_000, "ung ho quy khuyen hoc lop 7A"),
            LineIn("DEMO-Q-2", when, first.total, "nop hoc phi cho chau"),
        ]
    matched = 0
    for sid, lines in sorted(lines_by_school.items()):
        res = services.reconcile(
            bank_account=account_of[sid], lines=lines, source=LineSource.STATEMENT
        )
        matched += res.matched
    cash = 0
    if len(own) > 1:
        second = own[1]
        payment = Payment.objects.create(
            invoice=second,
            amount=second.total // 2,
            method=PaymentMethod.CASH,
            received_at=when,
            note="Nộp tại trường",
        )
        services._receipts_issue([payment], when)  # noqa: SLF001 — the demo skips the audit
        services.invoices_refresh([second.pk])
        cash = 1
    log(f"  Thu phí: {matched} khoản chuyển khoản khớp, {cash} khoản tiền mặt")
