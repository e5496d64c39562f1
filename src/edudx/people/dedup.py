"""Finding and merging duplicate people (DESIGN.md "People and identity").

Candidates are people with the same folded name and date of birth, where the personal IDs
do not contradict each other (two different IDs are two people). An actor sees and merges
only pairs whose every record lies in their unit-wide scope: a principal can clean up their
own school; a pair spanning two schools is for the commune or province office."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from edudx.core.errors import DomainError, NotFound
from edudx.core.scope import Scope, scope_of
from edudx.org.models import OrgUnit, path_upper

from . import services
from .models import Person, StaffMember, Student


@dataclass
class Candidate:
    person: Person
    students: list[Student]
    staff: list[StaffMember]


def _person_q(scope: Scope) -> Q | None:
    """People with a student or staff record under the scope's subtrees (None: all)."""
    if scope.everything:
        return None
    q = Q(pk__in=[])
    for p in scope.unit_paths:
        units = OrgUnit.objects.filter(path__gte=p, path__lt=path_upper(p)).values("id")
        q |= Q(student__current_school_id__in=units) | Q(staff_roles__unit_id__in=units)
    return q


def _paths(person: Person) -> list[str]:
    """Paths of the school and units a person is attached to (uses prefetched rows)."""
    student = getattr(person, "student", None) if hasattr(person, "student") else None
    paths = [student.current_school.path] if student and student.current_school_id else []
    return paths + [s.unit.path for s in person.staff_roles.all()]


def _in_scope(scope: Scope, person: Person) -> bool:
    """Every school or unit the person is attached to lies in the scope."""
    if scope.everything:
        return True
    paths = _paths(person)
    return bool(paths) and all(any(p.startswith(s) for s in scope.unit_paths) for p in paths)


def _compatible(a: Person, b: Person) -> bool:
    return not (a.personal_id and b.personal_id and a.personal_id != b.personal_id) and not (
        a.moet_id and b.moet_id and a.moet_id != b.moet_id
    )


def duplicate_groups(*, actor, limit: int = 50) -> list[list[Candidate]]:
    """Groups of two or more records that look like one person, oldest key first."""
    scope = scope_of(actor)
    if not (scope.everything or scope.unit_paths):
        return []
    people = Person.objects.filter(merged_into__isnull=True)
    pq = _person_q(scope)
    if pq is not None:
        people = people.filter(pq)
    keys = list(
        people.order_by()
        .values("search_name", "date_of_birth")
        .annotate(n=Count("id", distinct=True))
        .filter(n__gt=1)
        .order_by("search_name", "date_of_birth")[: limit * 3]
    )
    if not keys:
        return []
    key_q = Q(pk__in=[])
    for k in keys:
        key_q |= Q(search_name=k["search_name"], date_of_birth=k["date_of_birth"])
    found = list(
        Person.objects.filter(key_q, merged_into__isnull=True)
        .select_related("commune")
        .prefetch_related("student__current_school", "student__current_class", "staff_roles__unit")
        .order_by("search_name", "date_of_birth", "id")
    )
    by_key: dict[tuple, list[Person]] = defaultdict(list)
    for p in found:
        by_key[(p.search_name, p.date_of_birth)].append(p)
    groups = []
    for members in by_key.values():
        members = [m for m in members if _in_scope(scope, m)]
        if len(members) < 2 or not all(
            _compatible(a, b) for i, a in enumerate(members) for b in members[i + 1 :]
        ):
            continue
        groups.append([_candidate(m) for m in members])
        if len(groups) >= limit:
            break
    return groups


def _candidate(p: Person) -> Candidate:
    student = getattr(p, "student", None) if hasattr(p, "student") else None
    return Candidate(
        person=p, students=[student] if student else [], staff=list(p.staff_roles.all())
    )


def merge_for_actor(*, actor, keep_id: int, drop_id: int, reason: str = "") -> Person:
    """Merge `drop` into `keep` if both lie wholly in the actor's unit-wide scope."""
    scope = scope_of(actor)
    people = (
        Person.objects.select_related("student__current_school")
        .prefetch_related("staff_roles__unit")
        .in_bulk([keep_id, drop_id])
    )
    keep, drop = people.get(keep_id), people.get(drop_id)
    if keep is None or drop is None or not (scope.everything or scope.unit_paths):
        raise NotFound("person.not_found", _("Không tìm thấy hồ sơ."))
    if drop.merged_into_id and _in_scope(scope, keep):
        raise DomainError(
            "merge.tombstone",
            _("Hồ sơ này đã được gộp vào một người khác trước đó."),
            field="drop_id",
        )
    if not (_in_scope(scope, keep) and _in_scope(scope, drop)):
        raise NotFound("person.not_found", _("Không tìm thấy hồ sơ."))
    if not _compatible(keep, drop):
        raise DomainError(
            "merge.different_ids",
            _("Hai hồ sơ có số định danh khác nhau: đây là hai người khác nhau."),
            field="drop_id",
        )
    return services.person_merge(actor=actor, keep=keep, drop=drop, reason=reason)
