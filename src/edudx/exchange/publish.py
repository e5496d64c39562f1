"""Open data as files: CSV, JSON and the DCAT catalogue of what `edudx.core.opendata`
registers. The pages (opendata_views) and the API (api.py) both serve from here.

Files are served with a strong ETag (a hash of the bytes), so a harvester that comes back
with If-None-Match gets a 304 while the data have not changed, and with
`Access-Control-Allow-Origin: *`, so a web page elsewhere may read them."""

import csv
import hashlib
import io
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.http import http_date
from django.utils.translation import gettext_lazy

from edudx.core import opendata
from edudx.org.models import OrgUnit, UnitKind

MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
IANA = "https://www.iana.org/assignments/media-types/"
TYPE_LABELS = {
    opendata.STRING: gettext_lazy("Chuỗi ký tự"),
    opendata.INTEGER: gettext_lazy("Số nguyên"),
    opendata.NUMBER: gettext_lazy("Số"),
    opendata.DATE: gettext_lazy("Ngày (yyyy-mm-dd)"),
}


def publisher() -> str:
    """EDUDX_OPENDATA_PUBLISHER, else the education department (Sở) when the tree has
    exactly one, else the platform's name."""
    if settings.OPENDATA_PUBLISHER:
        return settings.OPENDATA_PUBLISHER
    names = list(
        OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT, valid_to__isnull=True).values_list(
            "name", flat=True
        )[:2]
    )
    return names[0] if len(names) == 1 else "EduDX"


def csv_bytes(built: opendata.Built) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly), a header row
    of the column ids, one line per row."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([c.id for c in built.dataset.columns])
    w.writerows([opendata.csv_value(v) for v in row] for row in built.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def columns_meta(ds: opendata.Dataset) -> list[dict]:
    return [{"id": c.id, "title": str(c.title), "type": c.type} for c in ds.columns]


def json_document(built: opendata.Built) -> dict:
    ds = built.dataset
    return {
        "dataset": ds.slug,
        "title": str(ds.title),
        "license": settings.OPENDATA_LICENSE_URL,
        "publisher": publisher(),
        "generated_at": built.generated_at.isoformat(),
        "modified_at": built.modified_at.isoformat(),
        "columns": columns_meta(ds),
        "rows": [
            {c.id: opendata.json_value(v) for c, v in zip(ds.columns, row, strict=True)}
            for row in built.rows
        ],
    }


def json_bytes(built: opendata.Built) -> bytes:
    return json.dumps(json_document(built), ensure_ascii=False).encode("utf-8")


def file_response(request: HttpRequest, fmt: str, built: opendata.Built) -> HttpResponse:
    """The file with ETag/Last-Modified/Cache-Control; 304 when If-None-Match matches. The
    ETag is a hash of the data (the CSV bytes), not of the file, whose JSON carries the
    time it was built: unchanged data keep their ETag across rebuilds. Last-Modified is when
    the data last changed."""
    data = csv_bytes(built)
    etag = '"' + fmt + "-" + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(built.modified_at.timestamp()),
        "Cache-Control": f"public, max-age={settings.OPENDATA_CACHE_SECONDS}",
        "Access-Control-Allow-Origin": "*",
    }
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return HttpResponse(status=304, headers=headers)
    body = data if fmt == "csv" else json_bytes(built)
    response = HttpResponse(body, content_type=MEDIA[fmt], headers=headers)
    response["Content-Disposition"] = f'attachment; filename="{filename(built.dataset, fmt)}"'
    return response


def filename(ds: opendata.Dataset, fmt: str) -> str:
    return f"edudx-{ds.slug}.{fmt}"


def base_url() -> str:
    return settings.PUBLIC_BASE_URL


def summary(built: opendata.Built) -> dict:
    """One dataset as the catalogue lists it (API and page)."""
    ds = built.dataset
    base = base_url()
    return {
        "slug": ds.slug,
        "title": str(ds.title),
        "description": str(ds.description),
        "keywords": list(ds.keywords),
        "rows": len(built.rows),
        "generated_at": built.generated_at,
        "modified_at": built.modified_at,
        "columns": columns_meta(ds),
        "downloads": {fmt: f"{base}/open-data/{filename(ds, fmt)}" for fmt in ("csv", "json")},
        "page": f"{base}/open-data/{ds.slug}/",
    }


def _both(text) -> list[dict]:
    """A lazy string in Vietnamese and English, as JSON-LD language-tagged values."""
    out = []
    for lang in ("vi", "en"):
        with translation.override(lang):
            out.append({"@value": str(text), "@language": lang})
    return out


def catalogue() -> dict:
    """The catalogue as DCAT (W3C Data Catalog Vocabulary) in JSON-LD, for harvesters such
    as a national open data portal. Titles and descriptions in Vietnamese and English."""
    base = base_url()
    license_ref = {"@id": settings.OPENDATA_LICENSE_URL}
    name = publisher()
    items = []
    for ds in opendata.datasets():
        built = opendata.built(ds)
        items.append(
            {
                "@id": f"{base}/open-data/{ds.slug}/",
                "@type": "dcat:Dataset",
                "dct:identifier": ds.slug,
                "dct:title": _both(ds.title),
                "dct:description": _both(ds.description),
                "dcat:keyword": list(ds.keywords),
                "dct:publisher": {"@type": "foaf:Organization", "foaf:name": name},
                "dct:license": license_ref,
                "dct:modified": {
                    "@value": built.modified_at.isoformat(),
                    "@type": "xsd:dateTime",
                },
                "dcat:landingPage": {"@id": f"{base}/open-data/{ds.slug}/"},
                "dcat:distribution": [
                    {
                        "@type": "dcat:Distribution",
                        "dct:format": fmt.upper(),
                        "dcat:mediaType": {"@id": IANA + MEDIA[fmt].split(";")[0]},
                        "dcat:downloadURL": {"@id": f"{base}/open-data/{filename(ds, fmt)}"},
                        "dct:license": license_ref,
                    }
                    for fmt in ("csv", "json")
                ],
            }
        )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"{base}/open-data/",
        "@type": "dcat:Catalog",
        "dct:title": [
            {"@value": "Dữ liệu mở ngành giáo dục", "@language": "vi"},
            {"@value": "Open education data", "@language": "en"},
        ],
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": name},
        "dct:license": license_ref,
        "dcat:dataset": items,
    }


def type_label(kind: str) -> str:
    return str(TYPE_LABELS[kind])
