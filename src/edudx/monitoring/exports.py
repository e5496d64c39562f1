"""Exports of the consolidated yearly report: .xlsx (openpyxl) and a signed PDF (core.pdf +
core.signing), in Vietnamese. Both read the summary tables only."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from edudx.core import signing
from edudx.core.pdf import DocumentSpec, SignatureSlot, render_document

from .models import ReportStatus, YearlyReport
from .selectors import consolidated

STATUS_VI = {
    None: "Chưa lập",
    ReportStatus.DRAFT: "Đang soạn",
    ReportStatus.SUBMITTED: "Đã nộp",
    ReportStatus.RETURNED: "Trả lại để bổ sung",
    ReportStatus.ACCEPTED: "Đã tiếp nhận",
}
PROVENANCE_VI = {
    "computed": "Tính từ dữ liệu",
    "self_reported": "Tự báo cáo",
    "mixed": "Tổng hợp",
    "missing": "Chưa có số liệu",
}


def _n(value) -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0").replace(".", ",")


def _date(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y") if value else ""


def _fact_cell(field: dict, value):
    """A fact as a cell: a whole number, a decimal, or Có/Không for a yes/no."""
    if value is None:
        return None
    if field.get("kind") == "yesno":
        return "Có" if value else "Không"
    return _n_cell(value)


def _fact_header(field: dict) -> str:
    return f"{field['title']} ({field['unit']})" if field.get("unit") else field["title"]


def _facts_sheet(ws, data: dict) -> None:
    """Each school's facts (latest reported up to the year, with the report year they come
    from), then their totals (a yes/no counts the schools answering yes) and how many
    schools gave each."""
    fields = data["facts"]
    ws.append(["Trường", "Mã", *(_fact_header(f) for f in fields), "Số liệu của báo cáo năm"])
    for s in data["schools"]:
        ws.append(
            [
                s["name"], s["code"], *(_fact_cell(f, s["facts"][f["key"]]) for f in fields),
                ", ".join(str(y) for y in s["facts_year"]),
            ]
        )  # fmt: skip
    totals = data["fact_totals"]
    ws.append(["Tổng cộng", "", *(_n_cell(totals[f["key"]]["sum"]) for f in fields)])
    ws.append(["Số trường có số liệu", "", *(totals[f["key"]]["schools"] for f in fields)])
    ws.cell(row=ws.max_row - 1, column=1).font = Font(bold=True)


def _n_cell(value):
    return int(value) if value % 1 == 0 else float(value)


def facts_paragraph(data: dict) -> str:
    """The schools' facts in one sentence (the totals of the .xlsx sheet "Cơ sở vật chất")."""
    parts = []
    for f in data["facts"]:
        t = data["fact_totals"][f["key"]]
        if f.get("kind") == "yesno":
            parts.append(f"{f['title']}: {_n(t['sum'])}/{t['schools']} trường")
        else:
            unit = f" {f['unit']}" if f.get("unit") else ""
            parts.append(f"{f['title']}: {_n(t['sum'])}{unit} ({t['schools']} trường)")
    return "Cơ sở vật chất, hạ tầng theo báo cáo của các trường: " + "; ".join(parts) + "."


def consolidated_xlsx(*, actor, unit, year: int) -> bytes:
    data = consolidated(actor=actor, unit=unit, year=year)
    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ tiêu"
    ws.append([f"Báo cáo tổng hợp năm {year} — {unit.name}"])
    ws["A1"].font = Font(bold=True)
    ws.append(
        ["Mã", "Chỉ tiêu", "Tử số", "Mẫu số", "Tỷ lệ (%)", "Mục tiêu (%)", "Nguồn", "Số trường"]
    )
    for row in data["indicators"]:
        ws.append(
            [
                row["code"], row["name"],
                None if row["numerator"] is None else float(row["numerator"]),
                None if row["denominator"] is None else float(row["denominator"]),
                None if row["value"] is None else float(row["value"]),
                None if row["target"] is None else float(row["target"]),
                PROVENANCE_VI[row["provenance"]], row["schools"],
            ]
        )  # fmt: skip
    ws2 = wb.create_sheet("Báo cáo của trường")
    ws2.append(["Trường", "Mã", "Trạng thái", "Lần nộp", "Ngày nộp", "Nộp muộn"])
    for s in data["schools"]:
        ws2.append(
            [
                s["name"], s["code"], STATUS_VI[s["status"]], s["version"],
                _date(s["submitted_at"]), "Có" if s["late"] else "",
            ]
        )  # fmt: skip
    _facts_sheet(wb.create_sheet("Cơ sở vật chất"), data)
    own = data["own"]
    if own is not None:
        ws3 = wb.create_sheet("Thuyết minh")
        for sec in own.template.sections:
            ws3.append([sec["title"], own.sections.get(sec["key"], "")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def consolidated_pdf(*, actor, unit, year: int) -> bytes:
    """The consolidated report as an A4 PDF signed (PAdES) by the acting officer."""
    from edudx.core.signing import signer_for  # noqa: PLC0415

    data = consolidated(actor=actor, unit=unit, year=year)
    table = [["Mã", "Chỉ tiêu", "Kết quả", "Tỷ lệ", "Mục tiêu"]]
    for row in data["indicators"]:
        result = (
            f"{_n(row['numerator'])}/{_n(row['denominator'])}"
            if row["denominator"] is not None
            else "—"
        )
        table.append(
            [
                row["code"], row["name"], result,
                f"{_n(row['value'])}%" if row["value"] is not None else "—",
                f"{_n(row['target'])}%" if row["target"] is not None else "",
            ]
        )  # fmt: skip
    counts = data["counts"]
    paragraphs = [
        f"Số trường thuộc đơn vị: {counts['schools']}; đã nộp báo cáo: {counts['submitted']}; "
        f"đã tiếp nhận: {counts['accepted']}; nộp muộn: {counts['late']}.",
    ]
    if data["facts"]:
        paragraphs.append(facts_paragraph(data))
    own: YearlyReport | None = data["own"]
    if own is not None:
        for sec in own.template.sections:
            text = own.sections.get(sec["key"], "")
            if text:
                paragraphs.append(f"{sec['title']}: {text}")
    person = getattr(actor, "person", None)
    today = timezone.localdate()
    rendered = render_document(
        DocumentSpec(
            title=f"BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH CHUYỂN ĐỔI SỐ NĂM {year}",
            issuer_lines=[unit.name.upper()],
            place_date=f"Ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
            subtitle_lines=[f"Số liệu tổng hợp theo cây đơn vị ngày {data['as_of']:%d/%m/%Y}"],
            paragraphs=paragraphs,
            table=table,
            col_widths=[0.08, 0.5, 0.16, 0.12, 0.14],
            signatures=[
                SignatureSlot(
                    "office",
                    "THỦ TRƯỞNG ĐƠN VỊ",
                    person.full_name if person else actor.get_username(),
                )
            ],
            reference=f"BC-CDS-{year}-{unit.pk}",
            author=unit.name,
        )
    )
    return signing.sign_pdf(
        rendered.data,
        signer=signer_for(actor, unit),
        field_name="office",
        reason=f"Báo cáo chuyển đổi số năm {year}",
        location=unit.name,
        box=rendered.signature_boxes.get("office"),
    )
