"""Matching bank lines to invoices and recording payments: mangled text, truncation, two
invoices, partial and over-payments, retries, and the clerk's queue."""

import pytest

from edudx.fees import services
from edudx.fees.models import (
    BankLine,
    Invoice,
    InvoiceStatus,
    LineSource,
    LineStatus,
    Payment,
    Receipt,
)
from edudx.notify.models import Notification

from .conftest import line

pytestmark = pytest.mark.django_db

TOTAL = 1_930_400


def run(account, *lines):
    return services.reconcile(bank_account=account, lines=list(lines), source=LineSource.STATEMENT)


def test_invoices_generated_with_items_and_total(invoices, district):
    a1, a2 = invoices
    assert (a1.total, a1.status, a1.period) == (TOTAL, InvoiceStatus.OPEN, "HK1")
    assert sorted(a1.lines.values_list("label", "amount", "reduction")) == [
        ("Bảo hiểm y tế", 680_400, 0),
        ("Học phí học kỳ I", 1_250_000, 0),
    ]
    # Running it again skips the students already invoiced.
    again = services.invoices_generate(
        actor=None,
        school=district.school_a,
        school_year=district.year,
        period="HK1",
        title="x",
    )
    assert (again.created, again.skipped) == (0, 2)


def test_reduction_applies_to_tuition_only(district, items, account):
    services.reduction_create(
        actor=None,
        student=district.student_a1,
        school_year=district.year,
        reason="poor",
        percent=50,
        kind="tuition",
        dossier_ref="DVC-2025-000123",
    )
    result = services.invoices_generate(
        actor=None,
        school=district.school_a,
        school_year=district.year,
        period="HK1",
        title="HK1",
        class_group=district.class_a,
    )
    inv = next(i for i in result.invoices if i.student_id == district.student_a1.pk)
    assert inv.total == 625_000 + 680_400


@pytest.mark.parametrize(
    "content",
    [
        "{ref}",
        "{lower}",
        "NGUYEN VAN AN NOP HOC PHI {spaced}",
        "MBVCB.123456.{ref}.CT tu 0987654321 TRAN THI MAI toi 0123456789",
        "Đóng học phí {lower} cho cháu An",
    ],
    ids=["plain", "lower", "spaced", "bank-junk", "diacritics"],
)
def test_mangled_content_matches(invoices, account, content):
    a1, _a2 = invoices
    ref = a1.reference
    text = content.format(ref=ref, lower=ref.lower(), spaced=f"{ref[:2]} {ref[2:6]} {ref[6:]}")
    res = run(account, line("FT001", TOTAL, text))
    assert (res.matched, res.unmatched) == (1, 0)
    a1.refresh_from_db()
    assert (a1.paid, a1.status) == (TOTAL, InvoiceStatus.PAID)
    payment = Payment.objects.get()
    assert payment.bank_line.transaction_id == "FT001"
    assert Receipt.objects.get(payment=payment).number == f"BL{payment.pk:010d}"


def test_partial_then_rest(invoices, account):
    a1, a2 = invoices
    before = a1.updated_at
    run(account, line("FT1", 1_000_000, a1.reference))
    a1.refresh_from_db()
    assert (a1.paid, a1.status, a1.outstanding) == (1_000_000, InvoiceStatus.PARTIAL, 930_400)
    # A system syncing invoices by updated_at sees the payment; the other invoice is untouched.
    assert a1.updated_at > before
    assert Invoice.objects.get(pk=a2.pk).updated_at == a2.updated_at
    run(account, line("FT2", 930_400, a1.reference))
    a1.refresh_from_db()
    assert (a1.paid, a1.status) == (TOTAL, InvoiceStatus.PAID)


def test_over_payment_then_refund(invoices, account):
    a1, _ = invoices
    run(account, line("FT1", 2_000_000, a1.reference))
    a1.refresh_from_db()
    assert (a1.paid, a1.status, a1.outstanding) == (2_000_000, InvoiceStatus.OVERPAID, 0)
    services.refund_record(actor=None, invoice=a1, amount=69_600, reason="Nộp thừa")
    a1.refresh_from_db()
    assert (a1.paid, a1.status) == (TOTAL, InvoiceStatus.PAID)


def test_refund_tells_the_guardian_once(invoices, account, guardian, clerk):
    a1, _ = invoices
    run(account, line("FT1", 2_000_000, a1.reference))
    refund = services.refund_record(actor=clerk, invoice=a1, amount=69_600, reason="Nộp  thừa")
    notes = list(
        Notification.objects.filter(recipient=guardian, event="fees.refund_recorded").values_list(
            "key", "title", "body", "url", "context"
        )
    )
    assert notes == [
        (
            f"fees.refund:{refund.pk}:user:{guardian.pk}",
            f"Đã hoàn 69.600 đ cho hóa đơn {a1.reference}",
            "Học phí và BHYT học kỳ I. Hình thức: Chuyển khoản. Lý do: Nộp thừa. "
            "Số đã nộp còn lại: 1.930.400 đ.",
            f"/fees/invoices/{a1.pk}/",
            {"invoice": a1.reference, "amount": 69_600, "refund_id": refund.pk},
        )
    ]
    # The invoice of a child who is not hers tells her nothing.
    assert Notification.objects.filter(recipient=guardian).count() == 2  # payment + refund


def test_refused_refund_tells_nobody(invoices, account, guardian):
    a1, _ = invoices
    run(account, line("FT1", 100_000, a1.reference))
    with pytest.raises(services.DomainError):
        services.refund_record(actor=None, invoice=a1, amount=100_001, reason="x")
    assert not Notification.objects.filter(event="fees.refund_recorded").exists()


def test_refund_cannot_exceed_what_was_paid(invoices, account):
    a1, _ = invoices
    run(account, line("FT1", 100_000, a1.reference))
    with pytest.raises(services.DomainError) as exc:
        services.refund_record(actor=None, invoice=a1, amount=100_001, reason="x")
    assert exc.value.code == "refund.amount"


def test_a_line_naming_two_invoices_goes_to_the_queue(invoices, account):
    a1, a2 = invoices
    res = run(account, line("FT1", 2 * TOTAL, f"{a1.reference} va {a2.reference}"))
    assert (res.matched, res.unmatched) == (0, 1)
    bl = BankLine.objects.get()
    assert (bl.status, bl.reason) == (LineStatus.UNMATCHED, "two_invoices")
    assert bl.candidates == sorted([a1.reference, a2.reference])
    assert Payment.objects.count() == 0
    assert services.reason_text(bl.reason) == "Nội dung khớp nhiều hóa đơn; cần kế toán chọn."


def test_truncated_reference_matches_by_amount(invoices, account):
    a1, a2 = invoices
    # Both references begin with "HP"; the cut one is a prefix of a1's only if its digits
    # match: take 6 digits of a1's reference and its exact outstanding amount.
    content = f"NGUYEN VAN AN NOP HOC PHI {a1.reference[:8]}"
    res = run(account, line("FT1", TOTAL, content))
    assert res.matched == 1
    assert BankLine.objects.get().invoice_id == a1.pk


def test_truncated_reference_with_an_amount_matching_nothing_is_queued(invoices, account):
    a1, _ = invoices
    res = run(account, line("FT1", 123, f"HOC PHI {a1.reference[:8]}"))
    assert res.unmatched == 1
    assert BankLine.objects.get().reason == "truncated_ambiguous"


def test_unknown_and_missing_references_are_queued(invoices, account):
    res = run(
        account,
        line("FT1", 500_000, "HP12345674"),
        line("FT2", 500_000, "ung ho quy lop"),
    )
    assert res.unmatched == 2
    assert dict(BankLine.objects.values_list("transaction_id", "reason")) == {
        "FT1": "unknown_reference",
        "FT2": "no_reference",
    }


def test_reference_of_another_school_is_queued(district, invoices, account):
    other = Invoice.objects.create(
        reference="HP00000018",
        student=district.student_b1,
        school=district.school_b,
        school_year=district.year,
        period="HK1",
        title="x",
        total=100,
    )
    run(account, line("FT1", 100, other.reference))
    assert BankLine.objects.get().reason == "other_school"
    other.refresh_from_db()
    assert other.paid == 0


def test_retried_statement_records_nothing_twice(invoices, account):
    a1, _ = invoices
    first = run(account, line("FT1", TOTAL, a1.reference))
    again = run(account, line("FT1", TOTAL, a1.reference), line("FT1", TOTAL, a1.reference))
    assert (first.matched, again.matched, again.skipped) == (1, 0, 2)
    assert Payment.objects.count() == 1
    a1.refresh_from_db()
    assert a1.paid == TOTAL


def test_same_transaction_with_another_amount_is_refused_and_flagged(invoices, account):
    a1, _ = invoices
    run(account, line("FT1", TOTAL, a1.reference))
    res = run(account, line("FT1", 9_999, a1.reference))
    assert [e.code for e in res.errors] == ["line.amount_mismatch"]
    bl = BankLine.objects.get()
    assert bl.flagged is True and "9.999 đ" in bl.flag_note
    assert Payment.objects.count() == 1


def test_clerk_assigns_a_queued_line(invoices, account, clerk, guardian):
    a1, _ = invoices
    run(account, line("FT1", TOTAL, "chuyen tien hoc phi con An"))
    bl = BankLine.objects.get()
    payment = services.line_assign(actor=clerk, line=bl, invoice=a1, note="Phụ huynh gọi điện")
    bl.refresh_from_db()
    a1.refresh_from_db()
    assert (bl.status, bl.invoice_id, a1.status) == (LineStatus.ASSIGNED, a1.pk, "paid")
    assert payment.receipt.number
    note = Notification.objects.get(recipient=guardian)
    assert note.title == f"Đã nhận 1.930.400 đ cho hóa đơn {a1.reference}"
    with pytest.raises(services.Conflict):
        services.line_assign(actor=clerk, line=bl, invoice=a1)


def test_matched_payment_notifies_the_guardian_once(invoices, account, guardian):
    a1, a2 = invoices
    run(account, line("FT1", 1_000_000, a1.reference), line("FT2", TOTAL, a2.reference))
    notes = list(Notification.objects.filter(recipient=guardian))
    assert len(notes) == 1  # a2 is not her child
    assert notes[0].event == "fees.payment_recorded"
    assert notes[0].body == "Nguyễn Văn An: Học phí và BHYT học kỳ I. Còn phải nộp 930.400 đ."
    assert notes[0].url == f"/fees/invoices/{a1.pk}/"


def test_money_format():
    assert services.money(1_250_000) == "1.250.000 đ"
    assert services.money(0) == "0 đ"
    assert services.money(-69_600) == "-69.600 đ"


def test_t19_cashless_share(district, invoices, account, clerk):
    import datetime as dt  # noqa: PLC0415

    from edudx.fees.selectors import cashless_schools_share  # noqa: PLC0415

    a1, a2 = invoices
    period = {"start": dt.date(2025, 9, 1), "end": dt.date(2026, 5, 31)}
    services.payment_record_cash(actor=clerk, invoice=a2, amount=100)  # cash: not counted
    assert cashless_schools_share(**period) == {"schools": 2, "cashless": 0, "share": 0.0}
    run(account, line("FT1", 1000, a1.reference))  # booked 06/10/2025
    assert cashless_schools_share(**period) == {"schools": 2, "cashless": 1, "share": 0.5}
    assert cashless_schools_share(start=dt.date(2025, 10, 7), end=dt.date(2025, 12, 31)) == {
        "schools": 2,
        "cashless": 0,
        "share": 0.0,
    }
    assert cashless_schools_share(**period, unit=district.commune_b)["share"] == 0.0


def test_collection_report(district, invoices, account, clerk):
    from edudx.fees.selectors import collection_report  # noqa: PLC0415

    a1, _ = invoices
    run(account, line("FT1", 1_000_000, a1.reference))
    report = collection_report(actor=clerk, school_year_id=district.year.pk)
    assert report["totals"] == {
        "n": 2,
        "billed": 2 * TOTAL,
        "collected": 1_000_000,
        "outstanding": 2 * TOTAL - 1_000_000,
    }
    (school,) = report["schools"]
    (cls,) = school["classes"]
    assert (cls["class_group__name"], cls["n"], cls["percent"]) == ("6A1", 2, 25.9)


def test_payment_after_a_refund_counts_the_refund(invoices, account):
    # The invoices of a batch are recomputed from all their payments minus their refunds.
    a1, a2 = invoices
    run(account, line("FT1", 2_000_000, a1.reference))
    services.refund_record(actor=None, invoice=a1, amount=1_000_000, reason="Nộp thừa")
    a1.refresh_from_db()
    assert (a1.paid, a1.status) == (1_000_000, InvoiceStatus.PARTIAL)
    res = run(account, line("FT2", 930_400, a1.reference), line("FT3", 1_000_000, a2.reference))
    assert (res.matched, res.unmatched) == (2, 0)
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert (a1.paid, a1.status) == (TOTAL, InvoiceStatus.PAID)
    assert (a2.paid, a2.status) == (1_000_000, InvoiceStatus.PARTIAL)


def test_duplicates_inside_one_batch(invoices, account):
    # The first of each transaction id wins; again with the same amount it is skipped, with
    # another amount it is an error naming the row.
    a1, a2 = invoices
    dup = line("FT2", 5_000, a2.reference)._replace(row=7)
    res = run(
        account,
        line("FT1", 1_000_000, a1.reference),
        line("FT2", 1_000, a2.reference),
        line("FT1", 1_000_000, a1.reference),
        dup,
    )
    assert (res.matched, res.unmatched, res.skipped) == (2, 0, 1)
    assert [(e.code, e.row, e.message) for e in res.errors] == [
        ("line.duplicate_amount", 7, "Dòng 7: mã giao dịch FT2 lặp lại với số tiền khác.")
    ]
    assert sorted(BankLine.objects.values_list("transaction_id", "amount")) == [
        ("FT1", 1_000_000),
        ("FT2", 1_000),
    ]


def test_recorded_lines_inside_and_outside_a_new_batch(invoices, account):
    # The look-up of recorded transaction ids is skipped when none lies between the batch's
    # least and greatest id: a line recorded inside that range is still found (skipped
    # with the same amount, refused with another), one outside it changes nothing.
    a1, a2 = invoices
    run(account, line("FT5", 1_000, a1.reference), line("FT9", 2_000, a2.reference))
    res = run(account, line("FT6", 3_000, a1.reference), line("FT7", 4_000, a2.reference))
    assert (res.matched, res.skipped, res.errors) == (2, 0, [])
    res = run(
        account,
        line("FT4", 5_000, a1.reference),
        line("FT5", 1_000, a1.reference),
        line("FT8", 6_000, a2.reference),
        line("FT9", 2_500, a2.reference),
    )
    assert (res.matched, res.skipped) == (2, 1)
    assert [e.code for e in res.errors] == ["line.amount_mismatch"]
    assert BankLine.objects.count() == 6
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert (a1.paid, a2.paid) == (1_000 + 3_000 + 5_000, 2_000 + 4_000 + 6_000)
