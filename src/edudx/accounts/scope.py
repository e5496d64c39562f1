"""Turn a user's role assignments into a `Scope` (DESIGN.md "Access")."""

from django.db import connection

from edudx.core.scope import RoleUnit, Scope
from edudx.org.models import OrgUnit
from edudx.people.models import GuardianLink, StaffMember, Student, TeachingAssignment

from .models import UNIT_WIDE_ROLES, Role, RoleAssignment, User

# The user's role assignments, read on every request: written as SQL (building the ORM
# query cost more than running it). Each row: role, unit id, unit path, unit valid_to; a
# user without any gives one row of NULLs (outer joins), which build_scope skips.
ASSIGNMENT_COLUMNS = ("ra.role", "ra.unit_id", "o.path", "o.valid_to")


def assignments_join(user_id_column: str) -> str:
    """The outer joins that add ASSIGNMENT_COLUMNS to a query of users."""
    return (
        f"LEFT JOIN {RoleAssignment._meta.db_table} ra ON ra.user_id = {user_id_column} "
        f"LEFT JOIN {OrgUnit._meta.db_table} o ON o.id = ra.unit_id"
    )


def assignments_of(user_id: int) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {', '.join(ASSIGNMENT_COLUMNS)} FROM {User._meta.db_table} u "
            f"{assignments_join('u.id')} WHERE u.id = %s",
            [user_id],
        )
        return cur.fetchall()


def build_scope(user, assignments: list[tuple] | None = None) -> Scope:
    """`assignments`: the user's rows of ASSIGNMENT_COLUMNS when the caller read them with
    something else (`accounts.tokens`); rows with no role (an outer join's) are ignored."""
    if assignments is None:
        assignments = assignments_of(user.pk)
    assignments = [a for a in assignments if a[0] is not None]
    # A unit that no longer exists (valid_to set, after a reorganisation) gives no scope.
    live = [
        (role, unit_id, path)
        for role, unit_id, path, valid_to in assignments
        if unit_id is not None and valid_to is None
    ]
    role_units = tuple(RoleUnit(role, unit_id, path) for role, unit_id, path in live)
    roles = {a[0] for a in assignments}
    if user.is_superuser or Role.SYSTEM_ADMIN in roles:
        return Scope(
            everything=True,
            person_id=user.person_id,
            role_units=role_units,
            roles=frozenset(roles),
        )
    paths = tuple(sorted({path for role, _unit_id, path in live if role in UNIT_WIDE_ROLES}))
    class_ids: set[int] = set()
    homeroom: set[int] = set()
    student_ids: set[int] = set()
    if user.person_id:
        if roles & {Role.TEACHER, Role.HOMEROOM_TEACHER}:
            staff = StaffMember.objects.filter(person_id=user.person_id, end_date__isnull=True)
            for class_id, is_homeroom in TeachingAssignment.objects.filter(
                staff__in=staff
            ).values_list("class_group_id", "is_homeroom"):
                class_ids.add(class_id)
                if is_homeroom:
                    homeroom.add(class_id)
        if Role.GUARDIAN in roles:
            student_ids |= set(
                GuardianLink.objects.filter(guardian_id=user.person_id).values_list(
                    "student_id", flat=True
                )
            )
        if Role.STUDENT in roles:
            student_ids |= set(
                Student.objects.filter(person_id=user.person_id).values_list("id", flat=True)
            )
    return Scope(
        unit_paths=paths,
        class_ids=frozenset(class_ids),
        homeroom_class_ids=frozenset(homeroom),
        student_ids=frozenset(student_ids),
        person_id=user.person_id,
        role_units=role_units,
        roles=frozenset(roles),
    )
