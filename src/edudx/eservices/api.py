"""/api/v1 online public services: the procedure catalogue, dossiers (submission with
Idempotency-Key, status by code + phone, officer transitions, ratings) and admissions
(application, result, confirmation, live counts, allocation).

Submitting does not need an account: a parent may apply with a phone number (the
`public` authentication below lets the request through without credentials, while a
session or token, when present, is still checked — CSRF and TOTP included)."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from edudx.accounts.tokens import TokenAuth, VerifiedSessionAuth, actor_key
from edudx.core.api_errors import ErrorOut, Unauthorized
from edudx.core.errors import NotFound
from edudx.core.idempotency import idempotent
from edudx.core.phones import normalise_phone
from edudx.core.scope import scope_of
from edudx.fees.models import InvoiceStatus
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, json_body, paginate

from . import admissions, selectors, services
from .gate import submission_gate
from .models import (
    AdmissionApplication,
    AdmissionRound,
    ApplicationStatus,
    Dossier,
    DossierStatus,
)

router = Router(tags=["eservices"])


def public(request):
    """No credentials: an anonymous applicant (tracking code + phone)."""
    return "anonymous"


OPTIONAL_AUTH = [TokenAuth(), VerifiedSessionAuth(), public]
BUSY = {503: ErrorOut}


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _user(request):
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _require_user(request):
    user = _user(request)
    if user is None:
        raise Unauthorized("auth.required", _("Cần đăng nhập."))
    return user


# --- procedures ------------------------------------------------------------------------------


class ProcedureOut(Schema):
    code: str
    name: str
    kind: str
    level: str
    legal_basis: str
    unit_kind: str
    fee: int
    processing_days: int
    fields: list[dict]
    attachments: list[dict]
    steps: list[str]


def _procedure(p) -> dict:
    return {f: getattr(p, f) for f in ProcedureOut.model_fields}


@router.get(
    "/procedures",
    response=list[ProcedureOut],
    auth=OPTIONAL_AUTH,
    summary="The public-service procedure catalogue",
)
def list_procedures(request, kind: str | None = None):
    return [_procedure(p) for p in selectors.procedures(kind=kind)]


@router.get(
    "/procedures/{code}",
    response={200: ProcedureOut, **ERRORS},
    auth=OPTIONAL_AUTH,
    summary="One procedure: form fields, attachments, steps",
)
def get_procedure(request, code: str):
    return _procedure(selectors.procedure_get(code))


# --- attachments and dossiers ----------------------------------------------------------------


class AttachmentOut(Schema):
    token: str
    kind: str
    filename: str
    content_type: str
    size: int


@router.post(
    "/attachments",
    response={201: AttachmentOut, **ERRORS},
    auth=OPTIONAL_AUTH,
    summary="Upload one attachment before submitting (PDF, JPEG or PNG; checked on the bytes)",
)
def upload_attachment(request, kind: Form[str], file: File[UploadedFile]):
    data = file.read(services.setting("MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024) + 1)
    a = services.attachment_upload(
        actor=_user(request),
        kind=kind,
        filename=file.name or "",
        data=data,
        claimed_type=file.content_type or "",
    )
    return Status(
        201,
        {
            "token": str(a.token),
            "kind": a.kind,
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
        },
    )


class DossierIn(Schema):
    procedure: str
    unit_id: int | None = Field(None, description="The resolving unit when no school is given.")
    data: dict = Field(default_factory=dict, description="The procedure's form fields.")
    attachments: list[str] = Field(default_factory=list, description="Tokens from /attachments.")


class DossierEventOut(Schema):
    action: str
    status: str
    comment: str
    at: dt.datetime


class DossierFeeOut(Schema):
    reference: str = Field(..., description="The invoice reference to put in the transfer.")
    amount: int = Field(..., description="The fee, whole đồng.")
    paid: int
    outstanding: int = Field(
        ..., description="Still to pay, whole đồng; 0 once cancelled or refunding."
    )
    status: str = Field(..., description="open, partial, paid, overpaid or cancelled.")
    status_label: str
    refunding: bool = Field(
        False, description="The dossier was rejected after a payment: nothing more is owed "
        "and what was paid is being refunded.",
    )  # fmt: skip


class DossierOut(Schema):
    code: str
    procedure: str
    procedure_name: str
    unit: str
    status: str
    status_label: str
    submitted_at: dt.datetime | None
    due_date: dt.date | None
    overdue: bool
    result_available: bool
    fee: DossierFeeOut | None = Field(None, description="The fee and its payment; null: free.")
    events: list[DossierEventOut]


def _fee(d: Dossier) -> dict:
    inv = d.invoice
    refunding = selectors.fee_refunding(d)
    return {
        "reference": inv.reference,
        "amount": inv.total,
        "paid": inv.paid,
        "outstanding": 0 if refunding or inv.status == InvoiceStatus.CANCELLED else inv.outstanding,
        "status": inv.status,
        "status_label": str(inv.get_status_display()),
        "refunding": refunding,
    }


def render_dossier(d: Dossier, *, with_events=True) -> dict:
    return {
        "code": d.code,
        "procedure": d.procedure.code,
        "procedure_name": d.procedure.name,
        "unit": d.unit.name,
        "status": d.status,
        "status_label": str(DossierStatus(d.status).label),
        "submitted_at": d.submitted_at,
        "due_date": d.due_date,
        "overdue": selectors.is_overdue(d),
        "result_available": bool(d.result_reference),
        "fee": _fee(d) if d.invoice_id else None,
        "events": [
            {"action": e.action, "status": e.to_status, "comment": e.comment, "at": e.at}
            for e in (d.events.all() if with_events else [])
        ],
    }


@router.post(
    "/dossiers",
    response={201: DossierOut, **ERRORS, **BUSY},
    auth=OPTIONAL_AUTH,
    summary="Submit a dossier (Idempotency-Key: a retry never files twice)",
    openapi_extra=IDEMPOTENT,
)
@submission_gate
def submit_dossier(request, payload: DossierIn):
    procedure = selectors.procedure_get(payload.procedure)
    user = _user(request)
    key = actor_key(request) if user else f"phone:{normalise_phone(payload.data.get('phone'))}"

    def run() -> dict:
        d = services.dossier_create(
            actor=user,
            procedure=procedure,
            raw=payload.data,
            attachments=payload.attachments,
            unit_id=payload.unit_id,
        )
        return json_body(DossierOut, render_dossier(d))

    return idempotent(request, actor_key=key, run=run)


@router.get(
    "/dossiers/status",
    response={200: DossierOut, **ERRORS},
    auth=OPTIONAL_AUTH,
    summary="Status of a dossier by its code and the applicant's phone (throttled)",
)
def dossier_status(request, code: str, phone: str):
    d = services.dossier_by_code_and_phone(code=code, phone=phone, client_key=_client(request))
    return render_dossier(d)


class DossierPage(Schema):
    items: list[DossierOut]
    count: int
    page: int
    page_size: int


class DossierFilters(PageParams):
    mine: bool = Field(
        False, description="My own dossiers as applicant, even for an officer (a parent too)."
    )
    status: str | None = Field(None, description="An officer's queue: one status, or 'waiting'.")
    overdue: bool = Field(False, description="An officer's queue: past their due date only.")


@router.get(
    "/dossiers",
    response={200: DossierPage, **ERRORS},
    summary="The officer's queue (most urgent first), or else my own dossiers (newest first)",
)
def list_dossiers(request, filters: Query[DossierFilters]):
    user = _require_user(request)
    if filters.mine or selectors.officer_units_q(user) is None:
        qs = selectors.my_dossiers(actor=user)
    else:
        qs = selectors.officer_queue(actor=user, status=filters.status, overdue=filters.overdue)
    return paginate(qs, filters, lambda d: render_dossier(d, with_events=False))


class TransitionIn(Schema):
    action: str = Field(..., description=", ".join(services.OFFICER_ACTIONS))
    comment: str = Field(..., max_length=2000)
    class_id: int | None = Field(None, description="accept: the receiving class.")


@router.post(
    "/dossiers/{code}/transitions",
    response={200: DossierOut, **ERRORS},
    summary="An officer moves a dossier one step (with a comment; audited)",
)
def transition(request, code: str, payload: TransitionIn):
    user = _require_user(request)
    scope = scope_of(user)
    if scope.everything or scope.unit_paths:
        # An officer of another unit learns why (403 naming the responsible unit).
        d = Dossier.objects.select_related("procedure", "unit").filter(code=code.upper()).first()
        if d is None:
            raise NotFound("dossier.not_found", _("Không tìm thấy hồ sơ."))
    else:
        d = selectors.dossier_get(actor=user, code=code)
    d = services.dossier_transition(
        actor=request.user,
        dossier=d,
        action=payload.action,
        comment=payload.comment,
        class_id=payload.class_id,
    )
    return render_dossier(d)


class RatingIn(Schema):
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=2000)
    phone: str | None = None


@router.post(
    "/dossiers/{code}/rating",
    response={201: dict, **ERRORS},
    auth=OPTIONAL_AUTH,
    summary="Rate a closed dossier 1–5 (applicant, by account or phone)",
)
def rate(request, code: str, payload: RatingIn):
    d = Dossier.objects.filter(code=code.strip().upper()).first()
    if d is None or not services.may_act_as_applicant(_user(request), d, payload.phone):
        raise NotFound("dossier.not_found", _("Không tìm thấy hồ sơ."))
    r = services.dossier_rate(
        actor=_user(request),
        dossier=d,
        score=payload.score,
        comment=payload.comment,
        phone=payload.phone,
    )
    return Status(201, {"code": d.code, "score": r.score})


# --- admissions ------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    name: str
    grade: int
    school_year: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    seed: str
    status: str
    schools: list[dict]


def _round(r: AdmissionRound) -> dict:
    return {
        "id": r.pk,
        "name": r.name,
        "grade": r.grade,
        "school_year": r.school_year.code,
        "opens_at": r.opens_at,
        "closes_at": r.closes_at,
        "seed": r.seed,
        "status": r.status,
        "schools": [
            {
                "id": s.school_id,
                "name": s.school.name,
                "quota": s.quota,
                "group_quotas": s.group_quotas,
            }
            for s in r.schools.select_related("school").order_by("school__name")
        ],
    }


@router.get(
    "/admissions/rounds",
    response=list[RoundOut],
    auth=OPTIONAL_AUTH,
    summary="Admission rounds open or upcoming (with the published lottery seed)",
)
def list_rounds(request):
    return [_round(r) for r in selectors.open_rounds()]


class ApplicationIn(Schema):
    child_personal_id: str = Field(..., max_length=20)
    child_name: str = Field(..., max_length=200)
    date_of_birth: str = Field(..., description="dd/mm/yyyy or yyyy-mm-dd")
    sex: str = Field(..., description="M or F")
    commune: int
    village: str = Field("", max_length=100)
    school: int
    priorities: list[str] = Field(default_factory=list)
    applicant_name: str = Field(..., max_length=200)
    phone: str = Field(..., max_length=20)


class ApplicationOut(Schema):
    code: str
    round: int
    child_name: str
    school: str
    in_zone: bool
    status: str
    status_label: str
    allocated_school: str | None
    class_name: str | None


def render_application(a: AdmissionApplication, school_name: str | None = None) -> dict:
    return {
        "code": a.code,
        "round": a.round_id,
        "child_name": a.child_name,
        "school": school_name or a.school.name,
        "in_zone": a.in_zone,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "allocated_school": a.allocated_school.name if a.allocated_school_id else None,
        "class_name": a.class_group.name if a.class_group_id else None,
    }


def application_created(a: AdmissionApplication) -> dict:
    """The 201 body of a new application (also the hot path's, `eservices.live`)."""
    names = admissions.round_config(a.round_id).school_names
    # Plain JSON values in ApplicationOut's order (json_body's schema round trip gives the
    # same dict and cost a fifth of the hot path; tests/eservices/test_live.py checks it).
    return {
        "code": a.code,
        "round": a.round_id,
        "child_name": a.child_name,
        "school": names.get(a.school_id, ""),
        "in_zone": a.in_zone,
        "status": str(a.status),
        "status_label": str(ApplicationStatus(a.status).label),
        "allocated_school": None,
        "class_name": None,
    }


@router.post(
    "/admissions/rounds/{round_id}/applications",
    response={201: ApplicationOut, **ERRORS, **BUSY},
    auth=OPTIONAL_AUTH,
    summary="Apply for a place (one per child per round; Idempotency-Key; 503 when busy)",
    description=(
        "Submission time gives no advantage: places are allocated after the window closes "
        "by zone, then priority, then a lottery with the round's published seed. When the "
        "server is saturated it answers 503 with Retry-After; retry with the same "
        "Idempotency-Key and the application is counted once."
    ),
    openapi_extra=IDEMPOTENT,
)
@submission_gate
def apply(request, round_id: int, payload: ApplicationIn):
    user = _user(request)
    raw = payload.dict()
    key = actor_key(request) if user else f"phone:{normalise_phone(payload.phone)}"

    def run() -> dict:
        return application_created(
            admissions.application_submit(actor=user, round_id=round_id, raw=raw)
        )

    # rerunnable: the submission only writes rows (the audit event deferred), so a retry
    # may run it again inside a transaction that is then rolled back and replayed.
    return idempotent(request, actor_key=key, run=run, rerunnable=True)


@router.get(
    "/admissions/applications/{code}",
    response={200: ApplicationOut, **ERRORS},
    auth=OPTIONAL_AUTH,
    summary="An application and its result (by account, or code + phone)",
)
def application_result(request, code: str, phone: str | None = None):
    return render_application(_application(request, code, phone))


def _application(request, code: str, phone: str | None) -> AdmissionApplication:
    """The application for its applicant or an officer; look-ups by code + phone are
    throttled per client like dossier look-ups, and a wrong phone says nothing more than
    an unknown code."""
    client = _client(request)
    if _user(request) is None and not services.lookup_allowed(client):
        raise services.Throttled(
            "lookup.throttled", _("Tra cứu sai quá nhiều lần; vui lòng thử lại sau 15 phút.")
        )
    try:
        return admissions.application_get(actor=_user(request), code=code, phone=phone)
    except NotFound:
        if _user(request) is None:
            services.lookup_failed(client)
        raise


class ConfirmIn(Schema):
    phone: str | None = None


@router.post(
    "/admissions/applications/{code}/confirm",
    response={200: ApplicationOut, **ERRORS},
    auth=OPTIONAL_AUTH,
    summary="The parent confirms enrolment (creates the enrolment in the intake class)",
)
def application_confirm(request, code: str, payload: ConfirmIn):
    a = _application(request, code, payload.phone)
    a = admissions.application_confirm(actor=_user(request), application=a, phone=payload.phone)
    return render_application(
        AdmissionApplication.objects.select_related(
            "school", "allocated_school", "class_group"
        ).get(pk=a.pk)
    )


class QuotaIn(Schema):
    school_id: int
    quota: int | None = Field(None, description="Grade 1 or 6: places; 0 or more.")
    group_quotas: dict[str, int] | None = Field(
        None,
        description='Preschool (grade 0): places per age group, {"3": n, "4": n, "5": n}.',
    )


class ZoneIn(Schema):
    school_id: int
    commune_id: int
    villages: list[str] = Field(
        default_factory=list, description="Villages or residential groups; empty: the commune."
    )


class RoundIn(Schema):
    procedure: str | None = Field(None, description="Create only: an admission procedure.")
    unit_id: int | None = Field(None, description="Create only: the organising unit.")
    school_year: str | None = Field(None, description="Create only: e.g. 2026-2027.")
    name: str = Field(..., max_length=200)
    opens_at: dt.datetime
    closes_at: dt.datetime
    confirm_until: dt.date | None = None
    seed: str = Field(..., max_length=64, description="The published lottery seed.")
    schools: list[QuotaIn]
    zones: list[ZoneIn]
    allow_overlaps: bool = Field(False, description="Accept zones of two schools overlapping.")


class ZoneOut(Schema):
    school_id: int
    commune_id: int
    commune: str
    village: str


class RoundDetailOut(RoundOut):
    unit_id: int
    procedure: str
    confirm_until: dt.date | None
    zones: list[ZoneOut]


def _round_detail(r: AdmissionRound) -> dict:
    return {
        **_round(r),
        "unit_id": r.unit_id,
        "procedure": r.procedure.code,
        "confirm_until": r.confirm_until,
        "zones": [
            {
                "school_id": z.school_id,
                "commune_id": z.commune_id,
                "commune": z.commune.name,
                "village": z.village,
            }
            for z in r.zones.select_related("commune").order_by("school_id", "commune_id", "id")
        ],
    }


def _round_args(payload: RoundIn) -> dict:
    return {
        "name": payload.name,
        "opens_at": payload.opens_at,
        "closes_at": payload.closes_at,
        "confirm_until": payload.confirm_until,
        "seed": payload.seed,
        "schools": [
            (q.school_id, q.quota if q.group_quotas is None else q.group_quotas)
            for q in payload.schools
        ],
        "zones": [
            (z.school_id, z.commune_id, v) for z in payload.zones for v in (z.villages or [""])
        ],
        "allow_overlaps": payload.allow_overlaps,
    }


@router.post(
    "/admissions/rounds",
    response={201: RoundDetailOut, **ERRORS},
    summary="Create an admission round with quotas and zones (officers of the organising unit)",
)
def create_round(request, payload: RoundIn):
    user = _require_user(request)
    procedure = selectors.procedure_get(payload.procedure or "")
    unit = selectors.officer_unit_get(actor=user, unit_id=payload.unit_id)
    year = selectors.school_year_get(payload.school_year or "")
    r = admissions.round_save(
        actor=user, procedure=procedure, unit=unit, school_year=year, **_round_args(payload)
    )
    return Status(
        201, _round_detail(AdmissionRound.objects.select_related("school_year").get(pk=r.pk))
    )


@router.get(
    "/admissions/rounds/{round_id}",
    response={200: RoundDetailOut, **ERRORS},
    auth=OPTIONAL_AUTH,
    summary="One admission round: window, seed, quotas and zones",
)
def get_round(request, round_id: int):
    return _round_detail(selectors.round_get(round_id))


@router.put(
    "/admissions/rounds/{round_id}",
    response={200: RoundDetailOut, **ERRORS},
    summary="Edit a round before allocation: window, seed (not once open), quotas, zones",
)
def edit_round(request, round_id: int, payload: RoundIn):
    r = _officer_round(request, round_id)
    admissions.round_save(actor=request.user, round_=r, **_round_args(payload))
    return _round_detail(selectors.round_get(round_id))


class CalendarDayIn(Schema):
    name: str = Field(..., max_length=200)
    is_holiday: bool = Field(..., description="true: a day off; false: a make-up working day.")
    unit_id: int | None = Field(None, description="A province or commune; empty: national.")


class CalendarDayOut(Schema):
    date: dt.date
    name: str
    is_holiday: bool
    unit_id: int | None
    unit: str | None
    dossiers_moved: int = Field(
        0, description="Open dossiers whose due date this change moved (PUT only)."
    )


class CalendarDeleteOut(Schema):
    dossiers_moved: int = Field(..., description="Open dossiers whose due date moved.")


def _day(d) -> dict:
    return {
        "date": d.date,
        "name": d.name,
        "is_holiday": d.is_holiday,
        "unit_id": d.unit_id,
        "unit": d.unit.name if d.unit_id else None,
    }


@router.get(
    "/calendar/days",
    response={200: list[CalendarDayOut], **ERRORS},
    auth=OPTIONAL_AUTH,
    summary="Extra days off and make-up working days added to the shipped holiday table",
)
def list_calendar_days(request, year: int | None = None, unit_id: int | None = None):
    return [_day(d) for d in selectors.calendar_days(year=year, unit_id=unit_id)]


def _calendar_unit(request, unit_id: int | None):
    if unit_id is None:
        return None
    return selectors.officer_unit_get(actor=_require_user(request), unit_id=unit_id)


@router.put(
    "/calendar/days/{day}",
    response={200: CalendarDayOut, **ERRORS},
    summary="Add or change a day off or make-up working day (officers of the unit)",
)
def put_calendar_day(request, day: dt.date, payload: CalendarDayIn):
    _require_user(request)
    change = services.calendar_day_save(
        actor=request.user,
        date=day,
        name=payload.name,
        is_holiday=payload.is_holiday,
        unit=_calendar_unit(request, payload.unit_id),
    )
    return {**_day(change.day), "dossiers_moved": change.dossiers_moved}


@router.delete(
    "/calendar/days/{day}",
    response={200: CalendarDeleteOut, **ERRORS},
    summary="Remove an added day (officers of the unit); open dossiers' due dates move",
)
def delete_calendar_day(request, day: dt.date, unit_id: int | None = None):
    _require_user(request)
    change = services.calendar_day_delete(
        actor=request.user, date=day, unit=_calendar_unit(request, unit_id)
    )
    return {"dossiers_moved": change.dossiers_moved}


def _officer_round(request, round_id: int) -> AdmissionRound:
    r = selectors.officer_rounds(actor=_require_user(request)).filter(pk=round_id).first()
    if r is None:
        raise NotFound("round.not_found", _("Không có đợt tuyển sinh này."))
    return r


@router.get(
    "/admissions/rounds/{round_id}/counts",
    response={200: list[dict], **ERRORS},
    summary="Live counts per school against quota (officers of the organising unit)",
)
def round_counts(request, round_id: int):
    return admissions.live_counts(actor=request.user, round_=_officer_round(request, round_id))


@router.post(
    "/admissions/rounds/{round_id}/allocate",
    response={200: dict, **ERRORS},
    summary="Run the allocation after the window closes and notify every applicant",
)
def round_allocate(request, round_id: int):
    return admissions.round_allocate(actor=request.user, round_=_officer_round(request, round_id))
