"""Every read of the repository that crosses a permission line. Each takes the acting user.

Who sees a resource:
- published at a scope unit U (a school, its commune, its province): everyone whose own
  units lie under U (teachers of its schools, their students and guardians, the
  principals and officers there), and officers above U (who supervise it);
- not yet published: its uploader, and reviewers — principals and commune/province
  officers (and system admins) whose unit covers the resource's school.
A resource outside this is a 404. The curriculum (topics, outcomes) is not personal data:
anyone signed in may read it."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.core.errors import NotFound
from edudx.core.scope import scope_of
from edudx.org.models import ClassGroup, OrgUnit, ancestor_paths, path_upper
from edudx.people.models import StaffMember, Student
from edudx.records.models import CurriculumSubject, Subject

from . import search
from .models import Outcome, PublishScope, Resource, ResourceStatus, Topic

REVIEWER_ROLES = (Role.SYSTEM_ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.PRINCIPAL)


# --- curriculum ------------------------------------------------------------------------------


def subjects_of_grade(grade: int) -> QuerySet[CurriculumSubject]:
    return CurriculumSubject.objects.filter(grade=grade).select_related("subject")


def topic_tree(*, grade: int, subject_id: int | None = None) -> QuerySet[Topic]:
    qs = Topic.objects.filter(grade=grade).select_related("subject").prefetch_related("outcomes")
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    return qs.order_by("subject__sort_order", "sort_order", "id")


def topics_of(subject_id: int, grade: int) -> QuerySet[Topic]:
    return Topic.objects.filter(subject_id=subject_id, grade=grade).order_by("sort_order")


def outcome_ids_of(topic_ids) -> QuerySet[Outcome]:
    return Outcome.objects.filter(topic_id__in=topic_ids)


def subject_get(subject_id: int) -> Subject:
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("content.subject", _("Không tìm thấy môn học."), field="subject")
    return subject


# --- who is where ----------------------------------------------------------------------------


def anchor_paths(actor) -> set[str]:
    """The org units an actor belongs to: the units of their unit-wide roles, their schools
    as a teacher (staff units, classes taught), as a student or a guardian."""
    scope = scope_of(actor)
    paths = set(scope.unit_paths)
    if scope.person_id:
        paths |= set(
            StaffMember.objects.filter(
                person_id=scope.person_id, end_date__isnull=True
            ).values_list("unit__path", flat=True)
        )
    if scope.class_ids:
        paths |= set(
            ClassGroup.objects.filter(pk__in=scope.class_ids).values_list("school__path", flat=True)
        )
    if scope.student_ids:
        paths |= set(
            Student.objects.filter(
                pk__in=scope.student_ids, current_school__isnull=False
            ).values_list("current_school__path", flat=True)
        )
    return {p for p in paths if p}


def reviewer_paths(actor) -> list[str]:
    """Units under which the actor moderates resources ("" = everywhere)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    if scope_of(actor).everything:
        return [""]
    return [
        p
        for p in RoleAssignment.objects.filter(
            user=actor, role__in=REVIEWER_ROLES, unit__valid_to__isnull=True
        ).values_list("unit__path", flat=True)
        if p
    ]


def _subtree_q(paths, field: str) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        if p == "":
            return Q()
        q |= Q(**{f"{field}__path__gte": p, f"{field}__path__lt": path_upper(p)})
    return q


def _visible_units(actor) -> tuple[list[int], list[int]] | None:
    """(ids of the units above or at the actor's own units, ids of the units whose subtree
    the actor supervises); None = everything."""
    scope = scope_of(actor)
    if scope.everything:
        return None
    up = sorted({a for p in anchor_paths(actor) for a in ancestor_paths(p)})
    ups = list(OrgUnit.objects.filter(path__in=up).values_list("pk", flat=True))
    tops = list(OrgUnit.objects.filter(path__in=scope.unit_paths).values_list("pk", flat=True))
    return ups, tops


def published_q(actor, units=False) -> Q | None:
    """Published resources the actor may see; None = all published. A filter on the
    resource row itself (`scope_unit_id IN …`, `scope`), not a join, so a row probed from
    the search index is judged by its own columns. Public resources are everyone's, signed in
    or not."""
    seen = _visible_units(actor) if units is False else units
    if seen is None:
        return None
    ups, tops = seen
    q = Q(scope=PublishScope.PUBLIC) | Q(scope_unit_id__in=ups)
    if tops:
        # Officers and principals also see what is published below them.
        scope = scope_of(actor)
        below = Q(pk__in=[])
        for p in scope.unit_paths:
            below |= Q(path__gte=p, path__lt=path_upper(p))
        q |= Q(scope_unit_id__in=OrgUnit.objects.filter(below).values("pk"))
    return q


def visible_q(actor) -> Q:
    pub = published_q(actor)
    q = Q(status=ResourceStatus.PUBLISHED) & (pub if pub is not None else Q())
    if getattr(actor, "is_authenticated", False):
        q |= Q(uploaded_by=actor)
        reviews = reviewer_paths(actor)
        if reviews:
            q |= _subtree_q(reviews, "school")
    return q


def resources(actor) -> QuerySet[Resource]:
    return Resource.objects.filter(visible_q(actor)).select_related("subject", "school")


def resource_get(*, actor, resource_id: int) -> Resource:
    r = resources(actor).filter(pk=resource_id).select_related("scope_unit", "uploaded_by").first()
    if r is None:
        raise NotFound("content.resource", _("Không tìm thấy học liệu."))
    return r


def resource_get_by_source(*, actor, source_id) -> Resource:
    r = resources(actor).filter(source_id=source_id).first()
    if r is None:
        raise NotFound("content.resource", _("Không tìm thấy học liệu."))
    return r


def may_review(actor, resource: Resource) -> bool:
    return any(p == "" or resource.school.path.startswith(p) for p in reviewer_paths(actor))


def review_queue(*, actor) -> QuerySet[Resource]:
    paths = reviewer_paths(actor)
    if not paths:
        return Resource.objects.none()
    return (
        Resource.objects.filter(_subtree_q(paths, "school"))
        .filter(status__in=[ResourceStatus.SUBMITTED, ResourceStatus.REVIEWED])
        .select_related("subject", "school", "uploaded_by")
        .order_by("created_at", "id")
    )


def my_resources(*, actor) -> QuerySet[Resource]:
    if not getattr(actor, "is_authenticated", False):
        return Resource.objects.none()
    return (
        Resource.objects.filter(uploaded_by=actor)
        .select_related("subject", "school")
        .order_by("-created_at", "-id")
    )


def resource_search(
    *,
    actor,
    q: str = "",
    subject_id: int | None = None,
    grade: int | None = None,
    type: str | None = None,  # noqa: A002 — the API's name for the resource type
    topic_id: int | None = None,
    language: str | None = None,
) -> QuerySet[Resource]:
    """Published resources the actor may see, matching `q` (diacritic-insensitive, every
    word as a prefix), ranked: title matches above description/body matches."""
    seen = _visible_units(actor)
    pub = published_q(actor, seen)
    qs = Resource.objects.filter(status=ResourceStatus.PUBLISHED)
    # Only selective filters become index tokens: "pub" or the reader's province holds most
    # rows, and intersecting with such a doclist costs more than checking the probed rows.
    facets: list[list[str]] = []
    if pub is not None:
        qs = qs.filter(pub)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
        facets.append([f"j{subject_id}"])
    if grade:
        qs = qs.filter(grade=grade)
        facets.append([f"g{grade}"])
    if type:
        qs = qs.filter(type=type)
        facets.append([f"y{type}".replace("-", "_")])
    if language:
        qs = qs.filter(language=language)
        facets.append([f"l{language}"])
    if topic_id:
        qs = qs.filter(
            Exists(
                Resource.topics.through.objects.filter(
                    resource_id=OuterRef("pk"), topic_id=topic_id
                )
            )
        )
        facets.append([f"t{topic_id}"])
    qs = qs.select_related("subject", "school")
    return search.ranked(qs, q, facets)


def unit_get(unit_id: int) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("content.unit", _("Không tìm thấy đơn vị."), field="unit")
    return unit


def coverage_unit_get(*, actor, unit_id: int) -> OrgUnit:
    """A unit whose T05 coverage the actor may read: inside their unit-wide scope, or one of
    their own schools (teachers). Not personal data, but an office's working figures."""
    scope = scope_of(actor)
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is not None and (
        scope.everything
        or any(unit.path.startswith(p) for p in scope.unit_paths)
        or (getattr(actor, "is_staff_role", False) and unit.path in anchor_paths(actor))
    ):
        return unit
    raise NotFound("content.unit", _("Không tìm thấy đơn vị."), field="unit_id")


def coverage_units(*, actor) -> list[OrgUnit]:
    """Units offered on the coverage page: the actor's own units (role units, schools)."""
    scope = scope_of(actor)
    if scope.everything:
        return list(OrgUnit.objects.filter(depth__lte=1).order_by("path")[:20])
    paths = set(scope.unit_paths)
    if getattr(actor, "is_staff_role", False):
        paths |= anchor_paths(actor)
    return list(OrgUnit.objects.filter(path__in=paths).order_by("path"))
