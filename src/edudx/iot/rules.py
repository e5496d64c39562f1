"""Pure rule logic: when a value breaks a rule and when it clears it again (hysteresis), the
runs of readings that make incidents, which rules apply to a device, the built-in defaults.
No database access here (services.py queries, this decides)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

GT, GTE, LT, LTE = "gt", "gte", "lt", "lte"

# The ORM lookup that selects readings back to normal for a rule without a clear level
# (the negation of its comparison; `clear_lookup`).
NORMAL_LOOKUP = {GT: "lte", GTE: "lt", LT: "gte", LTE: "gt"}


def breaks(comparison: str, value: float, threshold: float) -> bool:
    if comparison == GT:
        return value > threshold
    if comparison == GTE:
        return value >= threshold
    if comparison == LT:
        return value < threshold
    if comparison == LTE:
        return value <= threshold
    raise ValueError(comparison)


def direction(comparison: str) -> str:
    """ "high" for an upper limit, "low" for a lower one: a unit's rule replaces a wider rule
    on the same metric and direction."""
    return "high" if comparison in (GT, GTE) else "low"


def clears(comparison: str, value: float, threshold: float, clear: float | None) -> bool:
    """The value ends a run (and closes its incident): at or below the clear level for an
    upper limit, at or above it for a lower one; with no clear level, any value that does
    not break the rule. A value between the clear level and the threshold neither breaks
    nor clears: it starts no run and ends none."""
    if clear is None:
        return not breaks(comparison, value, threshold)
    return value <= clear if direction(comparison) == "high" else value >= clear


def clear_lookup(comparison: str, threshold: float, clear: float | None) -> tuple[str, float]:
    """The ORM lookup and bound selecting the readings that `clears` accepts, e.g.
    ("lte", 1200.0): value__lte=1200 (services.py looks back for the last one)."""
    if clear is None:
        return NORMAL_LOOKUP[comparison], threshold
    return ("lte" if direction(comparison) == "high" else "gte"), clear


def clear_level_fits(comparison: str, threshold: float, clear: float) -> bool:
    """A clear level lies on the safe side of the threshold: below an upper limit, above a
    lower one (equal would be no hysteresis at all, and for `gt` a level that never clears)."""
    return clear < threshold if direction(comparison) == "high" else clear > threshold


def worse(comparison: str, a: float, b: float) -> float:
    """The worse of two values for a rule: the higher for an upper limit (the peak)."""
    return max(a, b) if direction(comparison) == "high" else min(a, b)


def sustained(run_start: dt.datetime, latest: dt.datetime, minutes: int) -> bool:
    """The condition has held from `run_start` through `latest` for `minutes` or more."""
    return latest - run_start >= dt.timedelta(minutes=minutes)


@dataclass
class Episode:
    """A run of readings that broke a rule for at least the sustained time: an incident."""

    run_start: dt.datetime
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    peak: float


def episodes(
    readings: Iterable[tuple[dt.datetime, float]],
    comparison: str,
    threshold: float,
    minutes: int,
    *,
    clear: float | None = None,
    run_start: dt.datetime | None = None,
) -> list[Episode]:
    """Walk readings in time order. A run begins at a reading that breaks the rule and
    lasts until a reading `clears` it; readings between the clear level and the threshold
    neither begin a run nor end one. The run opens an episode at its first reading that
    breaks the rule `minutes` or more after the run began; the episode closes at the
    reading that ends the run (None: still open). With no clear level every reading of a
    run breaks the rule and the first normal one ends it. Several episodes when a backlog
    spans several. `run_start`: the readings begin inside a run that began then.

    The state after a reading that clears is always the same (no run, no episode), so a
    replay that begins at such a reading gives what reading-by-reading ingest gave."""
    out: list[Episode] = []
    peak: float | None = None
    current: Episode | None = None
    for t, v in readings:
        if clears(comparison, v, threshold, clear):
            if current is not None:
                current.closed_at = t
            current, run_start, peak = None, None, None
            continue
        if not breaks(comparison, v, threshold):
            continue  # between the clear level and the threshold: the run, if any, goes on
        if run_start is None:
            run_start = t
        peak = v if peak is None else worse(comparison, peak, v)
        if current is None and sustained(run_start, t, minutes):
            current = Episode(run_start=run_start, opened_at=t, closed_at=None, peak=peak)
            out.append(current)
        if current is not None:
            current.peak = peak
    return out


@dataclass(frozen=True)
class RuleView:
    """What resolution needs of a rule: its id, the depth of its unit (-1: built-in),
    device kind ("" = any), metric, comparison and whether it is active."""

    id: int
    depth: int
    device_kind: str
    metric: str
    comparison: str
    active: bool


def effective(rules: Iterable[RuleView], device_kind: str) -> list[int]:
    """The ids of the rules that apply to a device of `device_kind`, from the rules of its
    school and the units above it (and the built-ins): per (metric, direction) the rule of
    the deepest unit wins, a kind-specific rule over an any-kind one at the same depth; an
    inactive winner switches that check off."""
    best: dict[tuple[str, str], RuleView] = {}
    for r in rules:
        if r.device_kind and r.device_kind != device_kind:
            continue
        key = (r.metric, direction(r.comparison))
        rank = (r.depth, bool(r.device_kind), r.id)
        cur = best.get(key)
        if cur is None or rank > (cur.depth, bool(cur.device_kind), cur.id):
            best[key] = r
    return sorted(r.id for r in best.values() if r.active)


# Built-in rules (migrations 0002 and 0003 load them; a school or an office may override
# them). CO2 1500 ppm: the usual classroom ventilation limit (TCVN 5687:2010 aims at
# ≤ 1000 ppm above outdoor air); PM2.5 55.4 µg/m³: the top of "unhealthy for sensitive
# groups" in the US EPA AQI bands that Vietnam's VN_AQI (Decision 1459/QĐ-TCMT) mirrors.
# Clear levels (an incident closes only there, docs/iot.md): CO2 1200 ppm, a ventilated
# room's level that a sensor's noise (±50 ppm) does not reach from 1500; 33 °C, two degrees
# under the limit; PM2.5 35.4 µg/m³, back to the AQI's "moderate" band; humidity 80 %, five
# points under, beyond a rainy afternoon's swings around 85 %.
DEFAULT_RULES = [
    {
        "metric": "co2_ppm",
        "comparison": GT,
        "threshold": 1500,
        "clear_level": 1200,
        "sustained_minutes": 15,
        "severity": "warning",
        "message": "CO₂ trong phòng vượt 1500 ppm quá 15 phút: mở cửa, bật quạt thông gió.",
        "message_en": "Room CO₂ above 1500 ppm for over 15 minutes: open the doors and "
        "windows, switch on the fans.",
    },
    {
        "metric": "temperature_c",
        "comparison": GT,
        "threshold": 35,
        "clear_level": 33,
        "sustained_minutes": 30,
        "severity": "warning",
        "message": "Nhiệt độ phòng trên 35 °C: cho học sinh nghỉ, uống nước, bật quạt.",
        "message_en": "Room temperature above 35 °C: let the pupils rest and drink water, "
        "switch on the fans.",
    },
    {
        "metric": "pm25_ugm3",
        "comparison": GT,
        "threshold": 55.4,
        "clear_level": 35.4,
        "sustained_minutes": 60,
        "severity": "critical",
        "message": "Bụi mịn PM2.5 trên 55,4 µg/m³ (có hại cho sức khỏe): hạn chế hoạt động "
        "ngoài trời, đóng cửa sổ.",
        "message_en": "Fine dust PM2.5 above 55.4 µg/m³ (unhealthy): limit outdoor "
        "activities, close the windows.",
    },
    {
        "metric": "humidity_pct",
        "comparison": GT,
        "threshold": 85,
        "clear_level": 80,
        "sustained_minutes": 120,
        "severity": "info",
        "message": "Độ ẩm trên 85% kéo dài: nguy cơ ẩm mốc thiết bị, sách vở.",
        "message_en": "Humidity above 85% for a long time: risk of mould on equipment and books.",
    },
]


def builtin_rules_ensure(rule_model) -> None:
    """Create the DEFAULT_RULES for every school (unit null) that are missing, and fill in
    a built-in's clear level and English message where they are empty and the rule still
    has its default condition (threshold) and Vietnamese message — a built-in the system
    administrator changed is left alone. `rule_model` is the Rule model; migrations pass
    their historical one (0002's has neither field yet)."""
    names = {f.name for f in rule_model._meta.get_fields()}
    for spec in DEFAULT_RULES:
        known = {k: v for k, v in spec.items() if k in names}
        rule, created = rule_model.objects.get_or_create(
            unit=None, metric=spec["metric"], comparison=spec["comparison"], defaults=known
        )
        if created:
            continue
        changed = []
        if "clear_level" in known and rule.clear_level is None:
            if rule.threshold == spec["threshold"]:
                rule.clear_level = spec["clear_level"]
                changed.append("clear_level")
        if "message_en" in known and not rule.message_en and rule.message == spec["message"]:
            rule.message_en = spec["message_en"]
            changed.append("message_en")
        if changed:
            rule.save(update_fields=[*changed, "updated_at"])
