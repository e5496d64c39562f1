import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from edudx.accounts.models import Role
from edudx.core.errors import NotFound
from edudx.org import services as org_services
from edudx.people import selectors, services
from tests.factories import UserFactory, grant, person_data


@pytest.fixture
def world(district):
    """The District plus a second class in school A (not taught by teacher A), a guardian
    of two children in different schools, and a student of school A's other class."""
    class_a2 = org_services.class_create(
        actor=None,
        school=district.school_a,
        school_year_code="2025-2026",
        name="6A2",
        grade_number=6,
    )
    a3 = district.student("Lý Thị Cúc", district.school_a, class_a2, sex="F")
    parent = services.person_create(
        actor=None, data=person_data("Nguyễn Văn Phúc", dt.date(1982, 2, 2), "M")
    )
    services.guardian_link(actor=None, guardian=parent, student=district.student_a1)
    services.guardian_link(actor=None, guardian=parent, student=district.student_b1)
    district.a3 = a3
    district.parent = parent
    return district


def names(qs) -> list[str]:
    return [s.person.full_name for s in qs]


def actor_for(world, who: str):
    d = world
    return {
        "teacher_a": lambda: d.teacher_user(),
        "homeroom_a": lambda: d.user(Role.HOMEROOM_TEACHER, d.school_a, person=d.teacher_a.person),
        "teacher_b": lambda: d.teacher_user(d.teacher_b),
        "guardian": lambda: d.user(Role.GUARDIAN, person=d.parent),
        "student_a2": lambda: d.user(Role.STUDENT, person=d.student_a2.person),
        "principal_a": lambda: d.user(Role.PRINCIPAL, d.school_a),
        "clerk_b": lambda: d.user(Role.CLERK, d.school_b),
        "commune_officer_a": lambda: d.user(Role.COMMUNE_OFFICER, d.commune_a),
        "district_officer": lambda: d.user(Role.COMMUNE_OFFICER, d.district),
        "province_officer": lambda: d.user(Role.PROVINCE_OFFICER, d.province),
        "system_admin": lambda: d.user(Role.SYSTEM_ADMIN),
        "superuser": lambda: UserFactory(is_superuser=True),
        "citizen": lambda: d.user(Role.CITIZEN),
        "no_role": lambda: UserFactory(),
        "anonymous": lambda: AnonymousUser(),
        "none": lambda: None,
    }[who]()


ALL = ["Lý Thị Cúc", "Nguyễn Văn An", "Nguyễn Văn Cường", "Trần Thị Bình"]
SCHOOL_A = ["Lý Thị Cúc", "Nguyễn Văn An", "Trần Thị Bình"]

# Who sees which students (ordered by folded name, as the list is).
VISIBLE = [
    ("teacher_a", ["Nguyễn Văn An", "Trần Thị Bình"]),
    ("homeroom_a", ["Nguyễn Văn An", "Trần Thị Bình"]),
    ("teacher_b", ["Nguyễn Văn Cường"]),
    ("guardian", ["Nguyễn Văn An", "Nguyễn Văn Cường"]),
    ("student_a2", ["Trần Thị Bình"]),
    ("principal_a", SCHOOL_A),
    ("clerk_b", ["Nguyễn Văn Cường"]),
    ("commune_officer_a", SCHOOL_A),
    ("district_officer", ALL),
    ("province_officer", ALL),
    ("system_admin", ALL),
    ("superuser", ALL),
    ("citizen", []),
    ("no_role", []),
    ("anonymous", []),
    ("none", []),
]


@pytest.mark.parametrize(("who", "expected"), VISIBLE, ids=[v[0] for v in VISIBLE])
def test_student_list_is_scoped(world, who, expected):
    assert names(selectors.student_list(actor=actor_for(world, who))) == expected


@pytest.mark.parametrize(("who", "expected"), VISIBLE, ids=[v[0] for v in VISIBLE])
def test_student_get_outside_scope_is_not_found(world, who, expected):
    actor = actor_for(world, who)
    students = [world.student_a1, world.student_a2, world.student_b1, world.a3]
    for student in students:
        if student.person.full_name in expected:
            assert selectors.student_get(actor=actor, student_id=student.pk) == student
        else:
            with pytest.raises(NotFound) as err:
                selectors.student_get(actor=actor, student_id=student.pk)
            assert (err.value.code, err.value.status, str(err.value)) == (
                "student.not_found",
                404,
                "Không tìm thấy học sinh.",
            )


def test_teacher_of_school_a_gets_not_found_for_school_b(world):
    teacher = world.teacher_user()
    with pytest.raises(NotFound):
        selectors.student_get(actor=teacher, student_id=world.student_b1.pk)
    with pytest.raises(NotFound):
        selectors.student_record(actor=teacher, student_id=world.student_b1.pk)


def test_unknown_student_id_is_not_found_even_for_admins(world):
    with pytest.raises(NotFound):
        selectors.student_get(actor=actor_for(world, "system_admin"), student_id=999_999)


def test_scope_follows_a_transfer(world):
    teacher_a, teacher_b = world.teacher_user(), world.teacher_user(world.teacher_b)
    services.student_transfer(
        actor=None,
        student=world.student_a1,
        to_school=world.school_b,
        school_year=world.year,
        class_group=world.class_b,
        effective=dt.date(2026, 1, 12),
    )
    assert names(selectors.student_list(actor=teacher_a)) == ["Trần Thị Bình"]
    assert names(selectors.student_list(actor=teacher_b)) == ["Nguyễn Văn An", "Nguyễn Văn Cường"]


def test_dissolved_unit_grants_nothing(world):
    officer = world.user(Role.COMMUNE_OFFICER, world.commune_b)
    # Move the school away first: a unit with children cannot be dissolved.
    org_services.unit_reparent(
        actor=None,
        unit=world.school_b,
        new_parent=world.province,
        effective=dt.date(2025, 7, 1),
    )
    org_services.unit_dissolve(actor=None, unit=world.commune_b, effective=dt.date(2025, 7, 1))
    officer.__dict__.pop("scope", None)
    assert names(selectors.student_list(actor=officer)) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("nguyen van", ["Nguyễn Văn An", "Nguyễn Văn Cường"]),
        ("NGUYỄN", ["Nguyễn Văn An", "Nguyễn Văn Cường"]),
        ("cuong", ["Nguyễn Văn Cường"]),
        ("thi", ["Lý Thị Cúc", "Trần Thị Bình"]),
        ("  binh ", ["Trần Thị Bình"]),
        ("xyz", []),
    ],
)
def test_search_is_diacritic_insensitive_and_scoped(world, q, expected):
    officer = actor_for(world, "province_officer")
    assert names(selectors.student_list(actor=officer, q=q)) == expected


def test_search_by_personal_id(world):
    officer = actor_for(world, "province_officer")
    pid = world.student_b1.person.personal_id
    assert names(selectors.student_list(actor=officer, q=pid)) == ["Nguyễn Văn Cường"]
    # …but not outside the scope.
    assert names(selectors.student_list(actor=world.teacher_user(), q=pid)) == []


def test_student_list_is_one_query(world, django_assert_num_queries):
    officer = actor_for(world, "province_officer")
    officer.scope  # noqa: B018 — built once per request, outside the list query
    with django_assert_num_queries(1):
        rows = [
            (s.person.full_name, s.current_school.name, s.current_class.name)
            for s in selectors.student_list(actor=officer)
        ]
    assert rows == [
        ("Lý Thị Cúc", "Trường THCS Lê Lợi", "6A2"),
        ("Nguyễn Văn An", "Trường THCS Lê Lợi", "6A1"),
        ("Nguyễn Văn Cường", "Trường THCS Nguyễn Du", "6B1"),
        ("Trần Thị Bình", "Trường THCS Lê Lợi", "6A1"),
    ]


STAFF_VISIBLE = [
    ("teacher_a", ["Lê Thị Hoa"]),
    ("principal_a", ["Lê Thị Hoa"]),
    ("clerk_b", ["Phạm Văn Nam"]),
    ("province_officer", ["Lê Thị Hoa", "Phạm Văn Nam"]),
    ("guardian", []),
    ("citizen", []),
    ("none", []),
]


@pytest.mark.parametrize(("who", "expected"), STAFF_VISIBLE, ids=[v[0] for v in STAFF_VISIBLE])
def test_staff_list_is_scoped(world, who, expected):
    staff = selectors.staff_list(actor=actor_for(world, who))
    assert [s.person.full_name for s in staff] == expected


def test_staff_get_outside_scope_is_not_found(world):
    teacher = world.teacher_user()
    assert selectors.staff_get(actor=teacher, staff_id=world.teacher_a.pk) == world.teacher_a
    with pytest.raises(NotFound) as err:
        selectors.staff_get(actor=teacher, staff_id=world.teacher_b.pk)
    assert err.value.code == "staff.not_found"


def test_role_granted_later_widens_scope_after_cache_reset(world):
    user = world.user(Role.CITIZEN)
    assert names(selectors.student_list(actor=user)) == []
    grant(user, Role.PRINCIPAL, world.school_b)
    assert names(selectors.student_list(actor=user)) == ["Nguyễn Văn Cường"]
