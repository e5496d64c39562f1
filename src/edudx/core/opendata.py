"""Open data: the catalogue of datasets anyone may download without signing in.

The plan asks for "nền tảng dữ liệu mở về giáo dục" (an open education data platform). Each
app contributes the datasets it knows in its own `opendata.py` with `@dataset(...)` (found by
`autodiscover_modules`, as each app contributes demo data and menu entries); `exchange`
serves the catalogue, the files and the DCAT description. A dataset is aggregate or
institutional data only — never a row per person — and counts of people pass through
`suppress` so a small group cannot be singled out.

Rows are built on request and kept in the cache for `OPENDATA_CACHE_SECONDS` (10 minutes by
default), so a download costs one aggregate query per dataset per period, whatever the
traffic."""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules

from .models import OpenDatasetVersion

# Counts of people from 1 to SMALL_COUNT are withheld (primary suppression), and so is a
# part whose complement in its total is that small (secondary: total − part would give it).
SMALL_COUNT = 4

STRING, INTEGER, NUMBER, DATE = "string", "integer", "number", "date"


@dataclass(frozen=True)
class Column:
    id: str
    title: str  # lazy gettext: Vietnamese source, English in the catalogue
    type: str = STRING
    description: str = ""


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    build: Callable[[], Iterable[tuple]]
    keywords: tuple[str, ...] = ()
    # The app whose data it is (a label for the page; the publisher is the catalogue's).
    source: str = ""
    order: int = 100


@dataclass
class Built:
    dataset: Dataset
    rows: list[tuple]
    generated_at: dt.datetime  # when these rows were built
    modified_at: dt.datetime  # when the rows last changed (the first build that gave them)
    extra: dict = field(default_factory=dict)


_registry: dict[str, Dataset] = {}
_discovered = False


def dataset(
    *,
    slug: str,
    title: str,
    description: str,
    columns: Iterable[Column],
    keywords: Iterable[str] = (),
    source: str = "",
    order: int = 100,
):
    """Register the decorated zero-argument function as the rows of a dataset: it returns
    tuples in the order of `columns`."""

    def register(fn):
        if slug in _registry and _registry[slug].build is not fn:
            raise ValueError(f"open dataset {slug!r} registered twice")
        _registry[slug] = Dataset(
            slug=slug,
            title=title,
            description=description,
            columns=tuple(columns),
            build=fn,
            keywords=tuple(keywords),
            source=source,
            order=order,
        )
        return fn

    return register


def datasets() -> list[Dataset]:
    global _discovered
    if not _discovered:
        autodiscover_modules("opendata")
        _discovered = True
    return sorted(_registry.values(), key=lambda d: (d.order, d.slug))


def get(slug: str) -> Dataset | None:
    return {d.slug: d for d in datasets()}.get(slug)


def built(ds: Dataset) -> Built:
    """The dataset's rows, from the cache when they are younger than the cache period, with
    the time they last changed."""
    seconds = settings.OPENDATA_CACHE_SECONDS
    key = f"opendata:v2:{ds.slug}"
    if seconds > 0:
        hit = cache.get(key)
        if hit is not None:
            return Built(ds, *hit)
    with translation.override("vi"):  # values (labels, names) are Vietnamese data
        rows = [tuple(r) for r in ds.build()]
    now = timezone.now()
    out = Built(ds, rows, now, _modified(ds.slug, _digest(rows), now))
    if seconds > 0:
        cache.set(key, (rows, out.generated_at, out.modified_at), seconds)
    return out


def _digest(rows: list[tuple]) -> str:
    # repr is exact for the cell types datasets return (str, int, Decimal, date, None).
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _modified(slug: str, digest: str, now: dt.datetime) -> dt.datetime:
    """The time the rows with `digest` were first built: the recorded one while they are
    unchanged, else `now`, recorded. Two processes recording the same change at once both
    write about `now`; the later write stands."""
    current = OpenDatasetVersion.objects.filter(slug=slug).values_list("digest", "modified_at")
    if (row := current.first()) and row[0] == digest:
        return row[1]
    try:
        with transaction.atomic():
            OpenDatasetVersion.objects.update_or_create(
                slug=slug, defaults={"digest": digest, "modified_at": now}
            )
    except IntegrityError:  # another process recorded the first version at the same moment
        pass
    return now


def suppress(part: int | None, total: int | None) -> int | None:
    """A count of people as published: None (withheld) when it is 1..SMALL_COUNT, or when
    `total` is given and total − part is (the part would give the small rest away).
    0 is published: an empty group singles nobody out."""
    if part is None:
        return None
    if 0 < part <= SMALL_COUNT:
        return None
    if total is not None and 0 < total - part <= SMALL_COUNT:
        return None
    return part


def json_value(value):
    """A cell as JSON: numbers stay numbers, dates ISO 8601."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def csv_value(value) -> str:
    """A cell as CSV text: empty for None, ISO dates, plain decimals (a dot, no grouping)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize() if value == value.to_integral_value() else value
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
