"""Every e-office read that crosses a permission line; each takes the acting user.

A unit's registers and dossiers are read by that unit's own staff: the principal and
clerks of a school, the officers of a commune or province office — a role at that very
unit, not one above it (an officer of the province does not read a school's mail). A user
handed a document (a teacher, a deputy) reads that document wherever it is. Units above
see counts per unit of their subtree (`summary`), never the documents."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, User
from edudx.core.errors import NotFound
from edudx.core.scope import scope_of
from edudx.core.signing import VerificationResult, verify_pdf
from edudx.core.text import fold
from edudx.org.models import OrgUnit, UnitKind, path_upper

from .models import (
    OPEN_INCOMING,
    SIGNATURE_FIELD,
    SIGNING_STAGE_Q,
    UNIT_SIGNATURE_FIELD,
    DossierStatus,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    SigningStage,
    WorkDossier,
)

REGISTER_ROLES = (Role.PRINCIPAL, Role.CLERK, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)
# A school, or the administrative unit where an education office's officers hold their role.
OWNER_KINDS = (UnitKind.SCHOOL, UnitKind.COMMUNE, UnitKind.DISTRICT, UnitKind.PROVINCE)
# Who may be handed a document: anyone with a staff role at the unit.
HANDLER_ROLES = (*REGISTER_ROLES, Role.TEACHER, Role.HOMEROOM_TEACHER)
# Who signs what the unit issues (Decree 30/2020, Art. 13: the head of the agency, or a
# deputy for them): a school's principal; an office's officers, since the platform has no
# separate role for the head of an office. Never the clerk, who numbers and sends.
SIGNER_ROLES = (Role.PRINCIPAL, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)


def register_units(actor) -> list[OrgUnit]:
    """The units whose registers the actor keeps (a role at that very unit), by name;
    remembered per request."""
    if not getattr(actor, "is_authenticated", False):
        return []
    units = actor.__dict__.get("_office_units")
    if units is None:
        units = actor.__dict__["_office_units"] = list(
            OrgUnit.objects.filter(
                role_assignments__user=actor,
                role_assignments__role__in=REGISTER_ROLES,
                kind__in=OWNER_KINDS,
                valid_to__isnull=True,
            )
            .distinct()
            .order_by("name", "id")
        )
    return units


def may_manage(actor, unit: OrgUnit) -> bool:
    return any(u.pk == unit.pk for u in register_units(actor))


def units_led(actor, units) -> set[int]:
    """Which of `units` the actor leads (a signer role at that very unit; read with the
    scope)."""
    return {u.pk for u in units} & scope_of(actor).units_where(SIGNER_ROLES)


def may_sign(actor, unit: OrgUnit) -> bool:
    """The actor leads `unit`, so may sign its documents."""
    return unit.pk in units_led(actor, [unit])


def register_unit_get(*, actor, unit_id: int | None) -> OrgUnit:
    """One of the actor's register units (the first when `unit_id` is None); 404 else."""
    units = register_units(actor)
    if unit_id is None and units:
        return units[0]
    unit = next((u for u in units if u.pk == unit_id), None)
    if unit is None:
        raise NotFound("office.unit_not_found", _("Không tìm thấy đơn vị."))
    return unit


def handlers(unit: OrgUnit) -> QuerySet[User]:
    """Who a document of the unit may be handed to: active users with a staff role there."""
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__unit=unit,
            role_assignments__role__in=HANDLER_ROLES,
        )
        .select_related("person")
        .distinct()
        .order_by("person__full_name", "username")
    )


def user_label(user) -> str:
    return "" if user is None else user.display_name


# The incoming list's status filter for "not done yet": any of OPEN_INCOMING.
OPEN = "open"


def _visible_q(actor) -> Q:
    q = Q(unit__in=[u.pk for u in register_units(actor)])
    if getattr(actor, "is_authenticated", False):
        q |= Q(handler=actor)
    return q


def incoming_list(
    *,
    actor,
    unit: OrgUnit | None = None,
    q: str = "",
    status: str | None = None,
    overdue: bool = False,
    mine: bool = False,
    year: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[IncomingDocument]:
    """The incoming register of `unit` (one of the actor's), or every document the actor may
    read (their units' and those handed to them); newest number first. `status` OPEN: not
    done yet (received, assigned, in progress); `mine`: handed to the actor."""
    if not getattr(actor, "is_authenticated", False):
        return IncomingDocument.objects.none()
    qs = IncomingDocument.objects.select_related("unit", "handler__person", "dossier")
    qs = qs.filter(_visible_q(actor))
    if unit is not None:
        qs = qs.filter(unit=unit)
    if q:
        qs = qs.filter(search_text__contains=fold(q))
    if status == OPEN:
        qs = qs.filter(status__in=OPEN_INCOMING)
    elif status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(handler=actor)
    if overdue:
        qs = qs.filter(status__in=OPEN_INCOMING, due_on__lt=today or timezone.localdate())
    if year:
        qs = qs.filter(year=year)
    return qs


def incoming_get(*, actor, document_id: int) -> IncomingDocument:
    doc = incoming_list(actor=actor).filter(pk=document_id).first()
    if doc is None:
        raise NotFound("office.incoming_not_found", _("Không tìm thấy văn bản đến."))
    return doc


def outgoing_list(
    *,
    actor,
    unit: OrgUnit | None = None,
    q: str = "",
    year: int | None = None,
    signing: str | None = None,
) -> QuerySet[OutgoingDocument]:
    """The outgoing registers of the actor's units; `signing` keeps the electronic documents
    at one `SigningStage` (what waits for the head's signature, what for the văn thư's)."""
    qs = OutgoingDocument.objects.select_related("unit", "reply_to", "dossier").filter(
        unit__in=[u.pk for u in register_units(actor)]
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if q:
        qs = qs.filter(search_text__contains=fold(q))
    if year:
        qs = qs.filter(year=year)
    if signing in SIGNING_STAGE_Q:
        qs = qs.filter(SIGNING_STAGE_Q[signing])
    return qs


def tasks_of(actor, today: dt.date | None = None) -> dict[str, int]:
    """What waits for the actor (the home page's tasks), non-zero counts only: incoming
    documents handed to them and not done (`handed`); in the registers they keep, incoming
    documents past their deadline (`overdue`), outgoing documents awaiting the head's
    signature in the units they lead (`awaiting_head`, `may_sign`) and awaiting the unit's
    own signature (`awaiting_unit`, the văn thư's step). At most four queries."""
    if not getattr(actor, "is_authenticated", False):
        return {}
    today = today or timezone.localdate()
    units = register_units(actor)
    handed = Q(handler=actor)  # index office_in_handler
    overdue = Q(unit__in=units or [0], due_on__lt=today)  # index office_in_unit_status
    counts = IncomingDocument.objects.filter(handed | overdue, status__in=OPEN_INCOMING).aggregate(
        handed=Count("id", filter=handed), overdue=Count("id", filter=overdue)
    )
    if units:
        led = units_led(actor, units)
        stage = SIGNING_STAGE_Q
        counts |= OutgoingDocument.objects.filter(unit__in=units).aggregate(
            awaiting_head=Count(
                "id", filter=stage[SigningStage.AWAITING_HEAD] & Q(unit__in=led or [0])
            ),
            awaiting_unit=Count("id", filter=stage[SigningStage.AWAITING_UNIT]),
        )
    return {k: v for k, v in counts.items() if v}


def outgoing_get(*, actor, document_id: int) -> OutgoingDocument:
    doc = outgoing_list(actor=actor).filter(pk=document_id).first()
    if doc is None:
        raise NotFound("office.outgoing_not_found", _("Không tìm thấy văn bản đi."))
    return doc


@dataclass(frozen=True)
class SignatureCheck:
    """A signed outgoing document's PDF as it is stored now, checked."""

    result: VerificationResult
    unchanged: bool  # byte for byte the file the platform signed last (stored_sha256)

    @property
    def ok(self) -> bool:
        return self.unchanged and self.result.authentic


def outgoing_signature(doc: OutgoingDocument) -> SignatureCheck | None:
    """Verify the signed PDF of `doc` (read by the caller through `outgoing_get`), or None
    when it is not signed. Every signature in it is checked against the trust roots."""
    if not doc.is_signed or not doc.attachment:
        return None
    with doc.attachment.open("rb") as f:
        data = f.read()
    return SignatureCheck(
        result=verify_pdf(data),
        unchanged=hashlib.sha256(data).hexdigest() == doc.stored_sha256,
    )


# --- the public check of a signed document (no sign-in) ------------------------------------

# The largest file the public check reads (an outgoing document's PDF is at most 20 MB).
VERIFY_MAX = 20 * 1024 * 1024
ISSUED, HEAD_SIGNED = "issued", "head_signed"


def _expected_fields(doc: OutgoingDocument, version: str) -> list[str]:
    if version == ISSUED and doc.is_sealed:
        return [SIGNATURE_FIELD, UNIT_SIGNATURE_FIELD]
    return [SIGNATURE_FIELD]


@dataclass(frozen=True)
class DocumentCheck:
    """An uploaded PDF checked: its signatures, and the outgoing document it is byte for
    byte — `version` "issued" (the file as the unit holds it now, after its last
    signature), "head_signed" (the head's signed file, before the unit's own signature was
    added), "" (no document of the platform)."""

    result: VerificationResult
    sha256: str
    document: OutgoingDocument | None
    version: str

    def as_dict(self) -> dict:
        return {
            **self.result.as_dict(),
            "sha256": self.sha256,
            "version": self.version or None,
            "document": public_dict(self.document) if self.document else None,
        }


def outgoing_verify(data: bytes) -> DocumentCheck:
    """Anyone may check a PDF they hold: whether it is an outgoing document a unit signed on
    the platform (by the file's SHA-256: the holder already has the document, so its
    register facts tell them nothing new) and what its signatures are worth. Not a PDF →
    DomainError("signing.bad_pdf"). Two indexed look-ups."""
    digest = hashlib.sha256(data).hexdigest()
    doc = (
        OutgoingDocument.objects.select_related("unit")
        .filter(Q(sealed_sha256=digest) | Q(signed_sha256=digest), signed_at__isnull=False)
        .first()
    )
    version = "" if doc is None else ISSUED if doc.stored_sha256 == digest else HEAD_SIGNED
    expected = _expected_fields(doc, version) if doc is not None else None
    return DocumentCheck(
        result=verify_pdf(data, expected_fields=expected),
        sha256=digest,
        document=doc,
        version=version,
    )


def outgoing_public(source_id) -> OutgoingDocument:
    """A signed outgoing document by the identifier printed in its QR code (a UUID, so only
    whoever holds the document finds it); 404 for any other."""
    doc = (
        OutgoingDocument.objects.select_related("unit")
        .filter(source_id=source_id, signed_at__isnull=False)
        .first()
    )
    if doc is None:
        raise NotFound("office.outgoing_not_found", _("Không tìm thấy văn bản đi."))
    return doc


def public_dict(doc: OutgoingDocument) -> dict:
    """What the public check shows of a signed document: who issued it under which number,
    and who signed when — not its summary nor its recipients."""
    return {
        "unit": doc.unit.name,
        "number_symbol": doc.number_symbol,
        "doc_type": doc.doc_type,
        "doc_type_label": str(doc.get_doc_type_display()),
        "issued_on": doc.issued_on,
        "signed_name": doc.signed_name,
        "signed_at": doc.signed_at,
        "sealed_name": doc.sealed_name or None,
        "sealed_at": doc.sealed_at,
        "sha256": doc.stored_sha256,
    }


def dossier_list(
    *,
    actor,
    unit: OrgUnit | None = None,
    status: str | None = None,
    year: int | None = None,
    q: str = "",
) -> QuerySet[WorkDossier]:
    """The unit's dossiers (its staff), or those the actor handles."""
    if not getattr(actor, "is_authenticated", False):
        return WorkDossier.objects.none()
    qs = WorkDossier.objects.select_related("unit", "handler__person").filter(_visible_q(actor))
    if unit is not None:
        qs = qs.filter(unit=unit)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    if q:
        qs = qs.filter(search_text__contains=fold(q))
    return qs.annotate(
        documents=Count("incoming", distinct=True) + Count("outgoing", distinct=True)
    ).order_by("-year", "code", "id")  # Meta.ordering is not applied to a GROUP BY


def dossier_get(*, actor, dossier_id: int) -> WorkDossier:
    d = dossier_list(actor=actor).filter(pk=dossier_id).first()
    if d is None:
        raise NotFound("office.dossier_not_found", _("Không tìm thấy hồ sơ công việc."))
    return d


def is_overdue(doc: IncomingDocument, today: dt.date | None = None) -> bool:
    return bool(
        doc.status in OPEN_INCOMING
        and doc.due_on is not None
        and doc.due_on < (today or timezone.localdate())
    )


def summary(*, actor, year: int, today: dt.date | None = None) -> list[dict]:
    """Counts per unit (schools and offices) of the actor's subtree for a calendar year:
    incoming (open, overdue), outgoing, dossiers closed (handled digitally). No document
    is read, so units above see their subtree's activity without its mail."""
    scope = scope_of(actor)
    if not (scope.everything or scope.unit_paths):
        return []
    today = today or timezone.localdate()
    units = OrgUnit.objects.filter(kind__in=OWNER_KINDS)
    if not scope.everything:
        q = Q(pk__in=[])
        for p in scope.unit_paths:
            q |= Q(path__gte=p, path__lt=path_upper(p))
        units = units.filter(q)
    rows: dict[int, dict] = {}

    def row(uid: int) -> dict:
        return rows.setdefault(
            uid,
            {
                "incoming": 0,
                "open": 0,
                "overdue": 0,
                "outgoing": 0,
                "closed": 0,
                "digital": 0,
            },
        )

    unit_ids = units.values("pk")
    for r in (
        IncomingDocument.objects.filter(unit__in=unit_ids, year=year)
        .order_by()
        .values("unit_id")
        .annotate(
            n=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_INCOMING)),
            late=Count("id", filter=Q(status__in=OPEN_INCOMING, due_on__lt=today)),
        )
    ):
        row(r["unit_id"]).update(incoming=r["n"], open=r["open"], overdue=r["late"])
    for r in (
        OutgoingDocument.objects.filter(unit__in=unit_ids, year=year)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"))
    ):
        row(r["unit_id"])["outgoing"] = r["n"]
    for r in (
        WorkDossier.objects.filter(
            unit__in=unit_ids, status=DossierStatus.CLOSED, closed_on__year=year
        )
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"), d=Count("id", filter=Q(handled_digitally=True)))
    ):
        row(r["unit_id"]).update(closed=r["n"], digital=r["d"])
    return [
        {"unit_id": uid, "unit": name, **rows[uid]}
        for uid, name in OrgUnit.objects.filter(pk__in=rows)
        .order_by("path")
        .values_list("pk", "name")
    ]


def counts_for_handler(actor) -> int:
    """Open documents handed to the actor."""
    return IncomingDocument.objects.filter(
        handler=actor, status__in=(IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS)
    ).count()


def closed_counts(unit_ids, *, start: dt.date, end: dt.date) -> dict[int, tuple[int, int]]:
    """{unit id: (dossiers handled digitally, dossiers)} of the work dossiers each unit
    closed between `start` and `end` (inclusive) — T12/T13's rule and the DX pre-fill's;
    units that closed none are absent. One GROUP BY for every unit."""
    rows = (
        WorkDossier.objects.filter(
            status=DossierStatus.CLOSED,
            closed_on__gte=start,
            closed_on__lte=end,
            unit_id__in=list(unit_ids),
        )
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"), digital=Count("id", filter=Q(handled_digitally=True)))
    )
    return {r["unit_id"]: (r["digital"], r["n"]) for r in rows}
