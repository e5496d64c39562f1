"""The student and staff importer, end to end through exchange.services.import_upload."""

import datetime as dt

import pytest

from edudx.audit.models import AuditEvent
from edudx.core.models import OutboxEvent
from edudx.exchange.models import ImportBatch, ImportStatus
from edudx.exchange.services import import_upload
from edudx.people import services as people_services
from edudx.people.models import Enrolment, Person, StaffMember, Student

from ..factories import person_data
from .helpers import GOOD, GOOD_NAMES, HEADER, csv_bytes, to_cp1258, with_row, xlsx_bytes

TODAY = dt.date(2025, 10, 1)


@pytest.fixture
def principal(district):
    return district.user("principal", district.school_a)


def run(actor, content, name="ds.csv", kind="students", school=None, **kw):
    return import_upload(
        actor=actor, kind=kind, file_name=name, content=content, school=school, today=TODAY, **kw
    )


def counts():
    return (
        Person.objects.count(),
        Student.objects.count(),
        Enrolment.objects.count(),
        StaffMember.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


def brief(batch):
    return [(e["code"], e["row"], e["field"]) for e in batch.errors]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("cp1258", ","),
        ("utf-8", ";"),
        ("utf-8-sig", "\t"),
        ("cp1258", ";"),
        ("utf-16", "\t"),
    ],
    ids=["utf8", "utf8-bom", "cp1258", "utf8-semicolon", "bom-tab", "cp1258-semicolon", "utf16"],
)
def test_csv_encodings_and_delimiters(district, principal, encoding, delimiter):
    content = csv_bytes([HEADER, *GOOD], encoding, delimiter)
    if encoding == "cp1258":
        assert content != csv_bytes([HEADER, *GOOD], "utf-8", delimiter)
    outcome = run(principal, content, school=district.school_a)
    batch = outcome.batch
    assert (batch.status, batch.errors, batch.created_count, batch.header_row) == (
        ImportStatus.SUCCEEDED,
        [],
        3,
        1,
    )
    students = Student.objects.filter(person__full_name__in=GOOD_NAMES).select_related("person")
    got = sorted(
        (
            s.person.full_name,
            s.search_name,
            s.person.ethnicity,
            s.person.sex,
            s.current_school_id,
            s.current_class_id,
        )
        for s in students
    )
    assert got == [
        ("Hoàng Thị Mai", "hoang thi mai", "12", "F", district.school_a.pk, district.class_a.pk),
        ("Y Bình Niê", "y binh nie", "12", "M", district.school_a.pk, district.class_a.pk),
        ("Đỗ Văn Ước", "do van uoc", "01", "M", district.school_a.pk, district.class_a.pk),
    ]
    enrol = Enrolment.objects.get(student__person__personal_id="067313100001")
    assert (enrol.school_id, enrol.school_year_id, enrol.class_group_id, enrol.start_date) == (
        district.school_a.pk,
        district.year.pk,
        district.class_a.pk,
        TODAY,
    )


def test_header_on_row_4_under_a_title(district, principal):
    above = [["DANH SÁCH HỌC SINH LỚP 6A1"], ["Trường THCS Lê Lợi"], [""]]
    bad = with_row(GOOD, 1, "Ngày sinh", "01/01/2030")
    batch = run(principal, csv_bytes([HEADER, *bad], above=above), school=district.school_a).batch
    assert batch.header_row == 4
    assert brief(batch) == [("date_of_birth.future", 6, "date_of_birth")]
    assert batch.errors[0]["column"] == "Ngày sinh (date_of_birth)"
    assert batch.errors[0]["message"] == "Ngày sinh 01/01/2030 ở tương lai."
    good = run(principal, csv_bytes([HEADER, *GOOD], above=above), school=district.school_a)
    assert (good.batch.status, good.batch.header_row, good.batch.created_count) == (
        "succeeded",
        4,
        3,
    )


def test_english_and_unaccented_headers(district, principal):
    header = ["full_name", "date_of_birth", "gioi tinh", "DAN TOC", "CCCD", "Ma xa", "Class"]
    rows = [r[:7] for r in GOOD]
    batch = run(principal, csv_bytes([header, *rows]), school=district.school_a).batch
    assert (batch.status, batch.created_count) == ("succeeded", 3)
    assert Student.objects.filter(current_class=district.class_a).count() == 5


def test_xlsx_with_excel_dates_and_numeric_ids(district, principal):
    rows = [
        [
            r[0],
            dt.datetime.strptime(r[1], "%d/%m/%Y"),
            r[2],
            r[3],
            int(r[4]),  # Excel drops the leading zero: 67313100001
            int(r[5]),
            r[6],
            r[7],
        ]
        for r in GOOD
    ]
    content = xlsx_bytes([HEADER, *rows], above=[["DANH SÁCH"], [], []])
    batch = run(principal, content, name="ds.xlsx", school=district.school_a).batch
    assert (batch.status, batch.header_row, batch.created_count) == ("succeeded", 4, 3)
    assert sorted(Person.objects.filter(full_name__in=GOOD_NAMES).values_list("personal_id")) == [
        ("067213100002",),
        ("067213100003",),
        ("067313100001",),
    ]
    assert Person.objects.get(personal_id="067313100001").date_of_birth == dt.date(2013, 3, 12)


@pytest.mark.parametrize(
    ("merges", "expected"),
    [
        (["A1:H1"], []),  # the title over the table: harmless
        # Merging B4:C4 hides "Giới tính" under "Ngày sinh": both are reported.
        (["B4:C4"], [("header.merged", 4, "date_of_birth"), ("header.missing", 4, "sex")]),
        (["G5:G7"], [("cell.merged", 5, "class_group")]),
    ],
    ids=["title-merge", "header-merge", "data-merge"],
)
def test_xlsx_merged_cells(district, principal, merges, expected):
    content = xlsx_bytes([HEADER, *GOOD], above=[["DANH SÁCH"], [], []], merges=merges)
    before = counts()
    batch = run(principal, content, name="ds.xlsx", school=district.school_a).batch
    assert brief(batch) == expected
    if expected:
        assert counts() == before
        assert batch.errors[0]["message"].startswith("Ô ")


def test_xlsx_two_row_header_merged_vertically_is_accepted(district, principal):
    sub = [""] * len(HEADER)
    merges = [f"{c}1:{c}2" for c in "ABCDEFGH"]
    batch = run(
        principal,
        xlsx_bytes([HEADER, sub, *GOOD], merges=merges),
        name="ds.xlsx",
        school=district.school_a,
    ).batch
    assert (batch.status, batch.created_count, batch.errors) == ("succeeded", 3, [])


BAD_CASES = [
    ("id-too-short", "Số định danh", "06731310001", ("personal_id.format", 2, "personal_id")),
    ("id-letters", "Số định danh", "06731310000A", ("personal_id.format", 2, "personal_id")),
    ("id-province", "Số định danh", "999313100001", ("personal_id.province", 2, "personal_id")),
    ("id-sex", "Số định danh", "067213100001", ("personal_id.sex", 2, "personal_id")),
    ("id-year", "Số định danh", "067312100001", ("personal_id.birth_year", 2, "personal_id")),
    ("future-birth", "Ngày sinh", "05/06/2031", ("date_of_birth.future", 2, "date_of_birth")),
    ("bad-date", "Ngày sinh", "31/02/2013", ("date.format", 2, "date_of_birth")),
    ("no-date", "Ngày sinh", "", ("date_of_birth.required", 2, "date_of_birth")),
    ("sex", "Giới tính", "X", ("sex.invalid", 2, "sex")),
    ("ethnicity", "Dân tộc", "Kinh Kinh", ("ethnicity.invalid", 2, "ethnicity")),
    ("commune", "Mã xã", "99999", ("commune.unknown", 2, "commune")),
    ("year", "Năm học", "2030-2031", ("school_year.unknown", 2, "school_year")),
    ("class", "Lớp", "6A9", ("class.unknown", 2, "class_group")),
    ("name", "Họ và tên", "  ", ("full_name.required", 2, "full_name")),
]


@pytest.mark.parametrize(
    ("column", "value", "expected"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES]
)
def test_bad_input_names_row_and_field_and_writes_nothing(
    district, principal, column, value, expected
):
    before = counts()
    rows = with_row(GOOD, 0, column, value)
    batch = run(principal, csv_bytes([HEADER, *rows]), school=district.school_a).batch
    assert (batch.status, brief(batch)) == ("failed", [expected])
    assert counts() == before
    assert ImportBatch.objects.filter(status="failed").count() == 1


def test_unknown_and_forbidden_school_codes(district, principal):
    header = [*HEADER, "Mã trường"]
    rows = [
        [*GOOD[0], "67009999"],
        [*GOOD[1][:6], "6B1", "2025-2026", "67000102"],  # another school: not the principal's
        [*GOOD[2], "67000101"],
    ]
    before = counts()
    batch = run(principal, csv_bytes([header, *rows])).batch
    assert brief(batch) == [("school.unknown", 2, "school"), ("school.forbidden", 3, "school")]
    assert batch.errors[0]["column"] == "Mã trường (school)"
    assert counts() == before


def test_every_error_of_every_row_is_returned(district, principal):
    rows = [
        ["Hoàng Thị Mai", "01/01/2030", "X", "Kinh", "12345", "24730", "6A1", "2025-2026"],
        *GOOD[1:],
        ["Lò Văn Sáu", "02/02/2013", "Nam", "Thái", "067213100009", "00000", "6A1", "2024-2025"],
    ]
    batch = run(principal, csv_bytes([HEADER, *rows]), school=district.school_a).batch
    assert brief(batch) == [
        ("date_of_birth.future", 2, "date_of_birth"),
        ("sex.invalid", 2, "sex"),
        ("personal_id.format", 2, "personal_id"),
        ("commune.unknown", 5, "commune"),
        ("school_year.unknown", 5, "school_year"),
    ]


def test_one_bad_row_writes_nothing(district, principal):
    before = counts()
    rows = [*GOOD, ["Lò Văn Sáu", "02/02/2013", "Nam", "Thái", "067213100009", "9", "6A1", ""]]
    batch = run(principal, csv_bytes([HEADER, *rows]), school=district.school_a).batch
    assert brief(batch) == [("commune.unknown", 5, "commune")]
    assert counts() == before
    assert Person.objects.filter(full_name__in=GOOD_NAMES).count() == 0


def test_duplicates_within_the_file(district, principal):
    rows = [
        *GOOD,
        ["Hoàng Thị Mai", "12/03/2013", "Nữ", "Ê-đê", "067313100001", "24730", "6A1", ""],
        ["Đỗ Văn Ước", "21/11/2013", "Nam", "Kinh", "", "24736", "6A1", ""],
    ]
    before = counts()
    batch = run(principal, csv_bytes([HEADER, *rows]), school=district.school_a).batch
    assert brief(batch) == [
        ("person.duplicate_in_file", 5, "personal_id"),
        ("person.duplicate_in_file", 6, "full_name"),
    ]
    assert batch.errors[0]["message"] == "Người này trùng với dòng 2 trong tệp."
    assert counts() == before


def test_duplicates_against_the_database(district, principal):
    existing = district.student_a1.person
    rows = [
        *GOOD,
        ["Nguyễn Văn An", "04/05/2013", "Nam", "Kinh", existing.personal_id, "", "6A1", ""],
        ["Trần Thị Bình", "04/05/2013", "Nữ", "Kinh", "", "", "6A1", ""],
    ]
    before = counts()
    batch = run(principal, csv_bytes([HEADER, *rows]), school=district.school_a).batch
    assert brief(batch) == [
        ("person.duplicate", 5, "personal_id"),
        ("person.duplicate", 6, "full_name"),
    ]
    assert batch.errors[0]["message"] == (
        "Người này đã có trong hệ thống: Nguyễn Văn An, sinh ngày 04/05/2013."
    )
    assert counts() == before


def test_existing_person_who_is_not_a_student_gets_the_role(district, principal):
    person = people_services.person_create(
        actor=None, data=person_data("Hoàng Thị Mai", dt.date(2013, 3, 12), "F", with_id=False)
    )
    rows = [with_row(GOOD, 0, "Mã xã", "")[0], *GOOD[1:]]
    rows[0][HEADER.index("Số định danh")] = ""
    batch = run(principal, csv_bytes([HEADER, *rows]), school=district.school_a).batch
    assert (batch.status, batch.created_count, batch.persons_created, batch.persons_reused) == (
        "succeeded",
        3,
        2,
        1,
    )
    assert Student.objects.get(person=person).current_class_id == district.class_a.pk


def test_audit_and_outbox(district, principal):
    audit_before = AuditEvent.objects.count()
    outbox_before = OutboxEvent.objects.filter(topic="people.students_imported").count()
    batch = run(principal, csv_bytes([HEADER, *GOOD]), school=district.school_a).batch
    new = list(AuditEvent.objects.filter(id__gt=0).order_by("id"))[audit_before:]
    assert sorted((e.object_type, e.action, e.actor_id) for e in new) == sorted(
        [("people.person", "create", principal.pk)] * 3
        + [("people.student", "create", principal.pk)] * 3
    )
    person_entry = next(e for e in new if e.object_repr == "Hoàng Thị Mai")
    assert person_entry.changes == {
        "address": [None, ""],
        "commune": [None, str(district.commune_a.pk)],
        "date_of_birth": [None, "2013-03-12"],
        "email": [None, ""],
        "ethnicity": [None, "12"],
        "full_name": [None, "Hoàng Thị Mai"],
        "personal_id": [None, "067313100001"],
        "phone": [None, ""],
        "sex": [None, "F"],
    }
    # The hash chain still verifies from the first event to the last.
    prev = "0" * 64
    for event in AuditEvent.objects.order_by("id"):
        assert (event.prev_hash, event.hash) == (prev, event.compute_hash())
        prev = event.hash
    events = OutboxEvent.objects.filter(topic="people.students_imported")
    assert events.count() == outbox_before + 1
    payload = events.last().payload
    assert (payload["count"], payload["schools"], payload["import_batch"]) == (
        3,
        [district.school_a.pk],
        str(batch.source_id),
    )


def test_reupload_of_the_same_file_creates_nothing(district, principal):
    content = csv_bytes([HEADER, *GOOD])
    first = run(principal, content, school=district.school_a)
    before = counts()
    again = run(principal, content, name="copy.csv", school=district.school_a)
    assert (again.reused, again.batch.pk, first.reused) == (True, first.batch.pk, False)
    assert counts() == before
    assert ImportBatch.objects.count() == 1


def test_failed_file_can_be_fixed_and_uploaded(district, principal):
    bad = csv_bytes([HEADER, *with_row(GOOD, 2, "Mã xã", "11111")])
    assert run(principal, bad, school=district.school_a).batch.status == "failed"
    assert run(principal, bad, school=district.school_a).batch.status == "failed"
    good = run(principal, csv_bytes([HEADER, *GOOD]), school=district.school_a)
    assert (good.reused, good.batch.status) == (False, "succeeded")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # UTF-8 read as Windows-1252 and saved again as UTF-8 ("Nguyá»…n").
        (
            "Họ và tên,Ngày sinh,Giới tính\r\nNguyễn Văn A,01/02/2013,Nam\r\n".encode()
            .decode("cp1252", errors="replace")
            .encode(),
            [("file.encoding", 1, None)],
        ),
        # TCVN3 (ABC) bytes: "Hä vµ tªn" is what Windows-1258 makes of them.
        (b"H\xe4 v\xb5 t\xaan,Ng\xb5y sinh,Gi\xedi t\xabnh\r\n", [("file.encoding", 1, None)]),
        # UTF-16 without a byte-order mark.
        ("Họ và tên,Ngày sinh\r\n".encode("utf-16-le"), [("file.encoding", 1, None)]),
    ],
    ids=["double-utf8", "tcvn3", "utf16-no-bom"],
)
def test_wrong_encoding(district, principal, content, expected):
    before = counts()
    batch = run(principal, content, school=district.school_a).batch
    assert brief(batch) == expected
    assert batch.errors[0]["message"].startswith("Tệp không đọc được đúng tiếng Việt")
    assert counts() == before


def test_cp1258_helper_writes_combining_tone_marks():
    # Ư (0xDD), ơ (0xF5) + combining dot below (0xF2), c; ế = ê (0xEA) + acute (0xEC)
    assert (to_cp1258("Ược"), to_cp1258("ế")) == (b"\xdd\xf5\xf2c", b"\xea\xec")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["Danh sách"], ["Tên", "Tuổi"]], [("header.not_found", None, None)]),
        ([["Họ và tên", "Ngày sinh"], ["An", "01/01/2013"]], [("header.missing", 1, "sex")]),
        (
            [["Họ và tên", "Ngày sinh", "Giới tính", "Họ tên"], ["An", "01/01/2013", "Nam", "A"]],
            [("header.duplicate", 1, "full_name")],
        ),
        ([["Họ và tên", "Ngày sinh", "Giới tính"]], [("file.empty", 1, None)]),
    ],
    ids=["no-header", "missing-column", "duplicate-column", "no-rows"],
)
def test_header_problems(district, principal, rows, expected):
    batch = run(principal, csv_bytes(rows), school=district.school_a).batch
    assert brief(batch) == expected


def test_unsupported_file_type(district, principal):
    batch = run(principal, b"\xd0\xcf\x11\xe0 old xls", name="ds.xls", school=district.school_a)
    assert brief(batch.batch) == [("file.format", None, None)]


STAFF_HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "CCCD", "Loại", "Chức vụ", "Trình độ", "Môn"]


def test_staff_import(district, principal):
    rows = [
        ["Vũ Thị Lan", "02/03/1988", "Nữ", "067188000001", "Giáo viên", "", "Đại học", "Toán"],
        ["Bùi Văn Hải", "12/12/1975", "Nam", "", "Cán bộ quản lý", "Hiệu phó", "Thạc sĩ", ""],
        ["Lê Thị Hoa", "02/03/1985", "Nữ", "", "nhan vien", "", "", ""],
    ]
    before = StaffMember.objects.count()
    batch = run(principal, csv_bytes([STAFF_HEADER, *rows]), kind="staff", school=district.school_a)
    # Lê Thị Hoa is already a teacher at this school (same name, birth date, no commune).
    assert brief(batch.batch) == [("person.duplicate", 4, "full_name")]
    assert StaffMember.objects.count() == before
    ok = run(
        principal, csv_bytes([STAFF_HEADER, *rows[:2]]), kind="staff", school=district.school_a
    )
    assert (ok.batch.status, ok.batch.created_count) == ("succeeded", 2)
    got = sorted(
        StaffMember.objects.filter(person__full_name__in=["Vũ Thị Lan", "Bùi Văn Hải"]).values_list(
            "search_name", "kind", "position", "qualification", "main_subject", "unit_id"
        )
    )
    assert got == [
        ("bui van hai", "manager", "Hiệu phó", "Thạc sĩ", "", district.school_a.pk),
        ("vu thi lan", "teacher", "", "Đại học", "Toán", district.school_a.pk),
    ]


def test_staff_kind_and_id_errors(district, principal):
    rows = [
        ["Vũ Thị Lan", "02/03/1988", "Nữ", "067188000001", "Bảo vệ", "", "", ""],
        ["Bùi Văn Hải", "12/12/1975", "Nam", "067175000001", "", "", "", ""],
    ]
    batch = run(principal, csv_bytes([STAFF_HEADER, *rows]), kind="staff", school=district.school_a)
    assert brief(batch.batch) == [
        ("staff.kind", 2, "kind"),
        ("personal_id.sex", 3, "personal_id"),
        ("staff.kind", 3, "kind"),
    ]
