"""GIFT, Moodle XML and QTI 2.1 from files written by hand after each specification."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from edudx.core.errors import DomainError, DomainErrors
from edudx.exams import services
from edudx.exams.formats import FormatError, ParsedQuestion, gift, moodle_xml, qti
from edudx.exams.models import Asset, Question

FILES = Path(__file__).parent / "files"


def qti_zip() -> bytes:
    buf = io.BytesIO()
    root = FILES / "qti"
    with zipfile.ZipFile(buf, "w") as z:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(root).as_posix())
    return buf.getvalue()


def contents(result):
    return [q.content() for q in result.questions]


def test_gift_reads_every_type_and_the_escapes():
    result = gift.parse((FILES / "sample.gift").read_text())
    got = [(q.row, q.kind, q.name) for q in result.questions]
    assert got == [
        (5, "single", "Phép cộng"),
        (12, "single", "Ký tự đặc biệt"),
        (14, "single", "Đúng sai"),
        (16, "multiple", "Nhiều đáp án"),
        (23, "short", "Điền từ"),
        (25, "short", "Số thập phân"),
        (27, "short", "Khoảng"),
        (29, "short", "Nhiều đáp án số"),
        (34, "matching", "Ghép đôi"),
        (41, "essay", "Tự luận"),
        (43, "single", "Phản hồi chung"),
    ]
    q = {q.name: q for q in result.questions}
    assert q["Ký tự đặc biệt"].stem == (
        "Trong GIFT, các ký tự ~ = # { } và : phải thoát; tỉ lệ 1:2 là?"
    )
    assert [o["text"] for o in q["Ký tự đặc biệt"].data["options"]] == [
        "một phần hai",
        "hai: một",
        "{1}",
    ]
    assert q["Đúng sai"].data["options"] == [
        {"id": "a", "text": "Đúng", "fraction": 1},
        {"id": "b", "text": "Sai", "fraction": 0},
    ]
    assert [o["fraction"] for o in q["Nhiều đáp án"].data["options"]] == [0.5, 0.5, -1, -1]
    assert q["Điền từ"].stem == "Thủ đô của Việt Nam là _____ thành phố lớn."
    assert q["Số thập phân"].stem == "Giá trị của $\\frac{5}{2}$ là?"
    assert q["Khoảng"].data["answers"] == [{"value": "3", "tolerance": "2", "fraction": 1}]
    assert q["Ghép đôi"].data["extra"] == ["Phnôm Pênh"]
    assert q["Phản hồi chung"].feedback == "Số chẵn có chữ số tận cùng 0, 2, 4, 6, 8."


def test_gift_syntax_error_names_the_line():
    with pytest.raises(FormatError) as exc:
        gift.parse((FILES / "bad.gift").read_text())
    assert exc.value.as_dict() == {
        "code": "exams.import.syntax",
        "message": "Dòng 5: thiếu dấu “}” đóng đáp án.",
        "field": "file",
        "row": 5,
    }


def test_gift_round_trip_and_what_it_cannot_carry():
    first = gift.parse((FILES / "sample.gift").read_text())
    exported = gift.export(first.questions)
    again = gift.parse(exported.text)
    assert contents(again) == contents(first)
    extra = [
        ParsedQuestion(row=1, kind="tf4", name="Bốn ý", stem="x", data={}),
        ParsedQuestion(row=2, kind="cloze", name="Điền", stem="{{1}}", data={}),
    ]
    out = gift.export(extra)
    assert [(u.name, u.qtype) for u in out.unsupported] == [("Bốn ý", "tf4"), ("Điền", "cloze")]


def test_moodle_xml_reads_cdata_images_and_every_type():
    result = moodle_xml.parse((FILES / "sample_moodle.xml").read_bytes())
    assert [(q.row, q.kind, q.name, q.points) for q in result.questions] == [
        (2, "single", "Hình vuông", Decimal("0.5")),
        (3, "multiple", "Số chia hết cho 3", Decimal(1)),
        (4, "single", "Số nguyên tố", Decimal(1)),
        (5, "short", "Thủ đô", Decimal(1)),
        (6, "short", "Chu vi", Decimal(2)),
        (7, "matching", "Đơn vị", Decimal(1)),
        (8, "cloze", "Điền khuyết", Decimal(1)),
        (9, "essay", "Bài luận", Decimal(3)),
    ]
    assert [(u.row, u.name, u.qtype) for u in result.unsupported] == [
        (10, "Phần hướng dẫn", "description"),
        (11, "Kéo thả", "ddwtos"),
    ]
    ((sha, (name, mime, blob)),) = result.assets.items()
    assert (name, mime, blob[:4]) == ("hinh vuong.png", "image/png", b"\x89PNG")
    square = result.questions[0]
    assert square.stem == (
        f"Hình bên có bao nhiêu hình vuông? ![lưới 2x2](asset:{sha})\nBiết $a^2 = 4$ & a > 0."
    )
    assert square.data["options"][1] == {"id": "b", "text": "5", "fraction": 1}
    cloze = result.questions[6]
    assert cloze.stem == "Số liền sau 9 là {{1}} và thủ đô Pháp là {{2}}; màu lá cây là {{3}}."
    assert [b["mode"] for b in cloze.data["blanks"]] == ["numeric", "text", "choice"]
    assert cloze.data["blanks"][1]["answers"][1] == {"text": "Pa-ri", "fraction": 0.5}


def test_moodle_xml_round_trip_keeps_images():
    first = moodle_xml.parse((FILES / "sample_moodle.xml").read_bytes())
    exported = moodle_xml.export(first.questions, assets=lambda sha: first.assets[sha])
    assert "@@PLUGINFILE@@/" in exported.text and 'encoding="base64"' in exported.text
    again = moodle_xml.parse(exported.text.encode())
    assert contents(again) == contents(first)
    # The same image bytes (hence the same sha in the text); exported under a unique name.
    assert {k: v[2] for k, v in again.assets.items()} == {k: v[2] for k, v in first.assets.items()}
    out = moodle_xml.export([ParsedQuestion(row=1, kind="tf4", name="Bốn ý", stem="x", data={})])
    assert [(u.name, u.qtype) for u in out.unsupported] == [("Bốn ý", "tf4")]


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_entities_and_external_references_are_refused(name):
    with pytest.raises(FormatError) as exc:
        moodle_xml.parse((FILES / name).read_bytes())
    assert exc.value.code == "exams.import.xml_unsafe"


def test_malformed_xml_names_the_line():
    with pytest.raises(FormatError) as exc:
        moodle_xml.parse((FILES / "malformed.xml").read_bytes())
    assert (exc.value.code, exc.value.item.row) == ("exams.import.syntax", 5)
    assert str(exc.value) == "Dòng 5: XML không hợp lệ (mismatched tag)."


def test_qti_package_items():
    result = qti.parse(qti_zip())
    assert [(q.row, q.kind, q.name) for q in result.questions] == [
        (1, "single", "Tam giác đều"),
        (2, "multiple", "Số chẵn"),
        (3, "short", "Số đối"),
        (4, "cloze", "Hai chỗ trống"),
        (5, "essay", "Tự luận"),
    ]
    assert [(u.name, u.qtype) for u in result.unsupported] == [("Sắp xếp", "orderInteraction")]
    choice = result.questions[0]
    (sha,) = result.assets
    assert choice.stem == (
        f"Quan sát hình: ![tam giác ABC](asset:{sha})\nTam giác đều có mấy trục đối xứng?"
    )
    assert [(o["text"], o["fraction"]) for o in choice.data["options"]] == [
        ("1", 0),
        ("3", 1),
        ("0", 0),
        ("6", 0),
    ]
    assert [o["fraction"] for o in result.questions[1].data["options"]] == [0.5, 0, 0.5]
    assert result.questions[2].data == {
        "mode": "numeric",
        "answers": [{"value": "-7", "tolerance": "0", "fraction": 1}],
    }
    assert result.questions[3].stem == "Thủ đô là {{1}}, cố đô là {{2}}."
    assert result.questions[4].stem == "Giải thích vì sao 0 chia hết cho mọi số khác 0."


def test_qti_without_manifest_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("item.xml", "<assessmentItem/>")
    with pytest.raises(FormatError) as exc:
        qti.parse(buf.getvalue())
    assert exc.value.code == "exams.import.manifest"


@pytest.mark.django_db
def test_import_into_the_bank_reports_duplicates_and_unsupported(teacher, maths):
    parsed = services.parse_upload(fmt="moodle", data=(FILES / "sample_moodle.xml").read_bytes())
    report = services.questions_import(actor=teacher, parsed=parsed, subject_id=maths.pk, grade=6)
    assert len(report.created) == 8
    assert report.unsupported == [
        {"row": 10, "name": "Phần hướng dẫn", "type": "description"},
        {"row": 11, "name": "Kéo thả", "type": "ddwtos"},
    ]
    assert Asset.objects.count() == 1
    # The same file again: every question is a duplicate (folded text), nothing is added.
    parsed = services.parse_upload(fmt="moodle", data=(FILES / "sample_moodle.xml").read_bytes())
    again = services.questions_import(actor=teacher, parsed=parsed, subject_id=maths.pk, grade=6)
    assert (again.created, len(again.duplicates)) == ([], 8)
    assert Question.objects.count() == 8
    # Export from the bank and import the export: the same content.
    out = services.questions_export(actor=teacher, question_ids=report.created, fmt="moodle")
    back = moodle_xml.parse(out.text.encode())
    assert [q.content() for q in back.questions] == [q.content() for q in parsed.questions]


@pytest.mark.django_db
def test_an_invalid_question_in_a_file_names_its_line_and_writes_nothing(teacher, maths):
    text = "::A::1+1? {=2 ~3}\n\n::B::Không có đáp án đúng {~1 ~2}\n"
    with pytest.raises(DomainErrors) as exc:
        services.questions_import(
            actor=teacher, parsed=gift.parse(text), subject_id=maths.pk, grade=6
        )
    assert [(e["code"], e["row"]) for e in exc.value.as_list()] == [("exams.question.key", 3)]
    assert Question.objects.count() == 0


def test_non_utf8_gift_is_refused():
    with pytest.raises(DomainError) as exc:
        services.parse_upload(
            fmt="gift", data="Câu hỏi {=a}".encode("latin-1", "replace").replace(b"C", b"\xc3")
        )
    assert exc.value.code == "exams.import.encoding"
