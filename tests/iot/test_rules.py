"""The pure rule logic: comparisons, sustained time, which rule applies to a device."""

import datetime as dt

import pytest

from edudx.iot.rules import RuleView, breaks, effective, episodes, sustained, worse


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


def test_episodes_continue_a_run_that_began_before_the_readings():
    earlier = T - dt.timedelta(hours=30)
    eps = episodes(series((0, 1700), (5, 1600)), "gt", 1500, 15, run_start=earlier)
    assert summary(eps) == [(-30 * 60, 0, None, 1700.0)]
    # A normal first reading ends that run.
    assert episodes(series((0, 900), (5, 1600)), "gt", 1500, 15, run_start=earlier) == []
