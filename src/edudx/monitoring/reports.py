"""The yearly report on the plan (section VI): every school reports before 10 December, the
education office reviews, consolidates and reports before 20 December.

A `YearlyReport` is the unit's working copy (self-reported values, narrative sections,
attachments). `report_submit` freezes it as a new `ReportVersion` (the old ones are kept),
flags it late after the deadline (a late report is accepted, not refused), audits it and
emits `monitoring.report_submitted`, whose handler recomputes the year's indicators. The
office accepts or returns it with comments; a returned report is edited and submitted again
as the next version."""

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role, RoleAssignment
from edudx.audit.services import audit_record
from edudx.core import events, filetypes
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, ErrorCollector
from edudx.core.scope import scope_of
from edudx.org.models import OrgUnit, UnitKind

from .models import (
    Indicator,
    ReportAttachment,
    ReportStatus,
    ReportTemplate,
    ReportValue,
    ReportVersion,
    YearlyReport,
)

SUBMITTED = "monitoring.report_submitted"
REVIEWED = "monitoring.report_reviewed"

DEFAULT_SECTIONS = [
    {"key": "results", "title": "Kết quả thực hiện kế hoạch trong năm"},
    {"key": "difficulties", "title": "Khó khăn, vướng mắc"},
    {"key": "proposals", "title": "Đề xuất, kiến nghị"},
]
DEFAULT_ATTACHMENTS = [
    {"key": "plan", "title": "Kế hoạch chuyển đổi số của đơn vị (PDF)", "required": False},
    {"key": "evidence", "title": "Minh chứng khác (PDF, ảnh)", "required": False},
]
OFFICE_ROLES = {Role.SYSTEM_ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER}
MAX_FILE = 10 * 1024 * 1024


def template_ensure(year: int) -> ReportTemplate:
    """The year's template (created with the plan's deadlines on first use)."""
    from .services import indicators_ensure  # noqa: PLC0415 — services imports nothing of ours

    indicators_ensure()
    template, _created = ReportTemplate.objects.get_or_create(
        year=year,
        defaults={
            "title": f"Báo cáo kết quả thực hiện Kế hoạch chuyển đổi số năm {year}",
            "sections": DEFAULT_SECTIONS,
            "attachments": DEFAULT_ATTACHMENTS,
            "school_due": dt.date(year, 12, 10),
            "office_due": dt.date(year, 12, 20),
            "as_of": dt.date(year, 12, 10),
        },
    )
    return template


def is_school(unit: OrgUnit) -> bool:
    return unit.kind == UnitKind.SCHOOL


def due_date(report: YearlyReport) -> dt.date:
    t = report.template
    return t.school_due if is_school(report.unit) else t.office_due


def overdue(report: YearlyReport | None, due: dt.date, day: dt.date | None = None) -> bool:
    """Nothing submitted (no report, or a report never sent) and `day` (default today) is
    past the due date: the unit is chased. One submitted late is `late`, not overdue."""
    return not (report and report.version) and (day or timezone.localdate()) > due


def report_indicators(unit: OrgUnit) -> list[Indicator]:
    """The indicators a unit's report shows: for a school those with the school level, for
    an office every indicator (school-level ones consolidated, office-level ones its own)."""
    rows = list(Indicator.objects.all())
    if is_school(unit):
        return [i for i in rows if "school" in (i.levels or [])]
    return rows


def self_reported_codes(unit: OrgUnit) -> set[str]:
    """Indicators the unit types in: those no query computes (yet), at the unit's level."""
    from .indicators import query_for  # noqa: PLC0415 — avoids a cycle at import time

    out = set()
    for ind in report_indicators(unit):
        if query_for(ind.code, ind.query) is not None:
            continue
        if is_school(unit) or "school" not in (ind.levels or []):
            out.add(ind.code)
    return out


def _can_edit(actor, unit: OrgUnit) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    roles = {Role.PRINCIPAL, Role.CLERK} if is_school(unit) else OFFICE_ROLES
    return RoleAssignment.objects.filter(user=actor, unit=unit, role__in=roles).exists()


def can_review(actor, unit: OrgUnit) -> bool:
    """An officer of a unit above `unit` (or an administrator)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if getattr(actor, "is_superuser", False):
        return True
    paths = RoleAssignment.objects.filter(
        user=actor, role__in=OFFICE_ROLES, unit__valid_to__isnull=True
    ).values_list("unit__path", flat=True)
    return any(unit.path.startswith(p) and unit.path != p for p in paths)


def is_office_over(actor, unit: OrgUnit) -> bool:
    """An officer of `unit` or of a unit above it."""
    if getattr(actor, "is_superuser", False):
        return True
    paths = RoleAssignment.objects.filter(
        user=actor, role__in=OFFICE_ROLES, unit__valid_to__isnull=True
    ).values_list("unit__path", flat=True)
    return any(unit.path.startswith(p) for p in paths)


def report_get(*, actor, unit: OrgUnit, year: int) -> YearlyReport:
    """The unit's report for the year, created empty on first open by its own staff."""
    scope = scope_of(actor)
    if not (scope.everything or any(unit.path.startswith(p) for p in scope.unit_paths)):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền xem báo cáo của đơn vị này."))
    template = template_ensure(year)
    report = YearlyReport.objects.filter(template=template, unit=unit).first()
    if report is None:
        if not _can_edit(actor, unit):
            raise Forbidden(
                "monitoring.forbidden", _("Đơn vị %(unit)s chưa lập báo cáo.") % {"unit": unit}
            )
        report, _c = YearlyReport.objects.get_or_create(template=template, unit=unit)
    return report


def _number(raw, field: str, errors: ErrorCollector, *, key: str = "") -> Decimal | None:
    """`raw` as a non-negative number; errors name `field` (and carry `key` or `field`)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
        if not value.is_finite():  # "NaN", "Infinity" parse, but are no count
            raise InvalidOperation
    except InvalidOperation:
        errors.add(
            "monitoring.number", _("%(field)s: không phải là số.") % {"field": field}, key or field
        )
        return None
    if value < 0:
        errors.add(
            "monitoring.negative", _("%(field)s: không được âm.") % {"field": field}, key or field
        )
        return None
    return value


def report_facts(unit: OrgUnit, template: ReportTemplate) -> list[dict]:
    """The facts the unit's report asks (a school's infrastructure; none for an office)."""
    return list(template.facts) if is_school(unit) else []


def _facts_clean(raw: dict, fields: list[dict], errors: ErrorCollector) -> dict[str, str | None]:
    """{key: number as text, or None when cleared} of the template's facts; an unknown key,
    a non-number, a negative, a fraction where a whole number is asked or anything but 1/0
    where a yes/no is asked is an error naming the fact (its title in the message, its key
    as the field)."""
    by_key = {f["key"]: f for f in fields}
    clean: dict[str, str | None] = {}
    for key, value in raw.items():
        field = by_key.get(key)
        if field is None:
            errors.add("monitoring.fact_unknown", _("%(key)s: không có trong mẫu báo cáo.")
                       % {"key": key}, key)  # fmt: skip
            continue
        before = len(errors.items)
        number = _number(value, field["title"], errors, key=key)
        if len(errors.items) > before:
            continue
        if number is not None and field.get("kind") == "integer" and number % 1:
            errors.add(
                "monitoring.fact_integer",
                _("%(field)s: phải là số nguyên.") % {"field": field["title"]},
                key,
            )
            continue
        if number is not None and field.get("kind") == "yesno" and number not in (0, 1):
            errors.add(
                "monitoring.fact_yesno",
                _("%(field)s: chỉ nhận 1 (có) hoặc 0 (không).") % {"field": field["title"]},
                key,
            )
            continue
        clean[key] = None if number is None else f"{number.normalize():f}"
    return clean


def report_save(
    *, actor, report: YearlyReport, values: dict, sections: dict | None = None,
    facts: dict | None = None,
):  # fmt: skip
    """Save the working copy. `values`: {code: {"numerator", "denominator", "percent",
    "note"}}; a percentage alone is stored as numerator/100. `facts`: {key: number} of the
    template's facts (`report_facts`). Every bad field is reported at once (code or fact
    named), nothing is written then. Computed indicators are read-only."""
    if not _can_edit(actor, report.unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền sửa báo cáo này."))
    if report.status == ReportStatus.ACCEPTED:
        raise DomainError(
            "monitoring.report_accepted",
            _("Báo cáo đã được tiếp nhận; không sửa được nữa."),
        )
    allowed = self_reported_codes(report.unit)
    by_code = {i.code: i for i in Indicator.objects.filter(code__in=allowed)}
    errors = ErrorCollector()
    clean: dict[str, tuple] = {}
    for code, raw in (values or {}).items():
        if code not in allowed:
            errors.add(
                "monitoring.not_self_reported",
                _("%(code)s được tính từ dữ liệu của nền tảng, không nhập tay.") % {"code": code},
                code,
            )
            continue
        before = len(errors.items)
        num = _number(raw.get("numerator"), f"{code} tử số", errors)
        den = _number(raw.get("denominator"), f"{code} mẫu số", errors)
        pct = _number(raw.get("percent"), f"{code} %", errors)
        if len(errors.items) > before:
            continue
        if pct is not None:
            if pct > 100:
                errors.add(
                    "monitoring.percent_over_100",
                    _("%(code)s: tỷ lệ %(p)s%% lớn hơn 100%%.") % {"code": code, "p": pct},
                    code,
                )
                continue
            if num is None and den is None:
                num, den = pct, Decimal(100)
        if num is not None and den is not None and num > den:
            errors.add(
                "monitoring.numerator_over_denominator",
                _("%(code)s: tử số %(n)s lớn hơn mẫu số %(d)s.")
                % {"code": code, "n": num, "d": den},
                code,
            )
            continue
        if (num is None) != (den is None):
            errors.add(
                "monitoring.pair",
                _("%(code)s: cần nhập cả tử số và mẫu số.") % {"code": code},
                code,
            )
            continue
        clean[code] = (num, den, (raw.get("note") or "").strip()[:500])
    facts_clean = _facts_clean(facts or {}, report_facts(report.unit, report.template), errors)
    errors.raise_if_any()
    with transaction.atomic():
        for code, (num, den, note) in clean.items():
            ReportValue.objects.update_or_create(
                report=report,
                indicator=by_code[code],
                defaults={"numerator": num, "denominator": den, "note": note},
            )
        if sections is not None:
            keys = {s["key"] for s in report.template.sections}
            report.sections = {k: str(v).strip()[:20000] for k, v in sections.items() if k in keys}
            report.save(update_fields=["sections", "updated_at"])
        changes = {c: [None, f"{n}/{d}"] for c, (n, d, _note) in clean.items()}
        if facts_clean:
            for key, value in facts_clean.items():
                changes[key] = [report.facts.get(key), value]
            report.facts = {**report.facts, **facts_clean}
            report.save(update_fields=["facts", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            object_type="monitoring.report",
            object_id=report.pk,
            object_repr=f"{report.unit.name} {report.template.year}",
            changes=changes,
        )
    return report


# File types accepted as attachments or evidence, recognised by their bytes.
ACCEPTED = {filetypes.PDF, filetypes.PNG, filetypes.JPEG}


def sniff(data: bytes, name: str) -> str:
    """The content type of an evidence file, from its bytes (never from its name)."""
    content_type = filetypes.sniff(data[:64])
    if content_type in ACCEPTED:
        return content_type
    raise DomainError(
        "monitoring.file_type",
        _("Tệp %(name)s không phải PDF, PNG hoặc JPEG.") % {"name": name},
        field="file",
    )


def report_attach(*, actor, report: YearlyReport, key: str, name: str, data: bytes):
    if not _can_edit(actor, report.unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền sửa báo cáo này."))
    if key not in {a["key"] for a in report.template.attachments}:
        raise DomainError("monitoring.attachment_key", _("Mục đính kèm không hợp lệ."), field="key")
    if len(data) > MAX_FILE:
        raise DomainError("monitoring.file_size", _("Tệp lớn hơn 10 MB."), field="file")
    content_type = sniff(data, name)
    with transaction.atomic():
        att = ReportAttachment.objects.create(
            report=report,
            key=key,
            name=name[:255],
            content_type=content_type,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="monitoring.report_attachment",
            object_id=att.pk,
            object_repr=name[:100],
        )
    return att


def _payload(report: YearlyReport) -> dict:
    values = {
        v.indicator.code: {
            "numerator": None if v.numerator is None else str(v.numerator),
            "denominator": None if v.denominator is None else str(v.denominator),
            "note": v.note,
        }
        for v in report.values.select_related("indicator")
    }
    files = [
        {"key": f.key, "name": f.name, "sha256": f.sha256}
        for f in report.files.all().only("key", "name", "sha256")
    ]
    return {"values": values, "sections": report.sections, "facts": report.facts, "files": files}


def reported_facts(
    keys: list[str], *, up_to: int | None = None, unit_ids=None
) -> dict[str, dict[int, tuple[Decimal, int]]]:
    """{key: {unit id: (value, report year)}}: each unit's fact `key` in the latest
    submitted version of its latest report year (up to `up_to`) that gives it (a year whose
    latest version leaves it empty falls back to the year before). One query; `unit_ids`
    restricts it to those units."""
    out: dict[str, dict[int, tuple[Decimal, int]]] = {k: {} for k in keys}
    if not keys:
        return out
    versions = ReportVersion.objects.filter(payload__facts__has_any_keys=list(keys))
    if up_to is not None:
        versions = versions.filter(report__template__year__lte=up_to)
    if unit_ids is not None:
        versions = versions.filter(report__unit_id__in=list(unit_ids))
    rows = versions.order_by("report__template__year", "number").values_list(
        "report__unit_id", "report__template__year", "payload"
    )
    latest: dict[tuple[int, int], dict] = {}
    for unit_id, year, payload in rows:  # the last version of a year wins
        latest[(unit_id, year)] = payload.get("facts") or {}
    for (unit_id, year), facts in latest.items():  # years ascending: the last one wins
        for key in keys:
            if facts.get(key) is not None:
                out[key][unit_id] = (Decimal(facts[key]), year)
    return out


def reported_fact(key: str, *, up_to: int | None = None) -> dict[int, tuple[Decimal, int]]:
    """{unit id: (value, report year)} of one fact (`reported_facts`)."""
    return reported_facts([key], up_to=up_to)[key]


def report_submit(*, actor, report: YearlyReport, now=None) -> ReportVersion:
    """Freeze the working copy as the next version. After the deadline it is accepted and
    flagged late. Submitting again (after a return, or to correct) makes a new version."""
    if not _can_edit(actor, report.unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền nộp báo cáo này."))
    now = now or timezone.now()
    with transaction.atomic():
        report = YearlyReport.objects.select_for_update().get(pk=report.pk)
        if report.status == ReportStatus.ACCEPTED:
            raise DomainError(
                "monitoring.report_accepted", _("Báo cáo đã được tiếp nhận; không nộp lại được.")
            )
        late = timezone.localdate(now) > due_date(report)
        number = report.version + 1
        version = ReportVersion.objects.create(
            report=report,
            number=number,
            submitted_at=now,
            submitted_by=actor if getattr(actor, "pk", None) else None,
            late=late,
            payload=_payload(report),
        )
        report.version = number
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = now
        report.late = late
        report.save()
        audit_record(
            actor=actor,
            action="submit",
            object_type="monitoring.report",
            object_id=report.pk,
            object_repr=f"{report.unit.name} {report.template.year} v{number}",
            changes={"version": [str(number - 1), str(number)], "late": [None, str(late)]},
        )
        events.emit(
            SUBMITTED,
            {"report": report.pk, "unit": report.unit_id, "year": report.template.year,
             "version": number, "late": late},
        )  # fmt: skip
    return version


def report_review(*, actor, report: YearlyReport, accept: bool, comment: str = "") -> YearlyReport:
    """The office accepts a submitted report, or returns it with comments (required)."""
    if not can_review(actor, report.unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền duyệt báo cáo này."))
    comment = (comment or "").strip()
    with transaction.atomic():
        report = YearlyReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.SUBMITTED:
            raise DomainError(
                "monitoring.report_not_submitted", _("Báo cáo chưa được nộp hoặc đã được duyệt.")
            )
        if not accept and not comment:
            raise DomainError(
                "monitoring.comment_required",
                _("Trả lại báo cáo cần ghi rõ nội dung cần bổ sung."),
                field="comment",
            )
        old = report.status
        report.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
        report.review_comment = comment
        report.reviewed_by = actor
        report.reviewed_at = timezone.now()
        report.save()
        audit_record(
            actor=actor,
            action="review",
            object_type="monitoring.report",
            object_id=report.pk,
            object_repr=f"{report.unit.name} {report.template.year} v{report.version}",
            changes={"status": [old, report.status], "comment": comment},
        )
        events.emit(
            REVIEWED, {"report": report.pk, "unit": report.unit_id, "status": report.status}
        )
    return report
