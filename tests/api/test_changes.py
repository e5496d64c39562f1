"""The change feeds /students/changes and /staff/changes: a keyset page in (updated_at, id)
order for systems that keep a copy; person changes count; a student who moved out of the
caller's schools is still reported; scope as everywhere; one audit event per page."""

import datetime as dt

import pytest
import time_machine

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.people import services as people_services
from edudx.people.models import Student
from edudx.people.services import PersonData
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


def feed(client, path="students", **params):
    response = client.get(f"{API}/{path}/changes", params)
    assert response.status_code == 200, response.content
    return response.json()


def names(body) -> list[str]:
    return [i["full_name"] for i in body["items"]]


@pytest.fixture
def officer(district):
    return token_client(district.user(Role.COMMUNE_OFFICER, district.commune_a))


def test_pages_in_change_order_and_resumes_from_the_cursor(district, officer):
    # Every district student at one instant: the id breaks the tie.
    Student.objects.update(updated_at=T0)
    first = feed(officer, limit=1)
    assert names(first) == ["Nguyễn Văn An"]
    assert first["more"] is True
    assert first["cursor"] == {
        "since": "2026-11-02T01:00:00Z",
        "after_id": district.student_a1.pk,
    }
    second = feed(officer, limit=1, **first["cursor"])
    assert names(second) == ["Trần Thị Bình"]
    third = feed(officer, limit=1, **second["cursor"])
    # School B is another commune's: not this officer's.
    assert (names(third), third["more"], third["cursor"]) == ([], False, second["cursor"])

    # A name fixed later brings the student back, once, with the person's data.
    person = district.student_a2.person
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        people_services.person_update(
            actor=None,
            person=person,
            data=PersonData(
                full_name="Trần Thị Bình Minh",
                date_of_birth=person.date_of_birth,
                sex=person.sex,
                ethnicity=person.ethnicity,
                commune_id=person.commune_id,
                personal_id=person.personal_id,
                moet_id=person.moet_id,
            ),
        )
    later = feed(officer, **second["cursor"])
    assert names(later) == ["Trần Thị Bình Minh"]
    assert later["items"][0]["updated_at"] == "2026-11-02T02:00:00Z"
    assert later["cursor"] == {
        "since": "2026-11-02T02:00:00Z",
        "after_id": district.student_a2.pk,
    }


def test_a_student_who_moved_away_is_still_reported_to_the_old_schools(district, officer):
    with time_machine.travel(T0, tick=False):
        people_services.student_transfer(
            actor=None,
            student=district.student_a1,
            to_school=district.school_b,
            school_year=district.year,
            class_group=district.class_b,
            effective=dt.date(2026, 11, 2),
        )
    moved = [i for i in feed(officer)["items"] if i["id"] == district.student_a1.pk]
    assert [(i["school_id"], i["status"]) for i in moved] == [(district.school_b.pk, "studying")]
    # The list shows the students a unit has now; the feed also those it had.
    listed = token_client(district.user(Role.COMMUNE_OFFICER, district.commune_a, username="p2"))
    ids = [i["id"] for i in listed.get(f"{API}/students").json()["items"]]
    assert district.student_a1.pk not in ids


def test_a_duplicate_merged_away_is_reported_with_its_survivor(district, officer):
    """A merge moves the duplicate's enrolments to the surviving student, so the duplicate
    is enrolled nowhere: it is still reported where it had been, once, as transferred,
    naming the student that replaces it (a copy can drop it and keep the survivor)."""
    keep, drop = district.student_a1, district.student_a2
    Student.objects.update(updated_at=T0)
    cursor = feed(officer)["cursor"]
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        people_services.person_merge(actor=None, keep=keep.person, drop=drop.person)
    after = feed(officer, **cursor)
    items = {i["id"]: i for i in after["items"]}
    assert drop.pk in items, after
    gone = items[drop.pk]
    assert (gone["status"], gone["school_id"], gone["class_id"]) == ("transferred", None, None)
    assert gone["merged_into_source_id"] == str(keep.source_id)
    assert gone["updated_at"] == "2026-11-02T02:00:00Z"
    if keep.pk in items:
        assert items[keep.pk]["merged_into_source_id"] is None
    # Once: from its cursor the feed has nothing more.
    assert feed(officer, **after["cursor"])["items"] == []
    # The surviving student carries the duplicate's enrolment history.
    enrolments = feed(officer, "enrolments", since="2026-11-02T01:30:00Z")["items"]
    assert {e["student_source_id"] for e in enrolments} == {str(keep.source_id)}
    # Not another commune's, which never had either student.
    other = token_client(district.user(Role.COMMUNE_OFFICER, district.commune_b))
    assert drop.pk not in [i["id"] for i in feed(other)["items"]]


def test_scope_teacher_and_other_unit(district):
    teacher = token_client(district.teacher_user())
    assert sorted(names(feed(teacher))) == ["Nguyễn Văn An", "Trần Thị Bình"]
    other = token_client(district.user(Role.PRINCIPAL, district.school_b))
    assert names(feed(other)) == ["Nguyễn Văn Cường"]


def test_staff_feed_keeps_ended_roles(district):
    principal = token_client(district.user(Role.PRINCIPAL, district.school_a))
    body = feed(principal, "staff")
    assert [(i["full_name"], i["end_date"]) for i in body["items"]] == [
        (district.teacher_a.person.full_name, None)
    ]
    assert body["items"][0]["unit_id"] == district.school_a.pk


def test_the_cursor_is_exact_to_the_microsecond(district, officer):
    # Real timestamps carry microseconds; a cursor rounded like the items' `updated_at`
    # would send the last row again and again.
    Student.objects.filter(pk=district.student_a1.pk).update(
        updated_at=T0 + dt.timedelta(microseconds=123_456)
    )
    Student.objects.filter(pk=district.student_a2.pk).update(
        updated_at=T0 + dt.timedelta(microseconds=123_789)
    )
    body = feed(officer, limit=5)
    assert body["cursor"] == {
        "since": "2026-11-02T01:00:00.123789Z",
        "after_id": district.student_a2.pk,
    }
    assert feed(officer, **body["cursor"])["items"] == []


def test_each_page_is_one_audit_event(district, officer):
    before = AuditEvent.objects.filter(action="export").count()
    body = feed(officer, limit=1)
    feed(officer, limit=5, **feed(officer, limit=5)["cursor"])  # the second call is empty
    events = AuditEvent.objects.filter(action="export").order_by("id")
    assert events.count() - before == 2  # two non-empty pages, the empty one writes nothing
    assert events.last().changes["rows"] == 2 and body["items"]
    assert events.first().object_type == "people.student"


def test_bad_cursor_is_a_field_error(district, officer):
    response = officer.get(f"{API}/students/changes", {"since": "hôm qua"})
    assert response.status_code in (400, 422)
    assert response.json()["field"] == "since"


def test_enrolment_feed_tells_who_left_and_joined_where(district, officer):
    # After the district was built (now): only the transfer's two rows are newer.
    with time_machine.travel(dt.datetime(2027, 1, 4, 1, 0, tzinfo=dt.UTC), tick=False):
        people_services.student_transfer(
            actor=None,
            student=district.student_a1,
            to_school=district.school_b,
            school_year=district.year,
            class_group=district.class_b,
            effective=dt.date(2027, 1, 4),
        )

    def moves(client):
        body = feed(client, "enrolments", since="2027-01-01T00:00:00Z")
        return [
            (i["student_id"], i["school_id"], i["class_id"], i["status"], i["end_date"])
            for i in body["items"]
        ]

    a1, school_a, school_b = district.student_a1.pk, district.school_a.pk, district.school_b.pk
    left = (a1, school_a, district.class_a.pk, "transferred_out", "2027-01-04")
    joined = (a1, school_b, district.class_b.pk, "active", None)
    province = token_client(district.user(Role.PROVINCE_OFFICER, district.province))
    assert moves(province) == [left, joined]
    assert moves(officer) == [left]  # school B is another commune's
    assert moves(token_client(district.user(Role.PRINCIPAL, district.school_b))) == [joined]
    everything = feed(officer, "enrolments")["items"]
    assert {i["school_year"] for i in everything} == {"2025-2026"}
    assert sorted(i["student_id"] for i in everything) == sorted(
        [district.student_a1.pk, district.student_a2.pk]
    )


@pytest.mark.parametrize("path", ["students", "staff", "enrolments"])
def test_queries_do_not_grow_with_the_page(district, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(district.user(Role.PROVINCE_OFFICER, district.province))
    feed(client, path, limit=1)  # warm: token look-up and the like settle

    def queries(limit: int) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            rows = len(feed(client, path, limit=limit)["items"])
        return rows, len(captured)

    one, many = queries(1), queries(50)
    assert one[0] == 1 and many[0] > 1
    assert many[1] == one[1]
