"""The organisation tree browser. `?as_of=dd/mm/yyyy` shows the tree as it stood on that day
(the July 2025 reform re-parented whole subtrees; earlier reports use the old tree)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from edudx.core.errors import NotFound
from edudx.core.scope import scope_of
from edudx.monitoring.selectors import students_under
from edudx.org import selectors
from edudx.org.models import ClassGroup, OrgUnit, UnitKind
from edudx.people.selectors import school_counts, unit_visible

# Shortcuts under the date picker: the day before and the day of the 2025 reform.
REFORM_DAY = dt.date(2025, 7, 1)


def parse_day(raw: str | None) -> tuple[dt.date | None, bool]:
    """(day, valid) from dd/mm/yyyy (or yyyy-mm-dd); (None, True) when absent."""
    raw = (raw or "").strip()
    if not raw:
        return None, True
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw, fmt).date(), True  # noqa: DTZ007 — a date
        except ValueError:
            continue
    return None, False


def _tree_context(request) -> dict:
    day, valid = parse_day(request.GET.get("as_of"))
    today = timezone.localdate()
    return {
        "as_of": day,
        "as_of_invalid": not valid,
        "day": day or today,
        "as_of_raw": request.GET.get("as_of", ""),
        "presets": [REFORM_DAY - dt.timedelta(days=1), REFORM_DAY],
        "today": today,
    }


def _rows(tree: selectors.TreeAsOf, children: list[OrgUnit]) -> list[dict]:
    counts = students_under(tree, children)
    return [{"unit": u, "students": counts.get(u.pk, 0)} for u in children]


@login_required
def index(request):
    ctx = _tree_context(request)
    tree = selectors.as_of(ctx["day"])
    ctx["rows"] = _rows(tree, tree.children(None))
    return render(request, "org/index.html", ctx)


def _school_context(request, unit: OrgUnit, today: dt.date) -> dict:
    school = getattr(unit, "school", None)
    year = selectors.school_year_current(today)
    classes = []
    if year is not None:
        classes = list(
            ClassGroup.objects.filter(school=unit, school_year=year)
            .select_related("grade")
            .annotate(students=Count("enrolments", filter=Q(enrolments__end_date__isnull=True)))
            .order_by("grade__number", "name")
        )
    scope = scope_of(request.user)
    return {
        "school": school,
        "counts": school_counts(unit),
        "year": year,
        "classes": classes,
        "taught_ids": scope.class_ids,
        "can_list_students": unit_visible(actor=request.user, unit=unit),
    }


@login_required
def unit_detail(request, unit_id: int):
    try:
        unit = selectors.unit_get(unit_id=unit_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    ctx = _tree_context(request)
    tree = selectors.as_of(ctx["day"])
    if ctx["as_of"] is None:
        ancestors = selectors.ancestors(unit)
        exists = unit.is_active_on(ctx["day"])
    else:
        exists = tree.placement(unit) is not None
        ancestors = tree.ancestors(unit) if exists else selectors.ancestors(unit)
    children = tree.children(unit) if exists else []
    if not exists and unit.valid_to:
        ctx["last_day"] = unit.valid_to - dt.timedelta(days=1)
    elif not exists and unit.valid_from:
        ctx["first_day"] = unit.valid_from
    ctx.update(
        {
            "unit": unit,
            "exists": exists,
            "ancestors": ancestors,
            "rows": _rows(tree, children),
            "is_school": unit.kind == UnitKind.SCHOOL,
        }
    )
    if ctx["is_school"]:
        ctx.update(_school_context(request, unit, ctx["today"]))
    return render(request, "org/unit.html", ctx)
