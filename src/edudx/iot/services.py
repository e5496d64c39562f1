"""Every IoT write: device registration, ingest (HTTP and MQTT share `readings_ingest`),
rule evaluation, incidents, rules, and the compaction of old readings into hourly rollups
(`readings_compact`). Each public function runs in one transaction (compaction: one per
batch); nothing is half-written. Ingest is idempotent: a reading is unique on (device,
metric, measured_at)."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.audit.services import audit_record
from edudx.core import events
from edudx.core.api_errors import Unauthorized
from edudx.core.errors import Conflict, DomainError, DomainErrors, ErrorCollector

from . import rules as rule_logic
from . import selectors
from .models import (
    METRIC_RANGES,
    Comparison,
    Device,
    DeviceKind,
    Incident,
    Metric,
    Reading,
    ReadingRollup,
    Rule,
    Severity,
)

log = logging.getLogger(__name__)

INCIDENT_OPENED = "iot.incident_opened"
INCIDENT_CLOSED = "iot.incident_closed"

DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
MAX_BATCH = 500
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_AGE = dt.timedelta(days=30)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- devices ------------------------------------------------------------------------------


def _device_fields(*, name: str, location: str, kind: str) -> dict:
    errors = ErrorCollector()
    name, location = " ".join((name or "").split()), " ".join((location or "").split())
    if not name:
        errors.add("iot.name_required", _("Thiếu tên thiết bị."), "name")
    elif len(name) > 120:
        errors.add("iot.name_too_long", _("Tên thiết bị dài tối đa 120 ký tự."), "name")
    if len(location) > 120:
        errors.add("iot.location_too_long", _("Vị trí dài tối đa 120 ký tự."), "location")
    if kind not in DeviceKind.values:
        errors.add("iot.kind_invalid", _("Loại thiết bị không hợp lệ."), "kind")
    errors.raise_if_any()
    return {"name": name, "location": location, "kind": kind}


def device_register(
    *, actor, school, device_id: str, name: str, location: str = "", kind: str
) -> tuple[Device, str]:
    """Register a device at a school; returns it with its ingest secret, which is shown
    this once (only its SHA-256 is kept)."""
    device_id = (device_id or "").strip()
    errors = ErrorCollector()
    if not DEVICE_ID_RE.match(device_id):
        errors.add(
            "iot.device_id_invalid",
            _("Mã thiết bị gồm 3–64 ký tự: chữ cái không dấu, chữ số, - hoặc _."),
            "device_id",
        )
    try:
        fields = _device_fields(name=name, location=location, kind=kind)
    except DomainError as exc:
        errors.capture(exc)
    errors.raise_if_any()
    secret = _new_secret()
    try:
        with transaction.atomic():
            device = Device.objects.create(
                school=school,
                device_id=device_id,
                secret_hash=_hash(secret),
                created_by=actor,
                **fields,
            )
            audit_record(
                actor=actor,
                action="create",
                object_type="iot.device",
                object_id=device.pk,
                object_repr=f"{device.device_id} {device.name}",
                changes={"school": school.pk, **fields},
            )
    except IntegrityError:
        raise Conflict(
            "iot.device_id_taken",
            _("Mã thiết bị %(d)s đã được đăng ký.") % {"d": device_id},
            field="device_id",
        ) from None
    return device, secret


def device_update(
    *, actor, device: Device, name: str, location: str, kind: str, active: bool
) -> Device:
    fields = {**_device_fields(name=name, location=location, kind=kind), "active": bool(active)}
    with transaction.atomic():
        changes = {k: [getattr(device, k), v] for k, v in fields.items() if getattr(device, k) != v}
        for k, v in fields.items():
            setattr(device, k, v)
        device.save(update_fields=[*fields, "updated_at"])
        if changes:
            audit_record(
                actor=actor,
                action="update",
                object_type="iot.device",
                object_id=device.pk,
                object_repr=f"{device.device_id} {device.name}",
                changes=changes,
            )
    return device


def device_rotate_secret(*, actor, device: Device) -> str:
    """A new secret (the old one stops working at once); shown this once."""
    secret = _new_secret()
    with transaction.atomic():
        Device.objects.filter(pk=device.pk).update(
            secret_hash=_hash(secret), updated_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="update",
            object_type="iot.device",
            object_id=device.pk,
            object_repr=f"{device.device_id} {device.name}",
            changes={"secret": "rotated"},
        )
    device.secret_hash = _hash(secret)
    return secret


def device_authenticate(*, device_id, secret) -> Device:
    """The active device with this id and secret; 401 otherwise, with one message for
    "unknown", "wrong secret" and "inactive" so nothing leaks."""
    device = None
    if isinstance(device_id, str) and isinstance(secret, str) and device_id and secret:
        device = Device.objects.select_related("school").filter(device_id=device_id).first()
    if (
        device is None
        or not device.active
        or not hmac.compare_digest(device.secret_hash, _hash(secret))
    ):
        raise Unauthorized(
            "iot.unauthorized",
            _("Thiết bị không xác định, đã ngừng hoạt động hoặc khóa bí mật không đúng."),
        )
    return device


# --- ingest -------------------------------------------------------------------------------


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


def _parse_ts(raw) -> dt.datetime | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            return None
        try:
            return dt.datetime.fromtimestamp(raw, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(raw, str):
        try:
            when = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
        if when.tzinfo is None:
            return None
        return when.astimezone(dt.UTC)
    return None


def _num(v: float) -> str:
    return f"{v:g}"


def readings_parse(items, *, now: dt.datetime) -> list[tuple[str, dt.datetime, float]]:
    """Validate a batch of {metric, value, ts}; every error names the reading's index (from
    0) and field, and one bad reading refuses the whole batch."""
    if not isinstance(items, list):
        raise DomainError(
            "iot.readings_type", _("readings phải là một danh sách."), field="readings"
        )
    if not items:
        raise DomainError("iot.readings_empty", _("Không có bản ghi nào."), field="readings")
    if len(items) > MAX_BATCH:
        raise DomainError(
            "iot.readings_too_many",
            _("Tối đa %(n)s bản ghi mỗi lần gửi.") % {"n": MAX_BATCH},
            field="readings",
        )
    errors = ErrorCollector()
    out = []
    for i, item in enumerate(items):
        errors.row = i
        where = f"readings.{i}"
        if not isinstance(item, dict):
            errors.add(
                "iot.reading_type",
                _("Bản ghi %(i)s phải là một đối tượng {metric, value, ts}.") % {"i": i},
                where,
            )
            continue
        bad = len(errors.items)
        metric, value, when = item.get("metric"), item.get("value"), item.get("ts")
        if metric in (None, ""):
            errors.add("iot.metric_required", _("Bản ghi %(i)s: thiếu metric.") % {"i": i},
                       f"{where}.metric")  # fmt: skip
        elif metric not in Metric.values:
            errors.add(
                "iot.metric_unknown",
                _("Bản ghi %(i)s: chỉ số %(m)s không được hỗ trợ (chỉ nhận: %(all)s).")
                % {"i": i, "m": str(metric)[:40], "all": ", ".join(Metric.values)},
                f"{where}.metric",
            )
        if value is None:
            errors.add("iot.value_required", _("Bản ghi %(i)s: thiếu value.") % {"i": i},
                       f"{where}.value")  # fmt: skip
        elif isinstance(value, bool) or not isinstance(value, int | float):
            errors.add("iot.value_not_number", _("Bản ghi %(i)s: value phải là một số.")
                       % {"i": i}, f"{where}.value")  # fmt: skip
        elif not math.isfinite(value):
            errors.add("iot.value_not_number", _("Bản ghi %(i)s: value phải là một số.")
                       % {"i": i}, f"{where}.value")  # fmt: skip
        elif metric in METRIC_RANGES:
            lo, hi = METRIC_RANGES[metric]
            if not lo <= value <= hi:
                errors.add(
                    "iot.value_out_of_range",
                    _("Bản ghi %(i)s: %(v)s nằm ngoài khoảng đo của %(m)s (%(lo)s đến %(hi)s).")
                    % {"i": i, "v": _num(value), "m": metric, "lo": _num(lo), "hi": _num(hi)},
                    f"{where}.value",
                )
        stamp = _parse_ts(when)
        if when in (None, ""):
            errors.add("iot.ts_required", _("Bản ghi %(i)s: thiếu ts (thời điểm đo).")
                       % {"i": i}, f"{where}.ts")  # fmt: skip
        elif stamp is None:
            errors.add(
                "iot.ts_invalid",
                _(
                    "Bản ghi %(i)s: ts phải là giờ ISO 8601 có múi giờ "
                    "(2026-11-29T08:15:00+07:00) hoặc số giây Unix."
                )
                % {"i": i},
                f"{where}.ts",
            )
        elif stamp > now + CLOCK_SKEW:
            errors.add(
                "iot.ts_future",
                _("Bản ghi %(i)s: ts ở tương lai, quá %(n)s phút so với giờ máy chủ.")
                % {"i": i, "n": int(CLOCK_SKEW.total_seconds() // 60)},
                f"{where}.ts",
            )
        elif stamp < now - MAX_AGE:
            errors.add(
                "iot.ts_too_old",
                _("Bản ghi %(i)s: ts cũ hơn %(n)s ngày, không nhận.") % {"i": i, "n": MAX_AGE.days},
                f"{where}.ts",
            )
        if len(errors.items) == bad:
            out.append((metric, stamp, float(value)))
    errors.raise_if_any()
    return out


def readings_ingest(*, device: Device, items, now: dt.datetime | None = None) -> IngestResult:
    """Store a validated batch for an authenticated device (readings already stored are
    counted as duplicates, not stored again), keep `latest` and `last_seen_at`, and
    evaluate the rules of the metrics that got new readings."""
    now = now or timezone.now()
    parsed = readings_parse(items, now=now)
    batch: dict[tuple[str, dt.datetime], float] = {}
    for metric, stamp, value in parsed:
        batch.setdefault((metric, stamp), value)
    result = IngestResult()
    with transaction.atomic():
        # One writer per device at a time: `latest` and the open incidents stay consistent.
        device = Device.objects.select_for_update().select_related("school").get(pk=device.pk)
        existing = set(
            Reading.objects.filter(
                device=device,
                metric__in={m for m, _t in batch},
                measured_at__in={t for _m, t in batch},
            ).values_list("metric", "measured_at")
        )
        new = [
            Reading(device=device, metric=m, measured_at=t, value=v)
            for (m, t), v in batch.items()
            if (m, t) not in existing
        ]
        Reading.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        result.accepted, result.duplicates = len(new), len(parsed) - len(new)
        before = dict(device.latest)
        latest = dict(before)
        for r in new:
            seen = latest.get(r.metric)
            if seen is None or dt.datetime.fromisoformat(seen[0]) < r.measured_at:
                latest[r.metric] = [r.measured_at.isoformat(), r.value]
        Device.objects.filter(pk=device.pk).update(last_seen_at=now, latest=latest)
        device.last_seen_at, device.latest = now, latest
        if new:
            since: dict[str, dt.datetime] = {}
            for r in new:
                since[r.metric] = min(since.get(r.metric, r.measured_at), r.measured_at)
            rules_evaluate(
                device=device, metrics=since, result=result, calm=_calm(before, since, new)
            )
    return result


@dataclass(frozen=True)
class Calm:
    """A metric's new readings all came after its newest stored one (`previous`, its value,
    or None when there was none): what a rule needs to know that they change nothing."""

    previous: float | None
    values: tuple[float, ...]


def _calm(before: dict, since: dict[str, dt.datetime], new: list[Reading]) -> dict[str, Calm]:
    """{metric: Calm} for the metrics of the batch whose new readings are all newer than
    the newest reading stored before it (`before`: the device's `latest`)."""
    out = {}
    for metric, first in since.items():
        seen = before.get(metric)
        if seen is not None and dt.datetime.fromisoformat(seen[0]) >= first:
            continue  # a late reading: the window may hold anything
        values = tuple(r.value for r in new if r.metric == metric)
        out[metric] = Calm(previous=None if seen is None else float(seen[1]), values=values)
    return out


# --- rules and incidents --------------------------------------------------------------------


# How far back evaluation looks for the start of a run (beyond the rule's sustained time):
# a run older than this is taken to begin at the window's edge.
LOOKBACK = dt.timedelta(hours=24)
MAX_SUSTAINED_MINUTES = 1440


def rules_evaluate(
    *,
    device: Device,
    metrics: dict[str, dt.datetime],
    result: IngestResult | None = None,
    calm: dict[str, Calm] | None = None,
) -> IngestResult:
    """Open or close the incidents of the rules on `metrics` ({metric: the earliest new
    reading's time}) that apply to `device`, from the readings as stored: a backlog sent
    in one batch opens and closes its incidents at the right times.

    `calm` ({metric: Calm}, from ingest) skips the rules whose evaluation cannot change
    anything, without reading their window: the newest earlier reading and every new one
    clear the rule and it has no open incident. The replay would then begin at that
    earlier reading (the last one that clears) and see only readings that clear: no run,
    no episode, no incident to close — what the full evaluation finds, three queries a
    rule cheaper. A late reading (older than the newest stored) always takes the full
    evaluation."""
    result = result or IngestResult()
    calm = calm or {}
    effective = selectors.effective_rules(device.school, device.kind)
    rules = [r for r in effective if r.metric in metrics]
    open_rules: set[int] = set()
    if any(r.metric in calm for r in rules):
        open_rules = set(
            Incident.objects.filter(device=device, closed_at__isnull=True).values_list(
                "rule_id", flat=True
            )
        )
    for rule in rules:
        if rule.pk not in open_rules and _settled(rule, calm.get(rule.metric)):
            continue
        _evaluate_rule(device, rule, metrics[rule.metric], result)
    return result


def _settled(rule: Rule, calm: Calm | None) -> bool:
    """Whether the newest earlier reading (if any) and every new one clear `rule`."""
    if calm is None:
        return False
    return (calm.previous is None or _clears(rule, calm.previous)) and all(
        _clears(rule, v) for v in calm.values
    )


def _clears(rule: Rule, value: float) -> bool:
    """Whether `value` clears `rule` (ends a run; `rules.clears`)."""
    return rule_logic.clears(rule.comparison, value, rule.threshold, rule.clear_level)


def _event_payload(incident: Incident, rule: Rule, device: Device) -> dict:
    return {
        "incident": incident.pk,
        "device": device.pk,
        "school": device.school_id,
        "rule": rule.pk,
        "metric": rule.metric,
        "peak_value": incident.peak_value,
        "opened_at": incident.opened_at.isoformat(),
        "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
    }


def _covers(ep: rule_logic.Episode, inc: Incident) -> bool:
    """Whether incident `inc` is episode `ep`: it opened during the episode's run."""
    return ep.run_start <= inc.opened_at and (ep.closed_at is None or inc.opened_at < ep.closed_at)


def _evaluate_rule(device: Device, rule: Rule, since: dt.datetime, result: IngestResult) -> None:
    readings = Reading.objects.filter(device=device, metric=rule.metric)
    lookup, bound = rule_logic.clear_lookup(rule.comparison, rule.threshold, rule.clear_level)
    cleared = {f"value__{lookup}": bound}
    floor = since - LOOKBACK - dt.timedelta(minutes=rule.sustained_minutes)
    # The replay starts at the last reading before the new ones that clears the rule (range
    # scan on iot_reading_key), or at the lookback's floor. Only such a reading resets the
    # state (no run, no incident): with a clear level a reading merely back under the
    # threshold may sit inside an open incident's run, so a replay begun there would lose
    # it — and a backlog would not give what reading-by-reading ingest gave.
    anchor = (
        readings.filter(measured_at__lt=since, measured_at__gte=floor, **cleared)
        .order_by("-measured_at")
        .values_list("measured_at", flat=True)
        .first()
    )
    window = list(
        readings.filter(measured_at__gte=anchor or floor)
        .order_by("measured_at")
        .values_list("measured_at", "value")
    )
    if not window:
        return
    known = list(
        Incident.objects.filter(rule=rule, device=device).filter(
            Q(closed_at__isnull=True) | Q(opened_at__gte=window[0][0])
        )
    )
    # A run longer than the lookback: the window begins inside the open incident's run.
    earlier = next(
        (i.opened_at for i in known if i.closed_at is None and i.opened_at < window[0][0]), None
    )
    eps = rule_logic.episodes(
        window,
        rule.comparison,
        rule.threshold,
        rule.sustained_minutes,
        clear=rule.clear_level,
        run_start=earlier if anchor is None else None,
    )
    plan = []
    for ep in eps:
        inc = next((i for i in known if _covers(ep, i) and i not in plan), None)
        plan.append(inc)

    # An open incident no episode continues (the rule changed, or its run ended before the
    # window) closes at the first reading after it opened that clears the rule, or the
    # newest reading; it stays open while the newest reading does not clear it.
    for inc in known:
        if inc.closed_at is None and inc not in plan:
            if not _clears(rule, window[-1][1]):
                continue
            inc.closed_at = next(
                (t for t, v in window if t > inc.opened_at and _clears(rule, v)), window[-1][0]
            )
            inc.save(update_fields=["closed_at", "updated_at"])
            events.emit(INCIDENT_CLOSED, _event_payload(inc, rule, device))
            result.closed.append(inc.pk)
    for ep, inc in zip(eps, plan, strict=True):
        if inc is None:
            try:
                with transaction.atomic():
                    inc = Incident.objects.create(
                        rule=rule,
                        device=device,
                        opened_at=ep.opened_at,
                        closed_at=ep.closed_at,
                        peak_value=ep.peak,
                    )
            except IntegrityError:  # opened meanwhile (iot_one_open_incident)
                continue
            events.emit(INCIDENT_OPENED, _event_payload(inc, rule, device))
            result.opened.append(inc.pk)
            if inc.closed_at is not None:
                events.emit(INCIDENT_CLOSED, _event_payload(inc, rule, device))
                result.closed.append(inc.pk)
            continue
        changed = []
        peak = rule_logic.worse(rule.comparison, inc.peak_value, ep.peak)
        if peak != inc.peak_value:
            inc.peak_value = peak
            changed.append("peak_value")
        if inc.closed_at is None and ep.closed_at is not None:
            inc.closed_at = max(ep.closed_at, inc.opened_at)
            changed.append("closed_at")
        if changed:
            inc.save(update_fields=[*changed, "updated_at"])
        if "closed_at" in changed:
            events.emit(INCIDENT_CLOSED, _event_payload(inc, rule, device))
            result.closed.append(inc.pk)


def incident_acknowledge(*, actor, incident: Incident, now: dt.datetime | None = None):
    """Mark an incident seen by `actor`; once acknowledged it stays with the first."""
    with transaction.atomic():
        updated = Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=actor, acknowledged_at=now or timezone.now(), updated_at=timezone.now()
        )
    if updated:
        incident.refresh_from_db(fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    return incident


def rule_save(
    *,
    actor,
    unit,
    rule: Rule | None = None,
    device_kind: str = "",
    metric: str,
    comparison: str,
    threshold,
    clear_level=None,
    sustained_minutes,
    severity: str,
    message: str,
    message_en: str = "",
    active: bool = True,
) -> Rule:
    """Create (rule None) or change a rule of `unit` (None: a built-in). `clear_level`
    (empty: none) must lie below the threshold of an upper limit, above that of a lower
    one; `message_en` is optional for a unit's rule (readers of English then see the
    Vietnamese one) and required for a built-in."""
    errors = ErrorCollector()
    if device_kind and device_kind not in DeviceKind.values:
        errors.add("iot.kind_invalid", _("Loại thiết bị không hợp lệ."), "device_kind")
    if metric not in Metric.values:
        errors.add("iot.metric_unknown", _("Chỉ số không hợp lệ."), "metric")
    if comparison not in Comparison.values:
        errors.add("iot.comparison_invalid", _("Phép so sánh không hợp lệ."), "comparison")
    if severity not in Severity.values:
        errors.add("iot.severity_invalid", _("Mức độ không hợp lệ."), "severity")
    try:
        threshold = float(str(threshold).replace(",", "."))
        if not math.isfinite(threshold):
            raise ValueError
    except (TypeError, ValueError):
        errors.add("iot.threshold_invalid", _("Ngưỡng phải là một số."), "threshold")
        threshold = None
    if threshold is not None and metric in METRIC_RANGES:
        lo, hi = METRIC_RANGES[metric]
        if not lo <= threshold <= hi:
            errors.add(
                "iot.threshold_out_of_range",
                _("Ngưỡng phải trong khoảng %(lo)s đến %(hi)s.") % {"lo": _num(lo), "hi": _num(hi)},
                "threshold",
            )
    clear = None
    if clear_level not in (None, ""):
        try:
            clear = float(str(clear_level).replace(",", "."))
            if not math.isfinite(clear):
                raise ValueError
        except (TypeError, ValueError):
            errors.add(
                "iot.clear_level_invalid", _("Ngưỡng kết thúc phải là một số."), "clear_level"
            )
            clear = None
    if clear is not None and metric in METRIC_RANGES:
        lo, hi = METRIC_RANGES[metric]
        if not lo <= clear <= hi:
            errors.add(
                "iot.clear_level_out_of_range",
                _("Ngưỡng kết thúc phải trong khoảng %(lo)s đến %(hi)s.")
                % {"lo": _num(lo), "hi": _num(hi)},
                "clear_level",
            )
        elif (
            threshold is not None
            and comparison in Comparison.values
            and not rule_logic.clear_level_fits(comparison, threshold, clear)
        ):
            if rule_logic.direction(comparison) == "high":
                text = _(
                    "Ngưỡng kết thúc %(c)s phải nhỏ hơn ngưỡng %(t)s của giới hạn trên: sự cố "
                    "chỉ kết thúc khi giá trị giảm về ngưỡng kết thúc."
                )
            else:
                text = _(
                    "Ngưỡng kết thúc %(c)s phải lớn hơn ngưỡng %(t)s của giới hạn dưới: sự cố "
                    "chỉ kết thúc khi giá trị tăng trở lại ngưỡng kết thúc."
                )
            errors.add(
                "iot.clear_level_side",
                text % {"c": _num(clear), "t": _num(threshold)},
                "clear_level",
            )
    try:
        minutes = int(sustained_minutes)
        if not 0 <= minutes <= MAX_SUSTAINED_MINUTES:
            raise ValueError
    except (TypeError, ValueError):
        errors.add(
            "iot.minutes_invalid",
            _("Số phút kéo dài là số nguyên từ 0 đến 1440."),
            "sustained_minutes",
        )
        minutes = 0
    message = " ".join((message or "").split())
    if not message:
        errors.add("iot.message_required", _("Thiếu thông điệp cảnh báo."), "message")
    elif len(message) > 300:
        errors.add("iot.message_too_long", _("Thông điệp dài tối đa 300 ký tự."), "message")
    message_en = " ".join((message_en or "").split())
    if not message_en and unit is None:
        errors.add(
            "iot.message_en_required",
            _("Quy tắc mặc định cần thông điệp tiếng Anh."),
            "message_en",
        )
    elif len(message_en) > 300:
        errors.add(
            "iot.message_en_too_long", _("Thông điệp tiếng Anh dài tối đa 300 ký tự."), "message_en"
        )
    errors.raise_if_any()
    fields = {
        "device_kind": device_kind,
        "metric": metric,
        "comparison": comparison,
        "threshold": threshold,
        "clear_level": clear,
        "sustained_minutes": minutes,
        "severity": severity,
        "message": message,
        "message_en": message_en,
        "active": bool(active),
    }
    with transaction.atomic():
        if rule is None:
            rule = Rule.objects.create(unit=unit, **fields)
            action, changes = "create", fields
        else:
            changes = {k: [getattr(rule, k), v] for k, v in fields.items() if getattr(rule, k) != v}
            for k, v in fields.items():
                setattr(rule, k, v)
            rule.save()
            action = "update"
        audit_record(
            actor=actor,
            action=action,
            object_type="iot.rule",
            object_id=rule.pk,
            object_repr=str(rule),
            changes=changes,
        )
    return rule


# --- retention: old readings rolled up ----------------------------------------------------

# Hour buckets (docs/iot.md "Retention" says why not 5 or 15 minutes).
BUCKET = dt.timedelta(hours=1)
DEFAULT_RETENTION_DAYS = 90
# The oldest raw reading rule evaluation may still read: ingest accepts a reading up to
# MAX_AGE old and replays from up to LOOKBACK plus the longest sustained time before it.
# Nothing younger is ever compacted, so no incident, open or to come, misses a reading.
MIN_RETENTION = MAX_AGE + LOOKBACK + dt.timedelta(minutes=MAX_SUSTAINED_MINUTES)
COMPACT_BATCH = 5000
# The worker's job starts no batch after this long, so the jobs after it in the round
# (audit.drain every 5 s) wait at most about this; what is left goes on at the next turn.
COMPACT_JOB_SECONDS = 20.0


def raw_retention() -> dt.timedelta:
    """How long raw readings are kept: settings.IOT_RAW_RETENTION_DAYS (the environment's
    EDUDX_IOT_RAW_RETENTION_DAYS, 90 by default); refused under MIN_RETENTION."""
    days = getattr(settings, "IOT_RAW_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(
            f"IOT_RAW_RETENTION_DAYS={days!r}: a whole number of days"
        ) from None
    if dt.timedelta(days=days) < MIN_RETENTION:
        raise ImproperlyConfigured(
            f"IOT_RAW_RETENTION_DAYS={days}: at least {MIN_RETENTION.days} days — ingest "
            f"accepts readings {MAX_AGE.days} days old and rule evaluation reads the raw "
            "readings up to 48 hours before them"
        )
    return dt.timedelta(days=days)


def bucket_floor(when: dt.datetime) -> dt.datetime:
    """The start of `when`'s bucket: the hour, in UTC (a whole local hour too: UTC+7)."""
    return when.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def compact_cutoff(now: dt.datetime) -> dt.datetime:
    """Readings before it are compacted: the start of the UTC day (07:00 in Vietnam) of
    `now - retention`. Whole days, not hours: a series' work then comes once a day as one
    batch of 24 buckets, not as 24 batches of one (the cost of a batch is mostly per batch)."""
    return (
        (now - raw_retention())
        .astimezone(dt.UTC)
        .replace(hour=0, minute=0, second=0, microsecond=0)
    )


@dataclass
class CompactResult:
    cutoff: dt.datetime  # readings before it are rolled up: a day (and hour) boundary
    readings: int = 0  # raw readings rolled up and deleted (a dry run: that would be)
    buckets: int = 0  # rollup rows written (or merged into)
    series: int = 0  # (device, metric) pairs that had some
    batches: int = 0
    done: bool = True  # False: the budget ran out first (readings may be left)


def _aggregate(readings) -> dict[dt.datetime, tuple[int, float, float, float]]:
    """{bucket start: (count, min, max, sum)} of the readings, summed up in SQL (a batch's
    readings never leave the database). TruncHour: BUCKET is an hour."""
    rows = (
        readings.order_by()
        .annotate(bucket=TruncHour("measured_at", tzinfo=dt.UTC))
        .values_list("bucket")
        .annotate(Count("pk"), Min("value"), Max("value"), Sum("value"))
    )
    return {start: (n, low, high, total) for start, n, low, high, total in rows}


def _compact_batch(
    device_id: int, metric: str, *, start: dt.datetime | None, cutoff: dt.datetime,
    size: int, dry_run: bool,
) -> tuple[int, int, dt.datetime] | None:  # fmt: skip
    """Roll up the oldest whole buckets (at least one, about `size` readings) of a series
    before `cutoff`, and delete those readings, in one transaction; (readings, buckets,
    where the next batch starts), or None when nothing is left. `start`: the dry run's
    position, as it deletes nothing."""
    old = Reading.objects.filter(device_id=device_id, metric=metric, measured_at__lt=cutoff)
    if start is not None:
        old = old.filter(measured_at__gte=start)
    times = old.order_by("measured_at").values_list("measured_at", flat=True)
    first = times.first()
    if first is None:
        return None
    lo = bucket_floor(first)
    beyond = list(times[size : size + 1])
    # Whole buckets only: no bucket is ever split between two batches. One holding more
    # than `size` readings is taken whole.
    hi = max(bucket_floor(beyond[0]), lo + BUCKET) if beyond else cutoff
    batch = old.filter(measured_at__gte=lo, measured_at__lt=hi)
    if dry_run:
        buckets = _aggregate(batch)
        return sum(b[0] for b in buckets.values()), len(buckets), hi
    with transaction.atomic():
        # One writer per device, as ingest: a second compactor (two workers) waits here,
        # then sums what the first left — those readings are gone, so nothing is counted
        # twice. The readings are summed and deleted by the same range in this transaction.
        list(Device.objects.select_for_update().filter(pk=device_id).values_list("pk"))
        buckets = _aggregate(batch)
        readings = sum(b[0] for b in buckets.values())
        deleted, _by_model = batch.delete()
        if deleted != readings:  # written meanwhile by something that did not lock
            raise RuntimeError(f"iot compaction: device {device_id} {metric} changed")
        # Merge into a rollup already there (a bucket's readings arriving after it was
        # rolled up: counts, sums, extremes combine exactly).
        existing = {
            r.bucket_start: r
            for r in ReadingRollup.objects.filter(
                device_id=device_id, metric=metric, bucket_start__gte=lo, bucket_start__lt=hi
            )
        }
        new, merged = [], []
        for start_at, (count, low, high, total) in buckets.items():
            r = existing.get(start_at)
            if r is None:
                new.append(
                    ReadingRollup(
                        device_id=device_id,
                        metric=metric,
                        bucket_start=start_at,
                        bucket_seconds=int(BUCKET.total_seconds()),
                        count=count,
                        min_value=low,
                        max_value=high,
                        total=total,
                    )
                )
            else:
                r.count, r.total = r.count + count, r.total + total
                r.min_value, r.max_value = min(r.min_value, low), max(r.max_value, high)
                merged.append(r)
        ReadingRollup.objects.bulk_create(new, batch_size=1000)
        ReadingRollup.objects.bulk_update(
            merged, ["count", "min_value", "max_value", "total"], batch_size=1000
        )
    return readings, len(buckets), hi


def readings_compact(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    batch_size: int = COMPACT_BATCH,
    max_batches: int | None = None,
    max_seconds: float | None = None,
) -> CompactResult:
    """Roll the raw readings older than the raw retention up into hourly rollups (count,
    min, max, sum per device, metric and hour) and delete them. Only whole UTC days
    entirely before `now - retention` are compacted (`compact_cutoff`); the day the
    retention ends in waits for a later run. Batches of about `batch_size` readings of one
    series, one transaction each, so a large backlog never holds a lock for long; a crash
    between batches loses nothing and counts nothing twice, and a second run finds nothing
    to do. `max_batches` / `max_seconds` bound one run (`done` False: stopped by them).
    `dry_run`: what a run would do, writing nothing."""
    now = now or timezone.now()
    cutoff = compact_cutoff(now)
    result = CompactResult(cutoff=cutoff)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    # The devices with readings before the cutoff, in one query: an EXISTS probe each, a
    # range on iot_reading_key per metric (`metric IN` keeps the range usable), so a run
    # with nothing to do costs next to nothing however many devices there are.
    pending = Device.objects.filter(
        Exists(
            Reading.objects.filter(
                device=OuterRef("pk"), metric__in=Metric.values, measured_at__lt=cutoff
            )
        )
    )
    for device_id in list(pending.order_by("pk").values_list("pk", flat=True)):
        for metric in Metric.values:
            start, seen = None, False
            while True:
                if (max_batches is not None and result.batches >= max_batches) or (
                    deadline is not None and time.monotonic() >= deadline
                ):
                    result.done = False
                    return _compacted(result, dry_run)
                step = _compact_batch(
                    device_id, metric, start=start, cutoff=cutoff, size=batch_size,
                    dry_run=dry_run,
                )  # fmt: skip
                if step is None:
                    break
                readings, buckets, hi = step
                if dry_run:
                    start = hi
                if not readings:  # another compactor (a second worker) was first
                    continue
                result.readings += readings
                result.buckets += buckets
                result.batches += 1
                result.series += not seen
                seen = True
    return _compacted(result, dry_run)


def _compacted(result: CompactResult, dry_run: bool) -> CompactResult:
    log.info(
        "iot.compacted",
        extra={**vars(result), "cutoff": result.cutoff.isoformat(), "dry_run": dry_run},
    )
    return result


def readings_compact_job() -> CompactResult:
    """The worker's periodic job (settings.PERIODIC_JOBS): a run bounded in time."""
    return readings_compact(max_seconds=COMPACT_JOB_SECONDS)


# --- MQTT ---------------------------------------------------------------------------------

TOPIC_RE = re.compile(r"^[^/]+/(?P<device>[A-Za-z0-9_-]{3,64})/readings$")


@dataclass
class MessageOutcome:
    ok: bool
    reason: str = ""  # an error code when refused
    detail: str = ""
    accepted: int = 0
    duplicates: int = 0


def mqtt_message_handle(
    *, topic: str, payload: bytes, now: dt.datetime | None = None
) -> MessageOutcome:
    """One MQTT message on `<prefix>/<device_id>/readings`: JSON {"secret", "readings":
    [{metric, value, ts}, …]} or a single {"secret", metric, value, ts}. Refused messages
    are logged with their reason and returned, never raised: the subscriber loop goes on."""
    try:
        match = TOPIC_RE.match(topic or "")
        if match is None:
            raise DomainError(
                "iot.topic", _("Chủ đề MQTT phải có dạng <tiền tố>/<mã thiết bị>/readings.")
            )
        try:
            data = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise DomainError("iot.json", _("Nội dung gửi lên không phải đối tượng JSON hợp lệ."))
        device = device_authenticate(device_id=match["device"], secret=data.get("secret"))
        items = (
            data["readings"]
            if "readings" in data
            else [{k: data.get(k) for k in ("metric", "value", "ts")}]
        )
        result = readings_ingest(device=device, items=items, now=now)
    except DomainError as exc:
        items = exc.items if isinstance(exc, DomainErrors) else [exc.item]
        detail = "; ".join(str(i.message) for i in items)
        log.warning("iot.mqtt_rejected", extra={"topic": topic, "code": exc.code, "detail": detail})
        return MessageOutcome(ok=False, reason=exc.code, detail=detail)
    return MessageOutcome(ok=True, accepted=result.accepted, duplicates=result.duplicates)
