import datetime as dt

import pytest

from edudx.accounts.models import Role
from edudx.core.errors import DomainError, NotFound
from edudx.people import dedup, services
from edudx.people.models import Person, Student
from tests.factories import person_data
from tests.pages.conftest import otp_login


@pytest.fixture
def twin(district):
    """The same child entered a second time at school A, without an ID and with the commune
    filled in (so entry-time detection, which compares communes too, let it through)."""
    return services.student_create(
        actor=None,
        data=person_data(
            "Nguyễn Văn An",
            dt.date(2013, 5, 4),
            "M",
            with_id=False,
            commune_id=district.commune_a.pk,
        ),
        school=district.school_a,
        school_year=district.year,
        class_group=district.class_a,
    )


def names(groups):
    return [[c.person.pk for c in g] for g in groups]


def test_principal_sees_the_pair_in_their_school(district, twin):
    principal = district.user(Role.PRINCIPAL, district.school_a)
    assert names(dedup.duplicate_groups(actor=principal)) == [
        [district.student_a1.person_id, twin.person_id]
    ]


def test_pairs_spanning_two_schools_are_for_the_office(district):
    other = services.student_create(
        actor=None,
        data=person_data(
            "Nguyễn Văn An",
            dt.date(2013, 5, 4),
            "M",
            with_id=False,
            commune_id=district.commune_b.pk,
        ),
        school=district.school_b,
        school_year=district.year,
        class_group=district.class_b,
    )
    principal = district.user(Role.PRINCIPAL, district.school_a)
    officer = district.user(Role.COMMUNE_OFFICER, district.district)
    assert dedup.duplicate_groups(actor=principal) == []
    assert names(dedup.duplicate_groups(actor=officer)) == [
        [district.student_a1.person_id, other.person_id]
    ]
    with pytest.raises(NotFound):
        dedup.merge_for_actor(
            actor=principal, keep_id=district.student_a1.person_id, drop_id=other.person_id
        )


def test_different_ids_are_two_people(district):
    services.student_create(
        actor=None,
        data=person_data("Nguyễn Văn An", dt.date(2013, 5, 4), "M"),
        school=district.school_a,
        school_year=district.year,
        class_group=district.class_a,
    )
    principal = district.user(Role.PRINCIPAL, district.school_a)
    assert dedup.duplicate_groups(actor=principal) == []


def test_teacher_sees_no_duplicates_page(client, district, twin):
    otp_login(client, district.teacher_user())
    assert client.get("/people/duplicates/").status_code == 404


def test_merge_through_the_page(client, district, twin):
    clerk = district.user(Role.CLERK, district.school_a)
    otp_login(client, clerk)
    page = client.get("/people/duplicates/")
    assert page.status_code == 200
    assert "Nguyễn Văn An · 04/05/2013" in page.content.decode()
    keep, drop = district.student_a1.person_id, twin.person_id
    response = client.post(
        "/people/duplicates/merge/",
        {"members": [keep, drop], "keep": keep, "reason": "Nhập trùng"},
        follow=True,
    )
    assert "Đã gộp 1 hồ sơ vào Nguyễn Văn An." in response.content.decode()
    assert Person.objects.get(pk=drop).merged_into_id == keep
    assert Student.objects.get(pk=district.student_a1.pk).enrolments.count() == 2
    assert dedup.duplicate_groups(actor=clerk) == []


def test_merge_refuses_different_ids(district):
    other = services.person_create(
        actor=None, data=person_data("Nguyễn Văn An", dt.date(2013, 5, 4), "M")
    )
    admin = district.user(Role.SYSTEM_ADMIN, district.ministry)
    with pytest.raises(DomainError) as err:
        dedup.merge_for_actor(actor=admin, keep_id=district.student_a1.person_id, drop_id=other.pk)
    assert err.value.code == "merge.different_ids"


def test_duplicates_and_merge_through_the_api(client, district, twin):
    from edudx.accounts.tokens import token_create

    clerk = district.user(Role.CLERK, district.school_a)
    _t, raw = token_create(actor=None, user=clerk, name="t", scopes=["read", "write"])
    auth = {"Authorization": f"Bearer {raw}"}
    listed = client.get("/api/v1/duplicates", headers=auth)
    assert listed.status_code == 200
    assert [[c["person_id"] for c in g] for g in listed.json()] == [
        [district.student_a1.person_id, twin.person_id]
    ]
    assert listed.json()[0][1]["has_personal_id"] is False
    merged = client.post(
        "/api/v1/persons/merge",
        {"keep_id": district.student_a1.person_id, "drop_id": twin.person_id},
        content_type="application/json",
        headers=auth,
    )
    assert merged.status_code == 200
    assert merged.json() == {
        "person_id": district.student_a1.person_id,
        "merged_id": twin.person_id,
    }
    again = client.post(
        "/api/v1/persons/merge",
        {"keep_id": district.student_a1.person_id, "drop_id": twin.person_id},
        content_type="application/json",
        headers=auth,
    )
    assert again.status_code == 400
    assert again.json()["code"] == "merge.tombstone"
