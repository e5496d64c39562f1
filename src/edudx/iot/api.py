"""/api/v1 IoT: devices (scoped), a device's readings over a time range, incidents with
acknowledgement, and the devices' own ingest endpoint.

Devices and incidents are read by the unit-wide roles at or above their school; outside
that scope they are a 404. Devices are registered by the school's principal and clerks
(403 for officers above it); the response carries the ingest secret this once — a replay
of the same Idempotency-Key returns `secret: null` (rotate it on the device page if lost).

POST /iot/readings takes no user: the device authenticates with the headers X-Device-Id
and X-Device-Secret. It is idempotent by nature: a reading is unique on (device, metric,
measured time), so a retried batch stores nothing twice and says how many were
duplicates (docs/iot.md)."""

import datetime as dt
import json
from uuid import UUID

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError
from edudx.core.idempotency import REPLAY_HEADER
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, create_response, paginate

from . import selectors, services
from .models import DeviceKind, Metric

router = Router(tags=["iot"])

H_DEVICE, H_SECRET = "X-Device-Id", "X-Device-Secret"
MAX_RANGE = dt.timedelta(days=31)


class LatestOut(Schema):
    metric: Metric
    value: float
    measured_at: dt.datetime


class DeviceOut(Schema):
    id: int
    source_id: UUID
    device_id: str = Field(..., description="What the device sends (MQTT topic, X-Device-Id).")
    school_id: int
    name: str
    location: str
    kind: DeviceKind
    active: bool
    status: str = Field(..., description="ok, incident, silent (nothing for > 1 h), inactive")
    last_seen_at: dt.datetime | None
    latest: list[LatestOut]
    updated_at: dt.datetime


class DeviceCreatedOut(DeviceOut):
    secret: str | None = Field(
        None, description="The ingest secret, in the first response only (null on a replay)."
    )


class DevicePage(Schema):
    items: list[DeviceOut]
    count: int
    page: int
    page_size: int


class DeviceFilters(PageParams):
    school_id: int | None = None


def render_device(d) -> dict:
    return {
        "id": d.pk,
        "source_id": d.source_id,
        "device_id": d.device_id,
        "school_id": d.school_id,
        "name": d.name,
        "location": d.location,
        "kind": d.kind,
        "active": d.active,
        "status": getattr(d, "status", "ok"),
        "last_seen_at": d.last_seen_at,
        "latest": [
            {"metric": m, "value": d.latest[m][1], "measured_at": d.latest[m][0]}
            for m in Metric.values
            if m in d.latest
        ],
        "updated_at": d.updated_at,
    }


@router.get("/iot/devices", response={200: DevicePage, **ERRORS}, summary="List devices")
def list_devices(request, filters: Query[DeviceFilters]):
    qs = selectors.device_list(actor=request.user, school_id=filters.school_id)
    start = (filters.page - 1) * filters.page_size
    rows = selectors.with_status(list(qs[start : start + filters.page_size]))
    return {
        "items": [render_device(d) for d in rows],
        "count": qs.count(),
        "page": filters.page,
        "page_size": filters.page_size,
    }


@router.get(
    "/iot/devices/{int:device_id}",
    response={200: DeviceOut, **ERRORS},
    summary="One device with its newest value per metric",
)
def get_device(request, device_id: int):
    device = selectors.device_get(actor=request.user, device_pk=device_id)
    return render_device(selectors.with_status([device])[0])


class DeviceIn(Schema):
    school_id: int
    device_id: str = Field(..., description="3–64 of A–Z a–z 0–9 - _; unique.")
    name: str
    location: str = ""
    kind: DeviceKind


@router.post(
    "/iot/devices",
    response={201: DeviceCreatedOut, **ERRORS},
    summary="Register a device (the response carries its ingest secret once)",
    openapi_extra=IDEMPOTENT,
)
def create_device(request, payload: DeviceIn):
    try:
        school = selectors.school_get(actor=request.user, school_id=payload.school_id)
    except DomainError as exc:
        exc.item.field = "school_id"
        raise
    if not selectors.may_manage(request.user, school):
        raise Forbidden(
            "iot.forbidden", _("Chỉ hiệu trưởng và văn thư của trường đăng ký thiết bị.")
        )
    issued: list[str] = []

    def create() -> dict:
        device, secret = services.device_register(
            actor=request.user,
            school=school,
            device_id=payload.device_id,
            name=payload.name,
            location=payload.location,
            kind=payload.kind,
        )
        issued.append(secret)
        return {**render_device(selectors.with_status([device])[0]), "secret": None}

    response = create_response(request, DeviceCreatedOut, create, {})
    # The secret is never stored with the idempotency record: only the first response has it.
    if issued and response.get(REPLAY_HEADER) != "true":
        body = json.loads(response.content)
        body["secret"] = issued[0]
        response.content = json.dumps(body)
    return response


class PointOut(Schema):
    measured_at: dt.datetime = Field(..., description="A rollup's bucket start.")
    value: float = Field(..., description="A rollup's mean.")
    rollup: bool = Field(
        False,
        description="The readings of this hour, older than the raw retention, were rolled up "
        "into one point; `count`, `min` and `max` are given for it (docs/iot.md Retention).",
    )
    count: int | None = None
    min: float | None = None
    max: float | None = None


class SeriesOut(Schema):
    device_id: int
    metric: Metric
    since: dt.datetime
    until: dt.datetime
    points: list[PointOut]


class SeriesFilters(Schema):
    metric: Metric
    since: dt.datetime | None = Field(None, description="Default: 24 hours before `until`.")
    until: dt.datetime | None = Field(None, description="Default: now.")


@router.get(
    "/iot/devices/{int:device_id}/readings",
    response={200: SeriesOut, **ERRORS},
    summary="A device's readings of one metric over a time range (at most 31 days)",
    description="Raw readings; where they were older than the raw retention (90 days) and "
    "compacted, one point per hour: its mean at the hour's start, with `rollup: true`, "
    "`count`, `min`, `max` (keys omitted on raw points).",
    exclude_none=True,
)
def device_readings(request, device_id: int, filters: Query[SeriesFilters]):
    device = selectors.device_get(actor=request.user, device_pk=device_id)
    until = filters.until or timezone.now()
    since = filters.since or until - dt.timedelta(hours=24)
    if timezone.is_naive(until) or timezone.is_naive(since):
        raise DomainError("iot.range_timezone", _("since và until phải có múi giờ."), field="since")
    if since > until:
        raise DomainError("iot.range_order", _("since phải trước until."), field="since")
    if until - since > MAX_RANGE:
        raise DomainError(
            "iot.range_too_long", _("Khoảng thời gian tối đa 31 ngày."), field="since"
        )
    points = selectors.readings_series(
        device=device, metric=filters.metric, since=since, until=until
    )
    return {
        "device_id": device.pk,
        "metric": filters.metric,
        "since": since,
        "until": until,
        "points": [
            {
                "measured_at": p.measured_at,
                "value": p.value,
                "rollup": True,
                "count": p.count,
                "min": p.min,
                "max": p.max,
            }
            if p.rollup
            else {"measured_at": p.measured_at, "value": p.value}
            for p in points
        ],
    }


class IncidentOut(Schema):
    id: int
    source_id: UUID
    device_id: int
    school_id: int
    rule_id: int
    metric: Metric
    comparison: str
    threshold: float
    clear_level: float | None = Field(
        ..., description="The incident closes only once a reading is back at or beyond it."
    )
    severity: str
    message: str = Field(
        ..., description="The rule's message in the request's language (Accept-Language)."
    )
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    peak_value: float
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None


class IncidentPage(Schema):
    items: list[IncidentOut]
    count: int
    page: int
    page_size: int


class IncidentFilters(PageParams):
    school_id: int | None = None
    open: bool = Field(False, description="Only incidents still open.")


def render_incident(i) -> dict:
    return {
        "id": i.pk,
        "source_id": i.source_id,
        "device_id": i.device_id,
        "school_id": i.device.school_id,
        "rule_id": i.rule_id,
        "metric": i.rule.metric,
        "comparison": i.rule.comparison,
        "threshold": i.rule.threshold,
        "clear_level": i.rule.clear_level,
        "severity": i.rule.severity,
        "message": i.rule.message_text,
        "opened_at": i.opened_at,
        "closed_at": i.closed_at,
        "peak_value": i.peak_value,
        "acknowledged_by": i.acknowledged_by.username if i.acknowledged_by_id else None,
        "acknowledged_at": i.acknowledged_at,
    }


@router.get("/iot/incidents", response={200: IncidentPage, **ERRORS}, summary="List incidents")
def list_incidents(request, filters: Query[IncidentFilters]):
    qs = selectors.incident_list(
        actor=request.user, school_id=filters.school_id, open_only=filters.open
    )
    return paginate(qs, filters, render_incident)


@router.post(
    "/iot/incidents/{int:incident_id}/acknowledge",
    response={200: IncidentOut, **ERRORS},
    summary="Acknowledge an incident (again: no change)",
)
def acknowledge_incident(request, incident_id: int):
    incident = selectors.incident_get(actor=request.user, incident_pk=incident_id)
    services.incident_acknowledge(actor=request.user, incident=incident)
    return render_incident(selectors.incident_get(actor=request.user, incident_pk=incident_id))


class ReadingIn(Schema):
    metric: Metric
    value: float
    ts: dt.datetime | int = Field(..., description="ISO 8601 with offset, or Unix seconds.")


class ReadingsIn(Schema):
    readings: list[ReadingIn] = Field(..., max_length=services.MAX_BATCH)


class IngestOut(Schema):
    accepted: int = Field(..., description="Readings stored now.")
    duplicates: int = Field(..., description="Readings already stored (a retry), not stored again.")
    incidents_opened: int
    incidents_closed: int


@router.post(
    "/iot/readings",
    auth=None,
    response={200: IngestOut, **ERRORS},
    summary="A device sends a batch of readings (X-Device-Id + X-Device-Secret; no user)",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": ReadingsIn.model_json_schema()}},
            "required": True,
        },
        "parameters": [
            {"in": "header", "name": h, "required": True, "schema": {"type": "string"}}
            for h in (H_DEVICE, H_SECRET)
        ],
    },
)
def ingest_readings(request: HttpRequest):
    # Parsed here, not by a schema, so every error names the reading's index and field in
    # the words the MQTT path uses too (services.readings_parse).
    device = services.device_authenticate(
        device_id=request.headers.get(H_DEVICE), secret=request.headers.get(H_SECRET)
    )
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        data = None
    if not isinstance(data, dict) or "readings" not in data:
        raise DomainError(
            "iot.json",
            _('Nội dung phải là JSON {"readings": [{"metric", "value", "ts"}, …]}.'),
            field="readings",
        )
    result = services.readings_ingest(device=device, items=data["readings"])
    return JsonResponse(
        {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "incidents_opened": len(result.opened),
            "incidents_closed": len(result.closed),
        }
    )
