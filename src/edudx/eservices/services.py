"""Every write of the public-service module: attachments, dossiers and their workflow,
school transfers, ratings. Admissions are in `admissions.py`.

Each service validates first, then writes in one transaction with its audit record and
outbox event; notifications go through `edudx.notify.services.notify` in the same
transaction (idempotent on the event's key)."""

import hashlib
import logging
import os
import re
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import Entry, audit_record, audit_record_many
from edudx.core import events, filetypes, ratelimit, signing
from edudx.core.api_errors import Forbidden
from edudx.core.codes import new_code
from edudx.core.errors import Conflict, DomainError, ErrorCollector, NotFound
from edudx.core.pdf import DocumentSpec, SignatureSlot, render_document
from edudx.core.phones import normalise_phone
from edudx.core.scope import scope_of
from edudx.core.text import fold
from edudx.core.validators import parse_date, validate_personal_id
from edudx.fees import services as fees_services
from edudx.fees.models import InvoiceStatus
from edudx.notify.services import Address, notify
from edudx.org.models import ClassGroup, OrgUnit, School, UnitKind
from edudx.people import services as people_services
from edudx.people.models import Enrolment, EnrolmentStatus, Person, Student

from .models import (
    Attachment,
    CalendarDay,
    Dossier,
    DossierEvent,
    DossierStatus,
    PriorityCategory,
    Procedure,
    ProcedureKind,
    Rating,
    ServiceLevel,
)
from .workdays import Calendar, due_date, shipped_calendar

log = logging.getLogger(__name__)

S = DossierStatus
FEE_SOURCE = "eservices.dossier:"  # + the dossier's code: the fee invoice's `source`


class Throttled(DomainError):
    status = 429


CLOSED = (S.APPROVED, S.REJECTED, S.RETURNED)
# Open dossiers whose processing clock has started (they have a due date).
RUNNING = (S.RECEIVED, S.PROCESSING, S.SUPPLEMENT)
CALENDAR_UNIT_KINDS = (UnitKind.PROVINCE, UnitKind.COMMUNE)
PHONE = re.compile(r"^(0|\+84)[0-9]{9,10}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Attachment types accepted, recognised from the bytes (edudx.core.filetypes).
TYPE_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def setting(name: str, default: int) -> int:
    """An EDUDX_ESERVICES_* value from settings or the environment (typed default)."""
    value = getattr(settings, f"ESERVICES_{name}", None)
    if value is None:
        value = os.environ.get(f"EDUDX_ESERVICES_{name}", default)
    return int(value)


def clean_phone(value, errors: ErrorCollector, field: str = "phone") -> str:
    phone = normalise_phone(value)
    if not PHONE.match(phone):
        errors.add(
            "phone.format",
            _("Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."),
            field,
        )
    return phone


# --- calendar --------------------------------------------------------------------------------


def calendar(unit: OrgUnit | None = None) -> Calendar:
    """The shipped holiday table plus the days officers added (CalendarDay): the national
    ones, then those of `unit`'s ancestors and `unit` itself, the nearest winning."""
    q = Q(unit__isnull=True)
    if unit is not None:
        q |= Q(unit_id__in=[int(unit.path[i : i + 7]) for i in range(0, len(unit.path), 7)])
    return _merged(
        CalendarDay.objects.filter(q)
        .order_by(F("unit__depth").asc(nulls_first=True))
        .values_list("date", "is_holiday")
    )


def _merged(rows) -> Calendar:
    """The shipped table with (date, is_holiday) rows, farthest unit first (later wins)."""
    days = dict(rows)
    return shipped_calendar().merged(
        holidays=[d for d, h in days.items() if h], workdays=[d for d, h in days.items() if not h]
    )


def calendars(units) -> dict[int, Calendar]:
    """`calendar(unit)` for many units from one read of the added days (a national change
    recomputes dossiers of every commune)."""
    rows = list(
        CalendarDay.objects.order_by(F("unit__depth").asc(nulls_first=True)).values_list(
            "date", "is_holiday", "unit__path"
        )
    )
    return {
        u.pk: _merged((d, h) for d, h, path in rows if path is None or u.path.startswith(path))
        for u in units
    }


def _may_edit_calendar(actor, unit: OrgUnit | None) -> bool:
    """A national day needs a nationwide role; a unit's day an officer of that unit."""
    if unit is None:
        return scope_of(actor).everything
    return covers(actor, unit)


@dataclass(frozen=True)
class CalendarChange:
    day: CalendarDay | None  # None after a delete
    dossiers_moved: int  # open dossiers whose due date moved


def dossier_pauses(d: Dossier) -> list[tuple]:
    return [(parse_date(a), parse_date(b)) for a, b in d.pauses]


def dossier_due_date(d: Dossier, cal: Calendar):
    """`d`'s due date under `cal`, from its received date and answered pauses."""
    return due_date(cal, d.received_on, d.procedure.processing_days, dossier_pauses(d))


def due_dates_recompute(*, actor, unit: OrgUnit | None, reason: str) -> int:
    """After a calendar change for `unit` (None: national): recompute the due date of every
    open dossier with a running clock of `unit` and everything under it, each under its own
    unit's calendar; closed dossiers never move. Inside the caller's transaction; one audit
    event per dossier whose due date moved (old, new). Returns how many moved."""
    rows = (
        Dossier.objects.select_for_update(of=("self",))
        .filter(status__in=RUNNING, received_on__isnull=False)
        .select_related("procedure", "unit")
        .order_by("pk")
    )
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    rows = list(rows)
    by_unit = calendars({d.unit_id: d.unit for d in rows}.values())
    moved, entries = [], []
    now = timezone.now()
    for d in rows:
        new = dossier_due_date(d, by_unit[d.unit_id])
        if new == d.due_date:
            continue
        old = d.due_date
        d.due_date, d.updated_at = new, now
        moved.append(d)
        entries.append(
            Entry(
                action="update",
                object_type="eservices.dossier",
                object_id=str(d.pk),
                object_repr=d.code,
                changes={"due_date": [old.isoformat() if old else None, new.isoformat()]},
                reason=reason,
            )
        )
    Dossier.objects.bulk_update(moved, ["due_date", "updated_at"], batch_size=1000)
    audit_record_many(actor=actor, entries=entries)
    for d, entry in zip(moved, entries, strict=True):
        _notify_due_date(d, entry.changes["due_date"][0])
    if moved:
        log.info(
            "eservices.due_dates_moved",
            extra={"unit": unit.pk if unit else None, "dossiers": len(moved)},
        )
    return len(moved)


def calendar_day_save(
    *, actor, date, name: str, is_holiday: bool, unit: OrgUnit | None = None
) -> CalendarChange:
    """Add or change an extra day off (is_holiday) or make-up working day for `unit` and
    everything under it (None: national); the due dates of the open dossiers it governs
    are recomputed in the same transaction."""
    errors = ErrorCollector()
    day = None
    try:
        day = parse_date(date, field="date")
    except DomainError as exc:
        errors.capture(exc)
    name = (name or "").strip()
    if not name:
        errors.add("form.required", _("Cần nhập «%(f)s».") % {"f": _("Tên ngày")}, "name")
    elif len(name) > 200:
        errors.add("calendar.name", _("Tên ngày dài tối đa 200 ký tự."), "name")
    if unit is not None and unit.kind not in CALENDAR_UNIT_KINDS:
        errors.add(
            "calendar.unit",
            _("Ngày nghỉ, ngày làm bù chỉ khai cho tỉnh hoặc xã/phường."),
            "unit_id",
        )
    if day is not None and not errors.items:
        weekend = day.weekday() >= 5
        if is_holiday and weekend:
            errors.add(
                "calendar.weekend_holiday",
                _("Ngày %(d)s là thứ Bảy/Chủ nhật, vốn đã là ngày nghỉ.")
                % {"d": day.strftime("%d/%m/%Y")},
                "date",
            )
        if not is_holiday and not weekend and day not in shipped_calendar().holidays:
            errors.add(
                "calendar.workday",
                _("Ngày làm bù %(d)s phải là thứ Bảy, Chủ nhật hoặc một ngày lễ.")
                % {"d": day.strftime("%d/%m/%Y")},
                "date",
            )
    errors.raise_if_any()
    if not _may_edit_calendar(actor, unit):
        raise Forbidden(
            "calendar.scope",
            _("Chỉ cán bộ của %(u)s mới được khai ngày nghỉ, ngày làm bù.")
            % {"u": unit.name if unit else _("cơ quan trung ương")},
        )
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(date=day, unit=unit).first()
        old = (row.name, row.is_holiday) if row else None
        if row is None:
            row = CalendarDay.objects.create(
                date=day, unit=unit, name=name, is_holiday=bool(is_holiday)
            )
        else:
            row.name, row.is_holiday = name, bool(is_holiday)
            row.save(update_fields=["name", "is_holiday"])
        audit_record(
            actor=actor,
            action="update" if old else "create",
            object_type="eservices.calendar_day",
            object_id=row.pk,
            object_repr=f"{day.isoformat()} {unit.code if unit else 'VN'} {name}",
            changes={
                "name": [old[0] if old else None, name],
                "is_holiday": [old[1] if old else None, bool(is_holiday)],
            },
        )
        moved = due_dates_recompute(
            actor=actor, unit=unit, reason=_("Lịch ngày %(d)s: %(n)s") % {"d": _dmy(day), "n": name}
        )
    return CalendarChange(day=row, dossiers_moved=moved)


def _dmy(day) -> str:
    return day.strftime("%d/%m/%Y")


def calendar_day_delete(*, actor, date, unit: OrgUnit | None = None) -> CalendarChange:
    """Remove an added day; the due dates it governed are recomputed as on save."""
    day = parse_date(date, field="date")
    if not _may_edit_calendar(actor, unit):
        raise Forbidden(
            "calendar.scope",
            _("Chỉ cán bộ của %(u)s mới được khai ngày nghỉ, ngày làm bù.")
            % {"u": unit.name if unit else _("cơ quan trung ương")},
        )
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(date=day, unit=unit).first()
        if row is None:
            raise NotFound("calendar.not_found", _("Không có ngày này trong lịch đã khai."))
        audit_record(
            actor=actor,
            action="delete",
            object_type="eservices.calendar_day",
            object_id=row.pk,
            object_repr=f"{day.isoformat()} {unit.code if unit else 'VN'} {row.name}",
            changes={"is_holiday": [row.is_holiday, None]},
        )
        name = row.name
        row.delete()
        moved = due_dates_recompute(
            actor=actor,
            unit=unit,
            reason=_("Xoá ngày %(d)s khỏi lịch: %(n)s") % {"d": _dmy(day), "n": name},
        )
    return CalendarChange(day=None, dossiers_moved=moved)


# --- units and scope -------------------------------------------------------------------------


def ancestor_of_kind(unit: OrgUnit, kind: str) -> OrgUnit | None:
    """`unit` itself or its nearest ancestor of `kind` (one query on the path's ids)."""
    if unit.kind == kind:
        return unit
    ids = [int(unit.path[i : i + 7]) for i in range(0, len(unit.path), 7)]
    return OrgUnit.objects.filter(pk__in=ids, kind=kind).order_by("-depth").first()


def covers(actor, unit: OrgUnit | None) -> bool:
    """Is `actor` an officer of `unit` (a unit-wide role at it or above)?"""
    if unit is None:
        return False
    scope = scope_of(actor)
    return scope.everything or any(unit.path.startswith(p) for p in scope.unit_paths)


def _require_officer(actor, unit: OrgUnit, what: str) -> None:
    if not covers(actor, unit):
        raise Forbidden(
            "dossier.not_responsible",
            _("Chỉ cán bộ của %(unit)s mới được %(what)s hồ sơ này.")
            % {"unit": unit.name, "what": what},
        )


# --- attachments -----------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """PDF, JPEG or PNG from the bytes; None for anything else."""
    content_type = filetypes.sniff(data[:64])
    return content_type if content_type in TYPE_LABELS else None


def attachment_upload(
    *, actor, kind: str, filename: str, data: bytes, claimed_type: str = ""
) -> Attachment:
    """Store one file before the dossier is posted; the type is read from the bytes and
    must be what the uploader claims (the Content-Type of the part)."""
    limit = setting("MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024)
    name = (filename or "").strip()[:200] or "tep"
    if len(data) > limit:
        raise DomainError(
            "attachment.too_large",
            _("Tệp %(f)s quá lớn (%(s)s KB); tối đa %(m)s KB.")
            % {"f": name, "s": len(data) // 1024, "m": limit // 1024},
            field="file",
        )
    if not data:
        raise DomainError("attachment.empty", _("Tệp %(f)s rỗng.") % {"f": name}, field="file")
    actual = sniff(data)
    if actual is None:
        raise DomainError(
            "attachment.type",
            _("Tệp %(f)s không phải PDF, JPEG hoặc PNG.") % {"f": name},
            field="file",
        )
    claimed = (claimed_type or "").split(";")[0].strip().lower()
    if claimed and claimed not in ("application/octet-stream", actual):
        raise DomainError(
            "attachment.mismatch",
            _("Tệp %(f)s khai là %(c)s nhưng nội dung là %(a)s.")
            % {"f": name, "c": TYPE_LABELS.get(claimed, claimed), "a": TYPE_LABELS[actual]},
            field="file",
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    return Attachment.objects.create(
        token=uuid.uuid4(),
        kind=(kind or "")[:50],
        filename=name,
        content_type=actual,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by=user,
    )


# --- form ------------------------------------------------------------------------------------


def _clean_field(spec: dict, value, errors: ErrorCollector, data: dict):
    name, kind = spec["name"], spec.get("type", "text")
    label = spec.get("label", name)
    if kind == "priorities":
        codes = [c for c in (value or []) if c]
        known = set(PriorityCategory.objects.filter(code__in=codes).values_list("code", flat=True))
        for c in codes:
            if c not in known:
                errors.add(
                    "form.priority", _("Đối tượng ưu tiên «%(c)s» không có.") % {"c": c}, name
                )
        return sorted(known)
    text = str(value).strip() if value is not None else ""
    if not text:
        if spec.get("required"):
            errors.add("form.required", _("Cần nhập «%(f)s».") % {"f": _(label)}, name)
        return None
    try:
        if kind == "date":
            return parse_date(text, field=name).isoformat()
        if kind == "number":
            try:
                number = int(text)
            except ValueError:
                raise DomainError(
                    "form.number", _("«%(f)s» phải là số nguyên.") % {"f": _(label)}, field=name
                ) from None
            low, high = spec.get("min"), spec.get("max")
            if (low is not None and number < low) or (high is not None and number > high):
                raise DomainError(
                    "form.range",
                    _("«%(f)s» phải từ %(a)s đến %(b)s.") % {"f": _(label), "a": low, "b": high},
                    field=name,
                )
            return number
        if kind == "select":
            if text not in spec.get("choices", []):
                raise DomainError(
                    "form.choice",
                    _("Giá trị của «%(f)s» không hợp lệ.") % {"f": _(label)},
                    field=name,
                )
            return text
        if kind == "phone":
            return clean_phone(text, errors, name)
        if kind == "email":
            if not EMAIL.match(text):
                raise DomainError("form.email", _("Thư điện tử không hợp lệ."), field=name)
            return text
        if kind == "personal_id":
            return validate_personal_id(text, field=name)
        if kind in ("school", "commune"):
            want = UnitKind.SCHOOL if kind == "school" else UnitKind.COMMUNE
            try:
                pk = int(text)
            except ValueError:
                pk = None
            if (
                pk is None
                or not OrgUnit.objects.filter(pk=pk, kind=want, valid_to__isnull=True).exists()
            ):
                raise DomainError(
                    "form.unit", _("«%(f)s» không có trong danh mục.") % {"f": _(label)}, field=name
                )
            return pk
        return text[: 2000 if kind == "textarea" else 255]
    except DomainError as exc:
        errors.capture(exc)
        return None


def clean_form(procedure: Procedure, raw: dict) -> dict:
    errors = ErrorCollector()
    data = {}
    for spec in procedure.fields:
        value = _clean_field(spec, raw.get(spec["name"]), errors, data)
        if value is not None:
            data[spec["name"]] = value
    errors.raise_if_any()
    return data


# --- dossiers --------------------------------------------------------------------------------


@dataclass
class Applicant:
    """Who submits: an account (citizen/guardian) or a name and phone number."""

    user: object = None
    name: str = ""
    phone: str = ""
    email: str = ""


def _applicant_of(actor, data: dict) -> Applicant:
    user = actor if getattr(actor, "is_authenticated", False) else None
    person = getattr(user, "person", None) if user else None
    name = data.get("applicant_name") or (person.full_name if person else "")
    phone = data.get("phone") or (person.phone if person else "")
    return Applicant(
        user=user, name=name, phone=normalise_phone(phone), email=data.get("email", "")
    )


def _resolve_transfer(procedure: Procedure, data: dict, actor) -> dict:
    """Find the student and both schools of a transfer request; the student is matched by
    personal ID, name and date of birth (an anonymous applicant knows all three)."""
    person = Person.objects.filter(personal_id=data["student_personal_id"]).first()
    student = getattr(person, "student", None) if person else None
    if (
        student is None
        or fold(person.full_name) != fold(data["student_name"])
        or person.date_of_birth.isoformat() != data["date_of_birth"]
    ):
        raise DomainError(
            "transfer.student",
            _("Không tìm thấy học sinh có số định danh, họ tên và ngày sinh đã khai."),
            field="student_personal_id",
        )
    scope = scope_of(actor)
    if "guardian" in getattr(actor, "roles", set()) and student.pk not in scope.student_ids:
        raise Forbidden("transfer.not_guardian", _("Học sinh này không phải con của tài khoản."))
    to_school = OrgUnit.objects.get(pk=data["to_school"])
    level = School.objects.filter(unit=to_school).values_list("level", flat=True).first()
    if level not in procedure.school_levels:
        raise DomainError(
            "transfer.level",
            _("Trường chuyển đến không thuộc cấp học của thủ tục này."),
            field="to_school",
        )
    if student.current_school_id is None or student.current_school_id == to_school.pk:
        raise DomainError(
            "transfer.same_school",
            _("Trường chuyển đến trùng với trường hiện tại."),
            field="to_school",
        )
    return {"student": student, "from_school": student.current_school, "to_school": to_school}


def _responsible_unit(procedure: Procedure, data: dict, unit_id: int | None) -> OrgUnit:
    school_id = data.get("to_school") or data.get("school")
    unit = None
    if school_id:
        unit = ancestor_of_kind(OrgUnit.objects.get(pk=school_id), procedure.unit_kind)
    elif unit_id:
        unit = OrgUnit.objects.filter(
            pk=unit_id, kind=procedure.unit_kind, valid_to__isnull=True
        ).first()
    if unit is None:
        raise DomainError(
            "dossier.unit",
            _("Cần chọn cơ quan giải quyết (%(k)s).")
            % {
                "k": UnitKind(procedure.unit_kind).label
                if procedure.unit_kind in UnitKind.values
                else procedure.unit_kind
            },
            field="unit",
        )
    return unit


def _claim_attachments(dossier: Dossier, procedure: Procedure, tokens: list[str]) -> None:
    valid = []
    for t in tokens or []:
        try:
            valid.append(uuid.UUID(str(t)))
        except ValueError:
            raise DomainError(
                "attachment.unknown", _("Tệp đính kèm không tồn tại."), field="attachments"
            ) from None
    if valid:
        claimed = Attachment.objects.filter(token__in=valid, dossier__isnull=True).update(
            dossier=dossier
        )
        if claimed != len(set(valid)):
            raise DomainError(
                "attachment.unknown",
                _("Tệp đính kèm không tồn tại hoặc đã dùng cho hồ sơ khác."),
                field="attachments",
            )


def _missing_attachments(dossier: Dossier, procedure: Procedure) -> list[str]:
    have = set(dossier.files.values_list("kind", flat=True))
    return [
        a["label"] for a in procedure.attachments if a.get("required") and a["code"] not in have
    ]


def dossier_create(
    *,
    actor,
    procedure: Procedure,
    raw: dict,
    attachments: list[str] = (),
    unit_id: int | None = None,
    submit: bool = True,
    online: bool = True,
) -> Dossier:
    """A new dossier, submitted at once (the API) or kept as a draft (the page, where
    files are added before submitting). One transaction."""
    if not procedure.active or procedure.kind == ProcedureKind.ADMISSION:
        raise DomainError(
            "dossier.procedure",
            _("Thủ tục này không nhận hồ sơ theo cách này."),
            field="procedure",
        )
    data = clean_form(procedure, raw)
    applicant = _applicant_of(actor, data)
    errors = ErrorCollector()
    if not applicant.name:
        errors.add(
            "form.required",
            _("Cần nhập «%(f)s».") % {"f": _("Họ và tên người nộp")},
            "applicant_name",
        )
    if not PHONE.match(applicant.phone):
        errors.add(
            "phone.format",
            _("Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."),
            "phone",
        )
    errors.raise_if_any()
    transfer = (
        _resolve_transfer(procedure, data, actor)
        if procedure.kind == ProcedureKind.TRANSFER
        else {}
    )
    unit = _responsible_unit(procedure, data, unit_id)
    now = timezone.now()
    with transaction.atomic():
        dossier = Dossier.objects.create(
            code=new_code("HS"),
            procedure=procedure,
            unit=unit,
            applicant=applicant.user,
            applicant_name=applicant.name[:200],
            phone=applicant.phone,
            email=applicant.email,
            data=data,
            online=online,
            status=S.DRAFT,
            **transfer,
        )
        _claim_attachments(dossier, procedure, list(attachments))
        audit_record(
            actor=applicant.user,
            action="create",
            object_type="eservices.dossier",
            object_id=dossier.pk,
            object_repr=f"{dossier.code} {procedure.code}",
            changes={"status": [None, S.DRAFT]},
        )
        if submit:
            _submit(dossier, applicant.user, now)
    return dossier


def may_act_as_applicant(actor, dossier: Dossier, phone: str | None) -> bool:
    if dossier.applicant_id is not None:
        return getattr(actor, "pk", None) == dossier.applicant_id
    return phone is not None and secrets.compare_digest(normalise_phone(phone), dossier.phone)


def _submit(dossier: Dossier, user, now) -> None:
    missing = _missing_attachments(dossier, dossier.procedure)
    if missing:
        raise DomainError(
            "dossier.attachments",
            _("Còn thiếu giấy tờ: %(l)s.") % {"l": "; ".join(missing)},
            field="attachments",
        )
    fields = {"submitted_at": now}
    if dossier.procedure.fee > 0 and dossier.invoice_id is None:
        fields["invoice"] = _fee_invoice(dossier, user)
    _move(dossier, "submit", S.SUBMITTED, user, "", now, **fields)


def _fee_invoice(dossier: Dossier, user):
    """The procedure's fee as a fees invoice owed by the applicant to the dossier's unit
    (whole đồng, an `HP` reference, unique per dossier by its `source`). Issued even when
    the unit has no receiving account yet: the page then says payment is not available,
    and the QR code appears once the unit declares an account."""
    return fees_services.invoice_issue(
        actor=user,
        unit=dossier.unit,
        source=f"{FEE_SOURCE}{dossier.code}",
        title=f"Lệ phí hồ sơ {dossier.code}: {dossier.procedure.name}",
        amount=int(dossier.procedure.fee),
        payer_name=dossier.applicant_name,
        payer_phone=dossier.phone,
        payer=dossier.applicant,
    )


def fee_unpaid(dossier: Dossier) -> bool:
    """A full-service dossier's fee is still (partly) due: its result is held until paid.
    A cancelled invoice (the fee waived by the unit's accountant) holds nothing."""
    if dossier.invoice_id is None or dossier.procedure.level != ServiceLevel.FULL:
        return False
    return dossier.invoice.status in (InvoiceStatus.OPEN, InvoiceStatus.PARTIAL)


def dossier_attach(*, actor, dossier: Dossier, attachment: Attachment, phone=None) -> Dossier:
    if dossier.status not in (S.DRAFT, S.SUPPLEMENT) or not may_act_as_applicant(
        actor, dossier, phone
    ):
        raise Forbidden("dossier.attach", _("Không thể thêm tệp vào hồ sơ này."))
    with transaction.atomic():
        _claim_attachments(dossier, dossier.procedure, [str(attachment.token)])
    return dossier


def dossier_submit(*, actor, dossier: Dossier, phone: str | None = None) -> Dossier:
    if not may_act_as_applicant(actor, dossier, phone):
        raise Forbidden("dossier.not_applicant", _("Chỉ người nộp mới được nộp hồ sơ này."))
    if dossier.status != S.DRAFT:
        raise Conflict("dossier.transition", _("Hồ sơ đã được nộp."))
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if locked.status != S.DRAFT:
            raise Conflict("dossier.transition", _("Hồ sơ đã được nộp."))
        _submit(locked, locked.applicant, timezone.now())
    return locked


# The officer workflow: action → (allowed from, to, what the officer does, whose unit).
OFFICER_ACTIONS = {
    "receive": ((S.SUBMITTED,), S.RECEIVED),
    "process": ((S.RECEIVED,), S.PROCESSING),
    "request_supplement": ((S.RECEIVED, S.PROCESSING), S.SUPPLEMENT),
    "approve": ((S.PROCESSING,), S.APPROVED),
    "reject": ((S.SUBMITTED, S.RECEIVED, S.PROCESSING), S.REJECTED),
    "return_result": ((S.APPROVED, S.REJECTED), S.RETURNED),
    # School transfer: the sending school releases, the receiving school accepts.
    "release": ((S.PROCESSING,), S.PROCESSING),
    "accept": ((S.PROCESSING,), S.APPROVED),
}
APPLICANT_ACTIONS = {
    "submit": ((S.DRAFT,), S.SUBMITTED),
    "supplement": ((S.SUPPLEMENT,), S.PROCESSING),
}


def action_labels() -> dict[str, str]:
    return {
        "receive": _("Tiếp nhận"),
        "process": _("Chuyển xử lý"),
        "request_supplement": _("Yêu cầu bổ sung"),
        "approve": _("Phê duyệt"),
        "reject": _("Từ chối"),
        "return_result": _("Trả kết quả"),
        "release": _("Trường nơi đi đồng ý cho chuyển"),
        "accept": _("Trường nơi đến tiếp nhận"),
        "submit": _("Nộp hồ sơ"),
        "supplement": _("Bổ sung hồ sơ"),
    }


def allowed_actions(actor, dossier: Dossier) -> list[str]:
    """The officer actions `actor` may take on `dossier` now (for the queue's buttons)."""
    out = []
    for action, (sources, _target) in OFFICER_ACTIONS.items():
        if dossier.status not in sources:
            continue
        is_transfer = dossier.procedure.kind == ProcedureKind.TRANSFER
        if action in ("release", "accept") and not is_transfer:
            continue
        if action == "approve" and is_transfer:
            continue
        if action == "release" and (dossier.released_at or not covers(actor, dossier.from_school)):
            continue
        if action == "accept" and (not dossier.released_at or not covers(actor, dossier.to_school)):
            continue
        if action not in ("release", "accept") and not covers(actor, dossier.unit):
            continue
        out.append(action)
    return out


def _applicant_address(dossier: Dossier):
    """The applicant's account, or their phone and e-mail when they have none."""
    if dossier.applicant_id:
        return dossier.applicant
    return Address(phone=dossier.phone, email=dossier.email)


def _notify_due_date(dossier: Dossier, old: str | None) -> None:
    """A calendar change moved the due date: tell the applicant once per move (the key
    names the old and new dates, so a retry of the same change stores nothing twice)."""
    new = dossier.due_date
    notify(
        _applicant_address(dossier),
        "eservices.dossier_due_date",
        {"code": dossier.code, "old": old, "due_date": new.isoformat()},
        key=f"eservices:dossier:{dossier.pk}:due:{old}:{new.isoformat()}",
        title=lambda: (
            _("Hồ sơ %(c)s: hạn giải quyết mới %(d)s") % {"c": dossier.code, "d": _dmy(new)}
        ),
        body=lambda: (
            _("Lịch làm việc thay đổi nên hạn giải quyết hồ sơ chuyển sang ngày %(d)s.")
            % {"d": _dmy(new)}
        ),
        url=f"/services/dossiers/{dossier.code}/",
    )


def _notify(dossier: Dossier, event: DossierEvent) -> None:
    notify(
        _applicant_address(dossier),
        "eservices.dossier_status",
        {"code": dossier.code, "status": event.to_status, "action": event.action},
        key=f"eservices:dossier:{dossier.pk}:event:{event.pk}",
        title=lambda: (
            _("Hồ sơ %(c)s: %(s)s") % {"c": dossier.code, "s": DossierStatus(event.to_status).label}
        ),
        body=event.comment,
        url=f"/services/dossiers/{dossier.code}/",
    )


def _move(
    dossier: Dossier, action: str, target: str, actor, comment: str, now, **fields
) -> DossierEvent:
    old = dossier.status
    dossier.status = target
    for k, v in fields.items():
        setattr(dossier, k, v)
    dossier.save(update_fields=["status", "updated_at", *fields])
    event = DossierEvent.objects.create(
        dossier=dossier,
        action=action,
        from_status=old,
        to_status=target,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        comment=comment,
    )
    audit_record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action="update",
        object_type="eservices.dossier",
        object_id=dossier.pk,
        object_repr=dossier.code,
        changes={"status": [old, target], "action": [None, action]},
        reason=comment,
    )
    events.emit(
        "eservices.dossier_status",
        {"dossier": dossier.pk, "code": dossier.code, "from": old, "to": target, "action": action},
    )
    _notify(dossier, event)
    return event


def dossier_transition(
    *, actor, dossier: Dossier, action: str, comment: str, class_id: int | None = None
) -> Dossier:
    """One step of the workflow by an officer of the responsible unit (the sending or
    receiving school for release/accept), with a comment; audited and notified."""
    if action not in OFFICER_ACTIONS:
        raise DomainError("dossier.action", _("Thao tác không hợp lệ."), field="action")
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(
            "dossier.comment", _("Cần ghi ý kiến xử lý cho mỗi bước."), field="comment"
        )
    labels = action_labels()
    with transaction.atomic():
        d = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("procedure", "unit", "from_school", "to_school")
            .get(pk=dossier.pk)
        )
        is_transfer = d.procedure.kind == ProcedureKind.TRANSFER
        unit = {"release": d.from_school, "accept": d.to_school}.get(action, d.unit)
        if action in ("release", "accept") and not is_transfer:
            raise DomainError("dossier.action", _("Thao tác không hợp lệ."), field="action")
        _require_officer(actor, unit, labels[action].lower())
        sources, target = OFFICER_ACTIONS[action]
        if d.status not in sources:
            raise Conflict(
                "dossier.transition",
                _("Không thể «%(a)s» hồ sơ đang ở trạng thái «%(s)s».")
                % {"a": labels[action], "s": d.get_status_display()},
                field="action",
            )
        today = timezone.localdate()
        now = timezone.now()
        fields: dict = {}
        if action == "receive":
            fields = {
                "received_on": today,
                "due_date": calendar(d.unit).add_working_days(today, d.procedure.processing_days),
            }
        elif action == "request_supplement":
            fields = {"paused_on": today}
        elif action == "approve" and is_transfer:
            raise DomainError(
                "transfer.accept_required",
                _("Hồ sơ chuyển trường được duyệt khi trường nơi đến tiếp nhận."),
                field="action",
            )
        elif action == "release":
            if d.released_at:
                raise Conflict("transfer.released", _("Trường nơi đi đã đồng ý cho chuyển."))
            fields = {"released_at": now}
        elif action == "accept":
            if not d.released_at:
                raise Conflict(
                    "transfer.not_released",
                    _("Trường nơi đi chưa đồng ý cho chuyển."),
                    field="action",
                )
            _transfer_enrolment(actor, d, class_id, today, comment)
            fields = {"accepted_at": now}
        if target in (S.APPROVED, S.REJECTED):
            fields.update(
                closed_at=now,
                resolved_on_time=d.due_date is None or today <= d.due_date,
            )
        if action == "return_result":
            if d.status == S.APPROVED and fee_unpaid(d):
                raise Conflict(
                    "dossier.fee_unpaid",
                    _(
                        "Chưa nộp đủ lệ phí (hóa đơn %(r)s, %(s)s); "
                        "chỉ trả kết quả khi lệ phí đã nộp đủ."
                    )
                    % {"r": d.invoice.reference, "s": d.invoice.get_status_display().lower()},
                    field="action",
                )
            fields.update(_result_fields(actor, d, now))
        event = _move(d, action, target, actor, comment, now, **fields)
        if target == S.REJECTED and d.invoice_id is not None:
            _cancel_unpaid_fee(actor, d, comment, event)
    return d


def _cancel_unpaid_fee(actor, d: Dossier, comment: str, event: DossierEvent) -> None:
    """A rejected dossier owes no fee: its invoice is cancelled (fees audits it) when
    nothing is paid on it. Money already paid stays on the invoice, to be refunded by the
    unit's officer from the fees desk (`selectors.fee_refund_due` says so). Either way the
    applicant is told (`_notify_fee_after_rejection`); an invoice already cancelled (the
    fee waived) is left alone and nobody is told again."""
    invoice = d.invoice
    if invoice.status == InvoiceStatus.CANCELLED:
        return
    if not invoice.paid:
        try:
            fees_services.invoice_cancel(
                actor=actor,
                invoice=invoice,
                reason=(_("Hồ sơ %(c)s bị từ chối: %(m)s") % {"c": d.code, "m": comment})[:255],
            )
        except Conflict:
            # A payment arrived meanwhile: it is refunded like any other.
            invoice.refresh_from_db(fields=["paid", "status"])
    _notify_fee_after_rejection(d, invoice, event)


def _notify_fee_after_rejection(d: Dossier, invoice, event: DossierEvent) -> None:
    """Tell the applicant what happens to the fee of a rejected dossier: nothing is owed
    (the invoice was cancelled), or what they paid is being refunded. One notification per
    rejection event (the key names it), stored with the rejection; channels after commit."""
    refund = invoice.status != InvoiceStatus.CANCELLED
    values = {
        "c": d.code,
        "r": invoice.reference,
        "a": fees_services.money(invoice.total),
        "p": fees_services.money(invoice.paid),
        "u": d.unit.name,
    }

    def title():  # called in the applicant's language (notify)
        if refund:
            return _("Hồ sơ %(c)s: lệ phí đã nộp sẽ được hoàn trả") % values
        return _("Hồ sơ %(c)s: đã hủy hóa đơn lệ phí %(r)s") % values

    def body():
        if refund:
            return (
                _(
                    "Hồ sơ bị từ chối. Số tiền %(p)s bạn đã nộp cho hóa đơn lệ phí %(r)s "
                    "đang được %(u)s làm thủ tục hoàn trả."
                )
                % values
            )
        return (
            _(
                "Hồ sơ bị từ chối nên hóa đơn lệ phí %(r)s (%(a)s) đã được hủy; "
                "bạn không phải nộp khoản này."
            )
            % values
        )

    notify(
        _applicant_address(d),
        "eservices.dossier_fee_refund" if refund else "eservices.dossier_fee_cancelled",
        {
            "code": d.code,
            "invoice": invoice.reference,
            "amount": invoice.total,
            "paid": invoice.paid,
        },
        key=f"eservices:dossier:{d.pk}:event:{event.pk}:fee",
        title=title,
        body=body,
        url=f"/services/dossiers/{d.code}/",
    )


def _transfer_enrolment(actor, d: Dossier, class_id, today, comment) -> None:
    """Within the receiving school's capacity: the class chosen (or the first of the
    student's grade with a free seat); the enrolment moves via people.services."""
    student = Student.objects.select_related("current_class").get(pk=d.student_id)
    current = student.current_class
    classes = ClassGroup.objects.filter(school=d.to_school)
    if class_id:
        classes = classes.filter(pk=class_id)
    elif current is not None:
        classes = classes.filter(school_year=current.school_year, grade=current.grade)
    free = [
        c
        for c in classes.annotate(
            n=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE))
        ).order_by("name")
        if c.n < c.capacity
    ]
    if not free:
        raise Conflict(
            "transfer.capacity",
            _("Trường %(s)s không còn chỗ ở lớp phù hợp.") % {"s": d.to_school.name},
            field="class_id",
        )
    target = free[0]
    effective = max(
        today,
        Enrolment.objects.filter(student=student, status=EnrolmentStatus.ACTIVE)
        .values_list("start_date", flat=True)
        .first()
        or today,
    )
    people_services.student_transfer(
        actor=actor,
        student=student,
        to_school=d.to_school,
        school_year=target.school_year,
        class_group=target,
        effective=effective,
        reason=_("Hồ sơ chuyển trường %(c)s: %(m)s") % {"c": d.code, "m": comment},
    )


def dossier_supplement(
    *, actor, dossier: Dossier, comment: str, attachments: list[str] = (), phone=None
) -> Dossier:
    """The applicant answers a supplement request; the clock restarts and the due date
    moves by the working days it was paused."""
    if not may_act_as_applicant(actor, dossier, phone):
        raise Forbidden("dossier.not_applicant", _("Chỉ người nộp mới được bổ sung hồ sơ này."))
    with transaction.atomic():
        d = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("procedure", "unit")
            .get(pk=dossier.pk)
        )
        if d.status != S.SUPPLEMENT:
            raise Conflict("dossier.transition", _("Hồ sơ không ở trạng thái chờ bổ sung."))
        _claim_attachments(d, d.procedure, list(attachments))
        today = timezone.localdate()
        pauses = list(d.pauses)
        due = d.due_date
        if d.paused_on is not None:
            pauses.append([d.paused_on.isoformat(), today.isoformat()])
            d.pauses = pauses
            if d.received_on is not None:
                due = dossier_due_date(d, calendar(d.unit))
        _move(
            d,
            "supplement",
            S.PROCESSING,
            d.applicant,
            (comment or "").strip(),
            timezone.now(),
            due_date=due,
            paused_on=None,
            pauses=pauses,
        )
    return d


# --- results ---------------------------------------------------------------------------------


def _result_fields(actor, d: Dossier, now) -> dict:
    """A full-service procedure returns its result online: a PDF signed by the officer."""
    if d.procedure.level != ServiceLevel.FULL:
        return {}
    reference = f"{d.code}-KQ"
    approved = d.status == S.APPROVED
    day = timezone.localdate(now)
    lines = [
        _("Cơ quan giải quyết: %(u)s.") % {"u": d.unit.name},
        _("Người nộp: %(n)s. Mã hồ sơ: %(c)s.") % {"n": d.applicant_name, "c": d.code},
        _("Kết quả: %(r)s.")
        % {"r": _("hồ sơ được chấp thuận") if approved else _("hồ sơ bị từ chối")},
    ]
    if d.to_school_id:
        lines.append(
            _("Học sinh được tiếp nhận tại %(s)s từ ngày %(d)s.")
            % {"s": d.to_school.name, "d": day.strftime("%d/%m/%Y")}
        )
    rendered = render_document(
        DocumentSpec(
            title=_("THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"),
            issuer_lines=(d.unit.name,),
            place_date=_("Ngày %(d)s") % {"d": day.strftime("%d/%m/%Y")},
            subtitle_lines=(d.procedure.name,),
            paragraphs=lines,
            signatures=(SignatureSlot("officer", _("CÁN BỘ GIẢI QUYẾT"), ""),),
            reference=reference,
        )
    )
    signed = signing.sign_pdf(
        rendered.data,
        signer=signing.signer_for(actor, d.unit),
        field_name="officer",
        reason=_("Kết quả giải quyết hồ sơ %(c)s") % {"c": d.code},
        location=d.unit.name,
        box=rendered.signature_boxes.get("officer"),
    )
    return {"result_pdf": signed, "result_reference": reference}


# --- satisfaction ----------------------------------------------------------------------------


def dossier_rate(*, actor, dossier: Dossier, score: int, comment: str = "", phone=None) -> Rating:
    if not may_act_as_applicant(actor, dossier, phone):
        raise Forbidden("dossier.not_applicant", _("Chỉ người nộp mới được đánh giá hồ sơ này."))
    if dossier.status != S.RETURNED:
        raise Conflict("rating.open", _("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise DomainError("rating.score", _("Điểm đánh giá từ 1 đến 5."), field="score")
    with transaction.atomic():
        if Rating.objects.filter(dossier=dossier).exists():
            raise Conflict("rating.exists", _("Hồ sơ này đã được đánh giá."))
        rating = Rating.objects.create(dossier=dossier, score=score, comment=(comment or "")[:2000])
        events.emit("eservices.dossier_rated", {"dossier": dossier.pk, "score": score})
    return rating


# --- status lookup (no account) --------------------------------------------------------------


def lookup_allowed(client_key: str) -> bool:
    """At most LOOKUP_MAX_FAILURES wrong look-ups per client per LOOKUP_WINDOW seconds."""
    return ratelimit.hits(f"eservices:lookup:{client_key}") < setting("LOOKUP_MAX_FAILURES", 5)


def lookup_failed(client_key: str) -> None:
    ratelimit.count(f"eservices:lookup:{client_key}", setting("LOOKUP_WINDOW", 900))


def dossier_by_code_and_phone(*, code: str, phone: str, client_key: str) -> Dossier:
    """The dossier with this code if `phone` is the applicant's; otherwise the same
    NotFound whether the code or the phone was wrong (nothing leaks), and the client is
    throttled after a few failures."""
    if not lookup_allowed(client_key):
        raise Throttled(
            "lookup.throttled",
            _("Tra cứu sai quá nhiều lần; vui lòng thử lại sau 15 phút."),
        )
    d = (
        Dossier.objects.select_related("procedure", "unit", "invoice")
        .filter(code=(code or "").strip().upper())
        .first()
    )
    if d is None or not secrets.compare_digest(normalise_phone(phone), d.phone):
        lookup_failed(client_key)
        raise NotFound(
            "lookup.not_found",
            _("Không tìm thấy hồ sơ với mã và số điện thoại này."),
        )
    return d
