"""The indicator registry: `@indicator("T09")` marks the function that computes an indicator
per school from platform data. An indicator's row (data/indicators.json) names that function
by dotted path in `query`; if the module does not exist yet (an app still being built) the
indicator falls back to its self-report field, so adding an indicator is one row of data and
one function, and wiring a new app is only writing the function where the row points.

A query function takes a `QueryContext` and returns {school id: (numerator, denominator)}
for the schools it has data for; schools it leaves out are "missing" for that indicator.
A query may also return office units (communes, provinces) for data held at an office (a
commune's own dossiers, feedback…): their pairs are added up the tree like a school's.
An office-level indicator that does not add up (T14: procedures offered online, counted
per responsible unit) is registered with `rollup=False` and returns each unit's own value,
stored as is — the convention of office-level self-reports."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module

from edudx.org.models import SchoolYear


@dataclass(frozen=True)
class QueryContext:
    school_ids: tuple[int, ...]
    year: int  # the report year: the school year that starts in September of it
    as_of: dt.date
    # every unit of the tree on `as_of` (schools and offices): {unit id: (path, kind)}
    units: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def start(self) -> dt.date:
        """First day of the report's school year (1 September of `year`)."""
        return dt.date(self.year, 9, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the report's school year (31 August of `year` + 1)."""
        return dt.date(self.year + 1, 8, 31)

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end + 1 day) as aware datetimes (the site's time zone), for timestamps."""
        from django.utils import timezone  # noqa: PLC0415

        tz = timezone.get_default_timezone()
        lo = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        hi = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return lo, hi

    @property
    def school_year(self) -> SchoolYear | None:
        return SchoolYear.objects.filter(code=f"{self.year}-{self.year + 1}").first()


Pair = tuple[Decimal | int, Decimal | int]
Query = Callable[[QueryContext], dict[int, Pair]]

_registry: dict[str, Query] = {}


def indicator(code: str, *, rollup: bool = True):
    """Register the per-school query of indicator `code` (`rollup=False`: each unit's own
    value, not summed up the tree)."""

    def decorator(func: Query) -> Query:
        func.rollup = rollup
        _registry[code] = func
        return func

    return decorator


def query_for(code: str, dotted: str) -> Query | None:
    """The registered function for an indicator whose row points at `dotted`, importing its
    module on first use; None when the module is not installed yet (self-report then)."""
    if code in _registry:
        return _registry[code]
    if not dotted:
        return None
    module = dotted.rsplit(".", 1)[0]
    try:
        import_module(module)
    except ModuleNotFoundError:
        return None
    return _registry.get(code)


def registered() -> dict[str, Query]:
    return dict(_registry)
