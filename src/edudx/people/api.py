"""/api/v1 students and staff. Every read goes through people.selectors, which apply the
caller's scope: a record outside it is a 404, never a 403, so its existence does not leak.
A record the caller may see but not change (a teacher and a student of their class) is a
403 on PATCH. Writes validate with `person_clean` (every error at once) and call the
people services."""

import datetime as dt
from uuid import UUID

from django.http import HttpResponsePermanentRedirect
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel

from edudx.accounts.tokens import require_unit_access
from edudx.core.api_errors import api_fields
from edudx.core.errors import ErrorCollector, NotFound
from edudx.org.api import (
    ERRORS,
    IDEMPOTENT,
    PageParams,
    class_or_error,
    create_response,
    latest,
    page_body,
    paginate,
    unit_or_error,
)
from edudx.org.models import OrgUnit, SchoolYear, UnitKind

from . import selectors, services
from .models import EnrolmentStatus, Sex, StaffKind, StudentStatus

router = Router(tags=["people"])

# Service and person_clean field names → the API's.
FIELDS = {
    "commune": "commune_id",
    "school": "school_id",
    "class_group": "class_id",
    "unit": "unit_id",
}


class PersonFields(Schema):
    """Identity fields shared by students and staff. Dates in ISO yyyy-mm-dd (dd/mm/yyyy,
    what clerks type, is accepted too)."""

    full_name: str = Field(..., max_length=200)
    date_of_birth: str = Field(..., description="yyyy-mm-dd", examples=["2013-05-04"])
    sex: Sex
    ethnicity: str = Field("01", max_length=2, description="Code of the 54 ethnic groups.")
    commune_id: int | None = None
    address: str = Field("", max_length=255)
    personal_id: str | None = Field(None, description="12-digit personal ID (CCCD)")
    moet_id: str | None = Field(None, description="10-digit MOET education ID")
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)


class PersonPatch(Schema):
    full_name: str | None = Field(None, max_length=200)
    date_of_birth: str | None = None
    sex: Sex | None = None
    ethnicity: str | None = Field(None, max_length=2)
    commune_id: int | None = None
    address: str | None = Field(None, max_length=255)
    personal_id: str | None = None
    moet_id: str | None = None
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)


_PERSON_KEYS = tuple(PersonPatch.model_fields)


def _person_raw(values: dict) -> dict:
    """API field names → what person_clean reads."""
    raw = {k: values.get(k) for k in _PERSON_KEYS if k != "commune_id"}
    raw["commune"] = values.get("commune_id")
    return raw


def _snapshot(person) -> dict:
    return {
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "commune_id": person.commune_id,
        "address": person.address,
        "personal_id": person.personal_id,
        "moet_id": person.moet_id,
        "phone": person.phone,
        "email": person.email,
    }


def clean_person(values: dict, errors: ErrorCollector) -> services.PersonData | None:
    """Validate the identity fields, adding every problem to `errors`."""
    commune_id = values.get("commune_id")
    if (
        commune_id is not None
        and not OrgUnit.objects.filter(pk=commune_id, kind=UnitKind.COMMUNE).exists()
    ):
        errors.add(
            "commune.unknown", _("Không có xã mã số %(id)s.") % {"id": commune_id}, "commune_id"
        )
        values = {**values, "commune_id": None}
    with api_fields(FIELDS):
        data = services.person_clean(_person_raw(values), errors=errors)
    return data


def _person_out(p) -> dict:
    return {
        "full_name": p.full_name,
        "date_of_birth": p.date_of_birth,
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "commune_id": p.commune_id,
        "address": p.address,
        "personal_id": p.personal_id,
        "moet_id": p.moet_id,
        "phone": p.phone,
        "email": p.email,
    }


# --- students ----------------------------------------------------------------------------


class StudentOut(BaseModel):
    id: int
    source_id: UUID
    person_source_id: UUID
    student_code: str
    status: StudentStatus
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    ethnicity: str
    commune_id: int | None
    address: str
    personal_id: str | None
    moet_id: str | None
    phone: str
    email: str
    school_id: int | None
    class_id: int | None
    updated_at: dt.datetime


class StudentPage(Schema):
    items: list[StudentOut]
    count: int = Field(
        ..., description="Matches, counted up to 10,000 (then 10,000 and count_capped)."
    )
    count_capped: bool = Field(
        ..., description="True when there are more than 10,000 matches: refine the search."
    )
    page: int
    page_size: int


class StudentFilters(PageParams):
    q: str | None = Field(
        None, description="Name (diacritic-insensitive), or an exact ID / student code."
    )
    school_id: int | None = None
    class_id: int | None = None
    unit_id: int | None = Field(None, description="Students of schools under this unit.")


class StudentIn(PersonFields):
    school_id: int
    class_id: int | None = None
    school_year: str | None = Field(
        None, description='e.g. "2025-2026"; defaults to the class\'s school year.'
    )
    student_code: str = Field("", max_length=30)
    start_date: dt.date | None = None


class StudentPatch(PersonPatch):
    class_id: int | None = None


def render_student(s) -> dict:
    p = s.person
    return {
        "id": s.pk,
        "source_id": s.source_id,
        "person_source_id": p.source_id,
        "student_code": s.student_code,
        "status": s.status,
        **_person_out(p),
        "school_id": s.current_school_id,
        "class_id": s.current_class_id,
        "updated_at": latest(s.updated_at, p.updated_at),
    }


# The columns a list item is rendered from (`render_student_row`): no model instances.
_STUDENT_ROW = (
    "id",
    "source_id",
    "student_code",
    "status",
    "current_school_id",
    "current_class_id",
    "updated_at",
    "person__source_id",
    *(f"person__{k}" for k in _PERSON_KEYS),
    "person__updated_at",
)


def render_student_row(r: dict) -> dict:
    """`render_student` from a `_STUDENT_ROW` dict."""
    return {
        "id": r["id"],
        "source_id": r["source_id"],
        "person_source_id": r["person__source_id"],
        "student_code": r["student_code"],
        "status": r["status"],
        **{k: r[f"person__{k}"] for k in _PERSON_KEYS},
        "school_id": r["current_school_id"],
        "class_id": r["current_class_id"],
        "updated_at": latest(r["updated_at"], r["person__updated_at"]),
    }


@router.get("/students", response={200: StudentPage, **ERRORS}, summary="List students")
def list_students(request, filters: Query[StudentFilters]):
    page = selectors.student_page(
        actor=request.user,
        q=filters.q,
        school_id=filters.school_id,
        class_id=filters.class_id,
        unit_id=filters.unit_id,
        page=filters.page,
        page_size=filters.page_size,
        columns=_STUDENT_ROW,
    )
    return page_body(page, render_student_row)


# --- change feeds: incremental sync by other systems (before /students/{student_id}) --------


class ChangesParams(Schema):
    since: dt.datetime | None = Field(
        None,
        description=(
            "Changes after this instant: the `cursor.since` of the previous call. Leave out "
            "for everything from the beginning."
        ),
    )
    after_id: int = Field(
        0, ge=0, description="With `since`: the `cursor.after_id` of the previous call."
    )
    limit: int = Field(500, ge=1, le=selectors.CHANGES_MAX)


class ChangesCursor(Schema):
    since: str | None = Field(
        ...,
        description=(
            "Pass back as `since` (with `after_id`) to continue: an ISO 8601 instant to the "
            "microsecond (timestamps elsewhere in the API are rounded to the millisecond, "
            "too coarse to resume from)."
        ),
    )
    after_id: int


def _exact(moment: dt.datetime | None) -> str | None:
    # "Z", not "+00:00": a "+" typed into a query string arrives as a space.
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _changes(request, params: ChangesParams, selector, columns, render) -> dict:
    """A feed's answer: the items, where to continue (the last row, else where this call
    began) and whether the page was full."""
    rows = selector(
        actor=request.user,
        since=params.since,
        after_id=params.after_id,
        limit=params.limit,
        columns=columns,
    )
    if rows:
        cursor = {"since": _exact(rows[-1]["updated_at"]), "after_id": rows[-1]["id"]}
    else:
        cursor = {"since": _exact(params.since), "after_id": params.after_id}
    return {
        "items": [render(r) for r in rows],
        "cursor": cursor,
        "more": len(rows) == params.limit,
    }


class StudentChangeOut(StudentOut):
    merged_into_source_id: UUID | None = Field(
        ...,
        description=(
            "Set when this student was a duplicate merged into another: the survivor's "
            "`source_id` (which now holds its enrolments). Drop this record from a copy."
        ),
    )


_STUDENT_CHANGE_ROW = (*_STUDENT_ROW, "person__merged_into__student__source_id")


def render_student_change(r: dict) -> dict:
    return {
        **render_student_row(r),
        "merged_into_source_id": r["person__merged_into__student__source_id"],
    }


class StudentChanges(Schema):
    items: list[StudentChangeOut] = Field(..., description="Oldest change first; every status.")
    cursor: ChangesCursor
    more: bool = Field(..., description="True when this call was full: call again at once.")


@router.get(
    "/students/changes",
    response={200: StudentChanges, **ERRORS},
    summary="Students changed since a cursor (incremental sync)",
    description=(
        "A keyset feed for systems that keep a copy (the province's or the ministry's "
        "database): students the caller may see, of every status, changed after the cursor "
        "(the student's or the person's data), oldest first. Start without `since`, then "
        "pass back `cursor` until `more` is false; later, from the last cursor again. A "
        "student who moved out of the caller's schools is still reported with the new "
        "status and school; a duplicate merged into another student, as transferred with "
        "`merged_into_source_id`. Each non-empty call is one audit event."
    ),
)
def student_changes(request, params: Query[ChangesParams]):
    return _changes(
        request, params, selectors.student_changes, _STUDENT_CHANGE_ROW, render_student_change
    )


class EnrolmentOut(Schema):
    id: int
    source_id: UUID
    student_id: int
    student_source_id: UUID
    school_id: int
    school_year: str = Field(..., description='e.g. "2025-2026".')
    class_id: int | None
    start_date: dt.date
    end_date: dt.date | None
    status: EnrolmentStatus
    updated_at: dt.datetime


_ENROLMENT_ROW = (
    "id",
    "source_id",
    "student_id",
    "student__source_id",
    "school_id",
    "school_year__code",
    "class_group_id",
    "start_date",
    "end_date",
    "status",
    "updated_at",
)


def render_enrolment_row(r: dict) -> dict:
    return {
        **{k: r[k] for k in ("id", "source_id", "student_id", "school_id")},
        "student_source_id": r["student__source_id"],
        "school_year": r["school_year__code"],
        "class_id": r["class_group_id"],
        **{k: r[k] for k in ("start_date", "end_date", "status", "updated_at")},
    }


class EnrolmentChanges(Schema):
    items: list[EnrolmentOut] = Field(..., description="Oldest change first.")
    cursor: ChangesCursor
    more: bool = Field(..., description="True when this call was full: call again at once.")


@router.get(
    "/enrolments/changes",
    response={200: EnrolmentChanges, **ERRORS},
    summary="Enrolments changed since a cursor (incremental sync)",
    description=(
        "As `/students/changes`: the enrolment history (who joined or left which school and "
        "class, when) at the caller's schools, in the classes they teach, of the students "
        "they may see. A transfer closes one enrolment (end_date, status) and opens another."
    ),
)
def enrolment_changes(request, params: Query[ChangesParams]):
    return _changes(
        request, params, selectors.enrolment_changes, _ENROLMENT_ROW, render_enrolment_row
    )


@router.get(
    "/students/{student_id}",
    response={200: StudentOut, 308: None, **ERRORS},
    summary="One student",
    description=(
        "A duplicate merged into another record (`merged_into_source_id` in the change "
        "feed) answers 308 Permanent Redirect to the record it became, when the caller may "
        "see that one; otherwise 404."
    ),
)
def get_student(request, student_id: int):
    # The full record: the read is written to the audit trail (DESIGN.md).
    try:
        record = selectors.student_record(actor=request.user, student_id=student_id, reason="api")
    except NotFound:
        survivor = selectors.student_survivor(actor=request.user, student_id=student_id)
        if survivor is None:
            raise
        # 308: permanent, and a client repeats the same request there.
        url = request.build_absolute_uri(str(survivor.pk))  # a sibling of this path
        return HttpResponsePermanentRedirect(url, preserve_request=True)
    return render_student(record["student"])


def _school_year(payload: StudentIn, class_group, errors: ErrorCollector):
    if class_group is not None and not payload.school_year:
        return class_group.school_year
    if not payload.school_year:
        errors.add("school_year.required", _("Cần chọn năm học hoặc lớp."), "school_year")
        return None
    year = SchoolYear.objects.filter(code=payload.school_year).first()
    if year is None:
        errors.add(
            "class.school_year",
            _("Năm học %(y)s không tồn tại.") % {"y": payload.school_year},
            "school_year",
        )
    return year


@router.post(
    "/students",
    response={201: StudentOut, **ERRORS},
    summary="Enrol a student",
    openapi_extra=IDEMPOTENT,
)
def create_student(request, payload: StudentIn):
    school = unit_or_error(payload.school_id, "school_id")
    require_unit_access(request, school)
    errors = ErrorCollector()
    class_group = class_or_error(payload.class_id)
    year = _school_year(payload, class_group, errors)
    data = clean_person(payload.model_dump(), errors)
    errors.raise_if_any()
    return create_response(
        request,
        StudentOut,
        lambda: render_student(
            services.student_create(
                actor=request.user,
                data=data,
                school=school,
                school_year=year,
                class_group=class_group,
                start_date=payload.start_date,
                student_code=payload.student_code,
            )
        ),
        FIELDS,
    )


@router.patch(
    "/students/{student_id}", response={200: StudentOut, **ERRORS}, summary="Update a student"
)
def update_student(request, student_id: int, payload: StudentPatch):
    student = selectors.student_get(actor=request.user, student_id=student_id)
    require_unit_access(request, student.current_school)
    changes = payload.model_dump(exclude_unset=True)
    class_group = class_or_error(changes.pop("class_id", None))
    errors = ErrorCollector()
    data = clean_person({**_snapshot(student.person), **changes}, errors)
    errors.raise_if_any()
    with api_fields(FIELDS):
        services.student_update(
            actor=request.user, student=student, data=data, class_group=class_group
        )
    return render_student(selectors.student_get(actor=request.user, student_id=student_id))


# --- staff -------------------------------------------------------------------------------


class StaffOut(Schema):
    id: int
    source_id: UUID
    person_source_id: UUID
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    ethnicity: str
    commune_id: int | None
    address: str
    personal_id: str | None
    moet_id: str | None
    phone: str
    email: str
    unit_id: int
    kind: StaffKind
    position: str
    qualification: str
    main_subject: str
    start_date: dt.date | None
    end_date: dt.date | None
    updated_at: dt.datetime


class StaffPage(Schema):
    items: list[StaffOut]
    count: int
    page: int
    page_size: int


class StaffFilters(PageParams):
    q: str | None = Field(None, description="Name, diacritic-insensitive.")
    unit_id: int | None = Field(None, description="Staff of units under this unit.")
    kind: StaffKind | None = None


class StaffIn(PersonFields):
    unit_id: int
    kind: StaffKind
    position: str = Field("", max_length=100)
    qualification: str = Field("", max_length=100)
    main_subject: str = Field("", max_length=100)
    start_date: dt.date | None = None


class StaffPatch(PersonPatch):
    kind: StaffKind | None = None
    position: str | None = Field(None, max_length=100)
    qualification: str | None = Field(None, max_length=100)


def render_staff(s) -> dict:
    p = s.person
    return {
        "id": s.pk,
        "source_id": s.source_id,
        "person_source_id": p.source_id,
        **_person_out(p),
        "unit_id": s.unit_id,
        "kind": s.kind,
        "position": s.position,
        "qualification": s.qualification,
        "main_subject": s.main_subject,
        "start_date": s.start_date,
        "end_date": s.end_date,
        "updated_at": latest(s.updated_at, p.updated_at),
    }


@router.get("/staff", response={200: StaffPage, **ERRORS}, summary="List staff")
def list_staff(request, filters: Query[StaffFilters]):
    qs = selectors.staff_list(
        actor=request.user, q=filters.q, unit_id=filters.unit_id, kind=filters.kind
    )
    return paginate(qs, filters, render_staff)


# The columns a staff feed item is rendered from (`render_staff_row`).
_STAFF_FIELDS = (
    "unit_id",
    "kind",
    "position",
    "qualification",
    "main_subject",
    "start_date",
    "end_date",
)
_STAFF_ROW = (
    "id",
    "source_id",
    *_STAFF_FIELDS,
    "person__source_id",
    *(f"person__{k}" for k in _PERSON_KEYS),
    "person__updated_at",
)


def render_staff_row(r: dict) -> dict:
    """`render_staff` from a `_STAFF_ROW` dict."""
    return {
        "id": r["id"],
        "source_id": r["source_id"],
        "person_source_id": r["person__source_id"],
        **{k: r[f"person__{k}"] for k in _PERSON_KEYS},
        **{k: r[k] for k in _STAFF_FIELDS},
        "updated_at": latest(r["updated_at"], r["person__updated_at"]),
    }


class StaffChanges(Schema):
    items: list[StaffOut] = Field(..., description="Oldest change first; ended roles too.")
    cursor: ChangesCursor
    more: bool = Field(..., description="True when this call was full: call again at once.")


@router.get(
    "/staff/changes",
    response={200: StaffChanges, **ERRORS},
    summary="Staff changed since a cursor (incremental sync)",
    description=(
        "As `/students/changes`: staff roles the caller may see, ended ones included "
        "(`end_date`), changed after the cursor, oldest first."
    ),
)
def staff_changes(request, params: Query[ChangesParams]):
    return _changes(request, params, selectors.staff_changes, _STAFF_ROW, render_staff_row)


@router.get("/staff/{staff_id}", response={200: StaffOut, **ERRORS}, summary="One staff member")
def get_staff(request, staff_id: int):
    return render_staff(selectors.staff_get(actor=request.user, staff_id=staff_id))


@router.post(
    "/staff",
    response={201: StaffOut, **ERRORS},
    summary="Add a staff member",
    openapi_extra=IDEMPOTENT,
)
def create_staff(request, payload: StaffIn):
    unit = unit_or_error(payload.unit_id, "unit_id")
    require_unit_access(request, unit)
    errors = ErrorCollector()
    data = clean_person(payload.model_dump(), errors)
    errors.raise_if_any()
    return create_response(
        request,
        StaffOut,
        lambda: render_staff(
            services.staff_create(
                actor=request.user,
                data=data,
                unit=unit,
                kind=payload.kind,
                position=payload.position,
                qualification=payload.qualification,
                main_subject=payload.main_subject,
                start_date=payload.start_date,
            )
        ),
        FIELDS,
    )


@router.patch("/staff/{staff_id}", response={200: StaffOut, **ERRORS}, summary="Update staff")
def update_staff(request, staff_id: int, payload: StaffPatch):
    staff = selectors.staff_get(actor=request.user, staff_id=staff_id)
    require_unit_access(request, staff.unit)
    changes = payload.model_dump(exclude_unset=True)
    role = {k: changes.pop(k) for k in ("kind", "position", "qualification") if k in changes}
    errors = ErrorCollector()
    data = clean_person({**_snapshot(staff.person), **changes}, errors)
    errors.raise_if_any()
    with api_fields(FIELDS):
        services.staff_update(actor=request.user, staff=staff, data=data, **role)
    return render_staff(selectors.staff_get(actor=request.user, staff_id=staff_id))
