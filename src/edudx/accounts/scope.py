"""Turn a user's role assignments into a `Scope` (DESIGN.md "Access")."""

from edudx.core.scope import RoleUnit, Scope
from edudx.people.models import GuardianLink, StaffMember, Student, TeachingAssignment

from .models import UNIT_WIDE_ROLES, Role, RoleAssignment


def build_scope(user) -> Scope:
    assignments = list(RoleAssignment.objects.filter(user=user).select_related("unit"))
    role_units = tuple(
        RoleUnit(a.role, a.unit_id, a.unit.path)
        for a in assignments
        if a.unit is not None and a.unit.valid_to is None
    )
    roles = {a.role for a in assignments}
    if user.is_superuser or Role.SYSTEM_ADMIN in roles:
        return Scope(
            everything=True,
            person_id=user.person_id,
            role_units=role_units,
            roles=frozenset(roles),
        )
    paths = tuple(
        sorted(
            {
                a.unit.path
                for a in assignments
                if a.role in UNIT_WIDE_ROLES and a.unit is not None and a.unit.valid_to is None
            }
        )
    )
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
