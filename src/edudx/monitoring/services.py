"""Maintaining the dashboard summary tables. Each refresh recomputes from the source rows,
so running it twice for the same event gives the same result (idempotent consumers)."""

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from edudx.org import selectors as org_selectors
from edudx.org.models import SEGMENT, ClassGroup, OrgUnit, UnitKind
from edudx.people.models import StaffMember, Student, StudentStatus

from .indicators import QueryContext, query_for
from .models import (
    Indicator,
    IndicatorValue,
    Provenance,
    ReportTemplate,
    ReportVersion,
    SchoolHeadcount,
)


def _grouped(qs, field: str) -> dict[int, int]:
    return dict(qs.order_by().values_list(field).annotate(n=Count("id")).values_list(field, "n"))


def headcount_refresh(*, school_ids: Iterable[int] | None = None) -> int:
    """Recompute the headcounts of these schools (all schools when None); returns how many
    rows were written. Three GROUP BY queries whatever the number of schools."""
    schools = OrgUnit.objects.filter(kind=UnitKind.SCHOOL)
    if school_ids is not None:
        schools = schools.filter(pk__in=list(school_ids))
    ids = list(schools.values_list("id", flat=True))
    if not ids:
        return 0
    students = _grouped(
        Student.objects.filter(current_school_id__in=ids, status=StudentStatus.STUDYING),
        "current_school_id",
    )
    staff = _grouped(StaffMember.objects.filter(unit_id__in=ids, end_date__isnull=True), "unit_id")
    year = org_selectors.school_year_current()
    classes = (
        _grouped(ClassGroup.objects.filter(school_id__in=ids, school_year=year), "school_id")
        if year
        else {}
    )
    with transaction.atomic():
        existing = {h.school_id: h for h in SchoolHeadcount.objects.filter(school_id__in=ids)}
        new, changed = [], []
        for sid in ids:
            values = {
                "students": students.get(sid, 0),
                "staff": staff.get(sid, 0),
                "classes": classes.get(sid, 0),
            }
            row = existing.get(sid)
            if row is None:
                new.append(SchoolHeadcount(school_id=sid, **values))
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                changed.append(row)
        SchoolHeadcount.objects.bulk_create(new, batch_size=1000)
        SchoolHeadcount.objects.bulk_update(
            changed, ["students", "staff", "classes", "refreshed_at"], batch_size=1000
        )
    return len(ids)


# --- indicators ------------------------------------------------------------------------------

DATA = Path(__file__).resolve().parent / "data"


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def indicators_ensure() -> None:
    """The indicator definitions, loaded on first use: a fresh install has none until a
    recompute or the demo (`indicators_sync`)."""
    if not Indicator.objects.exists():
        indicators_sync()


def indicators_sync(path: Path | None = None) -> int:
    """Load the indicator definitions (data/indicators.json) into `Indicator`: insert new
    codes, update changed ones. Idempotent; returns how many rows it wrote."""
    data = json.loads((path or DATA / "indicators.json").read_text(encoding="utf-8"))
    existing = {i.code: i for i in Indicator.objects.all()}
    written = 0
    with transaction.atomic():
        for order, row in enumerate(data["indicators"]):
            fields = {
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "numerator": row["numerator"],
                "numerator_en": row.get("numerator_en", ""),
                "denominator": row["denominator"],
                "denominator_en": row.get("denominator_en", ""),
                "unit": row["unit"],
                "unit_en": row.get("unit_en", ""),
                "kind": row.get("kind", "percent"),
                "target_2025": _dec(row.get("target_2025")),
                "target_2030": _dec(row.get("target_2030")),
                "target_note": row.get("target_note", ""),
                "target_note_en": row.get("target_note_en", ""),
                "query": row.get("query") or "",
                "self_report_field": row.get("self_report_field", ""),
                "levels": row.get("levels", []),
                "sort_order": order,
            }
            current = existing.get(row["code"])
            if current is None:
                Indicator.objects.create(code=row["code"], **fields)
                written += 1
            elif any(getattr(current, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(current, k, v)
                current.save()
                written += 1
    return written


# The units an indicator is summed into: the administrative tree and the schools.
ROLLUP_KINDS = [
    UnitKind.MINISTRY,
    UnitKind.PROVINCE,
    UnitKind.DISTRICT,
    UnitKind.COMMUNE,
    UnitKind.SCHOOL,
]


GENERATION_KEY = "monitoring:generation"


def cache_generation() -> int:
    """Bumped after every recompute: cached dashboards of older generations are not read."""
    return cache.get_or_set(GENERATION_KEY, 1, None)


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


def report_as_of(year: int) -> dt.date:
    """The day a year's report is consolidated on (the schools' deadline): the tree of that
    day decides which unit a school counts under."""
    day = ReportTemplate.objects.filter(year=year).values_list("as_of", flat=True).first()
    return day or dt.date(year, 12, 10)


def _self_reported(year: int, unit_ids: list[int] | None = None) -> dict[int, dict]:
    """{unit id: {code: (num, den)}} from each unit's latest submitted report version."""
    qs = ReportVersion.objects.filter(report__template__year=year)
    if unit_ids is not None:
        qs = qs.filter(report__unit_id__in=unit_ids)
    latest: dict[int, tuple[int, dict]] = {}
    for unit_id, number, payload in qs.values_list("report__unit_id", "number", "payload"):
        if unit_id not in latest or number > latest[unit_id][0]:
            latest[unit_id] = (number, payload)
    out: dict[int, dict] = {}
    for unit_id, (_n, payload) in latest.items():
        values = {}
        for code, v in (payload.get("values") or {}).items():
            if v.get("numerator") is not None and v.get("denominator") is not None:
                values[code] = (Decimal(str(v["numerator"])), Decimal(str(v["denominator"])))
        out[unit_id] = values
    return out


def _percent(num, den) -> Decimal | None:
    if num is None or den is None or den == 0:
        return None
    return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01"))


def _combine(kinds: set[str]) -> str:
    kinds = kinds - {Provenance.MISSING}
    if not kinds:
        return Provenance.MISSING
    if len(kinds) == 1:
        return kinds.pop()
    return Provenance.MIXED


def indicators_recompute(*, year: int, as_of: dt.date | None = None) -> int:
    """Recompute every indicator for `year`: per school from its query (or the school's
    submitted self-report), then summed up the tree as it stood on `as_of` (default: the
    report's consolidation day), so a 2024 report counts schools under their 2024 parents.
    Office-level indicators (no "school" level) take the office's own report. Replaces the
    year's rows of the summary table; returns how many it wrote."""
    indicators_sync()
    as_of = as_of or report_as_of(year)
    tree = org_selectors.as_of(as_of)
    places = list(
        tree.placements()
        .filter(unit__kind__in=ROLLUP_KINDS)
        .values_list("unit_id", "path", "unit__kind")
    )
    school_paths = {uid: path for uid, path, kind in places if kind == UnitKind.SCHOOL}
    unit_ids = [uid for uid, _p, _k in places]
    school_ids = tuple(sorted(school_paths))
    unit_paths = {uid: path for uid, path, _k in places}
    ctx = QueryContext(
        school_ids=school_ids,
        year=year,
        as_of=as_of,
        units={uid: (path, kind) for uid, path, kind in places},
    )
    reported = _self_reported(year)
    now = timezone.now()
    rows: list[IndicatorValue] = []
    for ind in Indicator.objects.all():
        per_school: dict[int, tuple] = {}
        query = query_for(ind.code, ind.query)
        school_level = "school" in (ind.levels or [])
        rollup = getattr(query, "rollup", True)
        if query is not None:
            for sid, (num, den) in query(ctx).items():
                if sid in unit_paths:  # schools, and offices holding data of their own
                    per_school[sid] = (Decimal(num), Decimal(den), Provenance.COMPUTED)
        elif school_level:
            for sid in school_ids:
                pair = reported.get(sid, {}).get(ind.code)
                if pair is not None:
                    per_school[sid] = (*pair, Provenance.SELF_REPORTED)
        totals: dict[int, list] = {}
        if query is not None and not rollup:  # each unit's own computed value
            for uid, (num, den, prov) in per_school.items():
                totals[uid] = [num, den, {prov}, 0]
        elif school_level or query is not None:
            for sid, (num, den, prov) in per_school.items():
                path = unit_paths[sid]
                is_school = sid in school_paths
                for i in range(0, len(path), SEGMENT):
                    uid = int(path[i : i + SEGMENT])
                    t = totals.setdefault(uid, [Decimal(0), Decimal(0), set(), 0])
                    t[0] += num
                    t[1] += den
                    t[2].add(prov)
                    t[3] += is_school
        else:  # an office-level indicator: each unit's own report
            for uid in unit_ids:
                pair = reported.get(uid, {}).get(ind.code)
                if pair is not None:
                    totals[uid] = [pair[0], pair[1], {Provenance.SELF_REPORTED}, 0]
        for uid in unit_ids:
            t = totals.get(uid)
            if uid in school_paths and not school_level:
                continue  # an office-level indicator has no school rows
            if t is None:
                rows.append(
                    IndicatorValue(
                        indicator=ind,
                        unit_id=uid,
                        year=year,
                        as_of=as_of,
                        provenance=Provenance.MISSING,
                        computed_at=now,
                    )  # fmt: skip
                )
                continue
            rows.append(
                IndicatorValue(
                    indicator=ind,
                    unit_id=uid,
                    year=year,
                    as_of=as_of,
                    numerator=t[0],
                    denominator=t[1],
                    value=_percent(t[0], t[1]),
                    provenance=_combine(t[2]),
                    schools=t[3],
                    computed_at=now,
                )  # fmt: skip
            )
    with transaction.atomic():
        IndicatorValue.objects.filter(year=year).delete()
        IndicatorValue.objects.bulk_create(rows, batch_size=2000)
        # Now (this process) and again after commit (a dashboard cached in between from
        # the old rows is not read afterwards).
        _bump_generation()
        transaction.on_commit(_bump_generation)
    return len(rows)
