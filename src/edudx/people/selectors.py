"""Every read of people that crosses a permission line. Each takes the acting user and
applies its `Scope`; an object outside the scope is reported as not found (404), never as
forbidden, so its existence does not leak."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from edudx.audit.services import audit_record
from edudx.core.errors import NotFound
from edudx.core.scope import Scope, scope_of
from edudx.core.text import fold
from edudx.org.models import OrgUnit, path_upper

from .models import Enrolment, GuardianLink, StaffMember, Student, StudentStatus


def _units_q(scope: Scope, field: str) -> Q:
    """Rows whose unit (`field`) lies in one of the scope's subtrees."""
    q = Q(pk__in=[])
    for p in scope.unit_paths:
        q |= Q(**{f"{field}__path__gte": p, f"{field}__path__lt": path_upper(p)})
    return q


def student_scope_q(scope: Scope) -> Q | None:
    """None means everything."""
    if scope.everything:
        return None
    q = _units_q(scope, "current_school")
    if scope.class_ids:
        q |= Q(current_class_id__in=scope.class_ids)
    if scope.student_ids:
        q |= Q(pk__in=scope.student_ids)
    return q


def search_terms(text: str | None) -> str:
    return fold(text)


def student_list(
    *,
    actor,
    q: str | None = None,
    school_id: int | None = None,
    class_id: int | None = None,
    unit_id: int | None = None,
    status: str | None = StudentStatus.STUDYING,
) -> QuerySet[Student]:
    """Students the actor may see, filtered; ordered by name. Search is diacritic-insensitive
    and matches any part of the name ("nguyen van" finds "Nguyễn Văn An")."""
    scope = scope_of(actor)
    qs = Student.objects.all()
    sq = student_scope_q(scope)
    if sq is not None:
        qs = qs.filter(sq)
    if status:
        qs = qs.filter(status=status)
    if school_id:
        qs = qs.filter(current_school_id=school_id)
    if class_id:
        qs = qs.filter(current_class_id=class_id)
    if unit_id:
        unit = OrgUnit.objects.filter(pk=unit_id).only("path").first()
        if unit is None:
            return qs.none()
        qs = qs.filter(
            current_school__path__gte=unit.path, current_school__path__lt=path_upper(unit.path)
        )
    term = search_terms(q)
    if term:
        if term.isdigit():
            qs = qs.filter(
                Q(person__personal_id=term) | Q(person__moet_id=term) | Q(student_code=term)
            )
        else:
            qs = qs.filter(search_name__contains=term)
    return qs.select_related("person", "current_school", "current_class").order_by(
        "search_name", "id"
    )


def student_get(*, actor, student_id: int) -> Student:
    scope = scope_of(actor)
    qs = Student.objects.select_related(
        "person", "person__commune", "current_school", "current_class"
    )
    sq = student_scope_q(scope)
    if sq is not None:
        qs = qs.filter(sq)
    student = qs.filter(pk=student_id).first()
    if student is None:
        raise NotFound("student.not_found", _("Không tìm thấy học sinh."))
    return student


def student_record(*, actor, student_id: int, reason: str = "") -> dict:
    """The full record of a student (identity, enrolment history, guardians). Reading it is
    recorded in the audit trail (DESIGN.md: every view of a full student record)."""
    student = student_get(actor=actor, student_id=student_id)
    enrolments = list(
        Enrolment.objects.filter(student=student)
        .select_related("school", "school_year", "class_group")
        .order_by("start_date", "id")
    )
    guardians = list(GuardianLink.objects.filter(student=student).select_related("guardian"))
    audit_record(
        actor=actor,
        action="view",
        object_type="people.student",
        object_id=student.pk,
        object_repr=student.person.full_name,
        reason=reason,
    )
    return {
        "student": student,
        "person": student.person,
        "enrolments": enrolments,
        "guardians": guardians,
    }


def staff_scope_q(scope: Scope) -> Q | None:
    if scope.everything:
        return None
    q = _units_q(scope, "unit")
    if scope.person_id:
        q |= Q(person_id=scope.person_id)
    return q


def staff_list(
    *,
    actor,
    q: str | None = None,
    unit_id: int | None = None,
    kind: str | None = None,
    active: bool = True,
) -> QuerySet[StaffMember]:
    scope = scope_of(actor)
    qs = StaffMember.objects.all()
    sq = staff_scope_q(scope)
    if sq is not None:
        qs = qs.filter(sq)
    if active:
        qs = qs.filter(end_date__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if unit_id:
        unit = OrgUnit.objects.filter(pk=unit_id).only("path").first()
        if unit is None:
            return qs.none()
        qs = qs.filter(unit__path__gte=unit.path, unit__path__lt=path_upper(unit.path))
    term = fold(q)
    if term:
        qs = qs.filter(search_name__contains=term)
    return qs.select_related("person", "unit").order_by("search_name", "id")


def staff_get(*, actor, staff_id: int) -> StaffMember:
    scope = scope_of(actor)
    qs = StaffMember.objects.select_related("person", "unit")
    sq = staff_scope_q(scope)
    if sq is not None:
        qs = qs.filter(sq)
    staff = qs.filter(pk=staff_id).first()
    if staff is None:
        raise NotFound("staff.not_found", _("Không tìm thấy cán bộ."))
    return staff


def unit_visible(*, actor, unit: OrgUnit) -> bool:
    """Whether people data under `unit` is in the actor's unit-wide scope."""
    scope = scope_of(actor)
    return scope.everything or any(unit.path.startswith(p) for p in scope.unit_paths)


def school_counts(unit: OrgUnit) -> dict:
    """Aggregate counts for a school page (no personal data)."""
    return {
        "classes": unit.class_groups.count(),
        "students": Student.objects.filter(
            current_school=unit, status=StudentStatus.STUDYING
        ).count(),
        "staff": StaffMember.objects.filter(unit=unit, end_date__isnull=True).count(),
    }
