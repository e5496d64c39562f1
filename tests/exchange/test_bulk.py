"""people.bulk: the typed bulk API the importer and the demo generator share."""

import datetime as dt

import pytest

from edudx.audit.models import AuditEvent
from edudx.core.errors import DomainErrors
from edudx.core.models import OutboxEvent
from edudx.core.validators import personal_id_digit
from edudx.people import bulk
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
