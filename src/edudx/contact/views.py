"""Contact-book pages (/contact/): thin — parse, call a scoped selector or a service,
render. A student or thread outside the reader's scope is a 404; an action the reader may
not take (messaging the guardian of another class) is refused with its reason."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edudx.accounts.models import User
from edudx.core.api_errors import Forbidden
from edudx.core.errors import (
    DomainError,
    DomainErrors,
    NotFound,
    field_messages,
    first_invalid,
    form_errors,
)
from edudx.core.params import int_param
from edudx.org.models import ClassGroup, Grade, OrgUnit
from edudx.people.models import Student
from edudx.records.selectors import roster

from . import selectors, services, throttle
from .models import Audience, FeedbackKind, FeedbackStatus


def _day(value) -> dt.date | None:
    if not value:
        return None
    try:
        return parse_date(value) or dt.datetime.strptime(value, "%d/%m/%Y").date()  # noqa: DTZ007
    except ValueError:
        return None


def _errors(request, exc: DomainError) -> None:
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    for i in items:
        messages.error(request, i["message"])


def _refused(request, exc: DomainError):
    """403 with the reason in words (Django's default 403 page says only "Forbidden")."""
    response = render(
        request, "contact/refused.html", {"reason": str(exc), "rendered_at": timezone.now()}
    )
    response.status_code = 403
    return response


def _page(request, template: str, context: dict):
    """Contact-book pages carry the time they were rendered: offline, the service worker
    shows this copy and the page says how old it is."""
    context.setdefault("rendered_at", timezone.now())
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def home_view(request):
    user = request.user
    kids = selectors.children(user)
    cards = []
    for s in kids:
        notices = list(selectors.notice_list(user, student=s)[:3])
        cards.append(
            {
                "student": s,
                "notices": notices,
                "unread": sum(1 for n in notices if not n.read_by_me),
            }
        )
    scope = selectors.scope_of(user)
    classes = []
    if scope.class_ids:
        classes = list(
            ClassGroup.objects.filter(pk__in=scope.class_ids)
            .select_related("school", "school_year")
            .order_by("-school_year__start_date", "name")
        )
    context = {
        "cards": cards,
        "classes": classes,
        "threads": list(selectors.threads(user)[:10]),
        "notices": [] if kids else list(selectors.notice_list(user)[:10]),
        "may_post": bool(scope.class_ids) or bool(selectors.staff_paths(user)),
        "feedback_officer": bool(selectors.staff_paths(user, selectors.OFFICER_ROLES)),
    }
    return _page(request, "contact/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def student_view(request, student_id: int):
    user = request.user
    try:
        book = selectors.contact_book(actor=user, student_id=student_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    student = book["student"]
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "leave":
                if not book["is_guardian"]:
                    raise PermissionDenied(_("Chỉ phụ huynh của học sinh gửi được đơn xin nghỉ."))
                from_date, to_date = (
                    _day(request.POST.get("from_date")),
                    _day(request.POST.get("to_date")),
                )
                if from_date is None or to_date is None:
                    raise DomainError(
                        "leave.dates", _("Hãy nhập ngày nghỉ (dd/mm/yyyy)."), field="from_date"
                    )
                services.leave_request(
                    actor=user,
                    student=student,
                    from_date=from_date,
                    to_date=to_date,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Đã gửi đơn xin nghỉ cho giáo viên chủ nhiệm."))
            elif action == "comment":
                services.comment_add(actor=user, student=student, body=request.POST.get("body", ""))
                messages.success(request, _("Đã lưu nhận xét."))
            return redirect("contact:student", student_id=student.pk)
        except Forbidden as exc:
            return _refused(request, exc)
        except DomainError as exc:
            _errors(request, exc)
            return _student_page(request, book, sent=request.POST, exc=exc)
    return _student_page(request, book)


# The student page's forms: their fields as the page labels them.
STUDENT_FORMS = {
    "comment": {"body": gettext_lazy("Nhận xét")},
    "leave": {
        "from_date": gettext_lazy("Từ ngày"),
        "to_date": gettext_lazy("Đến ngày"),
        "reason": gettext_lazy("Lý do"),
    },
    "message": {"body": gettext_lazy("Tin nhắn"), "to": gettext_lazy("Gửi cho")},
}


def _student_page(request, book: dict, sent=None, exc: DomainError | None = None):
    """The contact book of a student; `sent` is a refused form's POST, shown again as typed
    (400) in the form it came from (its `action`: comment, leave or message), with `exc`'s
    errors under their fields and the first of them focused."""
    if book["teaches"]:
        book["guardians"] = selectors.guardians_of(book["student"])
    else:
        book["guardians"] = []
    errors, focus = {}, ""
    if sent is not None and exc is not None:
        action = sent.get("action", "")
        errors, focus = form_errors(exc, action, STUDENT_FORMS.get(action, {}))
    response = _page(
        request,
        "contact/student.html",
        {**book, "sent": sent or {}, "errors": errors, "focus": focus},
    )
    if sent is not None:
        response.status_code = 400
    return response


# --- notices -------------------------------------------------------------------------------


@login_required
def notices_view(request):
    page = Paginator(selectors.notice_list(request.user), 20).get_page(request.GET.get("page"))
    return _page(request, "contact/notices.html", {"page": page})


@login_required
def notice_view(request, notice_id: int):
    try:
        notice = selectors.notice_get(actor=request.user, notice_id=notice_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    services.notice_mark_read(actor=request.user, notice=notice)
    receipts = None
    if selectors.may_see_receipts(request.user, notice):
        receipts = selectors.notice_receipts(actor=request.user, notice_id=notice.pk)
    return _page(request, "contact/notice.html", {"notice": notice, "receipts": receipts})


@login_required
@require_http_methods(["GET", "POST"])
def notice_new_view(request):
    user = request.user
    targets = selectors.notice_targets(actor=user)
    if not (targets["classes"] or targets["schools"]):
        raise PermissionDenied(_("Bạn không có lớp hay trường nào để gửi thông báo."))
    form, errors = {}, {}
    if request.method == "POST":
        form = request.POST
        audience = form.get("audience", "")
        try:
            cls = school = grade = None
            if audience == Audience.CLASS:
                cls = (
                    ClassGroup.objects.select_related("school", "school_year")
                    .filter(pk=int_param(form.get("class_id")) or 0)
                    .first()
                )
            else:
                school = OrgUnit.objects.filter(pk=int_param(form.get("school_id")) or 0).first()
                grade = Grade.objects.filter(number=int_param(form.get("grade")) or 0).first()
            notice = services.notice_post(
                actor=user,
                audience=audience,
                title=form.get("title", ""),
                body=form.get("body", ""),
                class_group=cls,
                school=school,
                grade=grade,
            )
            messages.success(request, _("Đã gửi thông báo."))
            return redirect("contact:notice", notice_id=notice.pk)
        except DomainError as exc:
            _errors(request, exc)  # and below: the form as typed, each error at its field
            errors = field_messages(exc, NOTICE_LABELS)
    response = _page(
        request,
        "contact/notice_new.html",
        {
            **targets,
            "form": form,
            "audiences": Audience.choices,
            "errors": errors,
            "focus": first_invalid(errors, NOTICE_LABELS),
        },
    )
    if errors:
        response.status_code = 400
    return response


# The notice form's fields, top to bottom, as the page labels them.
NOTICE_LABELS = {
    "audience": gettext_lazy("Gửi cho"),
    "class_id": gettext_lazy("Lớp"),
    "school_id": gettext_lazy("Trường"),
    "grade": gettext_lazy("Khối"),
    "title": gettext_lazy("Tiêu đề"),
    "body": gettext_lazy("Nội dung"),
}


# --- messages -------------------------------------------------------------------------------


@login_required
def threads_view(request):
    page = Paginator(selectors.threads(request.user), 30).get_page(request.GET.get("page"))
    return _page(request, "contact/threads.html", {"threads": page})


@login_required
@require_http_methods(["GET", "POST"])
def thread_view(request, thread_id: int):
    try:
        thread = selectors.thread_get(actor=request.user, thread_id=thread_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    refused = None
    if request.method == "POST":
        try:
            services.message_send(
                actor=request.user, thread=thread, body=request.POST.get("body", "")
            )
            return redirect("contact:thread", thread_id=thread.pk)
        except Forbidden as exc:
            return _refused(request, exc)
        except DomainError as exc:
            _errors(request, exc)  # the page again, the reply as typed (400)
            refused = request.POST.get("body", "")
    services.thread_mark_read(actor=request.user, thread=thread)
    msgs = list(thread.messages.select_related("sender__person"))
    response = _page(
        request, "contact/thread.html", {"thread": thread, "msgs": msgs, "body": refused}
    )
    if refused is not None:
        response.status_code = 400
    return response


@login_required
@require_POST
def thread_start_view(request):
    """Start (or reopen) a conversation about a student with one of their teachers (as a
    guardian) or guardians (as a teacher), then send the first message."""
    user = request.user
    # Unscoped on purpose: a teacher of another class is refused with its reason (403).
    student = (
        Student.objects.select_related("person", "current_school")
        .filter(pk=int_param(request.POST.get("student")) or 0)
        .first()
    )
    if student is None:
        raise Http404(_("Không tìm thấy học sinh."))
    other = User.objects.filter(pk=int_param(request.POST.get("to")) or 0).first()
    try:
        with transaction.atomic():  # a refused first message opens no conversation
            thread = services.thread_open(actor=user, student=student, other=other)
            if request.POST.get("body", "").strip():
                services.message_send(actor=user, thread=thread, body=request.POST["body"])
    except Forbidden as exc:
        return _refused(request, exc)
    except DomainError as exc:
        _errors(request, exc)
        try:
            book = selectors.contact_book(actor=user, student_id=student.pk)
        except NotFound:
            return redirect("contact:student", student_id=student.pk)
        sent = {**request.POST.dict(), "action": "message"}
        return _student_page(request, book, sent=sent, exc=exc)
    return redirect("contact:thread", thread_id=thread.pk)


# --- classes (teachers) ---------------------------------------------------------------------


@login_required
def class_view(request, class_id: int):
    from edudx.records.selectors import class_get  # noqa: PLC0415

    try:
        cls = class_get(actor=request.user, class_id=class_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return _page(request, "contact/class.html", {"cls": cls, "students": list(roster(cls))})


# --- feedback -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def feedback_new_view(request):
    form = {}
    units = []
    q = request.GET.get("q", "")
    if q:
        units = list(selectors.feedback_units(q))
    unit = OrgUnit.objects.filter(
        pk=int_param(request.GET.get("unit") or request.POST.get("unit")) or 0
    ).first()
    if request.method == "POST":
        form = request.POST
        try:
            if unit is None:
                raise DomainError(
                    "feedback.unit", _("Hãy chọn trường hoặc cơ quan nhận phản hồi."), field="unit"
                )
            throttle.feedback_allowed(request)
            fb = services.feedback_submit(
                actor=request.user,
                unit=unit,
                kind=form.get("kind", ""),
                subject=form.get("subject", ""),
                body=form.get("body", ""),
                sender_name=form.get("name", ""),
                phone=form.get("phone", ""),
                email=form.get("email", ""),
            )
            return _page(request, "contact/feedback_sent.html", {"fb": fb})
        except DomainError as exc:
            _errors(request, exc)
    return _page(
        request,
        "contact/feedback_new.html",
        {"form": form, "units": units, "unit": unit, "q": q, "kinds": FeedbackKind.choices},
    )


@require_http_methods(["GET", "POST"])
def feedback_track_view(request):
    """The sender's view: by account (?id=) or by tracking code and phone."""
    data = request.POST if request.method == "POST" else request.GET
    code, phone = data.get("code", ""), data.get("phone", "")
    fb = None
    mine = list(selectors.feedback_mine(actor=request.user)[:50])
    try:
        if int_param(data.get("id")):
            fb = selectors.feedback_sender_get(
                actor=request.user, feedback_id=int_param(data.get("id"))
            )
        elif code and phone:
            fb = selectors.feedback_track(code=code, phone=phone)
    except NotFound as exc:
        messages.error(request, str(exc))
    if fb is not None and request.method == "POST" and data.get("action") == "rate":
        try:
            services.feedback_rate(
                feedback=fb,
                rating=int_param(data.get("rating")) or 0,
                comment=data.get("comment", ""),
            )
            messages.success(request, _("Cảm ơn bạn đã đánh giá."))
        except DomainError as exc:
            _errors(request, exc)
        fb.refresh_from_db()
    return _page(
        request,
        "contact/feedback_track.html",
        {"fb": fb, "mine": mine, "code": code, "phone": phone, "ratings": [5, 4, 3, 2, 1]},
    )


@login_required
def feedback_inbox_view(request):
    overdue = request.GET.get("overdue") == "1"
    status = request.GET.get("status") or None
    qs = selectors.feedback_inbox(actor=request.user, status=status, overdue=overdue)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"fb": f, "overdue": selectors.is_overdue(f, now)} for f in page.object_list]
    return _page(
        request,
        "contact/feedback_inbox.html",
        {
            "page": page,
            "rows": rows,
            "overdue": overdue,
            "status": status,
            "statuses": FeedbackStatus.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_handle_view(request, feedback_id: int):
    try:
        fb = selectors.feedback_get_officer(actor=request.user, feedback_id=feedback_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST":
        try:
            if request.POST.get("action") == "start":
                services.feedback_start(actor=request.user, feedback=fb)
            else:
                services.feedback_answer(
                    actor=request.user, feedback=fb, answer=request.POST.get("answer", "")
                )
                messages.success(request, _("Đã gửi trả lời."))
            return redirect("contact:feedback_handle", feedback_id=fb.pk)
        except DomainError as exc:
            # The answer as typed (400), its error under it (decision 30): an answer
            # written while a colleague answered first is not lost.
            _errors(request, exc)
            fb.refresh_from_db()
            errors = field_messages(exc, {"answer": gettext_lazy("Trả lời")})
            response = _page(
                request,
                "contact/feedback_handle.html",
                {
                    "fb": fb,
                    "overdue": selectors.is_overdue(fb),
                    "answer": request.POST.get("answer", ""),
                    "errors": errors,
                    "focus": first_invalid(errors, ["answer"]),
                },
            )
            response.status_code = 400
            return response
    return _page(
        request, "contact/feedback_handle.html", {"fb": fb, "overdue": selectors.is_overdue(fb)}
    )


SETTINGS_LABELS = {
    "quiet_from": gettext_lazy("Giờ yên lặng từ"),
    "quiet_to": gettext_lazy("Giờ yên lặng đến"),
    "feedback_response_hours": gettext_lazy("Thời hạn trả lời phản hồi"),
}


def _time(value) -> dt.time | None:
    """A time typed as hh:mm (or hh:mm:ss); None if it is not one."""
    try:
        return dt.time.fromisoformat((value or "").strip())
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    """Quiet hours and feedback response time of the units the actor runs. A refused form
    comes back with the values as typed and each error under its field (decision 30)."""
    user = request.user
    paths = selectors.staff_paths(user, selectors.OFFICER_ROLES)
    unit_ids = [int(p[-7:]) for p in paths]
    units = list(OrgUnit.objects.filter(pk__in=unit_ids).order_by("path"))
    if not units:
        raise PermissionDenied(_("Bạn không quản lý đơn vị nào."))
    errors, focus, sent = {}, "", None
    if request.method == "POST":
        unit = next((u for u in units if u.pk == int_param(request.POST.get("unit"))), None)
        if unit is None:
            messages.error(request, _("Hãy chọn đơn vị."))
            return redirect("contact:settings")
        try:
            services.unit_settings_update(
                actor=user,
                unit=unit,
                quiet_from=_time(request.POST.get("quiet_from")),
                quiet_to=_time(request.POST.get("quiet_to")),
                feedback_response_hours=int_param(request.POST.get("hours")) or 0,
            )
        except DomainError as exc:
            errors, focus = form_errors(
                exc, f"u{unit.pk}", SETTINGS_LABELS, names={"feedback_response_hours": "hours"}
            )
            sent = {"unit": unit.pk, **{n: request.POST.get(n, "") for n in SETTINGS_FIELDS}}
        else:
            messages.success(request, _("Đã lưu cài đặt."))
            return redirect("contact:settings")
    rows = [{"unit": u, "settings": selectors.unit_settings(u), "form": f"u{u.pk}"} for u in units]
    response = _page(
        request,
        "contact/settings.html",
        {"rows": rows, "errors": errors, "focus": focus, "sent": sent},
    )
    if sent is not None:
        response.status_code = 400
    return response


SETTINGS_FIELDS = ("quiet_from", "quiet_to", "hours")


# --- PWA ------------------------------------------------------------------------------------


@require_GET
@never_cache
def service_worker_view(request):
    """The service worker, served from /contact/ so that its scope covers the contact book
    (a script under /static/ could only control /static/)."""
    path = settings.BASE_DIR / "contact" / "static" / "contact" / "sw.js"
    body = path.read_text(encoding="utf-8").replace("__VERSION__", str(int(path.stat().st_mtime)))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/contact/"
    return response


@require_GET
def manifest_view(request):
    import json  # noqa: PLC0415

    data = {
        "name": _("Sổ liên lạc điện tử EduDX"),
        "short_name": _("Sổ liên lạc"),
        "start_url": "/contact/",
        "scope": "/contact/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f8a",
        "lang": "vi",
        "icons": [
            {"src": static("contact/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("contact/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("edudx/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )
