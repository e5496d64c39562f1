"""/api/v1/exams: question bank (search, create, edit, import, export), matrices, papers,
online tests, attempts (start, autosave, submit), grading, results and item analysis.

Teachers and managers see the bank through `selectors.questions` (author, or shared with
a unit they belong to); students reach only their own attempts. An attempt's device is
named by the `X-Device-Token` header (any random string the page keeps): the first start
binds it, another device is refused with 409 exams.attempt.other_device. Autosave is a
PUT of one answer with the client's sequence number: replaying it, or an older one, is
harmless (`stored: false`). Creating POSTs accept an Idempotency-Key."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from edudx.accounts.tokens import actor_key
from edudx.core.errors import DomainError, NotFound
from edudx.core.idempotency import idempotent
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, json_body, paginate
from edudx.org.models import Term

from . import live, pdf, selectors, services
from .models import Kind, Level, Sharing

router = Router(tags=["exams"])
DEVICE_HEADER = "X-Device-Token"


# --- questions -------------------------------------------------------------------------------


class QuestionIn(Schema):
    kind: Kind
    stem: str = Field(..., max_length=20000)
    data: dict[str, Any] = Field(default_factory=dict, description="See docs/exams.md.")
    points: Decimal = Field(Decimal(1), gt=0, le=100)
    name: str = Field("", max_length=200)
    feedback: str = ""
    subject_id: int
    grade: int = Field(..., ge=1, le=12)
    topic_code: str = Field("", max_length=60)
    outcome_code: str = Field("", max_length=60)
    level: Level = Level.RECALL
    sharing: Sharing = Sharing.SCHOOL
    allow_duplicate: bool = False


class QuestionOut(Schema):
    id: int
    version_id: int
    version: int
    kind: str
    name: str
    stem: str
    data: dict[str, Any]
    points: Decimal
    subject_id: int
    grade: int
    topic_code: str
    outcome_code: str
    level: str
    sharing: str
    author_id: int | None
    stats: dict[str, Any]


class QuestionPage(Schema):
    items: list[QuestionOut]
    count: int
    page: int
    page_size: int


class QuestionFilters(PageParams):
    text: str = ""
    subject_id: int | None = None
    grade: int | None = None
    topic: str = ""
    level: str = ""
    kind: str = ""


def render_question(q) -> dict:
    v = q.current
    return {
        "id": q.pk,
        "version_id": v.pk,
        "version": v.number,
        "kind": v.kind,
        "name": v.name,
        "stem": v.stem,
        "data": v.data,
        "points": v.points,
        "subject_id": q.subject_id,
        "grade": q.grade,
        "topic_code": q.topic_code,
        "outcome_code": q.outcome_code,
        "level": q.level,
        "sharing": q.sharing,
        "author_id": q.author_id,
        "stats": v.stats,
    }


def _question_in(payload: QuestionIn) -> services.QuestionIn:
    return services.QuestionIn(
        kind=payload.kind,
        stem=payload.stem,
        data=payload.data,
        points=payload.points,
        name=payload.name,
        feedback=payload.feedback,
        subject_id=payload.subject_id,
        grade=payload.grade,
        topic_code=payload.topic_code,
        outcome_code=payload.outcome_code,
        level=payload.level,
        sharing=payload.sharing,
    )


@router.get("/exams/questions", response={200: QuestionPage, **ERRORS}, summary="Search the bank")
def list_questions(request, filters: Query[QuestionFilters]):
    qs = selectors.question_search(
        actor=request.user,
        text=filters.text,
        subject_id=filters.subject_id,
        grade=filters.grade,
        topic=filters.topic,
        level=filters.level,
        kind=filters.kind,
    )
    return paginate(qs, filters, render_question)


@router.post(
    "/exams/questions",
    response={201: QuestionOut, **ERRORS},
    openapi_extra=IDEMPOTENT,
    summary="Create a question (version 1)",
)
def create_question(request, payload: QuestionIn):
    def run():
        q = services.question_create(
            actor=request.user,
            data=_question_in(payload),
            allow_duplicate=payload.allow_duplicate,
        )
        return json_body(
            QuestionOut,
            render_question(selectors.question_get(actor=request.user, question_id=q.pk)),
        )

    return idempotent(request, actor_key=actor_key(request), run=run)


@router.get("/exams/questions/{int:question_id}", response={200: QuestionOut, **ERRORS})
def get_question(request, question_id: int):
    return render_question(selectors.question_get(actor=request.user, question_id=question_id))


@router.put(
    "/exams/questions/{int:question_id}",
    response={200: QuestionOut, **ERRORS},
    summary="Edit a question (a new version once it is on a paper)",
)
def update_question(request, question_id: int, payload: QuestionIn):
    q = selectors.question_get(actor=request.user, question_id=question_id)
    services.question_update(actor=request.user, question=q, data=_question_in(payload))
    return render_question(selectors.question_get(actor=request.user, question_id=question_id))


class ImportOut(Schema):
    created: list[int]
    duplicates: list[dict[str, Any]]
    unsupported: list[dict[str, Any]]


@router.post(
    "/exams/questions/import",
    response={201: ImportOut, **ERRORS},
    openapi_extra=IDEMPOTENT,
    summary="Import GIFT, Moodle XML or a QTI 2.1 content package",
    description=(
        "Multipart: file, format (gift | moodle | qti), subject_id, grade, level, topic_code, "
        "sharing. Invalid questions are listed (row = line or number in the file) and nothing "
        "is written; duplicates and unsupported types are reported by name and skipped."
    ),
)
def import_questions(
    request,
    file: File[UploadedFile],
    format: Form[Literal["gift", "moodle", "qti"]],  # noqa: A002 — the form field's name
    subject_id: Form[int],
    grade: Form[int],
    level: Form[str] = Level.RECALL,
    topic_code: Form[str] = "",
    sharing: Form[str] = Sharing.SCHOOL,
):
    if file.size > 20 * 1024 * 1024:
        raise DomainError("exams.import.size", _("Tệp quá lớn (tối đa 20 MB)."), field="file")
    data = file.read()

    def run():
        parsed = services.parse_upload(fmt=format, data=data)
        return services.questions_import(
            actor=request.user,
            parsed=parsed,
            subject_id=subject_id,
            grade=grade,
            level=level,
            topic_code=topic_code,
            sharing=sharing,
        ).as_dict()

    # A multipart body cannot be re-read: the idempotency hash covers the fields and the
    # file's SHA-256 instead.
    fingerprint = json.dumps(
        {
            "file": hashlib.sha256(data).hexdigest(),
            "format": format,
            "subject_id": subject_id,
            "grade": grade,
            "level": level,
            "topic_code": topic_code,
            "sharing": sharing,
        }
    ).encode()
    shim = SimpleNamespace(
        headers=request.headers, path=request.path, method=request.method, body=fingerprint
    )
    return idempotent(shim, actor_key=actor_key(request), run=run)


class ExportFilters(Schema):
    format: Literal["gift", "moodle"]
    ids: str = Field(..., description="Question ids, comma separated.")


@router.get(
    "/exams/questions/export",
    response={200: None, **ERRORS},
    summary="Export questions as GIFT or Moodle XML",
    description="Kinds the format cannot carry are named in the X-Unsupported header.",
)
def export_questions(request, filters: Query[ExportFilters]):
    try:
        ids = [int(x) for x in filters.ids.split(",") if x.strip()]
    except ValueError:
        raise DomainError(
            "exams.export.ids", _("Danh sách mã câu hỏi không hợp lệ."), field="ids"
        ) from None
    out = services.questions_export(actor=request.user, question_ids=ids, fmt=filters.format)
    ctype, ext = (
        ("text/plain", "gift.txt") if filters.format == "gift" else ("application/xml", "xml")
    )
    response = HttpResponse(out.text, content_type=f"{ctype}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="questions.{ext}"'
    if out.unsupported:
        response["X-Unsupported"] = (
            "; ".join(f"{u.name} ({u.qtype})" for u in out.unsupported)
            .encode("ascii", "backslashreplace")
            .decode()
        )
    return response


# --- matrices and papers ---------------------------------------------------------------------


class CellIn(Schema):
    topic: str = Field("", max_length=60)
    level: Level
    count: int = Field(..., ge=1, le=200)
    points: Decimal = Field(..., gt=0, le=100)
    kind: Kind | None = None


class MatrixIn(Schema):
    name: str = Field(..., max_length=200)
    subject_id: int
    grade: int = Field(..., ge=1, le=12)
    cells: list[CellIn]


class MatrixOut(Schema):
    id: int
    name: str
    subject_id: int
    grade: int
    cells: list[dict[str, Any]]
    total_questions: int
    total_points: Decimal


def render_matrix(m) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "subject_id": m.subject_id,
        "grade": m.grade,
        "cells": m.cells,
        "total_questions": sum(c["count"] for c in m.cells),
        "total_points": sum(Decimal(c["points"]) * c["count"] for c in m.cells),
    }


@router.post("/exams/matrices", response={201: MatrixOut, **ERRORS}, openapi_extra=IDEMPOTENT)
def create_matrix(request, payload: MatrixIn):
    def run():
        m = services.matrix_create(
            actor=request.user,
            name=payload.name,
            subject_id=payload.subject_id,
            grade=payload.grade,
            cells=[
                c.model_dump() | {"points": str(c.points), "kind": c.kind or ""}
                for c in payload.cells
            ],
        )
        return json_body(MatrixOut, render_matrix(m))

    return idempotent(request, actor_key=actor_key(request), run=run)


@router.get("/exams/matrices", response={200: list[MatrixOut], **ERRORS})
def list_matrices(request):
    return [render_matrix(m) for m in selectors.matrices(request.user)[:200]]


@router.get("/exams/matrices/{matrix_id}", response={200: MatrixOut, **ERRORS})
def get_matrix(request, matrix_id: int):
    return render_matrix(selectors.matrix_get(actor=request.user, matrix_id=matrix_id))


class PaperIn(Schema):
    matrix_id: int
    title: str = Field(..., max_length=200)
    versions: int = Field(4, ge=1, le=24)
    seed: int | None = None
    duration_minutes: int = Field(45, ge=1, le=300)


class PaperVersionOut(Schema):
    code: str
    key: list[dict[str, Any]]


class PaperOut(Schema):
    id: int
    title: str
    subject_id: int
    grade: int
    matrix_id: int | None
    duration_minutes: int
    seed: int
    versions: list[PaperVersionOut]


def render_paper(p) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "subject_id": p.subject_id,
        "grade": p.grade,
        "matrix_id": p.matrix_id,
        "duration_minutes": p.duration_minutes,
        "seed": p.seed,
        "versions": [{"code": v.code, "key": v.key} for v in p.versions.all()],
    }


@router.post(
    "/exams/papers",
    response={201: PaperOut, **ERRORS},
    openapi_extra=IDEMPOTENT,
    summary="Generate a paper from a matrix in N versions (mã đề)",
)
def create_paper(request, payload: PaperIn):
    def run():
        matrix = selectors.matrix_get(actor=request.user, matrix_id=payload.matrix_id)
        p = services.paper_generate(
            actor=request.user,
            matrix=matrix,
            title=payload.title,
            versions=payload.versions,
            seed=payload.seed,
            duration_minutes=payload.duration_minutes,
        )
        return json_body(
            PaperOut, render_paper(selectors.paper_get(actor=request.user, paper_id=p.pk))
        )

    return idempotent(request, actor_key=actor_key(request), run=run)


@router.get("/exams/papers/{paper_id}", response={200: PaperOut, **ERRORS})
def get_paper(request, paper_id: int):
    return render_paper(selectors.paper_get(actor=request.user, paper_id=paper_id))


@router.get(
    "/exams/papers/{paper_id}/versions/{code}/pdf",
    response={200: None, **ERRORS},
    summary="Printable PDF: the paper (default), the answer sheet or the answer key",
)
def paper_pdf(request, paper_id: int, code: str, part: Literal["paper", "sheet", "key"] = "paper"):
    version = selectors.paper_version_get(actor=request.user, paper_id=paper_id, code=code)
    data = pdf.render(version, part=part)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="de-{paper_id}-{code}-{part}.pdf"'
    return response


# --- tests and results --------------------------------------------------------------------------


class TestIn(Schema):
    paper_id: int
    class_id: int
    title: str = Field("", max_length=200)
    opens_at: dt.datetime
    closes_at: dt.datetime
    duration_minutes: int = Field(..., ge=1, le=300)
    mark_kind: str = Field("", description="Gradebook column: tx1…tx4, gk, ck (or empty).")
    term: int | None = Field(None, ge=1, le=2)


class TestOut(Schema):
    id: int
    title: str
    paper_id: int
    class_id: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    duration_minutes: int
    mark_kind: str
    term: int | None
    attempts: int


def render_test(t, attempts: int | None = None) -> dict:
    return {
        "id": t.pk,
        "title": t.title,
        "paper_id": t.paper_id,
        "class_id": t.class_group_id,
        "opens_at": t.opens_at,
        "closes_at": t.closes_at,
        "duration_minutes": t.duration_minutes,
        "mark_kind": t.mark_kind,
        "term": t.term.number if t.term_id else None,
        "attempts": attempts if attempts is not None else t.attempts.count(),
    }


@router.post(
    "/exams/tests",
    response={201: TestOut, **ERRORS},
    openapi_extra=IDEMPOTENT,
    summary="Schedule a paper for a class (attempts created now)",
)
def create_test(request, payload: TestIn):
    def run():
        paper = selectors.paper_get(actor=request.user, paper_id=payload.paper_id)
        cls = selectors.classes_for_tests(request.user).filter(pk=payload.class_id).first()
        if cls is None:
            raise NotFound("exams.test.class", _("Không tìm thấy lớp."), field="class_id")
        term = None
        if payload.term:
            term = Term.objects.filter(
                school_year_id=cls.school_year_id, number=payload.term
            ).first()
        t = services.test_schedule(
            actor=request.user,
            paper=paper,
            class_group=cls,
            opens_at=payload.opens_at,
            closes_at=payload.closes_at,
            duration_minutes=payload.duration_minutes,
            title=payload.title,
            mark_kind=payload.mark_kind,
            term=term,
        )
        return json_body(TestOut, render_test(t))

    return idempotent(request, actor_key=actor_key(request), run=run)


@router.get("/exams/tests/{test_id}", response={200: TestOut, **ERRORS})
def get_test(request, test_id: int):
    return render_test(selectors.test_get(actor=request.user, test_id=test_id))


class ResultRow(Schema):
    attempt: int
    student_id: int
    full_name: str
    code: str
    status: str
    score: Decimal | None
    max_score: Decimal
    mark: Decimal | None
    late: bool
    auto_submitted: bool
    needs_grading: bool


@router.get("/exams/tests/{test_id}/results", response={200: list[ResultRow], **ERRORS})
def test_results(request, test_id: int):
    t = selectors.test_get(actor=request.user, test_id=test_id)
    services.attempts_close_expired(test=t)
    return [
        {
            "attempt": a.pk,
            "student_id": a.student_id,
            "full_name": a.student.person.full_name,
            "code": a.version.code,
            "status": a.status,
            "score": a.score,
            "max_score": a.max_score,
            "mark": services.mark_value(a.score, a.max_score) if a.score is not None else None,
            "late": a.late,
            "auto_submitted": a.auto_submitted,
            "needs_grading": a.needs_grading,
        }
        for a in selectors.test_attempts(t)
    ]


@router.post(
    "/exams/tests/{test_id}/push",
    response={200: dict[str, Any], **ERRORS},
    summary="Write marks to the gradebook",
)
def push_results(request, test_id: int):
    t = selectors.test_get(actor=request.user, test_id=test_id)
    return services.results_push(actor=request.user, test=t)


@router.post(
    "/exams/tests/{test_id}/analysis",
    response={200: dict[str, Any], **ERRORS},
    summary="Run item analysis",
)
def analyse_test(request, test_id: int):
    t = selectors.test_get(actor=request.user, test_id=test_id)
    result = services.test_analyse(actor=request.user, test=t)
    return result


class GradeIn(Schema):
    points: Decimal = Field(..., ge=0)
    comment: str = Field("", max_length=500)


@router.post(
    "/exams/answers/{answer_id}/grade",
    response={200: dict[str, Any], **ERRORS},
    summary="Grade an essay answer",
)
def grade_answer(request, answer_id: int, payload: GradeIn):
    answer = selectors.answer_get(actor=request.user, answer_id=answer_id)
    a = services.answer_grade(
        actor=request.user, answer=answer, points=payload.points, comment=payload.comment
    )
    return {"attempt": a.pk, "score": str(a.score), "needs_grading": a.needs_grading}


@router.post(
    "/exams/attempts/{attempt_id}/device-reset",
    response={200: dict[str, Any], **ERRORS},
    summary="Let a student continue on another device (teacher)",
)
def reset_device(request, attempt_id: int):
    attempt = selectors.attempt_for_teacher(actor=request.user, attempt_id=attempt_id)
    services.attempt_device_reset(actor=request.user, attempt=attempt)
    return {"attempt": attempt.pk, "device": "reset"}


# --- attempts (students) -------------------------------------------------------------------------


class MyAttempt(Schema):
    attempt: int
    test: str
    subject: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    duration_minutes: int
    status: str
    score: Decimal | None
    max_score: Decimal
    ticket: str = Field(
        ...,
        description="Signed start ticket for the lean path POST /exams/live/{attempt}/start "
        "(header X-Exam-Ticket); expires an hour after the test closes.",
    )


@router.get(
    "/exams/my/attempts", response={200: list[MyAttempt], **ERRORS}, summary="A student's tests"
)
def my_attempts(request):
    return [
        {
            "attempt": a.pk,
            "test": a.test.title,
            "subject": a.test.paper.subject.name,
            "opens_at": a.test.opens_at,
            "closes_at": a.test.closes_at,
            "duration_minutes": a.test.duration_minutes,
            "status": a.status,
            "score": a.score,
            "max_score": a.max_score,
            "ticket": live.ticket_for(a),
        }
        for a in selectors.my_attempts(request.user)[:100]
    ]


def _device(request) -> str:
    return (request.headers.get(DEVICE_HEADER) or "").strip()


@router.post(
    "/exams/attempts/{attempt_id}/start",
    response={200: dict[str, Any], **ERRORS},
    summary="Start or resume an attempt on this device",
    description=f"Header {DEVICE_HEADER}: the device's token (8–64 characters).",
)
def start_attempt(request, attempt_id: int):
    return services.attempt_start(
        actor=request.user, attempt_id=attempt_id, device_token=_device(request)
    )


class AnswerIn(Schema):
    response: Any = None
    seq: int = Field(..., ge=1, description="Client sequence number, increasing per attempt.")


class AnswerOut(Schema):
    question: int
    position: int
    seq: int
    stored: bool
    saved_at: dt.datetime


@router.put(
    "/exams/attempts/{attempt_id}/answers/{question_version_id}",
    response={200: AnswerOut, **ERRORS},
    summary="Autosave one answer (idempotent by seq)",
)
def save_answer(request, attempt_id: int, question_version_id: int, payload: AnswerIn):
    return services.answer_save(
        actor=request.user,
        attempt_id=attempt_id,
        device_token=_device(request),
        question=question_version_id,
        response=payload.response,
        seq=payload.seq,
    )


@router.post(
    "/exams/attempts/{attempt_id}/submit",
    response={200: dict[str, Any], **ERRORS},
    summary="Submit (idempotent)",
)
def submit_attempt(request, attempt_id: int):
    return services.attempt_submit(
        actor=request.user, attempt_id=attempt_id, device_token=_device(request)
    )
