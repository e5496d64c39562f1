"""Item analysis on a hand-computed example (6 students × 4 items, 0/1 scores).

Totals 3, 3, 2, 2, 1, 1 (mean 2, population variance 4/6). Kelley groups: round(0.27·6)
= 2 students each: upper S1, S2; lower S5, S6.
- item 1: p = 4/6; D = 1 − 0.5 = 0.5; r_pb = (1/6) / √(2/9 · 2/3) = √3/4 = 0.4330
- item 2: p = 3/6; D = 1 − 0 = 1;   r_pb = (1/3) / √(1/4 · 2/3) = √6/3 = 0.8165
- item 3: p = 2/6; D = 0.5 − 0 = 0.5; r_pb = √3/4 = 0.4330
- item 4: p = 3/6; D = 0.5 − 0.5 = 0; r_pb = 0 / … = 0
KR-20 = 4/3 · (1 − Σpq / σ²) with Σpq = 2/9 + 1/4 + 2/9 + 1/4 = 17/18, σ² = 2/3:
4/3 · (1 − 17/12) = −5/9 = −0.5556 (these items do not hang together); alpha equals it
on 0/1 items."""

import pytest

from edudx.exams import analysis

SCORES = [
    [1, 1, 1, 0],
    [1, 1, 0, 1],
    [1, 0, 1, 0],
    [0, 1, 0, 1],
    [1, 0, 0, 0],
    [0, 0, 0, 1],
]
# Item 2 is a single-choice item with key "a"; what each student chose:
CHOICES = [[None, c, None, None] for c in ["a", "a", "b", "a", "b", "c"]]


def test_hand_computed_example():
    out = analysis.analyse(
        SCORES,
        choices=CHOICES,
        items=[10, 20, 30, 40],
        choice_keys={20: {"options": ["a", "b", "c", "d"], "key": ["a"]}},
    )
    assert (out["n"], out["k"], out["kr20"], out["alpha"]) == (6, 4, -0.5556, -0.5556)
    got = [
        (i["facility"], i["discrimination"], i["point_biserial"], i["flags"]) for i in out["items"]
    ]
    assert got == [
        (0.6667, 0.5, 0.433, []),
        (0.5, 1.0, 0.8165, ["unused_distractor"]),
        (0.3333, 0.5, 0.433, []),
        (0.5, 0.0, 0.0, ["low_discrimination"]),
    ]
    assert out["items"][1]["distractors"] == {
        "a": {"all": 3, "upper": 2, "lower": 0},
        "b": {"all": 2, "upper": 0, "lower": 1},
        "c": {"all": 1, "upper": 0, "lower": 1},
        "d": {"all": 0, "upper": 0, "lower": 0},
        "": {"all": 0, "upper": 0, "lower": 0},
    }


def test_a_distractor_that_draws_the_strong_students_flags_a_miskey():
    # Totals 1, 1, 1, 0 → groups of round(1.08) = 1: upper S1, lower S4. On item B the
    # upper student chose "b" while the key is "a".
    scores = [[1, 0], [1, 0], [0, 1], [0, 0]]
    choices = [[None, "b"], [None, "b"], [None, "a"], [None, "c"]]
    out = analysis.analyse(
        scores,
        choices=choices,
        items=[1, 2],
        choice_keys={2: {"options": ["a", "b", "c"], "key": ["a"]}},
    )
    assert out["items"][1]["flags"] == ["low_discrimination", "possibly_miskeyed"]


@pytest.mark.parametrize(
    ("scores", "kr20", "alpha"),
    [
        ([[1, 1], [0, 0]], 1.0, 1.0),  # perfectly consistent
        ([[1, 0.5], [0, 0]], None, 0.8889),  # partial credit: alpha only (2·(1−(.25+.0625)/.5625))
        ([[1, 1], [1, 1]], None, None),  # no variance in totals
    ],
)
def test_reliability(scores, kr20, alpha):
    assert analysis.reliability(scores) == (kr20, alpha)
