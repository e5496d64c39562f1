"""The digital transcript (học bạ số) of one student for one school year, as data.

`TranscriptData` is plain data (no database): `transcript_json` turns it into the
machine-readable twin (schema `edudx.transcript/1`), `transcript_pdf` into the one-page
document a Vietnamese reader recognises as a học bạ page (national heading, HỌC BẠ, the
subject table with term I / term II / year results, learning and conduct results, absences,
the year-end decision, the homeroom teacher's comment, signature slots for GIÁO VIÊN CHỦ
NHIỆM and HIỆU TRƯỞNG, a QR code to the public verification page).

The document is Vietnamese whatever the reader's language: it is an official record, so
its labels are fixed strings here, not gettext. Nothing here reads the database:
`records.transcripts_data.transcript_data_for` assembles the data from the results summary
tables, the attendance marks and the class's staff."""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from edudx.core.pdf import DocumentSpec, RenderedPdf, SignatureSlot, render_document

SCHEMA = "edudx.transcript/1"
# The signature fields, in signing order (verify_pdf's expected_fields).
FIELDS = ("homeroom", "principal")
HOMEROOM_TITLE = "GIÁO VIÊN CHỦ NHIỆM"
PRINCIPAL_TITLE = "HIỆU TRƯỞNG"

# Crockford's base 32 (no I, L, O, U: nothing to misread when typed from paper).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """ "HB-" and 12 random base-32 characters (60 bits): printed on the document and in its
    QR code; knowing one reference tells nothing about another."""
    return "HB-" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


# --- labels (the document's fixed Vietnamese) --------------------------------------------

# Subject results of comment-only subjects (Circular 22/2021, Art. 9(1)(a)) and primary
# ratings (Circular 27/2020, Art. 7: Hoàn thành tốt / Hoàn thành / Chưa hoàn thành).
COMMENT_LABELS = {
    "dat": "Đạt",
    "chua_dat": "Chưa đạt",
    "T": "Hoàn thành tốt",
    "H": "Hoàn thành",
    "C": "Chưa hoàn thành",
    "htt": "Hoàn thành tốt",
    "ht": "Hoàn thành",
    "cht": "Chưa hoàn thành",
}
# Learning and conduct levels (Circular 22/2021, Art. 8(1), 9(2)).
LEVEL_LABELS = {"tot": "Tốt", "kha": "Khá", "dat": "Đạt", "chua_dat": "Chưa đạt"}
# Primary year-end results (Circular 27/2020, Art. 9(2)), StudentResult.learning codes.
PRIMARY_RESULT_LABELS = {
    "htxs": "Hoàn thành xuất sắc",
    "htt": "Hoàn thành tốt",
    "ht": "Hoàn thành",
    "cht": "Chưa hoàn thành",
}
# Primary qualities and competencies (Circular 27/2020, Art. 7(2)(a)).
QUALITY_LEVEL_LABELS = {"t": "Tốt", "d": "Đạt", "c": "Cần cố gắng"}
# rules_secondary.YearEndStatus and Title names, as StudentResult stores them.
STATUS_LABELS = {
    "PROMOTED": "Được lên lớp",
    "RETAINED": "Ở lại lớp",
    "SUMMER_TRAINING": "Rèn luyện trong kì nghỉ hè",
    "RE_EXAMINATION": "Kiểm tra, đánh giá lại trong kì nghỉ hè",
    "SUMMER_TRAINING_AND_RE_EXAMINATION": ("Rèn luyện trong kì nghỉ hè và kiểm tra, đánh giá lại"),
    # Primary (Circular 27/2020, Art. 11(1)).
    "COMPLETED": "Hoàn thành chương trình lớp học",
    "NOT_COMPLETED": "Chưa hoàn thành chương trình lớp học",
}
TITLE_LABELS = {
    "EXCELLENT": "Học sinh Xuất sắc",
    "GOOD": "Học sinh Giỏi",
    # Primary (Circular 27/2020, Art. 13(1)(a)).
    "EXEMPLARY": "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
}
SEX_LABELS = {"M": "Nam", "F": "Nữ"}
EMPTY = "—"

Result = Decimal | str | None  # an average, a comment code, or nothing yet


@dataclass(frozen=True)
class SubjectLine:
    code: str
    name: str
    assessed_by: str  # "score" | "comment"
    term1: Result = None
    term2: Result = None
    year: Result = None
    # Primary: the end-of-term periodic test scores (Circular 27/2020, Art. 7(1)(b)).
    test1: int | None = None
    test2: int | None = None


@dataclass(frozen=True)
class PeriodResult:
    """Learning and conduct levels (codes) and half-days absent in a term or the year."""

    learning: str = ""
    conduct: str = ""
    absent_excused: int = 0
    absent_unexcused: int = 0

    @property
    def absent(self) -> int:
        return self.absent_excused + self.absent_unexcused


@dataclass(frozen=True)
class TranscriptData:
    reference: str
    school_year: str  # "2025-2026"
    student_name: str
    date_of_birth: dt.date
    sex: str  # "M" | "F"
    ethnicity: str  # the group's name
    student_code: str
    moet_id: str
    school_name: str
    school_code: str
    authority: str  # the line above the school's name: "UBND XÃ NAM BÌNH"
    place: str  # where it is signed: "Nam Bình"
    class_name: str
    grade: int | None
    issued_on: dt.date
    homeroom_teacher: str = ""
    principal: str = ""
    subjects: Sequence[SubjectLine] = ()
    term1: PeriodResult = field(default_factory=PeriodResult)
    term2: PeriodResult = field(default_factory=PeriodResult)
    year: PeriodResult = field(default_factory=PeriodResult)
    year_end_status: str = ""  # a YearEndStatus name, "" while undecided
    title: str = ""  # a Title name, "" for none
    homeroom_comment: str = ""
    # Primary (Circular 27/2020): (code, name, end of term I level, end of year level) of
    # every quality and competency; level codes t / d / c, "" while not rated.
    qualities: Sequence[tuple[str, str, str, str]] = ()

    @property
    def primary(self) -> bool:
        return self.grade is not None and 1 <= self.grade <= 5


# --- the JSON twin -------------------------------------------------------------------------


def _result_json(value: Result) -> str | None:
    # Decimals as text ("8.5"): exact, as Circular 22/2021 Art. 9(1)(b) rounds them.
    return str(value) if value is not None else None


def _period_json(p: PeriodResult) -> dict:
    return {
        "learning": p.learning or None,
        "conduct": p.conduct or None,
        "absent": {"excused": p.absent_excused, "unexcused": p.absent_unexcused},
    }


def transcript_json(data: TranscriptData) -> dict:
    """The machine-readable twin of the document: the same facts, codes instead of labels
    (levels tot/kha/dat/chua_dat, comment results dat/chua_dat, averages as exact decimal
    text). The platform links it to the signed PDF by the PDF's SHA-256 (`Transcript`)."""
    out = {
        "schema": SCHEMA,
        "reference": data.reference,
        "school_year": data.school_year,
        "issued_on": data.issued_on.isoformat(),
        "student": {
            "full_name": data.student_name,
            "date_of_birth": data.date_of_birth.isoformat(),
            "sex": data.sex,
            "ethnicity": data.ethnicity,
            "student_code": data.student_code or None,
            "moet_id": data.moet_id or None,
        },
        "school": {"name": data.school_name, "code": data.school_code or None},
        "class": {"name": data.class_name, "grade": data.grade},
        "subjects": [
            {
                "code": s.code,
                "name": s.name,
                "assessed_by": s.assessed_by,
                "term1": _result_json(s.term1),
                "term2": _result_json(s.term2),
                "year": _result_json(s.year),
            }
            for s in data.subjects
        ],
        "results": {
            "term1": _period_json(data.term1),
            "term2": _period_json(data.term2),
            "year": _period_json(data.year),
        },
        "year_end": {
            "status": data.year_end_status.lower() or None,
            "title": data.title.lower() or None,
        },
        "homeroom_comment": data.homeroom_comment,
        "signers": {"homeroom": data.homeroom_teacher, "principal": data.principal},
    }
    if data.primary:
        for line, s in zip(out["subjects"], data.subjects, strict=True):
            line["term1_test"], line["term2_test"] = s.test1, s.test2
        out["qualities"] = [
            {"code": code, "name": name, "term1": t1 or None, "term2": t2 or None}
            for code, name, t1, t2 in data.qualities
        ]
    return out


# --- the PDF -------------------------------------------------------------------------------


def _result_text(value: Result) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, Decimal):
        return f"{value:.1f}".replace(".", ",")  # Vietnamese decimal comma: 8,5
    return COMMENT_LABELS.get(value, value)


def _level(code: str) -> str:
    return LEVEL_LABELS.get(code, code) if code else EMPTY


def _absent(p: PeriodResult) -> str:
    return f"{p.absent} ({p.absent_excused}/{p.absent_unexcused})"


def _date_vi(day: dt.date) -> str:
    # Decree 30/2020/NĐ-CP, Appendix I: days below 10 and months below 3 take a leading 0.
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def transcript_lines(data: TranscriptData) -> list[str]:
    """The paragraphs under the title: identity, the year-end decision, the comment."""
    lines = [
        f"Họ và tên học sinh: {data.student_name}",
        f"Ngày sinh: {data.date_of_birth:%d/%m/%Y}; giới tính: "
        f"{SEX_LABELS.get(data.sex, data.sex)}; dân tộc: {data.ethnicity}",
        f"Mã học sinh: {data.student_code or EMPTY}; mã định danh Bộ GDĐT: {data.moet_id or EMPTY}",
    ]
    # StudentResult stores the names in lower case ("promoted"); both cases are read.
    status, title_code = data.year_end_status.upper(), data.title.upper()
    decision = STATUS_LABELS.get(status, data.year_end_status) or EMPTY
    title = TITLE_LABELS.get(title_code, data.title) or EMPTY
    if data.primary:
        if status == "COMPLETED" and data.grade == 5:
            decision = "Hoàn thành chương trình tiểu học"
        lines.append(f"Kết quả cuối năm: {decision}; khen thưởng: {title}")
    else:
        lines.append(f"Kết quả cuối năm: {decision}; danh hiệu: {title}")
    lines.append(f"Nhận xét của giáo viên chủ nhiệm: {data.homeroom_comment or EMPTY}")
    return lines


def transcript_table(data: TranscriptData) -> list[list[str]]:
    rows = [["Môn học và hoạt động giáo dục", "Học kỳ I", "Học kỳ II", "Cả năm"]]
    if data.primary:
        return rows + _primary_rows(data)
    rows += [
        [s.name, _result_text(s.term1), _result_text(s.term2), _result_text(s.year)]
        for s in data.subjects
    ]
    periods = (data.term1, data.term2, data.year)
    rows.append(["Kết quả học tập", *(_level(p.learning) for p in periods)])
    rows.append(["Kết quả rèn luyện", *(_level(p.conduct) for p in periods)])
    rows.append(["Số buổi nghỉ (có phép/không phép)", *(_absent(p) for p in periods)])
    return rows


def _with_test(value: Result, score: int | None) -> str:
    text = _result_text(value)
    return f"{text} ({score})" if score is not None and value not in (None, "") else text


def _primary_rows(data: TranscriptData) -> list[list[str]]:
    """Circular 27/2020: each subject's rating with its periodic test score, the qualities
    and competencies, the year-end result (only the year has one) and the absences."""
    rows = [
        [s.name, _with_test(s.term1, s.test1), _with_test(s.term2, s.test2), _result_text(s.year)]
        for s in data.subjects
    ]
    for _code, name, t1, t2 in data.qualities:
        rows.append(
            [
                name,
                QUALITY_LEVEL_LABELS.get(t1, EMPTY),
                QUALITY_LEVEL_LABELS.get(t2, EMPTY),
                QUALITY_LEVEL_LABELS.get(t2, EMPTY),
            ]
        )
    result = PRIMARY_RESULT_LABELS.get(data.year.learning, EMPTY)
    rows.append(["Kết quả giáo dục", EMPTY, EMPTY, result])
    periods = (data.term1, data.term2, data.year)
    rows.append(["Số buổi nghỉ (có phép/không phép)", *(_absent(p) for p in periods)])
    return rows


def transcript_spec(data: TranscriptData, verify_url: str) -> DocumentSpec:
    return DocumentSpec(
        title="HỌC BẠ",
        issuer_lines=[data.authority, data.school_name.upper()],
        place_date=f"{data.place}, {_date_vi(data.issued_on)}",
        subtitle_lines=[f"Năm học {data.school_year} - Lớp {data.class_name}"],
        paragraphs=transcript_lines(data),
        table=transcript_table(data),
        col_widths=[0.4, 0.2, 0.2, 0.2],
        signatures=[
            SignatureSlot(FIELDS[0], HOMEROOM_TITLE, data.homeroom_teacher),
            SignatureSlot(FIELDS[1], PRINCIPAL_TITLE, data.principal),
        ],
        reference=data.reference,
        verify_url=verify_url,
        author=data.school_name,
    )


def transcript_pdf(data: TranscriptData, verify_url: str) -> RenderedPdf:
    """The unsigned document and its two signature slots (`signature_boxes`)."""
    return render_document(transcript_spec(data, verify_url))
