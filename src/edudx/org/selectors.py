"""Reads of the organisation tree. The tree itself is not personal data: every signed-in
user may browse it; what hangs under it (people) is scoped in people.selectors."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.core.errors import NotFound

from .models import SEGMENT, OrgPlacement, OrgUnit, School, SchoolYear, UnitKind, path_upper
from .services import active_q


def subtree(unit: OrgUnit, *, include_self: bool = True) -> QuerySet[OrgUnit]:
    """Everything under `unit` now: one range scan on index org_unit_path."""
    qs = OrgUnit.objects.filter(path__gte=unit.path, path__lt=path_upper(unit.path))
    return qs if include_self else qs.exclude(pk=unit.pk)


def subtree_q(paths, field: str = "path") -> Q:
    """Q matching rows whose `field` lies under any of `paths`."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__gte": p, f"{field}__lt": path_upper(p)})
    return q


def unit_get(*, unit_id: int) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=unit_id).select_related("parent").first()
    if unit is None:
        raise NotFound("org.not_found", _("Không tìm thấy đơn vị."))
    return unit


@dataclass(frozen=True)
class TreeAsOf:
    """The tree as it stood on `day` (the 2025 reform moved whole subtrees)."""

    day: dt.date

    def placements(self) -> QuerySet[OrgPlacement]:
        return OrgPlacement.objects.filter(active_q(self.day)).select_related("unit")

    def placement(self, unit: OrgUnit) -> OrgPlacement | None:
        return self.placements().filter(unit=unit).first()

    def parent(self, unit: OrgUnit) -> OrgUnit | None:
        p = self.placement(unit)
        return p.parent if p and p.parent_id else None

    def children(self, unit: OrgUnit | None) -> list[OrgUnit]:
        qs = (
            self.placements().filter(parent=unit)
            if unit
            else self.placements().filter(parent__isnull=True)
        )
        return [p.unit for p in qs.order_by("unit__kind", "unit__name")]

    def subtree(self, unit: OrgUnit, *, include_self: bool = True) -> QuerySet[OrgUnit]:
        """Units under `unit` on `day`: one range scan on index org_place_path_valid."""
        p = self.placement(unit)
        if p is None:
            return OrgUnit.objects.none()
        ids = OrgPlacement.objects.filter(
            active_q(self.day), path__gte=p.path, path__lt=path_upper(p.path)
        ).values("unit_id")
        qs = OrgUnit.objects.filter(pk__in=ids)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def ancestors(self, unit: OrgUnit) -> list[OrgUnit]:
        out, cur = [], self.parent(unit)
        while cur is not None:
            out.append(cur)
            cur = self.parent(cur)
        return list(reversed(out))


def as_of(day: dt.date) -> TreeAsOf:
    return TreeAsOf(day)


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """Current ancestors, root first, from the path: one query."""
    return path_ancestors(unit.path)


def path_ancestors(path: str) -> list[OrgUnit]:
    """The units a path names above its last segment, root first: one query. With a
    placement's path, the ancestors on that placement's day."""
    seg = SEGMENT
    ids = [int(path[i : i + seg]) for i in range(0, len(path) - seg, seg)]
    by_id = OrgUnit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def schools_under(unit: OrgUnit) -> QuerySet[School]:
    return School.objects.filter(
        unit__in=subtree(unit).filter(kind=UnitKind.SCHOOL)
    ).select_related("unit")


def school_year_current(day: dt.date | None = None) -> SchoolYear | None:
    """The school year `day` (default today) falls in. Between two years, the one that ended
    last — not next year's, which admissions create months before it starts and which has no
    class yet; before any year has started, the first. One query."""
    day = day or timezone.localdate()
    return (
        SchoolYear.objects.filter(start_date__lte=day).order_by("-start_date").first()
        or SchoolYear.objects.order_by("start_date").first()
    )
