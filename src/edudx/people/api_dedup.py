"""/api/v1 duplicate people: candidates in the caller's unit-wide scope, and the merge."""

import datetime as dt
from uuid import UUID

from ninja import Field, Query, Router, Schema

from edudx.core.api_errors import api_fields
from edudx.org.api import ERRORS

from . import dedup

router = Router(tags=["people"])


class CandidateOut(Schema):
    person_id: int
    source_id: UUID
    full_name: str
    date_of_birth: dt.date
    commune_id: int | None
    has_personal_id: bool
    student_school_ids: list[int]
    staff_unit_ids: list[int]


class DuplicateFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


class MergeIn(Schema):
    keep_id: int
    drop_id: int
    reason: str = Field("", max_length=255)


class MergeOut(Schema):
    person_id: int
    merged_id: int


def _render(c: dedup.Candidate) -> dict:
    p = c.person
    return {
        "person_id": p.pk,
        "source_id": p.source_id,
        "full_name": p.full_name,
        "date_of_birth": p.date_of_birth,
        "commune_id": p.commune_id,
        "has_personal_id": bool(p.personal_id),
        "student_school_ids": [s.current_school_id for s in c.students if s.current_school_id],
        "staff_unit_ids": [s.unit_id for s in c.staff],
    }


@router.get(
    "/duplicates",
    response={200: list[list[CandidateOut]], **ERRORS},
    summary="Groups of records that look like one person (same name and date of birth)",
)
def list_duplicates(request, filters: Query[DuplicateFilters]):
    groups = dedup.duplicate_groups(actor=request.user, limit=filters.limit)
    return [[_render(c) for c in g] for g in groups]


@router.post(
    "/persons/merge",
    response={200: MergeOut, **ERRORS},
    summary="Merge a duplicate person into another; every history row is kept",
)
def merge_persons(request, payload: MergeIn):
    with api_fields({"drop": "drop_id", "keep": "keep_id"}):
        kept = dedup.merge_for_actor(
            actor=request.user,
            keep_id=payload.keep_id,
            drop_id=payload.drop_id,
            reason=payload.reason,
        )
    return {"person_id": kept.pk, "merged_id": payload.drop_id}
