"""Bank statement import: CSV and .xlsx, header aliases, row/column errors, re-import."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from edudx.core.errors import DomainErrors
from edudx.fees import services, statements
from edudx.fees.models import BankLine, Payment, StatementImport

pytestmark = pytest.mark.django_db

TOTAL = 1_930_400


def csv_bytes(rows: list[list[str]], title=True, encoding="utf-8-sig", sep=",") -> bytes:
    lines = []
    if title:
        lines += ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM", "SAO KÊ TÀI KHOẢN 0123456789", ""]
    lines.append(sep.join(["Ngày giao dịch", "Số tham chiếu", "Nội dung", "Ghi nợ", "Ghi có"]))
    lines += [sep.join(r) for r in rows]
    return "\r\n".join(lines).encode(encoding)


def test_csv_statement_reconciles(invoices, account, clerk):
    a1, a2 = invoices
    data = csv_bytes(
        [
            [
                "06/10/2025 09:30:00",
                "FT1",
                f"hp {a1.reference[2:6]} {a1.reference[6:]} nop hp",
                "",
                '"1.930.400"',
            ],
            ["06/10/2025 10:00:00", "FT2", f"NOP TIEN {a2.reference}", "", "1000000"],
            ["06/10/2025 11:00:00", "FT3", "PHI QUAN LY TK", "11.000", ""],
            ["07/10/2025", "FT4", "ung ho quy khuyen hoc", "", "200.000"],
        ]
    )
    stmt = services.statement_import(
        actor=clerk, bank_account=account, file_name="saoke.csv", content=data
    )
    assert (stmt.lines_total, stmt.lines_matched, stmt.lines_unmatched) == (3, 2, 1)
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert (a1.status, a2.status, a2.paid) == ("paid", "partial", 1_000_000)
    # The same file again: the first import, nothing recorded twice.
    again = services.statement_import(
        actor=clerk, bank_account=account, file_name="saoke.csv", content=data
    )
    assert again.pk == stmt.pk
    assert Payment.objects.count() == 2


def test_xlsx_statement_with_excel_types(invoices, account, clerk):
    a1, _ = invoices
    wb = Workbook()
    ws = wb.active
    ws.append(["SAO KÊ"])
    ws.append(["Transaction date", "Transaction ID", "Description", "Credit"])
    ws.append([dt.datetime(2025, 10, 6, 9, 30), "FT1", f"{a1.reference} HOC PHI", TOTAL])
    ws.append([dt.datetime(2025, 10, 6, 9, 31), 20251006001, "no ref", 5000.0])
    buf = io.BytesIO()
    wb.save(buf)
    stmt = services.statement_import(
        actor=clerk, bank_account=account, file_name="saoke.xlsx", content=buf.getvalue()
    )
    assert (stmt.lines_matched, stmt.lines_unmatched) == (1, 1)
    assert set(BankLine.objects.values_list("transaction_id", flat=True)) == {"FT1", "20251006001"}


def test_bad_rows_refuse_the_file_naming_row_and_column(invoices, account, clerk):
    data = csv_bytes(
        [
            ["06/10/2025", "FT1", "x", "", "1.930.4OO"],
            ["31/02/2025", "FT2", "y", "", "1000"],
        ]
    )
    with pytest.raises(DomainErrors) as exc:
        services.statement_import(
            actor=clerk, bank_account=account, file_name="s.csv", content=data
        )
    assert [(e.row, e.field) for e in exc.value.items] == [(5, "amount"), (6, "booked_at")]
    assert exc.value.items[0].message == (
        "Dòng 5, cột “Ghi có”: “1.930.4OO” không phải số tiền (đồng)."
    )
    assert StatementImport.objects.count() == 0
    assert BankLine.objects.count() == 0


def test_missing_column_is_named(account, clerk):
    data = "Ngày giao dịch;Số tham chiếu;Ghi có\n06/10/2025;FT1;1000\n".encode()
    with pytest.raises(DomainErrors) as exc:
        statements.parse_statement(file_name="s.csv", content=data)
    assert [(e.code, e.field, e.row) for e in exc.value.items] == [
        ("statement.column_missing", "content", 1)
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.250.000", 1_250_000),
        ("1,250,000", 1_250_000),
        ("1250000.00", 1_250_000),
        ("1.250.000,00", 1_250_000),
        ("1.250.000 đ", 1_250_000),
        ("1250000 VND", 1_250_000),
        (1_250_000, 1_250_000),
        (1_250_000.0, 1_250_000),
        ("", None),
        (None, None),
    ],
)
def test_parse_amount(value, expected):
    assert statements.parse_amount(value) == expected


@pytest.mark.parametrize("value", ["12,5", "1.25", "abc", "1250000.50", 12.5])
def test_parse_amount_refuses(value):
    with pytest.raises(ValueError):
        statements.parse_amount(value)


def test_long_statement_keeps_every_line(invoices, account, clerk):
    # 1,201 lines: written 500 rows per INSERT on SQLite (500, 500, 201), COPY on PostgreSQL.
    a1, _ = invoices
    rows = [["06/10/2025 09:30:00", "FT0", f"{a1.reference} HOC PHI", "", "1000"]]
    rows += [["07/10/2025", f"FT{i}", f"ung ho quy lop {i}", "", str(i)] for i in range(1, 1201)]
    stmt = services.statement_import(
        actor=clerk, bank_account=account, file_name="dai.csv", content=csv_bytes(rows)
    )
    assert (stmt.lines_total, stmt.lines_matched, stmt.lines_unmatched) == (1201, 1, 1200)
    lines = BankLine.objects.filter(statement=stmt).order_by("id")
    assert lines.count() == 1201
    first, last = lines.first(), lines.last()
    assert (first.transaction_id, first.amount, first.status, first.candidates) == (
        "FT0",
        1000,
        "matched",
        [a1.reference],
    )
    assert first.booked_at == dt.datetime(2025, 10, 6, 2, 30, tzinfo=dt.UTC)  # 09:30 in Hà Nội
    assert (last.transaction_id, last.amount, last.content, last.reason) == (
        "FT1200",
        1200,
        "ung ho quy lop 1200",
        "no_reference",
    )
    assert sum(lines.values_list("amount", flat=True)) == 1000 + 1200 * 1201 // 2
    assert Payment.objects.get().bank_line_id == first.pk


def test_digits_that_are_not_a_number_refuse_the_file(account, clerk):
    # "²" is a digit to str.isdigit() but not to int(): the amount's fast path refuses it.
    data = csv_bytes([["06/10/2025", "FT1", "x", "", "1²"]])
    with pytest.raises(DomainErrors) as exc:
        services.statement_import(
            actor=clerk, bank_account=account, file_name="s.csv", content=data
        )
    assert [(e.row, e.field, e.message) for e in exc.value.items] == [
        (5, "amount", "Dòng 5, cột “Ghi có”: “1²” không phải số tiền (đồng).")
    ]
