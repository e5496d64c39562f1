"""Repository pages: search, upload, a resource with its preview, moderation, curriculum
browsing and T05 coverage. Thin: parse, call a scoped selector or a service, render.

Files are served from our origin only after the selector's scope check. PDF, image, audio
and video previews embed our own URL (`resource_file`, framed by our pages only). HTML5
simulation packages are served from a separate path (`/content/sim/<signed token>/…`)
with the CSP `sandbox allow-scripts` header: the page runs in an opaque origin, so its
scripts cannot read our cookies, call our API with the session, or reach the parent page.
The path carries a short-lived signed token instead of the session, so nothing in it
depends on who is signed in."""

from functools import wraps
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from edudx.core.api_errors import Forbidden
from edudx.core.errors import (
    Conflict,
    DomainError,
    DomainErrors,
    field_messages,
    first_invalid,
    form_errors,
)
from edudx.core.params import int_param
from edudx.records.models import CurriculumSubject, Subject

from . import coverage as coverage_mod
from . import files, selectors, services
from .models import (
    Language,
    Licence,
    PublishScope,
    Resource,
    ResourceStatus,
    ResourceType,
    ReviewAction,
)

SIM_SALT = "content.sim"
SIM_MAX_AGE = 3600
SIM_CSP = (
    "sandbox allow-scripts allow-forms allow-popups; default-src 'self' data: blob: "
    "'unsafe-inline' 'unsafe-eval'; connect-src 'none'; frame-ancestors 'self'; form-action 'none'"
)
PREVIEW_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; frame-ancestors 'self'"


def _errors(request, exc: DomainError) -> None:
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    for i in items:
        messages.error(request, i["message"])


def _choices() -> dict:
    return {
        "types": ResourceType.choices,
        "languages": Language.choices,
        "licences": Licence.choices,
        "grades": range(1, 13),
        "scopes": PublishScope.choices,
    }


def search_view(request):
    """The repository: what the reader may see; without signing in, the public resources."""
    g = request.GET
    grade = int_param(g.get("grade"))
    subject_id = int_param(g.get("subject"))
    filters = {
        "q": (g.get("q") or "").strip()[:200],
        "grade": grade,
        "subject_id": subject_id,
        "type": g.get("type") if g.get("type") in ResourceType.values else None,
        "topic_id": int_param(g.get("topic")),
    }
    qs = selectors.resource_search(actor=request.user, **filters)
    page = Paginator(qs, 20).get_page(g.get("page"))
    subjects = (
        [c.subject for c in selectors.subjects_of_grade(grade)]
        if grade
        else list(Subject.objects.all())
    )
    topics = list(selectors.topics_of(subject_id, grade)) if grade and subject_id else []
    return render(
        request,
        "content/search.html",
        {
            "page": page,
            "filters": filters,
            "subjects": subjects,
            "topics": topics,
            "searched": any(v for v in filters.values()),
            **_choices(),
        },
    )


def _form_data(post) -> services.ResourceData:
    return services.ResourceData(
        title=post.get("title", ""),
        type=post.get("type", ""),
        subject_id=int_param(post.get("subject")) or 0,
        grade=int_param(post.get("grade")) or 0,
        licence=post.get("licence", ""),
        author=post.get("author", ""),
        description=post.get("description", ""),
        body=post.get("body", ""),
        language=post.get("language") or Language.VIETNAMESE,
        topic_ids=[i for i in (int_param(x) for x in post.getlist("topics")) if i],
        outcome_ids=[i for i in (int_param(x) for x in post.getlist("outcomes")) if i],
        external_url=post.get("external_url", ""),
    )


# The resource form's fields, named in its error messages.
RESOURCE_FIELDS = {
    "title": _lazy("Tiêu đề"),
    "author": _lazy("Tác giả"),
    "type": _lazy("Loại học liệu"),
    "language": _lazy("Ngôn ngữ"),
    "licence": _lazy("Giấy phép"),
    "subject": _lazy("Môn học"),
    "grade": _lazy("Khối"),
    "topics": _lazy("Chủ đề"),
    "outcomes": _lazy("Yêu cầu cần đạt"),
    "external_url": _lazy("Địa chỉ kho học liệu ngoài"),
    "file": _lazy("Tệp"),
}
# The resource form's fields top to bottom (content/_resource_fields.html): the first one
# in error is focused.
FORM_ORDER = (
    "grade", "subject", "title", "type", "file", "external_url", "language", "licence", "author",
)  # fmt: skip


def _save(request, save) -> tuple[Resource | None, dict[str, list[str]]]:
    """Run `save(data, upload)` on the posted form; on bad input, the errors by field (each
    flashed too, led by the field's label)."""
    f = request.FILES.get("file")
    try:
        r = save(_form_data(request.POST), services.Upload(f, f.size, f.name) if f else None)
    except DomainError as exc:
        errors = field_messages(exc, RESOURCE_FIELDS)
        for text in chain.from_iterable(errors.values()):
            messages.error(request, text)
        return None, errors
    return r, {}


def _form_page(request, template: str, data, **extra):
    """The upload/edit form: the subjects of the chosen grade and the topics (with their
    outcomes) of the chosen subject, to tick."""
    grade = int_param(data.get("grade")) or 6
    subject_id = int_param(data.get("subject"))
    subjects = [
        c.subject for c in CurriculumSubject.objects.filter(grade=grade).select_related("subject")
    ]
    topics = (
        list(selectors.topics_of(subject_id, grade).prefetch_related("outcomes"))
        if subject_id
        else []
    )
    return render(
        request,
        template,
        {
            "form": data,
            "grade": grade,
            "subject_id": subject_id,
            "subjects": subjects,
            "topics": topics,
            "chosen_topics": {int_param(x) for x in data.getlist("topics")},
            "chosen_outcomes": {int_param(x) for x in data.getlist("outcomes")},
            "max_mb": files.MAX_UPLOAD_BYTES // files.MB,
            "errors": {},
            "focus": first_invalid(extra.get("errors") or {}, FORM_ORDER),
            **_choices(),
            **extra,
        },
        status=400 if extra.get("errors") else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload_view(request):
    data = request.POST if request.method == "POST" else request.GET
    errors = {}
    if request.method == "POST" and data.get("action") == "save":
        r, errors = _save(
            request,
            lambda d, upload: services.resource_create(actor=request.user, data=d, upload=upload),
        )
        if r is not None:
            messages.success(request, _("Đã gửi học liệu “%(t)s” chờ duyệt.") % {"t": r.title})
            return redirect("content:detail", resource_id=r.pk)
    return _form_page(request, "content/upload.html", data, errors=errors)


def _as_form(r: Resource) -> QueryDict:
    """A resource's values as the form posts them."""
    data = QueryDict(mutable=True)
    for k in ("title", "type", "licence", "author", "description", "body", "language"):
        data[k] = getattr(r, k)
    data.update(
        {"grade": str(r.grade), "subject": str(r.subject_id), "external_url": r.external_url}
    )
    data.setlist("topics", [str(i) for i in r.topics.values_list("pk", flat=True)])
    data.setlist("outcomes", [str(i) for i in r.outcomes.values_list("pk", flat=True)])
    return data


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request, resource_id: int):
    """The uploader corrects a resource returned with comments (or still waiting for
    review) and sends it back to review. Others: 404 if they cannot see it, else 403."""
    try:
        r = selectors.resource_get(actor=request.user, resource_id=resource_id)
        services.require_editable(request.user, r)
    except Forbidden as exc:
        raise PermissionDenied(exc.item.message) from None
    except Conflict as exc:
        messages.error(request, exc.item.message)
        return redirect("content:detail", resource_id=resource_id)
    except DomainError:
        raise Http404 from None
    data = request.POST if request.method == "POST" else _as_form(r)
    errors = {}
    if request.method == "POST" and data.get("action") == "save":
        saved, errors = _save(
            request,
            lambda d, upload: services.resource_update(
                actor=request.user, resource=r, data=d, upload=upload
            ),
        )
        if saved is not None:
            messages.success(
                request, _("Đã sửa và gửi lại học liệu “%(t)s” chờ duyệt.") % {"t": saved.title}
            )
            return redirect("content:detail", resource_id=r.pk)
    returns = r.reviews.filter(action=ReviewAction.RETURN).select_related("actor__person")
    return _form_page(request, "content/edit.html", data, r=r, errors=errors, returns=list(returns))


def _preview_kind(r) -> str:
    if r.type == ResourceType.SIMULATION and r.entry_page:
        return "simulation"
    if r.mime == files.PDF:
        return "pdf"
    if r.mime in files.IMAGES:
        return "image"
    if r.mime in files.AUDIO:
        return "audio"
    if r.mime in files.VIDEO:
        return "video"
    return ""


def _resource_view(view):
    """Call `view(request, resource)` with the resource the reader may see. One a visitor
    may not see (a link to a school's resource, opened signed out), or a visitor's POST,
    sends them to the login; a signed-in reader gets a 404."""

    @wraps(view)
    def wrapper(request, resource_id: int):
        anonymous = not request.user.is_authenticated
        if anonymous and request.method == "POST":
            return redirect_to_login(request.get_full_path())
        try:
            r = selectors.resource_get(actor=request.user, resource_id=resource_id)
        except DomainError:
            if anonymous:
                return redirect_to_login(request.get_full_path())
            raise Http404 from None
        return view(request, r)

    return wrapper


@require_http_methods(["GET", "POST"])
@_resource_view
def detail_view(request, r: Resource):
    """A resource; a public one also without signing in (reviewing, rating and commenting
    need an account)."""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "review":
                services.resource_review(
                    actor=request.user,
                    resource=r,
                    approve=request.POST.get("decision") == "approve",
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("Đã ghi kết quả thẩm định."))
            elif action == "publish":
                services.resource_publish(
                    actor=request.user, resource=r, scope=request.POST.get("scope", "")
                )
                messages.success(request, _("Đã xuất bản học liệu."))
            elif action == "rate":
                services.resource_rate(
                    actor=request.user, resource=r, stars=int_param(request.POST.get("stars")) or 0
                )
                messages.success(request, _("Cảm ơn bạn đã đánh giá."))
            elif action == "comment":
                services.resource_comment(
                    actor=request.user, resource=r, text=request.POST.get("text", "")
                )
                messages.success(request, _("Đã gửi bình luận."))
        except DomainError as exc:
            # The page again, as typed (400), each error at its field (decision 30): a
            # reviewer's comment is not lost to a scope they may not publish at.
            _errors(request, exc)
            form = action if action in DETAIL_FORMS else "review"
            errors, focus = form_errors(exc, form, DETAIL_FORMS[form])
            sent = {k: request.POST.get(k, "") for k in ("comment", "scope", "stars", "text")}
            return _detail_page(
                request,
                r,
                {"errors": errors, "focus": focus, "sent": {**sent, "form": form}},
                status=400,
            )
        return redirect("content:detail", resource_id=r.pk)
    if r.status == ResourceStatus.PUBLISHED:
        services.resource_viewed(r)
    return _detail_page(request, r, {})


# A resource page's forms and their fields' labels.
DETAIL_FORMS = {
    "review": {"comment": _lazy("Nhận xét")},
    "publish": {"scope": _lazy("Phạm vi xuất bản")},
    "rate": {"stars": _lazy("Số sao")},
    "comment": {"text": _lazy("Bình luận")},
}


def _detail_page(request, r: Resource, extra: dict, status: int = 200):
    kind = _preview_kind(r)
    sim_url = ""
    if kind == "simulation":
        token = signing.dumps(r.pk, salt=SIM_SALT)
        sim_url = reverse("content:sim", kwargs={"token": token, "name": r.entry_page})
    return render(
        request,
        "content/detail.html",
        {
            "r": r,
            "kind": kind,
            "sim_url": sim_url,
            "topics": list(r.topics.all()),
            "outcomes": list(r.outcomes.select_related("topic")),
            "reviews": list(r.reviews.select_related("actor")),
            "comments": list(r.comments.select_related("user")),
            "may_review": selectors.may_review(request.user, r),
            "scopes": PublishScope.choices,
            "stars": [str(n) for n in range(1, 6)],
            **extra,
        },
        status=status,
    )


def _file_response(r, *, attachment: bool) -> FileResponse:
    response = FileResponse(
        r.file.open("rb"), as_attachment=attachment, filename=r.file_name, content_type=r.mime
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PREVIEW_CSP
    return response


@xframe_options_sameorigin
@_resource_view
def file_view(request, r: Resource):
    """The file inline, for the preview frame (PDF) or tag (image, audio, video)."""
    if not r.file or r.type == ResourceType.SIMULATION:
        raise Http404
    return _file_response(r, attachment=False)


@_resource_view
def download_view(request, r: Resource):
    if not r.file:
        raise Http404
    services.resource_downloaded(r)
    return _file_response(r, attachment=True)


@xframe_options_sameorigin
def sim_view(request, token: str, name: str):
    """A file of a simulation package, sandboxed; see the module docstring."""
    try:
        resource_id = signing.loads(token, salt=SIM_SALT, max_age=SIM_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    r = Resource.objects.filter(pk=resource_id, type=ResourceType.SIMULATION).first()
    member = files.zip_member(name)
    if r is None or not r.file or member is None:
        raise Http404
    with r.file.open("rb") as f:
        data = files.zip_read(f, member)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type=files.serve_type(member))
    response["Content-Security-Policy"] = SIM_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, max-age=600"
    return response


@login_required
def review_view(request):
    return render(
        request,
        "content/review.html",
        {
            "queue": Paginator(selectors.review_queue(actor=request.user), 50).get_page(
                request.GET.get("page")
            )
        },
    )


@login_required
def mine_view(request):
    rows = selectors.my_resources(actor=request.user).prefetch_related("reviews")[:200]
    return render(request, "content/mine.html", {"rows": rows})


def curriculum_view(request):
    """The curriculum's topics (public: the Ministry's programme)."""
    grade = int_param(request.GET.get("grade")) or 1
    subject_id = int_param(request.GET.get("subject"))
    return render(
        request,
        "content/curriculum.html",
        {
            "grade": grade,
            "grades": range(1, 13),
            "subject_id": subject_id,
            "subjects": list(selectors.subjects_of_grade(grade)),
            "topics": list(selectors.topic_tree(grade=grade, subject_id=subject_id)),
        },
    )


@login_required
def coverage_view(request):
    units = selectors.coverage_units(actor=request.user)
    unit_id = int_param(request.GET.get("unit")) or (units[0].pk if units else None)
    grade = int_param(request.GET.get("grade"))
    result = None
    if unit_id:
        try:
            unit = selectors.coverage_unit_get(actor=request.user, unit_id=unit_id)
        except DomainError:
            raise Http404 from None
        result = coverage_mod.coverage(unit=unit, grades=[grade] if grade else None)
    return render(
        request,
        "content/coverage.html",
        {
            "units": units,
            "unit_id": unit_id,
            "grade": grade,
            "grades": range(1, 13),
            "result": result,
        },
    )
