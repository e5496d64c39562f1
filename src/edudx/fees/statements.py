"""Reading a bank statement (CSV or .xlsx) into credit lines. Pure reading, no database.

Banks export different layouts; what they share is a header row (within the first 10 rows,
under the bank's title block) naming a transaction number, a date, a credit amount and the
transfer content. Headers are matched folded (no diacritics, any case); amounts may be
written "1.250.000", "1,250,000", "1250000.00" or be Excel numbers; dates dd/mm/yyyy with
or without the time, ISO, or Excel dates. Debit rows (no credit amount) are skipped.

Every problem is an ErrorItem naming the spreadsheet row (1-based, as Excel shows it) and
the column as the bank wrote it; a file with any is refused whole."""

import csv
import datetime as dt
import io
import re
import zipfile
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.core.errors import DomainErrors, ErrorItem
from edudx.core.text import fold

HEADER_SCAN_ROWS = 10
MAX_ROWS = 200_000

ALIASES = {
    "transaction_id": (
        "ma giao dich",
        "so giao dich",
        "so gd",
        "ma gd",
        "so tham chieu",
        "so but toan",
        "transaction id",
        "txn id",
        "reference no",
        "ref no",
    ),
    "booked_at": (
        "ngay giao dich",
        "thoi gian giao dich",
        "ngay hieu luc",
        "thoi gian",
        "ngay",
        "transaction date",
        "date",
    ),
    "amount": (
        "so tien ghi co",
        "ghi co",
        "so tien",
        "so tien vao",
        "credit",
        "credit amount",
        "amount",
    ),
    "content": (
        "noi dung",
        "noi dung giao dich",
        "noi dung chuyen khoan",
        "mo ta",
        "dien giai",
        "description",
        "content",
        "remark",
    ),
}
_BY_KEY = {a: f for f, aliases in ALIASES.items() for a in aliases}
REQUIRED = ("transaction_id", "booked_at", "amount", "content")


_new = tuple.__new__


class LineIn(NamedTuple):
    """One credit line (a tuple: a statement makes one per row, 100,000 at a time)."""

    transaction_id: str
    booked_at: dt.datetime
    amount: int
    content: str
    row: int | None = None


def label(name: str) -> str:
    return {
        "transaction_id": _("Mã giao dịch"),
        "booked_at": _("Ngày giao dịch"),
        "amount": _("Số tiền ghi có"),
        "content": _("Nội dung"),
    }.get(name, name)


def header_key(text) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(str(text or ""))).split())


_MONEY_JUNK = re.compile(r"(vnd|dong|d|\s)", re.IGNORECASE)


def parse_amount(value) -> int | None:
    """Whole đồng, or None for a blank cell; raises ValueError when it is not money."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != int(value):
            raise ValueError(value)
        return int(value)
    text = str(value).strip()
    if text.isdigit():  # the common case, fast
        return int(text)
    text = _MONEY_JUNK.sub("", fold(text))
    if not text or text in {"-", "0"}:
        return None if not text or text == "-" else 0
    # A 2-digit decimal tail (",00" or ".00") is cents, which đồng does not have.
    m = re.fullmatch(r"([\d.,]+?)[.,](\d{2})", text)
    if m and not re.search(r"[.,]\d{3}$", text):
        if int(m.group(2)):
            raise ValueError(value)
        text = m.group(1)
    if not re.fullmatch(r"\d{1,3}([.,]\d{3})*|\d+", text):
        raise ValueError(value)
    return int(re.sub(r"[.,]", "", text))


_DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
)


_DMY_HMS = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def parse_when(value) -> dt.datetime:
    tz = timezone.get_default_timezone()
    if isinstance(value, str) and (m := _DMY_HMS.fullmatch(value.strip())):
        d, mo, y, h, mi, sec = m.groups()
        try:
            return dt.datetime(
                int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0), tzinfo=tz
            )
        except ValueError:
            raise ValueError(value) from None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min, tzinfo=tz)
    text = " ".join(str(value or "").split())
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(value) from None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=tz)


def _find_header(rows: list[list]) -> tuple[int, dict[str, int], list] | None:
    for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for j, cell in enumerate(cells):
            f = _BY_KEY.get(header_key(cell))
            if f and f not in columns:
                columns[f] = j
        if len(columns) >= 3:
            return i, columns, cells
    return None


def _lines(rows, first_rows: list[list]) -> list[LineIn]:
    found = _find_header(first_rows)
    if found is None:
        raise DomainErrors(
            [
                ErrorItem(
                    "statement.header",
                    _(
                        "Không tìm thấy dòng tiêu đề (Mã giao dịch, Ngày giao dịch, "
                        "Số tiền ghi có, Nội dung) trong %(n)s dòng đầu."
                    )
                    % {"n": HEADER_SCAN_ROWS},
                )
            ]
        )
    header_index, columns, header_cells = found
    errors = [
        ErrorItem(
            "statement.column_missing",
            _("Thiếu cột %(c)s.") % {"c": label(f)},
            field=f,
            row=header_index + 1,
        )
        for f in REQUIRED
        if f not in columns
    ]
    if errors:
        raise DomainErrors(errors)

    def column(f):
        return str(header_cells[columns[f]])

    width = max(columns.values()) + 1
    j_txn, j_when, j_amount, j_content = (columns[f] for f in REQUIRED)
    out: list[LineIn] = []
    dates: dict[str, dt.datetime] = {}
    last_row = MAX_ROWS + header_index + 1
    for row, cells in enumerate(rows, header_index + 2):
        if row > last_row:
            errors.append(
                ErrorItem("statement.too_long", _("Tệp quá %(n)s dòng.") % {"n": MAX_ROWS}, row=row)
            )
            break

        if len(cells) < width:
            if all(c in (None, "") for c in cells):
                continue
            cells = [*cells, *([None] * (width - len(cells)))]
        raw_amount = cells[j_amount]
        try:
            if type(raw_amount) is str and raw_amount.isdigit():  # parse_amount's fast path
                amount = int(raw_amount)
            else:
                amount = parse_amount(raw_amount)
        except ValueError:
            errors.append(
                ErrorItem(
                    "statement.amount",
                    _("Dòng %(r)s, cột “%(c)s”: “%(v)s” không phải số tiền (đồng).")
                    % {"r": row, "c": column("amount"), "v": raw_amount},
                    field="amount",
                    row=row,
                )
            )
            continue
        if not amount or amount < 0:
            continue  # a debit, or an empty row
        txn = cells[j_txn]
        if not (type(txn) is str and txn.isalnum()):  # else nothing to collapse
            txn = " ".join(str(txn or "").split())
        if not txn or len(txn) > 64:
            errors.append(
                ErrorItem(
                    "statement.transaction_id",
                    _("Dòng %(r)s, cột “%(c)s”: thiếu mã giao dịch (tối đa 64 ký tự).")
                    % {"r": row, "c": column("transaction_id")},
                    field="transaction_id",
                    row=row,
                )
            )
            continue
        raw_when = cells[j_when]
        try:
            # A statement repeats its booking times (often the date only): parsed once each.
            when = dates.get(raw_when) if isinstance(raw_when, str) else None
            if when is None:
                when = parse_when(raw_when)
                if isinstance(raw_when, str):
                    dates[raw_when] = when
        except ValueError:
            errors.append(
                ErrorItem(
                    "statement.date",
                    _("Dòng %(r)s, cột “%(c)s”: “%(v)s” không phải ngày (dd/mm/yyyy).")
                    % {"r": row, "c": column("booked_at"), "v": raw_when},
                    field="booked_at",
                    row=row,
                )
            )
            continue
        content = " ".join(str(cells[j_content] or "").split())[:500]
        # tuple.__new__: a LineIn without NamedTuple's Python-level __new__ (one per row).
        out.append(_new(LineIn, (txn, when, amount, content, row)))
    if errors:
        raise DomainErrors(errors)
    return out


def _decode(content: bytes) -> str:
    for enc in ("utf-8-sig", "cp1258"):
        try:
            return content.decode(enc)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def parse_csv(content: bytes) -> list[LineIn]:
    text = _decode(content)
    sample = text[:4096]
    delimiter = max((",", ";", "\t"), key=sample.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    found = _find_header(rows)
    start = found[0] + 1 if found else 0
    return _lines(rows[start:], rows)


def parse_xlsx(content: bytes) -> list[LineIn]:
    from openpyxl import load_workbook  # noqa: PLC0415 — only for .xlsx

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DomainErrors(
            [ErrorItem("statement.file", _("Tệp .xlsx hỏng hoặc không đọc được."))]
        ) from exc
    try:
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    found = _find_header(rows)
    start = found[0] + 1 if found else 0
    return _lines(rows[start:], rows)


def parse_statement(*, file_name: str, content: bytes) -> list[LineIn]:
    name = file_name.lower()
    if name.endswith(".xlsx"):
        return parse_xlsx(content)
    if name.endswith((".csv", ".txt")):
        return parse_csv(content)
    raise DomainErrors(
        [ErrorItem("statement.type", _("Chỉ nhận tệp sao kê .csv hoặc .xlsx."), field="file")]
    )
