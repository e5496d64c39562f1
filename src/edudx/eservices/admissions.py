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
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import audit_defer, audit_record
from edudx.core import events, hotsql
from edudx.core.api_errors import Forbidden
from edudx.core.codes import new_code
from edudx.core.errors import Conflict, DomainError, ErrorCollector, ErrorItem, NotFound
from edudx.core.inserts import Guard, insert_unless_taken
from edudx.core.phones import normalise_phone
from edudx.core.text import clean_name, fold
from edudx.core.validators import parse_date, validate_personal_id
from edudx.notify.services import Address, notify
from edudx.org import services as org_services
from edudx.org.models import ClassGroup, OrgUnit, UnitKind
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
from .services import PHONE, ancestor_of_kind, covers, setting

A = ApplicationStatus
# Largest class sizes: primary 35 (Circular 28/2020/TT-BGDĐT, Art. 16), secondary 45
# (Circular 32/2020/TT-BGDĐT, Art. 15).
CLASS_SIZE = {1: 35, 6: 45}
# A round with grade 0 is a preschool (mẫu giáo) intake. Education Law 2019, Art. 23:
# preschool takes children up to 6; the preschool charter (Circular 52/2020/TT-BGDĐT)
# groups mẫu giáo classes by age — 3–4, 4–5, 5–6 years, at most 25, 30 and 35 children.
PRESCHOOL = 0
PRESCHOOL_GROUPS = {3: ("Mầm", 25), 4: ("Chồi", 30), 5: ("Lá", 35)}  # age → class name, size


def entry_birth_years(round_: AdmissionRound) -> list[int]:
    """Birth years the round takes, by the age turned in the calendar year the school year
    starts: grade 1 those turning 6 (Education Law 2019, Art. 28(1)), grade 6 those
    turning 11, preschool those turning 3, 4 or 5 (youngest first)."""
    start = round_.school_year.start_date.year
    if round_.grade == PRESCHOOL:
        return [start - age for age in sorted(PRESCHOOL_GROUPS)]
    return [start - (round_.grade + 5)]


def entry_birth_year(round_: AdmissionRound) -> int:
    """The one birth year of a grade-1 or grade-6 round."""
    return entry_birth_years(round_)[0]


def preschool_age(round_: AdmissionRound, date_of_birth) -> int:
    """A preschool child's age group (3, 4 or 5): the age turned in the calendar year the
    school year starts, as `entry_birth_years` counts it."""
    return round_.school_year.start_date.year - date_of_birth.year


def preschool_group(round_: AdmissionRound, date_of_birth) -> tuple[str, int]:
    """(class name prefix, class size) of a preschool child's age group."""
    return PRESCHOOL_GROUPS[preschool_age(round_, date_of_birth)]


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
    group: int = 0  # a preschool round: the age group (3, 4, 5); else 0


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


def allocate_by_group(
    candidates: list[Candidate], quotas: dict[int, dict[int, int]]
) -> dict[int, int | None]:
    """`allocate` run separately for each age group against that group's quota
    (`quotas`: school → group → places): a child only takes a place of its own group, and
    the second pass offers free places of its group only."""
    result: dict[int, int | None] = {}
    for group in sorted({c.group for c in candidates}):
        result.update(
            allocate(
                [c for c in candidates if c.group == group],
                {school: by_group.get(group, 0) for school, by_group in quotas.items()},
            )
        )
    return result


# --- rounds ----------------------------------------------------------------------------------


def round_create(
    *,
    actor,
    procedure: Procedure,
    unit: OrgUnit,
    school_year,
    name: str,
    opens_at,
    closes_at,
    seed: str,
    schools: list[tuple[OrgUnit, int | dict]],
    zones: list[tuple[OrgUnit, OrgUnit, str]],
    confirm_until=None,
    allow_overlaps: bool = False,
) -> AdmissionRound:
    """A round with its schools' quotas and zones (school, commune, village or "")."""
    return round_save(
        actor=actor,
        procedure=procedure,
        unit=unit,
        school_year=school_year,
        name=name,
        opens_at=opens_at,
        closes_at=closes_at,
        confirm_until=confirm_until,
        seed=seed,
        schools=[(s.pk, q) for s, q in schools],
        zones=[(s.pk, c.pk, v) for s, c, v in zones],
        allow_overlaps=allow_overlaps,
    )


def _row_error(errors: ErrorCollector, code: str, message, field_name: str, row: int) -> None:
    errors.items.append(ErrorItem(code=code, message=message, field=field_name, row=row))


def _parse_moment(value, field_name: str, errors: ErrorCollector) -> dt.datetime | None:
    """An aware datetime from a datetime, ISO text (`2026-07-01T07:30`, the page's
    datetime-local) or `dd/mm/yyyy hh:mm`; naive times are Vietnam's."""
    moment = value if isinstance(value, dt.datetime) else None
    if moment is None:
        text = str(value or "").strip()
        for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"):
            try:
                moment = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 — made aware below
                break
            except ValueError:
                continue
        else:
            try:
                moment = dt.datetime.fromisoformat(text) if text else None
            except ValueError:
                moment = None
    if moment is None:
        errors.add(
            "round.datetime",
            _("«%(f)s» phải là ngày giờ dạng dd/mm/yyyy hh:mm.") % {"f": ROUND_LABELS[field_name]},
            field_name,
        )
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def round_labels() -> dict[str, str]:
    return {
        "procedure": _("Thủ tục"),
        "unit_id": _("Đơn vị tổ chức"),
        "school_year": _("Năm học"),
        "name": _("Tên đợt"),
        "opens_at": _("Mở nhận hồ sơ"),
        "closes_at": _("Hết hạn nhận hồ sơ"),
        "confirm_until": _("Hạn xác nhận nhập học"),
        "seed": _("Hạt giống bốc thăm"),
    }


class _Labels(dict):
    def __getitem__(self, key):
        return round_labels()[key]


ROUND_LABELS = _Labels()


def round_save(
    *,
    actor,
    round_: AdmissionRound | None = None,
    procedure: Procedure | None = None,
    unit: OrgUnit | None = None,
    school_year=None,
    name: str,
    opens_at,
    closes_at,
    seed: str,
    schools: list[tuple[int, object]],
    zones: list[tuple[int, int, str]],
    confirm_until=None,
    allow_overlaps: bool = False,
    now=None,
) -> AdmissionRound:
    """Create a round (no `round_`) or edit one before it is allocated: window, seed,
    quotas per school (`schools`: school id, quota — for a preschool round a mapping age
    group → places, {3: n, 4: n, 5: n}) and zones (`zones`: school id,
    commune id, village or "" for the whole commune). Every error names its field — and
    for quotas and zones the row (1-based) — and nothing is written unless all is valid.
    Zones of two schools covering the same place are reported; `allow_overlaps` accepts
    them (a shared area: the allocation offers a free place at any of its schools)."""
    now = now or timezone.now()
    creating = round_ is None
    if not creating:
        procedure, unit, school_year = round_.procedure, round_.unit, round_.school_year
    if unit is None or procedure is None or school_year is None:
        raise DomainError(
            "form.required",
            _("Cần chọn thủ tục, đơn vị tổ chức và năm học."),
            field="procedure"
            if procedure is None
            else ("unit_id" if unit is None else "school_year"),
        )
    if actor is not None and not covers(actor, unit):
        raise Forbidden(
            "round.scope",
            _("Chỉ cán bộ của đơn vị tổ chức mới tạo hoặc sửa được đợt tuyển sinh."),
        )
    if not creating and round_.status != RoundStatus.OPEN:
        raise Conflict("round.allocated", _("Đợt tuyển sinh này đã xét tuyển; không sửa được."))
    if procedure.grade is None:
        raise DomainError("round.procedure", _("Thủ tục không phải tuyển sinh."), field="procedure")
    errors = ErrorCollector()
    name = clean_name(name or "")[:200]
    if not name:
        errors.add("form.required", _("Cần nhập «%(f)s».") % {"f": ROUND_LABELS["name"]}, "name")
    opens = _parse_moment(opens_at, "opens_at", errors)
    closes = _parse_moment(closes_at, "closes_at", errors)
    if opens and closes and closes <= opens:
        errors.add("round.window", _("Thời gian đóng phải sau thời gian mở."), "closes_at")
    confirm = None
    if confirm_until not in (None, ""):
        try:
            confirm = parse_date(confirm_until, field="confirm_until")
        except DomainError as exc:
            errors.capture(exc)
        else:
            if closes and confirm < timezone.localdate(closes):
                errors.add(
                    "round.confirm_until",
                    _("Hạn xác nhận nhập học phải từ ngày hết hạn nhận hồ sơ trở đi."),
                    "confirm_until",
                )
    seed = (seed or "").strip()
    if not seed:
        errors.add("round.seed", _("Cần công bố hạt giống bốc thăm."), "seed")
    elif len(seed) > 64:
        errors.add("round.seed", _("Hạt giống bốc thăm dài tối đa 64 ký tự."), "seed")
    elif not creating and seed != round_.seed and now >= round_.opens_at:
        errors.add(
            "round.seed_published",
            _("Hạt giống bốc thăm đã công bố khi mở nhận hồ sơ; không được đổi."),
            "seed",
        )
    # Quotas: schools of the procedure's level, under the organising unit, once each; a
    # preschool round has one per age group.
    school_ids = []
    quotas = []
    for i, (sid, quota) in enumerate(schools, start=1):
        try:
            sid = int(sid)
        except (TypeError, ValueError):
            sid = None
        school_ids.append(sid)
        quotas.append(_clean_quota(procedure.grade, quota, errors, i))
    units = {
        u.pk: u
        for u in OrgUnit.objects.filter(pk__in=[s for s in school_ids if s]).select_related(
            "school"
        )
    }
    # A commune's round may place children in a neighbouring commune's school (zones
    # cross commune lines): schools of the organising unit's province are accepted.
    area = ancestor_of_kind(unit, UnitKind.PROVINCE) or unit
    seen: set[int] = set()
    for i, sid in enumerate(school_ids, start=1):
        u = units.get(sid)
        if u is None or u.kind != UnitKind.SCHOOL or not u.path.startswith(area.path):
            _row_error(
                errors,
                "round.school",
                _("Dòng %(r)s: trường không thuộc %(u)s.") % {"r": i, "u": area.name},
                "schools",
                i,
            )
        elif (
            procedure.school_levels
            and getattr(getattr(u, "school", None), "level", None) not in procedure.school_levels
        ):
            _row_error(
                errors,
                "round.school_level",
                _("Dòng %(r)s: %(s)s không thuộc cấp học của thủ tục này.") % {"r": i, "s": u.name},
                "schools",
                i,
            )
        elif sid in seen:
            _row_error(
                errors,
                "round.school_twice",
                _("Dòng %(r)s: %(s)s đã có ở dòng trên.") % {"r": i, "s": u.name},
                "schools",
                i,
            )
        seen.add(sid)
    if not creating:
        kept = set(school_ids)
        dropped = (
            AdmissionApplication.objects.filter(round=round_)
            .exclude(school_id__in=kept)
            .values_list("school__name", flat=True)
            .distinct()
        )
        for school_name in dropped:
            errors.add(
                "round.school_has_applications",
                _("%(s)s đã có hồ sơ đăng ký trong đợt; không bỏ khỏi đợt được.")
                % {"s": school_name},
                "schools",
            )
    # Zones: a commune (or one village of it) for a school of the round.
    communes = {
        c.pk: c
        for c in OrgUnit.objects.filter(
            pk__in=[c for _s, c, _v in zones if str(c).isdigit()], kind=UnitKind.COMMUNE
        )
    }
    areas: dict[tuple[int, str], tuple[int, int]] = {}  # (commune, village) → (school, row)
    clean_zones = []
    for i, (sid, cid, village) in enumerate(zones, start=1):
        try:
            sid, cid = int(sid), int(cid)
        except (TypeError, ValueError):
            sid = cid = None
        village = " ".join(str(village or "").split())[:100]
        commune = communes.get(cid)
        if sid not in seen or units.get(sid) is None:
            _row_error(
                errors,
                "round.zone_school",
                _("Tuyến dòng %(r)s: trường không có trong danh sách chỉ tiêu của đợt.") % {"r": i},
                "zones",
                i,
            )
            continue
        if commune is None:
            _row_error(
                errors,
                "round.zone_commune",
                _("Tuyến dòng %(r)s: xã/phường không có trong danh mục.") % {"r": i},
                "zones",
                i,
            )
            continue
        key = village.casefold()
        place = f"{village}, {commune.name}" if village else commune.name
        clashes = [
            (other, row)
            for (c, v), (other, row) in areas.items()
            if c == cid and (v == key or not v or not key)
        ]
        for other, row in clashes:
            if other == sid:
                _row_error(
                    errors,
                    "round.zone_twice",
                    _("Tuyến dòng %(r)s: %(p)s đã thuộc tuyến của %(s)s ở dòng %(o)s.")
                    % {"r": i, "p": place, "s": units[sid].name, "o": row},
                    "zones",
                    i,
                )
            elif not allow_overlaps:
                _row_error(
                    errors,
                    "round.zone_overlap",
                    _(
                        "Tuyến dòng %(r)s: %(p)s của %(s)s chồng lấn tuyến của %(o)s "
                        "(dòng %(n)s). Sửa tuyến, hoặc chọn cho phép tuyến chồng lấn."
                    )
                    % {
                        "r": i,
                        "p": place,
                        "s": units[sid].name,
                        "o": units[other].name,
                        "n": row,
                    },
                    "zones",
                    i,
                )
        areas.setdefault((cid, key), (sid, i))
        clean_zones.append((sid, cid, village))
    errors.raise_if_any()
    quotas = list(zip(school_ids, quotas, strict=True))
    with transaction.atomic():
        if creating:
            r = AdmissionRound.objects.create(
                procedure=procedure,
                unit=unit,
                school_year=school_year,
                grade=procedure.grade,
                name=name,
                opens_at=opens,
                closes_at=closes,
                confirm_until=confirm,
                seed=seed,
            )
            changes = {"seed": [None, seed], "schools": [None, len(quotas)]}
        else:
            r = AdmissionRound.objects.select_for_update(of=("self",)).get(pk=round_.pk)
            if r.status != RoundStatus.OPEN:
                raise Conflict(
                    "round.allocated", _("Đợt tuyển sinh này đã xét tuyển; không sửa được.")
                )
            new = {
                "name": name,
                "opens_at": opens,
                "closes_at": closes,
                "confirm_until": confirm,
                "seed": seed,
            }
            changes = {
                k: [str(getattr(r, k)), str(v)] for k, v in new.items() if getattr(r, k) != v
            }
            old_quotas = {
                s: g or q for s, q, g in r.schools.values_list("school_id", "quota", "group_quotas")
            }
            if old_quotas != dict(quotas):
                changes["quotas"] = [old_quotas, dict(quotas)]
            old_zones = sorted(r.zones.values_list("school_id", "commune_id", "village"))
            if old_zones != sorted(clean_zones):
                changes["zones"] = [len(old_zones), len(clean_zones)]
            for k, v in new.items():
                setattr(r, k, v)
            r.save(update_fields=[*new, "updated_at"])
            r.schools.all().delete()
            r.zones.all().delete()
        AdmissionSchool.objects.bulk_create(
            AdmissionSchool(round=r, school_id=s, quota=q, group_quotas={})
            if isinstance(q, int)
            else AdmissionSchool(round=r, school_id=s, quota=sum(q.values()), group_quotas=q)
            for s, q in quotas
        )
        AdmissionZone.objects.bulk_create(
            AdmissionZone(round=r, school_id=s, commune_id=c, village=v) for s, c, v in clean_zones
        )
        audit_record(
            actor=actor,
            action="create" if creating else "update",
            object_type="eservices.admission_round",
            object_id=r.pk,
            object_repr=name,
            changes=changes,
        )
    _config_cache.pop(r.pk, None)
    return r


def quota_labels() -> dict[int, str]:
    """Age group → the label of its quota field (preschool rounds)."""
    return {age: _("Chỉ tiêu %(a)s tuổi") % {"a": age} for age in PRESCHOOL_GROUPS}


def _whole(value) -> int | None:
    """A whole number ≥ 0 from an int or its text; None otherwise."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _clean_quota(grade: int, quota, errors: ErrorCollector, row: int):
    """Row `row`'s quota: a whole number ≥ 0 for a grade-1/6 round; for a preschool round
    a mapping age group → places with each of 3, 4 and 5 (stored as {"3": n, ...})."""
    if grade != PRESCHOOL:
        number = None if isinstance(quota, dict) else _whole(quota)
        if number is None:
            _row_error(
                errors,
                "round.quota",
                _("Dòng %(r)s: chỉ tiêu phải là số nguyên từ 0 trở lên.") % {"r": row},
                "schools",
                row,
            )
        return number
    if not isinstance(quota, dict):
        _row_error(
            errors,
            "round.group_quotas",
            _("Dòng %(r)s: đợt tuyển sinh mẫu giáo cần chỉ tiêu riêng cho trẻ 3, 4 và 5 tuổi.")
            % {"r": row},
            "schools",
            row,
        )
        return None
    given = {str(k).strip(): v for k, v in quota.items()}
    labels = quota_labels()
    out = {}
    for key in sorted(set(given) - {str(a) for a in PRESCHOOL_GROUPS}):
        _row_error(
            errors,
            "round.group_unknown",
            _("Dòng %(r)s: không có nhóm tuổi «%(a)s»; mẫu giáo nhận trẻ 3, 4 và 5 tuổi.")
            % {"r": row, "a": key},
            "schools",
            row,
        )
    for age, label in labels.items():
        number = _whole(given.get(str(age), ""))
        if number is None:
            _row_error(
                errors,
                "round.group_quota",
                _("Dòng %(r)s: «%(f)s» phải là số nguyên từ 0 trở lên.") % {"r": row, "f": label},
                "schools",
                row,
            )
        out[str(age)] = number
    return out


def zone_lines_parse(text: str, *, school: OrgUnit) -> list[tuple[int, int, str]]:
    """The page's zone box of one school: a line per commune (its name or 5-digit code),
    optionally `: village, village` for only those villages or residential groups. Names
    match without diacritics or case. Unknown communes are errors naming the line."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    if not lines:
        return []
    communes = list(
        OrgUnit.objects.filter(kind=UnitKind.COMMUNE, valid_to__isnull=True).values_list(
            "pk", "code", "name"
        )
    )
    by_key: dict[str, int] = {}
    for pk, code, name in communes:
        by_key[fold(name)] = pk
        if code:
            by_key[code] = pk
    errors = ErrorCollector()
    out = []
    for i, line in enumerate(lines, start=1):
        head, _sep, tail = line.partition(":")
        pk = by_key.get(fold(head)) or by_key.get(head.strip())
        if pk is None:
            _row_error(
                errors,
                "round.zone_commune",
                _("Tuyến của %(s)s, dòng %(r)s: không có xã/phường «%(c)s».")
                % {"s": school.name, "r": i, "c": head.strip()},
                f"zones-{school.pk}",
                i,
            )
            continue
        villages = [v.strip() for v in tail.split(",") if v.strip()] if tail else []
        out.extend((school.pk, pk, v) for v in (villages or [""]))
    errors.raise_if_any()
    return out


def zone_lines(round_: AdmissionRound) -> dict[int, str]:
    """School id → its zone box text (the inverse of `zone_lines_parse`)."""
    grouped: dict[int, dict[str, list[str]]] = {}
    for school_id, commune, village in (
        AdmissionZone.objects.filter(round=round_)
        .order_by("commune__name", "id")
        .values_list("school_id", "commune__name", "village")
    ):
        grouped.setdefault(school_id, {}).setdefault(commune, [])
        if village:
            grouped[school_id][commune].append(village)
    return {
        sid: "\n".join(f"{c}: {', '.join(vs)}" if vs else c for c, vs in communes.items())
        for sid, communes in grouped.items()
    }


@dataclass(frozen=True)
class RoundConfig:
    round: AdmissionRound
    quotas: dict[int, int]
    zones: dict[tuple[int, str], frozenset[int]]  # (commune, village or "") → schools
    # A preschool round: school → age group → places.
    group_quotas: dict[int, dict[int, int]]
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
    rows = list(
        AdmissionSchool.objects.filter(round=r).values_list("school_id", "quota", "group_quotas")
    )
    config = RoundConfig(
        round=r,
        quotas={s: q for s, q, _g in rows},
        group_quotas={s: {int(a): n for a, n in g.items()} for s, _q, g in rows},
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
        years = entry_birth_years(r)
        if dob.year not in years:
            errors.add(
                "application.age",
                (
                    _(
                        "Trẻ sinh năm %(y)s không thuộc độ tuổi mẫu giáo (3–5 tuổi) năm học "
                        "%(s)s (phải sinh năm %(w)s)."
                    )
                    if r.grade == PRESCHOOL
                    else _(
                        "Trẻ sinh năm %(y)s không đúng độ tuổi vào lớp %(g)s năm học %(s)s "
                        "(phải sinh năm %(w)s)."
                    )
                )
                % {
                    "y": dob.year,
                    "g": r.grade,
                    "s": r.school_year.code,
                    "w": ", ".join(str(y) for y in years),
                },
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


class PopulationRow(NamedTuple):
    id: int
    commune_id: int | None
    date_of_birth: dt.date


_population_sql: dict[str, str] = {}


def _population_row(personal_id: str) -> PopulationRow | None:
    """The population record of this ID (the lowest id if several): the ORM's query,
    compiled once per database vendor and reused — on the submission's hot path building
    it cost a fifth of the request."""
    sql = _population_sql.get(connection.vendor)
    if sql is None:
        query = (
            Person.objects.filter(personal_id="?")
            .order_by("id")
            .values_list("id", "commune_id", "date_of_birth")[:1]
            .query
        )
        sql, params = query.sql_with_params()
        if list(params) != ["?"]:
            raise ValueError(f"population lookup: unexpected parameters {params!r}")
        _population_sql[connection.vendor] = sql
    row = hotsql.fetchone(sql, [personal_id])
    if row is None:
        return None
    born = row[2]
    if isinstance(born, str):  # SQLite hands dates back as text
        born = dt.date.fromisoformat(born)
    return PopulationRow(row[0], row[1], born)


def application_build(
    *, actor, round_id: int, raw: dict, now=None, check_residence: bool = True
) -> AdmissionApplication:
    """The application a submission would store, checked but not saved: inside the window,
    every field valid (all errors at once), the residence against the population record,
    the address in a zone. The round's configuration is cached; the residence check reads
    one Person row. Shared by the API, the form page and the hot path (`eservices.live`)."""
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
    # Residence is checked against the population record when the child has one (or by
    # the caller, in the INSERT itself: `residence_guard`).
    person = _population_row(data["child_personal_id"]) if check_residence else None
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
    return AdmissionApplication(
        round=r,
        code=new_code("TS"),
        person_id=person.id if person else None,
        applicant=user,
        in_zone=data["school_id"] in schools,
        lottery_key=lottery_key(r.seed, data["child_personal_id"]),
        **{k: v for k, v in data.items() if k not in ("zone",)},
    )


def residence_guard(app: AdmissionApplication) -> Guard:
    """`application_build`'s residence check as the condition of the INSERT
    (`core.inserts.insert_all`): one row — the child's population record's id, or NULL
    when there is none — unless that record's birth date or commune disagrees with the
    application (then no row, nothing written: the caller lets `application_build` say
    why). Person IDs are unique, so there is at most one record."""
    ops = connection.ops
    cast = (lambda t: f"::{t}") if connection.vendor == "postgresql" else (lambda t: "")
    p, qn = Person._meta, ops.quote_name
    col = {f: qn(p.get_field(f).column) for f in ("id", "personal_id", "date_of_birth")}
    commune = qn(p.get_field("commune").column)
    sql = (
        f"SELECT p.{col['id']} AS person_id FROM (SELECT 1 AS one) AS one "
        f"LEFT JOIN {qn(p.db_table)} p ON p.{col['personal_id']} = %s{cast('varchar')} "
        f"WHERE p.{col['id']} IS NULL OR (p.{col['date_of_birth']} = %s{cast('date')} "
        f"AND (p.{commune} IS NULL OR p.{commune} = %s{cast('bigint')}))"
    )
    params = [
        app.child_personal_id,
        ops.adapt_datefield_value(app.date_of_birth),
        app.commune_id,
    ]
    return Guard("admissions.residence", sql, params, fills=("person_id",))


def application_audit_row(app: AdmissionApplication) -> tuple:
    """The audit event of a stored application (`audit_defer`'s fields, as a Row)."""
    return (
        "create",
        "eservices.admission_application",
        app.code,
        app.child_name,
        {"round": [None, app.round_id], "school": [None, app.school_id]},
        "",
    )


def duplicate_error(personal_id: str) -> Conflict:
    return Conflict(
        "application.duplicate",
        _("Trẻ có số định danh %(p)s đã có hồ sơ trong đợt tuyển sinh này.") % {"p": personal_id},
        field="child_personal_id",
    )


def application_submit(*, actor, round_id: int, raw: dict, now=None) -> AdmissionApplication:
    """One application per child per round, inside the window, in one short transaction;
    the duplicate guard is the unique index (round, child_personal_id)."""
    app = application_build(actor=actor, round_id=round_id, raw=raw, now=now)
    # One round trip for the row and the duplicate guard (INSERT … ON CONFLICT DO NOTHING
    # on the unique indexes: no savepoint, the caller's transaction stays usable), and the
    # audit event deferred (audit_defer: one plain row, no chain lock held until COMMIT,
    # so concurrent submissions do not queue behind one another).
    for _attempt in range(3):
        with transaction.atomic(savepoint=False):
            inserted = insert_unless_taken(app)
            if inserted:
                action, object_type, object_id, object_repr, changes, _reason = (
                    application_audit_row(app)
                )
                audit_defer(
                    actor=app.applicant,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    object_repr=object_repr,
                    changes=changes,
                )
        if inserted:
            return app
        # Raised outside the block: an exception leaving a savepoint-less block would mark
        # the caller's whole transaction for rollback. The conflict is the child's unless
        # the random code collided with another application's (then: a new code).
        if AdmissionApplication.objects.filter(
            round_id=app.round_id, child_personal_id=app.child_personal_id
        ).exists():
            raise duplicate_error(app.child_personal_id)
        app.code = new_code("TS")
    raise Conflict("application.code", _("Không cấp được mã hồ sơ; vui lòng gửi lại."))


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
                group=preschool_age(config.round, a.date_of_birth) if r.grade == PRESCHOOL else 0,
            )
            for a in apps
        ]
        placed = (
            allocate_by_group(candidates, config.group_quotas)
            if r.grade == PRESCHOOL
            else allocate(candidates, config.quotas)
        )
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

    def title():  # called in the applicant's language (notify)
        if a.status == A.ADMITTED:
            return _("%(c)s trúng tuyển vào %(s)s") % {
                "c": a.child_name,
                "s": names.get(a.allocated_school_id, ""),
            }
        return _("%(c)s chưa trúng tuyển đợt này") % {"c": a.child_name}

    notify(
        recipient,
        "eservices.admission_result",
        {"code": a.code, "status": a.status},
        key=f"eservices:application:{a.pk}:result",
        title=title,
        url=f"/services/admissions/result/?code={a.code}",
    )


def _intake_class(a: AdmissionApplication) -> ClassGroup:
    """A class of the entry grade (preschool: of the child's age group) at the school in
    the round's year with a free seat; a new one when all are full."""
    r = a.round
    classes = ClassGroup.objects.filter(school=a.allocated_school, school_year=r.school_year)
    if r.grade == PRESCHOOL:
        group, size = preschool_group(r, a.date_of_birth)
        classes = classes.filter(grade__isnull=True, name__startswith=f"{group} ")
        grade_number, name = None, group + " %d"
    else:
        classes = classes.filter(grade__number=r.grade)
        grade_number, name, size = r.grade, f"{r.grade}A%d", CLASS_SIZE.get(r.grade, 45)
    classes = classes.annotate(
        n=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE))
    ).order_by("name")
    for c in classes:
        if c.n < c.capacity:
            return c
    return org_services.class_create(
        actor=None,
        school=a.allocated_school,
        school_year_code=r.school_year.code,
        name=name % (len(classes) + 1),
        grade_number=grade_number,
        capacity=size,
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
    """Per school: quota, applications, in zone, admitted, confirmed (officers only); a
    preschool round adds the same per age group (`groups`, youngest first)."""
    if not covers(actor, round_.unit):
        raise Forbidden("round.scope", _("Chỉ cán bộ của đơn vị tổ chức mới xem được số liệu."))
    preschool = round_.grade == PRESCHOOL
    # One grouped read per figure: by school and, for preschool, by birth year.
    year = ExtractYear("date_of_birth") if preschool else Value(0)
    apps = AdmissionApplication.objects.filter(round=round_)
    tally: dict[tuple[int, int], dict[str, int]] = {}
    for school, born, applied, in_zone in (
        apps.values("school_id", born=year)
        .annotate(applied=Count("id"), in_zone=Count("id", filter=Q(in_zone=True)))
        .values_list("school_id", "born", "applied", "in_zone")
    ):
        tally[(school, born)] = {"applied": applied, "in_zone": in_zone}
    for key, filters in (
        ("admitted", Q(allocated_school__isnull=False)),
        ("confirmed", Q(status=A.CONFIRMED)),
    ):
        for school, born, n in (
            apps.filter(filters)
            .values("allocated_school_id", born=year)
            .annotate(n=Count("id"))
            .values_list("allocated_school_id", "born", "n")
        ):
            tally.setdefault((school, born), {})[key] = n
    start = round_.school_year.start_date.year
    figures = ("applied", "in_zone", "admitted", "confirmed")

    def counts(school: int, years: list[int]) -> dict[str, int]:
        return {f: sum(tally.get((school, y), {}).get(f, 0) for y in years) for f in figures}

    rows = []
    for s in (
        AdmissionSchool.objects.filter(round=round_)
        .select_related("school")
        .order_by("school__name")
    ):
        groups = [
            {
                "age": age,
                "quota": s.group_quotas.get(str(age), 0),
                **counts(s.school_id, [start - age]),
            }
            for age in (sorted(PRESCHOOL_GROUPS) if preschool else [])
        ]
        years = [start - g["age"] for g in groups] or [0]
        rows.append(
            {
                "school_id": s.school_id,
                "school": s.school.name,
                "quota": s.quota,
                **counts(s.school_id, years),
                "groups": groups,
            }
        )
    return rows
