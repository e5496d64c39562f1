"""people.bulk: the typed bulk API the importer and the demo generator share."""

import datetime as dt

import pytest

from edudx.audit.models import AuditEvent
from edudx.audit.verify import chain_verify
from edudx.core.errors import DomainErrors
from edudx.core.models import OutboxEvent
from edudx.core.validators import personal_id_digit
from edudx.people import bulk, services
from edudx.people.models import Enrolment, Person, StaffMember, Student

from ..factories import person_data

TODAY = dt.date(2025, 10, 1)


def many(n: int, commune_id: int) -> list:
    out = []
    for i in range(n):
        dob = dt.date(2012, 1, 1) + dt.timedelta(days=i % 700)
        sex = "MF"[i % 2]
        out.append(
            bulk.PersonData(
                full_name=f"Học Sinh Số {i}",
                date_of_birth=dob,
                sex=sex,
                commune_id=commune_id,
                personal_id=f"067{personal_id_digit(dob.year, sex)}{dob.year % 100:02d}{i:06d}",
            )
        )
    return out


def test_students_from_person_data_with_defaults(district):
    rows = many(3, district.commune_a.pk)
    result = bulk.students_import(
        actor=None,
        rows=rows,
        school=district.school_a,
        school_year=district.year,
        class_group=district.class_a,
        today=TODAY,
    )
    assert (result.created, result.persons_created, result.persons_reused) == (3, 3, 0)
    students = Student.objects.filter(pk__in=result.student_ids).order_by("id")
    assert [(s.person_id, s.search_name, s.current_class_id) for s in students] == [
        (pid, f"hoc sinh so {i}", district.class_a.pk) for i, pid in enumerate(result.person_ids)
    ]
    assert Enrolment.objects.filter(student_id__in=result.student_ids).count() == 3


def test_errors_are_raised_together_and_nothing_is_written(district):
    rows = many(2, district.commune_a.pk)
    rows[1].personal_id = "123"
    before = (Person.objects.count(), Student.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainErrors) as exc:
        bulk.students_import(
            actor=None,
            rows=[{"row": 7, "person": rows[0]}, {"row": 9, "person": rows[1], "class_group": "x"}],
            school=district.school_a,
            school_year=district.year,
            today=TODAY,
        )
    assert [(e.code, e.row, e.field) for e in exc.value.items] == [
        ("personal_id.format", 9, "personal_id"),
        ("class.unknown", 9, "class_group"),
    ]
    assert (Person.objects.count(), Student.objects.count(), AuditEvent.objects.count()) == before


def test_large_batch_keeps_the_audit_chain(district):
    """1,200 audit entries: PostgreSQL takes the COPY path of audit_record_many."""
    result = bulk.students_import(
        actor=None,
        rows=many(600, district.commune_b.pk),
        school=district.school_b,
        school_year=district.year,
        today=TODAY,
    )
    assert result.created == 600
    events = list(AuditEvent.objects.order_by("id"))
    prev = events[0].prev_hash
    for e in events:
        assert (e.prev_hash, e.hash) == (prev, e.compute_hash())
        prev = e.hash
    assert [e.object_type for e in events[-1200:]].count("people.person") == 600
    summary = OutboxEvent.objects.filter(topic="people.students_imported").get()
    assert (summary.payload["count"], summary.payload["schools"]) == (600, [district.school_b.pk])


def test_staff_reuses_an_existing_person_elsewhere(district):
    # The teacher of school A also works at school B: a second role, not a second person.
    teacher = district.teacher_a.person
    result = bulk.staff_import(
        actor=None,
        rows=[
            {
                "full_name": teacher.full_name,
                "date_of_birth": teacher.date_of_birth,
                "sex": teacher.sex,
                "personal_id": teacher.personal_id,
                "kind": "Giáo viên",
                "main_subject": "Toán",
            },
            person_data("Đinh Thị Nga", dt.date(1990, 1, 2), "F"),
        ],
        unit=district.school_b,
        kind="employee",
        today=TODAY,
    )
    assert (result.created, result.persons_created, result.persons_reused) == (2, 1, 1)
    assert sorted(
        StaffMember.objects.filter(pk__in=result.staff_ids).values_list("person_id", "kind")
    ) == sorted([(teacher.pk, "teacher"), (result.person_ids[1], "employee")])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Giáo viên", "teacher"),
        ("GIAO VIEN", "teacher"),
        ("Cán bộ quản lý", "manager"),
        ("CBQL", "manager"),
        ("Nhân viên", "employee"),
        ("teacher", "teacher"),
        ("Bảo vệ", None),
        ("", None),
    ],
)
def test_parse_staff_kind(value, expected):
    assert bulk.parse_staff_kind(value) == expected


@pytest.mark.parametrize("temp_table_from", [1, 10_000], ids=["joined", "in-lists"])
def test_existing_people_found_by_each_key(district, monkeypatch, temp_table_from):
    """Existing people are found by personal ID, MOET ID, then folded name + birth date +
    commune, whether the look-up joins a temporary table of the keys (PostgreSQL, big
    imports) or uses IN lists."""
    monkeypatch.setattr(bulk, "TEMP_TABLE_FROM", temp_table_from)
    by_moet = services.person_create(
        actor=None,
        data=person_data(
            "Phạm Minh Khoa", dt.date(2012, 1, 1), with_id=False, moet_id="6800000001"
        ),
    )
    by_name = services.person_create(
        actor=None,
        data=person_data(
            "Lê Thị Hoa", dt.date(2012, 3, 3), "F", with_id=False, commune_id=district.commune_a.pk
        ),
    )
    a1 = district.student_a1.person
    rows = [
        {
            "row": 2,
            "full_name": a1.full_name,
            "date_of_birth": "04/05/2013",
            "sex": "Nam",
            "personal_id": a1.personal_id,
        },
        {
            "row": 3,
            "full_name": "Phạm Minh Khoa",
            "date_of_birth": "01/01/2012",
            "sex": "Nam",
            "moet_id": "6800000001",
        },
        {
            "row": 4,
            "full_name": "LÊ  THỊ HOA",
            "date_of_birth": "03/03/2012",
            "sex": "Nữ",
            "commune": district.commune_a.code,
        },
        {
            "row": 5,
            "full_name": "Lê Thị Hoa",
            "date_of_birth": "03/03/2012",
            "sex": "Nữ",
            "commune": district.commune_b.code,
        },
    ]
    kw = {"actor": None, "school": district.school_b, "school_year": district.year, "today": TODAY}
    with pytest.raises(DomainErrors) as exc:
        bulk.students_import(rows=rows, **kw)
    assert [(e.code, e.row, e.field) for e in exc.value.items] == [
        ("person.duplicate", 2, "personal_id")
    ]
    result = bulk.students_import(rows=rows[1:], **kw)
    assert (result.created, result.persons_created, result.persons_reused) == (3, 1, 2)
    assert result.person_ids[:2] == [by_moet.pk, by_name.pk]
    assert Person.objects.get(pk=result.person_ids[2]).commune_id == district.commune_b.pk


def test_bulk_audit_entries_are_what_the_single_services_write(district):
    row = {
        "row": 2,
        "full_name": " Đặng  Thị Ước ",
        "date_of_birth": "05/06/2013",
        "sex": "nữ",
        "ethnicity": "Ê-đê",
        "moet_id": "6800000009",
        "commune": district.commune_b.code,
        "class_group": district.class_b.name,
    }
    result = bulk.students_import(
        actor=None, rows=[row], school=district.school_b, school_year=district.year, today=TODAY
    )
    pid, sid = result.person_ids[0], result.student_ids[0]
    person_ev = AuditEvent.objects.get(object_type="people.person", object_id=str(pid))
    student_ev = AuditEvent.objects.get(object_type="people.student", object_id=str(sid))
    assert (person_ev.action, person_ev.object_repr, person_ev.changes) == (
        "create",
        "Đặng Thị Ước",
        {
            "address": [None, ""],
            "commune": [None, str(district.commune_b.pk)],
            "date_of_birth": [None, "2013-06-05"],
            "email": [None, ""],
            "ethnicity": [None, "12"],
            "full_name": [None, "Đặng Thị Ước"],
            "moet_id": [None, "6800000009"],
            "phone": [None, ""],
            "sex": [None, "F"],
        },
    )
    assert (student_ev.object_repr, student_ev.changes) == (
        "Đặng Thị Ước",
        {
            "school": [None, str(district.school_b.pk)],
            "class_group": [None, str(district.class_b.pk)],
        },
    )
    assert Person.objects.get(pk=pid).search_name == "dang thi uoc"
    assert chain_verify().ok
