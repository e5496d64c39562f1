"""Admissions (tuyển sinh đầu cấp): rounds, applications, allocation, confirmation.

Published rules, in order: a school's places go first to children living in its zone,
then by priority category, then by a lottery whose seed is published with the round —
the lottery key is SHA-256(seed:personal ID), so anyone can recompute the order and the
time of submission plays no part. Quotas are never exceeded. `allocate` is pure."""

import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import audit_record
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.codes import new_code
from edudx.core.errors import Conflict, DomainError, ErrorCollector, NotFound
from edudx.core.phones import normalise_phone
from edudx.core.text import clean_name
from edudx.core.validators import parse_date, validate_personal_id
from edudx.notify.services import Address, notify
from edudx.org import services as org_services
from edudx.org.models import ClassGroup, OrgUnit
from edudx.people import services as people_services
from edudx.people.models import EnrolmentStatus, Person

from .models import (
    AdmissionApplication,
    AdmissionRound,
    AdmissionSchool,
    AdmissionZone,
    ApplicationStatus,
    PriorityCategory,
    Procedure,
    RoundStatus,
)
from .services import PHONE, covers, setting

A = ApplicationStatus
# Largest class sizes: primary 35 (Circular 28/2020/TT-BGDĐT, Art. 16), secondary 45
# (Circular 32/2020/TT-BGDĐT, Art. 15).
CLASS_SIZE = {1: 35, 6: 45}


def entry_birth_year(round_: AdmissionRound) -> int:
    """Grade 1 takes children turning 6 in the calendar year the school year starts
    (Education Law 2019, Art. 28(1)); grade 6 those turning 11."""
    return round_.school_year.start_date.year - (round_.grade + 5)


def lottery_key(seed: str, personal_id: str) -> str:
    return hashlib.sha256(f"{seed}:{personal_id}".encode()).hexdigest()


# --- pure allocation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    id: int
    school: int  # the school applied to
    zone_schools: frozenset[int]  # schools whose zone covers the address
    priority_rank: int  # 1 highest; 99 none
    lottery: str


def allocate(candidates: list[Candidate], quotas: dict[int, int]) -> dict[int, int | None]:
    """Candidate id → school admitted to (None: not admitted).

    Pass 1: each school ranks its own applicants — in zone first, then priority, then
    lottery — and admits up to its quota. Pass 2: who is still without a place is offered
    a free place at a school of their own zone, again by priority then lottery."""
    left = dict(quotas)
    result: dict[int, int | None] = {c.id: None for c in candidates}
    by_school: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_school.setdefault(c.school, []).append(c)
    for school in sorted(by_school):
        ranked = sorted(
            by_school[school],
            key=lambda c: (school not in c.zone_schools, c.priority_rank, c.lottery, c.id),
        )
        for c in ranked:
            if left.get(school, 0) <= 0:
                break
            result[c.id] = school
            left[school] -= 1
    waiting = sorted(
        (c for c in candidates if result[c.id] is None),
        key=lambda c: (c.priority_rank, c.lottery, c.id),
    )
    for c in waiting:
        for school in sorted(c.zone_schools):
            if left.get(school, 0) > 0:
                result[c.id] = school
                left[school] -= 1
                break
    return result


# --- rounds ----------------------------------------------------------------------------------


def round_create(
    *,
    actor,
    procedure: Procedure,
    unit: OrgUnit,
    school_year,
    name: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    seed: str,
    schools: list[tuple[OrgUnit, int]],
    zones: list[tuple[OrgUnit, OrgUnit, str]],
    confirm_until: dt.date | None = None,
) -> AdmissionRound:
    """A round with its schools' quotas and zones (school, commune, village or "")."""
    if actor is not None and not covers(actor, unit):
        raise Forbidden(
            "round.scope", _("Chỉ cán bộ của đơn vị tổ chức mới tạo được đợt tuyển sinh.")
        )
    if procedure.grade is None:
        raise DomainError("round.procedure", _("Thủ tục không phải tuyển sinh."), field="procedure")
    if closes_at <= opens_at:
        raise DomainError(
            "round.window", _("Thời gian đóng phải sau thời gian mở."), field="closes_at"
        )
    if not seed:
        raise DomainError("round.seed", _("Cần công bố hạt giống bốc thăm."), field="seed")
    with transaction.atomic():
        r = AdmissionRound.objects.create(
            procedure=procedure,
            unit=unit,
            school_year=school_year,
            grade=procedure.grade,
            name=name,
            opens_at=opens_at,
            closes_at=closes_at,
            confirm_until=confirm_until,
            seed=seed,
        )
        AdmissionSchool.objects.bulk_create(
            AdmissionSchool(round=r, school=s, quota=q) for s, q in schools
        )
        AdmissionZone.objects.bulk_create(
            AdmissionZone(round=r, school=s, commune=c, village=v) for s, c, v in zones
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="eservices.admission_round",
            object_id=r.pk,
            object_repr=name,
            changes={"seed": [None, seed], "schools": [None, len(schools)]},
        )
    return r


@dataclass(frozen=True)
class RoundConfig:
    round: AdmissionRound
    quotas: dict[int, int]
    zones: dict[tuple[int, str], frozenset[int]]  # (commune, village or "") → schools
    priorities: dict[str, int]
    school_names: dict[int, str]


_config_cache: dict[int, tuple[float, RoundConfig]] = {}
_config_lock = threading.Lock()


def round_config(round_id: int) -> RoundConfig:
    """The round, its quotas, zones and the priority table, kept per process for a few
    seconds (EDUDX_ESERVICES_ROUND_CACHE_SECONDS): during the spike every submission
    needs them and they do not change while the window is open."""
    ttl = setting("ROUND_CACHE_SECONDS", 5)
    now = time.monotonic()
    hit = _config_cache.get(round_id)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    r = (
        AdmissionRound.objects.select_related("school_year", "procedure")
        .filter(pk=round_id)
        .first()
    )
    if r is None:
        raise NotFound("round.not_found", _("Không có đợt tuyển sinh này."))
    zones: dict[tuple[int, str], set[int]] = {}
    for school, commune, village in AdmissionZone.objects.filter(round=r).values_list(
        "school_id", "commune_id", "village"
    ):
        zones.setdefault((commune, village.strip().casefold()), set()).add(school)
    config = RoundConfig(
        round=r,
        quotas=dict(AdmissionSchool.objects.filter(round=r).values_list("school_id", "quota")),
        zones={k: frozenset(v) for k, v in zones.items()},
        priorities=dict(PriorityCategory.objects.values_list("code", "rank")),
        school_names=dict(
            AdmissionSchool.objects.filter(round=r).values_list("school_id", "school__name")
        ),
    )
    if ttl > 0:
        with _config_lock:
            _config_cache[round_id] = (now, config)
    return config


def zone_schools(config: RoundConfig, commune_id: int, village: str) -> frozenset[int]:
    """Schools whose zone covers the address: the whole commune, or its named village."""
    whole = config.zones.get((commune_id, ""), frozenset())
    part = (
        config.zones.get((commune_id, village.strip().casefold()), frozenset())
        if village
        else frozenset()
    )
    return whole | part


# --- applications ----------------------------------------------------------------------------


def _clean_application(config: RoundConfig, raw: dict, errors: ErrorCollector) -> dict:
    r = config.round
    out: dict = {}
    out["child_name"] = clean_name(raw.get("child_name") or "")
    if not out["child_name"]:
        errors.add("form.required", _("Cần nhập họ và tên trẻ."), "child_name")
    dob = None
    try:
        dob = parse_date(raw.get("date_of_birth"), field="date_of_birth")
    except DomainError as exc:
        errors.capture(exc)
    sex = raw.get("sex")
    if sex not in ("M", "F"):
        errors.add("form.sex", _("Giới tính là M (nam) hoặc F (nữ)."), "sex")
        sex = None
    try:
        out["child_personal_id"] = validate_personal_id(
            raw.get("child_personal_id") or "",
            date_of_birth=dob,
            sex=sex,
            field="child_personal_id",
        )
    except DomainError as exc:
        errors.capture(exc)
    if dob is not None:
        want = entry_birth_year(r)
        if dob.year != want:
            errors.add(
                "application.age",
                _(
                    "Trẻ sinh năm %(y)s không đúng độ tuổi vào lớp %(g)s năm học %(s)s "
                    "(phải sinh năm %(w)s)."
                )
                % {"y": dob.year, "g": r.grade, "s": r.school_year.code, "w": want},
                "date_of_birth",
            )
    out["date_of_birth"], out["sex"] = dob, sex
    try:
        out["commune_id"] = int(raw.get("commune"))
    except (TypeError, ValueError):
        errors.add("form.required", _("Cần chọn xã/phường nơi cư trú."), "commune")
    out["village"] = str(raw.get("village") or "").strip()[:100]
    try:
        out["school_id"] = int(raw.get("school"))
    except (TypeError, ValueError):
        errors.add("form.required", _("Cần chọn trường đăng ký."), "school")
    else:
        if out["school_id"] not in config.quotas:
            errors.add(
                "application.school", _("Trường đã chọn không tuyển sinh trong đợt này."), "school"
            )
    codes = [c for c in (raw.get("priorities") or []) if c]
    unknown = [c for c in codes if c not in config.priorities]
    if unknown:
        errors.add(
            "form.priority",
            _("Đối tượng ưu tiên «%(c)s» không có.") % {"c": unknown[0]},
            "priorities",
        )
    out["priorities"] = sorted(set(codes) - set(unknown))
    out["priority_rank"] = min((config.priorities[c] for c in out["priorities"]), default=99)
    out["applicant_name"] = clean_name(raw.get("applicant_name") or "")[:200]
    if not out["applicant_name"]:
        errors.add(
            "form.required", _("Cần nhập họ và tên cha, mẹ hoặc người giám hộ."), "applicant_name"
        )
    out["phone"] = normalise_phone(raw.get("phone"))
    if not PHONE.match(out["phone"]):
        errors.add(
            "phone.format",
            _("Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."),
            "phone",
        )
    return out


def application_submit(*, actor, round_id: int, raw: dict, now=None) -> AdmissionApplication:
    """One application per child per round, inside the window. One short transaction:
    the round's configuration is cached, the residence check reads one Person row, the
    duplicate guard is the unique index (round, child_personal_id)."""
    config = round_config(round_id)
    r = config.round
    now = now or timezone.now()
    if not (r.opens_at <= now < r.closes_at) or r.status != RoundStatus.OPEN:
        raise DomainError(
            "round.closed",
            _("Đợt tuyển sinh %(n)s nhận hồ sơ từ %(a)s đến %(b)s.")
            % {
                "n": r.name,
                "a": timezone.localtime(r.opens_at).strftime("%H:%M %d/%m/%Y"),
                "b": timezone.localtime(r.closes_at).strftime("%H:%M %d/%m/%Y"),
            },
        )
    errors = ErrorCollector()
    data = _clean_application(config, raw, errors)
    errors.raise_if_any()
    # Residence is checked against the population record when the child has one.
    person = (
        Person.objects.filter(personal_id=data["child_personal_id"])
        .only("id", "commune_id", "date_of_birth")
        .first()
    )
    if person is not None:
        if person.date_of_birth != data["date_of_birth"]:
            errors.add(
                "application.person",
                _("Ngày sinh không khớp với dữ liệu dân cư của số định danh này."),
                "date_of_birth",
            )
        if person.commune_id and person.commune_id != data["commune_id"]:
            errors.add(
                "application.residence",
                _("Nơi cư trú đã khai không khớp với nơi cư trú trong dữ liệu dân cư."),
                "commune",
            )
    schools = zone_schools(config, data["commune_id"], data["village"])
    if not schools:
        errors.add(
            "application.zone",
            _("Địa chỉ đã khai không thuộc tuyến tuyển sinh của trường nào trong đợt này."),
            "commune",
        )
    errors.raise_if_any()
    user = actor if getattr(actor, "is_authenticated", False) else None
    app = AdmissionApplication(
        round=r,
        code=new_code("TS"),
        person=person,
        applicant=user,
        in_zone=data["school_id"] in schools,
        lottery_key=lottery_key(r.seed, data["child_personal_id"]),
        **{k: v for k, v in data.items() if k not in ("zone",)},
    )
    # savepoint=False: inside the idempotency record's transaction this adds no savepoint
    # (one round trip less on the hot path); called alone it is the transaction.
    with transaction.atomic(savepoint=False):
        try:
            with transaction.atomic():
                app.save(force_insert=True)
        except IntegrityError:
            # Raised below, outside the block: an exception leaving a savepoint-less
            # block would mark the caller's whole transaction for rollback.
            app = None
        else:
            audit_record(
                actor=user,
                action="create",
                object_type="eservices.admission_application",
                object_id=app.code,
                object_repr=data["child_name"],
                changes={"round": [None, r.pk], "school": [None, data["school_id"]]},
            )
    if app is None:
        raise Conflict(
            "application.duplicate",
            _("Trẻ có số định danh %(p)s đã có hồ sơ trong đợt tuyển sinh này.")
            % {"p": data["child_personal_id"]},
            field="child_personal_id",
        )
    return app


def application_get(*, actor, code: str, phone: str | None = None) -> AdmissionApplication:
    """The applicant's own application (by account, or by code + phone)."""
    app = (
        AdmissionApplication.objects.select_related(
            "round__school_year", "school", "allocated_school", "class_group"
        )
        .filter(code=(code or "").strip().upper())
        .first()
    )
    ok = app is not None and (
        (app.applicant_id is not None and getattr(actor, "pk", None) == app.applicant_id)
        or (phone is not None and normalise_phone(phone) == app.phone)
        or (covers(actor, app.round.unit) if app else False)
    )
    if not ok:
        raise NotFound("application.not_found", _("Không tìm thấy hồ sơ tuyển sinh với mã này."))
    return app


def round_allocate(*, actor, round_: AdmissionRound, now=None) -> dict[str, int]:
    """Run the published rules after the window closes; notify every applicant."""
    if actor is not None and not covers(actor, round_.unit):
        raise Forbidden("round.scope", _("Chỉ cán bộ của đơn vị tổ chức mới được xét tuyển."))
    now = now or timezone.now()
    if now < round_.closes_at:
        raise Conflict("round.open", _("Chỉ xét tuyển sau khi hết thời gian nhận hồ sơ."))
    with transaction.atomic():
        r = AdmissionRound.objects.select_for_update(of=("self",)).get(pk=round_.pk)
        if r.status != RoundStatus.OPEN:
            raise Conflict("round.allocated", _("Đợt tuyển sinh này đã xét tuyển."))
        _config_cache.pop(r.pk, None)
        config = round_config(r.pk)
        apps = list(AdmissionApplication.objects.filter(round=r))
        candidates = [
            Candidate(
                id=a.pk,
                school=a.school_id,
                zone_schools=zone_schools(config, a.commune_id, a.village),
                priority_rank=a.priority_rank,
                lottery=a.lottery_key,
            )
            for a in apps
        ]
        placed = allocate(candidates, config.quotas)
        for a in apps:
            a.allocated_school_id = placed[a.pk]
            a.status = A.ADMITTED if placed[a.pk] else A.NOT_ADMITTED
        AdmissionApplication.objects.bulk_update(
            apps, ["allocated_school", "status"], batch_size=2000
        )
        r.status, r.allocated_at = RoundStatus.ALLOCATED, now
        r.save(update_fields=["status", "allocated_at", "updated_at"])
        names = dict(OrgUnit.objects.filter(pk__in=config.quotas).values_list("pk", "name"))
        for a in apps:
            _notify_result(a, names)
        admitted = sum(1 for a in apps if a.status == A.ADMITTED)
        audit_record(
            actor=actor,
            action="update",
            object_type="eservices.admission_round",
            object_id=r.pk,
            object_repr=r.name,
            changes={
                "status": [RoundStatus.OPEN, RoundStatus.ALLOCATED],
                "admitted": [None, admitted],
            },
        )
        events.emit("eservices.round_allocated", {"round": r.pk, "admitted": admitted})
    _config_cache.pop(r.pk, None)
    return {"applications": len(apps), "admitted": admitted}


def _notify_result(a: AdmissionApplication, names: dict[int, str]) -> None:
    recipient = a.applicant if a.applicant_id else Address(phone=a.phone)
    if a.status == A.ADMITTED:
        title = _("%(c)s trúng tuyển vào %(s)s") % {
            "c": a.child_name,
            "s": names.get(a.allocated_school_id, ""),
        }
    else:
        title = _("%(c)s chưa trúng tuyển đợt này") % {"c": a.child_name}
    notify(
        recipient,
        "eservices.admission_result",
        {"code": a.code, "status": a.status},
        key=f"eservices:application:{a.pk}:result",
        title=title,
        url=f"/services/admissions/result/?code={a.code}",
    )


def _intake_class(a: AdmissionApplication) -> ClassGroup:
    """A class of the entry grade at the school in the round's year with a free seat;
    a new one when all are full."""
    r = a.round
    classes = (
        ClassGroup.objects.filter(
            school=a.allocated_school, school_year=r.school_year, grade__number=r.grade
        )
        .annotate(n=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE)))
        .order_by("name")
    )
    for c in classes:
        if c.n < c.capacity:
            return c
    return org_services.class_create(
        actor=None,
        school=a.allocated_school,
        school_year_code=r.school_year.code,
        name=f"{r.grade}A{len(classes) + 1}",
        grade_number=r.grade,
        capacity=CLASS_SIZE.get(r.grade, 45),
    )


def application_confirm(
    *, actor, application: AdmissionApplication, phone=None
) -> AdmissionApplication:
    """The parent confirms: the child is enrolled in the school's intake class."""
    application_get(actor=actor, code=application.code, phone=phone)
    with transaction.atomic():
        a = (
            AdmissionApplication.objects.select_for_update(of=("self",))
            .select_related("round__school_year", "allocated_school")
            .get(pk=application.pk)
        )
        if a.status != A.ADMITTED:
            raise Conflict(
                "application.confirm", _("Chỉ xác nhận nhập học được khi đã trúng tuyển.")
            )
        if a.round.confirm_until and timezone.localdate() > a.round.confirm_until:
            raise Conflict("application.confirm_late", _("Đã hết hạn xác nhận nhập học."))
        cls = _intake_class(a)
        start = a.round.school_year.start_date
        person = Person.objects.filter(personal_id=a.child_personal_id).first()
        student = getattr(person, "student", None) if person else None
        if student is not None:
            people_services.student_transfer(
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                student=student,
                to_school=a.allocated_school,
                school_year=a.round.school_year,
                class_group=cls,
                effective=max(start, timezone.localdate()),
                reason=_("Trúng tuyển %(r)s (%(c)s)") % {"r": a.round.name, "c": a.code},
            )
        else:
            student = people_services.student_create(
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                data=people_services.PersonData(
                    full_name=a.child_name,
                    date_of_birth=a.date_of_birth,
                    sex=a.sex,
                    commune_id=a.commune_id,
                    address=a.village,
                    personal_id=a.child_personal_id,
                ),
                school=a.allocated_school,
                school_year=a.round.school_year,
                class_group=cls,
                start_date=start,
            )
        a.status, a.class_group, a.person = A.CONFIRMED, cls, student.person
        a.save(update_fields=["status", "class_group", "person"])
        audit_record(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action="update",
            object_type="eservices.admission_application",
            object_id=a.code,
            object_repr=a.child_name,
            changes={"status": [A.ADMITTED, A.CONFIRMED], "class_group": [None, cls.pk]},
        )
        events.emit("eservices.admission_confirmed", {"application": a.pk, "student": student.pk})
    return a


def live_counts(*, actor, round_: AdmissionRound) -> list[dict]:
    """Per school: quota, applications, in zone, admitted, confirmed (officers only)."""
    if not covers(actor, round_.unit):
        raise Forbidden("round.scope", _("Chỉ cán bộ của đơn vị tổ chức mới xem được số liệu."))
    counts = {
        row["school_id"]: row
        for row in AdmissionApplication.objects.filter(round=round_)
        .values("school_id")
        .annotate(
            applied=Count("id"),
            in_zone=Count("id", filter=Q(in_zone=True)),
        )
    }
    placed = dict(
        AdmissionApplication.objects.filter(round=round_, allocated_school__isnull=False)
        .values("allocated_school_id")
        .annotate(n=Count("id"))
        .values_list("allocated_school_id", "n")
    )
    confirmed = dict(
        AdmissionApplication.objects.filter(round=round_, status=A.CONFIRMED)
        .values("allocated_school_id")
        .annotate(n=Count("id"))
        .values_list("allocated_school_id", "n")
    )
    rows = []
    for s in (
        AdmissionSchool.objects.filter(round=round_)
        .select_related("school")
        .order_by("school__name")
    ):
        c = counts.get(s.school_id, {})
        rows.append(
            {
                "school_id": s.school_id,
                "school": s.school.name,
                "quota": s.quota,
                "applied": c.get("applied", 0),
                "in_zone": c.get("in_zone", 0),
                "admitted": placed.get(s.school_id, 0),
                "confirmed": confirmed.get(s.school_id, 0),
            }
        )
    return rows
