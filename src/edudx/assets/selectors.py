"""Every read of the asset register that crosses a permission line; each takes the acting user.

Who reads a school's rooms, items and stock-takes: the unit-wide roles at or above it
(officers, principal, clerks: `scope.unit_paths`) and the system. Who writes them: the
school's principal and clerks (a role at the school or a unit above it held by a principal
or clerk), and the system. Outside the scope a school, room, item or check is a 404, so its
existence does not leak; in scope but read-only (an officer) is a 403."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.core.api_errors import Forbidden
from edudx.core.errors import NotFound
from edudx.core.scope import Scope, scope_of
from edudx.core.text import fold
from edudx.org.models import OrgUnit, path_upper

from .models import (
    USABLE_CONDITIONS,
    AssetCategory,
    AssetItem,
    Condition,
    InventoryCheck,
    InventoryResult,
    Room,
)

WRITE_ROLES = (Role.PRINCIPAL, Role.CLERK)


def _unit_q(scope: Scope, prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for p in scope.unit_paths:
        q |= Q(**{f"{prefix}path__gte": p, f"{prefix}path__lt": path_upper(p)})
    return q


def _scoped(qs: QuerySet, actor, field: str = "school") -> QuerySet:
    scope = scope_of(actor)
    if scope.everything:
        return qs
    return qs.filter(_unit_q(scope, f"{field}__" if field else ""))


# --- schools and who writes ------------------------------------------------------------------


def schools_for(actor, *, limit: int = 500) -> list[OrgUnit]:
    """Schools whose register the actor reads, by name (the picker)."""
    scope = scope_of(actor)
    qs = OrgUnit.objects.filter(school__isnull=False, valid_to__isnull=True)
    if not scope.everything:
        if not scope.unit_paths:
            return []
        qs = qs.filter(_unit_q(scope))
    return list(qs.order_by("name", "id")[:limit])


def school_get(*, actor, school_id: int | None) -> OrgUnit:
    qs = _scoped(OrgUnit.objects.filter(pk=school_id, school__isnull=False), actor, "")
    unit = qs.first() if school_id else None
    if unit is None:
        raise NotFound("school.not_found", _("Không tìm thấy trường."))
    return unit


def may_write(actor, school: OrgUnit) -> bool:
    """Principal or clerk at the school or a unit above it, or the system."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if scope_of(actor).everything:
        return True
    paths = actor.__dict__.get("_assets_write_paths")
    if paths is None:
        paths = actor.__dict__["_assets_write_paths"] = tuple(
            RoleAssignment.objects.filter(
                user=actor, role__in=WRITE_ROLES, unit__valid_to__isnull=True
            ).values_list("unit__path", flat=True)
        )
    return any(school.path.startswith(p) for p in paths)


def require_write(actor, school: OrgUnit) -> None:
    if not may_write(actor, school):
        raise Forbidden(
            "assets.forbidden",
            _("Chỉ hiệu trưởng và kế toán/văn thư của trường được cập nhật sổ tài sản."),
        )


def school_for_write(*, actor, school_id: int | None) -> OrgUnit:
    school = school_get(actor=actor, school_id=school_id)
    require_write(actor, school)
    return school


# --- categories and rooms --------------------------------------------------------------------


def categories() -> list[AssetCategory]:
    """Every category, in the data file's order (loaded on first use)."""
    rows = list(AssetCategory.objects.all())
    if not rows:
        from .services import categories_sync  # noqa: PLC0415 — loads the data file once

        categories_sync()
        rows = list(AssetCategory.objects.all())
    return rows


def room_list(*, actor, school_id: int | None = None, kind: str | None = None) -> QuerySet[Room]:
    qs = _scoped(Room.objects.select_related("school"), actor)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(
        n_items=Count("items", filter=~Q(items__condition=Condition.DISPOSED))
    ).order_by("school__name", "search_name", "id")


def room_get(*, actor, room_id: int) -> Room:
    room = _scoped(Room.objects.select_related("school"), actor).filter(pk=room_id).first()
    if room is None:
        raise NotFound("room.not_found", _("Không tìm thấy phòng."))
    return room


def rooms_of(school: OrgUnit) -> list[Room]:
    return list(Room.objects.filter(school=school).order_by("search_name", "id"))


# --- items -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFilters:
    school_id: int | None = None
    room_id: int | None = None
    category_id: int | None = None
    condition: str | None = None  # "" = on the register (not disposed); "all" = every item
    q: str = ""
    ict: bool | None = None


def item_list(*, actor, filters: ItemFilters) -> QuerySet[AssetItem]:
    qs = _scoped(AssetItem.objects.select_related("school", "room", "category"), actor)
    f = filters
    if f.school_id:
        qs = qs.filter(school_id=f.school_id)
    if f.room_id:
        qs = qs.filter(room_id=f.room_id)
    if f.category_id:
        qs = qs.filter(category_id=f.category_id)
    if f.condition == "all":
        pass
    elif f.condition:
        qs = qs.filter(condition=f.condition)
    else:
        qs = qs.exclude(condition=Condition.DISPOSED)
    if f.ict is not None:
        qs = qs.filter(category__is_ict=f.ict)
    for word in fold(f.q).split():
        qs = qs.filter(search_text__contains=word)
    return qs.order_by("school__name", "tag", "id")


def item_get(*, actor, item_id: int) -> AssetItem:
    qs = _scoped(AssetItem.objects.select_related("school", "room", "category"), actor)
    item = qs.filter(pk=item_id).first()
    if item is None:
        raise NotFound("asset.not_found", _("Không tìm thấy tài sản."))
    return item


def item_history(item: AssetItem) -> list[InventoryResult]:
    """The item's stock-take results, newest first (the item page; the caller read it)."""
    return list(
        InventoryResult.objects.filter(item=item)
        .select_related("inventory")
        .order_by("-inventory__check_date", "-id")[:20]
    )


# --- stock-takes -----------------------------------------------------------------------------


def check_get(*, actor, check_id: int) -> InventoryCheck:
    qs = _scoped(InventoryCheck.objects.select_related("school"), actor)
    check = qs.filter(pk=check_id).first()
    if check is None:
        raise NotFound("inventory.not_found", _("Không tìm thấy đợt kiểm kê."))
    return check


def checks_of(school: OrgUnit, *, limit: int = 20) -> list[InventoryCheck]:
    return list(
        InventoryCheck.objects.filter(school=school)
        .annotate(
            n_results=Count("results"),
            n_found=Count("results", filter=Q(results__found=True)),
        )
        .order_by("-check_date", "-id")[:limit]
    )


def open_check(school: OrgUnit) -> InventoryCheck | None:
    return InventoryCheck.objects.filter(school=school, closed_at__isnull=True).first()


def check_rooms(check: InventoryCheck) -> list[dict]:
    """The check's walk, room by room: each room of the school with items on the register
    (and "no room" last, when items have none), with how many are ticked so far."""
    items = (
        AssetItem.objects.filter(school_id=check.school_id)
        .exclude(condition=Condition.DISPOSED)
        .order_by()
        .values("room_id")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(results__inventory=check)),
        )
    )
    counts = {r["room_id"]: (r["n"], r["done"]) for r in items}
    out = [
        {"room": room, "key": str(room.pk), "n": counts[room.pk][0], "done": counts[room.pk][1]}
        for room in rooms_of(check.school)
        if room.pk in counts
    ]
    if None in counts:
        out.append({"room": None, "key": "none", "n": counts[None][0], "done": counts[None][1]})
    return out


def check_room_items(check: InventoryCheck, room_id: int | None) -> list[AssetItem]:
    """The items of one room (None: without a room) on the register, each with `.result`
    (this check's result or None)."""
    items = list(
        AssetItem.objects.filter(school_id=check.school_id, room_id=room_id)
        .exclude(condition=Condition.DISPOSED)
        .select_related("category")
        .order_by("tag", "id")
    )
    results = {
        r.item_id: r
        for r in InventoryResult.objects.filter(inventory=check, item__in=[i.pk for i in items])
    }
    for item in items:
        item.result = results.get(item.pk)
    return items


# --- counts: T11 and the officers' summary ---------------------------------------------------


def school_year_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The school year a day falls in, as monitoring reads it: 1/9 to 31/8."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)


def complete_q() -> Q:
    """A complete digital record: category and tag (always, by the model), a room or a
    location, the date it came into use and its original value."""
    return Q(acquired_on__isnull=False, value__isnull=False) & (
        Q(room__isnull=False) | ~Q(location="")
    )


def register_counts(school_ids, *, start: dt.date, end: dt.date) -> dict[int, dict]:
    """Per school with items on its register during [start, end]: {items, complete,
    checked (found in a closed stock-take dated in the window), recorded (complete and
    checked: T11's numerator), value (đồng), computers (usable teaching computers: good or
    needing repair, the yearly report's rule)}. An item is on the register when it came into
    use by `end` (or its date is unknown) and was not disposed by `end`. One GROUP BY for
    every school."""
    seen = InventoryResult.objects.filter(
        item=OuterRef("pk"),
        found=True,
        inventory__closed_at__isnull=False,
        inventory__check_date__gte=start,
        inventory__check_date__lte=end,
    )
    rows = (
        AssetItem.objects.filter(school_id__in=list(school_ids))
        .filter(Q(acquired_on__isnull=True) | Q(acquired_on__lte=end))
        .exclude(condition=Condition.DISPOSED, disposed_on__lte=end)
        .annotate(seen=Exists(seen))
        .order_by()
        .values("school_id")
        .annotate(
            items=Count("id"),
            complete=Count("id", filter=complete_q()),
            checked=Count("id", filter=Q(seen=True)),
            recorded=Count("id", filter=complete_q() & Q(seen=True)),
            value=Sum("value"),
            computers=Count(
                "id",
                filter=Q(category__teaching_computer=True, condition__in=USABLE_CONDITIONS),
            ),
        )
    )
    return {r.pop("school_id"): {**r, "value": r["value"] or 0} for r in rows}


def teaching_computers_in_use(school: OrgUnit, *, on: dt.date) -> int | None:
    """The school's teaching computers (`AssetCategory.teaching_computer`) in use on `on`:
    put into use by then (or undated) and usable — in good condition or needing repair (it
    still works), neither broken nor disposed (`USABLE_CONDITIONS`). The condition is
    today's: the register keeps no history of it, so a computer disposed after `on` no
    longer counts for `on`. None when the register has no teaching-computer line at all
    (not typed in yet: the register cannot tell, which is not 0). Scope is the caller's
    (the yearly report's own check). One query, by `asset_school_cond`."""
    c = AssetItem.objects.filter(school=school, category__teaching_computer=True).aggregate(
        lines=Count("id"),
        usable=Count(
            "id",
            filter=Q(condition__in=USABLE_CONDITIONS)
            & (Q(acquired_on__isnull=True) | Q(acquired_on__lte=on)),
        ),
    )
    return c["usable"] if c["lines"] else None


def summary(*, actor, day: dt.date | None = None) -> list[dict]:
    """The officers' page: every school in the actor's scope with its register counts for
    the school year of `day` (today by default), by school name; schools with an empty
    register show zeros."""
    start, end = school_year_bounds(day or timezone.localdate())
    schools = schools_for(actor)
    counts = register_counts([s.pk for s in schools], start=start, end=end)
    empty = {"items": 0, "complete": 0, "checked": 0, "recorded": 0, "value": 0, "computers": 0}
    out = []
    for s in schools:
        c = counts.get(s.pk, empty)
        share = round(100 * c["checked"] / c["items"]) if c["items"] else None
        t11 = round(100 * c["recorded"] / c["items"]) if c["items"] else None
        out.append({"school": s, **c, "checked_share": share, "t11_share": t11})
    return out
