"""Reading student and staff lists from CSV and .xlsx into rows of canonical fields.

Pure reading, no database. What clerks actually upload: a title and a school name above
the table, the header on any of the first 10 rows, Vietnamese or English column names with
or without diacritics, CSV saved by Excel as UTF-8, UTF-8 with BOM or Windows-1258 (which
writes tone marks as combining characters, so text is NFC-normalised after decoding), with
comma, semicolon or tab between fields; IDs that Excel turned into numbers (leading zeros
lost) and dates that are real Excel dates.

Merged cells (.xlsx), decided as follows:
- above the header row (titles): ignored;
- in the header row, spanning one column over several rows (a two-row header): harmless,
  the data start below the merge;
- in the header row spanning several columns: an error (`header.merged`), since one title
  then covers several columns and which one holds which field is a guess;
- in the data rows: an error (`cell.merged`), since only the first row of the merge holds
  the value and the others would silently import as blank.

Every problem is an `ErrorItem` with the spreadsheet row (1-based, as Excel shows it) and
the canonical field; `Sheet.columns` maps the field to the header as the user wrote it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from edudx.core.errors import DomainErrors, ErrorItem
from edudx.core.text import fold

HEADER_SCAN_ROWS = 10

# Canonical field → header spellings, compared after `header_key` (folded, no punctuation).
ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": (
        "ho va ten",
        "ho ten",
        "ho va ten hoc sinh",
        "ho ten hoc sinh",
        "ho va ten can bo",
        "full name",
        "name",
    ),
    "date_of_birth": ("ngay sinh", "ngay thang nam sinh", "date of birth", "dob", "birth date"),
    "sex": ("gioi tinh", "sex", "gender"),
    "ethnicity": ("dan toc", "ethnicity", "ma dan toc"),
    "personal_id": (
        "so dinh danh",
        "so dinh danh ca nhan",
        "ma dinh danh ca nhan",
        "cccd",
        "so cccd",
        "can cuoc cong dan",
        "so can cuoc",
        "personal id",
    ),
    "moet_id": (
        "ma dinh danh bo gddt",
        "ma dinh danh bo giao duc",
        "ma dinh danh bo",
        "ma hs bo",
        "ma hoc sinh bo",
        "ma dinh danh gddt",
        "moet id",
    ),
    "commune": ("ma xa", "ma xa phuong", "ma phuong xa", "commune", "commune code"),
    "address": ("dia chi", "noi o", "address"),
    "school": ("ma truong", "school code", "school"),
    "class_group": ("lop", "ten lop", "class", "class name", "class group"),
    "school_year": ("nam hoc", "school year"),
    "phone": ("sdt", "so dien thoai", "dien thoai", "phone"),
    "email": ("email", "thu dien tu", "e mail"),
    "student_code": ("ma hoc sinh", "ma hs", "student code"),
    "kind": ("loai", "loai can bo", "phan loai", "kind", "staff kind"),
    "position": ("chuc vu", "position"),
    "qualification": ("trinh do", "trinh do chuyen mon", "trinh do dao tao", "qualification"),
    "main_subject": ("mon", "mon day", "mon giang day", "subject", "main subject"),
    "start_date": ("ngay vao nganh", "ngay bat dau", "start date"),
}
_BY_KEY = {alias: f for f, aliases in ALIASES.items() for alias in (*aliases, f.replace("_", " "))}

STUDENT_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "personal_id",
    "moet_id",
    "commune",
    "address",
    "school",
    "class_group",
    "school_year",
    "phone",
    "email",
    "student_code",
)
STAFF_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "personal_id",
    "moet_id",
    "commune",
    "address",
    "school",
    "kind",
    "position",
    "qualification",
    "main_subject",
    "phone",
    "email",
    "start_date",
)
REQUIRED = {
    "students": ("full_name", "date_of_birth", "sex"),
    "staff": ("full_name", "date_of_birth", "sex", "kind"),
}

# Identifiers that Excel may have turned into numbers, and their width (leading zeros).
_ID_WIDTH = {"personal_id": 12, "moet_id": 10, "commune": 5, "school": 8, "ethnicity": 2}


def field_label(name: str) -> str:
    """The column title used in the template and in messages."""
    return {
        "full_name": _("Họ và tên"),
        "date_of_birth": _("Ngày sinh"),
        "sex": _("Giới tính"),
        "ethnicity": _("Dân tộc"),
        "personal_id": _("Số định danh cá nhân"),
        "moet_id": _("Mã định danh Bộ GDĐT"),
        "commune": _("Mã xã"),
        "address": _("Địa chỉ"),
        "school": _("Mã trường"),
        "class_group": _("Lớp"),
        "school_year": _("Năm học"),
        "phone": _("SĐT"),
        "email": "Email",
        "student_code": _("Mã học sinh"),
        "kind": _("Loại"),
        "position": _("Chức vụ"),
        "qualification": _("Trình độ"),
        "main_subject": _("Môn"),
        "start_date": _("Ngày vào ngành"),
    }.get(name, name)


_PARENS = re.compile(r"\(.*?\)|\[.*?\]")
_NOT_WORD = re.compile(r"[^0-9a-z ]+")
_SPACES = re.compile(r"\s+")


def header_key(text) -> str:
    """'Họ và tên (*)' → 'ho va ten'; 'Mã định danh Bộ GD&ĐT' → 'ma dinh danh bo gddt';
    'full_name' → 'full name'."""
    s = fold(_PARENS.sub(" ", str(text or "")))
    s = re.sub(r"[_\-/.]", " ", s)
    s = _NOT_WORD.sub("", s)
    return _SPACES.sub(" ", s).strip()


@dataclass
class Column:
    field: str
    header: str  # as the user wrote it
    index: int  # 0-based


@dataclass
class Sheet:
    header_row: int
    columns: dict[str, Column]
    rows: list[dict] = field(default_factory=list)
    sheet_name: str = ""

    def column_label(self, field_name: str | None) -> str:
        """'Ngày sinh (date_of_birth)': the header as written plus the canonical field."""
        if not field_name:
            return ""
        col = self.columns.get(field_name)
        return f"{col.header} ({field_name})" if col else field_name


# --------------------------------------------------------------------------- headers


def _match_header(cells) -> dict[str, Column]:
    found: dict[str, Column] = {}
    for i, value in enumerate(cells):
        if value is None or isinstance(value, dt.date | int | float):
            continue
        f = _BY_KEY.get(header_key(value))
        if f and f not in found:
            found[f] = Column(f, str(value).strip(), i)
    return found


def _find_header(first_rows: list[list]) -> tuple[int, dict[str, Column]] | None:
    """(1-based row, columns) of the best header among the first rows, or None."""
    best = None
    for n, cells in enumerate(first_rows[:HEADER_SCAN_ROWS], start=1):
        cols = _match_header(cells)
        if "full_name" in cols and len(cols) >= 2 and (best is None or len(cols) > len(best[1])):
            best = (n, cols)
    return best


def _header_errors(kind: str, header_row: int, cells: list) -> list[ErrorItem]:
    errors = []
    seen: dict[str, str] = {}
    for value in cells:
        if value is None or isinstance(value, dt.date | int | float):
            continue
        f = _BY_KEY.get(header_key(value))
        if f is None:
            continue
        if f in seen:
            errors.append(
                ErrorItem(
                    "header.duplicate",
                    _("Cột '%(a)s' và cột '%(b)s' cùng là %(label)s; hãy giữ một cột.")
                    % {"a": seen[f], "b": str(value).strip(), "label": field_label(f)},
                    f,
                    header_row,
                )
            )
        else:
            seen[f] = str(value).strip()
    errors.extend(
        ErrorItem(
            "header.missing",
            _("Thiếu cột %(label)s ở dòng tiêu đề.") % {"label": field_label(f)},
            f,
            header_row,
        )
        for f in REQUIRED[kind]
        if f not in seen
    )
    return errors


def _no_header() -> DomainErrors:
    return DomainErrors(
        [
            ErrorItem(
                "header.not_found",
                _(
                    "Không tìm thấy dòng tiêu đề trong %(n)s dòng đầu của tệp (cần ít nhất cột "
                    "Họ và tên và Ngày sinh)."
                )
                % {"n": HEADER_SCAN_ROWS},
                None,
                None,
            )
        ]
    )


# ----------------------------------------------------------------------------- cells


def _clean_cell(f: str, value):
    if value is None:
        return ""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
        if f in _ID_WIDTH or f == "phone":
            value = value.lstrip("'")  # Excel's "keep as text" mark
        return value
    if isinstance(value, dt.datetime):
        return value.date() if f in ("date_of_birth", "start_date") else value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if f in _ID_WIDTH:
            return str(value).zfill(_ID_WIDTH[f])
        if f == "phone" and len(str(value)) == 9:
            return f"0{value}"
        if f in ("date_of_birth", "start_date") and 1 <= value < 2_958_466:
            return dt.date(1899, 12, 30) + dt.timedelta(days=value)  # an Excel serial date
        return str(value)
    return str(value)


def _rows_to_dicts(
    rows, columns: dict[str, Column], first_row: int, fields: tuple[str, ...]
) -> list[dict]:
    wanted = [(c.index, f) for f, c in columns.items() if f in fields]
    out = []
    for n, cells in rows:
        if n < first_row:
            continue
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            continue  # blank line
        width = len(cells)
        rec = {"row": n}
        for i, f in wanted:
            rec[f] = _clean_cell(f, cells[i]) if i < width else ""
        out.append(rec)
    return out


# ------------------------------------------------------------------------------- CSV

# Characters that do not occur in Vietnamese text but do occur when a file is read in the
# wrong encoding: C0/C1 controls, Latin-1 symbols (TCVN3/VNI bytes read as Windows-1258,
# or UTF-8 read twice: "Nguyá»…n"), Latin letters Vietnamese does not use, and combining
# marks left over after NFC (a tone mark on a letter that cannot carry it).
_FOREIGN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xa1-\xbf"
    "ÄÅÆÇËÎÏÐÑÖ×ØÛÜÞßäåæçëîïðñö÷øûüþÿ"
    "ƒ„†‡‰Š‹ŒŽš›œžŸˆ˜‚\u0300-\u036f\ufffd]"
)


def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-16 when it has a BOM, else UTF-8 (with or without BOM), else
    Windows-1258; NFC-normalised. Raises DomainErrors when neither decodes cleanly."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "cp1258"]
    for enc in candidates:
        try:
            text = content.decode(enc)
        except UnicodeDecodeError:
            continue
        text = unicodedata.normalize("NFC", text)
        bad = _FOREIGN.search(text)
        if bad is None:
            return text, enc
        line = text.count("\n", 0, bad.start()) + 1
        raise DomainErrors(
            [
                ErrorItem(
                    "file.encoding",
                    _(
                        "Tệp không đọc được đúng tiếng Việt (ký tự lạ '%(ch)s' ở dòng %(row)s). "
                        "Hãy lưu lại tệp dạng CSV UTF-8, hoặc dùng tệp .xlsx."
                    )
                    % {"ch": bad.group().encode("unicode_escape").decode(), "row": line},
                    None,
                    line,
                )
            ]
        )
    raise DomainErrors(
        [
            ErrorItem(
                "file.encoding",
                _(
                    "Không đọc được bảng mã của tệp (không phải UTF-8 hay Windows-1258). Hãy lưu "
                    "lại tệp dạng CSV UTF-8, hoặc dùng tệp .xlsx."
                ),
                None,
                None,
            )
        ]
    )


def _csv_rows(text: str, delimiter: str):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return enumerate(reader, start=1)


def parse_csv(content: bytes, *, kind: str) -> Sheet:
    text, _enc = decode_text(content)
    # The delimiter is the one that makes the best header (commas inside an address on a
    # semicolon file do not fool it: the header has none).
    best = None
    head_lines = text.splitlines()[:HEADER_SCAN_ROWS]
    for delim in (",", ";", "\t"):
        first = [cells for _n, cells in _csv_rows("\n".join(head_lines), delim)]
        found = _find_header(first)
        if found and (best is None or len(found[1]) > len(best[1][1])):
            best = (delim, found, first)
    if best is None:
        raise _no_header()
    delim, (header_row, columns), first = best
    errors = _header_errors(kind, header_row, first[header_row - 1])
    if errors:
        raise DomainErrors(errors)
    fields = STUDENT_FIELDS if kind == "students" else STAFF_FIELDS
    rows = _rows_to_dicts(_csv_rows(text, delim), columns, header_row + 1, fields)
    return Sheet(header_row=header_row, columns=columns, rows=rows)


# ------------------------------------------------------------------------------ xlsx

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _merged_ranges(ws) -> list[tuple[int, int, int, int, str]]:
    """(min_row, min_col, max_row, max_col, 'A1:B2') of each merged range. Read-only
    worksheets do not expose them, so read <mergeCell> from the sheet's XML."""
    if hasattr(ws, "merged_cells"):
        return [
            (r.min_row, r.min_col, r.max_row, r.max_col, r.coord) for r in ws.merged_cells.ranges
        ]
    with ws.parent._archive.open(ws._worksheet_path) as src:
        data = src.read()
    out = []
    for m in _MERGE.finditer(data):
        c1, r1, c2, r2 = m.groups()
        c2, r2 = c2 or c1, r2 or r1
        ref = f"{c1.decode()}{r1.decode()}:{c2.decode()}{r2.decode()}"
        out.append((int(r1), _col_number(c1), int(r2), _col_number(c2), ref))
    return out


def _column_field(columns: dict[str, Column], col: int) -> Column | None:
    return next((c for c in columns.values() if c.index == col - 1), None)


def parse_xlsx(content: bytes, *, kind: str) -> Sheet:
    from openpyxl import load_workbook  # noqa: PLC0415 — only imports pay for it

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DomainErrors(
            [
                ErrorItem(
                    "file.format",
                    _("Không mở được tệp Excel (%(e)s). Hãy lưu lại dạng .xlsx.")
                    % {"e": type(exc).__name__},
                    None,
                    None,
                )
            ]
        ) from exc
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()  # some writers store a wrong <dimension>
            first = [
                list(r) for r in ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True)
            ]
            found = _find_header(first)
            if found is None:
                continue
            header_row, columns = found
            errors = []
            data_start = header_row + 1
            merges = _merged_ranges(ws)
            for r1, c1, r2, c2, ref in merges:
                if r2 < header_row:
                    continue  # a title above the table
                col = _column_field(columns, c1)
                if r1 <= header_row <= r2 and c1 == c2:
                    data_start = max(data_start, r2 + 1)  # a header cell over several rows
                elif r1 <= header_row <= r2:
                    errors.append(
                        ErrorItem(
                            "header.merged",
                            _(
                                "Ô tiêu đề %(ref)s ('%(h)s') được gộp qua nhiều cột; hãy bỏ gộp "
                                "ô để mỗi cột có một tiêu đề riêng."
                            )
                            % {"ref": ref, "h": col.header if col else ""},
                            col.field if col else None,
                            header_row,
                        )
                    )
                else:
                    errors.append(
                        ErrorItem(
                            "cell.merged",
                            _("Ô %(ref)s được gộp; hãy bỏ gộp ô và ghi giá trị cho từng dòng.")
                            % {"ref": ref},
                            col.field if col else None,
                            r1,
                        )
                    )
            # The merge is the cause of a missing column, so it is listed first.
            errors += _header_errors(kind, header_row, first[header_row - 1])
            if errors:
                errors.sort(key=lambda e: e.row or 0)
                raise DomainErrors(errors)
            fields = STUDENT_FIELDS if kind == "students" else STAFF_FIELDS
            rows = _rows_to_dicts(
                enumerate(ws.iter_rows(values_only=True), start=1), columns, data_start, fields
            )
            return Sheet(header_row=header_row, columns=columns, rows=rows, sheet_name=ws.title)
    finally:
        wb.close()
    raise _no_header()


def parse_upload(*, file_name: str, content: bytes, kind: str) -> Sheet:
    """A Sheet from an uploaded .csv or .xlsx; raises DomainErrors."""
    name = file_name.lower()
    if content.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return parse_xlsx(content, kind=kind)
    if name.endswith((".csv", ".txt", ".tsv")):
        return parse_csv(content, kind=kind)
    raise DomainErrors(
        [
            ErrorItem(
                "file.format",
                _("Chỉ nhận tệp .xlsx hoặc .csv (tệp .xls cũ: hãy lưu lại dạng .xlsx)."),
                None,
                None,
            )
        ]
    )
