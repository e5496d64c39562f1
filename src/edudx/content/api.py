"""/api/v1 curriculum (topics and learning outcomes), the learning repository (search,
metadata, upload, download, moderation, ratings, comments) and T05 coverage.

Resources are scoped (content.selectors): a resource outside the caller's view is a 404.
Resource metadata is harvestable: GET /resources pages through everything the caller may
see, each item with its subject, grade, topics, outcomes, licence, language, author and
school, `source_id` and `updated_at` (filter `updated_since` for incremental harvesting).

Uploads are multipart (`file` plus a `metadata` field holding the JSON of ResourceIn); a
retried upload with the same Idempotency-Key, metadata and file bytes gets the first
response back (the key covers the metadata and the SHA-256 of the file)."""

import datetime as dt
import hashlib
import json
from uuid import UUID

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import ValidationError

from edudx.accounts.tokens import actor_key
from edudx.core.api_errors import api_fields
from edudx.core.errors import DomainError
from edudx.core.idempotency import idempotent
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, create_response, json_body, paginate

from . import coverage as coverage_mod
from . import selectors, services
from .models import Language, Licence, PublishScope, ResourceStatus, ResourceType

# An optional multipart file parameter (ninja reads the default as the parameter kind).
OPTIONAL_FILE = File(None)

router = Router(tags=["content"])


# --- curriculum ------------------------------------------------------------------------------


class OutcomeOut(Schema):
    id: int
    code: str
    text: str


class TopicOut(Schema):
    id: int
    grade: int
    subject_id: int
    subject_code: str
    code: str
    title: str
    strand: str
    periods: int
    outcomes: list[OutcomeOut]


class TopicFilters(Schema):
    grade: int = Field(..., ge=1, le=12)
    subject_id: int | None = None


@router.get(
    "/curriculum/topics",
    response={200: list[TopicOut], **ERRORS},
    summary="Topics (with their share of periods) and learning outcomes of a grade",
)
def list_topics(request, filters: Query[TopicFilters]):
    return [
        {
            "id": t.pk,
            "grade": t.grade,
            "subject_id": t.subject_id,
            "subject_code": t.subject.code,
            "code": t.code,
            "title": t.title,
            "strand": t.strand,
            "periods": t.periods,
            "outcomes": [{"id": o.pk, "code": o.code, "text": o.text} for o in t.outcomes.all()],
        }
        for t in selectors.topic_tree(grade=filters.grade, subject_id=filters.subject_id)
    ]


# --- resources -------------------------------------------------------------------------------


class ResourceOut(Schema):
    id: int
    source_id: UUID
    title: str
    description: str
    type: ResourceType
    subject_id: int
    subject_code: str
    subject_name: str
    grade: int
    topic_ids: list[int]
    outcome_ids: list[int]
    language: Language
    licence: Licence
    author: str
    school_id: int
    school_name: str
    status: ResourceStatus
    scope: str
    mime: str
    size: int
    sha256: str
    external_url: str
    download_url: str | None
    published_at: dt.datetime | None
    view_count: int
    download_count: int
    rating: float | None
    rating_count: int
    updated_at: dt.datetime


class ResourcePage(Schema):
    items: list[ResourceOut]
    count: int
    page: int
    page_size: int


def render_resource(r) -> dict:
    return {
        "id": r.pk,
        "source_id": r.source_id,
        "title": r.title,
        "description": r.description,
        "type": r.type,
        "subject_id": r.subject_id,
        "subject_code": r.subject.code,
        "subject_name": r.subject.name,
        "grade": r.grade,
        "topic_ids": sorted(t.pk for t in r.topics.all()),
        "outcome_ids": sorted(o.pk for o in r.outcomes.all()),
        "language": r.language,
        "licence": r.licence,
        "author": r.author,
        "school_id": r.school_id,
        "school_name": r.school.name,
        "status": r.status,
        "scope": r.scope,
        "mime": r.mime,
        "size": r.size,
        "sha256": r.sha256,
        "external_url": r.external_url,
        "download_url": f"/api/v1/resources/{r.pk}/download" if r.file else None,
        "published_at": r.published_at,
        "view_count": r.view_count,
        "download_count": r.download_count,
        "rating": r.rating,
        "rating_count": r.rating_count,
        "updated_at": r.updated_at,
    }


class ResourceFilters(PageParams):
    q: str = Field("", max_length=200, description="Words, with or without diacritics.")
    subject_id: int | None = None
    grade: int | None = Field(None, ge=1, le=12)
    type: ResourceType | None = None
    topic_id: int | None = None
    language: Language | None = None
    updated_since: dt.datetime | None = Field(
        None, description="Harvest: only resources changed since (then ordered by updated_at)."
    )


@router.get(
    "/resources",
    response={200: ResourcePage, **ERRORS},
    summary="Search published resources (ranked) or harvest their metadata",
)
def search_resources(request, filters: Query[ResourceFilters]):
    qs = selectors.resource_search(
        actor=request.user,
        q="" if filters.updated_since else filters.q,
        subject_id=filters.subject_id,
        grade=filters.grade,
        type=filters.type,
        topic_id=filters.topic_id,
        language=filters.language,
    )
    if filters.updated_since:
        qs = qs.filter(updated_at__gt=filters.updated_since).order_by("updated_at", "id")
    qs = qs.prefetch_related("topics", "outcomes")
    return paginate(qs, filters, render_resource)


@router.get(
    "/resources/{resource_id}",
    response={200: ResourceOut, **ERRORS},
    summary="One resource's metadata",
)
def get_resource(request, resource_id: int):
    return render_resource(selectors.resource_get(actor=request.user, resource_id=resource_id))


class ResourceIn(Schema):
    title: str = Field(..., max_length=300)
    type: ResourceType
    subject_id: int
    grade: int = Field(..., ge=1, le=12)
    licence: Licence
    author: str = Field(..., max_length=200)
    description: str = ""
    body: str = ""
    language: Language = Language.VIETNAMESE
    topic_ids: list[int] = Field(default_factory=list)
    outcome_ids: list[int] = Field(default_factory=list)
    external_url: str = ""


class _Hashed:
    """What `core.idempotency` reads of a request, for a multipart upload whose raw body
    Django no longer holds: the metadata JSON and the file's SHA-256 stand for the body."""

    def __init__(self, request, body: bytes):
        self.headers, self.path, self.method, self.body = (
            request.headers,
            request.path,
            request.method,
            body,
        )


def _metadata(raw: str) -> ResourceIn:
    try:
        return ResourceIn.model_validate(json.loads(raw or "{}"))
    except (ValueError, ValidationError) as exc:
        raise DomainError(
            "content.metadata",
            _("Trường metadata phải là JSON hợp lệ của học liệu: %(e)s") % {"e": str(exc)[:300]},
            field="metadata",
        ) from None


def _write_multipart(request, metadata: str, file, write, status: int = 201):
    """Run `write(data, upload)` once per Idempotency-Key (the key covers the metadata and
    the file's SHA-256) and answer with the resource as the caller sees it."""
    data = _metadata(metadata)
    digest = hashlib.sha256()
    if file is not None:
        for chunk in file.chunks():
            digest.update(chunk)
        file.seek(0)
    body = json.dumps(
        {"metadata": data.model_dump(), "file": digest.hexdigest() if file else None},
        sort_keys=True,
    ).encode()

    def run() -> dict:
        with api_fields(
            {"topics": "topic_ids", "outcomes": "outcome_ids", "subject": "subject_id"}
        ):
            r = write(
                services.ResourceData(**data.model_dump()),
                services.Upload(file=file, size=file.size, name=file.name)
                if file is not None
                else None,
            )
            return json_body(
                ResourceOut,
                render_resource(selectors.resource_get(actor=request.user, resource_id=r.pk)),
            )

    return idempotent(_Hashed(request, body), actor_key=actor_key(request), run=run, status=status)


@router.post(
    "/resources",
    response={201: ResourceOut, **ERRORS},
    summary="Upload a resource (multipart: metadata JSON + file); it waits for review",
    openapi_extra=IDEMPOTENT,
)
def upload_resource(request, metadata: Form[str], file: UploadedFile | None = OPTIONAL_FILE):
    return _write_multipart(
        request,
        metadata,
        file,
        lambda data, upload: services.resource_create(actor=request.user, data=data, upload=upload),
    )


@router.post(
    "/resources/{resource_id}/resubmit",
    response={200: ResourceOut, **ERRORS},
    summary="The uploader corrects a returned (or still submitted) resource and sends it "
    "back to review (multipart: the full metadata JSON, and a file to replace the old one)",
    description="Only the uploader (403 for anyone else who can see it); a reviewed or "
    "published resource cannot be edited (409).",
    openapi_extra=IDEMPOTENT,
)
def resubmit_resource(
    request, resource_id: int, metadata: Form[str], file: UploadedFile | None = OPTIONAL_FILE
):
    r = selectors.resource_get(actor=request.user, resource_id=resource_id)
    return _write_multipart(
        request,
        metadata,
        file,
        lambda data, upload: services.resource_update(
            actor=request.user, resource=r, data=data, upload=upload
        ),
        status=200,
    )


@router.get(
    "/resources/{resource_id}/download",
    response={200: None, **ERRORS},
    summary="Download a resource's file (counted)",
)
def download_resource(request, resource_id: int):
    r = selectors.resource_get(actor=request.user, resource_id=resource_id)
    if not r.file:
        raise DomainError("content.no_file", _("Học liệu này không có tệp."), field="resource")
    services.resource_downloaded(r)
    response = FileResponse(
        r.file.open("rb"), as_attachment=True, filename=r.file_name, content_type=r.mime
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class ReviewIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)


class PublishIn(Schema):
    scope: PublishScope
    comment: str = Field("", max_length=2000)


@router.post(
    "/resources/{resource_id}/review",
    response={200: ResourceOut, **ERRORS},
    summary="A reviewer accepts a submitted resource or returns it with comments",
    openapi_extra=IDEMPOTENT,
)
def review_resource(request, resource_id: int, payload: ReviewIn):
    r = selectors.resource_get(actor=request.user, resource_id=resource_id)

    def run() -> dict:
        services.resource_review(
            actor=request.user, resource=r, approve=payload.approve, comment=payload.comment
        )
        return json_body(ResourceOut, render_resource(r))

    return idempotent(request, actor_key=actor_key(request), run=run, status=200)


@router.post(
    "/resources/{resource_id}/publish",
    response={200: ResourceOut, **ERRORS},
    summary="Publish a reviewed resource at school, commune or province scope",
    openapi_extra=IDEMPOTENT,
)
def publish_resource(request, resource_id: int, payload: PublishIn):
    r = selectors.resource_get(actor=request.user, resource_id=resource_id)

    def run() -> dict:
        services.resource_publish(
            actor=request.user, resource=r, scope=payload.scope, comment=payload.comment
        )
        return json_body(ResourceOut, render_resource(r))

    return idempotent(request, actor_key=actor_key(request), run=run, status=200)


class RatingIn(Schema):
    stars: int = Field(..., ge=1, le=5)


@router.post(
    "/resources/{resource_id}/ratings",
    response={200: ResourceOut, **ERRORS},
    summary="Rate a published resource (1–5 stars; again to change)",
)
def rate_resource(request, resource_id: int, payload: RatingIn):
    r = selectors.resource_get(actor=request.user, resource_id=resource_id)
    services.resource_rate(actor=request.user, resource=r, stars=payload.stars)
    return render_resource(r)


class CommentIn(Schema):
    text: str = Field(..., max_length=2000)


class CommentOut(Schema):
    id: int
    text: str
    created_at: dt.datetime


@router.post(
    "/resources/{resource_id}/comments",
    response={201: CommentOut, **ERRORS},
    summary="Comment on a published resource",
    openapi_extra=IDEMPOTENT,
)
def comment_resource(request, resource_id: int, payload: CommentIn):
    r = selectors.resource_get(actor=request.user, resource_id=resource_id)

    def create() -> dict:
        c = services.resource_comment(actor=request.user, resource=r, text=payload.text)
        return {"id": c.pk, "text": c.text, "created_at": c.created_at}

    return create_response(request, CommentOut, create, {})


# --- coverage (T05) --------------------------------------------------------------------------


class UncoveredOut(Schema):
    id: int
    code: str
    title: str
    periods: int


class CoverageRowOut(Schema):
    grade: int
    subject_id: int
    subject_code: str
    subject_name: str
    periods: int
    covered: int
    ratio: float
    topics: int
    uncovered_topics: list[UncoveredOut]


class CoverageOut(Schema):
    unit_id: int
    periods: int
    covered: int
    ratio: float
    rows: list[CoverageRowOut]


class CoverageFilters(Schema):
    unit_id: int
    grade: int | None = Field(None, ge=1, le=12)
    subject_id: int | None = None


@router.get(
    "/content/coverage",
    response={200: CoverageOut, **ERRORS},
    summary="T05: curriculum periods covered by published resources, with uncovered topics",
)
def get_coverage(request, filters: Query[CoverageFilters]):
    unit = selectors.coverage_unit_get(actor=request.user, unit_id=filters.unit_id)
    c = coverage_mod.coverage(
        unit=unit,
        grades=[filters.grade] if filters.grade else None,
        subject_id=filters.subject_id,
    )
    return {
        "unit_id": c.unit_id,
        "periods": c.periods,
        "covered": c.covered,
        "ratio": round(c.ratio, 4),
        "rows": [
            {
                "grade": r.grade,
                "subject_id": r.subject_id,
                "subject_code": r.subject_code,
                "subject_name": r.subject_name,
                "periods": r.periods,
                "covered": r.covered,
                "ratio": round(r.ratio, 4),
                "topics": r.topics,
                "uncovered_topics": r.uncovered_topics,
            }
            for r in c.rows
        ],
    }
