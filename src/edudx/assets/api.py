"""/api/v1 assets: rooms and the asset register of a school (scoped).

Read by the unit-wide roles at or above the school (officers, principal, clerks); written
by the school's principal and clerks (403 for officers above it). Outside the scope a room
or item is a 404. POSTs honour Idempotency-Key, so a retried creation never registers an
item twice. Errors are `{code, message, field, row}` in Vietnamese, English with
`Accept-Language: en`; `field` names the request's field (`tag`, `room_id`…)."""

import datetime as dt
from decimal import Decimal
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from edudx.core.errors import DomainError
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, create_response, paginate

from . import selectors, services
from .models import Condition, Funding, RoomCondition, RoomKind

router = Router(tags=["assets"])


# --- rooms -----------------------------------------------------------------------------------


class RoomOut(Schema):
    id: int
    source_id: UUID
    school_id: int
    name: str
    kind: RoomKind
    floor_area: Decimal | None = Field(..., description="m², one decimal.")
    condition: RoomCondition
    items: int = Field(..., description="Items on the register in the room (not disposed).")
    updated_at: dt.datetime


class RoomPage(Schema):
    items: list[RoomOut]
    count: int
    page: int
    page_size: int


class RoomFilters(PageParams):
    school_id: int | None = None
    kind: RoomKind | None = None


def render_room(r) -> dict:
    return {
        "id": r.pk,
        "source_id": r.source_id,
        "school_id": r.school_id,
        "name": r.name,
        "kind": r.kind,
        "floor_area": r.floor_area,
        "condition": r.condition,
        "items": (
            r.n_items if hasattr(r, "n_items") else r.items.exclude(condition="disposed").count()
        ),
        "updated_at": r.updated_at,
    }


@router.get("/assets/rooms", response={200: RoomPage, **ERRORS}, summary="List rooms")
def list_rooms(request, filters: Query[RoomFilters]):
    qs = selectors.room_list(actor=request.user, school_id=filters.school_id, kind=filters.kind)
    return paginate(qs, filters, render_room)


@router.get("/assets/rooms/{int:room_id}", response={200: RoomOut, **ERRORS}, summary="One room")
def get_room(request, room_id: int):
    return render_room(selectors.room_get(actor=request.user, room_id=room_id))


class RoomIn(Schema):
    school_id: int
    name: str = Field(..., max_length=100)
    kind: RoomKind
    floor_area: Decimal | None = Field(None, description="m², > 0.")
    condition: RoomCondition = RoomCondition.GOOD


@router.post(
    "/assets/rooms",
    response={201: RoomOut, **ERRORS},
    summary="Add a room (principal, clerk)",
    openapi_extra=IDEMPOTENT,
)
def create_room(request, payload: RoomIn):
    school = selectors.school_for_write(actor=request.user, school_id=payload.school_id)

    def create() -> dict:
        room = services.room_create(
            actor=request.user,
            school=school,
            name=payload.name,
            kind=payload.kind,
            floor_area=payload.floor_area,
            condition=payload.condition,
        )
        return render_room(room)

    return create_response(request, RoomOut, create, {})


class RoomPatch(Schema):
    name: str | None = Field(None, max_length=100)
    kind: RoomKind | None = None
    floor_area: Decimal | None = Field(None, description="Send null to clear it.")
    condition: RoomCondition | None = None


def _no_nulls(given: dict, fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in given and given[name] is None:
            raise DomainError("assets.null", _("Trường này không được để trống."), field=name)


@router.patch(
    "/assets/rooms/{int:room_id}",
    response={200: RoomOut, **ERRORS},
    summary="Change a room",
)
def update_room(request, room_id: int, payload: RoomPatch):
    room = selectors.room_get(actor=request.user, room_id=room_id)
    selectors.require_write(request.user, room.school)
    given = payload.model_dump(exclude_unset=True)
    _no_nulls(given, ("name", "kind", "condition"))
    return render_room(services.room_update(actor=request.user, room=room, **given))


# --- items -----------------------------------------------------------------------------------


class AssetItemOut(Schema):
    id: int
    source_id: UUID
    school_id: int
    tag: str = Field(..., description="Unique within the school.")
    name: str
    category_id: int
    category_code: str
    is_ict: bool
    room_id: int | None
    location: str
    serial: str
    acquired_on: dt.date | None
    value: int | None = Field(..., description="Original value, whole đồng.")
    funding: Funding
    condition: Condition
    disposed_on: dt.date | None
    disposal_reason: str
    notes: str
    updated_at: dt.datetime


class AssetItemPage(Schema):
    items: list[AssetItemOut]
    count: int
    page: int
    page_size: int


class AssetItemFiltersIn(PageParams):
    school_id: int | None = None
    room_id: int | None = None
    category_id: int | None = None
    condition: Condition | None = Field(None, description="Default: every item not disposed.")
    q: str = Field("", max_length=100, description="Tag, name or serial; diacritics ignored.")
    ict: bool | None = None


def render_item(i) -> dict:
    return {
        "id": i.pk,
        "source_id": i.source_id,
        "school_id": i.school_id,
        "tag": i.tag,
        "name": i.name,
        "category_id": i.category_id,
        "category_code": i.category.code,
        "is_ict": i.category.is_ict,
        "room_id": i.room_id,
        "location": i.location,
        "serial": i.serial,
        "acquired_on": i.acquired_on,
        "value": i.value,
        "funding": i.funding,
        "condition": i.condition,
        "disposed_on": i.disposed_on,
        "disposal_reason": i.disposal_reason,
        "notes": i.notes,
        "updated_at": i.updated_at,
    }


@router.get("/assets/items", response={200: AssetItemPage, **ERRORS}, summary="List asset items")
def list_items(request, filters: Query[AssetItemFiltersIn]):
    qs = selectors.item_list(
        actor=request.user,
        filters=selectors.ItemFilters(
            school_id=filters.school_id,
            room_id=filters.room_id,
            category_id=filters.category_id,
            condition=filters.condition or "",
            q=filters.q,
            ict=filters.ict,
        ),
    )
    return paginate(qs, filters, render_item)


@router.get(
    "/assets/items/{int:item_id}", response={200: AssetItemOut, **ERRORS}, summary="One asset item"
)
def get_item(request, item_id: int):
    return render_item(selectors.item_get(actor=request.user, item_id=item_id))


class AssetItemIn(Schema):
    school_id: int
    tag: str = Field(..., max_length=40)
    name: str = Field(..., max_length=200)
    category_id: int
    funding: Funding
    room_id: int | None = None
    location: str = Field("", max_length=100, description="Where an item without a room is.")
    serial: str = Field("", max_length=100)
    acquired_on: dt.date | None = None
    value: int | None = Field(None, description="Original value, whole đồng.")
    condition: Condition = Field(Condition.GOOD, description="good, needs_repair or broken.")
    notes: str = ""


@router.post(
    "/assets/items",
    response={201: AssetItemOut, **ERRORS},
    summary="Register an asset item (principal, clerk)",
    openapi_extra=IDEMPOTENT,
)
def create_item(request, payload: AssetItemIn):
    school = selectors.school_for_write(actor=request.user, school_id=payload.school_id)
    data = payload.model_dump(exclude={"school_id"})

    def create() -> dict:
        item = services.item_create(actor=request.user, school=school, data=data)
        return render_item(selectors.item_get(actor=request.user, item_id=item.pk))

    return create_response(request, AssetItemOut, create, {})


class AssetItemPatch(Schema):
    tag: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=200)
    category_id: int | None = None
    funding: Funding | None = None
    room_id: int | None = Field(None, description="Send null to take it out of its room.")
    location: str | None = Field(None, max_length=100)
    serial: str | None = Field(None, max_length=100)
    acquired_on: dt.date | None = None
    value: int | None = None
    condition: Condition | None = None
    notes: str | None = None


@router.patch(
    "/assets/items/{int:item_id}",
    response={200: AssetItemOut, **ERRORS},
    summary="Change an asset item (not a disposed one)",
)
def update_item(request, item_id: int, payload: AssetItemPatch):
    item = selectors.item_get(actor=request.user, item_id=item_id)
    selectors.require_write(request.user, item.school)
    given = payload.model_dump(exclude_unset=True)
    _no_nulls(given, ("tag", "name", "category_id", "funding", "condition"))
    item = services.item_update(actor=request.user, item=item, data=given)
    return render_item(item)


class AssetDisposeIn(Schema):
    disposed_on: dt.date
    reason: str = Field(..., max_length=255)


@router.post(
    "/assets/items/{int:item_id}/dispose",
    response={200: AssetItemOut, **ERRORS},
    summary="Dispose of an item (it stays on the register, marked disposed)",
)
def dispose_item(request, item_id: int, payload: AssetDisposeIn):
    item = selectors.item_get(actor=request.user, item_id=item_id)
    selectors.require_write(request.user, item.school)
    item = services.item_dispose(
        actor=request.user, item=item, disposed_on=payload.disposed_on, reason=payload.reason
    )
    return render_item(item)
