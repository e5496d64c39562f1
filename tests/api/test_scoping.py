"""Who sees what through the API: the scope lives in people.selectors; the API must not
widen it. Outside the scope is 404 (existence does not leak), never 403."""

import datetime as dt

import pytest
from django.test import Client

from edudx.accounts.models import Role
from edudx.people import services as people_services

from ..factories import person_data
from .conftest import API, session_client, token_client


def names(response) -> list[str]:
    return [item["full_name"] for item in response.json()["items"]]


def test_teacher_of_school_a_gets_404_for_student_of_school_b(district):
    teacher = district.teacher_user()  # teaches 6A1 at school A
    client = session_client(teacher)  # logged in, passed TOTP

    own = client.get(f"{API}/students/{district.student_a1.pk}")
    other = client.get(f"{API}/students/{district.student_b1.pk}")

    assert own.status_code == 200
    assert own.json()["full_name"] == "Nguyễn Văn An"
    assert other.status_code == 404
    assert other.json() == {
        "code": "student.not_found",
        "message": "Không tìm thấy học sinh.",
        "field": None,
        "row": None,
    }


def test_teacher_token_has_the_same_scope(district):
    client = token_client(district.teacher_user(), scopes=["read"])
    assert client.get(f"{API}/students/{district.student_b1.pk}").status_code == 404
    assert names(client.get(f"{API}/students")) == ["Nguyễn Văn An", "Trần Thị Bình"]


def test_teacher_cannot_reach_school_b_by_filter(district):
    client = token_client(district.teacher_user())
    response = client.get(f"{API}/students", {"school_id": district.school_b.pk})
    assert response.json() == {
        "items": [],
        "count": 0,
        "count_capped": False,
        "page": 1,
        "page_size": 50,
    }


def test_guardian_sees_only_their_children(district):
    parent = people_services.person_create(
        actor=None, data=person_data("Nguyễn Văn Ba", dt.date(1980, 1, 2), "M")
    )
    people_services.guardian_link(
        actor=None, guardian=parent, student=district.student_a1, relationship="father"
    )
    guardian = district.user(Role.GUARDIAN, person=parent)
    client = session_client(guardian, verify=False)  # not a staff role: no TOTP needed

    listed = client.get(f"{API}/students")
    sibling = client.get(f"{API}/students/{district.student_a2.pk}")

    assert listed.json()["count"] == 1
    assert names(listed) == ["Nguyễn Văn An"]
    assert sibling.status_code == 404
    assert client.get(f"{API}/staff").json()["count"] == 0


@pytest.mark.parametrize(
    ("role", "unit", "students", "staff"),
    [
        ("province_officer", "province", 3, 2),
        ("commune_officer", "commune_b", 1, 1),
        ("principal", "school_a", 2, 1),
        ("clerk", "school_b", 1, 1),
    ],
    ids=["province-officer-all", "commune-officer", "principal-a", "clerk-b"],
)
def test_unit_wide_roles_see_their_subtree(district, role, unit, students, staff):
    client = token_client(district.user(role, getattr(district, unit)))
    assert client.get(f"{API}/students").json()["count"] == students
    assert client.get(f"{API}/staff").json()["count"] == staff


def test_province_officer_lists_every_student_in_name_order(district):
    client = token_client(district.user(Role.PROVINCE_OFFICER, district.province))
    response = client.get(f"{API}/students")
    assert response.json()["count"] == 3
    assert names(response) == ["Nguyễn Văn An", "Nguyễn Văn Cường", "Trần Thị Bình"]


def test_principal_gets_404_for_staff_of_another_school(district):
    client = token_client(district.user(Role.PRINCIPAL, district.school_a))
    assert client.get(f"{API}/staff/{district.teacher_a.pk}").status_code == 200
    assert client.get(f"{API}/staff/{district.teacher_b.pk}").status_code == 404


def test_teacher_may_read_but_not_change_a_student_of_their_class(district):
    client = token_client(district.teacher_user())
    response = client.patch(
        f"{API}/students/{district.student_a1.pk}",
        {"full_name": "Nguyễn Văn Ân"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.unit_scope"


def test_principal_of_school_a_cannot_enrol_into_school_b(district):
    client = token_client(district.user(Role.PRINCIPAL, district.school_a))
    response = client.post(
        f"{API}/students",
        {
            "full_name": "Lò Thị Mai",
            "date_of_birth": "2013-01-02",
            "sex": "F",
            "school_id": district.school_b.pk,
            "class_id": district.class_b.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "auth.unit_scope",
        "message": "Bạn không có quyền ghi dữ liệu tại đơn vị này.",
        "field": None,
        "row": None,
    }


def test_anonymous_gets_401(district):
    response = Client().get(f"{API}/students")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "auth.required"
