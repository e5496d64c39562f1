"""Enrolment forecasts by the cohort-survival method.

For each school, from its history of enrolments per grade and school year (summary table
GradeCount, refreshed from Enrolment):
* grade progression ratio GPR(g) = Σ_t N(g+1, t+1) / Σ_t N(g, t) over the years where both
  are known (repeaters and transfers included, as they are in the counts);
* entry ratio E = Σ_t N(e, t) / Σ_t B(t − e − 5), where e is the school's entry grade and
  B(y) the number of people born in year y living in the school's commune (Person.date_of_birth,
  Person.commune): the birth cohort that reaches grade e at age e + 5;
* forecast: N(e, t) = E × B(t − e − 5) (or, when the birth cohort is not on the platform, the
  last known entry count carried forward), N(g+1, t+1) = GPR(g) × N(g, t).
The backtest refits on all years but the last and forecasts that last year: its error
(MAPE over schools' totals) is shown with the method.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from edudx.org.models import School
from edudx.people.models import Enrolment, Person

from .models import GradeCount

History = dict[int, dict[int, float]]  # year -> grade -> students


@dataclass
class Forecast:
    years: list[int]
    by_year: dict[int, dict[int, float]]
    gpr: dict[int, float]
    entry_ratio: float | None
    notes: list[str] = field(default_factory=list)

    def totals(self) -> dict[int, float]:
        return {y: sum(g.values()) for y, g in self.by_year.items()}


def grade_counts_refresh() -> int:
    """Recompute the non-synthetic history from enrolments (one GROUP BY)."""
    rows = (
        Enrolment.objects.filter(class_group__grade__isnull=False)
        .order_by()
        .values("school_id", "school_year__start_date", "class_group__grade__number")
        .annotate(n=Count("student_id", distinct=True))
    )
    new = [
        GradeCount(
            school_id=r["school_id"],
            year=r["school_year__start_date"].year,
            grade=r["class_group__grade__number"],
            students=r["n"],
        )
        for r in rows
    ]
    with transaction.atomic():
        GradeCount.objects.filter(synthetic=False).delete()
        keep = set(GradeCount.objects.values_list("school_id", "year", "grade"))
        new = [g for g in new if (g.school_id, g.year, g.grade) not in keep]
        GradeCount.objects.bulk_create(new, batch_size=2000)
    return len(new)


def cohort_forecast(
    history: History, births: dict[int, int], *, horizon: int = 5, entry_age: int = 6
) -> Forecast:
    """The cohort-survival forecast of one school (pure arithmetic; see the module doc)."""
    years = sorted(history)
    grades = sorted({g for y in years for g in history[y]})
    notes: list[str] = []
    if not years or not grades:
        return Forecast([], {}, {}, None, ["không có lịch sử"])
    entry = grades[0]
    gpr: dict[int, float] = {}
    for g in grades[:-1]:
        num = den = 0.0
        for y in years:
            if y + 1 in history and g in history[y] and g + 1 in history[y + 1]:
                num += history[y + 1][g + 1]
                den += history[y][g]
        gpr[g] = num / den if den else 1.0
    lag = entry_age + entry - 1  # a child born in year b starts grade e in year b + lag
    num = den = 0.0
    for y in years:
        b = births.get(y - lag, 0)
        if b and entry in history[y]:
            num += history[y][entry]
            den += b
    entry_ratio = num / den if den else None
    if entry_ratio is None:
        notes.append("không có dữ liệu năm sinh: giữ nguyên số tuyển mới của năm gần nhất")
    last = years[-1]
    current = dict(history[last])
    out: dict[int, dict[int, float]] = {}
    for k in range(1, horizon + 1):
        y = last + k
        nxt: dict[int, float] = {}
        b = births.get(y - lag, 0)
        nxt[entry] = entry_ratio * b if (entry_ratio is not None and b) else current.get(entry, 0)
        for g in grades[:-1]:
            nxt[g + 1] = gpr[g] * current.get(g, 0)
        out[y] = nxt
        current = nxt
    return Forecast(years=years, by_year=out, gpr=gpr, entry_ratio=entry_ratio, notes=notes)


def backtest(history: History, births: dict[int, int], **kw) -> float | None:
    """Absolute percentage error of forecasting the last known year from the others."""
    years = sorted(history)
    if len(years) < 3:
        return None
    fitted = cohort_forecast({y: history[y] for y in years[:-1]}, births, horizon=1, **kw)
    predicted = fitted.totals().get(years[-1])
    actual = sum(history[years[-1]].values())
    if predicted is None or not actual:
        return None
    return abs(predicted - actual) / actual


def school_history(school_ids: list[int]) -> dict[int, History]:
    out: dict[int, History] = defaultdict(lambda: defaultdict(dict))
    for sid, year, grade, n in GradeCount.objects.filter(school_id__in=school_ids).values_list(
        "school_id", "year", "grade", "students"
    ):
        out[sid][year][grade] = float(n)
    return out


def births_by_commune(commune_ids: list[int]) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        Person.objects.filter(commune_id__in=commune_ids, merged_into__isnull=True)
        .order_by()
        .values_list("commune_id", "date_of_birth__year")
        .annotate(n=Count("id"))
    )
    for cid, year, n in rows:
        out[cid][year] = n
    return out


def forecast_schools(school_ids: list[int], *, horizon: int = 5) -> dict[int, dict]:
    """{school: {"forecast": Forecast, "backtest": error or None}} for these schools."""
    communes = dict(
        School.objects.filter(unit_id__in=school_ids).values_list("unit_id", "commune_id")
    )
    births = births_by_commune([c for c in communes.values() if c])
    history = school_history(school_ids)
    out = {}
    for sid in school_ids:
        h = {y: dict(g) for y, g in history.get(sid, {}).items()}
        b = births.get(communes.get(sid), {})
        out[sid] = {
            "forecast": cohort_forecast(h, b, horizon=horizon),
            "backtest": backtest(h, b),
        }
    return out
