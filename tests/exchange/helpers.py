"""Building upload files in tests: CSV in each encoding, .xlsx with openpyxl."""

import io
import unicodedata

from openpyxl import Workbook

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

HEADER = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Số định danh",
    "Mã xã",
    "Lớp",
    "Năm học",
]
GOOD = [
    ["Hoàng Thị Mai", "12/03/2013", "Nữ", "Ê-đê", "067313100001", "24730", "6A1", "2025-2026"],
    ["Y Bình Niê", "07/09/2013", "Nam", "12", "067213100002", "24730", "6A1", "2025-2026"],
    ["Đỗ Văn Ước", "21/11/2013", "Nam", "Kinh", "067213100003", "24736", "6A1", "2025-2026"],
]
GOOD_NAMES = ["Hoàng Thị Mai", "Y Bình Niê", "Đỗ Văn Ước"]


def to_cp1258(text: str) -> bytes:
    """Windows-1258 the way Excel writes it: base letters precomposed where the code page
    has them, tone marks as separate combining characters."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def csv_text(rows, delimiter=",", above=()) -> str:
    lines = [delimiter.join(r) for r in [*above, *rows]]
    return "\r\n".join(lines) + "\r\n"


def csv_bytes(rows, encoding="utf-8", delimiter=",", above=()) -> bytes:
    text = csv_text(rows, delimiter, above)
    if encoding == "cp1258":
        return to_cp1258(text)
    return text.encode(encoding)


def xlsx_bytes(rows, above=(), merges=(), edit=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    for r in [*above, *rows]:
        ws.append(list(r))
    for ref in merges:
        ws.merge_cells(ref)
    if edit:
        edit(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_row(base, index, column, value):
    """A copy of `base` rows with one cell replaced."""
    rows = [list(r) for r in base]
    rows[index][HEADER.index(column)] = value
    return rows
