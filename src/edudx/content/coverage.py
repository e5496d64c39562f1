"""T05: the share of the curriculum covered by the digital learning repository.

For a unit U (a school, a commune, a province) and a (grade, subject) of the curriculum:

    covered periods = Σ periods of the subject's topics in that grade that have at least one
                      published resource available in U
    coverage        = covered periods ÷ periods per year of the subject (records' table)

A resource is available in U when it is published at U, at a unit above U (a school sees
what its commune and province published) or at a unit below U (a province counts what its
schools and communes published). Totals add periods over the (grade, subject) rows, so a
subject with no topic tree loaded counts in full as uncovered. Grades: a school's level
(primary 1–5, lower secondary 6–9, upper secondary 10–12), or the grades asked for.
Only compulsory and elective subjects count; optional ones (tự chọn: Tiếng dân tộc thiểu
số, Ngoại ngữ 2…) are not taught everywhere."""

from dataclasses import dataclass, field

from django.db.models import Q

from edudx.org.models import OrgUnit, ancestor_paths, path_upper
from edudx.records.models import CurriculumSubject, SubjectKind

from .models import Resource, ResourceStatus, Topic

LEVEL_GRADES = {
    "primary": range(1, 6),
    "lower_secondary": range(6, 10),
    "upper_secondary": range(10, 13),
    "multi_level": range(1, 13),
    "continuing": range(6, 13),
}


@dataclass
class SubjectCoverage:
    grade: int
    subject_id: int
    subject_code: str
    subject_name: str
    periods: int
    covered: int
    topics: int
    uncovered_topics: list[dict] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.covered / self.periods if self.periods else 0.0


@dataclass
class Coverage:
    unit_id: int
    rows: list[SubjectCoverage]

    @property
    def periods(self) -> int:
        return sum(r.periods for r in self.rows)

    @property
    def covered(self) -> int:
        return sum(r.covered for r in self.rows)

    @property
    def ratio(self) -> float:
        return self.covered / self.periods if self.periods else 0.0


def grades_for(unit: OrgUnit) -> list[int]:
    level = getattr(getattr(unit, "school", None), "level", None) if unit.kind == "school" else None
    return list(LEVEL_GRADES.get(level, range(1, 13)))


def available_q(unit: OrgUnit) -> Q:
    return Q(status=ResourceStatus.PUBLISHED) & (
        Q(scope_unit__path__in=ancestor_paths(unit.path))
        | Q(scope_unit__path__gte=unit.path, scope_unit__path__lt=path_upper(unit.path))
    )


def covered_topic_ids(unit: OrgUnit) -> set[int]:
    return set(
        Resource.topics.through.objects.filter(
            resource__in=Resource.objects.filter(available_q(unit)).values("pk")
        ).values_list("topic_id", flat=True)
    )


def coverage(
    *, unit: OrgUnit, grades: list[int] | None = None, subject_id: int | None = None
) -> Coverage:
    """T05 for `unit`, per (grade, subject), with the uncovered topics of each row."""
    grades = grades or grades_for(unit)
    cs = CurriculumSubject.objects.filter(
        grade__in=grades, kind__in=[SubjectKind.COMPULSORY, SubjectKind.ELECTIVE]
    ).select_related("subject")
    if subject_id:
        cs = cs.filter(subject_id=subject_id)
    covered = covered_topic_ids(unit)
    topics: dict[tuple[int, int], list[Topic]] = {}
    tq = Topic.objects.filter(grade__in=grades).order_by("sort_order", "id")
    if subject_id:
        tq = tq.filter(subject_id=subject_id)
    for t in tq:
        topics.setdefault((t.grade, t.subject_id), []).append(t)
    rows = []
    for c in sorted(cs, key=lambda c: (c.grade, c.subject.sort_order, c.subject.code)):
        ts = topics.get((c.grade, c.subject_id), [])
        rows.append(
            SubjectCoverage(
                grade=c.grade,
                subject_id=c.subject_id,
                subject_code=c.subject.code,
                subject_name=c.subject.name,
                periods=c.periods_per_year,
                covered=min(sum(t.periods for t in ts if t.pk in covered), c.periods_per_year),
                topics=len(ts),
                uncovered_topics=[
                    {"id": t.pk, "code": t.code, "title": t.title, "periods": t.periods}
                    for t in ts
                    if t.pk not in covered
                ],
            )
        )
    return Coverage(unit_id=unit.pk, rows=rows)


def coverage_ratio(unit: OrgUnit, grades: list[int] | None = None) -> tuple[int, int]:
    """(covered periods, all periods) of `unit`: the T05 numerator and denominator for the
    monitoring app."""
    c = coverage(unit=unit, grades=grades)
    return c.covered, c.periods
