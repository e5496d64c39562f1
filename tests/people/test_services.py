import datetime as dt

import pytest
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.audit.verify import chain_verify
from edudx.core.errors import Conflict, DomainError, ErrorCollector, NotFound
from edudx.core.models import OutboxEvent
from edudx.org import services as org_services
from edudx.people import selectors, services
from edudx.people.models import (
    Enrolment,
    EnrolmentStatus,
    GuardianLink,
    Person,
    StaffMember,
    Student,
    StudentStatus,
)
from edudx.people.services import PersonData
from tests.factories import UserFactory, person_data


def last_audit(**filters) -> AuditEvent:
    return AuditEvent.objects.filter(**filters).order_by("-id").first()


def enrol(district, data, *, school=None, cls=None, start=dt.date(2025, 9, 5)):
    return services.student_create(
        actor=None,
        data=data,
        school=school or district.school_a,
        school_year=district.year,
        class_group=cls or district.class_a,
        start_date=start,
    )


# --- student_create -----------------------------------------------------------------------


def test_student_create_writes_person_student_enrolment_audit_and_event(district):
    clerk = district.user(Role.CLERK, district.school_a)
    data = person_data("Hoàng Thị Lan", dt.date(2013, 8, 20), "F")
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    student = services.student_create(
        actor=clerk,
        data=data,
        school=district.school_a,
        school_year=district.year,
        class_group=district.class_a,
        start_date=dt.date(2025, 9, 5),
        student_code="HS0099",
    )
    person = student.person
    assert (person.full_name, person.search_name, person.personal_id) == (
        "Hoàng Thị Lan",
        "hoang thi lan",
        data.personal_id,
    )
    assert (student.current_school, student.current_class, student.search_name) == (
        district.school_a,
        district.class_a,
        "hoang thi lan",
    )
    assert list(
        Enrolment.objects.filter(student=student).values_list(
            "school", "class_group", "start_date", "end_date", "status"
        )
    ) == [(district.school_a.pk, district.class_a.pk, dt.date(2025, 9, 5), None, "active")]
    assert list(
        AuditEvent.objects.filter(pk__gt=last_id)
        .order_by("id")
        .values_list("action", "object_type", "object_id", "actor_id")
    ) == [
        ("create", "people.person", str(person.pk), clerk.pk),
        ("create", "people.student", str(student.pk), clerk.pk),
    ]
    assert OutboxEvent.objects.filter(topic="people.student_created").last().payload == {
        "student": student.pk,
        "source_id": str(student.source_id),
        "school": district.school_a.pk,
    }


def test_student_create_duplicate_personal_id_is_a_conflict_on_personal_id(district):
    existing = district.student_a1.person
    data = PersonData(
        full_name="Nguyễn Văn Ân",
        date_of_birth=existing.date_of_birth,
        sex="M",
        personal_id=existing.personal_id,
    )
    counts = (Person.objects.count(), Student.objects.count(), Enrolment.objects.count())
    with pytest.raises(Conflict) as err:
        enrol(district, data, school=district.school_b, cls=district.class_b)
    assert (err.value.code, err.value.field, str(err.value)) == (
        "person.duplicate",
        "personal_id",
        "Người này đã có trong hệ thống: Nguyễn Văn An, sinh ngày 04/05/2013.",
    )
    assert err.value.status == 409
    assert (Person.objects.count(), Student.objects.count(), Enrolment.objects.count()) == counts


def test_student_create_duplicate_by_name_birth_date_and_commune(district):
    first = enrol(
        district,
        person_data(
            "Y Bhim Niê", dt.date(2012, 1, 9), with_id=False, commune_id=district.commune_a.pk
        ),
    )
    # Same person typed without diacritics and with stray spaces, still no ID.
    again = person_data(
        "Y Bhim Nie", dt.date(2012, 1, 9), with_id=False, commune_id=district.commune_a.pk
    )
    with pytest.raises(Conflict) as err:
        enrol(district, again)
    assert (err.value.code, err.value.field, str(err.value)) == (
        "person.duplicate",
        "full_name",
        "Người này đã có trong hệ thống: Y Bhim Niê, sinh ngày 09/01/2012.",
    )
    assert Student.objects.filter(search_name="y bhim nie").count() == 1
    assert first.person.search_name == "y bhim nie"


@pytest.mark.parametrize(
    ("dob", "commune"),
    [(dt.date(2012, 1, 10), "a"), (dt.date(2012, 1, 9), "b"), (dt.date(2012, 1, 9), None)],
    ids=["other-birth-date", "other-commune", "no-commune"],
)
def test_student_create_same_name_but_other_key_is_another_person(district, dob, commune):
    communes = {"a": district.commune_a.pk, "b": district.commune_b.pk, None: None}
    enrol(
        district,
        person_data(
            "Y Bhim Niê", dt.date(2012, 1, 9), with_id=False, commune_id=district.commune_a.pk
        ),
    )
    enrol(district, person_data("Y Bhim Niê", dob, with_id=False, commune_id=communes[commune]))
    assert Person.objects.filter(search_name="y bhim nie").count() == 2


def test_same_name_birth_date_and_commune_with_different_ids_are_two_people(district):
    kw = {"dob": dt.date(2013, 5, 4), "commune_id": district.commune_a.pk}
    one = enrol(district, person_data("Nguyễn Văn Bình", **kw))
    two = enrol(district, person_data("Nguyễn Văn Bình", **kw))
    assert one.person_id != two.person_id
    assert one.person.personal_id != two.person.personal_id


def test_existing_staff_person_becoming_a_student_keeps_one_person(district):
    # An adult learner in a continuing-education class who also works at the school.
    data = person_data("Đinh Văn Tư", dt.date(2001, 2, 3), "M")
    staff = services.staff_create(actor=None, data=data, unit=district.school_a, kind="employee")
    persons = Person.objects.count()
    student = enrol(district, data)
    assert student.person_id == staff.person_id
    assert Person.objects.count() == persons
    assert list(Person.objects.get(pk=staff.person_id).staff_roles.all()) == [staff]
    # …and the same person cannot be enrolled twice.
    with pytest.raises(Conflict) as err:
        enrol(district, data, school=district.school_b, cls=district.class_b)
    assert err.value.field == "personal_id"


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"school": "commune_a"}, "student.school", "school"),
        ({"cls": "class_b"}, "class.mismatch", "class_group"),
    ],
    ids=["not-a-school", "class-of-other-school"],
)
def test_student_create_checks_school_and_class(district, kwargs, code, field):
    args = {k: getattr(district, v) for k, v in kwargs.items()}
    with pytest.raises(DomainError) as err:
        enrol(district, person_data("Lò Văn Sáng"), **args)
    assert (err.value.code, err.value.field) == (code, field)
    assert not Person.objects.filter(search_name="lo van sang").exists()


# --- student_transfer -------------------------------------------------------------------


def test_transfer_keeps_history_and_the_person(district):
    student = enrol(district, person_data("Hà Văn Mạnh"), start=dt.date(2025, 9, 5))
    person_id = student.person_id
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    services.student_transfer(
        actor=officer,
        student=student,
        to_school=district.school_b,
        school_year=district.year,
        class_group=district.class_b,
        effective=dt.date(2026, 1, 12),
        reason="Gia đình chuyển nơi ở",
    )
    student.refresh_from_db()
    assert list(
        Enrolment.objects.filter(student=student)
        .order_by("start_date", "id")
        .values_list("school", "class_group", "start_date", "end_date", "status")
    ) == [
        (
            district.school_a.pk,
            district.class_a.pk,
            dt.date(2025, 9, 5),
            dt.date(2026, 1, 12),
            EnrolmentStatus.TRANSFERRED_OUT,
        ),
        (district.school_b.pk, district.class_b.pk, dt.date(2026, 1, 12), None, "active"),
    ]
    assert (student.person_id, student.current_school, student.current_class, student.status) == (
        person_id,
        district.school_b,
        district.class_b,
        StudentStatus.STUDYING,
    )
    assert Person.objects.filter(search_name="ha van manh").count() == 1
    ev = last_audit(object_type="people.student", object_id=str(student.pk))
    assert (ev.action, ev.changes, ev.reason, ev.actor_id) == (
        "update",
        {"school": [str(district.school_a.pk), str(district.school_b.pk)]},
        "Gia đình chuyển nơi ở",
        officer.pk,
    )


def test_transfer_to_the_same_school_is_refused(district):
    with pytest.raises(DomainError) as err:
        services.student_transfer(
            actor=None,
            student=district.student_a1,
            to_school=district.school_a,
            school_year=district.year,
            effective=dt.date(2026, 1, 12),
        )
    assert (err.value.code, err.value.field) == ("transfer.same_school", "school")
    assert Enrolment.objects.filter(student=district.student_a1).count() == 1


# --- person_update ------------------------------------------------------------------------


def test_person_update_audits_exactly_the_changed_fields(district):
    person = district.student_a1.person
    clerk = district.user(Role.CLERK, district.school_a)
    data = PersonData(
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        ethnicity=person.ethnicity,
        commune_id=district.commune_a.pk,
        address="Thôn 3, xã Nam Bình",
        personal_id=person.personal_id,
        phone="0905123456",
    )
    services.person_update(actor=clerk, person=person, data=data, reason="Cập nhật liên lạc")
    ev = last_audit(object_type="people.person", object_id=str(person.pk))
    assert (ev.action, ev.actor_id, ev.reason, ev.changes) == (
        "update",
        clerk.pk,
        "Cập nhật liên lạc",
        {
            "address": ["", "Thôn 3, xã Nam Bình"],
            "commune": [None, str(district.commune_a.pk)],
            "phone": ["", "0905123456"],
        },
    )
    assert OutboxEvent.objects.filter(topic="people.person_updated").last().payload == {
        "person": person.pk,
        "source_id": str(person.source_id),
    }
    assert chain_verify().ok


def test_person_update_renames_everywhere_and_without_change_writes_nothing(district):
    person = district.teacher_a.person
    data = PersonData(
        full_name="Lê Thị Hồng",
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        personal_id=person.personal_id,
    )
    services.person_update(actor=None, person=person, data=data)
    assert StaffMember.objects.get(pk=district.teacher_a.pk).search_name == "le thi hong"
    assert last_audit(object_type="people.person", object_id=str(person.pk)).changes == {
        "full_name": ["Lê Thị Hoa", "Lê Thị Hồng"]
    }
    n_audit, n_events = AuditEvent.objects.count(), OutboxEvent.objects.count()
    services.person_update(actor=None, person=person, data=data)
    assert (AuditEvent.objects.count(), OutboxEvent.objects.count()) == (n_audit, n_events)


def test_person_update_to_someone_elses_id_is_a_conflict(district):
    person = district.student_a1.person
    other = district.student_a2.person
    data = PersonData(
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        personal_id=other.personal_id,
    )
    with pytest.raises(Conflict) as err:
        services.person_update(actor=None, person=person, data=data)
    assert err.value.field == "personal_id"
    person.refresh_from_db()
    assert person.personal_id != other.personal_id


# --- person_merge ---------------------------------------------------------------------------


@pytest.fixture
def duplicate(district):
    """student_a1 entered a second time at school B under a misspelt name, with its own
    guardian, a staff role, a guardianship of its own and a user account."""
    keep = district.student_a1.person
    drop_student = enrol(
        district,
        person_data("Nguyễn Văn Ann", keep.date_of_birth, "M"),
        school=district.school_b,
        cls=district.class_b,
        start=dt.date(2025, 10, 1),
    )
    drop = drop_student.person
    mother = services.person_create(
        actor=None, data=person_data("Trần Thị Mai", dt.date(1988, 4, 4), "F")
    )
    father = services.person_create(
        actor=None, data=person_data("Nguyễn Văn Hùng", dt.date(1985, 6, 6), "M")
    )
    services.guardian_link(actor=None, guardian=mother, student=drop_student, relationship="mother")
    services.guardian_link(actor=None, guardian=father, student=drop_student, relationship="father")
    # The father is already linked to the surviving record: that link must not double.
    services.guardian_link(
        actor=None, guardian=father, student=district.student_a1, relationship="father"
    )
    staff = services.staff_create(
        actor=None,
        data=PersonData(
            full_name=drop.full_name,
            date_of_birth=drop.date_of_birth,
            sex=drop.sex,
            personal_id=drop.personal_id,
        ),
        unit=district.school_b,
        kind="employee",
    )
    sibling_link = services.guardian_link(
        actor=None, guardian=drop, student=district.student_b1, relationship="guardian"
    )
    account = UserFactory(username="ann", person=drop)
    return {
        "keep": keep,
        "drop": drop,
        "drop_student": drop_student,
        "mother": mother,
        "father": father,
        "staff": staff,
        "sibling_link": sibling_link,
        "account": account,
    }


def test_merge_moves_every_history_row_to_the_survivor(district, duplicate):
    keep, drop = duplicate["keep"], duplicate["drop"]
    keep_student = district.student_a1
    keep_pid, drop_pid = keep.personal_id, drop.personal_id
    enrolments = Enrolment.objects.count()
    started = timezone.now()
    officer = district.user(Role.PROVINCE_OFFICER, district.province)

    survivor = services.person_merge(actor=officer, keep=keep, drop=drop, reason="Trùng hồ sơ")

    assert survivor.pk == keep.pk
    assert Enrolment.objects.count() == enrolments
    assert list(
        Enrolment.objects.filter(student=keep_student)
        .order_by("start_date")
        .values_list("school", "start_date")
    ) == [
        (district.school_a.pk, dt.date(2025, 9, 5)),  # the District enrols on the first day
        (district.school_b.pk, dt.date(2025, 10, 1)),
    ]
    assert not Enrolment.objects.filter(student=duplicate["drop_student"]).exists()
    # One child entered twice had two open enrolments: the latest is current, the earlier
    # one ends the day the latest starts.
    assert list(
        Enrolment.objects.filter(student=keep_student)
        .order_by("start_date")
        .values_list("status", "end_date")
    ) == [("transferred_out", dt.date(2025, 10, 1)), ("active", None)]
    keep_student.refresh_from_db()
    assert (keep_student.current_school_id, keep_student.status) == (
        district.school_b.pk,
        "studying",
    )
    assert sorted(
        GuardianLink.objects.filter(student=keep_student).values_list("guardian", "relationship")
    ) == sorted([(duplicate["mother"].pk, "mother"), (duplicate["father"].pk, "father")])
    assert not GuardianLink.objects.filter(student=duplicate["drop_student"]).exists()
    sibling = GuardianLink.objects.get(pk=duplicate["sibling_link"].pk)
    assert (sibling.guardian_id, sibling.student_id) == (keep.pk, district.student_b1.pk)
    staff = StaffMember.objects.get(pk=duplicate["staff"].pk)
    assert (staff.person_id, staff.search_name) == (keep.pk, "nguyen van an")
    duplicate["account"].refresh_from_db()
    assert duplicate["account"].person_id == keep.pk
    # Moved rows carry a new updated_at, so incremental sync picks them up.
    assert staff.updated_at >= started
    assert sibling.updated_at >= started
    assert all(
        e.updated_at >= started
        for e in Enrolment.objects.filter(student=keep_student, school=district.school_b)
    )
    # The dropped person stays as a tombstone.
    drop.refresh_from_db()
    assert (drop.merged_into_id, drop.personal_id, drop.full_name) == (
        keep.pk,
        None,
        "Nguyễn Văn Ann",
    )
    keep.refresh_from_db()
    assert keep.personal_id == keep_pid
    dropped_student = Student.objects.get(pk=duplicate["drop_student"].pk)
    assert (dropped_student.status, dropped_student.current_school) == (
        StudentStatus.TRANSFERRED,
        None,
    )
    merge, update = AuditEvent.objects.order_by("-id")[1], AuditEvent.objects.order_by("-id")[0]
    assert (merge.action, merge.object_id, merge.changes, merge.reason, merge.actor_id) == (
        "merge",
        str(keep.pk),
        {
            "merged": [None, str(drop.pk)],
            "enrolments": [None, "1"],
            "closed_enrolments": [None, "1"],
            "staff": [None, "1"],
            "users": [None, "1"],
        },
        "Trùng hồ sơ",
        officer.pk,
    )
    assert (update.action, update.object_id, update.changes) == (
        "update",
        str(drop.pk),
        {"merged_into": [None, str(keep.pk)]},
    )
    assert drop_pid not in Person.objects.values_list("personal_id", flat=True)
    assert OutboxEvent.objects.filter(topic="people.person_merged").last().payload == {
        "keep": keep.pk,
        "drop": drop.pk,
    }


def test_merge_moves_the_student_role_when_the_survivor_has_none(district):
    keep = services.person_create(
        actor=None, data=person_data("Vũ Thị Nga", dt.date(2013, 2, 2), "F")
    )
    drop_student = enrol(district, person_data("Vu Thi Nga", dt.date(2013, 2, 2), "F"))
    services.person_merge(actor=None, keep=keep, drop=drop_student.person)
    drop_student.refresh_from_db()
    assert (drop_student.person_id, drop_student.search_name) == (keep.pk, "vu thi nga")
    assert Enrolment.objects.filter(student=drop_student).count() == 1


def test_merge_fills_missing_ids_from_the_dropped_person(district):
    keep = services.person_create(
        actor=None, data=person_data("Lương Văn Tài", dt.date(1990, 1, 1), with_id=False)
    )
    # Born 10/01 by a typo: not found as a duplicate, merged by hand.
    drop = services.person_create(
        actor=None, data=person_data("Luong Van Tai", dt.date(1990, 1, 10))
    )
    pid = drop.personal_id
    survivor = services.person_merge(actor=None, keep=keep, drop=drop)
    assert survivor.personal_id == pid


@pytest.mark.parametrize("which", ["keep", "drop"])
def test_merge_with_a_tombstone_is_refused(district, which):
    a = services.person_create(actor=None, data=person_data("A Một", dt.date(1990, 1, 1)))
    b = services.person_create(actor=None, data=person_data("B Hai", dt.date(1990, 1, 1)))
    c = services.person_create(actor=None, data=person_data("C Ba", dt.date(1990, 1, 1)))
    services.person_merge(actor=None, keep=a, drop=b)
    args = {"keep": b, "drop": c} if which == "keep" else {"keep": c, "drop": b}
    with pytest.raises(DomainError) as err:
        services.person_merge(actor=None, **args)
    assert err.value.code == "merge.tombstone"


def test_merge_with_itself_is_refused(district):
    person = district.student_a1.person
    with pytest.raises(DomainError) as err:
        services.person_merge(actor=None, keep=person, drop=person)
    assert err.value.code == "merge.same"


# --- student_record ---------------------------------------------------------------------


def test_student_record_writes_a_view_event(district):
    teacher = district.teacher_user()
    record = selectors.student_record(
        actor=teacher, student_id=district.student_a1.pk, reason="Họp phụ huynh"
    )
    assert record["person"] == district.student_a1.person
    assert [e.school for e in record["enrolments"]] == [district.school_a]
    ev = last_audit()
    assert (
        ev.action,
        ev.object_type,
        ev.object_id,
        ev.object_repr,
        ev.actor_id,
        ev.actor_name,
        ev.reason,
    ) == (
        "view",
        "people.student",
        str(district.student_a1.pk),
        "Nguyễn Văn An",
        teacher.pk,
        teacher.username,
        "Họp phụ huynh",
    )


def test_student_record_outside_scope_is_not_found_and_not_logged(district):
    teacher = district.teacher_user()
    before = AuditEvent.objects.count()
    with pytest.raises(NotFound):
        selectors.student_record(actor=teacher, student_id=district.student_b1.pk)
    assert AuditEvent.objects.count() == before


def test_every_service_write_keeps_the_chain_valid(district):
    org_services.class_create(
        actor=None, school=district.school_a, school_year_code="2025-2026", name="7A1"
    )
    report = chain_verify()
    assert report.ok
    assert report.checked == AuditEvent.objects.count()


def test_person_found_by_name_gains_the_new_records_identifiers(district):
    bare = services.person_create(
        actor=None,
        data=person_data(
            "Hoàng Thị Mai",
            dt.date(2014, 2, 3),
            "F",
            with_id=False,
            commune_id=district.commune_a.pk,
        ),
    )
    assert bare.personal_id is None
    data = person_data("Hoàng Thị Mai", dt.date(2014, 2, 3), "F", commune_id=district.commune_a.pk)
    student = services.student_create(
        actor=None,
        data=data,
        school=district.school_a,
        school_year=district.year,
        class_group=district.class_a,
    )
    assert student.person_id == bare.pk
    assert Person.objects.get(pk=bare.pk).personal_id == data.personal_id
    event = AuditEvent.objects.filter(
        object_type="people.person", object_id=str(bare.pk), action="update"
    ).get()
    assert event.changes == {"personal_id": [None, data.personal_id]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Nam", "M"),
        ("NỮ", "F"),
        (" nu ", "F"),
        ("male", "M"),
        ("F", "F"),
        ("x", None),
        (None, None),
    ],
)
def test_parse_sex(value, expected):
    assert services.parse_sex(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Kinh", "01"),
        ("ê-đê", "12"),
        ("E de", "12"),
        ("12", "12"),
        ("1", "01"),
        ("", "01"),
        (None, "01"),
        ("Không rõ", None),
        ("99", None),
    ],
)
def test_parse_ethnicity(value, expected):
    assert services.parse_ethnicity(value) == expected


def test_person_clean_reports_every_field_in_order(district):
    ec = ErrorCollector(row=7)
    data = services.person_clean(
        {
            "full_name": "  ",
            "date_of_birth": "31/02/2013",
            "sex": "?",
            "ethnicity": "Sao Hỏa",
            "commune": "99999",
            "personal_id": "12",
            "moet_id": "abc",
        },
        errors=ec,
        communes={},
        today=dt.date(2025, 10, 1),
    )
    assert data is None
    assert [(e.code, e.field, e.row) for e in ec.items] == [
        ("full_name.required", "full_name", 7),
        ("date.format", "date_of_birth", 7),
        ("sex.invalid", "sex", 7),
        ("ethnicity.invalid", "ethnicity", 7),
        ("commune.unknown", "commune", 7),
        ("personal_id.format", "personal_id", 7),
        ("moet_id.format", "moet_id", 7),
    ]


def test_person_clean_happy_path_values(district):
    ec = ErrorCollector()
    data = services.person_clean(
        {
            "full_name": " Nguyễn   Văn  An ",
            "date_of_birth": "4/5/2013",
            "sex": "nam",
            "ethnicity": "Tày",
            "commune": district.commune_a.code,
            "personal_id": " 067213000123 ",
            "moet_id": "6800000001",
            "phone": " 0912 ",
        },
        errors=ec,
        communes={district.commune_a.code: district.commune_a.pk},
        today=dt.date(2025, 10, 1),
    )
    assert ec.items == []
    assert data == PersonData(
        "Nguyễn Văn An",
        dt.date(2013, 5, 4),
        "M",
        "02",
        district.commune_a.pk,
        "",
        "067213000123",
        "6800000001",
        "0912",
        "",
    )


@pytest.mark.parametrize(
    ("value", "expected", "codes"),
    [
        ("24701", 11, []),
        (" 24701 ", 11, []),
        (12, 12, []),
        ("", None, []),
        (None, None, []),
        ("00000", None, ["commune.unknown"]),
    ],
)
def test_clean_commune(value, expected, codes):
    ec = ErrorCollector()
    assert services.clean_commune(value, ec, {"24701": 11}) == expected
    assert [e.code for e in ec.items] == codes


def test_homeroom_move_and_teaching_unassign(district):
    from edudx.people.models import TeachingAssignment

    services.homeroom_move(actor=None, class_group=district.class_a, staff=district.teacher_a)
    other = services.staff_create(
        actor=None,
        data=person_data("Đỗ Thị Lan", dt.date(1990, 1, 2), "F"),
        unit=district.school_a,
        kind="teacher",
    )
    services.homeroom_move(actor=None, class_group=district.class_a, staff=other)
    assert sorted(
        TeachingAssignment.objects.filter(class_group=district.class_a).values_list(
            "staff_id", "subject", "is_homeroom"
        )
    ) == sorted(
        [
            (district.teacher_a.pk, "", False),
            (district.teacher_a.pk, "Toán", False),
            (other.pk, "", True),
        ]
    )
    removed = services.teaching_unassign(
        actor=None,
        staff_id=district.teacher_a.pk,
        class_group_id=district.class_a.pk,
        subject="Toán",
    )
    assert removed == 1
    assert AuditEvent.objects.filter(object_type="people.assignment", action="delete").count() == 1
