"""/api/v1 school transfer done by an office that covers both schools (the citizen-facing
request → release → acceptance workflow is a public-service procedure, in eservices). A
transfer is a new enrolment: the person, the student record and the history stay."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from edudx.accounts.tokens import require_unit_access
from edudx.core.api_errors import api_fields
from edudx.core.errors import DomainError
from edudx.org.api import ERRORS, class_or_error, unit_or_error
from edudx.org.models import SchoolYear

from . import selectors, services

router = Router(tags=["people"])


class TransferIn(Schema):
    school_id: int = Field(..., description="The receiving school.")
    class_id: int | None = None
    school_year: str | None = Field(None, description='e.g. "2025-2026"; default: the class\'s.')
    effective: dt.date
    reason: str = Field("", max_length=255)


class EnrolmentOut(Schema):
    id: int
    source_id: str
    school_id: int
    class_id: int | None
    school_year: str
    start_date: dt.date
    end_date: dt.date | None
    status: str


class TransferOut(Schema):
    student_id: int
    enrolments: list[EnrolmentOut]


def _render(e) -> dict:
    return {
        "id": e.pk,
        "source_id": str(e.source_id),
        "school_id": e.school_id,
        "class_id": e.class_group_id,
        "school_year": e.school_year.code,
        "start_date": e.start_date,
        "end_date": e.end_date,
        "status": e.status,
    }


@router.post(
    "/students/{student_id}/transfer",
    response={200: TransferOut, **ERRORS},
    summary="Transfer a student to another school (a new enrolment; history kept)",
)
def transfer_student(request, student_id: int, payload: TransferIn):
    student = selectors.student_get(actor=request.user, student_id=student_id)
    school = unit_or_error(payload.school_id, "school_id")
    class_group = class_or_error(payload.class_id)
    require_unit_access(request, student.current_school)
    require_unit_access(request, school)
    if payload.school_year:
        year = SchoolYear.objects.filter(code=payload.school_year).first()
    else:
        year = class_group.school_year if class_group else None
    if year is None:
        raise DomainError(
            "school_year.unknown", _("Cần chọn năm học hoặc lớp."), field="school_year"
        )
    with api_fields({"school": "school_id", "class_group": "class_id"}):
        services.student_transfer(
            actor=request.user,
            student=student,
            to_school=school,
            school_year=year,
            class_group=class_group,
            effective=payload.effective,
            reason=payload.reason,
        )
    record = selectors.student_record(actor=request.user, student_id=student_id, reason="api")
    return {"student_id": student_id, "enrolments": [_render(e) for e in record["enrolments"]]}
