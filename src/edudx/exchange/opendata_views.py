"""Open data pages (no sign-in): the catalogue, one dataset's page (what each column means
and the first rows), the files and the DCAT catalogue. Thin: the rows come from
`edudx.core.opendata`, the files from `publish`."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from edudx.core import opendata

from . import publish

PREVIEW_ROWS = 20


def _dataset(slug: str) -> opendata.Dataset:
    ds = opendata.get(slug)
    if ds is None:
        raise Http404
    return ds


@require_GET
def index(request):
    items = [publish.summary(opendata.built(ds)) for ds in opendata.datasets()]
    return render(
        request,
        "opendata/index.html",
        {
            "items": items,
            "license_url": settings.OPENDATA_LICENSE_URL,
            "license_name": settings.OPENDATA_LICENSE_NAME,
            "publisher": publish.publisher(),
        },
    )


def _shown(value):
    """A cell on the page: dd/mm/yyyy dates, whole numbers without decimals."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


@require_GET
def detail(request, slug: str):
    built = opendata.built(_dataset(slug))
    ds = built.dataset
    columns = [
        {"id": c.id, "title": c.title, "type": publish.type_label(c.type)} for c in ds.columns
    ]
    preview = [[_shown(v) for v in row] for row in built.rows[:PREVIEW_ROWS]]
    return render(
        request,
        "opendata/dataset.html",
        {
            "ds": ds,
            "item": publish.summary(built),
            "columns": columns,
            "preview": preview,
            "license_url": settings.OPENDATA_LICENSE_URL,
            "license_name": settings.OPENDATA_LICENSE_NAME,
            "publisher": publish.publisher(),
            "small_count": opendata.SMALL_COUNT,
        },
    )


@require_GET
def download(request, slug: str, fmt: str):
    return publish.file_response(request, fmt, opendata.built(_dataset(slug)))


@require_GET
def catalogue(request):
    response = JsonResponse(
        publish.catalogue(), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
    response["Content-Type"] = "application/ld+json"
    response["Access-Control-Allow-Origin"] = "*"
    return response
