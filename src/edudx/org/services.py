"""Every write to the organisation tree."""

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import audit_record, diff
from edudx.core import events
from edudx.core.errors import DomainError
from edudx.core.text import clean_name, fold
from edudx.core.validators import validate_admin_code, validate_school_code

from .models import (
    ADMIN_KINDS,
    SEGMENT,
    ClassGroup,
    Grade,
    OrgPlacement,
    OrgUnit,
    School,
    SchoolYear,
    Term,
    UnitKind,
    path_upper,
)

# Which kinds may sit under which: keeps the tree meaningful (no school under a school).
ALLOWED_PARENTS = {
    UnitKind.MINISTRY: {None},
    UnitKind.PROVINCE: {UnitKind.MINISTRY},
    UnitKind.DISTRICT: {UnitKind.PROVINCE},
    UnitKind.COMMUNE: {UnitKind.DISTRICT, UnitKind.PROVINCE},
    UnitKind.DEPARTMENT: {UnitKind.PROVINCE},
    UnitKind.DISTRICT_OFFICE: {UnitKind.DISTRICT},
    UnitKind.COMMUNE_OFFICE: {UnitKind.COMMUNE},
    UnitKind.SCHOOL: {UnitKind.COMMUNE, UnitKind.DISTRICT, UnitKind.PROVINCE},
}


def _check_code(kind: str, code: str) -> str:
    if kind in ADMIN_KINDS:
        return validate_admin_code(kind, code)
    if kind == UnitKind.SCHOOL and code:
        return validate_school_code(code)
    return (code or "").strip()


def _check_parent(kind: str, parent: OrgUnit | None) -> None:
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENTS[UnitKind(kind)]:
        raise DomainError(
            "org.parent_kind",
            _("Không thể đặt đơn vị loại %(kind)s dưới %(parent)s.")
            % {"kind": UnitKind(kind).label, "parent": parent.name if parent else _("gốc cây")},
            field="parent",
        )


def unit_create(
    *,
    actor,
    kind: str,
    name: str,
    code: str = "",
    parent: OrgUnit | None = None,
    valid_from: dt.date | None = None,
) -> OrgUnit:
    name = clean_name(name)
    if not name:
        raise DomainError("org.name", _("Tên đơn vị không được để trống."), field="name")
    code = _check_code(kind, code)
    _check_parent(kind, parent)
    if code and OrgUnit.objects.filter(kind=kind, code=code, valid_to__isnull=True).exists():
        raise DomainError(
            "org.code_taken",
            _("Mã %(code)s đã được dùng cho một đơn vị khác.") % {"code": code},
            field="code",
        )
    with transaction.atomic():
        unit = OrgUnit.objects.create(
            kind=kind,
            name=name,
            search_name=fold(name),
            code=code,
            parent=parent,
            # Placeholder until the id is known: unique, and short whatever the name's length.
            path=f"tmp-{uuid.uuid4().hex}",
            depth=(parent.depth + 1) if parent else 0,
            valid_from=valid_from,
        )
        unit.path = (parent.path if parent else "") + str(unit.pk).zfill(SEGMENT)
        OrgUnit.objects.filter(pk=unit.pk).update(path=unit.path)
        OrgPlacement.objects.create(
            unit=unit, parent=parent, path=unit.path, depth=unit.depth, valid_from=valid_from
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="org.unit",
            object_id=unit.pk,
            object_repr=name,
            changes={"kind": kind, "code": code},
        )
        events.emit("org.unit_created", {"unit": unit.pk, "source_id": str(unit.source_id)})
    return unit


def school_create(
    *,
    actor,
    name: str,
    code: str,
    parent: OrgUnit,
    level: str,
    ownership: str = "public",
    commune: OrgUnit | None = None,
    latitude=None,
    longitude=None,
    address: str = "",
    valid_from: dt.date | None = None,
) -> School:
    with transaction.atomic():
        unit = unit_create(
            actor=actor,
            kind=UnitKind.SCHOOL,
            name=name,
            code=code,
            parent=parent,
            valid_from=valid_from,
        )
        if commune is None and parent.kind == UnitKind.COMMUNE:
            commune = parent
        return School.objects.create(
            unit=unit,
            level=level,
            ownership=ownership,
            commune=commune,
            latitude=latitude,
            longitude=longitude,
            address=address,
        )


def unit_reparent(
    *, actor, unit: OrgUnit, new_parent: OrgUnit, effective: dt.date, reason: str = ""
) -> int:
    """Move `unit` and its whole subtree under `new_parent` from `effective` on. History
    keeps the old placement for dates before it. Returns how many units moved."""
    unit = OrgUnit.objects.get(pk=unit.pk)
    new_parent = OrgUnit.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(unit.path):
        raise DomainError(
            "org.cycle",
            _("Không thể chuyển %(unit)s vào chính nó hoặc đơn vị cấp dưới (%(parent)s).")
            % {"unit": unit.name, "parent": new_parent.name},
            field="parent",
        )
    _check_parent(unit.kind, new_parent)
    if not new_parent.is_active_on(effective):
        raise DomainError(
            "org.parent_inactive",
            _("Đơn vị %(parent)s không còn hoạt động vào ngày %(d)s.")
            % {"parent": new_parent.name, "d": effective.strftime("%d/%m/%Y")},
            field="parent",
        )
    with transaction.atomic():
        subtree = list(
            OrgUnit.objects.select_for_update()
            .filter(path__gte=unit.path, path__lt=path_upper(unit.path))
            .order_by("path")
        )
        ids = [u.pk for u in subtree]
        open_places = OrgPlacement.objects.filter(unit_id__in=ids, valid_to__isnull=True)
        if open_places.filter(valid_from__gt=effective).exists():
            raise DomainError(
                "org.effective_date",
                _("Ngày hiệu lực %(d)s sớm hơn lần thay đổi gần nhất.")
                % {"d": effective.strftime("%d/%m/%Y")},
                field="effective",
            )
        # A placement that starts on the effective day is replaced, not closed.
        open_places.filter(valid_from=effective).delete()
        open_places.update(valid_to=effective)
        old_prefix, new_prefix = unit.path, new_parent.path + unit.path[-SEGMENT:]
        depth_shift = (new_parent.depth + 1) - unit.depth
        placements = []
        # bulk_update skips auto_now: set updated_at so incremental sync sees the move.
        now = timezone.now()
        for u in subtree:
            u.updated_at = now
            u.path = new_prefix + u.path[len(old_prefix) :]
            u.depth += depth_shift
            if u.pk == unit.pk:
                u.parent = new_parent
            placements.append(
                OrgPlacement(
                    unit=u, parent_id=u.parent_id, path=u.path, depth=u.depth, valid_from=effective
                )
            )
        # Paths are unique: move through a temporary prefix to avoid transient clashes.
        for u in subtree:
            OrgUnit.objects.filter(pk=u.pk).update(path="x" + u.path)
        OrgUnit.objects.bulk_update(
            subtree, ["path", "depth", "parent", "updated_at"], batch_size=500
        )
        OrgPlacement.objects.bulk_create(placements, batch_size=500)
        audit_record(
            actor=actor,
            action="update",
            object_type="org.unit",
            object_id=unit.pk,
            object_repr=unit.name,
            reason=reason,
            changes={
                "parent": [str(unit.parent_id), str(new_parent.pk)],
                "effective": effective.isoformat(),
            },
        )
        events.emit(
            "org.unit_reparented",
            {"unit": unit.pk, "parent": new_parent.pk, "effective": effective.isoformat()},
        )
    return len(subtree)


def unit_update(
    *, actor, unit: OrgUnit, name: str | None = None, code: str | None = None, reason: str = ""
) -> OrgUnit:
    """Rename a unit or correct its official code (validated as on creation)."""
    unit = OrgUnit.objects.get(pk=unit.pk)
    before = {"name": unit.name, "code": unit.code}
    if name is not None:
        name = clean_name(name)
        if not name:
            raise DomainError("org.name", _("Tên đơn vị không được để trống."), field="name")
        unit.name, unit.search_name = name, fold(name)
    if code is not None:
        code = _check_code(unit.kind, code)
        if (
            code
            and OrgUnit.objects.filter(kind=unit.kind, code=code, valid_to__isnull=True)
            .exclude(pk=unit.pk)
            .exists()
        ):
            raise DomainError(
                "org.code_taken",
                _("Mã %(code)s đã được dùng cho một đơn vị khác.") % {"code": code},
                field="code",
            )
        unit.code = code
    changes = diff(before, {"name": unit.name, "code": unit.code})
    if changes:
        with transaction.atomic():
            unit.save(update_fields=["name", "search_name", "code", "updated_at"])
            audit_record(
                actor=actor,
                action="update",
                object_type="org.unit",
                object_id=unit.pk,
                object_repr=unit.name,
                changes=changes,
                reason=reason,
            )
            events.emit("org.unit_updated", {"unit": unit.pk})
    return unit


def unit_dissolve(*, actor, unit: OrgUnit, effective: dt.date, reason: str = "") -> None:
    """Close a unit (e.g. the district level on 1 July 2025). Its children must have been
    moved away first; history before `effective` is kept."""
    if OrgUnit.objects.filter(parent=unit, valid_to__isnull=True).exists():
        raise DomainError(
            "org.has_children",
            _("Đơn vị %(unit)s còn đơn vị trực thuộc; hãy chuyển chúng trước.")
            % {"unit": unit.name},
            field="unit",
        )
    with transaction.atomic():
        OrgUnit.objects.filter(pk=unit.pk).update(valid_to=effective, updated_at=timezone.now())
        OrgPlacement.objects.filter(unit=unit, valid_to__isnull=True).update(valid_to=effective)
        audit_record(
            actor=actor,
            action="update",
            object_type="org.unit",
            object_id=unit.pk,
            object_repr=unit.name,
            reason=reason,
            changes={"valid_to": [None, effective.isoformat()]},
        )


def school_year_create(
    *, actor, code: str, start_date: dt.date, end_date: dt.date, term_split: dt.date | None = None
) -> SchoolYear:
    if end_date <= start_date:
        raise DomainError(
            "school_year.dates", _("Ngày kết thúc năm học phải sau ngày bắt đầu."), field="end_date"
        )
    with transaction.atomic():
        year, _created = SchoolYear.objects.get_or_create(
            code=code, defaults={"start_date": start_date, "end_date": end_date}
        )
        split = term_split or dt.date(start_date.year + 1, 1, 15)
        Term.objects.get_or_create(
            school_year=year,
            number=1,
            defaults={"start_date": start_date, "end_date": split - dt.timedelta(days=1)},
        )
        Term.objects.get_or_create(
            school_year=year, number=2, defaults={"start_date": split, "end_date": end_date}
        )
    return year


def grades_ensure() -> dict[int, Grade]:
    for n in range(1, 13):
        Grade.objects.get_or_create(number=n, defaults={"name": f"Khối {n}"})
    return {g.number: g for g in Grade.objects.all()}


def class_create(
    *,
    actor,
    school: OrgUnit,
    school_year_code: str,
    name: str,
    grade_number: int | None = None,
    capacity: int = 45,
) -> ClassGroup:
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("class.school", _("Lớp phải thuộc một trường."), field="school")
    year = SchoolYear.objects.filter(code=school_year_code).first()
    if year is None:
        raise DomainError(
            "class.school_year",
            _("Năm học %(y)s không tồn tại.") % {"y": school_year_code},
            field="school_year",
        )
    name = clean_name(name)
    if ClassGroup.objects.filter(school=school, school_year=year, name=name).exists():
        raise DomainError(
            "class.duplicate",
            _("Lớp %(n)s đã có trong năm học %(y)s.") % {"n": name, "y": year.code},
            field="name",
        )
    grade = None
    if grade_number is not None:
        grade = Grade.objects.filter(number=grade_number).first() or grades_ensure()[grade_number]
    with transaction.atomic():
        cls = ClassGroup.objects.create(
            school=school, school_year=year, grade=grade, name=name, capacity=capacity
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="org.class",
            object_id=cls.pk,
            object_repr=f"{name} {year.code}",
        )
    return cls


def active_q(day: dt.date, prefix: str = "") -> Q:
    """Rows whose [valid_from, valid_to) contains `day`."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )
