"""/api/v1 org units, schools and classes; also the plumbing every router shares (the page
envelope, JSON-ready bodies for idempotent creates, the error responses to document).

The tree is not personal data: every authenticated caller may read it (org.selectors).
Writes need a unit-wide role covering the parent unit (`require_unit_access`).

API modules are the outermost layer (Saleor's rule): they may call any app's services and
selectors, and no domain code imports them."""

import datetime as dt
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.paginator import Page
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder, codes_4xx

from edudx.accounts.tokens import actor_key, require_unit_access
from edudx.core.api_errors import ErrorOut, api_fields
from edudx.core.errors import DomainError, NotFound
from edudx.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from edudx.core.idempotency import idempotent
from edudx.core.text import fold

from . import selectors, services
from .models import ClassGroup, OrgUnit, Ownership, School, SchoolLevel, UnitKind

MAX_PAGE_SIZE = 200
ERRORS = {codes_4xx: ErrorOut}
IDEMPOTENT = {
    "parameters": [
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": (
                "Retry-safe creation: the same key and body returns the first response "
                "(header Idempotent-Replayed: true) without creating again; the same key "
                "with another body is refused with 409 idempotency.conflict."
            ),
        }
    ]
}


# --- shared plumbing -------------------------------------------------------------------


class PageParams(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(settings.PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def paginate(qs: QuerySet, params: PageParams, render: Callable[[object], dict]) -> dict:
    """`{items, count, page, page_size}`: one COUNT and one page query."""
    start = (params.page - 1) * params.page_size
    rows: Iterable = qs[start : start + params.page_size]
    return {
        "items": [render(row) for row in rows],
        "count": qs.count(),
        "page": params.page,
        "page_size": params.page_size,
    }


def page_body(page: Page, render: Callable[[object], dict]) -> dict:
    """The envelope of a page a selector has counted and fetched (`people.selectors.
    student_page`): `{items, count, count_capped, page, page_size}`."""
    return {
        "items": [render(row) for row in page.object_list],
        "count": page.paginator.count,
        "count_capped": page.paginator.capped,
        "page": page.number,
        "page_size": page.paginator.per_page,
    }


def json_body(schema: type[Schema], data: dict) -> dict:
    """`data` validated by `schema` and encoded exactly as ninja encodes a response, so a
    stored (idempotent) body is byte-for-byte what a GET would return."""
    return json.loads(json.dumps(schema.model_validate(data).model_dump(), cls=NinjaJSONEncoder))


def create_response(
    request, schema: type[Schema], create: Callable[[], dict], fields: dict[str, str]
):
    """Run `create` once per Idempotency-Key; 201 with the rendered record. `fields` maps
    the services' field names to this API's (an error names what the client sent)."""

    def run() -> dict:
        with api_fields(fields):
            return json_body(schema, create())

    return idempotent(request, actor_key=actor_key(request), run=run)


def latest(*stamps: dt.datetime | None) -> dt.datetime:
    return max(s for s in stamps if s is not None)


def unit_or_error(unit_id: int | None, field: str):
    """A referenced unit (in a request body): a missing one is a 400 on that field."""
    if unit_id is None:
        return None
    try:
        return selectors.unit_get(unit_id=unit_id)
    except NotFound:
        raise DomainError(
            "org.unit_unknown",
            _("Không có đơn vị mã số %(id)s.") % {"id": unit_id},
            field=field,
        ) from None


router = Router(tags=["org"])


# --- units -------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    source_id: UUID
    kind: UnitKind
    code: str
    name: str
    parent_id: int | None
    path: str
    depth: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    updated_at: dt.datetime


class UnitPage(Schema):
    items: list[UnitOut]
    count: int
    page: int
    page_size: int


class UnitFilters(PageParams):
    parent_id: int | None = None
    kind: UnitKind | None = None
    as_of: dt.date | None = Field(None, description="The tree as it stood on this date.")


class UnitIn(Schema):
    kind: UnitKind
    name: str = Field(..., max_length=255)
    code: str = Field("", max_length=20)
    parent_id: int | None = None
    valid_from: dt.date | None = None


def render_unit(u, *, parent_id=None, path=None, depth=None) -> dict:
    return {
        "id": u.pk,
        "source_id": u.source_id,
        "kind": u.kind,
        "code": u.code,
        "name": u.name,
        "parent_id": u.parent_id if parent_id is None and path is None else parent_id,
        "path": path or u.path,
        "depth": u.depth if depth is None else depth,
        "valid_from": u.valid_from,
        "valid_to": u.valid_to,
        "updated_at": u.updated_at,
    }


def render_placement(p) -> dict:
    return render_unit(p.unit, parent_id=p.parent_id, path=p.path, depth=p.depth)


@router.get("/units", response={200: UnitPage, **ERRORS}, summary="List org units")
def list_units(request, filters: Query[UnitFilters]):
    if filters.as_of:
        qs = selectors.as_of(filters.as_of).placements()
        if filters.parent_id:
            qs = qs.filter(parent_id=filters.parent_id)
        if filters.kind:
            qs = qs.filter(unit__kind=filters.kind)
        return paginate(qs.order_by("path"), filters, render_placement)
    qs = OrgUnit.objects.all()
    if filters.parent_id:
        qs = qs.filter(parent_id=filters.parent_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return paginate(qs.order_by("path"), filters, render_unit)


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="One org unit")
def get_unit(request, unit_id: int):
    return render_unit(selectors.unit_get(unit_id=unit_id))


@router.post(
    "/units",
    response={201: UnitOut, **ERRORS},
    summary="Create an org unit",
    openapi_extra=IDEMPOTENT,
)
def create_unit(request, payload: UnitIn):
    parent = unit_or_error(payload.parent_id, "parent_id")
    require_unit_access(request, parent)
    return create_response(
        request,
        UnitOut,
        lambda: render_unit(
            services.unit_create(
                actor=request.user,
                kind=payload.kind,
                name=payload.name,
                code=payload.code,
                parent=parent,
                valid_from=payload.valid_from,
            )
        ),
        {"parent": "parent_id"},
    )


class UnitPatch(Schema):
    name: str | None = Field(None, max_length=255)
    code: str | None = Field(None, max_length=20)
    reason: str = Field("", max_length=255)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="Update a unit")
def update_unit(request, unit_id: int, payload: UnitPatch):
    unit = selectors.unit_get(unit_id=unit_id)
    require_unit_access(request, unit)
    unit = services.unit_update(
        actor=request.user,
        unit=unit,
        name=payload.name,
        code=payload.code,
        reason=payload.reason,
    )
    return render_unit(unit)


# --- schools -----------------------------------------------------------------------------


class SchoolOut(Schema):
    id: int = Field(..., description="The school's org unit id (what classes and students use).")
    source_id: UUID = Field(..., description="The school's own UUID.")
    unit_source_id: UUID
    code: str
    name: str
    level: SchoolLevel
    ownership: Ownership
    parent_id: int | None
    commune_id: int | None
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    phone: str
    email: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    updated_at: dt.datetime


class SchoolPage(Schema):
    items: list[SchoolOut]
    count: int
    page: int
    page_size: int


class SchoolFilters(PageParams):
    unit_id: int | None = Field(None, description="Schools anywhere under this unit.")
    level: SchoolLevel | None = None
    q: str | None = Field(None, description="Name, diacritic-insensitive.")


class SchoolIn(Schema):
    name: str = Field(..., max_length=255)
    code: str = Field(..., max_length=20)
    parent_id: int
    level: SchoolLevel
    ownership: Ownership = Ownership.PUBLIC
    commune_id: int | None = None
    address: str = Field("", max_length=255)
    latitude: Decimal | None = Field(None, ge=-90, le=90, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, decimal_places=6)


def render_school(s) -> dict:
    u = s.unit
    return {
        "id": u.pk,
        "source_id": s.source_id,
        "unit_source_id": u.source_id,
        "code": u.code,
        "name": u.name,
        "level": s.level,
        "ownership": s.ownership,
        "parent_id": u.parent_id,
        "commune_id": s.commune_id,
        "address": s.address,
        "latitude": s.latitude,
        "longitude": s.longitude,
        "phone": s.phone,
        "email": s.email,
        "valid_from": u.valid_from,
        "valid_to": u.valid_to,
        "updated_at": latest(s.updated_at, u.updated_at),
    }


def _schools() -> QuerySet:
    return School.objects.select_related("unit").order_by("unit__path")


@router.get("/schools", response={200: SchoolPage, **ERRORS}, summary="List schools")
def list_schools(request, filters: Query[SchoolFilters]):
    if filters.unit_id:
        qs = selectors.schools_under(selectors.unit_get(unit_id=filters.unit_id)).order_by(
            "unit__path"
        )
    else:
        qs = _schools()
    if filters.level:
        qs = qs.filter(level=filters.level)
    if term := fold(filters.q):
        qs = qs.filter(unit__search_name__contains=term)
    return paginate(qs, filters, render_school)


@router.get("/schools/{school_id}", response={200: SchoolOut, **ERRORS}, summary="One school")
def get_school(request, school_id: int):
    school = _schools().filter(unit_id=school_id).first()
    if school is None:
        raise NotFound("school.not_found", _("Không tìm thấy trường."))
    return render_school(school)


@router.post(
    "/schools",
    response={201: SchoolOut, **ERRORS},
    summary="Create a school",
    openapi_extra=IDEMPOTENT,
)
def create_school(request, payload: SchoolIn):
    parent = unit_or_error(payload.parent_id, "parent_id")
    commune = unit_or_error(payload.commune_id, "commune_id")
    require_unit_access(request, parent)
    return create_response(
        request,
        SchoolOut,
        lambda: render_school(
            services.school_create(
                actor=request.user,
                name=payload.name,
                code=payload.code,
                parent=parent,
                level=payload.level,
                ownership=payload.ownership,
                commune=commune,
                latitude=payload.latitude,
                longitude=payload.longitude,
                address=payload.address,
            )
        ),
        {"parent": "parent_id", "commune": "commune_id"},
    )


# --- classes -----------------------------------------------------------------------------


class ClassOut(Schema):
    id: int
    source_id: UUID
    school_id: int
    school_year: str
    grade: int | None
    name: str
    capacity: int
    updated_at: dt.datetime


class ClassPage(Schema):
    items: list[ClassOut]
    count: int
    page: int
    page_size: int


class ClassFilters(PageParams):
    school_id: int | None = None
    school_year: str | None = Field(None, description='e.g. "2025-2026"')


class ClassIn(Schema):
    school_id: int
    school_year: str = Field(..., max_length=9, description='e.g. "2025-2026"')
    name: str = Field(..., max_length=50)
    grade: int | None = Field(None, ge=1, le=12)
    capacity: int = Field(45, ge=1, le=999)


def render_class(c) -> dict:
    return {
        "id": c.pk,
        "source_id": c.source_id,
        "school_id": c.school_id,
        "school_year": c.school_year.code,
        "grade": c.grade.number if c.grade_id else None,
        "name": c.name,
        "capacity": c.capacity,
        "updated_at": c.updated_at,
    }


def _classes() -> QuerySet:
    return ClassGroup.objects.select_related("school_year", "grade").order_by(
        "school_id", "-school_year__start_date", "name", "id"
    )


def class_or_error(class_id: int | None, field: str = "class_id") -> ClassGroup | None:
    """A class referenced in a request body: a missing one is a 400 on that field."""
    if class_id is None:
        return None
    cls = _classes().filter(pk=class_id).first()
    if cls is None:
        raise DomainError(
            "class.unknown", _("Không có lớp mã số %(id)s.") % {"id": class_id}, field=field
        )
    return cls


@router.get("/classes", response={200: ClassPage, **ERRORS}, summary="List classes")
def list_classes(request, filters: Query[ClassFilters]):
    qs = _classes()
    if filters.school_id:
        qs = qs.filter(school_id=filters.school_id)
    if filters.school_year:
        qs = qs.filter(school_year__code=filters.school_year)
    return paginate(qs, filters, render_class)


@router.get("/classes/{class_id}", response={200: ClassOut, **ERRORS}, summary="One class")
def get_class(request, class_id: int):
    cls = _classes().filter(pk=class_id).first()
    if cls is None:
        raise NotFound("class.not_found", _("Không tìm thấy lớp."))
    return render_class(cls)


@router.post(
    "/classes",
    response={201: ClassOut, **ERRORS},
    summary="Create a class",
    openapi_extra=IDEMPOTENT,
)
def create_class(request, payload: ClassIn):
    school = unit_or_error(payload.school_id, "school_id")
    require_unit_access(request, school)
    return create_response(
        request,
        ClassOut,
        lambda: render_class(
            services.class_create(
                actor=request.user,
                school=school,
                school_year_code=payload.school_year,
                name=payload.name,
                grade_number=payload.grade,
                capacity=payload.capacity,
            )
        ),
        {"school": "school_id", "grade_number": "grade"},
    )
