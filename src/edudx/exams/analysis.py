"""Classical item analysis of one test. Pure: no database access.

Input: `scores[s][i]`, the share (0…1) of item i's points student s earned. Definitions
(population variances throughout, so KR-20 equals Cronbach's alpha on 0/1 items):

- facility p_i: mean item score.
- discrimination D_i: mean in the upper 27% of students by total score minus mean in the
  lower 27% (Kelley's groups; group size round(0.27·N), at least 1; ties kept in input
  order).
- point-biserial: Pearson correlation of the item score with the total score (the item
  included); None when either does not vary.
- KR-20 = k/(k−1)·(1 − Σ p_i q_i / σ²_total), only when every item score is 0 or 1;
  Cronbach's alpha = k/(k−1)·(1 − Σ σ²_i / σ²_total).
- distractors (single-choice items): how many chose each option, overall and in the upper
  and lower groups.

Flags: too_easy (p > 0.9), too_hard (p < 0.2), low_discrimination (0 ≤ D < 0.2),
possibly_miskeyed (D < 0, or a wrong option drew more of the upper group than the key),
unused_distractor (a wrong option nobody chose)."""

import math

EASY, HARD, LOW_D = 0.9, 0.2, 0.2


def _mean(xs) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def _var(xs) -> float:
    m = _mean(xs)
    return sum((x - m) ** 2 for x in xs) / len(xs) if xs else 0.0


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def pearson(xs, ys) -> float | None:
    vx, vy = _var(xs), _var(ys)
    if vx == 0 or vy == 0:
        return None
    mx, my = _mean(xs), _mean(ys)
    cov = sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True)) / len(xs)
    return cov / math.sqrt(vx * vy)


def groups(totals: list[float]) -> tuple[list[int], list[int]]:
    """Indices of the upper and lower 27% by total (stable for ties)."""
    n = len(totals)
    size = max(1, round(0.27 * n)) if n else 0
    order = sorted(range(n), key=lambda s: -totals[s])
    return order[:size], order[n - size :]


def reliability(scores: list[list[float]]) -> tuple[float | None, float | None]:
    if not scores or len(scores[0]) < 2:
        return None, None
    k = len(scores[0])
    totals = [sum(row) for row in scores]
    vt = _var(totals)
    if vt == 0:
        return None, None
    columns = list(zip(*scores, strict=True))
    alpha = k / (k - 1) * (1 - sum(_var(c) for c in columns) / vt)
    dichotomous = all(x in (0, 1) for row in scores for x in row)
    kr20 = None
    if dichotomous:
        kr20 = k / (k - 1) * (1 - sum(_mean(c) * (1 - _mean(c)) for c in columns) / vt)
    return _r(kr20), _r(alpha)


def analyse(
    scores: list[list[float]],
    *,
    choices: list[list] | None = None,
    items: list | None = None,
    choice_keys: dict | None = None,
) -> dict:
    n = len(scores)
    k = len(scores[0]) if scores else len(items or [])
    items = items or list(range(k))
    choice_keys = choice_keys or {}
    totals = [sum(row) for row in scores]
    upper, lower = groups(totals)
    kr20, alpha = reliability(scores)
    out = []
    for i in range(k):
        col = [row[i] for row in scores]
        p = _mean(col) if n else None
        d = (_mean([col[s] for s in upper]) - _mean([col[s] for s in lower])) if n else None
        entry = {
            "facility": _r(p),
            "discrimination": _r(d),
            "point_biserial": _r(pearson(col, totals)) if n else None,
            "distractors": {},
            "flags": [],
        }
        flags = entry["flags"]
        if p is not None and p > EASY:
            flags.append("too_easy")
        if p is not None and p < HARD:
            flags.append("too_hard")
        if d is not None and 0 <= d < LOW_D:
            flags.append("low_discrimination")
        if d is not None and d < 0:
            flags.append("possibly_miskeyed")
        spec = choice_keys.get(items[i])
        if spec and choices is not None:
            table = {o: {"all": 0, "upper": 0, "lower": 0} for o in spec["options"]}
            table[""] = {"all": 0, "upper": 0, "lower": 0}
            upper_set, lower_set = set(upper), set(lower)
            for s in range(n):
                chosen = choices[s][i] if isinstance(choices[s][i], str) else ""
                row = table.setdefault(chosen, {"all": 0, "upper": 0, "lower": 0})
                row["all"] += 1
                row["upper"] += s in upper_set
                row["lower"] += s in lower_set
            entry["distractors"] = table
            key_upper = max((table[o]["upper"] for o in spec["key"]), default=0)
            wrong = [o for o in spec["options"] if o not in spec["key"]]
            if (
                any(table[o]["upper"] > key_upper for o in wrong)
                and "possibly_miskeyed" not in flags
            ):
                flags.append("possibly_miskeyed")
            if n and any(table[o]["all"] == 0 for o in wrong):
                flags.append("unused_distractor")
        out.append(entry)
    return {"n": n, "k": k, "kr20": kr20, "alpha": alpha, "items": out}
