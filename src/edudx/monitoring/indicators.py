"""The indicator registry: `@indicator("T09")` marks the function that computes an indicator
per school from platform data. An indicator's row (data/indicators.json) names that function
by dotted path in `query`; if the module does not exist yet (an app still being built) the
indicator falls back to its self-report field, so adding an indicator is one row of data and
one function, and wiring a new app is only writing the function where the row points.

A query function takes a `QueryContext` and returns {school id: (numerator, denominator)}
for the schools it has data for; schools it leaves out are "missing" for that indicator."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module

from edudx.org.models import SchoolYear


@dataclass(frozen=True)
class QueryContext:
    school_ids: tuple[int, ...]
    year: int  # the report year: the school year that starts in September of it
    as_of: dt.date

    @property
    def school_year(self) -> SchoolYear | None:
        return SchoolYear.objects.filter(code=f"{self.year}-{self.year + 1}").first()


Pair = tuple[Decimal | int, Decimal | int]
Query = Callable[[QueryContext], dict[int, Pair]]

_registry: dict[str, Query] = {}


def indicator(code: str):
    """Register the per-school query of indicator `code`."""

    def decorator(func: Query) -> Query:
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
