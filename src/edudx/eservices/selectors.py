"""Reads that cross a permission line, scoped through the acting user, and the T14–T17
indicators (numerator, denominator) per unit and everything under it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import audit_record
from edudx.core.errors import NotFound
from edudx.core.scope import scope_of
from edudx.fees import selectors as fees_selectors
from edudx.fees.models import InvoiceStatus
from edudx.fees.services import money
from edudx.org.models import OrgUnit, SchoolYear, UnitKind, path_upper

from .models import (
    AdmissionApplication,
    AdmissionRound,
    CalendarDay,
    Dossier,
    DossierEvent,
    DossierStatus,
    Procedure,
    ProcedureKind,
    Rating,
    RoundStatus,
    ServiceLevel,
)

S = DossierStatus
RUNNING = (S.RECEIVED, S.PROCESSING)


def _with_rejection(qs: QuerySet) -> QuerySet:
    """Lists: whether each dossier was ever rejected, in the list query (a returned
    dossier's fee reads it — `fee_refunding` — without a query per row)."""
    rejected = DossierEvent.objects.filter(dossier=OuterRef("pk"), action="reject")
    return qs.annotate(was_rejected=Exists(rejected))


@dataclass(frozen=True)
class DossierFee:
    """What the applicant owes for a dossier and how to pay it (the dossier page)."""

    reference: str
    amount: str  # "20.000 đ"
    paid: str
    outstanding: str
    status: str  # fees InvoiceStatus: open, partial, paid, overpaid, cancelled
    status_label: str
    available: bool  # the unit has a receiving account: the QR code can be paid
    account: object  # fees BankAccount or None
    qr_svg: str  # inline SVG ("" when nothing is due or no account)
    # The dossier was rejected after something was paid: nothing more is asked, what was
    # paid is being refunded (the applicant was told so); no QR code then.
    refunding: bool = False


def dossier_fee(d: Dossier) -> DossierFee | None:
    """The dossier's fee invoice with its VietQR code (fees helpers), None when free."""
    if d.invoice_id is None:
        return None
    inv = d.invoice
    refunding = fee_refunding(d)
    qr = fees_selectors.invoice_qr(inv) if not refunding else None
    return DossierFee(
        reference=inv.reference,
        amount=money(inv.total),
        paid=money(inv.paid),
        outstanding=money(inv.outstanding),
        status=inv.status,
        status_label=str(inv.get_status_display()),
        available=qr is not None and qr.account is not None,
        account=qr.account if qr else None,
        qr_svg=qr.svg if qr else "",
        refunding=refunding,
    )


def fee_refunding(d: Dossier) -> bool:
    """A rejected dossier whose fee was (partly) paid and not yet refunded and cancelled:
    nothing more is owed, what was paid is being refunded."""
    inv = d.invoice
    return bool(inv.paid) and inv.status != InvoiceStatus.CANCELLED and _rejected(d)


def _rejected(d: Dossier) -> bool:
    """Rejected, or rejected and then returned to the applicant."""
    if d.status == S.REJECTED:
        return True
    if d.status != S.RETURNED:
        return False
    known = getattr(d, "was_rejected", None)  # annotated by the lists
    return known if known is not None else d.events.filter(action="reject").exists()


def fee_refund_due(d: Dossier) -> str | None:
    """For the officer: a rejected dossier whose fee was (partly) paid. Its invoice was not
    cancelled with the rejection; what was paid is to be refunded (fees desk: the
    invoice's page, "Hoàn tiền"), then the invoice cancelled. None otherwise."""
    if d.invoice_id is None:
        return None
    inv = fees_selectors.invoice_refund_state(d.invoice_id)
    if inv is None or not inv.paid or not d.events.filter(action="reject").exists():
        return None
    return _(
        "Hồ sơ %(c)s bị từ chối nhưng người nộp đã nộp %(p)s lệ phí (hóa đơn %(r)s): "
        "cần hoàn tiền rồi hủy hóa đơn."
    ) % {"c": d.code, "p": money(inv.paid), "r": inv.reference}


def procedures(*, kind: str | None = None) -> QuerySet:
    qs = Procedure.objects.filter(active=True)
    return qs.filter(kind=kind) if kind else qs


def procedure_get(code: str) -> Procedure:
    p = Procedure.objects.filter(code=code, active=True).first()
    if p is None:
        raise NotFound("procedure.not_found", _("Không có thủ tục này."))
    return p


def _officer_q(actor, *, prefix: str = "") -> Q | None:
    scope = scope_of(actor)
    if scope.everything:
        return Q()
    if not scope.unit_paths:
        return None
    q = Q()
    for path in scope.unit_paths:
        q |= Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path_upper(path)})
    return q


def officer_units_q(actor) -> Q | None:
    """Dossiers an officer may see: those of their units (and below), and transfers
    whose sending or receiving school is theirs."""
    scope = scope_of(actor)
    if scope.everything:
        return Q()
    if not scope.unit_paths:
        return None
    q = Q()
    for path in scope.unit_paths:
        end = path_upper(path)
        for field in ("unit", "from_school", "to_school"):
            q |= Q(**{f"{field}__path__gte": path, f"{field}__path__lt": end})
    return q


def is_overdue(d: Dossier, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return d.status in RUNNING and d.due_date is not None and d.due_date < today


# What an officer acts on next: receive a submitted dossier, process a received one; the
# queue's status filter WAITING_FILTER shows them.
WAITING = (S.SUBMITTED, S.RECEIVED, S.PROCESSING)
WAITING_FILTER = "waiting"


def officer_queue(*, actor, status: str | None = None, overdue: bool = False) -> QuerySet:
    """The dossiers of the actor's units, those waiting for an officer first, each group by
    due date (the most urgent on top, finished ones after every open one); a dossier not
    yet received has no due date and comes first, on both engines (SQLite sorts NULL
    first, PostgreSQL last)."""
    q = officer_units_q(actor)
    if q is None:
        return Dossier.objects.none()
    qs = _with_rejection(
        Dossier.objects.filter(q)
        .exclude(status=S.DRAFT)
        .select_related("procedure", "unit", "from_school", "to_school", "invoice")
        .defer("result_pdf")
        .alias(done=Case(When(status__in=WAITING, then=Value(0)), default=Value(1)))
        .order_by("done", F("due_date").asc(nulls_first=True), "submitted_at", "id")
    )
    if status == WAITING_FILTER:
        qs = qs.filter(status__in=WAITING)
    elif status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=RUNNING, due_date__lt=timezone.localdate())
    return qs


def queue_waiting(*, actor, today: dt.date | None = None) -> dict[str, int]:
    """For the officer's home page: dossiers of their queue waiting for them (`waiting`)
    and, among those, past their due date (`overdue`). One query."""
    q = officer_units_q(actor)
    if q is None:
        return {"waiting": 0, "overdue": 0}
    today = today or timezone.localdate()
    return Dossier.objects.filter(q, status__in=WAITING).aggregate(
        waiting=Count("id"),
        overdue=Count("id", filter=Q(status__in=RUNNING, due_date__lt=today)),
    )


def my_dossiers(*, actor) -> QuerySet:
    if not getattr(actor, "is_authenticated", False):
        return Dossier.objects.none()
    return _with_rejection(
        Dossier.objects.filter(applicant=actor)
        .select_related("procedure", "unit", "invoice")
        .defer("result_pdf")
        .order_by("-created_at")
    )


def my_dossiers_waiting(*, actor) -> int:
    """The applicant's dossiers waiting for them: a supplement requested (the home page).
    One query."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Dossier.objects.filter(applicant=actor, status=S.SUPPLEMENT).count()


def dossier_get(*, actor, code: str) -> Dossier:
    """A dossier its applicant or a responsible officer may open (404 otherwise). An
    officer's read of someone's dossier is audited (personal data)."""
    d = (
        Dossier.objects.select_related(
            "procedure", "unit", "from_school", "to_school", "student", "invoice"
        )
        .filter(code=(code or "").strip().upper())
        .first()
    )
    if d is None:
        raise NotFound("dossier.not_found", _("Không tìm thấy hồ sơ."))
    if getattr(actor, "is_authenticated", False) and d.applicant_id == actor.pk:
        return d
    q = officer_units_q(actor)
    if q is None or not Dossier.objects.filter(q, pk=d.pk).exists():
        raise NotFound("dossier.not_found", _("Không tìm thấy hồ sơ."))
    audit_record(
        actor=actor,
        action="read",
        object_type="eservices.dossier",
        object_id=d.pk,
        object_repr=d.code,
    )
    return d


def open_rounds(now=None) -> QuerySet:
    now = now or timezone.now()
    return (
        AdmissionRound.objects.filter(status=RoundStatus.OPEN, closes_at__gt=now)
        .select_related("school_year", "procedure")
        .order_by("opens_at")
    )


def officer_rounds(*, actor) -> QuerySet:
    q = _officer_q(actor, prefix="unit__")
    if q is None:
        return AdmissionRound.objects.none()
    return AdmissionRound.objects.filter(q).select_related("school_year").order_by("-opens_at")


def officer_units(*, actor) -> QuerySet:
    """Provinces, districts and communes an officer may organise rounds or calendars for:
    their own units and the administrative units under them."""
    q = _officer_q(actor)
    if q is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        q, kind__in=(UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE), valid_to__isnull=True
    ).order_by("path")


def officer_unit_get(*, actor, unit_id: int | None) -> OrgUnit:
    """A unit the officer covers (404 otherwise: another unit's existence is not told)."""
    unit = officer_units(actor=actor).filter(pk=unit_id).first() if unit_id else None
    if unit is None:
        raise NotFound("unit.not_found", _("Không có đơn vị này trong phạm vi của bạn."))
    return unit


def school_year_get(code: str) -> SchoolYear:
    year = SchoolYear.objects.filter(code=(code or "").strip()).first()
    if year is None:
        raise NotFound("school_year.not_found", _("Không có năm học %(y)s.") % {"y": code})
    return year


def round_get(round_id: int) -> AdmissionRound:
    r = (
        AdmissionRound.objects.select_related("school_year", "procedure")
        .filter(pk=round_id)
        .first()
    )
    if r is None:
        raise NotFound("round.not_found", _("Không có đợt tuyển sinh này."))
    return r


def calendar_days(*, year: int | None = None, unit_id: int | None = None) -> QuerySet:
    """Days added by officers (public: the calendar is published)."""
    qs = CalendarDay.objects.select_related("unit").order_by("date", "unit__path")
    if year:
        qs = qs.filter(date__year=year)
    if unit_id:
        qs = qs.filter(Q(unit_id=unit_id) | Q(unit__isnull=True))
    return qs


def my_applications(*, actor) -> QuerySet:
    if not getattr(actor, "is_authenticated", False):
        return AdmissionApplication.objects.none()
    return (
        AdmissionApplication.objects.filter(applicant=actor)
        .select_related("round", "school", "allocated_school", "class_group")
        .order_by("-created_at")
    )


# --- indicators ------------------------------------------------------------------------------

TARGETS = ("T14", "T15", "T16", "T17")


def _subtree(unit: OrgUnit) -> Q:
    return Q(unit__path__gte=unit.path, unit__path__lt=path_upper(unit.path))


def indicator_counts(*, unit: OrgUnit, target: str) -> tuple[int, int]:
    """(numerator, denominator) of a target for `unit` and everything under it.

    T14: procedures the unit (or a unit under it) resolves — by the procedure's
         responsible unit kind — that are eligible for online service, and how many of
         them are offered in full ("toàn trình").
    T15: dossiers closed (result returned) under the unit, and how many of them were
         submitted online.
    T16: ratings of closed dossiers of services to learners and parents (transfer,
         admissions, tuition support), and how many are satisfied (4 or 5 of 5).
    T17: all ratings of closed dossiers, and how many are satisfied."""
    if target == "T14":
        kinds = set(
            OrgUnit.objects.filter(
                path__gte=unit.path, path__lt=path_upper(unit.path), valid_to__isnull=True
            )
            .values_list("kind", flat=True)
            .distinct()
        )
        if unit.kind == UnitKind.PROVINCE or unit.kind == UnitKind.MINISTRY:
            kinds.add(UnitKind.PROVINCE)
        qs = Procedure.objects.filter(active=True, online_eligible=True, unit_kind__in=kinds)
        return qs.filter(level=ServiceLevel.FULL).count(), qs.count()
    if target == "T15":
        qs = Dossier.objects.filter(_subtree(unit), status=S.RETURNED)
        return qs.filter(online=True).count(), qs.count()
    if target in ("T16", "T17"):
        qs = Rating.objects.filter(
            dossier__unit__path__gte=unit.path, dossier__unit__path__lt=path_upper(unit.path)
        )
        if target == "T16":
            qs = qs.filter(
                Q(dossier__procedure__audience="learner")
                | Q(dossier__procedure__kind__in=[ProcedureKind.TRANSFER, ProcedureKind.ADMISSION])
            )
        return qs.filter(score__gte=4).count(), qs.count()
    raise ValueError(target)


def indicators(*, unit: OrgUnit) -> dict[str, tuple[int, int]]:
    return {t: indicator_counts(unit=unit, target=t) for t in TARGETS}
