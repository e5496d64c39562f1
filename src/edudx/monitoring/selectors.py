"""Dashboard reads from the summary tables (never raw scans of people on page load)."""

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from edudx.core.api_errors import Forbidden
from edudx.core.scope import Scope, scope_of
from edudx.org.models import OrgUnit, UnitKind
from edudx.org.selectors import TreeAsOf, as_of, path_ancestors, subtree_q

from .models import (
    Indicator,
    IndicatorValue,
    Provenance,
    ReportStatus,
    RiskScore,
    SchoolHeadcount,
    YearlyReport,
)


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


def students_under(
    tree: TreeAsOf, units: list[OrgUnit], *, paths: dict[int, str] | None = None
) -> dict[int, int]:
    """Current students of the schools that lay under each unit on `tree.day`: the units'
    placements that day (unless the caller knows their `paths`), the school placements in
    their path ranges (index org_place_path_valid), and the schools' headcounts — three
    queries, two with `paths`."""
    if not units:
        return {}
    if paths is None:
        paths = dict(tree.placements().filter(unit__in=units).values_list("unit_id", "path"))
    places = {uid: p for uid, p in paths.items() if p}
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


def students_in(tree: TreeAsOf, path: str) -> int:
    """Current students of the schools that lay under `path` on `tree.day` (what
    `students_under` gives for one unit, summed in the database: one query)."""
    schools = (
        tree.placements().filter(subtree_q([path]), unit__kind=UnitKind.SCHOOL).values("unit_id")
    )
    total = SchoolHeadcount.objects.filter(school_id__in=schools).aggregate(n=Sum("students"))
    return total["n"] or 0


# --- indicator values and reports ------------------------------------------------------------


def _check_scope(actor, unit: OrgUnit) -> None:
    scope = scope_of(actor)
    if scope.everything:
        return
    if not any(unit.path.startswith(p) for p in scope.unit_paths):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền xem số liệu của đơn vị này."))


def unit_values(*, actor, unit: OrgUnit, year: int, indicators=None, rows=None) -> list[dict]:
    """The unit's indicator values for a year with targets (one query on the summary, none
    when the caller passes the unit's `rows`)."""
    _check_scope(actor, unit)
    if rows is None:
        rows = IndicatorValue.objects.filter(unit=unit, year=year)
    by_id = {r.indicator_id: r for r in rows if r.year == year}
    out = []
    for ind in indicators if indicators is not None else Indicator.objects.all():
        r = by_id.get(ind.pk)
        target = ind.target_for(year)
        value = r.value if r else None
        out.append(
            {
                "code": ind.code,
                "name": ind.name,
                "label": ind.label,  # the name in the page's language
                "unit": ind.unit,
                "unit_label": ind.unit_label,
                "numerator": r.numerator if r else None,
                "denominator": r.denominator if r else None,
                "value": value,
                "target": target,
                "target_note": ind.target_note,
                "target_note_label": ind.target_note_label,
                "status": status_of(value, target),
                "provenance": r.provenance if r else Provenance.MISSING,
                "provenance_label": str(
                    Provenance(r.provenance if r else Provenance.MISSING).label
                ),
                "schools": r.schools if r else 0,
                "computed_at": r.computed_at if r else None,
                "as_of": r.as_of if r else None,
            }
        )
    return out


def status_of(value, target) -> str:
    """Traffic light against the target: on target, within 80% of it, below, or no data."""
    if value is None:
        return "none"
    if target is None or value >= target:
        return "ok"
    if value >= target * Decimal("0.8"):
        return "warn"
    return "bad"


def schools_under_on(unit: OrgUnit, day: dt.date) -> list[tuple[int, str]]:
    """(school id, path) of the schools under `unit` on `day`: two indexed queries."""
    tree = as_of(day)
    place = tree.placements().filter(unit=unit).values_list("path", flat=True).first()
    if place is None:
        return []
    return list(
        tree.placements()
        .filter(subtree_q([place]), unit__kind=UnitKind.SCHOOL)
        .values_list("unit_id", "path")
    )


def consolidated(*, actor, unit: OrgUnit, year: int, day: dt.date | None = None) -> dict:
    """What an office sees when it consolidates: its values, each school's report status
    (schools under it on the report's day) and facts, their totals, its own report. A school
    that has not submitted by its due date (as of `day`, default today) is `overdue`: the
    office chases it."""
    from .reports import overdue, template_ensure  # noqa: PLC0415

    _check_scope(actor, unit)
    template = template_ensure(year)
    schools = schools_under_on(unit, template.as_of)
    ids = [sid for sid, _p in schools]
    reports = {
        r.unit_id: r for r in YearlyReport.objects.filter(template=template, unit_id__in=ids)
    }
    units = OrgUnit.objects.in_bulk(ids)
    rows = []
    for sid in sorted(ids, key=lambda i: units[i].name):
        r = reports.get(sid)
        rows.append(
            {
                "id": sid,
                "name": units[sid].name,
                "code": units[sid].code,
                "report_id": r.pk if r else None,
                "status": r.status if r else None,
                "version": r.version if r else 0,
                "submitted_at": r.submitted_at if r else None,
                "late": r.late if r else False,
                "overdue": overdue(r, template.school_due, day),
            }
        )
    facts, totals = school_facts(template, rows)
    submitted = [r for r in rows if r["version"]]
    return {
        "unit": unit,
        "year": year,
        "as_of": template.as_of,
        "template": template,
        "indicators": unit_values(actor=actor, unit=unit, year=year),
        "schools": rows,
        "counts": {
            "schools": len(rows),
            "submitted": len(submitted),
            "accepted": sum(1 for r in rows if r["status"] == ReportStatus.ACCEPTED),
            "late": sum(1 for r in rows if r["late"]),
            "overdue": sum(1 for r in rows if r["overdue"]),
        },
        "own": YearlyReport.objects.filter(template=template, unit=unit).first(),
        "facts": facts,
        "fact_totals": totals,
    }


def school_facts(template, rows: list[dict]) -> tuple[list[dict], dict[str, dict]]:
    """The template's school facts, and each school row's `facts` ({key: value or None}) and
    `facts_year` (the report years they come from): the latest submitted value up to the
    report year, as T22/T23 read them (`reports.reported_facts`). Totals per fact: `sum`
    (for a yes/no fact, the schools answering yes) and `schools` (how many gave it)."""
    from .reports import reported_facts  # noqa: PLC0415

    fields = list(template.facts)
    keys = [f["key"] for f in fields]
    got = reported_facts(keys, up_to=template.year, unit_ids=[r["id"] for r in rows])
    totals = {k: {"sum": Decimal(0), "schools": 0} for k in keys}
    for r in rows:
        r["facts"], years = {}, set()
        for k in keys:
            value, year = got[k].get(r["id"], (None, None))
            r["facts"][k] = value
            if value is not None:
                years.add(year)
                totals[k]["sum"] += value
                totals[k]["schools"] += 1
        r["facts_year"] = sorted(years)
    return fields, totals


# --- operations centre -----------------------------------------------------------------------

DRILL_KINDS = {UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE, UnitKind.SCHOOL}


def default_unit(actor) -> OrgUnit | None:
    """The unit an officer or principal watches first: their highest current unit."""
    from edudx.accounts.models import RoleAssignment  # noqa: PLC0415

    ra = (
        RoleAssignment.objects.filter(user=actor, unit__isnull=False, unit__valid_to__isnull=True)
        .select_related("unit")
        .order_by("unit__depth")
        .first()
    )
    if ra is not None:
        return ra.unit
    if getattr(actor, "is_superuser", False):
        return (
            OrgUnit.objects.filter(kind=UnitKind.PROVINCE, valid_to__isnull=True)
            .order_by("path")
            .first()
        )
    return None


def years_available(unit: OrgUnit | None = None) -> list[int]:
    """Report years with values (for one unit: on index monitoring_value_unit)."""
    qs = IndicatorValue.objects.order_by()
    if unit is not None:
        qs = qs.filter(unit=unit)
    return sorted(set(qs.values_list("year", flat=True).distinct()))


def trend(rows, indicators) -> tuple[list[int], dict[str, list]]:
    """Every indicator's value year by year, from the unit's summary rows of all years."""
    codes = {i.pk: i.code for i in indicators}
    got: dict[str, dict[int, Decimal | None]] = {}
    for r in rows:
        got.setdefault(codes.get(r.indicator_id, ""), {})[r.year] = r.value
    years = sorted({y for v in got.values() for y in v})
    return years, {code: [(y, v.get(y)) for y in years] for code, v in got.items()}


class Child(NamedTuple):
    """A drill-down unit: what the page, the chart and the export show of it."""

    pk: int
    name: str


def place_and_children(tree: TreeAsOf, unit: OrgUnit) -> tuple[str | None, list[Child]]:
    """The unit's path on `tree.day` and its children that day that the drill-down follows
    (by kind, then name): one query on the placements of the unit and of its children."""
    rows = (
        tree.placements()
        .filter(Q(unit=unit) | Q(parent=unit, unit__kind__in=DRILL_KINDS))
        .order_by("unit__kind", "unit__name", "path")
        .values_list("unit_id", "parent_id", "unit__name", "path")
    )
    path, children, seen = None, [], set()
    for uid, parent_id, name, p in rows:
        if parent_id == unit.pk and uid != unit.pk:
            if uid not in seen:  # a unit placed twice that day is listed once
                seen.add(uid)
                children.append(Child(uid, name))
        elif uid == unit.pk and (path is None or p < path):
            path = p
    return path, children


# What the dashboard reads of IndicatorValue (named rows: unit_values and trend read them
# like the model's attributes).
VALUE_FIELDS = (
    "indicator_id", "unit_id", "year", "as_of", "numerator", "denominator", "value",
    "provenance", "schools", "computed_at",
)  # fmt: skip


def dashboard(*, actor, unit: OrgUnit, year: int, code: str) -> dict:
    """Everything the unit's operations-centre page shows, from the summary tables:
    IndicatorValue (values, trend, children) and SchoolHeadcount (students)."""
    from .services import report_as_of  # noqa: PLC0415

    _check_scope(actor, unit)
    day = report_as_of(year)
    indicators = list(Indicator.objects.all())
    own = list(  # every year: values and trends (rows, not models: cheaper to read)
        IndicatorValue.objects.filter(unit=unit).values_list(*VALUE_FIELDS, named=True)
    )
    values = unit_values(actor=actor, unit=unit, year=year, indicators=indicators, rows=own)
    tree = as_of(day)
    path, children = place_and_children(tree, unit)
    ind = next((i for i in indicators if i.code == code), None)
    child_values = {
        v[0]: v
        for v in IndicatorValue.objects.filter(
            unit__in=[c.pk for c in children], year=year, indicator=ind
        ).values_list("unit_id", "numerator", "denominator", "value", "provenance")
    }
    target = ind.target_for(year) if ind else None
    labels = {p: str(p.label) for p in Provenance}
    rows = []
    for c in children:
        _uid, numerator, denominator, value, provenance = child_values.get(
            c.pk, (None, None, None, None, Provenance.MISSING)
        )
        rows.append(
            {
                "unit": c,
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "status": status_of(value, target),
                "provenance": labels[provenance],
            }
        )
    years, trends = trend(own, indicators)
    return {
        "unit": unit,
        "year": year,
        "as_of": day,
        "values": values,
        "trend": trends,
        "indicators": indicators,
        "indicator": ind,
        "target": target,
        "children": rows,
        "ancestors": path_ancestors(path) if path else [],
        "students": students_in(tree, path) if path else 0,
        "years": years or [year],
    }


def map_features(*, actor, unit: OrgUnit, year: int, colour: str) -> dict:
    """GeoJSON of the unit's schools on the report day, coloured by an indicator's status
    (`colour` = "T09"…) or by published DX level (`colour` = "dx"), with commune areas."""
    from edudx.org.models import School  # noqa: PLC0415

    from .dx import overall_level  # noqa: PLC0415
    from .geo import feature_collection  # noqa: PLC0415
    from .models import DxAssessment, DxStatus  # noqa: PLC0415
    from .services import report_as_of  # noqa: PLC0415

    _check_scope(actor, unit)
    day = report_as_of(year)
    tree = as_of(day)
    place = tree.placements().filter(unit=unit).values_list("path", flat=True).first()
    if place is None:
        return feature_collection([], [])
    placements = list(
        tree.placements()
        .filter(subtree_q([place]), unit__kind__in=[UnitKind.SCHOOL, UnitKind.COMMUNE])
        .values_list("unit_id", "path", "unit__kind", "unit__name")
    )
    school_ids = [p[0] for p in placements if p[2] == UnitKind.SCHOOL]
    communes = [p for p in placements if p[2] == UnitKind.COMMUNE]
    coords = {
        s["unit_id"]: (float(s["longitude"]), float(s["latitude"]))
        for s in School.objects.filter(
            unit_id__in=school_ids, latitude__isnull=False, longitude__isnull=False
        ).values("unit_id", "latitude", "longitude")
    }
    ids = school_ids + [c[0] for c in communes]
    values, levels = {}, {}
    target = None
    if colour == "dx":
        for a in DxAssessment.objects.filter(
            unit_id__in=school_ids, status=DxStatus.PUBLISHED, year=year
        ).select_related("framework"):
            levels[a.unit_id] = overall_level(a)
    else:
        ind = Indicator.objects.filter(code=colour).first()
        target = ind.target_for(year) if ind else None
        values = dict(
            IndicatorValue.objects.filter(
                unit_id__in=ids, year=year, indicator__code=colour
            ).values_list("unit_id", "value")
        )
    reports = dict(
        YearlyReport.objects.filter(template__year=year, unit_id__in=school_ids).values_list(
            "unit_id", "status"
        )
    )
    dx_status = {None: "none", 1: "bad", 2: "warn", 3: "ok"}
    dash = reverse("monitoring:dashboard")
    schools = []
    for uid, _path, _kind, name in placements:
        if uid not in coords:
            continue
        if colour == "dx":
            level = levels.get(uid)
            status = dx_status[level]
        else:
            level = None
            status = status_of(values.get(uid), target)
        schools.append(
            {
                "id": uid, "name": name, "lon": coords[uid][0], "lat": coords[uid][1],
                "value": values.get(uid), "status": status, "level": level,
                "report": str(ReportStatus(reports[uid]).label) if uid in reports else "",
                "url": f"{dash}?unit={uid}&year={year}",
            }
        )  # fmt: skip
    areas = []
    for cid, cpath, _kind, name in communes:
        pts = [
            coords[uid]
            for uid, path, kind, _n in placements
            if kind == UnitKind.SCHOOL and path.startswith(cpath) and uid in coords
        ]
        areas.append(
            {
                "id": cid, "name": name, "points": pts, "value": values.get(cid),
                "status": status_of(values.get(cid), target) if colour != "dx" else "none",
                "url": f"{dash}?unit={cid}&year={year}",
            }
        )  # fmt: skip
    return feature_collection(schools, areas)


def subtree_schools(unit: OrgUnit):
    """The current schools under `unit` (ids, for a filter)."""
    return OrgUnit.objects.filter(
        subtree_q([unit.path]), kind=UnitKind.SCHOOL, valid_to__isnull=True
    ).values("id")


def risk_top(*, actor, unit: OrgUnit, limit: int = 50) -> tuple[int | None, list]:
    """(year, the `limit` highest dropout-risk scores of the latest scored year under
    `unit`, with student, person and school). The caller audits the read (personal data)."""
    _check_scope(actor, unit)
    year = RiskScore.objects.order_by("-year").values_list("year", flat=True).first()
    rows = list(
        RiskScore.objects.filter(year=year, school__in=subtree_schools(unit))
        .select_related("student__person", "school")
        .order_by("-score")[:limit]
    )
    return year, rows
