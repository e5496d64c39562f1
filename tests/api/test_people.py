"""Students and staff through the API: exact responses for list, detail, create, update."""

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from edudx.audit.models import AuditEvent
from edudx.people.models import Enrolment, StaffMember, Student

from ..factories import make_personal_id
from .conftest import API

stamp = DjangoJSONEncoder().default


def student_json(s: Student) -> dict:
    s = Student.objects.select_related("person").get(pk=s.pk)
    p = s.person
    return {
        "id": s.pk,
        "source_id": str(s.source_id),
        "person_source_id": str(p.source_id),
        "student_code": s.student_code,
        "status": s.status,
        "full_name": p.full_name,
        "date_of_birth": p.date_of_birth.isoformat(),
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "commune_id": p.commune_id,
        "address": p.address,
        "personal_id": p.personal_id,
        "moet_id": p.moet_id,
        "phone": p.phone,
        "email": p.email,
        "school_id": s.current_school_id,
        "class_id": s.current_class_id,
        "updated_at": stamp(max(s.updated_at, p.updated_at)),
    }


def test_student_detail_is_exact(district, officer_api):
    s = district.student_a1
    response = officer_api.get(f"{API}/students/{s.pk}")
    assert response.status_code == 200
    assert response.json() == student_json(s)
    assert response.json()["full_name"] == "Nguyễn Văn An"
    assert response.json()["school_id"] == district.school_a.pk


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "nguyen van"}, ["Nguyễn Văn An", "Nguyễn Văn Cường"]),
        ({"q": "NGUYỄN VĂN CƯỜNG"}, ["Nguyễn Văn Cường"]),
        ({"q": "binh"}, ["Trần Thị Bình"]),
        ({"school_id": "school_a"}, ["Nguyễn Văn An", "Trần Thị Bình"]),
        ({"class_id": "class_b"}, ["Nguyễn Văn Cường"]),
        ({"unit_id": "commune_b"}, ["Nguyễn Văn Cường"]),
        ({"unit_id": "district"}, ["Nguyễn Văn An", "Nguyễn Văn Cường", "Trần Thị Bình"]),
    ],
    ids=["q-folded", "q-diacritics", "q-one", "school", "class", "unit", "unit-district"],
)
def test_student_filters(district, officer_api, params, expected):
    params = {k: getattr(district, v).pk if k != "q" else v for k, v in params.items()}
    body = officer_api.get(f"{API}/students", params).json()
    assert [i["full_name"] for i in body["items"]] == expected
    assert body["count"] == len(expected)


def test_student_search_by_personal_id(district, officer_api):
    pid = district.student_b1.person.personal_id
    body = officer_api.get(f"{API}/students", {"q": pid}).json()
    assert [i["id"] for i in body["items"]] == [district.student_b1.pk]


def test_create_student_returns_the_record(district, officer_api):
    pid = make_personal_id(dt.date(2013, 1, 2), "F")
    response = officer_api.post(
        f"{API}/students",
        {
            "full_name": "  Lò   Thị Mai ",
            "date_of_birth": "02/01/2013",
            "sex": "F",
            "ethnicity": "04",
            "commune_id": district.commune_a.pk,
            "personal_id": pid,
            "school_id": district.school_a.pk,
            "class_id": district.class_a.pk,
            "student_code": "HS-001",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    student = Student.objects.get(person__personal_id=pid)
    assert response.json() == student_json(student)
    assert response.json() | {
        "id": 0,
        "source_id": "",
        "person_source_id": "",
        "updated_at": "",
    } == {
        "id": 0,
        "source_id": "",
        "person_source_id": "",
        "student_code": "HS-001",
        "status": "studying",
        "full_name": "Lò Thị Mai",
        "date_of_birth": "2013-01-02",
        "sex": "F",
        "ethnicity": "04",
        "commune_id": district.commune_a.pk,
        "address": "",
        "personal_id": pid,
        "moet_id": None,
        "phone": "",
        "email": "",
        "school_id": district.school_a.pk,
        "class_id": district.class_a.pk,
        "updated_at": "",
    }
    enrolment = Enrolment.objects.get(student=student)
    assert (enrolment.school_id, enrolment.school_year_id) == (
        district.school_a.pk,
        district.year.pk,
    )
    assert AuditEvent.objects.filter(
        object_type="people.student", object_id=str(student.pk)
    ).exists()


def test_create_student_reports_every_error_with_api_field_names(district, officer_api):
    response = officer_api.post(
        f"{API}/students",
        {
            "full_name": "",
            "date_of_birth": "31/02/2013",
            "sex": "M",
            "ethnicity": "99",
            "commune_id": district.school_a.pk,  # not a commune
            "personal_id": "123",
            "school_id": district.school_a.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert [(e["code"], e["field"]) for e in body["errors"]] == [
        ("school_year.required", "school_year"),
        ("commune.unknown", "commune_id"),
        ("full_name.required", "full_name"),
        ("date.format", "date_of_birth"),
        ("ethnicity.invalid", "ethnicity"),
        ("personal_id.format", "personal_id"),
    ]
    assert {k: body[k] for k in ("code", "message", "field", "row")} == {
        "code": "school_year.required",
        "message": "Cần chọn năm học hoặc lớp.",
        "field": "school_year",
        "row": None,
    }
    assert Student.objects.count() == 3


def test_create_duplicate_student_is_409(district, officer_api):
    person = district.student_b1.person
    response = officer_api.post(
        f"{API}/students",
        {
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth.isoformat(),
            "sex": person.sex,
            "personal_id": person.personal_id,
            "school_id": district.school_a.pk,
            "class_id": district.class_a.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "person.duplicate",
        "message": "Người này đã có trong hệ thống: Nguyễn Văn Cường, sinh ngày 04/05/2013.",
        "field": "personal_id",
        "row": None,
    }


def test_create_student_with_class_of_other_school_names_class_id(district, officer_api):
    response = officer_api.post(
        f"{API}/students",
        {
            "full_name": "Lò Thị Mai",
            "date_of_birth": "2013-01-02",
            "sex": "F",
            "school_id": district.school_a.pk,
            "class_id": district.class_b.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("class.mismatch", "class_id")


def test_patch_student_changes_only_what_is_sent(district, officer_api):
    s = district.student_a1
    response = officer_api.patch(
        f"{API}/students/{s.pk}",
        {"full_name": "Nguyễn Văn Ân", "phone": "0912345678"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == student_json(s)
    assert (response.json()["full_name"], response.json()["phone"]) == (
        "Nguyễn Văn Ân",
        "0912345678",
    )
    assert response.json()["personal_id"] == s.person.personal_id
    assert Student.objects.get(pk=s.pk).search_name == "nguyen van an"


def test_patch_student_moves_class_within_school(district, officer_api):
    from edudx.org import services as org_services

    other = org_services.class_create(
        actor=None, school=district.school_a, school_year_code="2025-2026", name="6A2"
    )
    response = officer_api.patch(
        f"{API}/students/{district.student_a1.pk}",
        {"class_id": other.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["class_id"] == other.pk
    enrolment = Enrolment.objects.get(student=district.student_a1)
    assert enrolment.class_group_id == other.pk


def test_patch_student_invalid_value_is_400_and_changes_nothing(district, officer_api):
    s = district.student_a1
    response = officer_api.patch(
        f"{API}/students/{s.pk}",
        {"full_name": "Tên Mới", "date_of_birth": "2099-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "date_of_birth"
    assert Student.objects.get(pk=s.pk).person.full_name == "Nguyễn Văn An"


def staff_json(s: StaffMember) -> dict:
    s = StaffMember.objects.select_related("person").get(pk=s.pk)
    p = s.person
    return {
        "id": s.pk,
        "source_id": str(s.source_id),
        "person_source_id": str(p.source_id),
        "full_name": p.full_name,
        "date_of_birth": p.date_of_birth.isoformat(),
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "commune_id": p.commune_id,
        "address": p.address,
        "personal_id": p.personal_id,
        "moet_id": p.moet_id,
        "phone": p.phone,
        "email": p.email,
        "unit_id": s.unit_id,
        "kind": s.kind,
        "position": s.position,
        "qualification": s.qualification,
        "main_subject": s.main_subject,
        "start_date": s.start_date and s.start_date.isoformat(),
        "end_date": s.end_date and s.end_date.isoformat(),
        "updated_at": stamp(max(s.updated_at, p.updated_at)),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Lê Thị Hoa", "Phạm Văn Nam"]),
        ({"q": "hoa"}, ["Lê Thị Hoa"]),
        ({"unit_id": "commune_b"}, ["Phạm Văn Nam"]),
        ({"kind": "manager"}, []),
        ({"kind": "teacher"}, ["Lê Thị Hoa", "Phạm Văn Nam"]),
    ],
    ids=["all", "q", "unit", "kind-none", "kind"],
)
def test_staff_filters(district, officer_api, params, expected):
    params = {k: getattr(district, v).pk if k == "unit_id" else v for k, v in params.items()}
    body = officer_api.get(f"{API}/staff", params).json()
    assert [i["full_name"] for i in body["items"]] == expected


def test_staff_detail_is_exact(district, officer_api):
    response = officer_api.get(f"{API}/staff/{district.teacher_b.pk}")
    assert response.json() == staff_json(district.teacher_b)


def test_create_and_update_staff(district, officer_api):
    created = officer_api.post(
        f"{API}/staff",
        {
            "full_name": "Y Bhim Niê",
            "date_of_birth": "1990-06-15",
            "sex": "M",
            "ethnicity": "11",
            "unit_id": district.school_b.pk,
            "kind": "manager",
            "position": "Phó hiệu trưởng",
            "start_date": "2020-09-01",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    staff = StaffMember.objects.get(pk=created.json()["id"])
    assert created.json() == staff_json(staff)
    assert (staff.kind, staff.position, staff.start_date) == (
        "manager",
        "Phó hiệu trưởng",
        dt.date(2020, 9, 1),
    )

    updated = officer_api.patch(
        f"{API}/staff/{staff.pk}",
        {"position": "Hiệu trưởng", "email": "bhim@example.edu.vn"},
        content_type="application/json",
    )
    assert updated.status_code == 200, updated.json()
    assert updated.json() == staff_json(staff)
    assert (updated.json()["position"], updated.json()["email"], updated.json()["kind"]) == (
        "Hiệu trưởng",
        "bhim@example.edu.vn",
        "manager",
    )


def test_create_staff_with_unknown_kind_is_422(district, officer_api):
    response = officer_api.post(
        f"{API}/staff",
        {
            "full_name": "Y Bhim Niê",
            "date_of_birth": "1990-06-15",
            "sex": "M",
            "unit_id": district.school_b.pk,
            "kind": "janitor",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("validation.choice", "kind")
