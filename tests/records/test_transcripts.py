"""The digital transcript (học bạ số): its data, JSON twin and PDF (pure), and issuing and
countersigning through the services: two PAdES signatures in order, verified by pyHanko and
by poppler's pdfsig; one changed byte is tampering; one transcript per student and year."""

import datetime as dt
import io
import re
import subprocess
import unicodedata
from decimal import Decimal

import pytest
from pypdf import PdfReader

from edudx.audit.models import AuditEvent
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError
from edudx.core.signing import verify_pdf
from edudx.records.models import CurriculumSubject, SubjectKind, Transcript, TranscriptStatus
from edudx.records.transcripts import (
    PeriodResult,
    SubjectLine,
    TranscriptData,
    new_reference,
    transcript_json,
    transcript_pdf,
)
from edudx.records.transcripts_data import transcript_data_for
from edudx.records.transcripts_selectors import transcript_verify
from edudx.records.transcripts_services import transcript_countersign, transcript_issue

from .conftest_transcripts import *  # noqa: F403 — the fixtures
from .conftest_transcripts import COMMENT, first_revision_byte, flip, tool

DATA = TranscriptData(
    reference="HB-7KQ2M9XR4T0A",
    school_year="2025-2026",
    # Decomposed input (NFD) must come out precomposed.
    student_name=unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết"),
    date_of_birth=dt.date(2013, 5, 4),
    sex="F",
    ethnicity="Ê Đê",
    student_code="HS0001",
    moet_id="6700012345",
    school_name="Trường THCS Lê Lợi",
    school_code="67000101",
    authority="UBND XÃ NAM BÌNH",
    place="Nam Bình",
    class_name="6A1",
    grade=6,
    issued_on=dt.date(2026, 5, 31),
    homeroom_teacher="Lê Thị Hoa",
    principal="Võ Thị Hồng Nhung",
    subjects=[
        SubjectLine("toan", "Toán", "score", Decimal("8.5"), Decimal("9.0"), Decimal("8.8")),
        SubjectLine("lich_su_dia_li", "Lịch sử và Địa lí", "score", Decimal("6.0")),
        SubjectLine("giao_duc_the_chat", "Giáo dục thể chất", "comment", "dat", "dat", "dat"),
    ],
    term1=PeriodResult("kha", "tot", 1, 1),
    term2=PeriodResult("tot", "tot", 0, 0),
    year=PeriodResult("tot", "tot", 1, 1),
    year_end_status="PROMOTED",
    title="GOOD",
    homeroom_comment=COMMENT,
)

JSON = {
    "schema": "edudx.transcript/1",
    "reference": "HB-7KQ2M9XR4T0A",
    "school_year": "2025-2026",
    "issued_on": "2026-05-31",
    "student": {
        "full_name": unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết"),
        "date_of_birth": "2013-05-04",
        "sex": "F",
        "ethnicity": "Ê Đê",
        "student_code": "HS0001",
        "moet_id": "6700012345",
    },
    "school": {"name": "Trường THCS Lê Lợi", "code": "67000101"},
    "class": {"name": "6A1", "grade": 6},
    "subjects": [
        {
            "code": "toan",
            "name": "Toán",
            "assessed_by": "score",
            "term1": "8.5",
            "term2": "9.0",
            "year": "8.8",
        },
        {
            "code": "lich_su_dia_li",
            "name": "Lịch sử và Địa lí",
            "assessed_by": "score",
            "term1": "6.0",
            "term2": None,
            "year": None,
        },
        {
            "code": "giao_duc_the_chat",
            "name": "Giáo dục thể chất",
            "assessed_by": "comment",
            "term1": "dat",
            "term2": "dat",
            "year": "dat",
        },
    ],
    "results": {
        "term1": {"learning": "kha", "conduct": "tot", "absent": {"excused": 1, "unexcused": 1}},
        "term2": {"learning": "tot", "conduct": "tot", "absent": {"excused": 0, "unexcused": 0}},
        "year": {"learning": "tot", "conduct": "tot", "absent": {"excused": 1, "unexcused": 1}},
    },
    "year_end": {"status": "promoted", "title": "good"},
    "homeroom_comment": COMMENT,
    "signers": {"homeroom": "Lê Thị Hoa", "principal": "Võ Thị Hồng Nhung"},
}

# What a reader sees, line by line (whitespace runs compared as one space).
PDF_TEXT = [
    "UBND XÃ NAM BÌNH",
    "TRƯỜNG THCS LÊ LỢI",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Nam Bình, ngày 31 tháng 5 năm 2026",
    "HỌC BẠ",
    "Năm học 2025-2026 - Lớp 6A1",
    "Họ và tên học sinh: Nguyễn Thị Ánh Tuyết",
    "Ngày sinh: 04/05/2013; giới tính: Nữ; dân tộc: Ê Đê",
    "Mã học sinh: HS0001; mã định danh Bộ GDĐT: 6700012345",
    "Kết quả cuối năm: Được lên lớp; danh hiệu: Học sinh Giỏi",
    f"Nhận xét của giáo viên chủ nhiệm: {COMMENT}",
    "Môn học và hoạt động giáo dục Học kỳ I Học kỳ II Cả năm",
    "Toán 8,5 9,0 8,8",
    "Lịch sử và Địa lí 6,0 — —",
    "Giáo dục thể chất Đạt Đạt Đạt",
    "Kết quả học tập Khá Tốt Tốt",
    "Kết quả rèn luyện Tốt Tốt Tốt",
    "Số buổi nghỉ (có phép/không phép) 2 (1/1) 0 (0/0) 2 (1/1)",
    "GIÁO VIÊN CHỦ NHIỆM (Ký số) Lê Thị Hoa HIỆU TRƯỞNG (Ký số) Võ Thị Hồng Nhung",
    "Số hiệu văn bản: HB-7KQ2M9XR4T0A",
    "Kiểm tra tính xác thực tại: https://edudx.example.vn/verify/HB-7KQ2M9XR4T0A/",
]


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert unicodedata.is_normalized("NFC", text)
    return " ".join(text.split())


# --- pure: data → JSON twin and PDF --------------------------------------------------------


def test_json_twin_is_exact():
    assert transcript_json(DATA) == JSON


def test_pdf_text_is_extracted_back_exactly_with_diacritics():
    rendered = transcript_pdf(DATA, "https://edudx.example.vn/verify/HB-7KQ2M9XR4T0A/")
    text = pdf_text(rendered.data)
    assert [line for line in PDF_TEXT if line not in text] == []
    # In reading order: heading, identity, table, signatures, reference.
    positions = [text.index(line) for line in PDF_TEXT[5:]]
    assert positions == sorted(positions)
    assert set(rendered.signature_boxes) == {"homeroom", "principal"}


@pytest.mark.parametrize(
    ("day", "printed"),
    [
        (dt.date(2026, 5, 31), "ngày 31 tháng 5 năm 2026"),
        (dt.date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (dt.date(2026, 2, 9), "ngày 09 tháng 02 năm 2026"),
        (dt.date(2025, 12, 1), "ngày 01 tháng 12 năm 2025"),
    ],
    ids=["may", "january", "february", "december"],
)
def test_place_and_date_follow_decree_30(day, printed):
    from edudx.records.transcripts import _date_vi

    assert _date_vi(day) == printed


def test_references_are_short_random_and_unambiguous():
    refs = {new_reference() for _ in range(200)}
    assert len(refs) == 200
    assert all(re.fullmatch(r"HB-[0-9A-HJKMNP-TV-Z]{12}", r) for r in refs)


# --- assembling from the database --------------------------------------------------------------


def test_data_is_assembled_from_results_attendance_and_staff(district, results, principal):
    data = transcript_data_for(
        results, district.year, reference="HB-TEST", homeroom_comment=f"  {COMMENT}\n"
    )
    twin = transcript_json(data)
    compulsory = list(
        CurriculumSubject.objects.filter(grade=6, kind=SubjectKind.COMPULSORY)
        .order_by("subject__sort_order", "subject__code")
        .values_list("subject__code", flat=True)
    )
    assert [s["code"] for s in twin["subjects"]] == compulsory
    by_code = {s["code"]: s for s in twin["subjects"]}
    assert by_code["toan"] == {
        "code": "toan",
        "name": "Toán",
        "assessed_by": "score",
        "term1": "8.5",
        "term2": "9.0",
        "year": "8.8",
    }
    assert by_code["giao_duc_the_chat"]["term2"] == "dat"
    assert by_code["tin_hoc"] == {
        "code": "tin_hoc",
        "name": "Tin học",
        "assessed_by": "score",
        "term1": None,
        "term2": None,
        "year": None,
    }
    assert {k: v for k, v in twin.items() if k != "subjects"} == {
        "schema": "edudx.transcript/1",
        "reference": "HB-TEST",
        "school_year": "2025-2026",
        "issued_on": data.issued_on.isoformat(),
        "student": {
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "2013-05-04",
            "sex": "M",
            "ethnicity": "Kinh",
            "student_code": None,
            "moet_id": None,
        },
        "school": {"name": "Trường THCS Lê Lợi", "code": "67000101"},
        "class": {"name": "6A1", "grade": 6},
        "results": {
            "term1": {
                "learning": "kha",
                "conduct": "tot",
                "absent": {"excused": 1, "unexcused": 1},
            },
            "term2": {
                "learning": "tot",
                "conduct": "tot",
                "absent": {"excused": 0, "unexcused": 0},
            },
            "year": {
                "learning": "tot",
                "conduct": "tot",
                "absent": {"excused": 1, "unexcused": 1},
            },
        },
        "year_end": {"status": "promoted", "title": "good"},
        "homeroom_comment": COMMENT,
        "signers": {"homeroom": "Lê Thị Hoa", "principal": "Võ Thị Hồng Nhung"},
    }
    assert (data.authority, data.place) == ("UBND XÃ NAM BÌNH", "Nam Bình")


# --- issuing and countersigning --------------------------------------------------------------


@pytest.fixture
def issued(district, teacher, results):
    transcript, created = transcript_issue(
        actor=teacher, student=results, school_year=district.year, comment=COMMENT
    )
    assert created
    return transcript


@pytest.fixture
def countersigned(issued, principal):
    return transcript_countersign(actor=principal, transcript=issued)


def signatures(result):
    return [
        (s.field_name, s.signer_name, s.signer_organization, s.intact, s.valid, s.trusted)
        for s in result.signatures
    ]


def test_issue_signs_as_the_homeroom_teacher(issued, teacher):
    row = Transcript.objects.get(pk=issued.pk)
    pdf = bytes(row.pdf)
    assert (row.status, row.teacher_name, row.teacher_id) == (
        TranscriptStatus.TEACHER_SIGNED,
        "Lê Thị Hoa",
        teacher.pk,
    )
    assert re.fullmatch(r"[0-9a-f]{64}", row.sha256)
    assert row.data["reference"] == row.reference
    result = verify_pdf(pdf, expected_fields=["homeroom", "principal"])
    assert result.verdict == "incomplete"  # the principal has not signed yet
    assert signatures(result) == [
        ("homeroom", "Lê Thị Hoa", "Trường THCS Lê Lợi", True, True, True),
    ]
    text = pdf_text(pdf)
    assert "Họ và tên học sinh: Nguyễn Văn An" in text
    assert f"https://edudx.example.vn/verify/{row.reference}/" in text
    assert f"Nhận xét của giáo viên chủ nhiệm: {COMMENT}" in text


def test_countersign_adds_the_principal_second(countersigned):
    row = Transcript.objects.get(pk=countersigned.pk)
    result = verify_pdf(bytes(row.pdf), expected_fields=["homeroom", "principal"])
    assert result.verdict == "authentic"
    assert signatures(result) == [
        ("homeroom", "Lê Thị Hoa", "Trường THCS Lê Lợi", True, True, True),
        ("principal", "Võ Thị Hồng Nhung", "Trường THCS Lê Lợi", True, True, True),
    ]
    assert [s.covers_whole_document for s in result.signatures] == [False, True]
    assert row.status == TranscriptStatus.PRINCIPAL_SIGNED
    assert row.principal_name == "Võ Thị Hồng Nhung"
    assert row.principal_signed_at >= row.teacher_signed_at
    # The principal's revision only appends: the teacher's signed bytes are a prefix.
    first = verify_pdf(bytes(row.pdf))
    assert first.signatures[0].modified_after == "form_filling"
    assert list(
        AuditEvent.objects.filter(object_type="records.transcript").values_list(
            "action", "object_id"
        )
    ) == [("create", str(row.pk)), ("update", str(row.pk))]


def test_issue_is_idempotent_by_student_and_year(district, teacher, issued):
    again, created = transcript_issue(
        actor=teacher, student=district.student_a1, school_year=district.year, comment="khác"
    )
    assert (again.pk, created) == (issued.pk, False)
    assert Transcript.objects.count() == 1


def test_only_the_homeroom_teacher_issues(district):
    other = district.teacher_user(district.teacher_b)
    with pytest.raises(Forbidden) as err:
        transcript_issue(actor=other, student=district.student_a1, school_year=district.year)
    assert err.value.code == "transcript.not_homeroom"
    assert Transcript.objects.count() == 0


def test_only_the_school_principal_countersigns(district, issued):
    from edudx.accounts.models import Role

    other = district.user(Role.PRINCIPAL, district.school_b)
    with pytest.raises(Forbidden) as err:
        transcript_countersign(actor=other, transcript=issued)
    assert err.value.code == "transcript.not_principal"


def test_countersigning_twice_is_refused(countersigned, principal):
    with pytest.raises(DomainError) as err:
        transcript_countersign(actor=principal, transcript=countersigned)
    assert (err.value.code, str(err.value)) == (
        "transcript.status",
        "Học bạ này đã được hiệu trưởng ký.",
    )


def test_one_byte_changed_is_tampered(countersigned):
    pdf = bytes(Transcript.objects.get(pk=countersigned.pk).pdf)
    tampered = flip(pdf, first_revision_byte(pdf, countersigned.reference))
    assert len(tampered) == len(pdf) and tampered != pdf
    check = transcript_verify(tampered)
    assert (check.result.verdict, check.result.message) == (
        "tampered",
        "Tài liệu đã bị thay đổi sau khi ký: nội dung không còn khớp với chữ ký số.",
    )
    assert check.matches_issued is False
    assert [s.intact for s in check.result.signatures] == [False, False]


def test_the_issued_file_verifies_as_issued(countersigned):
    pdf = bytes(Transcript.objects.get(pk=countersigned.pk).pdf)
    check = transcript_verify(pdf)
    assert (check.result.verdict, check.matches_issued, check.reference) == (
        "authentic",
        True,
        countersigned.reference,
    )
    assert check.transcript.pk == countersigned.pk


def test_an_earlier_copy_is_authentic_but_not_the_issued_document(issued, principal):
    early = bytes(Transcript.objects.get(pk=issued.pk).pdf)
    transcript_countersign(actor=principal, transcript=issued)
    check = transcript_verify(early)
    assert (check.result.verdict, check.matches_issued, check.transcript.pk) == (
        "incomplete",
        False,
        issued.pk,
    )


def test_pdfsig_validates_both_signatures_in_order(countersigned, tmp_path):
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(bytes(Transcript.objects.get(pk=countersigned.pk).pdf))
    out = subprocess.run(  # noqa: S603
        [tool("pdfsig"), str(path)], capture_output=True, text=True
    ).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 2
    assert out.index("Signer Certificate Common Name: Lê Thị Hoa") < out.index(
        "Signer Certificate Common Name: Võ Thị Hồng Nhung"
    )
    assert out.index("Signature Field Name: homeroom") < out.index("Field Name: principal")


# --- a whole class at once ---------------------------------------------------------------------


def test_a_class_is_issued_and_countersigned_at_once(district, teacher, results, principal):
    from edudx.records.transcripts_services import (
        transcript_countersign_many,
        transcript_issue_class,
    )

    created = transcript_issue_class(
        actor=teacher, class_group=district.class_a, comments={results.pk: COMMENT}
    )
    assert sorted(t.student_id for t in created) == sorted(
        [district.student_a1.pk, district.student_a2.pk]
    )
    assert transcript_issue_class(actor=teacher, class_group=district.class_a) == []
    one = Transcript.objects.get(student=results)
    single = transcript_json(
        transcript_data_for(
            results,
            district.year,
            reference=one.reference,
            homeroom_comment=COMMENT,
            issued_on=dt.date.fromisoformat(one.data["issued_on"]),
        )
    )
    assert one.data == single  # the batch assembles exactly what one at a time does
    assert transcript_countersign_many(actor=principal, transcripts=created) == 2
    assert transcript_countersign_many(actor=principal, transcripts=created) == 0
    for t in Transcript.objects.all():
        result = verify_pdf(bytes(t.pdf), expected_fields=["homeroom", "principal"])
        assert (result.verdict, t.status) == ("authentic", TranscriptStatus.PRINCIPAL_SIGNED)
    assert AuditEvent.objects.filter(object_type="records.transcript").count() == 4


def test_only_the_homeroom_teacher_issues_a_class(district):
    from edudx.records.transcripts_services import transcript_issue_class

    other = district.teacher_user(district.teacher_b)
    with pytest.raises(Forbidden):
        transcript_issue_class(actor=other, class_group=district.class_a)
    assert Transcript.objects.count() == 0
