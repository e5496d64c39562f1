"""`people.selectors.student_page` runs the list as SQL it writes itself
(`_student_where`), not through the ORM query `student_list` builds (`_student_rows`). The
two must give the same students for every actor, filter and plan: the ORM query is the
oracle here, and the permission rules live in both."""

import datetime as dt

import pytest

from edudx.accounts.models import Role
from edudx.org import services as org_services
from edudx.people import selectors, services
from edudx.people.models import Person, Student, StudentStatus
from tests.factories import grant
from tests.people.test_selectors import actor_for, world  # noqa: F401 — fixture

ACTORS = [
    "teacher_a",
    "homeroom_a",
    "teacher_b",
    "guardian",
    "student_a2",
    "principal_a",
    "clerk_b",
    "commune_officer_a",
    "district_officer",
    "province_officer",
    "system_admin",
    "superuser",
    "citizen",
    "no_role",
    "anonymous",
    "none",
    "principal_b_teaching_a",  # a unit-wide role and taught classes: either admits a row
    "student_dat",
]

NAMES = [
    "Hoa Thị Lan",
    "Lê Thị Hoa",
    "Đặng Đức Đạt",
    "Phạm 100% Hà",
    "Lê_Văn_Bé",
    "Nguyễn Văn Anh",
]


@pytest.fixture
def many(world):  # noqa: F811 — the imported fixture
    """`world` plus six pupils over both schools and classes, one of them transferred and
    one dropped; a student code that is all digits and a MOET ID; the guardian's third
    child."""
    d = world
    class_b2 = org_services.class_create(
        actor=None, school=d.school_b, school_year_code="2025-2026", name="6B2", grade_number=6
    )
    places = [
        (d.school_a, d.class_a),
        (d.school_b, class_b2),
        (d.school_a, d.a3.current_class),
        (d.school_b, d.class_b),
    ]
    for i, name in enumerate(NAMES):
        school, cls = places[i % len(places)]
        d.student(name, school, cls, sex="F" if i % 2 else "M", dob=dt.date(2013, 1, 1 + i))
    Student.objects.filter(person__full_name="Hoa Thị Lan").update(status=StudentStatus.TRANSFERRED)
    Student.objects.filter(person__full_name="Lê_Văn_Bé").update(status=StudentStatus.DROPPED)
    Student.objects.filter(pk=d.student_a2.pk).update(student_code="2025000123")
    Person.objects.filter(pk=d.student_a1.person_id).update(moet_id="6700012345")
    d.student_a1.person.refresh_from_db()
    # A child whose student id is not its person id (the first pupils' happen to agree).
    d.dat = Student.objects.get(person__full_name="Đặng Đức Đạt")
    assert d.dat.pk != d.dat.person_id
    services.guardian_link(actor=None, guardian=d.parent, student=d.dat)
    d.class_b2 = class_b2
    return d


def make_actor(d, who):
    if who == "student_dat":
        return d.user(Role.STUDENT, person=d.dat.person)
    if who != "principal_b_teaching_a":
        return actor_for(d, who)
    user = d.teacher_user()
    grant(user, Role.PRINCIPAL, d.school_b)
    return user


def filter_sets(d):
    a1 = d.student_a1.person
    yield {}
    for q in ["thi", "van", "a", "hoa", "%", "_", "100%", "le_", "xyz", "nguyen van"]:
        yield {"q": q}
    for q in [a1.personal_id, a1.moet_id, "2025000123", "000000000000"]:
        yield {"q": q}
    yield {"school_id": d.school_a.pk}
    yield {"school_id": d.school_b.pk, "q": "thi"}
    yield {"class_id": d.class_a.pk}
    yield {"class_id": d.class_b2.pk, "q": "a"}
    yield {"school_id": d.school_a.pk, "class_id": d.class_b.pk}
    yield {"unit_id": d.commune_a.pk}
    yield {"unit_id": d.district.pk, "q": "thi"}
    yield {"unit_id": d.school_b.pk}
    yield {"unit_id": 99_999_999}
    yield {"status": None}
    yield {"status": None, "q": "le"}
    yield {"status": StudentStatus.DROPPED}
    yield {"status": StudentStatus.TRANSFERRED, "unit_id": d.province.pk}


@pytest.mark.parametrize("cap", [10_000, 2], ids=["counted", "capped-walk"])
@pytest.mark.parametrize("who", ACTORS)
def test_page_rows_are_the_orm_querys(many, monkeypatch, who, cap):
    monkeypatch.setattr(selectors, "COUNT_CAP", cap)
    actor = make_actor(many, who)
    checked = 0
    for filters in filter_sets(many):
        expected = [s.pk for s in selectors.student_list(actor=actor, **filters)]
        page = selectors.student_page(actor=actor, page_size=100, **filters)
        assert [s.pk for s in page.object_list] == expected, filters
        assert (page.paginator.count, page.paginator.capped) == (
            min(len(expected), cap),
            len(expected) > cap,
        ), filters
        checked += len(expected)
    if who in ("province_officer", "system_admin"):
        # The sets above are not vacuous: an officer of the whole tree finds rows in most.
        assert checked == 64


def test_pages_walk_the_same_order(many):
    """Page by page, two at a time, a province officer reads the ORM list in order."""
    officer = many.user(Role.PROVINCE_OFFICER, many.province)
    expected = [s.pk for s in selectors.student_list(actor=officer, status=None)]
    seen = []
    for number in range(1, 7):
        page = selectors.student_page(actor=officer, page=number, page_size=2, status=None)
        seen += [s.pk for s in page.object_list]
    assert len(expected) == 10
    assert seen == expected


def test_dict_rows_carry_the_orm_values(many):
    """With `columns` (the API), each row holds what `values()` would: dates as dates,
    UUIDs as UUIDs, aware datetimes — converted as the ORM converts them on SQLite."""
    officer = many.user(Role.PROVINCE_OFFICER, many.province)
    columns = (
        "id",
        "source_id",
        "student_code",
        "updated_at",
        "person__source_id",
        "person__full_name",
        "person__date_of_birth",
        "person__personal_id",
    )
    page = selectors.student_page(actor=officer, q="thi", page_size=50, columns=columns)
    expected = list(selectors.student_list(actor=officer, q="thi").order_by().values(*columns))
    expected.sort(key=lambda r: [s["id"] for s in page.object_list].index(r["id"]))
    assert page.object_list == expected
    assert [r["person__full_name"] for r in page.object_list] == [
        "Lê Thị Hoa",
        "Lý Thị Cúc",
        "Trần Thị Bình",
    ]
    last = page.object_list[-1]
    assert last["person__date_of_birth"] == dt.date(2013, 5, 4)
    assert last["updated_at"].tzinfo is not None
    assert last["source_id"] == many.student_a2.source_id
    assert last["person__source_id"] == many.student_a2.person.source_id


def test_an_unseen_student_code_finds_nothing(many):
    """The exact-ID search is scoped like any other: school B's clerk does not find school
    A's pupil by code or by ID number."""
    clerk = many.user(Role.CLERK, many.school_b)
    a1 = many.student_a1.person
    for q in ("2025000123", a1.personal_id, a1.moet_id):
        page = selectors.student_page(actor=clerk, q=q, page_size=10)
        assert (page.paginator.count, list(page.object_list)) == (0, [])
    principal = many.user(Role.PRINCIPAL, many.school_a)
    for q, student in [
        ("2025000123", many.student_a2),
        (a1.personal_id, many.student_a1),
        ("6700012345", many.student_a1),
    ]:
        page = selectors.student_page(actor=principal, q=q, page_size=10)
        assert [s.pk for s in page.object_list] == [student.pk]
