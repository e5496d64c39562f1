"""Every write of the asset register: rooms, items (create, change, dispose) and stock-takes
(open, record a room's results, close). Each checks everything it is given before writing,
runs in one transaction and writes the audit trail. Who may write is checked by the caller
(`selectors.require_write`); these functions trust the school they are handed."""

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import Entry, audit_record, audit_record_many
from edudx.core.errors import Conflict, DomainError, DomainErrors, ErrorItem
from edudx.core.text import clean_name, fold
from edudx.org.models import OrgUnit

from .models import (
    SEEN_CONDITIONS,
    AssetCategory,
    AssetItem,
    Condition,
    Funding,
    InventoryCheck,
    InventoryResult,
    Room,
    RoomCondition,
    RoomKind,
)

CATEGORIES_FILE = Path(__file__).parent / "data" / "categories.json"
MAX_VALUE = 10**12  # no single register line is worth a thousand billion đồng
MAX_AREA = Decimal("100000")
EARLIEST = dt.date(1950, 1, 1)


def money(amount: int | None) -> str:
    """1250000 → "1.250.000 đ" (Vietnamese grouping, whole đồng)."""
    return f"{int(amount or 0):,} đ".replace(",", ".")


def categories_sync() -> int:
    """Load data/categories.json (insert new codes, update names and flags); idempotent."""
    rows = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    existing = {c.code: c for c in AssetCategory.objects.all()}
    new, changed = [], []
    for i, row in enumerate(rows):
        fields = {
            "name": row["name"],
            "name_en": row["name_en"],
            "is_ict": row["is_ict"],
            "teaching_computer": row["teaching_computer"],
            "sort": i,
        }
        cat = existing.get(row["code"])
        if cat is None:
            new.append(AssetCategory(code=row["code"], **fields))
        elif any(getattr(cat, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(cat, k, v)
            changed.append(cat)
    AssetCategory.objects.bulk_create(new, ignore_conflicts=True)
    AssetCategory.objects.bulk_update(changed, ["name", "name_en", "is_ict", "teaching_computer"])
    return len(new) + len(changed)


def _update(*, actor, obj, data: dict, unique: str, duplicate, object_type: str, refresh):
    """Apply the checked `data` to a room or an item: only what changed, the field unique in
    the school (`unique`) checked first (the index decides a race), saved and audited with
    the diff in one transaction. `refresh(obj)` recomputes its search column."""
    changes = {
        k: [_text(getattr(obj, k)), _text(v)] for k, v in data.items() if getattr(obj, k) != v
    }
    if not changes:
        return obj
    taken = type(obj).objects.filter(school_id=obj.school_id, **{unique: data.get(unique)})
    if unique in changes and taken.exclude(pk=obj.pk).exists():
        raise duplicate(data[unique])
    try:
        with transaction.atomic():
            for k in changes:
                setattr(obj, k, data[k])
            refresh(obj)
            obj.save()
            audit_record(
                actor=actor,
                action="update",
                object_type=object_type,
                object_id=obj.pk,
                object_repr=str(obj),
                changes=changes,
            )
    except IntegrityError as exc:
        obj.refresh_from_db()
        raise duplicate(data[unique]) from exc
    return obj


# --- rooms -----------------------------------------------------------------------------------


def _room_errors(data: dict) -> list[ErrorItem]:
    errors = []
    if "name" in data:
        data["name"] = clean_name(data["name"])
        if not data["name"]:
            errors.append(ErrorItem("room.name", _("Nhập tên phòng."), "name"))
        elif len(data["name"]) > 100:
            errors.append(ErrorItem("room.name", _("Tên phòng tối đa 100 ký tự."), "name"))
    if "kind" in data and data["kind"] not in RoomKind.values:
        errors.append(ErrorItem("room.kind", _("Loại phòng không hợp lệ."), "kind"))
    if "condition" in data and data["condition"] not in RoomCondition.values:
        errors.append(ErrorItem("room.condition", _("Tình trạng phòng không hợp lệ."), "condition"))
    if data.get("floor_area") is not None:
        try:
            area = Decimal(str(data["floor_area"])).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            area = None
        if area is None or not 0 < area < MAX_AREA:
            errors.append(
                ErrorItem(
                    "room.floor_area",
                    _("Diện tích là số m² lớn hơn 0, ví dụ 54 hoặc 54,5."),
                    "floor_area",
                )
            )
        else:
            data["floor_area"] = area
    return errors


def _room_duplicate(name: str) -> Conflict:
    return Conflict("room.duplicate", _("Trường đã có phòng “%(n)s”.") % {"n": name}, field="name")


def room_create(
    *,
    actor,
    school: OrgUnit,
    name: str,
    kind: str,
    floor_area=None,
    condition: str = RoomCondition.GOOD,
) -> Room:
    data = {"name": name, "kind": kind, "floor_area": floor_area, "condition": condition}
    errors = _room_errors(data)
    if errors:
        raise DomainErrors(errors)
    if Room.objects.filter(school=school, name=data["name"]).exists():
        raise _room_duplicate(data["name"])
    try:
        with transaction.atomic():
            room = Room.objects.create(school=school, search_name=fold(data["name"]), **data)
            audit_record(
                actor=actor,
                action="create",
                object_type="assets.room",
                object_id=room.pk,
                object_repr=f"{school.name}: {room.name}",
            )
    except IntegrityError as exc:
        raise _room_duplicate(data["name"]) from exc
    return room


def room_update(*, actor, room: Room, **given) -> Room:
    """Change a room's name, kind, floor area or condition (only the fields given)."""
    data = {k: v for k, v in given.items() if k in {"name", "kind", "floor_area", "condition"}}
    errors = _room_errors(data)
    if errors:
        raise DomainErrors(errors)
    return _update(
        actor=actor,
        obj=room,
        data=data,
        unique="name",
        duplicate=_room_duplicate,
        object_type="assets.room",
        refresh=lambda r: setattr(r, "search_name", fold(r.name)),
    )


# --- items -----------------------------------------------------------------------------------

ITEM_FIELDS = (
    "tag",
    "name",
    "category_id",
    "room_id",
    "location",
    "serial",
    "acquired_on",
    "value",
    "funding",
    "condition",
    "notes",
)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _item_errors(school: OrgUnit, data: dict) -> list[ErrorItem]:
    """Check (and normalise in place) the given item fields."""
    errors = []

    def err(code: str, message, field: str) -> None:
        errors.append(ErrorItem(code, message, field))

    for key, limit in (("tag", 40), ("name", 200), ("serial", 100), ("location", 100)):
        if key in data:
            data[key] = clean_name(data[key] or "")
            if len(data[key]) > limit:
                err(f"asset.{key}", _("Tối đa %(n)s ký tự.") % {"n": limit}, key)
    if "tag" in data and not data["tag"]:
        err("asset.tag", _("Nhập mã tài sản."), "tag")
    if "name" in data and not data["name"]:
        err("asset.name", _("Nhập tên tài sản."), "name")
    if "notes" in data:
        data["notes"] = (data["notes"] or "").strip()
    if "category_id" in data:
        cat = AssetCategory.objects.filter(pk=data["category_id"]).first()
        if data["category_id"] is None or cat is None:
            err("asset.category", _("Chọn loại tài sản."), "category_id")
    if (
        data.get("room_id") is not None
        and not Room.objects.filter(pk=data["room_id"], school=school).exists()
    ):
        err("asset.room", _("Phòng không thuộc trường này."), "room_id")
    if "acquired_on" in data and data["acquired_on"] is not None:
        day = data["acquired_on"]
        if not isinstance(day, dt.date) or not EARLIEST <= day <= timezone.localdate():
            err(
                "asset.acquired_on",
                _("Ngày đưa vào sử dụng phải từ 01/01/1950 đến hôm nay."),
                "acquired_on",
            )
    if "value" in data and data["value"] is not None:
        value = data["value"]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_VALUE:
            err("asset.value", _("Nguyên giá là số nguyên đồng, không âm."), "value")
    if "funding" in data and data["funding"] not in Funding.values:
        err("asset.funding", _("Chọn nguồn kinh phí."), "funding")
    if "condition" in data and data["condition"] not in SEEN_CONDITIONS:
        err(
            "asset.condition",
            _("Tình trạng là Tốt, Cần sửa chữa hoặc Hỏng (thanh lý bằng chức năng Thanh lý)."),
            "condition",
        )
    return errors


def _tag_duplicate(tag: str) -> Conflict:
    return Conflict(
        "asset.duplicate_tag",
        _("Trường đã có tài sản mã “%(t)s”; mỗi tài sản một mã riêng.") % {"t": tag},
        field="tag",
    )


def _search_text(item: AssetItem) -> str:
    return fold(f"{item.tag} {item.name} {item.serial}")[:400]


def item_create(*, actor, school: OrgUnit, data: dict) -> AssetItem:
    """Register an item. `data`: tag, name, category_id (required), funding (required),
    room_id, location, serial, acquired_on (date), value (whole đồng), condition, notes."""
    data = {k: data.get(k) for k in ITEM_FIELDS}
    data["condition"] = data["condition"] or Condition.GOOD
    for key in ("location", "serial", "notes"):
        data[key] = data[key] or ""
    errors = _item_errors(school, data)
    if errors:
        raise DomainErrors(errors)
    if AssetItem.objects.filter(school=school, tag=data["tag"]).exists():
        raise _tag_duplicate(data["tag"])
    item = AssetItem(school=school, **data)
    item.search_text = _search_text(item)
    try:
        with transaction.atomic():
            item.save()
            audit_record(
                actor=actor,
                action="create",
                object_type="assets.item",
                object_id=item.pk,
                object_repr=f"{school.name}: {item}",
            )
    except IntegrityError as exc:
        raise _tag_duplicate(data["tag"]) from exc
    return item


def item_update(*, actor, item: AssetItem, data: dict) -> AssetItem:
    """Change the given fields of an item on the register (a disposed item is closed)."""
    if item.condition == Condition.DISPOSED:
        raise Conflict(
            "asset.disposed", _("Tài sản đã thanh lý, không sửa được."), field="condition"
        )
    data = {k: v for k, v in data.items() if k in ITEM_FIELDS}
    for key in ("location", "serial", "notes"):
        if key in data:
            data[key] = data[key] or ""
    for key in ("tag", "name", "category_id", "funding", "condition"):
        if key in data and data[key] is None:
            data[key] = ""  # reported as missing by the checks below
    if data.get("category_id") == "":
        data["category_id"] = None
    errors = _item_errors(item.school, data)
    if errors:
        raise DomainErrors(errors)
    return _update(
        actor=actor,
        obj=item,
        data=data,
        unique="tag",
        duplicate=_tag_duplicate,
        object_type="assets.item",
        refresh=lambda i: setattr(i, "search_text", _search_text(i)),
    )


def item_dispose(*, actor, item: AssetItem, disposed_on, reason: str) -> AssetItem:
    """Take an item off the register (thanh lý): it stays, marked disposed, with the date
    and the reason (the disposal decision's number, for instance)."""
    errors = []
    reason = " ".join((reason or "").split())
    if item.condition == Condition.DISPOSED:
        raise Conflict("asset.disposed", _("Tài sản đã được thanh lý."), field="condition")
    today = timezone.localdate()
    if not isinstance(disposed_on, dt.date) or disposed_on > today:
        errors.append(
            ErrorItem(
                "asset.disposed_on", _("Nhập ngày thanh lý, không sau hôm nay."), "disposed_on"
            )
        )
    elif item.acquired_on and disposed_on < item.acquired_on:
        errors.append(
            ErrorItem(
                "asset.disposed_on",
                _("Ngày thanh lý không được trước ngày đưa vào sử dụng."),
                "disposed_on",
            )
        )
    if not reason:
        errors.append(ErrorItem("asset.disposal_reason", _("Nhập lý do thanh lý."), "reason"))
    elif len(reason) > 255:
        errors.append(ErrorItem("asset.disposal_reason", _("Tối đa 255 ký tự."), "reason"))
    if errors:
        raise DomainErrors(errors)
    with transaction.atomic():
        before = item.condition
        item.condition = Condition.DISPOSED
        item.disposed_on = disposed_on
        item.disposal_reason = reason
        item.save(update_fields=["condition", "disposed_on", "disposal_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            object_type="assets.item",
            object_id=item.pk,
            object_repr=str(item),
            changes={
                "condition": [before, Condition.DISPOSED],
                "disposed_on": [None, _text(disposed_on)],
            },
            reason=reason,
        )
    return item


# --- stock-takes -----------------------------------------------------------------------------


def check_open(*, actor, school: OrgUnit, check_date, note: str = "") -> InventoryCheck:
    """Start a stock-take of the school; one at a time."""
    note = " ".join((note or "").split())
    if not isinstance(check_date, dt.date) or not (EARLIEST <= check_date <= timezone.localdate()):
        raise DomainError(
            "inventory.date", _("Nhập ngày kiểm kê, không sau hôm nay."), field="check_date"
        )
    if len(note) > 255:
        raise DomainError("inventory.note", _("Tối đa 255 ký tự."), field="note")
    already = Conflict(
        "inventory.open",
        _("Trường đang có một đợt kiểm kê chưa kết thúc."),
        field="check_date",
    )
    if InventoryCheck.objects.filter(school=school, closed_at__isnull=True).exists():
        raise already
    try:
        with transaction.atomic():
            check = InventoryCheck.objects.create(
                school=school, check_date=check_date, opened_by=actor_user(actor), note=note
            )
            audit_record(
                actor=actor,
                action="create",
                object_type="assets.check",
                object_id=check.pk,
                object_repr=f"{school.name}: {check_date:%d/%m/%Y}",
            )
    except IntegrityError as exc:
        raise already from exc
    return check


def actor_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _closed() -> Conflict:
    return Conflict("inventory.closed", _("Đợt kiểm kê đã kết thúc."), field=None)


def inventory_record(
    *, actor, check: InventoryCheck, room_id: int | None, results: dict[int, tuple[bool, str]]
) -> int:
    """Save the results of one room (None: the items without a room): {item id: (found,
    condition seen)} for items of that room on the register; a condition seen that differs
    from the register's updates the item. Saving a room again replaces its results. Returns
    how many results were saved."""
    if check.closed_at is not None:
        raise _closed()
    items = {
        i.pk: i
        for i in AssetItem.objects.filter(school_id=check.school_id, room_id=room_id).exclude(
            condition=Condition.DISPOSED
        )
    }
    errors = []
    for item_id, (found, seen) in results.items():
        item = items.get(item_id)
        if item is None:
            errors.append(
                ErrorItem(
                    "inventory.item",
                    _("Tài sản #%(id)s không thuộc phòng này.") % {"id": item_id},
                    "item_id",
                )
            )
        elif found and seen not in SEEN_CONDITIONS:
            errors.append(
                ErrorItem(
                    "inventory.condition",
                    _("Chọn tình trạng của tài sản %(t)s.") % {"t": item.tag},
                    "condition",
                )
            )
    if errors:
        raise DomainErrors(errors)
    now = timezone.now()
    user = actor_user(actor)
    with transaction.atomic():
        check = InventoryCheck.objects.select_for_update().get(pk=check.pk)
        if check.closed_at is not None:
            raise _closed()
        InventoryResult.objects.filter(inventory=check, item_id__in=list(results)).delete()
        InventoryResult.objects.bulk_create(
            [
                InventoryResult(
                    inventory=check,
                    item_id=item_id,
                    found=found,
                    condition_seen=seen if found else "",
                    checked_by=user,
                    checked_at=now,
                )
                for item_id, (found, seen) in sorted(results.items())
            ]
        )
        changed, entries = [], []
        for item_id, (found, seen) in sorted(results.items()):
            item = items[item_id]
            if found and seen != item.condition:
                entries.append(
                    Entry(
                        "update",
                        "assets.item",
                        str(item.pk),
                        str(item),
                        {"condition": [item.condition, seen]},
                        _("Kiểm kê ngày %(d)s") % {"d": f"{check.check_date:%d/%m/%Y}"},
                    )
                )
                item.condition = seen
                item.updated_at = now
                changed.append(item)
        AssetItem.objects.bulk_update(changed, ["condition", "updated_at"])
        entries.append(
            Entry(
                "update",
                "assets.check",
                str(check.pk),
                f"{check.school_id}: {check.check_date:%d/%m/%Y}",
                {"results": [None, str(len(results))]},
            )
        )
        audit_record_many(actor=actor, entries=entries)
    return len(results)


def check_close(*, actor, check: InventoryCheck) -> InventoryCheck:
    """End the stock-take: its results count from now on (T11); items never ticked count as
    not seen."""
    with transaction.atomic():
        check = InventoryCheck.objects.select_for_update().get(pk=check.pk)
        if check.closed_at is not None:
            raise _closed()
        check.closed_at = timezone.now()
        check.closed_by = actor_user(actor)
        check.save(update_fields=["closed_at", "closed_by", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            object_type="assets.check",
            object_id=check.pk,
            object_repr=f"{check.school_id}: {check.check_date:%d/%m/%Y}",
            changes={"closed_at": [None, check.closed_at.isoformat()]},
        )
    return check
