import datetime as dt

import pytest
from django.conf import settings

from edudx.accounts.models import Role
from edudx.core.errors import DomainError, NotFound
from edudx.people import dedup, selectors, services
from edudx.people.models import Person, Student
from tests.factories import person_data
from tests.pages.conftest import otp_login


def another_an(district, commune):
    """Nguyễn Văn An (born 04/05/2013) entered once more at school A, without an ID, living
    in `commune`."""
    return services.student_create(
        actor=None,
        data=person_data(
            "Nguyễn Văn An", dt.date(2013, 5, 4), "M", with_id=False, commune_id=commune.pk
        ),
        school=district.school_a,
        school_year=district.year,
        class_group=district.class_a,
    )


@pytest.fixture
def twin(district):
    """The same child entered a second time at school A, without an ID and with the commune
    filled in (so entry-time detection, which compares communes too, let it through)."""
    return another_an(district, district.commune_a)


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
    # No choice, or a number that is no record's (20 digits was a server error): nothing merged.
    for bad in ({"members": [keep, drop]}, {"members": [keep, "9" * 20], "keep": keep}):
        refused = client.post("/people/duplicates/merge/", bad, follow=True)
        assert "Hãy chọn hồ sơ giữ lại." in refused.content.decode()
    assert Person.objects.get(pk=drop).merged_into_id is None
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


def test_the_duplicate_s_old_link_leads_to_the_survivor(client, district, twin):
    """After a merge the duplicate's record page (a bookmark, a link in an old message)
    takes whoever may see the survivor there; others still get 404; an administrator, who
    sees the duplicate itself, is told where it went."""
    keep = district.student_a1
    services.person_merge(actor=None, keep=keep.person, drop=twin.person)
    otp_login(client, district.user(Role.CLERK, district.school_a))
    response = client.get(f"/people/students/{twin.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/people/students/{keep.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Hồ sơ bạn mở là hồ sơ trùng, đã được gộp vào hồ sơ này (Nguyễn Văn An)." in page

    client.logout()
    otp_login(client, district.user(Role.PRINCIPAL, district.school_b))
    assert client.get(f"/people/students/{twin.pk}/").status_code == 404

    client.logout()
    otp_login(client, district.user(Role.SYSTEM_ADMIN, district.ministry))
    page = client.get(f"/people/students/{twin.pk}/")
    assert page.status_code == 200
    html = " ".join(page.content.decode().split())
    assert (
        "Hồ sơ trùng: đã được gộp vào hồ sơ của "
        f'<a href="/people/students/{keep.pk}/">Nguyễn Văn An</a>'
    ) in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = " ".join(client.get(f"/people/students/{twin.pk}/").content.decode().split())
    assert (
        "Duplicate record: merged into the record of "
        f'<a href="/people/students/{keep.pk}/">Nguyễn Văn An</a>'
    ) in html


def test_a_merge_of_a_merge_leads_to_the_last_survivor(district, twin):
    third = another_an(district, district.commune_b)  # another commune: not caught at entry
    services.person_merge(actor=None, keep=twin.person, drop=third.person)
    services.person_merge(actor=None, keep=district.student_a1.person, drop=twin.person)
    clerk = district.user(Role.CLERK, district.school_a)
    assert selectors.student_survivor(actor=clerk, student_id=third.pk) == district.student_a1
    assert selectors.student_survivor(actor=clerk, student_id=district.student_a1.pk) is None
    other = district.user(Role.CLERK, district.school_b)
    assert selectors.student_survivor(actor=other, student_id=third.pk) is None


def test_the_api_redirects_a_merged_duplicate_to_the_survivor(client, district, twin):
    """GET /api/v1/students/{duplicate}: 308 to the record it became for a caller who may
    see that one (a system following `merged_into_source_id`, or an old id); 404 for
    others, as for any student outside their scope."""
    from edudx.accounts.tokens import token_create

    keep = district.student_a1
    services.person_merge(actor=None, keep=keep.person, drop=twin.person)
    clerk = district.user(Role.CLERK, district.school_a)
    _t, raw = token_create(actor=None, user=clerk, name="t", scopes=["read"])
    auth = {"Authorization": f"Bearer {raw}"}
    moved = client.get(f"/api/v1/students/{twin.pk}", headers=auth)
    assert moved.status_code == 308
    assert moved["Location"] == f"http://testserver/api/v1/students/{keep.pk}"
    followed = client.get(f"/api/v1/students/{twin.pk}", headers=auth, follow=True)
    assert (followed.status_code, followed.json()["id"]) == (200, keep.pk)
    other = district.user(Role.CLERK, district.school_b)
    _t, raw_b = token_create(actor=None, user=other, name="t", scopes=["read"])
    stranger = client.get(
        f"/api/v1/students/{twin.pk}", headers={"Authorization": f"Bearer {raw_b}"}
    )
    assert (stranger.status_code, stranger.json()["code"]) == (404, "student.not_found")
    unknown = client.get("/api/v1/students/999999", headers=auth)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "student.not_found")
