"""Printable papers: the questions of one mã đề, its answer sheet, its answer key.

Laid out by core.pdf.render_document (ReportLab, Be Vietnam Pro, NFC text). Formulas are
printed as readable Unicode (mathtext.latex_to_text: "x² + √(y)", "(5)/(2)"), images by
name; the answer sheet uses ( ) marks that every font can draw."""

from decimal import Decimal

from edudx.core.pdf import DocumentSpec, render_document

from . import grading
from .mathtext import to_plain
from .models import Kind, PaperVersion, QuestionVersion

LETTERS = grading.LETTERS


def _num(value) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")


def _question_lines(n: int, v: QuestionVersion, item: dict) -> list[str]:
    stem = to_plain(grading.BLANK.sub(lambda m: f"({m.group(1)}) ……", v.stem))
    lines = [f"Câu {n} ({_num(item['points'])} điểm). {stem}"]
    if v.kind in (Kind.SINGLE, Kind.MULTIPLE):
        by_id = {o["id"]: o for o in v.data["options"]}
        order = item.get("order") or list(by_id)
        lines += [
            f"    {LETTERS[i]}. {to_plain(by_id[oid]['text'])}" for i, oid in enumerate(order)
        ]
    elif v.kind == Kind.TRUE_FALSE4:
        lines += [
            f"    {chr(97 + i)}) {to_plain(s['text'])}" for i, s in enumerate(v.data["statements"])
        ]
    elif v.kind == Kind.MATCHING:
        rights = [p["right"] for p in v.data["pairs"]] + list(v.data.get("extra") or [])
        order = item.get("order") or [str(i) for i in range(len(rights))]
        lines += [f"    {i + 1}. {p['left']}" for i, p in enumerate(v.data["pairs"])]
        lines += [f"    {LETTERS[i]}. {rights[int(k)]}" for i, k in enumerate(order)]
    elif v.kind == Kind.CLOZE:
        for b in v.data.get("blanks") or []:
            if b.get("mode") == "choice":
                opts = " / ".join(o["text"] for o in b["options"])
                lines.append(f"    ({b['id']}): {opts}")
    return lines


def _sheet_row(n: int, v: QuestionVersion, item: dict) -> list[str]:
    if v.kind in (Kind.SINGLE, Kind.MULTIPLE):
        count = len(item.get("order") or v.data["options"])
        marks = "   ".join(f"( ) {LETTERS[i]}" for i in range(count))
    elif v.kind == Kind.TRUE_FALSE4:
        marks = "   ".join(f"{chr(97 + i)}) ( ) Đ ( ) S" for i in range(4))
    elif v.kind == Kind.ESSAY:
        marks = "Làm trên giấy thi"
    else:
        marks = "……………………………"
    return [str(n), marks]


def render(version: PaperVersion, *, part: str = "paper") -> bytes:
    paper = version.paper
    versions = QuestionVersion.objects.in_bulk([i["qv"] for i in version.items])
    school = paper.unit.name if paper.unit_id else ""
    subtitle = [
        f"Môn: {paper.subject.name} – Lớp {paper.grade}",
        f"Thời gian làm bài: {paper.duration_minutes} phút",
        f"Mã đề: {version.code}",
    ]
    issuer = [school] if school else []
    if part == "sheet":
        table = [["Câu", "Trả lời (tô kín ô chọn)"]] + [
            _sheet_row(n, versions[i["qv"]], i) for n, i in enumerate(version.items, start=1)
        ]
        spec = DocumentSpec(
            title="PHIẾU TRẢ LỜI",
            issuer_lines=issuer,
            subtitle_lines=[paper.title, *subtitle],
            paragraphs=["Họ và tên: ……………………………………   Lớp: ……………   Số báo danh: ……………"],
            table=table,
            col_widths=[0.1, 0.9],
            reference=f"{paper.pk}-{version.code}",
        )
    elif part == "key":
        table = [["Câu", "Đáp án", "Điểm"]] + [
            [str(k["n"]), to_plain(k["key"]) or "Chấm tay", _num(k["points"])] for k in version.key
        ]
        spec = DocumentSpec(
            title="ĐÁP ÁN",
            issuer_lines=issuer,
            subtitle_lines=[paper.title, *subtitle],
            table=table,
            col_widths=[0.1, 0.72, 0.18],
            reference=f"{paper.pk}-{version.code}",
        )
    else:
        paragraphs: list[str] = []
        for n, item in enumerate(version.items, start=1):
            paragraphs += _question_lines(n, versions[item["qv"]], item)
        paragraphs.append("———— HẾT ————")
        spec = DocumentSpec(
            title=paper.title.upper(),
            issuer_lines=issuer,
            subtitle_lines=subtitle,
            paragraphs=paragraphs,
            reference=f"{paper.pk}-{version.code}",
        )
    return render_document(spec).data
