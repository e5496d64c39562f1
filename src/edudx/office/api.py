"""/api/v1/office: incoming and outgoing registers and work dossiers, scoped like the pages
(office.selectors): a document, dossier or unit outside the caller's registers is a 404 (a
document handed to the caller is readable); an action they may not take a 403 with its
reason. POSTs take an Idempotency-Key. A PDF is attached after registering (multipart `file`)."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile

from edudx.accounts.tokens import actor_key
from edudx.core.api_errors import api_fields
from edudx.core.errors import DomainError
from edudx.core.idempotency import idempotent
from edudx.core.signing_api import SignatureOut
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, create_response, json_body, paginate

from . import selectors, services
from .models import DocumentType, DossierStatus, IncomingStatus, Medium, SigningStage, Urgency
from .views_verify import upload_problem

# Schema names carry the app (OpenAPI components are global: eservices has a DossierIn).
router = Router(tags=["office"])


# --- incoming ---------------------------------------------------------------------------------


class OfficeIncomingOut(Schema):
    id: int
    source_id: str
    unit_id: int
    unit: str
    year: int
    number: int
    sender: str
    symbol: str
    issued_on: dt.date
    received_on: dt.date
    summary: str
    urgency: Urgency
    electronic: bool
    has_attachment: bool
    status: IncomingStatus
    handler_id: int | None
    handler: str | None
    due_on: dt.date | None
    overdue: bool
    dossier_id: int | None
    updated_at: dt.datetime


def render_incoming(d) -> dict:
    return {
        "id": d.pk,
        "source_id": str(d.source_id),
        "unit_id": d.unit_id,
        "unit": d.unit.name,
        "year": d.year,
        "number": d.number,
        "sender": d.sender,
        "symbol": d.symbol,
        "issued_on": d.issued_on,
        "received_on": d.received_on,
        "summary": d.summary,
        "urgency": d.urgency,
        "electronic": d.electronic,
        "has_attachment": bool(d.attachment),
        "status": d.status,
        "handler_id": d.handler_id,
        "handler": selectors.user_label(d.handler) or None,
        "due_on": d.due_on,
        "overdue": selectors.is_overdue(d),
        "dossier_id": d.dossier_id,
        "updated_at": d.updated_at,
    }


class OfficeIncomingPage(Schema):
    items: list[OfficeIncomingOut]
    count: int
    page: int
    page_size: int


class OfficeIncomingFilters(PageParams):
    unit_id: int | None = Field(None, description="One of the caller's register units.")
    q: str = Field("", max_length=100, description="Summary, sender, symbol; no diacritics needed.")
    status: IncomingStatus | None = None
    overdue: bool = False
    year: int | None = None


def _filter_unit(request, unit_id: int | None):
    """The register unit a list is narrowed to (one of the caller's; 404 otherwise)."""
    if unit_id is None:
        return None
    return selectors.register_unit_get(actor=request.user, unit_id=unit_id)


@router.get(
    "/office/incoming",
    response={200: OfficeIncomingPage, **ERRORS},
    summary="Incoming register of the caller's units, or the documents handed to the caller",
)
def list_incoming(request, filters: Query[OfficeIncomingFilters]):
    unit = _filter_unit(request, filters.unit_id)
    qs = selectors.incoming_list(
        actor=request.user,
        unit=unit,
        q=filters.q,
        status=filters.status,
        overdue=filters.overdue,
        year=filters.year,
    )
    return paginate(qs, filters, render_incoming)


@router.get(
    "/office/incoming/{document_id}",
    response={200: OfficeIncomingOut, **ERRORS},
    summary="One incoming document",
)
def get_incoming(request, document_id: int):
    return render_incoming(selectors.incoming_get(actor=request.user, document_id=document_id))


class OfficeIncomingIn(Schema):
    unit_id: int
    sender: str = Field(..., max_length=255, description="Cơ quan ban hành.")
    symbol: str = Field(..., max_length=100, description='Số và ký hiệu, e.g. "125/SGDĐT-VP".')
    issued_on: dt.date
    received_on: dt.date
    summary: str = Field(..., max_length=500, description="Trích yếu.")
    urgency: Urgency = Urgency.NORMAL
    electronic: bool = True


@router.post(
    "/office/incoming",
    response={201: OfficeIncomingOut, **ERRORS},
    summary="Register an incoming document (the next incoming number of its year)",
    openapi_extra=IDEMPOTENT,
)
def create_incoming(request, payload: OfficeIncomingIn):
    unit = selectors.register_unit_get(actor=request.user, unit_id=payload.unit_id)
    data = services.IncomingData(
        **payload.model_dump(include={"sender", "symbol", "issued_on", "received_on", "summary"}),
        urgency=payload.urgency,
        electronic=payload.electronic,
    )
    return create_response(
        request,
        OfficeIncomingOut,
        lambda: render_incoming(
            services.incoming_register(actor=request.user, unit=unit, data=data)
        ),
        {},
    )


class OfficeAssignIn(Schema):
    handler_id: int = Field(..., description="A user with a staff role at the document's unit.")
    due_on: dt.date


def _updated(request, schema, render, run) -> dict:
    """An idempotent 200 action answering with what it changed, rendered by `render`."""
    return idempotent(
        request,
        actor_key=actor_key(request),
        run=lambda: json_body(schema, render(run())),
        status=200,
    )


@router.post(
    "/office/incoming/{document_id}/assign",
    response={200: OfficeIncomingOut, **ERRORS},
    summary="Hand the document to a staff member of the unit with a due date (notified)",
    openapi_extra=IDEMPOTENT,
)
def assign_incoming(request, document_id: int, payload: OfficeAssignIn):
    doc = selectors.incoming_get(actor=request.user, document_id=document_id)
    handler = selectors.handlers(doc.unit).filter(pk=payload.handler_id).first()
    return _updated(
        request,
        OfficeIncomingOut,
        render_incoming,
        lambda: services.incoming_assign(
            actor=request.user, document=doc, handler=handler, due_on=payload.due_on
        ),
    )


@router.post(
    "/office/incoming/{document_id}/done",
    response={200: OfficeIncomingOut, **ERRORS},
    summary="The handler (or the unit's clerk or leader) marks the document handled",
    openapi_extra=IDEMPOTENT,
)
def done_incoming(request, document_id: int):
    doc = selectors.incoming_get(actor=request.user, document_id=document_id)
    return _updated(
        request,
        OfficeIncomingOut,
        render_incoming,
        lambda: services.incoming_done(actor=request.user, document=doc),
    )


def _attach(request, doc, file):
    with api_fields({"attachment": "file"}):  # the multipart field's name
        return services.document_attach(actor=request.user, document=doc, upload=file)


@router.post(
    "/office/incoming/{document_id}/attachment",
    response={200: OfficeIncomingOut, **ERRORS},
    summary="Attach the document's PDF (multipart field `file`; once, checked on the bytes)",
    openapi_extra=IDEMPOTENT,
)
def attach_incoming(request, document_id: int, file: File[UploadedFile]):
    doc = selectors.incoming_get(actor=request.user, document_id=document_id)
    return _updated(
        request, OfficeIncomingOut, render_incoming, lambda: _attach(request, doc, file)
    )


# --- outgoing ---------------------------------------------------------------------------------


class OfficeOutgoingOut(Schema):
    id: int
    source_id: str
    unit_id: int
    unit: str
    year: int
    number: int
    symbol: str
    number_symbol: str = Field(..., description='"125/SGDĐT-VP".')
    doc_type: DocumentType
    issued_on: dt.date
    signer: str
    recipients: str
    summary: str
    urgency: Urgency
    electronic: bool
    has_attachment: bool
    reply_to_id: int | None
    dossier_id: int | None
    signed_at: dt.datetime | None = Field(
        ..., description="When the unit's head signed the PDF (PAdES); then it is final."
    )
    signed_name: str | None = Field(..., description="The signing certificate's name.")
    sealed_at: dt.datetime | None = Field(
        ...,
        description=(
            "When the văn thư affixed the unit's own digital signature (ký số của cơ quan, "
            "tổ chức), after the head's."
        ),
    )
    sealed_name: str | None = Field(..., description="The unit certificate's name.")
    signing_stage: SigningStage | None = Field(
        ...,
        description=(
            "no_pdf, awaiting_head, awaiting_unit (the văn thư's signature), sealed; null for "
            "a paper document."
        ),
    )
    updated_at: dt.datetime


def render_outgoing(d) -> dict:
    return {
        "id": d.pk,
        "source_id": str(d.source_id),
        "unit_id": d.unit_id,
        "unit": d.unit.name,
        "year": d.year,
        "number": d.number,
        "symbol": d.symbol,
        "number_symbol": d.number_symbol,
        "doc_type": d.doc_type,
        "issued_on": d.issued_on,
        "signer": d.signer,
        "recipients": d.recipients,
        "summary": d.summary,
        "urgency": d.urgency,
        "electronic": d.electronic,
        "has_attachment": bool(d.attachment),
        "reply_to_id": d.reply_to_id,
        "dossier_id": d.dossier_id,
        "signed_at": d.signed_at,
        "signed_name": d.signed_name or None,
        "sealed_at": d.sealed_at,
        "sealed_name": d.sealed_name or None,
        "signing_stage": d.signing_stage,
        "updated_at": d.updated_at,
    }


class OfficeOutgoingPage(Schema):
    items: list[OfficeOutgoingOut]
    count: int
    page: int
    page_size: int


class OfficeOutgoingFilters(PageParams):
    unit_id: int | None = None
    q: str = Field("", max_length=100)
    year: int | None = None
    signing: SigningStage | None = Field(
        None, description="Electronic documents at this signing stage only."
    )


@router.get(
    "/office/outgoing",
    response={200: OfficeOutgoingPage, **ERRORS},
    summary="Outgoing register of the caller's units",
)
def list_outgoing(request, filters: Query[OfficeOutgoingFilters]):
    unit = _filter_unit(request, filters.unit_id)
    qs = selectors.outgoing_list(
        actor=request.user, unit=unit, q=filters.q, year=filters.year, signing=filters.signing
    )
    return paginate(qs, filters, render_outgoing)


@router.get(
    "/office/outgoing/{document_id}",
    response={200: OfficeOutgoingOut, **ERRORS},
    summary="One outgoing document",
)
def get_outgoing(request, document_id: int):
    return render_outgoing(selectors.outgoing_get(actor=request.user, document_id=document_id))


class OfficeOutgoingIn(Schema):
    unit_id: int
    symbol: str = Field(..., max_length=60, description='Ký hiệu only, e.g. "SGDĐT-VP".')
    doc_type: DocumentType
    issued_on: dt.date
    signer: str = Field(..., max_length=200)
    recipients: str = Field(..., max_length=2000)
    summary: str = Field(..., max_length=500)
    urgency: Urgency = Urgency.NORMAL
    electronic: bool = True
    reply_to_id: int | None = Field(
        None, description="An incoming document of the unit this answers; it is then done."
    )


@router.post(
    "/office/outgoing",
    response={201: OfficeOutgoingOut, **ERRORS},
    summary="Number and register an outgoing document (a reply closes the incoming one)",
    openapi_extra=IDEMPOTENT,
)
def create_outgoing(request, payload: OfficeOutgoingIn):
    unit = selectors.register_unit_get(actor=request.user, unit_id=payload.unit_id)
    data = services.OutgoingData(**payload.model_dump(exclude={"unit_id"}))
    return create_response(
        request,
        OfficeOutgoingOut,
        lambda: render_outgoing(services.outgoing_issue(actor=request.user, unit=unit, data=data)),
        {},
    )


@router.post(
    "/office/outgoing/{document_id}/attachment",
    response={200: OfficeOutgoingOut, **ERRORS},
    summary="Attach the document's PDF (multipart field `file`; once, checked on the bytes)",
    openapi_extra=IDEMPOTENT,
)
def attach_outgoing(request, document_id: int, file: File[UploadedFile]):
    doc = selectors.outgoing_get(actor=request.user, document_id=document_id)
    return _updated(
        request, OfficeOutgoingOut, render_outgoing, lambda: _attach(request, doc, file)
    )


@router.post(
    "/office/outgoing/{document_id}/pdf",
    response={200: OfficeOutgoingOut, **ERRORS},
    summary="Draw the document's PDF from its fields (when none was attached)",
    openapi_extra=IDEMPOTENT,
)
def render_outgoing_pdf(request, document_id: int):
    doc = selectors.outgoing_get(actor=request.user, document_id=document_id)
    return _updated(
        request,
        OfficeOutgoingOut,
        render_outgoing,
        lambda: services.outgoing_render(actor=request.user, document=doc),
    )


@router.post(
    "/office/outgoing/{document_id}/sign",
    response={200: OfficeOutgoingOut, **ERRORS},
    summary="The unit's head signs the document's PDF (PAdES); signing again changes nothing",
    openapi_extra=IDEMPOTENT,
)
def sign_outgoing(request, document_id: int):
    doc = selectors.outgoing_get(actor=request.user, document_id=document_id)
    return _updated(
        request,
        OfficeOutgoingOut,
        render_outgoing,
        lambda: services.outgoing_sign(actor=request.user, document=doc),
    )


@router.post(
    "/office/outgoing/{document_id}/seal",
    response={200: OfficeOutgoingOut, **ERRORS},
    summary=(
        "The văn thư affixes the unit's digital signature (its seal) after the head signed; "
        "again changes nothing"
    ),
    openapi_extra=IDEMPOTENT,
)
def seal_outgoing(request, document_id: int):
    doc = selectors.outgoing_get(actor=request.user, document_id=document_id)
    return _updated(
        request,
        OfficeOutgoingOut,
        render_outgoing,
        lambda: services.outgoing_seal(actor=request.user, document=doc),
    )


class PublicDocumentOut(Schema):
    unit: str
    number_symbol: str
    doc_type: DocumentType
    doc_type_label: str
    issued_on: dt.date
    signed_name: str = Field(..., description="The head's certificate name.")
    signed_at: dt.datetime
    sealed_name: str | None = Field(..., description="The unit certificate's name.")
    sealed_at: dt.datetime | None
    sha256: str = Field(..., description="SHA-256 of the document as the unit issued it.")


class DocumentVerificationOut(Schema):
    verdict: str = Field(
        ..., description="authentic | tampered | invalid | untrusted | incomplete | unsigned"
    )
    message: str
    signatures: list[SignatureOut]
    sha256: str = Field(..., description="SHA-256 of the uploaded file.")
    version: str | None = Field(
        ...,
        description=(
            "issued: byte for byte the document as issued; head_signed: its head-signed "
            "file, before the unit's own signature; null: no document of the platform."
        ),
    )
    document: PublicDocumentOut | None


@router.post(
    "/office/verify",
    response={200: DocumentVerificationOut, **ERRORS},
    auth=None,
    summary="Check a signed outgoing document's PDF (public: no authentication)",
    description=(
        "Multipart upload (field `file`, at most 20 MB). The verdict covers the signatures "
        "the document carries on the platform (the head's, then the unit's); `version` says "
        "whether the file is byte for byte an outgoing document a unit signed here."
    ),
)
def verify_document(request, file: File[UploadedFile]):
    if problem := upload_problem(request, file):
        raise problem
    return selectors.outgoing_verify(file.read()).as_dict()


# --- dossiers ---------------------------------------------------------------------------------


class OfficeDossierOut(Schema):
    id: int
    source_id: str
    unit_id: int
    unit: str
    year: int
    code: str
    title: str
    handler_id: int | None
    handler: str | None
    medium: Medium
    status: DossierStatus
    opened_on: dt.date
    closed_on: dt.date | None
    handled_digitally: bool = Field(
        ..., description="Closed as a digital dossier whose documents are all electronic."
    )
    documents: int
    updated_at: dt.datetime


def render_dossier(d) -> dict:
    documents = getattr(d, "documents", None)
    if documents is None:
        documents = d.incoming.count() + d.outgoing.count()
    return {
        "id": d.pk,
        "source_id": str(d.source_id),
        "unit_id": d.unit_id,
        "unit": d.unit.name,
        "year": d.year,
        "code": d.code,
        "title": d.title,
        "handler_id": d.handler_id,
        "handler": selectors.user_label(d.handler) or None,
        "medium": d.medium,
        "status": d.status,
        "opened_on": d.opened_on,
        "closed_on": d.closed_on,
        "handled_digitally": d.handled_digitally,
        "documents": documents,
        "updated_at": d.updated_at,
    }


class OfficeDossierPage(Schema):
    items: list[OfficeDossierOut]
    count: int
    page: int
    page_size: int


class OfficeDossierFilters(PageParams):
    unit_id: int | None = None
    status: DossierStatus | None = None
    year: int | None = None
    q: str = Field("", max_length=100)


@router.get(
    "/office/dossiers",
    response={200: OfficeDossierPage, **ERRORS},
    summary="Work dossiers of the caller's units, or those the caller handles",
)
def list_dossiers(request, filters: Query[OfficeDossierFilters]):
    unit = _filter_unit(request, filters.unit_id)
    qs = selectors.dossier_list(
        actor=request.user, unit=unit, status=filters.status, year=filters.year, q=filters.q
    )
    return paginate(qs, filters, render_dossier)


class OfficeDossierIn(Schema):
    unit_id: int
    code: str = Field(..., max_length=30, description="Ký hiệu hồ sơ, unique in the year.")
    title: str = Field(..., max_length=300)
    handler_id: int
    opened_on: dt.date
    medium: Medium = Medium.DIGITAL


@router.post(
    "/office/dossiers",
    response={201: OfficeDossierOut, **ERRORS},
    summary="Open a work dossier",
    openapi_extra=IDEMPOTENT,
)
def create_dossier(request, payload: OfficeDossierIn):
    unit = selectors.register_unit_get(actor=request.user, unit_id=payload.unit_id)
    handler = selectors.handlers(unit).filter(pk=payload.handler_id).first()
    return create_response(
        request,
        OfficeDossierOut,
        lambda: render_dossier(
            services.dossier_open(
                actor=request.user,
                unit=unit,
                code=payload.code,
                title=payload.title,
                handler=handler,
                opened_on=payload.opened_on,
                medium=payload.medium,
            )
        ),
        {},
    )


class OfficeCloseIn(Schema):
    closed_on: dt.date


@router.post(
    "/office/dossiers/{dossier_id}/close",
    response={200: OfficeDossierOut, **ERRORS},
    summary="Close a dossier (it then counts for T12/T13 in the school year of that day)",
    openapi_extra=IDEMPOTENT,
)
def close_dossier(request, dossier_id: int, payload: OfficeCloseIn):
    dossier = selectors.dossier_get(actor=request.user, dossier_id=dossier_id)
    return _updated(
        request,
        OfficeDossierOut,
        render_dossier,
        lambda: services.dossier_close(
            actor=request.user, dossier=dossier, closed_on=payload.closed_on
        ),
    )


class OfficeFileIn(Schema):
    incoming_id: int | None = None
    outgoing_id: int | None = None


@router.post(
    "/office/dossiers/{dossier_id}/documents",
    response={200: OfficeDossierOut, **ERRORS},
    summary="File an incoming or an outgoing document of the unit into an open dossier",
    openapi_extra=IDEMPOTENT,
)
def file_document(request, dossier_id: int, payload: OfficeFileIn):
    dossier = selectors.dossier_get(actor=request.user, dossier_id=dossier_id)
    if (payload.incoming_id is None) == (payload.outgoing_id is None):
        raise DomainError(
            "office.document",
            _("Hãy chọn đúng một văn bản: incoming_id hoặc outgoing_id."),
            field="incoming_id",
        )
    incoming = outgoing = None
    if payload.incoming_id is not None:
        incoming = selectors.incoming_get(actor=request.user, document_id=payload.incoming_id)
    else:
        outgoing = selectors.outgoing_get(actor=request.user, document_id=payload.outgoing_id)

    def run():
        services.dossier_file(
            actor=request.user, dossier=dossier, incoming=incoming, outgoing=outgoing
        )
        return selectors.dossier_get(actor=request.user, dossier_id=dossier.pk)

    return _updated(request, OfficeDossierOut, render_dossier, run)


# --- summary ----------------------------------------------------------------------------------


class OfficeSummaryRow(Schema):
    unit_id: int
    unit: str
    incoming: int
    open: int
    overdue: int
    outgoing: int
    closed: int
    digital: int


class OfficeSummaryParams(Schema):
    year: int = Field(..., ge=2000, le=2100, description="Calendar year of the registers.")


@router.get(
    "/office/summary",
    response={200: list[OfficeSummaryRow], **ERRORS},
    summary="Counts per unit of the caller's subtree (no document is read)",
)
def summary(request, params: Query[OfficeSummaryParams]):
    return selectors.summary(actor=request.user, year=params.year)
