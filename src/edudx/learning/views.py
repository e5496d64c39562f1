"""Online-class pages, phone first. Thin: parse, call a scoped selector or a service, render;
every form posts back and redirects (post/redirect/get)."""

import datetime as dt
from itertools import chain
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from edudx.content import selectors as content_selectors
from edudx.content.models import ResourceStatus
from edudx.content.services import Upload
from edudx.core.errors import (
    DomainError,
    DomainErrors,
    NotFound,
    field_messages,
    first_invalid,
    form_errors,
)
from edudx.core.params import int_param
from edudx.core.scope import scope_of
from edudx.core.validators import parse_date
from edudx.records import selectors as records_selectors

from . import cartridge, selectors, services, training
from .models import Attachment, CompetenceLevel, CourseEnrolment, TrainingProfile

PAGE_SIZE = 50  # online classes per page


def _errors(request, exc: DomainError) -> None:
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    for i in items:
        messages.error(request, i["message"])


def _upload(f) -> Upload | None:
    return Upload(f, f.size, f.name) if f else None


@login_required
@require_http_methods(["GET", "POST"])
def index_view(request):
    if request.method == "POST":
        try:
            cls = records_selectors.class_get(
                actor=request.user, class_id=int_param(request.POST.get("class")) or 0
            )
            subject = records_selectors.subject_get(
                subject_id=int_param(request.POST.get("subject")) or 0
            )
            oc = services.online_class_create(actor=request.user, class_group=cls, subject=subject)
        except DomainError as exc:
            _errors(request, exc)
            return redirect("learning:index")
        return redirect("learning:class", class_id=oc.pk)
    # A teacher's own online classes first, all of them; the rest (their classes' other
    # subjects, or every class of a school or a province for a manager) searched and paged.
    me = request.user.person_id
    mine = list(selectors.online_classes_taught(actor=request.user))
    q = (request.GET.get("q") or "").strip()[:100]
    others = Paginator(
        selectors.online_class_search(actor=request.user, q=q, exclude_person_id=me), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    openable = []
    teaching = (
        records_selectors.marks_classes(actor=request.user) if request.user.is_staff_role else []
    )
    if teaching:
        existing = selectors.online_class_pairs(
            actor=request.user, class_ids=[row["class"].pk for row in teaching]
        )
        openable = [
            (row["class"], s)
            for row in teaching
            for s in row["subjects"]
            if (row["class"].pk, s.pk) not in existing
        ]
    return render(
        request,
        "learning/index.html",
        {
            "mine": mine,
            "others": others,
            "q": q,
            "openable": openable[:100],
            "show_school": selectors.online_classes_span_schools(actor=request.user),
        },
    )


def _day(value, field: str) -> dt.date | None:
    """A date field: None when left blank; dd/mm/yyyy or ISO, else a DomainError naming the
    field (a well-formed impossible day such as 2026-02-31 included)."""
    value = (value or "").strip()
    return parse_date(value, field=field) if value else None


def _due(post) -> dt.datetime | None:
    day = _day(post.get("due_date"), "due_at")
    if day is None:
        return None
    time = (post.get("due_time") or "23:59").strip()
    try:
        at = dt.time.fromisoformat(time)
    except ValueError:
        raise DomainError(
            "learning.due_time",
            _("Giờ “%(v)s” không đúng dạng giờ:phút (vd. 23:59).") % {"v": time},
            field="due_at",
        ) from None
    return timezone.make_aware(dt.datetime.combine(day, at))


@login_required
@require_http_methods(["GET", "POST"])
def class_view(request, class_id: int):
    try:
        oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    except DomainError:
        raise Http404 from None
    teacher = selectors.is_teacher(request.user, oc)
    sent, status, errors, focus = {}, 200, {}, ""
    if request.method == "POST":
        p = request.POST
        action = p.get("action")
        try:
            if action == "lesson":
                services.lesson_create(
                    actor=request.user,
                    online_class=oc,
                    title=p.get("title", ""),
                    text=p.get("text", ""),
                    resource_ids=[i for i in map(int_param, p.getlist("resources")) if i],
                )
                messages.success(request, _("Đã đăng bài học."))
            elif action == "assignment":
                services.assignment_create(
                    actor=request.user,
                    online_class=oc,
                    title=p.get("title", ""),
                    instructions=p.get("instructions", ""),
                    due_at=_due(p),
                    resource_ids=[i for i in map(int_param, p.getlist("resources")) if i],
                    attachments=[_upload(f) for f in request.FILES.getlist("attachments")],
                )
                messages.success(request, _("Đã giao bài tập."))
            elif action == "live":
                services.live_session_record(
                    actor=request.user,
                    online_class=oc,
                    url=p.get("url", ""),
                    date=_day(p.get("date"), "date"),
                    periods=int_param(p.get("periods")) or 0,
                    attendee_ids=[i for i in map(int_param, p.getlist("attendees")) if i],
                )
                messages.success(request, _("Đã ghi buổi học trực tuyến."))
            elif action == "cartridge":
                f = request.FILES.get("file")
                if f is None:
                    raise DomainError(
                        "learning.cartridge", _("Hãy chọn tệp gói .imscc."), field="file"
                    )
                done = cartridge.import_cartridge(
                    actor=request.user, online_class=oc, data=cartridge.read_upload(f)
                )
                messages.success(
                    request,
                    _("Đã nhập %(n)s bài học và %(r)s học liệu (học liệu chờ duyệt).")
                    % {"n": len(done), "r": sum(len(created) for _l, created in done)},
                )
        except DomainError as exc:
            # The page again, the refused form open with what was typed and ticked.
            _errors(request, exc)
            sent, status = p, 400
            errors, focus = form_errors(exc, action or "", CLASS_FORMS.get(action or "", {}))
        else:
            return redirect("learning:class", class_id=oc.pk)
    assignments = [
        (a, selectors.student_status(request.user, a))
        for a in oc.assignments.prefetch_related("attachments")
    ]
    ticked = [i for i in map(int_param, sent.getlist("resources")) if i] if sent else []
    chosen = list(
        content_selectors.resources(request.user).filter(
            status=ResourceStatus.PUBLISHED, pk__in=ticked
        )
    )
    resources = _picker_found(request.user, oc, exclude=set(ticked)) if teacher else []
    forms = {name: sent if sent.get("action") == name else {} for name in FORMS}
    return render(
        request,
        "learning/class.html",
        {
            "oc": oc,
            "teacher": teacher,
            "lessons": list(selectors.lessons(request.user, oc)),
            "assignments": assignments,
            "sessions": list(oc.live_sessions.prefetch_related("attendees")),
            "roster": list(selectors.roster(oc)) if teacher else [],
            "resources": resources,
            "forms": forms,
            "chosen": chosen,
            "attendees": {str(i) for i in sent.getlist("attendees")} if sent else set(),
            "today": timezone.localdate(),
            "errors": errors,
            "focus": focus,
        },
        status=status,
    )


FORMS = ("assignment", "lesson", "live", "cartridge")  # the class page's teacher forms
# Their fields as the page labels them (a refused form's errors go under them).
CLASS_FORMS = {
    "assignment": {"title": _lazy("Tiêu đề"), "due_at": _lazy("Hạn nộp")},
    "lesson": {"title": _lazy("Tiêu đề")},
    "live": {
        "url": _lazy("Liên kết"),
        "date": _lazy("Ngày"),
        "periods": _lazy("Số tiết"),
        "attendees": _lazy("Học sinh tham dự"),
    },
    "cartridge": {"file": _lazy("Tệp")},
}


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit_view(request, lesson_id: int):
    """The class's teacher corrects a lesson (title, text, resources) or removes it."""
    try:
        lesson = selectors.lesson_get(actor=request.user, lesson_id=lesson_id)
    except DomainError:
        raise Http404 from None
    oc = lesson.online_class
    if not selectors.is_teacher(request.user, oc):
        raise PermissionDenied
    attached = list(selectors.lessons(request.user, oc).get(pk=lesson.pk).resources.all())
    form, status = {"title": lesson.title, "text": lesson.text}, 200
    errors, focus = {}, ""
    if request.method == "POST":
        p = request.POST
        ids = [i for i in map(int_param, p.getlist("resources")) if i]
        try:
            if p.get("action") == "delete":
                services.lesson_delete(actor=request.user, lesson=lesson)
                messages.success(request, _("Đã xoá bài học «%(t)s».") % {"t": lesson.title})
                return redirect("learning:class", class_id=oc.pk)
            services.lesson_update(
                actor=request.user,
                lesson=lesson,
                title=p.get("title", ""),
                text=p.get("text", ""),
                resource_ids=ids,
            )
            messages.success(request, _("Đã lưu bài học."))
            return redirect("learning:class", class_id=oc.pk)
        except DomainError as exc:
            # The page comes back with what was typed and ticked, and why it was refused:
            # each error under its field, the first focused (decision 30).
            errors, focus = form_errors(exc, "lesson", CLASS_FORMS["lesson"])
            for text in chain.from_iterable(errors.values()):
                messages.error(request, text)
            form, status = {"title": p.get("title", ""), "text": p.get("text", "")}, 400
            mine = {r.pk: r for r in attached}
            others = content_selectors.resources(request.user).filter(pk__in=ids)
            mine |= {r.pk: r for r in others}
            attached = [mine[i] for i in dict.fromkeys(ids) if i in mine]
    return render(
        request,
        "learning/lesson_form.html",
        {
            "oc": oc,
            "lesson": lesson,
            "form": form,
            "chosen": attached,
            "resources": _picker_found(request.user, oc, exclude={r.pk for r in attached}),
            "errors": errors,
            "focus": focus,
        },
        status=status,
    )


PICKER_SIZE = 20  # resources a picker lists at a time; the search box finds the others


def _picker_found(actor, oc, *, q: str = "", exclude=frozenset()) -> list:
    """Published resources the actor may see and attach — of the class's subject, or of
    every subject with no class (a training course): the best matches of `q`
    (diacritic-insensitive, content.selectors.resource_search), or the newest; none of
    `exclude` (those already chosen)."""
    subject = oc.subject_id if oc is not None else None
    found = content_selectors.resource_search(actor=actor, q=q, subject_id=subject)
    rows = found[: PICKER_SIZE + len(exclude)]  # newest first, or ranked by the words
    return [r for r in rows if r.pk not in exclude][:PICKER_SIZE]


def _picker_results(request, oc):
    """The picker's results (htmx): resources matching `rq`, without those already chosen
    (`have`), as checkboxes named `resources` for the form around them."""
    have = {i for i in map(int_param, request.GET.getlist("have")) if i}
    q = request.GET.get("rq", "").strip()[:100]
    return render(
        request,
        "learning/_resource_found.html",
        {
            "resources": _picker_found(request.user, oc, q=q, exclude=have),
            "rq": q,
            "all_subjects": oc is None,
        },
    )


@login_required
@require_http_methods(["GET"])
def course_resource_picker_view(request):
    """The training course form's picker: published resources of every subject."""
    if not training.course_provider_units(actor=request.user):
        raise PermissionDenied
    return _picker_results(request, None)


@login_required
@require_http_methods(["GET"])
def resource_picker_view(request, class_id: int):
    """A lesson's or an assignment's picker: the class's subject, for its teacher."""
    try:
        oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    except DomainError:
        raise Http404 from None
    if not selectors.is_teacher(request.user, oc):
        raise PermissionDenied
    return _picker_results(request, oc)


# The assignment page's forms: their fields as the page labels them.
ASSIGNMENT_FORMS = {
    "submit": {"text": _lazy("Bài làm"), "file": _lazy("Tệp")},
    "edit": {
        "title": _lazy("Tiêu đề"),
        "instructions": _lazy("Yêu cầu"),
        "due_at": _lazy("Hạn nộp"),
    },
    "grade": {"score": _lazy("Điểm"), "comment": _lazy("Nhận xét")},
}


@login_required
@require_http_methods(["GET", "POST"])
def assignment_view(request, assignment_id: int):
    try:
        a = selectors.assignment_get(actor=request.user, assignment_id=assignment_id)
    except DomainError:
        raise Http404 from None
    oc = a.online_class
    teacher = selectors.is_teacher(request.user, oc)
    refused: DomainError | None = None
    if request.method == "POST":
        p = request.POST
        action = p.get("action")
        try:
            if action == "submit":
                s = services.submission_submit(
                    actor=request.user,
                    assignment=a,
                    text=p.get("text", ""),
                    upload=_upload(request.FILES.get("file")),
                )
                if s.late:
                    messages.warning(request, _("Đã nộp bài (nộp muộn)."))
                else:
                    messages.success(request, _("Đã nộp bài."))
            elif action == "grade":
                s = selectors.submission_get(
                    actor=request.user, submission_id=int_param(p.get("submission")) or 0
                )
                services.submission_grade(
                    actor=request.user,
                    submission=s,
                    score=p.get("score", ""),
                    comment=p.get("comment", ""),
                )
                messages.success(request, _("Đã chấm bài."))
            elif action == "edit":
                due = _due(p)
                if due is None:
                    raise DomainError("learning.due_at", _("Thiếu hạn nộp."), field="due_at")
                services.assignment_update(
                    actor=request.user,
                    assignment=a,
                    title=p.get("title", ""),
                    instructions=p.get("instructions", ""),
                    due_at=due,
                )
                messages.success(request, _("Đã lưu bài tập."))
            elif action == "gradebook":
                r = services.assignment_send_to_gradebook(
                    actor=request.user,
                    assignment=a,
                    term_number=int_param(p.get("term")) or 1,
                    kind=p.get("kind", ""),
                )
                messages.success(request, _("Đã gửi %(n)s điểm vào sổ điểm.") % {"n": r.sent})
        except DomainError as exc:
            _errors(request, exc)
            refused = exc  # the page again, the form as typed (400)
        if refused is None:
            return redirect("learning:assignment", assignment_id=a.pk)
    subs = list(selectors.submissions(actor=request.user, assignment=a))
    sent = request.POST if refused is not None else {}
    errors, focus = {}, ""
    if refused is not None:
        action = sent.get("action", "")
        errors, focus = form_errors(refused, action, ASSIGNMENT_FORMS.get(action, {}))
    return render(
        request,
        "learning/assignment.html",
        {
            "a": a,
            "oc": oc,
            "teacher": teacher,
            "status": selectors.student_status(request.user, a),
            "submissions": subs,
            "mine": subs[0] if subs and not teacher else None,
            "attachments": list(a.attachments.all()),
            "resources": list(a.resources.all()),
            "kinds": ["tx1", "tx2", "tx3", "tx4"],
            "sent": sent,
            "errors": errors,
            "focus": focus,
        },
        status=400 if refused is not None else 200,
    )


def _serve(f, name: str, mime: str) -> FileResponse:
    response = FileResponse(f.open("rb"), as_attachment=True, filename=name, content_type=mime)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def class_cartridge_view(request, class_id: int):
    """The whole online class as an IMS Common Cartridge 1.3 package."""
    try:
        oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    except DomainError:
        raise Http404 from None
    response = HttpResponse(
        cartridge.export_class(oc, selectors.lessons(request.user, oc)),
        content_type="application/zip",
    )
    response["Content-Disposition"] = f'attachment; filename="class-{oc.pk}.imscc"'
    return response


@login_required
def attachment_view(request, assignment_id: int, attachment_id: int):
    try:
        a = selectors.assignment_get(actor=request.user, assignment_id=assignment_id)
    except DomainError:
        raise Http404 from None
    att = Attachment.objects.filter(assignment=a, pk=attachment_id).first()
    if att is None:
        raise Http404
    return _serve(att.file, att.file_name, att.mime)


@login_required
def submission_file_view(request, submission_id: int):
    try:
        s = selectors.submission_get(actor=request.user, submission_id=submission_id)
    except DomainError:
        raise Http404 from None
    if not s.file:
        raise Http404
    return _serve(s.file, s.file_name, s.mime)


@login_required
@require_http_methods(["GET", "POST"])
def training_view(request):
    """A teacher's professional development: profile, courses, assessment, certificates."""
    refused = False
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "profile":
                training.profile_save(
                    actor=request.user,
                    digital_competence=p.get("digital_competence", ""),
                    goals=p.get("goals", ""),
                )
                messages.success(request, _("Đã lưu hồ sơ bồi dưỡng."))
            elif p.get("action") == "attempt":
                course = training.course_get(
                    actor=request.user, course_id=int_param(p.get("course")) or 0
                )
                e = training.enrol(actor=request.user, course=course)
                answers = [int_param(p.get(f"q{i}")) for i in range(len(course.questions))]
                e = training.attempt(
                    actor=request.user,
                    enrolment=e,
                    answers=[-1 if a is None else a for a in answers],
                )
                if e.completed_at:
                    messages.success(
                        request, _("Đạt %(p)s%%: đã hoàn thành khoá học.") % {"p": e.best_percent}
                    )
                else:
                    messages.warning(
                        request,
                        _("Chưa đạt (%(p)s%%). Hãy ôn lại và làm lại.") % {"p": e.best_percent},
                    )
        except DomainError as exc:
            _errors(request, exc)  # and the page again (400), the profile as typed
            refused = True
        else:
            return redirect("learning:training")
    providers = training.course_provider_units(actor=request.user)
    staff = True
    try:
        courses = list(training.courses_for(actor=request.user).prefetch_related("resources"))
    except DomainError:
        if not providers:  # neither staff nor a manager of a unit
            raise Http404 from None
        courses, staff = [], False
    enrolments = {
        e.course_id: e
        for e in CourseEnrolment.objects.filter(
            staff__person_id=request.user.person_id, course__in=courses
        )
    }
    profile = TrainingProfile.objects.filter(staff__person_id=request.user.person_id).first()
    profile_open = profile is None
    if refused and request.POST.get("action") == "profile":
        profile_open = True
        profile = SimpleNamespace(
            digital_competence=request.POST.get("digital_competence", ""),
            goals=request.POST.get("goals", ""),
        )
    created = list(training.courses_created(actor=request.user)) if providers else []
    everything = scope_of(request.user).everything
    return render(
        request,
        "learning/training.html",
        {
            "rows": [(c, enrolments.get(c.pk)) for c in courses],
            "profile": profile,
            "profile_open": profile_open,
            "levels": CompetenceLevel.choices,
            "staff": staff,
            "may_create": bool(providers),
            "created": created,
            "editable": {
                c.pk
                for c in chain(courses, created)
                if everything or training.provides_for(providers, c.provider)
            },
        },
        status=400 if refused else 200,
    )


# The course form's fields, named in its error messages.
COURSE_FIELDS = {
    "provider": _lazy("Đơn vị tổ chức"),
    "title": _lazy("Tên khoá học"),
    "description": _lazy("Giới thiệu"),
    "pass_percent": _lazy("Ngưỡng đạt (%)"),
    "resources": _lazy("Học liệu"),
    "questions": _lazy("Câu hỏi kiểm tra"),
}
QUESTION_BLOCKS = 5


def _questions(post) -> list[dict]:
    """The filled question blocks, in order (blank ones dropped, so the service's question
    numbers are the numbers shown when the form comes back)."""
    out = []
    for i in range(1, min(int_param(post.get("count")) or QUESTION_BLOCKS, 50) + 1):
        text = (post.get(f"q{i}-text") or "").strip()
        options = [o.strip() for o in (post.get(f"q{i}-options") or "").splitlines() if o.strip()]
        answer = int_param(post.get(f"q{i}-answer"))
        if text or options:
            out.append({"text": text, "options": options, "answer": (answer or 0) - 1})
    return out


@login_required
@require_http_methods(["GET", "POST"])
def course_create_view(request):
    """An officer or principal creates a training course for a unit they manage."""
    units = training.course_provider_units(actor=request.user)
    if not units:
        raise PermissionDenied(_("Bạn không quản lý đơn vị nào."))
    p = request.POST
    questions = _questions(p) if request.method == "POST" else []
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and p.get("action") == "save":
        provider = next((u for u in units if u.pk == int_param(p.get("provider"))), None)
        try:
            if provider is None:
                raise DomainError(
                    "learning.training.provider",
                    _("Hãy chọn đơn vị tổ chức."),
                    field="provider",
                )
            course = training.course_create(
                actor=request.user,
                provider=provider,
                questions=questions,
                **_course_fields(p),
            )
        except DomainError as exc:
            errors = _form_errors(request, exc)
        else:
            messages.success(request, _("Đã tạo khoá học “%(t)s”.") % {"t": course.title})
            return redirect("learning:training")
    return _course_form(
        request,
        form=p,
        questions=questions,
        errors=errors,
        chosen={int_param(x) for x in p.getlist("resources")},
        units=units,
        provider_id=int_param(p.get("provider")) or units[0].pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit_view(request, course_id: int):
    """Who may create courses for the course's unit corrects it; the questions only while
    nobody has taken its test (training.course_update)."""
    try:
        course = training.course_get_to_edit(actor=request.user, course_id=course_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        raise PermissionDenied(str(exc)) from None
    locked = training.questions_locked(course)
    p = request.POST
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form, questions = p, _questions(p)
        chosen = {int_param(x) for x in p.getlist("resources")}
    else:
        form = {
            "title": course.title,
            "description": course.description,
            "pass_percent": course.pass_percent,
            "digital_competence": "1" if course.digital_competence else "",
        }
        questions = course.questions
        chosen = set(course.resources.values_list("pk", flat=True))
    if request.method == "POST" and p.get("action") in ("withdraw", "reopen"):
        if p["action"] == "reopen":
            training.course_reopen(actor=request.user, course=course)
            messages.success(request, _("Đã mở lại khoá học “%(t)s”.") % {"t": course.title})
        elif training.course_withdraw(actor=request.user, course=course):
            messages.success(request, _("Đã xoá khoá học “%(t)s”.") % {"t": course.title})
        else:
            messages.success(
                request,
                _(
                    "Đã rút khoá học “%(t)s”: không mời thêm ai; người đã làm bài vẫn giữ kết "
                    "quả và giấy chứng nhận."
                )
                % {"t": course.title},
            )
        return redirect("learning:training")
    if request.method == "POST" and p.get("action") == "save":
        try:
            training.course_update(
                actor=request.user,
                course=course,
                # A locked form sends no questions (its fieldset is disabled).
                questions=questions if p.get("edit_questions") else None,
                **_course_fields(p),
            )
        except DomainError as exc:
            errors = _form_errors(request, exc)
            locked = training.questions_locked(course)
        else:
            messages.success(request, _("Đã lưu khoá học “%(t)s”.") % {"t": course.title})
            return redirect("learning:training")
    return _course_form(
        request,
        form=form,
        questions=course.questions if locked else questions,
        errors=errors,
        chosen=chosen,
        course=course,
        locked=locked,
        current=course.resources.select_related("subject"),
    )


def _course_fields(post) -> dict:
    """The course form's fields other than the provider and the questions, as the services
    take them."""
    return {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "resource_ids": [i for i in map(int_param, post.getlist("resources")) if i],
        "pass_percent": post.get("pass_percent"),
        "digital_competence": post.get("digital_competence") == "1",
    }


def _form_errors(request, exc: DomainError) -> dict[str, list[str]]:
    errors = field_messages(exc, COURSE_FIELDS)
    for text in chain.from_iterable(errors.values()):
        messages.error(request, text)
    return errors


def _course_form(request, *, form, questions, errors, chosen, locked=False, current=(), **extra):
    """The create or edit form: blank question blocks to fill (none when the questions are
    locked), and the published resources the user can see plus those the course has."""
    p = request.POST
    if locked:
        blocks = len(questions)
    else:
        shown = max(QUESTION_BLOCKS, len(questions), min(int_param(p.get("count")) or 0, 50))
        blocks = shown + (p.get("action") == "more")
    questions = [
        *questions,
        *[{"text": "", "options": [], "answer": -1}] * (blocks - len(questions)),
    ]
    # The resources ticked (the course's, or those sent), then the newest others to pick.
    chosen = {i for i in chosen if i}
    ticked = [r for r in current if r.pk in chosen]
    ticked += list(
        content_selectors.resources(request.user)
        .filter(status=ResourceStatus.PUBLISHED, pk__in=chosen - {r.pk for r in ticked})
        .select_related("subject")
    )
    resources = _picker_found(request.user, None, exclude={r.pk for r in ticked})
    return render(
        request,
        "learning/course_form.html",
        {
            "form": form,
            "chosen": ticked,
            "resources": resources,
            "questions": [
                (n, q, errors.get(f"questions-{n}", []), "\n".join(q["options"]))
                for n, q in enumerate(questions, start=1)
            ],
            "errors": errors,
            "focus": first_invalid(errors, ("provider", "title", "pass_percent")),
            "count": blocks,
            "locked": locked,
            **extra,
        },
        status=400 if errors else 200,
    )


@login_required
def certificate_view(request, enrolment_id: int):
    try:
        e = training.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
    except DomainError:
        raise Http404 from None
    if not e.certificate_pdf:
        raise Http404
    response = HttpResponse(bytes(e.certificate_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{e.certificate_reference}.pdf"'
    return response
