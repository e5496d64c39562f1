"""Every e-office write: validation, permission, register numbering, audit and the
handler's notification, in one transaction each.

Register numbers (số đến, số văn bản đi) restart at 1 each calendar year (Decree
30/2020/NĐ-CP, Art. 15(1), 22(2)) and are unique per unit and year. The next number is
read as max + 1 and inserted under the unique constraint in a savepoint; two clerks
registering at once collide on the constraint and the loser reads again (`_numbered`)."""

import datetime as dt
import hashlib
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import audit_record
from edudx.core import signing
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, ErrorCollector
from edudx.core.pdf import (
    DocumentSpec,
    SignatureBox,
    SignatureSlot,
    render_document,
    seal_appearance,
    seal_box,
)
from edudx.core.signing import signer_for
from edudx.core.text import fold
from edudx.notify.services import notify
from edudx.org.models import OrgUnit, UnitKind

from . import selectors
from .models import (
    OPEN_INCOMING,
    SIGNATURE_FIELD,
    UNIT_SIGNATURE_FIELD,
    DocumentType,
    DossierStatus,
    IncomingDocument,
    IncomingStatus,
    Medium,
    OutgoingDocument,
    Urgency,
    WorkDossier,
)

ATTACHMENT_MAX = 20 * 1024 * 1024
NUMBER_ATTEMPTS = 5


def _clean(text) -> str:
    return " ".join(str(text or "").split())


def _require_manager(actor, unit: OrgUnit) -> None:
    if not selectors.may_manage(actor, unit):
        raise Forbidden(
            "office.forbidden",
            _("Chỉ văn thư, lãnh đạo của đơn vị mới làm được việc này."),
            field=None,
        )


def _check_attachment(upload, errors: ErrorCollector) -> None:
    """A PDF, read from its bytes (not its name), at most 20 MB."""
    if upload is None:
        return
    if upload.size > ATTACHMENT_MAX:
        errors.add("office.attachment_size", _("Tệp đính kèm tối đa 20 MB."), "attachment")
        return
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        errors.add("office.attachment_type", _("Tệp đính kèm phải là tệp PDF."), "attachment")


def _check_text(errors, value: str, code: str, field: str, message, limit: int) -> None:
    if not value:
        errors.add(f"office.{code}", message, field)
    elif len(value) > limit:
        errors.add(f"office.{code}", _("Tối đa %(n)s ký tự.") % {"n": limit}, field)


def _not_future(errors, day: dt.date | None, today: dt.date, field: str, message) -> None:
    if day is not None and day > today:
        errors.add(f"office.{field}_future", message, field)


def last_number(model, *, unit: OrgUnit, year: int) -> int:
    """The highest register number of the unit's year (0 before the first)."""
    return model.objects.filter(unit=unit, year=year).aggregate(m=Max("number"))["m"] or 0


def _store(upload, folder: str, year: int) -> str:
    """Save a checked PDF under a name of ours (never the client's) before the transaction;
    the caller deletes it if the transaction fails, so no file outlives a refused write."""
    if upload is None:
        return ""
    upload.seek(0)
    return default_storage.save(f"office/{folder}/{year}/{uuid.uuid4().hex}.pdf", upload)


@contextmanager
def _file_dropped_on_failure(stored: str):
    try:
        yield
    except BaseException:
        if stored:
            default_storage.delete(stored)
        raise


def _numbered(model, *, unit: OrgUnit, year: int, fields: dict):
    """Create with the unit's next register number of `year` (max + 1), retrying when a
    concurrent registration took it (unique constraint uniq_office_*_number)."""
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                number = last_number(model, unit=unit, year=year) + 1
                return model.objects.create(unit=unit, year=year, number=number, **fields)
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError  # pragma: no cover — the loop returns or raises


def _audit(actor, action: str, kind: str, obj, changes: dict | None = None) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=f"office.{kind}",
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        changes=changes or {},
    )


# --- incoming ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomingData:
    sender: str
    symbol: str
    issued_on: dt.date | None
    received_on: dt.date | None
    summary: str
    urgency: str = Urgency.NORMAL
    electronic: bool = True


def incoming_register(
    *, actor, unit: OrgUnit, data: IncomingData, attachment=None, today: dt.date | None = None
) -> IncomingDocument:
    """The clerk registers a document received by the unit; it gets the next incoming
    number of the year it was received in."""
    _require_manager(actor, unit)
    today = today or timezone.localdate()
    sender, symbol, summary = _clean(data.sender), _clean(data.symbol), _clean(data.summary)
    errors = ErrorCollector()
    _check_text(errors, sender, "sender", "sender", _("Hãy nhập cơ quan ban hành."), 255)
    _check_text(errors, symbol, "symbol", "symbol", _("Hãy nhập số và ký hiệu văn bản."), 100)
    _check_text(errors, summary, "summary", "summary", _("Hãy nhập trích yếu nội dung."), 500)
    if data.issued_on is None:
        errors.add("office.issued_on", _("Hãy nhập ngày ban hành (dd/mm/yyyy)."), "issued_on")
    if data.received_on is None:
        errors.add("office.received_on", _("Hãy nhập ngày đến (dd/mm/yyyy)."), "received_on")
    if data.issued_on and data.received_on and data.issued_on > data.received_on:
        errors.add(
            "office.issued_after_received",
            _("Ngày ban hành không được sau ngày đến."),
            "issued_on",
        )
    _not_future(
        errors, data.received_on, today, "received_on", _("Ngày đến không được sau hôm nay.")
    )
    if data.urgency not in Urgency.values:
        errors.add("office.urgency", _("Độ khẩn không hợp lệ."), "urgency")
    _check_attachment(attachment, errors)
    errors.raise_if_any()
    stored = _store(attachment, "in", data.received_on.year)
    with _file_dropped_on_failure(stored), transaction.atomic():
        doc = _numbered(
            IncomingDocument,
            unit=unit,
            year=data.received_on.year,
            fields={
                "sender": sender,
                "symbol": symbol,
                "issued_on": data.issued_on,
                "received_on": data.received_on,
                "summary": summary,
                "urgency": data.urgency,
                "electronic": data.electronic,
                "attachment": stored,
                "registered_by": actor,
                "search_text": fold(f"{summary} {sender} {symbol}")[:900],
            },
        )
        _audit(actor, "create", "incoming", doc, {"unit": unit.pk, "number": doc.number})
    return doc


def incoming_assign(
    *, actor, document: IncomingDocument, handler, due_on: dt.date | None
) -> IncomingDocument:
    """The unit's leader or clerk hands the document to a staff member of the unit with a
    due date (not before it arrived); the handler is notified."""
    _require_manager(actor, document.unit)
    errors = ErrorCollector()
    if document.status == IncomingStatus.DONE:
        errors.add("office.done", _("Văn bản đã xử lý xong, không giao lại được."), "status")
    if handler is None or not selectors.handlers(document.unit).filter(pk=handler.pk).exists():
        errors.add(
            "office.handler",
            _("Người xử lý phải là cán bộ, giáo viên có tài khoản của đơn vị."),
            "handler_id",
        )
    if due_on is None:
        errors.add("office.due_on", _("Hãy nhập hạn xử lý (dd/mm/yyyy)."), "due_on")
    elif due_on < document.received_on:
        errors.add(
            "office.due_before_received", _("Hạn xử lý không được trước ngày đến."), "due_on"
        )
    errors.raise_if_any()
    before = {"handler": document.handler_id, "due_on": document.due_on, "status": document.status}
    with transaction.atomic():
        document.handler = handler
        document.due_on = due_on
        document.status = IncomingStatus.ASSIGNED
        document.assigned_at = timezone.now()
        document.save(update_fields=["handler", "due_on", "status", "assigned_at", "updated_at"])
        _audit(
            actor,
            "update",
            "incoming",
            document,
            {
                "handler": [before["handler"], handler.pk],
                "due_on": [str(before["due_on"] or ""), due_on.isoformat()],
                "status": [before["status"], IncomingStatus.ASSIGNED],
            },
        )
        notify(
            handler,
            "office.assigned",
            {"document": document.pk},
            key=f"office.incoming:{document.pk}:assigned:{handler.pk}:{due_on.isoformat()}",
            title=_("Văn bản đến số %(n)s giao bạn xử lý, hạn %(d)s")
            % {"n": document.number, "d": due_on.strftime("%d/%m/%Y")},
            body=f"{document.symbol} — {document.summary}"[:300],
            url=reverse("office:incoming_detail", args=[document.pk]),
        )
    return document


def _may_handle(actor, document: IncomingDocument) -> bool:
    return document.handler_id == getattr(actor, "pk", None) or selectors.may_manage(
        actor, document.unit
    )


def _transition(actor, document: IncomingDocument, to: str, **fields) -> IncomingDocument:
    if not _may_handle(actor, document):
        raise Forbidden(
            "office.not_handler",
            _("Chỉ người được giao hoặc văn thư, lãnh đạo đơn vị mới cập nhật được văn bản này."),
            field=None,
        )
    if document.status == IncomingStatus.DONE:
        raise DomainError("office.done", _("Văn bản đã xử lý xong."), field="status")
    before = document.status
    with transaction.atomic():
        updated = IncomingDocument.objects.filter(pk=document.pk, status__in=OPEN_INCOMING).update(
            status=to, updated_at=timezone.now(), **fields
        )
        if not updated:
            raise DomainError("office.done", _("Văn bản đã xử lý xong."), field="status")
        document.refresh_from_db()
        _audit(actor, "update", "incoming", document, {"status": [before, to]})
    return document


def incoming_start(*, actor, document: IncomingDocument) -> IncomingDocument:
    """The handler takes the document up (assigned → in progress)."""
    if document.status == IncomingStatus.IN_PROGRESS:
        return document
    return _transition(actor, document, IncomingStatus.IN_PROGRESS)


def incoming_done(*, actor, document: IncomingDocument) -> IncomingDocument:
    """The handler (or the unit's clerk or leader) marks the document handled."""
    return _transition(actor, document, IncomingStatus.DONE, done_at=timezone.now())


def document_attach(*, actor, document, upload):
    """Attach the PDF of a registered incoming or outgoing document that has none yet (a
    system registering through the API sends the metadata first, then the file)."""
    _require_manager(actor, document.unit)
    errors = ErrorCollector()
    if getattr(document, "is_signed", False):
        errors.add("office.signed", _("Văn bản đã ký số; không thay được tệp PDF."), "attachment")
    elif document.attachment:
        errors.add("office.attachment_exists", _("Văn bản đã có tệp đính kèm."), "attachment")
    if upload is None:
        errors.add("office.attachment_missing", _("Hãy chọn tệp PDF."), "attachment")
    _check_attachment(upload, errors)
    errors.raise_if_any()
    kind = "incoming" if isinstance(document, IncomingDocument) else "outgoing"
    stored = _store(upload, "in" if kind == "incoming" else "out", document.year)
    with _file_dropped_on_failure(stored), transaction.atomic():
        updated = (
            type(document)
            .objects.filter(pk=document.pk, attachment="")
            .update(attachment=stored, updated_at=timezone.now())
        )
        if not updated:
            raise DomainError(
                "office.attachment_exists", _("Văn bản đã có tệp đính kèm."), field="attachment"
            )
        document.refresh_from_db()
        _audit(actor, "update", kind, document, {"attachment": "added"})
    return document


# --- outgoing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingData:
    symbol: str
    doc_type: str
    issued_on: dt.date | None
    signer: str
    recipients: str
    summary: str
    urgency: str = Urgency.NORMAL
    electronic: bool = True
    reply_to_id: int | None = None


def outgoing_issue(
    *, actor, unit: OrgUnit, data: OutgoingData, attachment=None, today: dt.date | None = None
) -> OutgoingDocument:
    """The clerk numbers and registers a document the unit issues. A reply to an incoming
    document of the unit closes it (done)."""
    _require_manager(actor, unit)
    today = today or timezone.localdate()
    symbol, signer = _clean(data.symbol), _clean(data.signer)
    summary, recipients = _clean(data.summary), (data.recipients or "").strip()
    errors = ErrorCollector()
    _check_text(errors, symbol, "symbol", "symbol", _("Hãy nhập ký hiệu văn bản."), 60)
    if symbol.startswith("/") or "/" in symbol:
        errors.add(
            "office.symbol",
            _("Chỉ nhập phần ký hiệu (vd. SGDĐT-VP); số do hệ thống cấp."),
            "symbol",
        )
    if data.doc_type not in DocumentType.values:
        errors.add("office.doc_type", _("Hãy chọn loại văn bản."), "doc_type")
    if data.issued_on is None:
        errors.add("office.issued_on", _("Hãy nhập ngày ban hành (dd/mm/yyyy)."), "issued_on")
    _not_future(
        errors, data.issued_on, today, "issued_on", _("Ngày ban hành không được sau hôm nay.")
    )
    _check_text(errors, signer, "signer", "signer", _("Hãy nhập người ký."), 200)
    _check_text(errors, recipients, "recipients", "recipients", _("Hãy nhập nơi nhận."), 2000)
    _check_text(errors, summary, "summary", "summary", _("Hãy nhập trích yếu nội dung."), 500)
    if data.urgency not in Urgency.values:
        errors.add("office.urgency", _("Độ khẩn không hợp lệ."), "urgency")
    reply_to = None
    if data.reply_to_id is not None:
        reply_to = IncomingDocument.objects.filter(pk=data.reply_to_id, unit=unit).first()
        if reply_to is None:
            errors.add(
                "office.reply_to",
                _("Văn bản đến được trả lời không thuộc sổ văn bản đến của đơn vị."),
                "reply_to_id",
            )
        elif data.issued_on and data.issued_on < reply_to.received_on:
            errors.add(
                "office.reply_before_received",
                _("Văn bản trả lời không được ban hành trước ngày đến của văn bản được trả lời."),
                "issued_on",
            )
    _check_attachment(attachment, errors)
    errors.raise_if_any()
    stored = _store(attachment, "out", data.issued_on.year)
    with _file_dropped_on_failure(stored), transaction.atomic():
        doc = _numbered(
            OutgoingDocument,
            unit=unit,
            year=data.issued_on.year,
            fields={
                "symbol": symbol,
                "doc_type": data.doc_type,
                "issued_on": data.issued_on,
                "signer": signer,
                "recipients": recipients,
                "summary": summary,
                "urgency": data.urgency,
                "electronic": data.electronic,
                "attachment": stored,
                "reply_to": reply_to,
                "registered_by": actor,
                "search_text": fold(f"{summary} {recipients} {symbol}")[:900],
            },
        )
        _audit(actor, "create", "outgoing", doc, {"unit": unit.pk, "reply_to": data.reply_to_id})
        if reply_to is not None and reply_to.status != IncomingStatus.DONE:
            before = reply_to.status
            IncomingDocument.objects.filter(pk=reply_to.pk).update(
                status=IncomingStatus.DONE, done_at=timezone.now(), updated_at=timezone.now()
            )
            _audit(
                actor,
                "update",
                "incoming",
                reply_to,
                {"status": [before, IncomingStatus.DONE], "reply": doc.pk},
            )
    return doc


# --- digital signature ------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _require_signer(actor, unit: OrgUnit) -> None:
    if not selectors.may_sign(actor, unit):
        raise Forbidden(
            "office.not_signer",
            _("Chỉ thủ trưởng đơn vị (hiệu trưởng; cán bộ phòng, Sở) mới ký số được văn bản đi."),
            field=None,
        )


def _signing_key(actor, unit: OrgUnit) -> signing.Signer:
    """The actor's key for `unit`, found as transcripts find theirs (`signer_for`: the
    person's configured certificate, else the unit's, else the demo PKI where allowed)."""
    try:
        return signer_for(actor, unit)
    except DomainError as exc:
        if exc.code != "signing.not_configured":
            raise
        where = {"user": actor.pk, "code": unit.code}
        message = (
            _(
                "Chưa có chứng thư số để ký: quản trị hệ thống cần cấu hình chứng thư số của "
                "bạn (EDUDX_SIGNER_USER_%(user)s_…) hoặc của đơn vị "
                "(EDUDX_SIGNER_UNIT_%(code)s_…)."
            )
            if unit.code
            else _(
                "Chưa có chứng thư số để ký: quản trị hệ thống cần cấu hình chứng thư số của "
                "bạn (EDUDX_SIGNER_USER_%(user)s_…)."
            )
        )
        raise Conflict("office.no_signing_key", message % where, field=None) from exc


def _pdf_signed(
    document: OutgoingDocument,
    *,
    key: signing.Signer,
    field_name: str,
    reason: str,
    box: SignatureBox | None,
    appearance: bytes | None = None,
) -> tuple[str, bytes]:
    """The stored file's name and its bytes with one more signature."""
    old = document.attachment.name
    with document.attachment.open("rb") as f:
        data = f.read()
    try:
        signed = signing.sign_pdf(
            data,
            signer=key,
            field_name=field_name,
            reason=reason,
            location=document.unit.name,
            box=box,
            appearance=appearance,
        )
    except DomainError as exc:
        if exc.code not in {"signing.bad_pdf", "signing.field_signed"}:
            raise
        raise DomainError(
            "office.pdf_unsignable",
            _("Tệp PDF của văn bản bị hỏng hoặc đã được ký, không ký số thêm được."),
            field="attachment",
        ) from exc
    return old, signed


def _signed_store(
    *,
    actor,
    document: OutgoingDocument,
    old: str,
    signed: bytes,
    unless: str,
    fields: dict,
    changes: dict,
) -> None:
    """Store `signed` in place of the file `old` — only if `unless` (a timestamp field) is
    still empty and the file is still `old`: of two requests signing at once, one writes
    and the other's file is dropped. Audited with `changes`; the old file is removed after
    the commit (the signed file holds it as its first revision)."""
    stored = default_storage.save(
        f"office/out/{document.year}/{uuid.uuid4().hex}.pdf", ContentFile(signed)
    )
    with _file_dropped_on_failure(stored), transaction.atomic():
        won = OutgoingDocument.objects.filter(
            pk=document.pk, attachment=old, **{f"{unless}__isnull": True}
        ).update(attachment=stored, updated_at=fields[unless], **fields)
        if won:
            _audit(actor, "update", "outgoing", document, changes)
            transaction.on_commit(lambda: default_storage.delete(old))
    if not won:
        default_storage.delete(stored)


def _require_pdf(document: OutgoingDocument) -> None:
    if not document.attachment:
        raise DomainError(
            "office.no_pdf",
            _("Văn bản chưa có tệp PDF (attachment): hãy đính kèm tệp PDF trước khi ký số."),
            field="attachment",
        )


def outgoing_sign(*, actor, document: OutgoingDocument) -> OutgoingDocument:
    """The unit's head signs the document's PDF (PAdES, field `office_signer`, over the slot
    of a PDF the platform drew, else invisible). The signed bytes replace the stored file
    and can no longer be replaced. Signing a signed document returns it unchanged: one
    signature, however often the request is retried."""
    _require_signer(actor, document.unit)
    if document.is_signed:
        return document
    _require_pdf(document)
    key = _signing_key(actor, document.unit)
    box = document.signature_box
    old, signed = _pdf_signed(
        document,
        key=key,
        field_name=SIGNATURE_FIELD,
        reason=f"Ký ban hành văn bản số {document.number_symbol}",
        box=SignatureBox(page=box[0], box=tuple(box[1:])) if box else None,
    )
    now, digest = timezone.now(), _sha256(signed)
    _signed_store(
        actor=actor,
        document=document,
        old=old,
        signed=signed,
        unless="signed_at",
        fields={
            "signed_at": now,
            "signed_by": actor,
            "signed_name": key.common_name,
            "signed_sha256": digest,
        },
        changes={"signed": [None, now.isoformat()], "signer": key.common_name, "sha256": digest},
    )
    document.refresh_from_db()
    return document


def _unit_key(unit: OrgUnit) -> signing.Signer:
    try:
        return signing.unit_signer(unit)
    except DomainError as exc:
        if exc.code != "signing.not_configured":
            raise
        raise Conflict(
            "office.no_unit_key",
            _(
                "Chưa có chứng thư số của đơn vị để ký số của cơ quan: quản trị hệ thống cần "
                "cấu hình EDUDX_SIGNER_UNIT_%(code)s_…."
            )
            % {"code": unit.code or unit.pk},
            field=None,
        ) from exc


def _vn_time(moment: dt.datetime) -> str:
    """30/11/2026 14:05:09 +07:00: the signing time as Decree 30's Appendix I writes it
    (date, hours, minutes, seconds, the time zone)."""
    local = timezone.localtime(moment)
    zone = local.strftime("%z")
    return local.strftime("%d/%m/%Y %H:%M:%S ") + f"{zone[:3]}:{zone[3:]}"


def outgoing_seal(*, actor, document: OutgoingDocument) -> OutgoingDocument:
    """The văn thư affixes the unit's own digital signature — ký số của cơ quan, tổ chức, what
    stands for the seal on an electronic document (Decree 30/2020, Art. 18 and Appendix I)
    — once the head has signed: PAdES with the unit's certificate (`core.signing.
    unit_signer`), field `office_unit`; on a PDF the platform drew it shows the seal in red
    over the left third of the head's signature, with the unit's name and the signing time.
    Once: sealing a sealed document returns it unchanged."""
    _require_manager(actor, document.unit)
    if document.is_sealed:
        return document
    _require_pdf(document)
    if not document.is_signed:
        raise Conflict(
            "office.not_signed",
            _(
                "Văn bản chưa được thủ trưởng ký số: chữ ký số của cơ quan được đóng sau chữ "
                "ký của người có thẩm quyền."
            ),
            field="attachment",
        )
    key = _unit_key(document.unit)
    now = timezone.now()
    box = appearance = None
    if document.signature_box:
        page, *slot = document.signature_box
        box = seal_box(SignatureBox(page=page, box=tuple(slot)))
        x1, y1, x2, y2 = box.box
        appearance = seal_appearance(
            key.common_name,
            [key.common_name, "Thời gian ký:", _vn_time(now)],
            x2 - x1,
            y2 - y1,
        )
    old, signed = _pdf_signed(
        document,
        key=key,
        field_name=UNIT_SIGNATURE_FIELD,
        reason=f"Ký số của cơ quan, tổ chức: văn bản số {document.number_symbol}",
        box=box,
        appearance=appearance,
    )
    digest = _sha256(signed)
    _signed_store(
        actor=actor,
        document=document,
        old=old,
        signed=signed,
        unless="sealed_at",
        fields={
            "sealed_at": now,
            "sealed_by": actor,
            "sealed_name": key.common_name,
            "sealed_sha256": digest,
        },
        changes={
            "sealed": [None, now.isoformat()],
            "unit_signer": key.common_name,
            "sha256": digest,
        },
    )
    document.refresh_from_db()
    return document


_PLACE_PREFIXES = ("Thành phố ", "Thị trấn ", "Phường ", "Tỉnh ", "Huyện ", "Xã ")


def _place(unit: OrgUnit) -> str:
    """The place name of the date line (Decree 30, Appendix I): a school's commune, else
    the unit's own name, without "Xã", "Tỉnh"…"""
    where = unit.parent if unit.kind == UnitKind.SCHOOL and unit.parent_id else unit
    name = where.name
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _date_line(place: str, day: dt.date) -> str:
    # Decree 30, Appendix I: a day below 10 and the months January and February take a 0.
    d = f"{day.day:02d}"
    m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {d} tháng {m} năm {day.year}"


def verify_url(document: OutgoingDocument) -> str:
    """The public check of the document (printed as a QR code on a PDF the platform draws)."""
    return settings.PUBLIC_BASE_URL + reverse("document_verify_id", args=[document.source_id])


def outgoing_pdf(document: OutgoingDocument):
    """The document drawn from its fields: national heading, issuing unit and number,
    place and date, type and summary, recipients, the signer's slot."""
    unit = document.unit
    issuer = [unit.parent.name.upper()] if unit.parent_id else []
    issuer += [unit.name.upper(), f"Số: {document.number_symbol}"]
    head = "HIỆU TRƯỞNG" if unit.kind == UnitKind.SCHOOL else "THỦ TRƯỞNG ĐƠN VỊ"
    recipients = [line.strip() for line in document.recipients.splitlines() if line.strip()]
    return render_document(
        DocumentSpec(
            title=document.get_doc_type_display().upper(),
            issuer_lines=issuer,
            place_date=_date_line(_place(unit), document.issued_on),
            subtitle_lines=[document.summary],
            paragraphs=["Nơi nhận:", *(f"- {r}" for r in recipients)],
            signatures=[SignatureSlot(SIGNATURE_FIELD, head, document.signer)],
            reference=document.number_symbol,
            verify_url=verify_url(document),
            author=unit.name,
        )
    )


def outgoing_render(*, actor, document: OutgoingDocument) -> OutgoingDocument:
    """The clerk or the head has the platform draw the PDF of a document registered without
    one (`outgoing_pdf`); the signature then goes in the slot it drew."""
    _require_manager(actor, document.unit)
    if document.attachment:
        raise DomainError(
            "office.attachment_exists", _("Văn bản đã có tệp đính kèm."), field="attachment"
        )
    rendered = outgoing_pdf(document)
    box = rendered.signature_boxes[SIGNATURE_FIELD]
    stored = default_storage.save(
        f"office/out/{document.year}/{uuid.uuid4().hex}.pdf", ContentFile(rendered.data)
    )
    with _file_dropped_on_failure(stored), transaction.atomic():
        updated = OutgoingDocument.objects.filter(pk=document.pk, attachment="").update(
            attachment=stored, signature_box=[box.page, *box.box], updated_at=timezone.now()
        )
        if not updated:
            raise DomainError(
                "office.attachment_exists", _("Văn bản đã có tệp đính kèm."), field="attachment"
            )
        _audit(actor, "update", "outgoing", document, {"attachment": "rendered"})
    document.refresh_from_db()
    return document


# --- work dossiers ----------------------------------------------------------------------------


def dossier_open(
    *,
    actor,
    unit: OrgUnit,
    code: str,
    title: str,
    handler,
    opened_on: dt.date | None,
    medium: str = Medium.DIGITAL,
    today: dt.date | None = None,
) -> WorkDossier:
    """Open a work dossier of the unit (its code unique in the year it is opened)."""
    _require_manager(actor, unit)
    today = today or timezone.localdate()
    code, title = _clean(code), _clean(title)
    errors = ErrorCollector()
    _check_text(errors, code, "code", "code", _("Hãy nhập ký hiệu hồ sơ."), 30)
    _check_text(errors, title, "title", "title", _("Hãy nhập tiêu đề hồ sơ."), 300)
    if opened_on is None:
        errors.add("office.opened_on", _("Hãy nhập ngày mở hồ sơ (dd/mm/yyyy)."), "opened_on")
    _not_future(errors, opened_on, today, "opened_on", _("Ngày mở hồ sơ không được sau hôm nay."))
    if medium not in Medium.values:
        errors.add("office.medium", _("Hãy chọn hồ sơ điện tử hay hồ sơ giấy."), "medium")
    if handler is None or not selectors.handlers(unit).filter(pk=handler.pk).exists():
        errors.add(
            "office.handler",
            _("Người xử lý phải là cán bộ, giáo viên có tài khoản của đơn vị."),
            "handler_id",
        )
    if (
        code
        and opened_on
        and WorkDossier.objects.filter(unit=unit, year=opened_on.year, code=code).exists()
    ):
        errors.add(
            "office.code_taken",
            _("Ký hiệu hồ sơ «%(c)s» đã có trong năm %(y)s.") % {"c": code, "y": opened_on.year},
            "code",
        )
    errors.raise_if_any()
    with transaction.atomic():
        try:
            with transaction.atomic():
                dossier = WorkDossier.objects.create(
                    unit=unit,
                    year=opened_on.year,
                    code=code,
                    title=title,
                    handler=handler,
                    medium=medium,
                    opened_on=opened_on,
                    search_text=fold(f"{code} {title}")[:400],
                )
        except IntegrityError:
            raise DomainError(
                "office.code_taken",
                _("Ký hiệu hồ sơ «%(c)s» đã có trong năm %(y)s.")
                % {"c": code, "y": opened_on.year},
                field="code",
            ) from None
        _audit(actor, "create", "dossier", dossier, {"unit": unit.pk, "medium": medium})
    return dossier


def _require_dossier_writer(actor, dossier: WorkDossier) -> None:
    if dossier.handler_id != getattr(actor, "pk", None) and not selectors.may_manage(
        actor, dossier.unit
    ):
        raise Forbidden(
            "office.dossier_forbidden",
            _("Chỉ người lập hồ sơ hoặc văn thư, lãnh đạo đơn vị mới cập nhật được hồ sơ này."),
            field=None,
        )


def dossier_file(
    *,
    actor,
    dossier: WorkDossier,
    incoming: IncomingDocument | None = None,
    outgoing: OutgoingDocument | None = None,
) -> WorkDossier:
    """File a document of the same unit into an open dossier (it leaves any other)."""
    _require_dossier_writer(actor, dossier)
    doc = incoming or outgoing
    if doc is None:
        raise DomainError("office.document", _("Hãy chọn văn bản."), field="document_id")
    if dossier.status != DossierStatus.OPEN:
        raise DomainError(
            "office.dossier_closed", _("Hồ sơ đã kết thúc, không thêm văn bản được."), field=None
        )
    if doc.unit_id != dossier.unit_id:
        raise DomainError(
            "office.document_unit",
            _("Văn bản không thuộc đơn vị của hồ sơ."),
            field="document_id",
        )
    with transaction.atomic():
        type(doc).objects.filter(pk=doc.pk).update(dossier=dossier, updated_at=timezone.now())
        doc.dossier = dossier
        kind = "incoming" if incoming is not None else "outgoing"
        _audit(actor, "update", "dossier", dossier, {"filed": f"{kind}:{doc.pk}"})
    return dossier


def dossier_close(
    *, actor, dossier: WorkDossier, closed_on: dt.date | None, today: dt.date | None = None
) -> WorkDossier:
    """Close (kết thúc) a dossier that holds at least one document. It counts as handled
    digitally (T12, T13) when it is a digital dossier and every document in it is
    electronic — decided now, since a closed dossier takes no more documents."""
    _require_dossier_writer(actor, dossier)
    today = today or timezone.localdate()
    errors = ErrorCollector()
    if dossier.status != DossierStatus.OPEN:
        errors.add("office.dossier_closed", _("Hồ sơ đã kết thúc."), "status")
    if closed_on is None:
        errors.add("office.closed_on", _("Hãy nhập ngày kết thúc (dd/mm/yyyy)."), "closed_on")
    elif closed_on < dossier.opened_on:
        errors.add(
            "office.closed_before_opened",
            _("Ngày kết thúc không được trước ngày mở hồ sơ."),
            "closed_on",
        )
    _not_future(errors, closed_on, today, "closed_on", _("Ngày kết thúc không được sau hôm nay."))
    incoming = list(dossier.incoming.values_list("electronic", flat=True))
    outgoing = list(dossier.outgoing.values_list("electronic", flat=True))
    if not incoming and not outgoing:
        errors.add(
            "office.dossier_empty", _("Hồ sơ chưa có văn bản nào, chưa kết thúc được."), None
        )
    errors.raise_if_any()
    digital = dossier.medium == Medium.DIGITAL and all(incoming + outgoing)
    with transaction.atomic():
        updated = WorkDossier.objects.filter(pk=dossier.pk, status=DossierStatus.OPEN).update(
            status=DossierStatus.CLOSED,
            closed_on=closed_on,
            handled_digitally=digital,
            updated_at=timezone.now(),
        )
        if not updated:
            raise DomainError("office.dossier_closed", _("Hồ sơ đã kết thúc."), field="status")
        dossier.refresh_from_db()
        _audit(
            actor,
            "update",
            "dossier",
            dossier,
            {"status": [DossierStatus.OPEN, DossierStatus.CLOSED], "digital": digital},
        )
    return dossier
