"""Every read of IoT data that crosses a permission line; each takes the acting user.

Who reads a school's devices, readings and incidents: the unit-wide roles at the school or
above it (principal, clerks, commune and province officers: `scope.unit_paths`) and the
system. Outside the scope a device, school or incident is a 404, so its existence does not
leak. Who registers and edits devices: the school's principal and clerks (`may_manage`).
Who acknowledges an incident: anyone who reads it. Who writes rules: a principal for their
school, an officer for their own unit (`rule_units`), the system for the built-ins."""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.core.errors import NotFound
from edudx.core.scope import Scope, scope_of
from edudx.org.models import OrgUnit, ancestor_paths, path_upper

from . import rules as rule_logic
from .models import Device, Incident, Reading, ReadingRollup, Rule

MANAGE_ROLES = (Role.PRINCIPAL, Role.CLERK)
RULE_ROLES = (Role.PRINCIPAL, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)
SILENT_AFTER = dt.timedelta(hours=1)


def _paths_q(scope: Scope, prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for p in scope.unit_paths:
        q |= Q(**{f"{prefix}path__gte": p, f"{prefix}path__lt": path_upper(p)})
    return q


def _scoped(qs: QuerySet, actor, prefix: str) -> QuerySet:
    scope = scope_of(actor)
    if scope.everything:
        return qs
    return qs.filter(_paths_q(scope, prefix))


def school_get(*, actor, school_id: int) -> OrgUnit:
    qs = _scoped(OrgUnit.objects.filter(pk=school_id, school__isnull=False), actor, "")
    unit = qs.first()
    if unit is None:
        raise NotFound("school.not_found", _("Không tìm thấy trường."))
    return unit


def schools_of(actor) -> list[OrgUnit]:
    """The open schools in the actor's scope that have devices, by name (officers' picker);
    for a principal or clerk also their own school without devices yet."""
    with_devices = _scoped(
        OrgUnit.objects.filter(school__isnull=False, iot_devices__isnull=False), actor, ""
    ).distinct()
    own = _scoped(
        OrgUnit.objects.filter(
            school__isnull=False,
            valid_to__isnull=True,
            pk__in=RoleAssignment.objects.filter(
                user_id=getattr(actor, "pk", None), role__in=MANAGE_ROLES
            ).values("unit_id"),
        ),
        actor,
        "",
    )
    return sorted(set(with_devices) | set(own), key=lambda u: (u.name, u.pk))


def may_manage(actor, school: OrgUnit) -> bool:
    """Principal or clerk at the school or a unit above it, or the system."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if scope_of(actor).everything:
        return True
    paths = actor.__dict__.get("_iot_manage_paths")
    if paths is None:
        paths = actor.__dict__["_iot_manage_paths"] = tuple(
            RoleAssignment.objects.filter(
                user=actor, role__in=MANAGE_ROLES, unit__valid_to__isnull=True
            ).values_list("unit__path", flat=True)
        )
    return any(school.path.startswith(p) for p in paths)


def device_list(*, actor, school_id: int | None = None) -> QuerySet[Device]:
    qs = _scoped(Device.objects.select_related("school"), actor, "school__")
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs.order_by("school__name", "name", "id")


def device_get(*, actor, device_pk: int) -> Device:
    device = device_list(actor=actor).filter(pk=device_pk).first()
    if device is None:
        raise NotFound("iot.device_not_found", _("Không tìm thấy thiết bị."))
    return device


def open_incident_device_ids(device_ids) -> set[int]:
    return set(
        Incident.objects.filter(device_id__in=list(device_ids), closed_at__isnull=True)
        .values_list("device_id", flat=True)
        .distinct()
    )


def device_status(device: Device, open_ids: set[int], now: dt.datetime) -> str:
    """ "inactive", "incident" (an incident is open), "silent" (nothing heard for over an
    hour) or "ok"."""
    if not device.active:
        return "inactive"
    if device.pk in open_ids:
        return "incident"
    if device.last_seen_at is None or now - device.last_seen_at > SILENT_AFTER:
        return "silent"
    return "ok"


def with_status(devices: list[Device], now: dt.datetime | None = None) -> list[Device]:
    """Set `.status` on each device: one query for all of them."""
    now = now or timezone.now()
    open_ids = open_incident_device_ids(d.pk for d in devices)
    for d in devices:
        d.status = device_status(d, open_ids, now)
    return devices


@dataclass
class SchoolSummary:
    school: OrgUnit
    devices: int
    silent: int
    open_incidents: int


def school_summaries(*, actor, now: dt.datetime | None = None) -> list[SchoolSummary]:
    """Per school in the actor's scope that has devices: how many, how many active ones are
    silent, how many incidents are open. Three queries, whatever the number of schools."""
    now = now or timezone.now()
    devices = device_list(actor=actor).order_by()
    counts = {
        row["school_id"]: row
        for row in devices.values("school_id").annotate(
            n=Count("id"),
            silent=Count(
                "id",
                filter=Q(active=True)
                & (Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - SILENT_AFTER)),
            ),
        )
    }
    incidents = dict(
        Incident.objects.filter(device__in=devices, closed_at__isnull=True)
        .values_list("device__school_id")
        .annotate(n=Count("id"))
        .values_list("device__school_id", "n")
    )
    schools = OrgUnit.objects.filter(pk__in=list(counts)).order_by("name", "pk")
    return [
        SchoolSummary(
            school=s,
            devices=counts[s.pk]["n"],
            silent=counts[s.pk]["silent"],
            open_incidents=incidents.get(s.pk, 0),
        )
        for s in schools
    ]


def incident_list(
    *, actor, school_id: int | None = None, open_only: bool = False
) -> QuerySet[Incident]:
    qs = _scoped(
        Incident.objects.select_related("rule", "device__school", "acknowledged_by"),
        actor,
        "device__school__",
    )
    if school_id:
        qs = qs.filter(device__school_id=school_id)
    if open_only:
        qs = qs.filter(closed_at__isnull=True)
    return qs.order_by("-opened_at", "-id")


def incident_get(*, actor, incident_pk: int) -> Incident:
    incident = incident_list(actor=actor).filter(pk=incident_pk).first()
    if incident is None:
        raise NotFound("iot.incident_not_found", _("Không tìm thấy sự cố."))
    return incident


class Point(NamedTuple):
    """A reading, or a rollup of an hour's readings (services.readings_compact): its mean
    at the bucket's start, with how many readings it stands for and their extremes."""

    measured_at: dt.datetime
    value: float
    count: int | None = None  # rollups only
    min: float | None = None
    max: float | None = None

    @property
    def rollup(self) -> bool:
        return self.count is not None


def readings_series(
    *, device: Device, metric: str, since: dt.datetime, until: dt.datetime, limit: int = 5000
) -> list[Point]:
    """Points ascending over [since, until]: the raw readings (a range on iot_reading_key)
    and, where they were compacted, the rollups whose bucket starts in the range (a range on
    iot_rollup_key). Compaction deletes the readings of every bucket it rolls up, so the two
    do not overlap; a range younger than the raw retention has no rollup."""
    rollups = [
        Point(start, total / count, count, low, high)
        for start, count, low, high, total in ReadingRollup.objects.filter(
            device=device, metric=metric, bucket_start__gte=since, bucket_start__lte=until
        )
        .order_by("bucket_start")
        .values_list("bucket_start", "count", "min_value", "max_value", "total")[:limit]
    ]
    raw = [
        Point(t, v)
        for t, v in Reading.objects.filter(
            device=device, metric=metric, measured_at__gte=since, measured_at__lte=until
        )
        .order_by("measured_at")
        .values_list("measured_at", "value")[:limit]
    ]
    return sorted(rollups + raw, key=lambda p: p.measured_at)[:limit]


# --- rules -------------------------------------------------------------------------------


def rules_around(unit: OrgUnit) -> QuerySet[Rule]:
    """Built-in rules and the rules of `unit` and every unit above it."""
    return Rule.objects.filter(
        Q(unit__isnull=True) | Q(unit__path__in=ancestor_paths(unit.path))
    ).select_related("unit")


def effective_rules(school: OrgUnit, device_kind: str) -> list[Rule]:
    """The rules that apply to a device of `device_kind` at `school` (rules.effective)."""
    candidates = list(rules_around(school))
    views = [
        rule_logic.RuleView(
            id=r.pk,
            depth=r.unit.depth if r.unit_id else -1,
            device_kind=r.device_kind,
            metric=r.metric,
            comparison=r.comparison,
            active=r.active,
        )
        for r in candidates
    ]
    ids = set(rule_logic.effective(views, device_kind))
    return [r for r in candidates if r.pk in ids]


def rule_units(actor) -> list[OrgUnit]:
    """The units whose rules the actor writes: where they are principal or officer."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        OrgUnit.objects.filter(
            valid_to__isnull=True,
            pk__in=RoleAssignment.objects.filter(user=actor, role__in=RULE_ROLES).values("unit_id"),
        ).order_by("path")
    )


def may_edit_builtin(actor) -> bool:
    return scope_of(actor).everything


def rule_get_for_edit(*, actor, rule_pk: int) -> Rule:
    """A rule the actor may change: of one of their `rule_units`; a built-in for the system."""
    rule = Rule.objects.select_related("unit").filter(pk=rule_pk).first()
    allowed = rule is not None and (
        (rule.unit_id is None and may_edit_builtin(actor))
        or (rule.unit_id is not None and rule.unit_id in {u.pk for u in rule_units(actor)})
        or (rule.unit_id is not None and scope_of(actor).everything)
    )
    if not allowed:
        raise NotFound("iot.rule_not_found", _("Không tìm thấy quy tắc."))
    return rule


def rules_visible(*, actor, unit: OrgUnit | None) -> QuerySet[Rule]:
    """Built-ins plus the rules of `unit`, the units above it and (officers) below it."""
    if unit is None:
        return Rule.objects.filter(unit__isnull=True).select_related("unit")
    return Rule.objects.filter(
        Q(unit__isnull=True)
        | Q(unit__path__in=ancestor_paths(unit.path))
        | Q(unit__path__gte=unit.path, unit__path__lt=path_upper(unit.path))
    ).select_related("unit")
