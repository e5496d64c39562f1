"""Exams pages. Thin: parse, call a scoped selector or a service, render.

Staff: the question bank (search, import, one question with its versions and statistics),
matrices and papers (generate, print), tests (schedule, results, essay grading, push to the
gradebook, item analysis). Students: their tests and the test page, which runs on the
JSON API (static/exams/take.js: autosave, offline queue and replay)."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from edudx.content.models import Outcome
from edudx.core.errors import DomainError, DomainErrors, ErrorCollector, first_invalid
from edudx.core.params import int_param
from edudx.org.models import Term
from edudx.org.selectors import school_year_current
from edudx.records.models import MarkKind, Subject

from . import live, selectors, services
from .mathtext import to_html
from .models import Asset, AttemptAnswer, AttemptStatus, Kind, Level, QuestionVersion, Sharing


def _line(item: dict) -> str:
    """An error's message, led by the line it names ("Dòng 3: …") when it names one."""
    row, message = item.get("row"), item["message"]
    return _("Dòng %s: ") % row + message if row and "Dòng" not in message else message


def _errors(
    request, exc: DomainError, form: str = "", fields=None, whole=()
) -> dict[str, list[str]]:
    """Flash every message of a refused form and return them by the form's field (decision
    30): "<form>_<field>", where `fields` renames a service's field to the form's (a GIFT
    parse error names "file" also when the question was typed in the box). A field in
    `whole` is the form's own, not a line's: its message comes once, without the line."""
    items = exc.as_list() if isinstance(exc, DomainErrors) else [exc.as_dict()]
    out: dict[str, list[str]] = {}
    for i in items:
        name = (fields or {}).get(i["field"], i["field"]) or ""
        text = i["message"] if name in whole else _line(i)
        if text in out.get(f"{form}_{name}", ()):
            continue
        messages.error(request, text)
        out.setdefault(f"{form}_{name}", []).append(text)
    return out


def _focus(errors: dict, form: str, order) -> str:
    return first_invalid(errors, [f"{form}_{name}" for name in order])


BANK_PAGE = 30  # questions per page of the bank
IMPORT_FORMATS = [("gift", "GIFT"), ("moodle", "Moodle XML"), ("qti", "QTI 2.1 (.zip)")]
MATRICES_SHOWN = 10  # the latest matrices, with their cells, on the papers page
PAPERS_PAGE = 10  # papers per page of the papers page


def _staff(request) -> None:
    if not selectors.is_bank_user(request.user):
        raise PermissionDenied


@login_required
def index_view(request):
    if not selectors.is_bank_user(request.user):
        return my_tests_view(request)
    return _bank_page(request)


def _bank_page(request, *, sent=None, errors=None, status: int = 200):
    """The bank: the questions found (GET filters), and the import form — filled with what
    was sent when an import was refused (`sent`), so typed questions are never lost."""
    data = request.GET
    qs = selectors.question_search(
        actor=request.user,
        text=data.get("q", ""),
        subject_id=int_param(data.get("subject")),
        grade=int_param(data.get("grade")),
        topic=data.get("topic", "").strip(),
        level=data.get("level", ""),
        kind=data.get("kind", ""),
    )
    page = Paginator(qs, BANK_PAGE).get_page(data.get("page"))
    titles = selectors.topic_titles((q.subject_id, q.grade, q.topic_code) for q in page)
    return render(
        request,
        "exams/bank.html",
        {
            "rows": [
                {
                    "q": q,
                    "html": to_html(q.current.stem[:400]),
                    "topic": titles.get((q.subject_id, q.grade, q.topic_code), ""),
                }
                for q in page
            ],
            "page": page,
            "subjects": Subject.objects.all(),
            "topics": selectors.curriculum_topics(),
            "levels": Level.choices,
            "kinds": Kind.choices,
            "sharings": Sharing.choices,
            "formats": IMPORT_FORMATS,
            "filters": data,
            "sent": sent or {},
            "errors": errors or {},
            "focus": _focus(errors or {}, "i", IMPORT_ORDER),
        },
        status=status,
    )


# The import form's fields top to bottom: the first one in error is focused. A question's
# own errors (its type, points, text) are the file's, or the box's when it was typed.
IMPORT_ORDER = ("file", "gift_text", "format", "subject", "grade", "topic", "level", "sharing")
QUESTION_TEXT = ("file", "gift", "kind", "points", "stem")


@login_required
@require_http_methods(["POST"])
def import_view(request):
    _staff(request)
    upload = request.FILES.get("file")
    typed = request.POST.get("gift_text", "").strip()
    try:
        if upload is None and not typed:
            raise DomainError(
                "exams.import.empty",
                _("Chọn tệp cần nhập hoặc gõ câu hỏi theo cú pháp GIFT."),
                field="file",
            )
        if upload is not None:
            parsed = services.parse_upload(
                fmt=request.POST.get("format", "gift"), data=upload.read()
            )
        else:
            parsed = services.parse_upload(fmt="gift", data=typed.encode())
        report = services.questions_import(
            actor=request.user,
            parsed=parsed,
            subject_id=int_param(request.POST.get("subject")) or 0,
            grade=int_param(request.POST.get("grade")) or 0,
            level=request.POST.get("level") or Level.RECALL,
            topic_code=request.POST.get("topic", "").strip(),
            sharing=request.POST.get("sharing") or Sharing.SCHOOL,
        )
    except DomainError as exc:
        box = "gift_text" if upload is None and typed else "file"
        errors = _errors(
            request, exc, "i", dict.fromkeys(QUESTION_TEXT, box), ("subject", "grade", "sharing")
        )
        return _bank_page(request, sent=request.POST, errors=errors, status=400)
    messages.success(request, _("Đã nhập %(n)s câu hỏi.") % {"n": len(report.created)})
    for d in report.duplicates:
        messages.warning(
            request,
            _("Câu %(row)s (%(name)s) trùng với câu đã có; bỏ qua.")
            % {"row": d["row"], "name": d["name"]},
        )
    for u in report.unsupported:
        messages.warning(
            request,
            _("Câu %(row)s (%(name)s): loại “%(type)s” không hỗ trợ; bỏ qua.") % u,
        )
    return redirect("exams:index")


@login_required
@require_http_methods(["GET", "POST"])
def question_view(request, question_id: int):
    _staff(request)
    try:
        q = selectors.question_get(actor=request.user, question_id=question_id)
    except DomainError:
        raise Http404 from None
    sent, errors, refused = None, {}, ""  # refused: which form came back ("image", "edit")
    if request.method == "POST" and (request.POST.get("form") == "image" or request.FILES):
        upload = request.FILES.get("image")
        try:
            if upload is None:
                raise DomainError("exams.image.missing", _("Chọn tệp ảnh."), field="image")
            if upload.size > services.IMAGE_MAX_BYTES:
                data = b"\0" * (services.IMAGE_MAX_BYTES + 1)  # refused by size, unread
            else:
                data = upload.read()
            services.question_image_add(
                actor=request.user,
                question=q,
                name=upload.name,
                data=data,
                alt=request.POST.get("alt", ""),
            )
        except DomainError as exc:
            errors, sent, refused = _errors(request, exc, "img"), request.POST, "image"
        else:
            messages.success(request, _("Đã thêm ảnh vào câu hỏi."))
            return redirect("exams:question", question_id=q.pk)
    elif request.method == "POST":
        try:
            version = services.question_edit_gift(
                actor=request.user,
                question=q,
                text=request.POST.get("gift_text", ""),
                level=request.POST.get("level") or q.level,
                topic_code=request.POST.get("topic", q.topic_code),
                outcome_code=request.POST.get("outcome", q.outcome_code),
                sharing=request.POST.get("sharing") or q.sharing,
            )
        except DomainError as exc:
            # The page again with the text as typed and why it was refused.
            errors = _errors(request, exc, "e", dict.fromkeys(QUESTION_TEXT, "gift_text"))
            sent, refused = request.POST, "edit"
            q = selectors.question_get(actor=request.user, question_id=question_id)
        else:
            messages.success(request, _("Đã lưu phiên bản %s.") % version.number)
            return redirect("exams:question", question_id=q.pk)
    from .formats import gift  # noqa: PLC0415

    exported = gift.export([q.current])
    versions = QuestionVersion.objects.filter(question=q).order_by("-number")
    topics = list(selectors.curriculum_topics(subject_id=q.subject_id, grade=q.grade))
    outcomes = list(
        Outcome.objects.filter(topic__in=topics).order_by("topic__sort_order", "sort_order")
    )
    return render(
        request,
        "exams/question.html",
        {
            "q": q,
            "versions": [
                {
                    "v": v,
                    "html": to_html(v.stem),
                    "options": [
                        {"html": to_html(o["text"]), "right": float(o.get("fraction", 0)) > 0}
                        for o in v.data.get("options") or []
                    ],
                    "statements": v.data.get("statements") or [],
                    "key": services.grading.key_text(v.kind, v.data),
                }
                for v in versions
            ],
            "gift_text": "" if exported.unsupported else exported.text.strip(),
            "image_form": sent if refused == "image" else {},
            "errors": errors,
            "focus": _focus(errors, "img", ("image", "alt"))
            or _focus(errors, "e", ("gift_text", "level", "topic", "outcome", "sharing")),
            "form": (sent if refused == "edit" else None)
            or {
                "gift_text": "" if exported.unsupported else exported.text.strip(),
                "level": q.level,
                "topic": q.topic_code,
                "outcome": q.outcome_code,
                "sharing": q.sharing,
            },
            "topics": topics,
            "topic_title": next((t.title for t in topics if t.code == q.topic_code), ""),
            "outcomes": outcomes,
            "outcome_text": next((o.text for o in outcomes if o.code == q.outcome_code), ""),
            "levels": Level.choices,
            "sharings": Sharing.choices,
        },
        status=400 if errors else 200,
    )


@login_required
def asset_view(request, sha: str):
    a = Asset.objects.filter(sha256=sha).first()
    if a is None:
        raise Http404
    response = HttpResponse(bytes(a.data), content_type=a.mime)
    response["Cache-Control"] = "private, max-age=86400, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    if a.mime == "image/svg+xml":
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _cells(text: str) -> list[dict]:
    """One cell per line: topic; level (nb/th/vd/vdc); count; points[; kind]. Each cell keeps
    its line number, which the errors name; a line without its four parts is an error."""
    cells, errors = [], ErrorCollector()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) < 4:  # noqa: PLR2004 — topic, level, count, points
            errors.row = n
            errors.add(
                "exams.matrix.line",
                _("Cần đủ: mã chủ đề; mức độ; số câu; điểm mỗi câu (cách nhau bằng dấu ;)."),
                "cells",
            )
            continue
        cells.append(
            {
                "row": n,
                "topic": parts[0],
                "level": parts[1],
                "count": parts[2],
                "points": parts[3],
                "kind": parts[4] if len(parts) > 4 else "",  # noqa: PLR2004
            }
        )
    errors.raise_if_any()
    return cells


@login_required
@require_http_methods(["GET", "POST"])
def papers_view(request):
    """Matrices (with what the bank has for each cell) and papers. A refused form comes back
    with what was typed in it and its errors (status 400), never emptied."""
    _staff(request)
    sent, errors = None, {}
    action = "matrix" if request.POST.get("action") == "matrix" else "paper"
    if request.method == "POST":
        try:
            if action == "matrix":
                m = services.matrix_create(
                    actor=request.user,
                    name=request.POST.get("name", ""),
                    subject_id=int_param(request.POST.get("subject")) or 0,
                    grade=int_param(request.POST.get("grade")) or 0,
                    cells=_cells(request.POST.get("cells", "")),
                )
                messages.success(request, _("Đã lưu ma trận “%s”.") % m.name)
                overview = selectors.matrix_overview(actor=request.user, matrices=[m])[0]
                short = sum(1 for c in overview["cells"] if c["short"])
                if short:
                    messages.warning(
                        request,
                        _(
                            "Ngân hàng chưa đủ câu hỏi cho %(n)s ô của ma trận; "
                            "xem bảng “Ma trận đã lưu”."
                        )
                        % {"n": short},
                    )
            else:
                matrix = selectors.matrix_get(
                    actor=request.user, matrix_id=int_param(request.POST.get("matrix")) or 0
                )
                p = services.paper_generate(
                    actor=request.user,
                    matrix=matrix,
                    title=request.POST.get("title", ""),
                    versions=int_param(request.POST.get("versions")) or 4,
                    duration_minutes=int_param(request.POST.get("duration")) or 45,
                )
                messages.success(
                    request,
                    _("Đã tạo đề “%(t)s” với %(n)s mã đề.")
                    % {"t": p.title, "n": p.versions.count()},
                )
        except DomainError as exc:
            # A cell's error (its level, count, points…) shows under the cells' box; a cell
            # the bank cannot fill, under the matrix picked for the paper.
            cells = dict.fromkeys(("count", "kind", "level", "points", "topic"), "cells")
            errors = _errors(
                request, exc, action, cells if action == "matrix" else {"cells": "matrix"}
            )
            sent = request.POST
        else:
            return redirect("exams:papers")
    response = render(
        request,
        "exams/papers.html",
        {
            "matrices": selectors.matrices(request.user)[:50],
            "overview": selectors.matrix_overview(
                actor=request.user, matrices=selectors.matrices(request.user)[:MATRICES_SHOWN]
            ),
            "papers": Paginator(selectors.papers(request.user), PAPERS_PAGE).get_page(
                request.GET.get("page")
            ),
            "subjects": Subject.objects.all(),
            "topics": selectors.curriculum_topics(),
            "kinds": Kind.choices,
            # What was typed, in the form it was typed in (the other one as new).
            "psent": sent if sent is not None and action == "paper" else {},
            "msent": sent if sent is not None and action == "matrix" else {},
            "errors": errors,
            "focus": _focus(errors, "paper", ("matrix", "title", "versions", "duration"))
            or _focus(errors, "matrix", ("name", "subject", "grade", "cells")),
            "pick": int_param(request.GET.get("matrix")),
        },
    )
    if sent is not None:
        response.status_code = 400
    return response


def _when(value: str) -> dt.datetime | None:
    try:
        naive = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M")  # noqa: DTZ007 — local time, made aware below
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive)


# The scheduling form's fields top to bottom (exams/tests.html).
TEST_ORDER = (
    "paper", "class", "title", "opens_at", "closes_at", "duration", "mark_kind", "term",
)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def tests_view(request):
    _staff(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            paper = selectors.paper_get(
                actor=request.user, paper_id=int_param(request.POST.get("paper")) or 0
            )
            cls = (
                selectors.classes_for_tests(request.user)
                .filter(pk=int_param(request.POST.get("class")))
                .first()
            )
            if cls is None:
                raise DomainError("exams.test.class", _("Chọn lớp."), field="class")
            opens, closes = (
                _when(request.POST.get("opens_at")),
                _when(request.POST.get("closes_at")),
            )
            if opens is None or closes is None:
                raise DomainError(
                    "exams.test.window",
                    _("Nhập giờ mở và giờ đóng."),
                    field="opens_at" if opens is None else "closes_at",
                )
            term_no = int_param(request.POST.get("term"))
            term = (
                Term.objects.filter(school_year_id=cls.school_year_id, number=term_no).first()
                if term_no
                else None
            )
            t = services.test_schedule(
                actor=request.user,
                paper=paper,
                class_group=cls,
                opens_at=opens,
                closes_at=closes,
                duration_minutes=int_param(request.POST.get("duration")) or paper.duration_minutes,
                title=request.POST.get("title", ""),
                mark_kind=request.POST.get("mark_kind", ""),
                term=term,
            )
        except DomainError as exc:
            # The form again as typed, each error under its field (decision 30).
            errors = _errors(request, exc, "t")
        else:
            messages.success(request, _("Đã lên lịch bài kiểm tra “%s”.") % t.title)
            return redirect("exams:test", test_id=t.pk)
    return render(
        request,
        "exams/tests.html",
        {
            "tests": Paginator(selectors.tests(request.user), 20).get_page(request.GET.get("page")),
            "papers": selectors.papers(request.user)[:50],
            # The year under way only (last year's 6A1 is not a class to test now).
            "classes": selectors.classes_for_tests(request.user, school_year=school_year_current())[
                :200
            ],
            "mark_kinds": [c for c in MarkKind.choices if c[0] != MarkKind.RATING],
            "sent": request.POST if errors else {},
            "errors": errors,
            "focus": _focus(errors, "t", TEST_ORDER),
        },
        status=400 if errors else 200,
    )


GRADE_ORDER = ("points", "comment")  # an essay's grading form (exams/test.html)


@login_required
@require_http_methods(["GET", "POST"])
def test_view(request, test_id: int):
    _staff(request)
    try:
        t = selectors.test_get(actor=request.user, test_id=test_id)
    except DomainError:
        raise Http404 from None
    errors: dict[str, list[str]] = {}
    typed: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "grade":
                answer = selectors.answer_get(
                    actor=request.user, answer_id=int_param(request.POST.get("answer")) or 0
                )
                try:
                    points = Decimal(request.POST.get("points", "").replace(",", "."))
                except InvalidOperation:
                    raise DomainError(
                        "exams.grade.points", _("Điểm không hợp lệ."), field="points"
                    ) from None
                services.answer_grade(
                    actor=request.user,
                    answer=answer,
                    points=points,
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("Đã lưu điểm."))
            elif action == "push":
                out = services.results_push(actor=request.user, test=t)
                messages.success(
                    request, _("Đã ghi %(n)s điểm vào sổ điểm.") % {"n": out["pushed"]}
                )
            elif action == "analyse":
                services.test_analyse(actor=request.user, test=t)
                messages.success(request, _("Đã phân tích câu hỏi."))
            elif action == "reset":
                a = selectors.attempt_for_teacher(
                    actor=request.user, attempt_id=int_param(request.POST.get("attempt")) or 0
                )
                services.attempt_device_reset(actor=request.user, attempt=a)
                messages.success(request, _("Học sinh có thể tiếp tục trên thiết bị khác."))
        except DomainError as exc:
            if action != "grade":  # buttons without fields: the message says it all
                _errors(request, exc)
                return redirect("exams:test", test_id=t.pk)
            # A refused mark: that answer's form again as typed, its error under its field.
            answer_id = int_param(request.POST.get("answer")) or 0
            errors = _errors(request, exc, f"g{answer_id}")
            typed = {
                "answer": answer_id,
                "points": request.POST.get("points", ""),
                "comment": request.POST.get("comment", ""),
            }
        else:
            return redirect("exams:test", test_id=t.pk)
    services.attempts_close_expired(test=t)
    attempts = list(selectors.test_attempts(t))
    essays = []
    versions = QuestionVersion.objects.in_bulk({i["qv"] for a in attempts for i in a.version.items})
    waiting = {a.pk: a for a in attempts if a.needs_grading}
    if waiting:
        for ans in AttemptAnswer.objects.filter(attempt_id__in=list(waiting)).order_by(
            "attempt_id", "position"
        ):
            a = waiting[ans.attempt_id]
            item = a.version.items[ans.position]
            v = versions[item["qv"]]
            if v.kind == Kind.ESSAY:
                essays.append(
                    {
                        "a": a,
                        "ans": ans,
                        "stem": to_html(v.stem),
                        "max": item["points"],
                        "key": f"g{ans.pk}",
                        "typed": typed if typed.get("answer") == ans.pk else None,
                    }
                )
    stats = list(t.item_stats.select_related("version").order_by("version_id"))
    return render(
        request,
        "exams/test.html",
        {
            "t": t,
            "rows": [
                {
                    "a": a,
                    "mark": services.mark_value(a.score, a.max_score)
                    if a.score is not None
                    else None,
                }
                for a in attempts
            ],
            "essays": essays,
            "stats": stats,
            "submitted": AttemptStatus.SUBMITTED,
            "errors": errors,
            "focus": first_invalid(
                errors, [f"{e['key']}_{f}" for e in essays for f in GRADE_ORDER]
            ),
        },
        status=400 if errors else 200,
    )


@login_required
def my_tests_view(request):
    return render(
        request,
        "exams/my_tests.html",
        {"attempts": selectors.my_attempts(request.user)[:50], "now": timezone.now()},
    )


@login_required
def take_view(request, attempt_id: int):
    try:
        a = selectors.attempt_for_student(actor=request.user, attempt_id=attempt_id)
    except DomainError:
        raise Http404 from None
    strings = {
        "saved": _("Đã lưu"),
        "saving": _("Đang lưu…"),
        "offline": _("Mất mạng: %n câu trả lời đang chờ gửi, sẽ tự gửi lại khi có mạng."),
        "submit_confirm": _("Nộp bài? Sau khi nộp không sửa được nữa."),
        "submit_pending": _("Còn %n câu trả lời chưa gửi được; hãy kết nối mạng rồi nộp lại."),
        "submitted": _("Đã nộp bài. Điểm: %s / %m."),
        "submitted_manual": _(
            "Đã nộp bài. Điểm phần trắc nghiệm: %s / %m; phần tự luận chờ giáo viên chấm."
        ),
        "time_left": _("Còn lại"),
        "opens_in": _("Bài kiểm tra bắt đầu sau"),
        "time_up": _("Hết giờ: bài đang được nộp…"),
        "true": _("Đúng"),
        "false": _("Sai"),
        "choose": _("— chọn —"),
        "question": _("Câu"),
        "points": _("điểm"),
        "error": _("Lỗi"),
    }
    return render(
        request,
        "exams/take.html",
        {"a": a, "strings": strings, "live": live.PREFIX, "ticket": live.ticket_for(a)},
    )
