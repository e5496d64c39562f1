"""The DX index: frameworks as versioned data (data/dx_frameworks.json), self-assessment with
evidence, pre-fill from the platform's data, office review and publication.

Levels: Mức 1 "chưa đáp ứng" under 50 points, Mức 2 "đáp ứng cơ bản" 50 to 75, Mức 3 "đáp ứng
tốt" over 75. Where they are taken is the framework's `level_on`: "group" (QĐ 4725/QĐ-BGDĐT,
schools) — per group of criteria, a group whose mandatory conditions are not met stays at
Mức 1, the unit at its lowest group level; "total" (QĐ 3806/QĐ-BGDĐT of 29/11/2024, offices)
— on the sum of the groups (100 points in all), no level per group.
Calendar: self-assessment by 31 May, publication by 20 June; an assessment year uses the
framework in force on its 31 May."""

import datetime as dt
import hashlib
import json
from decimal import Decimal, InvalidOperation
from importlib import import_module

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edudx.audit.services import audit_record
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, ErrorCollector
from edudx.core.notes import Note
from edudx.org.models import OrgUnit, UnitKind

from .models import DxAnswer, DxAssessment, DxCriterion, DxEvidence, DxFramework, DxGroup, DxStatus
from .reports import MAX_FILE, _can_edit, can_review, sniff
from .services import DATA

LEVELS = {
    1: gettext_lazy("Mức 1 – chưa đáp ứng"),
    2: gettext_lazy("Mức 2 – đáp ứng cơ bản"),
    3: gettext_lazy("Mức 3 – đáp ứng tốt"),
}
PUBLISHED = "monitoring.dx_published"
LEVEL_ON = ("group", "total")


def level_for(points: Decimal, mandatory_ok: bool = True) -> int:
    """Mức 1 under 50, Mức 2 from 50 to 75 inclusive, Mức 3 over 75."""
    points = Decimal(str(points))
    if not mandatory_ok or points < 50:
        return 1
    if points <= 75:
        return 2
    return 3


def total_points(scores: dict) -> Decimal:
    """The groups' points added up (scores keep floats: summed as decimals)."""
    return sum((Decimal(str(g["points"])) for g in scores.values()), Decimal(0))


def unit_level(level_on: str, scores: dict) -> int | None:
    """The unit's level from its group scores: the lowest group level ("group"), or the
    level of the groups' total, Mức 1 when a mandatory condition is not met ("total")."""
    if not scores:
        return None
    if level_on == "total":
        return level_for(total_points(scores), all(g["mandatory_ok"] for g in scores.values()))
    return min(g["level"] for g in scores.values())


def framework_validate(data: dict) -> None:
    """Every group's criteria must add up to the group's maximum; codes unique. Levels on
    the total: the groups' maxima must add up to 100 (the thresholds are 50 and 75)."""
    errors = ErrorCollector()
    level_on = data.get("level_on", "group")
    if level_on not in LEVEL_ON:
        errors.add(
            "monitoring.dx_level_on",
            _("%(fw)s: level_on phải là group hoặc total.") % {"fw": data.get("code")},
            "level_on",
        )
    elif level_on == "total":
        total = sum((Decimal(str(g["max_points"])) for g in data.get("groups", [])), Decimal(0))
        if total != 100:
            errors.add(
                "monitoring.dx_total_points",
                _("%(fw)s: tổng điểm tối đa các nhóm %(t)s khác 100.")
                % {"fw": data.get("code"), "t": total},
                "level_on",
            )
    for g in data.get("groups", []):
        total = sum(Decimal(str(c["max_points"])) for c in g["criteria"])
        if total != Decimal(str(g["max_points"])):
            errors.add(
                "monitoring.dx_points_sum",
                _("%(fw)s, nhóm %(g)s: tổng điểm các tiêu chí %(t)s khác điểm tối đa %(m)s.")
                % {"fw": data.get("code"), "g": g["code"], "t": total, "m": g["max_points"]},
                g["code"],
            )
        codes = [c["code"] for c in g["criteria"]]
        if len(codes) != len(set(codes)):
            errors.add(
                "monitoring.dx_codes", _("Nhóm %(g)s có mã tiêu chí trùng.") % {"g": g["code"]}
            )
    errors.raise_if_any()


def frameworks_sync(path=None) -> int:
    """Load the frameworks (validated first). A framework already used by an assessment is
    never rewritten: a new decision is a new framework code (versioned data)."""
    data = json.loads((path or DATA / "dx_frameworks.json").read_text(encoding="utf-8"))
    for fw in data["frameworks"]:
        framework_validate(fw)
    made = 0
    with transaction.atomic():
        for fw in data["frameworks"]:
            if DxFramework.objects.filter(code=fw["code"]).exists():
                continue
            f = DxFramework.objects.create(
                code=fw["code"],
                decision=fw["decision"],
                title=fw["title"],
                title_en=fw.get("title_en", ""),
                applies_to=fw["applies_to"],
                valid_from=dt.date.fromisoformat(fw["valid_from"]),
                verified=fw.get("verified", ""),
                level_on=fw.get("level_on", "group"),
            )
            for gi, g in enumerate(fw["groups"]):
                group = DxGroup.objects.create(
                    framework=f, code=g["code"], name=g["name"], name_en=g.get("name_en", ""),
                    max_points=Decimal(str(g["max_points"])), sort_order=gi,
                )  # fmt: skip
                DxCriterion.objects.bulk_create(
                    DxCriterion(
                        group=group,
                        code=c["code"],
                        text=c["text"],
                        text_en=c.get("text_en", ""),
                        max_points=Decimal(str(c["max_points"])),
                        mandatory=c["mandatory"],
                        evidence=c.get("evidence", ""),
                        evidence_en=c.get("evidence_en", ""),
                        prefill=c.get("prefill", ""),
                        verified=c.get("verified"),
                        sort_order=ci,
                    )  # fmt: skip
                    for ci, c in enumerate(g["criteria"])
                )
            made += 1
    return made


def framework_for(unit: OrgUnit, year: int) -> DxFramework | None:
    """The unit kind's framework in force on the year's self-assessment deadline (31 May):
    offices QĐ 3806 of 2024 from 2025 (school year 2024-2025) on, the earlier one before;
    before any framework, the earliest."""
    frameworks_sync()
    kind = "school" if unit.kind == UnitKind.SCHOOL else "office"
    qs = DxFramework.objects.filter(applies_to=kind)
    in_force = qs.filter(valid_from__lte=dt.date(year, 5, 31)).order_by("-valid_from").first()
    return in_force or qs.order_by("valid_from").first()


def _prefill_function(dotted: str):
    if not dotted:
        return None
    module, name = dotted.rsplit(".", 1)
    try:
        return getattr(import_module(module), name, None)
    except ModuleNotFoundError:
        return None


def prefill(criterion: DxCriterion, unit: OrgUnit, year: int):
    """(points the data supports, note) or (None, "") when the platform cannot tell yet.
    The note is a core.notes.Note: `str()` reads it in the active language; `note_fields`
    stores its msgid and parameters."""
    func = _prefill_function(criterion.prefill)
    if func is None:
        return None, ""
    result = func(unit, year)
    if result is None:
        return None, ""
    share, note = result
    points = (Decimal(str(share)) * criterion.max_points).quantize(Decimal("0.5"))
    return min(points, criterion.max_points), note


def note_fields(note: Note | str) -> dict:
    """A pre-fill note as DxAnswer's columns: its msgid and parameters, rendered in the
    reader's language (`DxAnswer.note`), and its Vietnamese text."""
    if not isinstance(note, Note):
        return {"data_note": str(note)[:255], "data_msgid": "", "data_params": {}}
    return {"data_note": note.vietnamese(255), "data_msgid": note.msgid, "data_params": note.params}


def assessment_get(*, actor, unit: OrgUnit, year: int) -> DxAssessment:
    """The unit's self-assessment of the year, created pre-filled on first open."""
    existing = DxAssessment.objects.filter(unit=unit, year=year).first()
    if existing is not None:
        if not (_can_edit(actor, unit) or can_review(actor, unit)):
            raise Forbidden("monitoring.forbidden", _("Bạn không có quyền xem đánh giá này."))
        return existing
    if not _can_edit(actor, unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền tự đánh giá cho đơn vị này."))
    fw = framework_for(unit, year)
    with transaction.atomic():
        a, created = DxAssessment.objects.get_or_create(framework=fw, unit=unit, year=year)
        if created:
            answers = []
            for crit in DxCriterion.objects.filter(group__framework=fw):
                points, note = prefill(crit, unit, year)
                answers.append(
                    DxAnswer(
                        assessment=a,
                        criterion=crit,
                        points=points or 0,
                        data_points=points,
                        **note_fields(note),
                    )  # fmt: skip
                )
            DxAnswer.objects.bulk_create(answers)
            _score(a)
    return a


def _score(a: DxAssessment) -> dict:
    """{group code: name, points, mandatory_ok, level}; level None when the framework takes
    levels on the total (a group then has no level of its own)."""
    scores = {}
    per_group = a.framework.level_on != "total"
    answers = list(a.answers.select_related("criterion__group"))
    for group in DxGroup.objects.filter(framework=a.framework_id):
        mine = [x for x in answers if x.criterion.group_id == group.pk]
        points = sum((x.points for x in mine if not x.criterion.mandatory), Decimal(0))
        mandatory_ok = all(x.met for x in mine if x.criterion.mandatory)
        scores[group.code] = {
            "name": group.name,
            "points": float(points),
            "mandatory_ok": mandatory_ok,
            "level": level_for(points, mandatory_ok) if per_group else None,
        }
    a.scores = scores
    a.save(update_fields=["scores"])
    return scores


def overall_level(a: DxAssessment) -> int | None:
    return unit_level(a.framework.level_on, a.scores or {})


def answers_save(*, actor, assessment: DxAssessment, answers: dict) -> DxAssessment:
    """`answers`: {criterion code: {"points", "met", "link"}}. Points within 0..max; a claim
    above what the platform's data supports is saved and flagged for the office."""
    if not _can_edit(actor, assessment.unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền sửa đánh giá này."))
    if assessment.status in (DxStatus.SUBMITTED, DxStatus.PUBLISHED):
        raise DomainError("monitoring.dx_locked", _("Bản tự đánh giá đã gửi; không sửa được."))
    rows = {x.criterion.code: x for x in assessment.answers.select_related("criterion")}
    errors = ErrorCollector()
    changed = []
    for code, raw in answers.items():
        row = rows.get(code)
        if row is None:
            errors.add("monitoring.dx_criterion", _("Không có tiêu chí %(c)s.") % {"c": code}, code)
            continue
        crit = row.criterion
        if crit.mandatory:
            row.met = bool(raw.get("met"))
            row.points = Decimal(0)
        else:
            try:
                points = Decimal(str(raw.get("points") or 0).replace(",", "."))
                if not points.is_finite():  # "NaN", "Infinity": no number of points
                    raise InvalidOperation
            except InvalidOperation:
                errors.add(
                    "monitoring.number", _("%(c)s: điểm không phải là số.") % {"c": code}, code
                )
                continue
            if points < 0 or points > crit.max_points:
                errors.add(
                    "monitoring.dx_points",
                    _("%(c)s: điểm %(p)s ngoài khoảng 0–%(m)s.")
                    % {"c": code, "p": points, "m": crit.max_points},
                    code,
                )
                continue
            row.points = points
            row.met = points > 0
        link = (raw.get("link") or "").strip()
        if link and not link.startswith(("https://", "http://")):
            errors.add(
                "monitoring.dx_link",
                _("%(c)s: liên kết phải bắt đầu bằng https://.") % {"c": code},
                code,
            )
            continue
        row.link = link[:200]
        row.flagged = row.data_points is not None and row.points > row.data_points
        changed.append(row)
    errors.raise_if_any()
    with transaction.atomic():
        DxAnswer.objects.bulk_update(changed, ["points", "met", "link", "flagged"])
        _score(assessment)
        audit_record(
            actor=actor,
            action="update",
            object_type="monitoring.dx_assessment",
            object_id=assessment.pk,
            object_repr=f"{assessment.unit.name} {assessment.year}",
            changes={r.criterion.code: [None, str(r.points)] for r in changed},
        )
    return assessment


def evidence_add(*, actor, assessment: DxAssessment, code: str, name: str, data: bytes):
    if not _can_edit(actor, assessment.unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền sửa đánh giá này."))
    answer = assessment.answers.filter(criterion__code=code).first()
    if answer is None:
        raise DomainError("monitoring.dx_criterion", _("Không có tiêu chí %(c)s.") % {"c": code})
    if len(data) > MAX_FILE:
        raise DomainError("monitoring.file_size", _("Tệp lớn hơn 10 MB."), field="file")
    content_type = sniff(data, name)
    ev = DxEvidence.objects.create(
        answer=answer, name=name[:255], content_type=content_type, data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    audit_record(
        actor=actor, action="create", object_type="monitoring.dx_evidence", object_id=ev.pk,
        object_repr=name[:100],
    )  # fmt: skip
    return ev


def assessment_submit(*, actor, assessment: DxAssessment) -> DxAssessment:
    if not _can_edit(actor, assessment.unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền gửi đánh giá này."))
    if assessment.status not in (DxStatus.DRAFT, DxStatus.RETURNED):
        raise DomainError("monitoring.dx_locked", _("Bản tự đánh giá đã gửi."))
    assessment.status = DxStatus.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor, action="submit", object_type="monitoring.dx_assessment",
        object_id=assessment.pk, object_repr=f"{assessment.unit.name} {assessment.year}",
    )  # fmt: skip
    return assessment


def assessment_review(*, actor, assessment: DxAssessment, publish: bool, comment: str = ""):
    """The office publishes a submitted self-assessment, or returns it with a comment."""
    if not can_review(actor, assessment.unit):
        raise Forbidden("monitoring.forbidden", _("Bạn không có quyền duyệt đánh giá này."))
    if assessment.status != DxStatus.SUBMITTED:
        raise DomainError("monitoring.dx_not_submitted", _("Bản tự đánh giá chưa được gửi."))
    comment = (comment or "").strip()
    if not publish and not comment:
        raise DomainError(
            "monitoring.comment_required",
            _("Cần ghi rõ nội dung yêu cầu bổ sung."),
            field="comment",
        )
    with transaction.atomic():
        assessment.review_comment = comment
        if publish:
            assessment.status = DxStatus.PUBLISHED
            assessment.published_at = timezone.now()
            assessment.published_by = actor
        else:
            assessment.status = DxStatus.RETURNED
        assessment.save()
        audit_record(
            actor=actor, action="review", object_type="monitoring.dx_assessment",
            object_id=assessment.pk, object_repr=f"{assessment.unit.name} {assessment.year}",
            changes={"status": [DxStatus.SUBMITTED, assessment.status], "comment": comment},
        )  # fmt: skip
        if publish:
            events.emit(
                PUBLISHED,
                {"assessment": assessment.pk, "unit": assessment.unit_id, "year": assessment.year},
            )
    return assessment


def published(year: int | None = None) -> list[dict]:
    """The public list: published levels by unit (no personal data)."""
    qs = DxAssessment.objects.filter(status=DxStatus.PUBLISHED).select_related("unit", "framework")
    if year is not None:
        qs = qs.filter(year=year)
    return [
        {
            "unit": a.unit.name,
            "unit_id": a.unit_id,
            "year": a.year,
            "groups": a.scores,
            "level": overall_level(a),
            "published_at": a.published_at,
        }
        for a in qs.order_by("-year", "unit__name")
    ]
