"""Pure rule logic: when a value breaks a rule, which rules apply to a device, the built-in
defaults. No database access here (services.py queries, this decides)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

GT, GTE, LT, LTE = "gt", "gte", "lt", "lte"

# The ORM lookup that selects readings which break a rule, and the one that selects
# readings back to normal (its negation).
BREACH_LOOKUP = {GT: "gt", GTE: "gte", LT: "lt", LTE: "lte"}
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
    run_start: dt.datetime | None = None,
) -> list[Episode]:
    """Walk readings in time order: a run of readings that break the rule opens an episode
    at the first reading `minutes` or more after the run began, which closes at the next
    normal reading (None: still open). Several episodes when a backlog spans several.
    `run_start`: when the readings begin inside a run that began earlier."""
    out: list[Episode] = []
    peak = 0.0
    current: Episode | None = None
    for t, v in readings:
        if not breaks(comparison, v, threshold):
            if current is not None:
                current.closed_at = t
            current, run_start = None, None
            continue
        if run_start is None:
            run_start, peak = t, v
        peak = worse(comparison, peak, v)
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


# Built-in rules (migration 0002 loads them; a school or an office may override them).
# CO2 1500 ppm: the usual classroom ventilation limit (TCVN 5687:2010 aims at ≤ 1000 ppm
# above outdoor air); PM2.5 55.4 µg/m³: the top of "unhealthy for sensitive groups" in the
# US EPA AQI bands that Vietnam's VN_AQI (Decision 1459/QĐ-TCMT) mirrors.
DEFAULT_RULES = [
    {
        "metric": "co2_ppm",
        "comparison": GT,
        "threshold": 1500,
        "sustained_minutes": 15,
        "severity": "warning",
        "message": "CO₂ trong phòng vượt 1500 ppm quá 15 phút: mở cửa, bật quạt thông gió.",
    },
    {
        "metric": "temperature_c",
        "comparison": GT,
        "threshold": 35,
        "sustained_minutes": 30,
        "severity": "warning",
        "message": "Nhiệt độ phòng trên 35 °C: cho học sinh nghỉ, uống nước, bật quạt.",
    },
    {
        "metric": "pm25_ugm3",
        "comparison": GT,
        "threshold": 55.4,
        "sustained_minutes": 60,
        "severity": "critical",
        "message": "Bụi mịn PM2.5 trên 55,4 µg/m³ (có hại cho sức khỏe): hạn chế hoạt động "
        "ngoài trời, đóng cửa sổ.",
    },
    {
        "metric": "humidity_pct",
        "comparison": GT,
        "threshold": 85,
        "sustained_minutes": 120,
        "severity": "info",
        "message": "Độ ẩm trên 85% kéo dài: nguy cơ ẩm mốc thiết bị, sách vở.",
    },
]


def builtin_rules_ensure(rule_model) -> None:
    """Create the DEFAULT_RULES for every school (unit null) that are missing; `rule_model`
    is the Rule model (migration 0002 passes its historical one)."""
    for spec in DEFAULT_RULES:
        rule_model.objects.get_or_create(
            unit=None, metric=spec["metric"], comparison=spec["comparison"], defaults=spec
        )
