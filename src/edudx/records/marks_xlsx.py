"""The "Bảng điểm" as an .xlsx file: export a class's marks in one subject and term in the
layout Vietnamese schools use, and read the same layout back.

Layout: title rows (school, "BẢNG ĐIỂM", class · subject · term · school year), then a
header row `STT | Họ và tên | Ngày sinh | ĐĐGtx1 … | ĐĐGgk | ĐĐGck | ĐTBmhk` and one row
per student in the class-list order. ĐTBmhk is computed by the platform and ignored on
import. An import checks every header and every student's name and date of birth against
the class list, so a sheet with an inserted or deleted column (a "shifted" column) or
reordered rows is refused with the row and column named, before anything is saved."""

import datetime as dt
import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from edudx.core.errors import DomainError, ErrorCollector
from edudx.core.text import fold

from .services import MarkEntry

FIXED = ("STT", "Họ và tên", "Ngày sinh")
AVERAGE = "ĐTBmhk"
MAX_ROWS = 200
MAX_BYTES = 2 * 1024 * 1024


def _headers(sheet: dict) -> list[str]:
    cols = [str(c.label) for c in sheet["layout"].columns]
    return [*FIXED, *cols, *([AVERAGE] if sheet["layout"].scored else [])]


def export(sheet: dict) -> bytes:
    """The grid of `selectors.mark_sheet` as .xlsx bytes."""
    cls, subject, term = sheet["class"], sheet["subject"], sheet["term"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Bang diem"
    headers = _headers(sheet)
    bold = Font(bold=True)
    ws.append([cls.school.name])
    ws.append(["BẢNG ĐIỂM"])
    ws.append(
        [
            f"Lớp: {cls.name}",
            None,
            f"Môn: {subject.name}",
            None,
            f"Học kỳ: {'I' if term.number == 1 else 'II'}",
            None,
            f"Năm học: {cls.school_year.code}",
        ]
    )
    ws.append([])
    ws.append(headers)
    ws["A2"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    ws["A2"].alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    for cell in ws[5]:
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for r in sheet["rows"]:
        person = r["student"].person
        cells = [_number(c["text"]) for c in r["cells"]]
        avg = [_number(r["average"])] if sheet["layout"].scored else []
        ws.append([r["n"], person.full_name, person.date_of_birth, *cells, *avg])
        ws.cell(row=ws.max_row, column=3).number_format = "DD/MM/YYYY"
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 12
    for i in range(4, len(headers) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 9
    ws.freeze_panes = "D6"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _number(text: str):
    """ "8,5" → 8.5 (a number cell Excel can sum); comments stay text."""
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except ArithmeticError:
        return text
    return int(value) if value == value.to_integral() else float(value)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # 8.5 → "8.5"; 8.25 stays "8.25" and is refused by the rules; 8.0 → "8"
        return repr(value).removesuffix(".0")
    return str(value).strip()


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.strptime(str(value).strip(), "%d/%m/%Y").date()  # noqa: DTZ007
    except ValueError:
        return None


def parse(data: bytes, sheet: dict) -> list[MarkEntry]:
    """Entries for `services.marks_save` from an uploaded Bảng điểm; DomainErrors naming
    the row (spreadsheet row number) and column (letter and header) otherwise."""
    if len(data) > MAX_BYTES:
        raise DomainError("records.xlsx.size", _("Tệp quá lớn (tối đa 2 MB)."), field="file")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not .xlsx
        raise DomainError(
            "records.xlsx.invalid", _("Tệp không phải bảng tính .xlsx hợp lệ."), field="file"
        ) from None
    rows = list(wb.active.iter_rows(max_row=MAX_ROWS + 20, values_only=True))
    wb.close()
    expected = _headers(sheet)
    header_at = next(
        (i for i, row in enumerate(rows[:15]) if row and _text(row[0]).upper() == "STT"), None
    )
    if header_at is None:
        raise DomainError(
            "records.xlsx.header",
            _("Không tìm thấy dòng tiêu đề (ô đầu tiên là “STT”). Hãy dùng tệp xuất từ EduDX."),
            field="file",
        )
    errors = ErrorCollector(row=header_at + 1)
    got = [_text(v) for v in rows[header_at]]
    for i, want in enumerate(expected):
        have = got[i] if i < len(got) else ""
        if fold(have) != fold(want):
            errors.add(
                "records.xlsx.column",
                _("Cột %(col)s phải là “%(want)s” nhưng là “%(have)s” (cột bị lệch?).")
                % {"col": get_column_letter(i + 1), "want": want, "have": have},
                want,
            )
    errors.raise_if_any()
    students = [r["student"] for r in sheet["rows"]]
    columns = sheet["layout"].columns
    entries: list[MarkEntry] = []
    seen: set[int] = set()
    data_rows = [
        (header_at + 2 + k, row)
        for k, row in enumerate(rows[header_at + 1 :])
        if row and any(v not in (None, "") for v in row[: len(expected)])
    ]
    for excel_row, row in data_rows:
        errors.row = excel_row
        row = list(row) + [None] * (len(expected) - len(row))
        name, dob = _text(row[1]), _date(row[2])
        match = [s for s in students if fold(s.person.full_name) == fold(name)]
        if len(match) > 1:
            match = [s for s in match if s.person.date_of_birth == dob]
        if len(match) != 1:
            errors.add(
                "records.xlsx.student",
                _("Dòng %(r)s, cột B: “%(n)s” không có trong danh sách lớp (cột bị lệch?).")
                % {"r": excel_row, "n": name},
                "Họ và tên",
            )
            continue
        student = match[0]
        if dob is not None and dob != student.person.date_of_birth:
            errors.add(
                "records.xlsx.dob",
                _("Dòng %(r)s, cột C: ngày sinh của %(n)s không khớp danh sách lớp.")
                % {"r": excel_row, "n": name},
                "Ngày sinh",
            )
            continue
        if student.pk in seen:
            errors.add(
                "records.xlsx.duplicate",
                _("Dòng %(r)s: %(n)s có hai dòng.") % {"r": excel_row, "n": name},
                "Họ và tên",
            )
            continue
        seen.add(student.pk)
        for j, col in enumerate(columns, start=len(FIXED)):
            entries.append(MarkEntry(student.pk, col.kind, _text(row[j])))
    errors.raise_if_any()
    return entries
