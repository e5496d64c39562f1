"""Every write of the repository: upload, metadata, moderation, ratings, comments, counts.

Callers fetch resources through `content.selectors` (which apply the actor's scope) and
pass them in. Moderation: a teacher's upload is `submitted`; a reviewer (a principal or an
officer whose unit covers the resource's school) marks it `reviewed` or returns it with
comments; it is then `published` at the school, its commune or its province — by a
reviewer whose own unit covers that scope unit (a principal publishes in the school, a
commune/district officer in the commune, a province officer in the province). The owner
edits a returned resource and submits it again."""

import hashlib
import logging
import uuid
from dataclasses import dataclass, field

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import UNIT_WIDE_ROLES, RoleAssignment
from edudx.audit.services import audit_record
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, ErrorCollector
from edudx.core.filetypes import PDF
from edudx.core.scope import scope_of
from edudx.core.text import fold
from edudx.org.models import OrgUnit, UnitKind, ancestor_paths
from edudx.people.models import StaffMember
from edudx.records.models import CurriculumSubject, Subject

from . import extract, files, selectors
from .models import (
    OPEN_LICENCES,
    Language,
    Licence,
    Outcome,
    PublishScope,
    Resource,
    ResourceComment,
    ResourceRating,
    ResourceReview,
    ResourceStatus,
    ResourceType,
    ReviewAction,
    Topic,
)

log = logging.getLogger(__name__)

RESOURCE_SUBMITTED = "content.resource_submitted"
RESOURCE_PUBLISHED = "content.resource_published"
NO_FILE_TYPES = {ResourceType.LINK}
OPTIONAL_FILE_TYPES = {ResourceType.QUESTION_SET}


@dataclass
class ResourceData:
    title: str
    type: str
    subject_id: int
    grade: int
    licence: str
    author: str
    description: str = ""
    body: str = ""
    language: str = Language.VIETNAMESE
    topic_ids: list[int] = field(default_factory=list)
    outcome_ids: list[int] = field(default_factory=list)
    external_url: str = ""


@dataclass
class Upload:
    """An uploaded file: a readable binary file object, its size and the client's name."""

    file: object
    size: int
    name: str = ""


def search_fields(r: Resource, topic_titles: list[str]) -> tuple[str, str]:
    text = " ".join(
        x
        for x in (
            r.description,
            r.body,
            r.author,
            " ".join(topic_titles),
            r.file_name,
            r.file_text,
        )
        if x
    )
    return fold(r.title), fold(text)


def search_facets(r: Resource, topic_ids) -> str:
    """The filter tokens of a resource for the SQLite full-text index (content.search)."""
    tokens = [f"j{r.subject_id}", f"g{r.grade}", f"y{r.type}", f"l{r.language}"]
    tokens += [f"t{i}" for i in sorted(topic_ids)]
    if r.status == ResourceStatus.PUBLISHED and r.scope_unit_id:
        tokens += ["pub", f"s{r.scope_unit_id}"]
        tokens += [
            f"a{pk}"
            for pk in OrgUnit.objects.filter(
                path__in=ancestor_paths(r.scope_unit.path)
            ).values_list("pk", flat=True)
        ]
    return " ".join(tokens).replace("-", "_")


def _clean(data: ResourceData) -> tuple[ResourceData, list[Topic], list[Outcome]]:
    """Check every field; all errors at once."""
    errors = ErrorCollector()
    data.title = " ".join((data.title or "").split())
    data.author = " ".join((data.author or "").split())
    if not data.title:
        errors.add("content.title", _("Thiếu tiêu đề."), "title")
    elif len(data.title) > 300:
        errors.add("content.title", _("Tiêu đề dài tối đa 300 ký tự."), "title")
    if not data.author:
        errors.add("content.author", _("Thiếu tác giả."), "author")
    if data.type not in ResourceType.values:
        errors.add("content.type", _("Loại học liệu không hợp lệ."), "type")
    if data.language not in Language.values:
        errors.add("content.language", _("Ngôn ngữ không hợp lệ."), "language")
    if data.licence not in Licence.values:
        errors.add("content.licence", _("Giấy phép không hợp lệ."), "licence")
    subject = Subject.objects.filter(pk=data.subject_id).first()
    if subject is None:
        errors.add("content.subject", _("Không có môn học này."), "subject")
    elif not CurriculumSubject.objects.filter(grade=data.grade, subject=subject).exists():
        errors.add(
            "content.subject_grade",
            _("Môn %(s)s không có trong chương trình khối %(g)s.")
            % {"s": subject.name, "g": data.grade},
            "grade",
        )
    topics = list(Topic.objects.filter(pk__in=set(data.topic_ids or ())).select_related("subject"))
    outcomes = list(
        Outcome.objects.filter(pk__in=set(data.outcome_ids or ())).select_related("topic__subject")
    )
    if len(topics) != len(set(data.topic_ids or ())):
        errors.add("content.topic", _("Có chủ đề không tồn tại."), "topics")
    if len(outcomes) != len(set(data.outcome_ids or ())):
        errors.add("content.outcome", _("Có yêu cầu cần đạt không tồn tại."), "outcomes")
    if subject is not None:
        for t in topics:
            if t.subject_id != subject.pk or t.grade != data.grade:
                errors.add(
                    "content.topic_subject",
                    _("Chủ đề “%(t)s” thuộc môn %(s)s khối %(g)s, không phải môn của học liệu.")
                    % {"t": t.title, "s": t.subject.name, "g": t.grade},
                    "topics",
                )
        for o in outcomes:
            if o.topic.subject_id != subject.pk or o.topic.grade != data.grade:
                errors.add(
                    "content.outcome_subject",
                    _(
                        "Yêu cầu cần đạt %(c)s thuộc môn %(s)s khối %(g)s, không phải môn "
                        "của học liệu."
                    )
                    % {"c": o.code, "s": o.topic.subject.name, "g": o.topic.grade},
                    "outcomes",
                )
    url = (data.external_url or "").strip()
    if data.type == ResourceType.LINK:
        if not url.startswith(("https://", "http://")) or len(url) > 500 or " " in url:
            errors.add(
                "content.external_url",
                _("Liên kết phải là địa chỉ http(s):// hợp lệ."),
                "external_url",
            )
    elif url:
        errors.add(
            "content.external_url",
            _("Chỉ học liệu loại liên kết mới có địa chỉ ngoài."),
            "external_url",
        )
    data.external_url = url
    errors.raise_if_any()
    return data, topics, outcomes


def _school_of(actor) -> OrgUnit:
    """The school an uploader belongs to: their staff post, or a school they manage."""
    scope = scope_of(actor)
    if scope.person_id:
        staff = (
            StaffMember.objects.filter(
                person_id=scope.person_id, end_date__isnull=True, unit__kind=UnitKind.SCHOOL
            )
            .select_related("unit")
            .first()
        )
        if staff is not None:
            return staff.unit
    ra = (
        RoleAssignment.objects.filter(
            user=actor, role__in=UNIT_WIDE_ROLES, unit__kind=UnitKind.SCHOOL
        )
        .select_related("unit")
        .first()
    )
    if ra is not None:
        return ra.unit
    raise Forbidden(
        "content.upload.no_school",
        _("Chỉ giáo viên, cán bộ của một trường mới được đăng học liệu."),
    )


def _store(upload: Upload, resource_type: str) -> dict:
    checked = files.check_upload(upload.file, size=upload.size, resource_type=resource_type)
    # PDF text for search, bounded; an unreadable PDF is still stored, with a note.
    text = extract.pdf_text(upload.file) if checked.mime == PDF else None
    upload.file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.file.read(1 << 20), b""):
        digest.update(chunk)
    upload.file.seek(0)
    # Our own name, never the client's: a uuid and the extension of the sniffed type.
    name = f"content/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{files.EXTENSIONS[checked.mime]}"
    stored = default_storage.save(name, File(upload.file))
    client_name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:255]
    return {
        "file": stored,
        "file_name": client_name or stored.rsplit("/", 1)[-1],
        "mime": checked.mime,
        "size": checked.size,
        "sha256": digest.hexdigest(),
        "entry_page": checked.entry_page,
        "file_text": (text.text or None) if text else None,
        "file_text_error": (text.error or None) if text else None,
    }


def _needs_file(data: ResourceData, upload: Upload | None, has_file: bool) -> None:
    if data.type in NO_FILE_TYPES:
        if upload is not None:
            raise files.bad_upload("link_file", _("Học liệu loại liên kết không kèm tệp."))
        return
    if upload is None and not has_file:
        if data.type in OPTIONAL_FILE_TYPES and (data.body or "").strip():
            return
        raise files.bad_upload("missing", _("Hãy chọn tệp học liệu."))


def resource_create(*, actor, data: ResourceData, upload: Upload | None = None) -> Resource:
    """A teacher (or school manager) uploads a resource; it waits for review."""
    school = _school_of(actor)
    data, topics, outcomes = _clean(data)
    _needs_file(data, upload, False)
    stored = _store(upload, data.type) if upload is not None else {}
    try:
        with transaction.atomic():
            r = Resource(
                title=data.title,
                description=data.description or "",
                body=data.body or "",
                type=data.type,
                subject_id=data.subject_id,
                grade=data.grade,
                language=data.language,
                licence=data.licence,
                author=data.author,
                school=school,
                uploaded_by=actor,
                external_url=data.external_url,
                status=ResourceStatus.SUBMITTED,
                **stored,
            )
            r.search_title, r.search_text = search_fields(r, [t.title for t in topics])
            r.search_facets = search_facets(r, [t.pk for t in topics])
            r.save()
            r.topics.set(topics)
            r.outcomes.set(outcomes)
            ResourceReview.objects.create(resource=r, action=ReviewAction.SUBMIT, actor=actor)
            audit_record(
                actor=actor,
                action="create",
                object_type="content.resource",
                object_id=r.pk,
                object_repr=r.title,
                changes={"status": [None, r.status]},
            )
            events.emit(RESOURCE_SUBMITTED, {"resource": r.pk, "school": school.pk})
    except Exception:
        if stored:
            default_storage.delete(stored["file"])
        raise
    return r


def require_editable(actor, resource: Resource) -> None:
    """Only the uploader edits, and only before review (submitted) or once returned."""
    if resource.uploaded_by_id != getattr(actor, "pk", None):
        raise Forbidden("content.not_owner", _("Chỉ người đăng mới được sửa học liệu."))
    if resource.status not in (ResourceStatus.SUBMITTED, ResourceStatus.RETURNED):
        raise Conflict(
            "content.status",
            _("Học liệu đã thẩm định hoặc đã xuất bản, không sửa được."),
            field="status",
        )


def resource_update(
    *, actor, resource: Resource, data: ResourceData, upload: Upload | None = None
) -> Resource:
    """The owner corrects a submitted or returned resource; it goes back to review."""
    require_editable(actor, resource)
    data, topics, outcomes = _clean(data)
    _needs_file(data, upload, bool(resource.file))
    if upload is None and resource.file and data.type != resource.type:
        f = resource.file.open("rb")
        try:
            files.check_upload(f, size=resource.size, resource_type=data.type)
        finally:
            f.close()
    stored = _store(upload, data.type) if upload is not None else {}
    old_file = resource.file.name if stored and resource.file else None
    with transaction.atomic():
        for k in (
            "title",
            "description",
            "body",
            "type",
            "subject_id",
            "grade",
            "language",
            "licence",
            "author",
            "external_url",
        ):
            setattr(resource, k, getattr(data, k))
        for k, v in stored.items():
            setattr(resource, k, v)
        was = resource.status
        resource.status = ResourceStatus.SUBMITTED
        resource.search_title, resource.search_text = search_fields(
            resource, [t.title for t in topics]
        )
        resource.search_facets = search_facets(resource, [t.pk for t in topics])
        resource.save()
        resource.topics.set(topics)
        resource.outcomes.set(outcomes)
        if was == ResourceStatus.RETURNED:
            ResourceReview.objects.create(
                resource=resource, action=ReviewAction.SUBMIT, actor=actor
            )
        audit_record(
            actor=actor,
            action="update",
            object_type="content.resource",
            object_id=resource.pk,
            object_repr=resource.title,
            changes={"status": [was, resource.status]},
        )
    if old_file:
        transaction.on_commit(lambda: default_storage.delete(old_file))
    return resource


def _require_reviewer(actor, resource: Resource) -> None:
    if not selectors.may_review(actor, resource):
        raise Forbidden(
            "content.review.forbidden",
            _("Bạn không có quyền duyệt học liệu của trường này."),
        )


def _step(actor, resource, action, *, comment="", scope="") -> None:
    ResourceReview.objects.create(
        resource=resource, action=action, actor=actor, comment=comment, scope=scope
    )


def resource_review(*, actor, resource: Resource, approve: bool, comment: str = "") -> Resource:
    """A reviewer accepts a submitted resource (→ reviewed) or returns it with comments."""
    _require_reviewer(actor, resource)
    comment = (comment or "").strip()
    allowed = (
        (ResourceStatus.SUBMITTED,)
        if approve
        else (
            ResourceStatus.SUBMITTED,
            ResourceStatus.REVIEWED,
        )
    )
    if resource.status not in allowed:
        raise Conflict(
            "content.status",
            _("Học liệu đang ở trạng thái “%(s)s”, không thực hiện được bước này.")
            % {"s": resource.get_status_display()},
            field="status",
        )
    if not approve and not comment:
        raise DomainError(
            "content.review.comment", _("Trả lại học liệu phải kèm nhận xét."), field="comment"
        )
    with transaction.atomic():
        was = resource.status
        resource.status = ResourceStatus.REVIEWED if approve else ResourceStatus.RETURNED
        resource.save(update_fields=["status", "updated_at"])
        _step(
            actor,
            resource,
            ReviewAction.REVIEW if approve else ReviewAction.RETURN,
            comment=comment,
        )
        audit_record(
            actor=actor,
            action="update",
            object_type="content.resource",
            object_id=resource.pk,
            object_repr=resource.title,
            changes={"status": [was, resource.status]},
            reason=comment,
        )
    return resource


def scope_unit_for(school: OrgUnit, scope: str) -> OrgUnit:
    """The unit a publication at `scope` covers: the school, its commune, its province (a
    public one is the province's, open to everyone besides)."""
    if scope == PublishScope.SCHOOL:
        return school
    kind = UnitKind.COMMUNE if scope == PublishScope.COMMUNE else UnitKind.PROVINCE
    unit = (
        OrgUnit.objects.filter(kind=kind, path__in=ancestor_paths(school.path))
        .order_by("-depth")
        .first()
    )
    if unit is None:
        raise DomainError(
            "content.publish.scope",
            _("Trường không thuộc %(k)s nào trong cây tổ chức.") % {"k": kind.label},
            field="scope",
        )
    return unit


def resource_publish(*, actor, resource: Resource, scope: str, comment: str = "") -> Resource:
    """Publish a reviewed resource at school, commune or province scope, or to everyone
    (public: the province's, under an open licence); the actor must moderate the whole scope
    unit."""
    if scope not in PublishScope.values:
        raise DomainError(
            "content.publish.scope", _("Phạm vi xuất bản không hợp lệ."), field="scope"
        )
    if scope == PublishScope.PUBLIC and resource.licence not in OPEN_LICENCES:
        raise DomainError(
            "content.publish.licence",
            _(
                "Học liệu công khai cho mọi người cần giấy phép mở (Creative Commons); "
                "học liệu này: %(l)s."
            )
            % {"l": resource.get_licence_display()},
            field="scope",
        )
    _require_reviewer(actor, resource)
    if resource.status != ResourceStatus.REVIEWED:
        raise Conflict(
            "content.status",
            _("Chỉ xuất bản học liệu đã thẩm định (hiện: “%(s)s”).")
            % {"s": resource.get_status_display()},
            field="status",
        )
    unit = scope_unit_for(resource.school, scope)
    if not any(p == "" or unit.path.startswith(p) for p in selectors.reviewer_paths(actor)):
        raise Forbidden(
            "content.publish.forbidden",
            _("Bạn không được xuất bản ở phạm vi “%(s)s” (%(u)s).")
            % {"s": PublishScope(scope).label, "u": unit.name},
            field="scope",
        )
    with transaction.atomic():
        resource.status = ResourceStatus.PUBLISHED
        resource.scope = scope
        resource.scope_unit = unit
        resource.published_at = timezone.now()
        resource.search_facets = search_facets(
            resource, resource.topics.values_list("pk", flat=True)
        )
        fields = ["status", "scope", "scope_unit", "published_at", "search_facets"]
        resource.save(update_fields=[*fields, "updated_at"])
        _step(actor, resource, ReviewAction.PUBLISH, comment=(comment or "").strip(), scope=scope)
        audit_record(
            actor=actor,
            action="update",
            object_type="content.resource",
            object_id=resource.pk,
            object_repr=resource.title,
            changes={
                "status": [ResourceStatus.REVIEWED, ResourceStatus.PUBLISHED],
                "scope": [None, scope],
            },
        )
        events.emit(
            RESOURCE_PUBLISHED,
            {"resource": resource.pk, "scope_unit": unit.pk, "subject": resource.subject_id},
        )
    return resource


def resource_rate(*, actor, resource: Resource, stars: int) -> Resource:
    if resource.status != ResourceStatus.PUBLISHED:
        raise Conflict("content.status", _("Chỉ đánh giá học liệu đã xuất bản."), field="status")
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise DomainError("content.rating", _("Số sao phải từ 1 đến 5."), field="stars")
    with transaction.atomic():
        old = (
            ResourceRating.objects.select_for_update().filter(resource=resource, user=actor).first()
        )
        if old is None:
            ResourceRating.objects.create(resource=resource, user=actor, stars=stars)
            Resource.objects.filter(pk=resource.pk).update(
                rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + stars
            )
        elif old.stars != stars:
            Resource.objects.filter(pk=resource.pk).update(
                rating_sum=F("rating_sum") + stars - old.stars
            )
            old.stars = stars
            old.save(update_fields=["stars", "created_at"])
    resource.refresh_from_db(fields=["rating_count", "rating_sum"])
    return resource


def resource_comment(*, actor, resource: Resource, text: str) -> ResourceComment:
    text = (text or "").strip()
    if not text:
        raise DomainError("content.comment", _("Nội dung bình luận trống."), field="text")
    if len(text) > 2000:
        raise DomainError("content.comment", _("Bình luận dài tối đa 2000 ký tự."), field="text")
    if resource.status != ResourceStatus.PUBLISHED:
        raise Conflict("content.status", _("Chỉ bình luận học liệu đã xuất bản."), field="status")
    return ResourceComment.objects.create(resource=resource, user=actor, text=text)


def resource_viewed(resource: Resource) -> None:
    Resource.objects.filter(pk=resource.pk).update(view_count=F("view_count") + 1)


def resource_downloaded(resource: Resource) -> None:
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
