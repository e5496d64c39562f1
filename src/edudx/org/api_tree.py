"""/api/v1 changes to the shape of the tree: re-parent with an effective date (the July 2025
reform is a series of these) and dissolve; renames are PATCH /units/{id} in org.api. The
caller's unit-wide scope must cover the unit and, for a move, the new parent as well."""

import datetime as dt

from ninja import Field, Router, Schema

from edudx.accounts.tokens import require_unit_access
from edudx.core.api_errors import api_fields

from . import selectors, services
from .api import ERRORS, UnitOut, render_unit, unit_or_error

router = Router(tags=["org"])


class ReparentIn(Schema):
    parent_id: int
    effective: dt.date = Field(..., description="First day under the new parent.")
    reason: str = Field("", max_length=255)


class DissolveIn(Schema):
    effective: dt.date = Field(..., description="First day the unit no longer exists.")
    reason: str = Field("", max_length=255)


class ReparentOut(Schema):
    unit: UnitOut
    moved: int = Field(..., description="Units moved: the unit and its whole subtree.")


@router.post(
    "/units/{unit_id}/reparent",
    response={200: ReparentOut, **ERRORS},
    summary="Move a unit and its subtree under another parent from a date",
)
def reparent_unit(request, unit_id: int, payload: ReparentIn):
    unit = selectors.unit_get(unit_id=unit_id)
    parent = unit_or_error(payload.parent_id, "parent_id")
    require_unit_access(request, unit)
    require_unit_access(request, parent)
    with api_fields({"parent": "parent_id"}):
        moved = services.unit_reparent(
            actor=request.user,
            unit=unit,
            new_parent=parent,
            effective=payload.effective,
            reason=payload.reason,
        )
    return {"unit": render_unit(selectors.unit_get(unit_id=unit_id)), "moved": moved}


@router.post(
    "/units/{unit_id}/dissolve",
    response={200: UnitOut, **ERRORS},
    summary="Close a unit from a date (its history is kept)",
)
def dissolve_unit(request, unit_id: int, payload: DissolveIn):
    unit = selectors.unit_get(unit_id=unit_id)
    require_unit_access(request, unit.parent)
    services.unit_dissolve(
        actor=request.user, unit=unit, effective=payload.effective, reason=payload.reason
    )
    return render_unit(selectors.unit_get(unit_id=unit_id))
