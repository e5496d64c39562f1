"""/api/v1/open-data: the open data catalogue and its rows, without an account or a token
(the same data as the files under /open-data/, docs/opendata.md)."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from edudx.core import opendata
from edudx.core.errors import NotFound
from edudx.org.api import ERRORS

from . import publish

router = Router(tags=["open-data"])

MAX_LIMIT = 5000


class ColumnOut(Schema):
    id: str
    title: str
    type: str


class DatasetOut(Schema):
    slug: str
    title: str
    description: str
    keywords: list[str]
    rows: int
    generated_at: dt.datetime = Field(..., description="When these rows were built.")
    modified_at: dt.datetime = Field(
        ..., description="When the data last changed (the first build that gave these rows)."
    )
    columns: list[ColumnOut]
    downloads: dict[str, str]
    page: str


class RowsParams(Schema):
    offset: int = Field(0, ge=0)
    limit: int = Field(1000, ge=1, le=MAX_LIMIT)


class RowsOut(Schema):
    dataset: str
    count: int
    offset: int
    generated_at: dt.datetime
    modified_at: dt.datetime
    rows: list[dict[str, Any]]


def _built(slug: str) -> opendata.Built:
    ds = opendata.get(slug)
    if ds is None:
        raise NotFound("opendata.not_found", _("Không có bộ dữ liệu mở %(s)s.") % {"s": slug})
    return opendata.built(ds)


@router.get(
    "/open-data/datasets",
    response=list[DatasetOut],
    auth=None,
    summary="The open datasets (no account needed)",
)
def list_datasets(request):
    return [publish.summary(opendata.built(ds)) for ds in opendata.datasets()]


@router.get(
    "/open-data/datasets/{slug}",
    response={200: DatasetOut, **ERRORS},
    auth=None,
    summary="One open dataset: what it holds, its columns and its files",
)
def get_dataset(request, slug: str):
    return publish.summary(_built(slug))


@router.get(
    "/open-data/datasets/{slug}/rows",
    response={200: RowsOut, **ERRORS},
    auth=None,
    summary="A page of an open dataset's rows, as objects keyed by column id",
)
def dataset_rows(request, slug: str, params: Query[RowsParams]):
    built = _built(slug)
    cols = built.dataset.columns
    page = built.rows[params.offset : params.offset + params.limit]
    return {
        "dataset": slug,
        "count": len(built.rows),
        "offset": params.offset,
        "generated_at": built.generated_at,
        "modified_at": built.modified_at,
        "rows": [
            {c.id: opendata.json_value(v) for c, v in zip(cols, row, strict=True)} for row in page
        ],
    }
