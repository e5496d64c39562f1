"""Monitoring's slots for T05 (curriculum covered by the digital repository) and T26 (the
same over the resources open to everyone), registered with monitoring's indicator
registry. Per school, as `coverage.coverage_ratio(school)`: for each
compulsory or elective (grade, subject) of the school's level, the periods of its topics
with at least one published resource available at the school (published at the school, at
a unit above it or below it), capped at the subject's periods per year, over those periods.
Set-based: four queries for every school at once; resources count when published by the
end of the report's school year."""

from collections import defaultdict

from edudx.content.coverage import LEVEL_GRADES
from edudx.content.models import PublishScope, Resource, ResourceStatus, Topic
from edudx.monitoring.indicators import QueryContext, indicator
from edudx.org.models import School, ancestor_paths
from edudx.records.models import CurriculumSubject, SubjectKind


@indicator("T05")
def t05(ctx: QueryContext) -> dict:
    return _coverage(ctx, public=False)


@indicator("T26")
def t26(ctx: QueryContext) -> dict:
    """T26 (learning materials for the people's lifelong learning): T05 counted over the
    resources published for everyone (`PublishScope.PUBLIC`, open without an account, under an
    open licence) — the share of the curriculum a citizen can learn from openly."""
    return _coverage(ctx, public=True)


def _coverage(ctx: QueryContext, *, public: bool) -> dict:
    _lo, hi = ctx.window()
    levels = dict(School.objects.filter(unit_id__in=ctx.school_ids).values_list("unit_id", "level"))
    periods: dict[int, list[tuple[int, int]]] = defaultdict(list)  # grade -> [(subject, n)]
    for grade, subject, n in CurriculumSubject.objects.filter(
        kind__in=[SubjectKind.COMPULSORY, SubjectKind.ELECTIVE]
    ).values_list("grade", "subject_id", "periods_per_year"):
        periods[grade].append((subject, n))
    topics = {
        tid: (grade, subject, n)
        for tid, grade, subject, n in Topic.objects.values_list(
            "id", "grade", "subject_id", "periods"
        )
    }
    by_scope: dict[str, set[int]] = defaultdict(set)
    published = Resource.topics.through.objects.filter(
        resource__status=ResourceStatus.PUBLISHED,
        resource__scope_unit__isnull=False,
        resource__published_at__lt=hi,
    )
    if public:
        published = published.filter(resource__scope=PublishScope.PUBLIC)
    for path, tid in published.values_list("resource__scope_unit__path", "topic_id"):
        by_scope[path].add(tid)
    out = {}
    for sid in ctx.school_ids:
        path = ctx.units.get(sid, ("", ""))[0]
        grades = LEVEL_GRADES.get(levels.get(sid), range(1, 13))
        covered: set[int] = set()
        for p in ancestor_paths(path):
            covered |= by_scope.get(p, set())
        for p, tids in by_scope.items():
            if p.startswith(path) and p != path:
                covered |= tids
        got: dict[tuple[int, int], int] = defaultdict(int)
        for tid in covered:
            grade, subject, n = topics[tid]
            got[(grade, subject)] += n
        den = num = 0
        for g in grades:
            for subject, n in periods.get(g, []):
                den += n
                num += min(got.get((g, subject), 0), n)
        if den and path:
            out[sid] = (num, den)
    return out
