"""The pure rule logic: comparisons, clear levels (hysteresis), sustained time, runs and
episodes, which rule applies to a device."""

import datetime as dt
import operator

import pytest

from edudx.iot.rules import (
    RuleView,
    breaks,
    clear_level_fits,
    clear_lookup,
    clears,
    effective,
    episodes,
    sustained,
    worse,
)


@pytest.mark.parametrize(
    ("comparison", "value", "expected"),
    [
        ("gt", 1500.0, False),
        ("gt", 1500.1, True),
        ("gte", 1500.0, True),
        ("lt", 12.0, False),
        ("lt", 11.9, True),
        ("lte", 12.0, True),
    ],
    ids=["gt-equal", "gt-above", "gte-equal", "lt-equal", "lt-below", "lte-equal"],
)
def test_breaks(comparison, value, expected):
    threshold = 1500.0 if comparison.startswith("g") else 12.0
    assert breaks(comparison, value, threshold) is expected


@pytest.mark.parametrize(
    ("comparison", "threshold", "clear", "value", "expected"),
    [
        ("gt", 1500, 1200, 1200.0, True),
        ("gt", 1500, 1200, 1200.1, False),
        ("gt", 1500, 1200, 1500.0, False),
        ("gt", 1500, None, 1500.0, True),
        ("gte", 1500, None, 1500.0, False),
        ("lt", 12, 15, 15.0, True),
        ("lt", 12, 15, 14.9, False),
        ("lte", 12, None, 12.1, True),
    ],
    ids=["at-clear", "between", "at-threshold", "no-clear", "no-clear-gte", "low-at-clear",
         "low-between", "low-no-clear"],
)  # fmt: skip
def test_clears(comparison, threshold, clear, value, expected):
    assert clears(comparison, value, threshold, clear) is expected


@pytest.mark.parametrize("clear", [None, "clear"])
@pytest.mark.parametrize("comparison", ["gt", "gte", "lt", "lte"])
def test_the_orm_lookup_selects_exactly_the_readings_that_clear(comparison, clear):
    threshold = 20.0
    level = (18.0 if comparison.startswith("g") else 22.0) if clear else None
    lookup, bound = clear_lookup(comparison, threshold, level)
    compare = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}
    values = [16.0, 18.0, 19.0, 20.0, 21.0, 22.0, 24.0]
    assert [compare[lookup](v, bound) for v in values] == [
        clears(comparison, v, threshold, level) for v in values
    ]


@pytest.mark.parametrize(
    ("comparison", "threshold", "clear", "expected"),
    [("gt", 1500, 1200, True), ("gt", 1500, 1500, False), ("gte", 1500, 1600, False),
     ("lt", 12, 15, True), ("lte", 12, 12, False), ("lt", 12, 10, False)],
    ids=["upper-below", "upper-equal", "upper-above", "lower-above", "lower-equal",
         "lower-below"],
)  # fmt: skip
def test_clear_level_lies_on_the_safe_side(comparison, threshold, clear, expected):
    assert clear_level_fits(comparison, threshold, clear) is expected


def test_sustained_is_inclusive():
    t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert sustained(t, t + dt.timedelta(minutes=15), 15) is True
    assert sustained(t, t + dt.timedelta(minutes=14, seconds=59), 15) is False
    assert sustained(t, t, 0) is True


def test_worse_is_the_peak_in_the_rule_direction():
    assert worse("gt", 1600.0, 1700.0) == 1700.0
    assert worse("lt", 10.0, 8.0) == 8.0


BUILTIN_CO2 = RuleView(1, -1, "", "co2_ppm", "gt", True)
BUILTIN_TEMP = RuleView(2, -1, "", "temperature_c", "gt", True)


@pytest.mark.parametrize(
    ("extra", "kind", "expected"),
    [
        ([], "classroom_env", [1, 2]),
        # A school's tighter CO2 rule replaces the built-in one.
        ([RuleView(10, 4, "", "co2_ppm", "gt", True)], "classroom_env", [2, 10]),
        # The deepest unit wins: the school (depth 4) over the commune office (depth 3).
        (
            [
                RuleView(10, 4, "", "co2_ppm", "gt", True),
                RuleView(11, 3, "", "co2_ppm", "gte", True),
            ],
            "classroom_env",
            [2, 10],
        ),
        # An inactive school rule switches the check off.
        ([RuleView(10, 4, "", "co2_ppm", "gt", False)], "classroom_env", [2]),
        # A lower limit is another direction: both apply.
        ([RuleView(12, 4, "", "temperature_c", "lt", True)], "classroom_env", [1, 2, 12]),
        # A rule for another kind of device does not apply.
        ([RuleView(13, 4, "power_meter", "co2_ppm", "gt", True)], "classroom_env", [1, 2]),
        # At one depth a kind-specific rule beats an any-kind one.
        (
            [
                RuleView(14, 4, "classroom_env", "co2_ppm", "gt", True),
                RuleView(15, 4, "", "co2_ppm", "gt", True),
            ],
            "classroom_env",
            [2, 14],
        ),
    ],
    ids=["builtins", "override", "deepest", "switched-off", "low-direction", "other-kind", "kind"],
)
def test_effective(extra, kind, expected):
    assert effective([BUILTIN_CO2, BUILTIN_TEMP, *extra], kind) == expected


T = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def series(*pairs):
    return [(T + dt.timedelta(minutes=m), float(v)) for m, v in pairs]


def summary(eps):
    def m(t):
        return None if t is None else int((t - T).total_seconds() // 60)

    return [(m(e.run_start), m(e.opened_at), m(e.closed_at), e.peak) for e in eps]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(0, 1600), (5, 1700), (10, 1650)], []),
        ([(0, 1600), (5, 1700), (15, 1650)], [(0, 15, None, 1700.0)]),
        ([(0, 1600), (15, 1650), (20, 900)], [(0, 15, 20, 1650.0)]),
        ([(0, 1600), (10, 1400), (12, 1600), (27, 1600)], [(12, 27, None, 1600.0)]),
        (
            [(0, 1600), (15, 1600), (20, 1000), (30, 1800), (45, 1700), (50, 800)],
            [(0, 15, 20, 1600.0), (30, 45, 50, 1800.0)],
        ),
        ([(0, 1500), (15, 1500)], []),
    ],
    ids=["too-short", "opens", "opens-closes", "restarts", "backlog-two", "at-threshold"],
)
def test_episodes(pairs, expected):
    assert summary(episodes(series(*pairs), "gt", 1500, 15)) == expected


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        # Hovering around 1500: one episode, open, not one per crossing.
        ([(0, 1600), (5, 1450), (10, 1600), (15, 1550), (20, 1450), (25, 1600), (30, 1300)],
         [(0, 15, None, 1600.0)]),
        ([(0, 1600), (15, 1700), (20, 1400), (25, 1550), (30, 1200), (35, 1300)],
         [(0, 15, 30, 1700.0)]),
        ([(0, 1400), (15, 1450), (20, 1300)], []),
        # Sustained since 0, but it opens only at a reading that breaks the rule.
        ([(0, 1600), (10, 1400), (20, 1400), (25, 1510)], [(0, 25, None, 1600.0)]),
        ([(0, 1600), (10, 1100), (12, 1600), (27, 1600)], [(12, 27, None, 1600.0)]),
    ],
    ids=["hovering", "closes-at-clear", "between-starts-nothing", "opens-on-a-breach",
         "clear-restarts"],
)  # fmt: skip
def test_episodes_with_a_clear_level(pairs, expected):
    assert summary(episodes(series(*pairs), "gt", 1500, 15, clear=1200)) == expected


def test_episodes_of_a_lower_limit_with_a_clear_level():
    # Temperature < 12 °C, clear at 15: the peak is the lowest value.
    eps = episodes(series((0, 11), (5, 13), (10, 9), (15, 14.9), (20, 15)), "lt", 12, 0, clear=15)
    assert summary(eps) == [(0, 0, 20, 9.0)]


MIXED = [(0, 1300), (5, 1600), (10, 1450), (15, 1700), (20, 1550), (25, 1400), (30, 1350),
         (35, 1600), (40, 1150), (45, 1510), (50, 1480), (55, 1250), (60, 1520), (65, 1450),
         (70, 1800), (75, 1300)]  # fmt: skip


def test_a_replay_gives_the_same_episodes_only_from_a_reading_that_clears():
    def walk(pairs):
        return summary(episodes(series(*pairs), "gt", 1500, 15, clear=1200))

    whole = walk(MIXED)
    assert whole == [(5, 20, 40, 1700.0), (45, 60, None, 1800.0)]
    assert walk(MIXED[8:]) == whole[1:]  # from 40 (1150, at or below 1200)
    # From 25 (1400: under the threshold, above the clear level) through 35 the episode
    # open all along is lost: services.py must never begin a replay there.
    assert walk(MIXED[5:8]) == []


def test_episodes_continue_a_run_that_began_before_the_readings():
    earlier = T - dt.timedelta(hours=30)
    eps = episodes(series((0, 1700), (5, 1600)), "gt", 1500, 15, run_start=earlier)
    assert summary(eps) == [(-30 * 60, 0, None, 1700.0)]
    # A normal first reading ends that run.
    assert episodes(series((0, 900), (5, 1600)), "gt", 1500, 15, run_start=earlier) == []
