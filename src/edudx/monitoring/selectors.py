"""Dashboard reads from the summary tables (never raw scans of people on page load)."""

from django.db.models import Sum

from edudx.core.scope import Scope
from edudx.org.models import OrgUnit, UnitKind
from edudx.org.selectors import TreeAsOf, subtree_q

from .models import SchoolHeadcount


def headcount_totals(*, scope: Scope) -> dict[str, int]:
    """Schools, students and staff in the scope's subtrees (current tree)."""
    qs = SchoolHeadcount.objects.filter(school__valid_to__isnull=True)
    schools = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, valid_to__isnull=True)
    if not scope.everything:
        qs = qs.filter(subtree_q(scope.unit_paths, "school__path"))
        schools = schools.filter(subtree_q(scope.unit_paths))
    totals = qs.aggregate(students=Sum("students"), staff=Sum("staff"))
    return {
        "schools": schools.count(),
        "students": totals["students"] or 0,
        "staff": totals["staff"] or 0,
    }


def students_under(tree: TreeAsOf, units: list[OrgUnit]) -> dict[int, int]:
    """Current students of the schools that lay under each unit on `tree.day`: the units'
    placements that day, the school placements in their path ranges (index
    org_place_path_valid), and the schools' headcounts — three queries."""
    if not units:
        return {}
    places = dict(tree.placements().filter(unit__in=units).values_list("unit_id", "path"))
    if not places:
        return {u.pk: 0 for u in units}
    schools = list(
        tree.placements()
        .filter(subtree_q(places.values()), unit__kind=UnitKind.SCHOOL)
        .values_list("unit_id", "path")
    )
    per_school = dict(
        SchoolHeadcount.objects.filter(school_id__in=[sid for sid, _ in schools]).values_list(
            "school_id", "students"
        )
    )
    out = {}
    for u in units:
        prefix = places.get(u.pk)
        out[u.pk] = (
            sum(per_school.get(sid, 0) for sid, path in schools if path.startswith(prefix))
            if prefix
            else 0
        )
    return out
