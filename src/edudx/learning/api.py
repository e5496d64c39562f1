"""/api/v1 online classes, lessons, live sessions, assignments and submissions.

Scoped by learning.selectors: a class, assignment or submission outside the caller's view
is a 404 (a student opening another class's assignment learns nothing). Teachers of the
subject in the class group manage the class; a student of the class submits their own
work (multipart: `text` and/or `file`); a retried submission with the same
Idempotency-Key, text and file bytes replays the first response."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from uuid import UUID

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from edudx.accounts.tokens import actor_key
from edudx.content.api import _Hashed
from edudx.content.services import Upload
from edudx.core.api_errors import api_fields
from edudx.core.errors import DomainError
from edudx.core.idempotency import idempotent
from edudx.org.api import (
    ERRORS,
    IDEMPOTENT,
    PageParams,
    create_response,
    json_body,
    paginate,
    unit_or_error,
)
from edudx.records import selectors as records_selectors

from . import cartridge, selectors, services, training
from .models import Status

# An optional multipart file parameter (ninja reads the default as the parameter kind).
OPTIONAL_FILE = File(None)

router = Router(tags=["learning"])


class OnlineClassOut(Schema):
    id: int
    source_id: UUID
    title: str
    class_id: int
    class_name: str
    subject_id: int
    subject_name: str
    teacher_name: str
    updated_at: dt.datetime


def render_class(oc) -> dict:
    return {
        "id": oc.pk,
        "source_id": oc.source_id,
        "title": oc.title,
        "class_id": oc.class_group_id,
        "class_name": oc.class_group.name,
        "subject_id": oc.subject_id,
        "subject_name": oc.subject.name,
        "teacher_name": oc.teacher.person.full_name,
        "updated_at": oc.updated_at,
    }


class OnlineClassPage(Schema):
    items: list[OnlineClassOut]
    count: int
    page: int
    page_size: int


class OnlineClassFilters(PageParams):
    q: str = Field(
        "", max_length=100, description="Class, subject, teacher or school; diacritics optional."
    )


@router.get(
    "/online-classes",
    response={200: OnlineClassPage, **ERRORS},
    summary="Online classes the caller teaches, studies in, or supervises (by school and class)",
)
def list_classes(request, filters: Query[OnlineClassFilters]):
    qs = selectors.online_class_search(actor=request.user, q=filters.q)
    return paginate(qs, filters, render_class)


class OnlineClassIn(Schema):
    class_id: int
    subject_id: int
    title: str = Field("", max_length=200)


@router.post(
    "/online-classes",
    response={201: OnlineClassOut, **ERRORS},
    summary="The subject's teacher opens the online class of a class group",
    openapi_extra=IDEMPOTENT,
)
def create_class(request, payload: OnlineClassIn):
    cls = records_selectors.class_get(actor=request.user, class_id=payload.class_id)
    subject = records_selectors.subject_get(subject_id=payload.subject_id)

    def create() -> dict:
        oc = services.online_class_create(
            actor=request.user, class_group=cls, subject=subject, title=payload.title
        )
        return render_class(selectors.online_class_get(actor=request.user, class_id=oc.pk))

    return create_response(request, OnlineClassOut, create, {"subject": "subject_id"})


class LessonIn(Schema):
    title: str = Field(..., max_length=200)
    text: str = ""
    resource_ids: list[int] = Field(default_factory=list)
    topic_id: int | None = None


class LessonOut(Schema):
    id: int
    title: str
    text: str
    resource_ids: list[int]
    topic_id: int | None
    created_at: dt.datetime


def render_lesson(lesson) -> dict:
    return {
        "id": lesson.pk,
        "title": lesson.title,
        "text": lesson.text,
        "resource_ids": sorted(r.pk for r in lesson.resources.all()),
        "topic_id": lesson.topic_id,
        "created_at": lesson.created_at,
    }


@router.get(
    "/online-classes/{class_id}/lessons",
    response={200: list[LessonOut], **ERRORS},
    summary="Lessons of an online class",
)
def list_lessons(request, class_id: int):
    oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    return [render_lesson(x) for x in selectors.lessons(request.user, oc)]


@router.post(
    "/online-classes/{class_id}/lessons",
    response={201: LessonOut, **ERRORS},
    summary="Publish a lesson (text plus repository resources)",
    openapi_extra=IDEMPOTENT,
)
def create_lesson(request, class_id: int, payload: LessonIn):
    oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    return create_response(
        request,
        LessonOut,
        lambda: render_lesson(
            services.lesson_create(actor=request.user, online_class=oc, **payload.model_dump())
        ),
        {"resources": "resource_ids", "topic": "topic_id"},
    )


class LessonPatch(Schema):
    title: str | None = Field(None, max_length=200)
    text: str | None = None
    resource_ids: list[int] | None = None
    topic_id: int | None = None


@router.patch(
    "/lessons/{lesson_id}",
    response={200: LessonOut, **ERRORS},
    summary="Correct a lesson (the class's teacher): only the fields sent change",
    description="resource_ids replaces the lesson's resources: published ones, or ones it "
    "already has (imported material still waiting for review stays). topic_id null clears "
    "the topic.",
)
def update_lesson(request, lesson_id: int, payload: LessonPatch):
    lesson = selectors.lesson_get(actor=request.user, lesson_id=lesson_id)
    sent = payload.model_dump(exclude_unset=True)
    services.lesson_update(
        actor=request.user,
        lesson=lesson,
        title=sent.get("title"),
        text=sent.get("text"),
        resource_ids=sent.get("resource_ids"),
        topic_id=sent["topic_id"] if "topic_id" in sent else ...,
    )
    lesson = selectors.lessons(request.user, lesson.online_class).get(pk=lesson.pk)
    return Reply(200, render_lesson(lesson))


@router.delete(
    "/lessons/{lesson_id}",
    response={204: None, **ERRORS},
    summary="Remove a lesson (the class's teacher); its resources stay in the repository",
)
def delete_lesson(request, lesson_id: int):
    lesson = selectors.lesson_get(actor=request.user, lesson_id=lesson_id)
    services.lesson_delete(actor=request.user, lesson=lesson)
    return Reply(204, None)


class LiveSessionIn(Schema):
    url: str = Field(..., max_length=500)
    date: dt.date
    periods: int = Field(..., ge=1, le=10)
    attendee_ids: list[int] = Field(default_factory=list)
    topic_id: int | None = None


class LiveSessionOut(Schema):
    id: int
    url: str
    date: dt.date
    periods: int
    attendee_ids: list[int]


def render_session(s) -> dict:
    return {
        "id": s.pk,
        "url": s.url,
        "date": s.date,
        "periods": s.periods,
        "attendee_ids": sorted(a.pk for a in s.attendees.all()),
    }


@router.post(
    "/online-classes/{class_id}/live-sessions",
    response={201: LiveSessionOut, **ERRORS},
    summary="Record a live online lesson (periods counted for T06/T07, attendance for T04)",
    openapi_extra=IDEMPOTENT,
)
def create_session(request, class_id: int, payload: LiveSessionIn):
    oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    return create_response(
        request,
        LiveSessionOut,
        lambda: render_session(
            services.live_session_record(
                actor=request.user, online_class=oc, **payload.model_dump()
            )
        ),
        {"attendees": "attendee_ids", "topic": "topic_id"},
    )


class AssignmentIn(Schema):
    title: str = Field(..., max_length=200)
    instructions: str = ""
    due_at: dt.datetime
    resource_ids: list[int] = Field(default_factory=list)


class AssignmentOut(Schema):
    id: int
    source_id: UUID
    online_class_id: int
    title: str
    instructions: str
    due_at: dt.datetime
    resource_ids: list[int]
    attachments: list[str]
    status: Status | None = Field(None, description="For a student: their own status.")


def render_assignment(a, status: str | None = None) -> dict:
    return {
        "id": a.pk,
        "source_id": a.source_id,
        "online_class_id": a.online_class_id,
        "title": a.title,
        "instructions": a.instructions,
        "due_at": a.due_at,
        "resource_ids": sorted(r.pk for r in a.resources.all()),
        "attachments": [x.file_name for x in a.attachments.all()],
        "status": status,
    }


@router.get(
    "/online-classes/{class_id}/assignments",
    response={200: list[AssignmentOut], **ERRORS},
    summary="Assignments of an online class",
)
def list_assignments(request, class_id: int):
    oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    return [
        render_assignment(a, selectors.student_status(request.user, a))
        for a in oc.assignments.prefetch_related("resources", "attachments")
    ]


@router.post(
    "/online-classes/{class_id}/assignments",
    response={201: AssignmentOut, **ERRORS},
    summary="Set an assignment with a due date (attachments: repository resources)",
    openapi_extra=IDEMPOTENT,
)
def create_assignment(request, class_id: int, payload: AssignmentIn):
    oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    return create_response(
        request,
        AssignmentOut,
        lambda: render_assignment(
            services.assignment_create(actor=request.user, online_class=oc, **payload.model_dump())
        ),
        {"resources": "resource_ids"},
    )


class AssignmentPatch(Schema):
    title: str | None = Field(None, max_length=200)
    instructions: str | None = None
    due_at: dt.datetime | None = None


@router.patch(
    "/assignments/{assignment_id}",
    response={200: AssignmentOut, **ERRORS},
    summary="Correct an assignment or move its due time (the class's teacher)",
    description="Only the fields sent change. A new due_at re-marks work already handed in: "
    "late when submitted after it, on time otherwise.",
)
def update_assignment(request, assignment_id: int, payload: AssignmentPatch):
    a = selectors.assignment_get(actor=request.user, assignment_id=assignment_id)
    services.assignment_update(actor=request.user, assignment=a, **payload.model_dump())
    return Reply(200, render_assignment(a, selectors.student_status(request.user, a)))


@router.get(
    "/assignments/{assignment_id}",
    response={200: AssignmentOut, **ERRORS},
    summary="One assignment (404 outside the caller's classes)",
)
def get_assignment(request, assignment_id: int):
    a = selectors.assignment_get(actor=request.user, assignment_id=assignment_id)
    return render_assignment(a, selectors.student_status(request.user, a))


class SubmissionOut(Schema):
    id: int
    source_id: UUID
    assignment_id: int
    student_id: int
    student_name: str
    text: str
    file_name: str
    mime: str
    submitted_at: dt.datetime
    late: bool
    score: Decimal | None
    teacher_comment: str
    graded_at: dt.datetime | None
    sent_to_gradebook: str


def render_submission(s) -> dict:
    return {
        "id": s.pk,
        "source_id": s.source_id,
        "assignment_id": s.assignment_id,
        "student_id": s.student_id,
        "student_name": s.student.person.full_name,
        "text": s.text,
        "file_name": s.file_name,
        "mime": s.mime,
        "submitted_at": s.submitted_at,
        "late": s.late,
        "score": s.score,
        "teacher_comment": s.teacher_comment,
        "graded_at": s.graded_at,
        "sent_to_gradebook": s.sent_to_gradebook,
    }


@router.get(
    "/assignments/{assignment_id}/submissions",
    response={200: list[SubmissionOut], **ERRORS},
    summary="Submissions (the teacher: all; a student or guardian: their own)",
)
def list_submissions(request, assignment_id: int):
    a = selectors.assignment_get(actor=request.user, assignment_id=assignment_id)
    return [render_submission(s) for s in selectors.submissions(actor=request.user, assignment=a)]


@router.post(
    "/assignments/{assignment_id}/submissions",
    response={201: SubmissionOut, **ERRORS},
    summary="A student hands in work (multipart: text and/or file); late ones are marked",
    openapi_extra=IDEMPOTENT,
)
def submit(
    request,
    assignment_id: int,
    text: Form[str] = "",
    file: UploadedFile | None = OPTIONAL_FILE,
):
    a = selectors.assignment_get(actor=request.user, assignment_id=assignment_id)
    digest = hashlib.sha256()
    if file is not None:
        for chunk in file.chunks():
            digest.update(chunk)
        file.seek(0)
    body = json.dumps({"text": text, "file": digest.hexdigest() if file else None}).encode()

    def run() -> dict:
        s = services.submission_submit(
            actor=request.user,
            assignment=a,
            text=text,
            upload=Upload(file=file, size=file.size, name=file.name) if file else None,
        )
        return json_body(SubmissionOut, render_submission(s))

    return idempotent(_Hashed(request, body), actor_key=actor_key(request), run=run)


class GradeIn(Schema):
    score: Decimal = Field(..., ge=0, le=10)
    comment: str = Field("", max_length=2000)


@router.post(
    "/submissions/{submission_id}/grade",
    response={200: SubmissionOut, **ERRORS},
    summary="The teacher grades a submission with a comment",
)
def grade(request, submission_id: int, payload: GradeIn):
    s = selectors.submission_get(actor=request.user, submission_id=submission_id)
    services.submission_grade(
        actor=request.user, submission=s, score=payload.score, comment=payload.comment
    )
    return render_submission(s)


class GradebookIn(Schema):
    term: int = Field(..., ge=1, le=2)
    kind: str = Field(..., description="A regular-assessment column: tx1, tx2, tx3 or tx4.")


class GradebookOut(Schema):
    sent: int
    created: int
    updated: int


@router.post(
    "/assignments/{assignment_id}/gradebook",
    response={200: GradebookOut, **ERRORS},
    summary="Send the graded scores to the school-records gradebook as a regular assessment",
    description="Through records' marks service: a locked term is refused (409).",
)
def send_to_gradebook(request, assignment_id: int, payload: GradebookIn):
    a = selectors.assignment_get(actor=request.user, assignment_id=assignment_id)
    r = services.assignment_send_to_gradebook(
        actor=request.user, assignment=a, term_number=payload.term, kind=payload.kind
    )
    return {"sent": r.sent, "created": r.created, "updated": r.updated}


# --- IMS Common Cartridge 1.3 --------------------------------------------------------------


def _zip_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}.imscc"'
    return response


@router.get(
    "/lessons/{lesson_id}/cartridge",
    response={200: None, **ERRORS},
    summary="Export a lesson as IMS Common Cartridge 1.3 (.imscc)",
)
def export_cartridge(request, lesson_id: int):
    lesson = selectors.lesson_get(actor=request.user, lesson_id=lesson_id)
    teacher = selectors.is_teacher(request.user, lesson.online_class)
    return _zip_response(
        cartridge.export_lesson(lesson, published_only=not teacher), f"lesson-{lesson.pk}"
    )


@router.get(
    "/online-classes/{class_id}/cartridge",
    response={200: None, **ERRORS},
    summary="Export a whole online class (every lesson, in order) as IMS Common Cartridge 1.3",
    description="One organisation item per lesson, each with its page, files (web content) "
    "and web links. Material still under review is exported for the class's teachers only.",
)
def export_class_cartridge(request, class_id: int):
    oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    return _zip_response(
        cartridge.export_class(oc, selectors.lessons(request.user, oc)), f"class-{oc.pk}"
    )


def _import(request, class_id: int, file, render):
    """Import a package once per Idempotency-Key (the key covers the package's SHA-256)."""
    oc = selectors.online_class_get(actor=request.user, class_id=class_id)
    services.require_teacher(request.user, oc)
    data = cartridge.read_upload(file)
    body = json.dumps({"cartridge": hashlib.sha256(data).hexdigest()}).encode()
    return idempotent(
        _Hashed(request, body), actor_key=actor_key(request), run=lambda: render(oc, data)
    )


@router.post(
    "/online-classes/{class_id}/cartridge",
    response={201: LessonOut, **ERRORS},
    summary="Import an IMS Common Cartridge lesson (its files and links go to review)",
    openapi_extra=IDEMPOTENT,
)
def import_cartridge(request, class_id: int, file: File[UploadedFile]):
    def run(oc, data) -> dict:
        lesson, _created = cartridge.import_lesson(actor=request.user, online_class=oc, data=data)
        return json_body(LessonOut, render_lesson(lesson))

    return _import(request, class_id, file, run)


class CourseImportOut(Schema):
    lessons: list[LessonOut]
    resources_submitted: int = Field(..., description="New repository resources, in review.")


@router.post(
    "/online-classes/{class_id}/course-cartridge",
    response={201: CourseImportOut, **ERRORS},
    summary="Import an IMS Common Cartridge course: every lesson, in order (files and links "
    "go to review); a lesson package is accepted too",
    description="All or nothing: a bad package or part creates no lesson and no resource.",
    openapi_extra=IDEMPOTENT,
)
def import_course_cartridge(request, class_id: int, file: File[UploadedFile]):
    def run(oc, data) -> dict:
        done = cartridge.import_cartridge(actor=request.user, online_class=oc, data=data)
        return json_body(
            CourseImportOut,
            {
                "lessons": [render_lesson(lesson) for lesson, _c in done],
                "resources_submitted": sum(len(c) for _l, c in done),
            },
        )

    return _import(request, class_id, file, run)


# --- professional development (T20/T21) ------------------------------------------------------


class ProfileIn(Schema):
    digital_competence: str = Field(..., description="basic, intermediate or advanced")
    goals: str = ""


class ProfileOut(Schema):
    staff_id: int
    digital_competence: str
    goals: str


@router.post(
    "/training/profile",
    response={200: ProfileOut, **ERRORS},
    summary="Create or update the caller's training profile (T21)",
)
def save_profile(request, payload: ProfileIn):
    p = training.profile_save(actor=request.user, **payload.model_dump())
    return {"staff_id": p.staff_id, "digital_competence": p.digital_competence, "goals": p.goals}


class QuestionOut(Schema):
    text: str
    options: list[str]


class CourseOut(Schema):
    id: int
    title: str
    description: str
    provider: str
    resource_ids: list[int]
    questions: list[QuestionOut]
    pass_percent: int
    withdrawn_at: dt.datetime | None = Field(
        None, description="Withdrawn: offered to nobody new; who took it keeps it."
    )


@router.get(
    "/training/courses",
    response={200: list[CourseOut], **ERRORS},
    summary="Professional-development courses offered to the caller (answers not included)",
)
def list_courses(request):
    return [
        render_course(c)
        for c in training.courses_for(actor=request.user).prefetch_related("resources")
    ]


def render_course(c) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "description": c.description,
        "provider": c.provider.name,
        "resource_ids": sorted(r.pk for r in c.resources.all()),
        "questions": [{"text": q["text"], "options": q["options"]} for q in c.questions],
        "pass_percent": c.pass_percent,
        "withdrawn_at": c.withdrawn_at,
    }


class QuestionIn(Schema):
    text: str = Field(..., max_length=2000)
    options: list[str] = Field(..., description="At least two.")
    answer: int = Field(..., description="Index (from 0) of the right option.")


class CourseIn(Schema):
    provider_id: int = Field(..., description="A unit the caller manages (officer, principal).")
    title: str = Field(..., max_length=200)
    description: str = ""
    questions: list[QuestionIn]
    resource_ids: list[int] = Field(default_factory=list, description="Published resources.")
    pass_percent: int = Field(70, ge=1, le=100)
    digital_competence: bool = True


@router.post(
    "/training/courses",
    response={201: CourseOut, **ERRORS},
    summary="An officer or principal creates a course for a unit they manage",
    openapi_extra=IDEMPOTENT,
)
def create_course(request, payload: CourseIn):
    provider = unit_or_error(payload.provider_id, "provider_id")
    data = payload.model_dump(exclude={"provider_id"})
    return create_response(
        request,
        CourseOut,
        lambda: render_course(
            training.course_create(actor=request.user, provider=provider, **data)
        ),
        {"resources": "resource_ids"},
    )


class CoursePatch(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = None
    questions: list[QuestionIn] | None = Field(
        None, description="Only while nobody has taken the assessment."
    )
    resource_ids: list[int] | None = None
    pass_percent: int | None = Field(None, ge=1, le=100)
    digital_competence: bool | None = None
    withdrawn: bool | None = Field(
        None, description="false offers a withdrawn course again (withdraw with DELETE)."
    )


@router.patch(
    "/training/courses/{course_id}",
    response={200: CourseOut, **ERRORS},
    summary="Correct a course (who may create courses for its unit): only the fields sent change",
    description="questions are refused (400, field questions) once anyone has taken the "
    "assessment, unless unchanged: past attempts and certificates were earned against them. "
    "A new pass_percent applies to attempts from now on and never revokes a certificate. "
    "resource_ids replaces the resources: published ones, or ones the course already has. "
    "A course the caller is offered but may not edit is a 403; any other is a 404.",
)
def update_course(request, course_id: int, payload: CoursePatch):
    course = training.course_get_to_edit(actor=request.user, course_id=course_id)
    sent = payload.model_dump(exclude_unset=True)
    with api_fields({"resources": "resource_ids"}):
        training.course_update(
            actor=request.user,
            course=course,
            title=sent.get("title"),
            description=sent.get("description"),
            questions=sent.get("questions"),
            resource_ids=sent.get("resource_ids"),
            pass_percent=sent.get("pass_percent"),
            digital_competence=sent.get("digital_competence"),
        )
    if sent.get("withdrawn") is False:
        training.course_reopen(actor=request.user, course=course)
    return render_course(course)


class WithdrawnOut(Schema):
    deleted: bool = Field(..., description="true: nobody had taken it, so it is gone.")
    course: CourseOut | None


@router.delete(
    "/training/courses/{course_id}",
    response={200: WithdrawnOut, **ERRORS},
    summary="Take a course back (who may create courses for its unit)",
    description="A course nobody has taken is deleted (deleted: true). Otherwise it is "
    "withdrawn: offered to nobody new, while those who took its test keep their results and "
    "certificates and may still finish it (deleted: false, course.withdrawn_at set). "
    "Repeating the call changes nothing more. Offer it again with PATCH withdrawn: false.",
)
def delete_course(request, course_id: int):
    course = training.course_get_to_edit(actor=request.user, course_id=course_id)
    if training.course_withdraw(actor=request.user, course=course):
        return {"deleted": True, "course": None}
    return {"deleted": False, "course": render_course(course)}


class EnrolmentOut(Schema):
    id: int
    course_id: int
    attempts: int
    best_percent: int | None
    completed_at: dt.datetime | None
    certificate_reference: str
    certificate_url: str | None


def render_enrolment(e) -> dict:
    return {
        "id": e.pk,
        "course_id": e.course_id,
        "attempts": e.attempts,
        "best_percent": e.best_percent,
        "completed_at": e.completed_at,
        "certificate_reference": e.certificate_reference,
        "certificate_url": f"/api/v1/training/enrolments/{e.pk}/certificate"
        if e.certificate_reference
        else None,
    }


@router.post(
    "/training/courses/{course_id}/enrolments",
    response={200: EnrolmentOut, **ERRORS},
    summary="Enrol in a course (again: the same enrolment)",
)
def enrol(request, course_id: int):
    course = training.course_get(actor=request.user, course_id=course_id)
    return render_enrolment(training.enrol(actor=request.user, course=course))


class AttemptIn(Schema):
    answers: list[int]


@router.post(
    "/training/enrolments/{enrolment_id}/attempts",
    response={200: EnrolmentOut, **ERRORS},
    summary="Take the course's assessment; passing completes it and issues the certificate",
)
def take_attempt(request, enrolment_id: int, payload: AttemptIn):
    e = training.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
    return render_enrolment(
        training.attempt(actor=request.user, enrolment=e, answers=payload.answers)
    )


@router.get(
    "/training/enrolments/{enrolment_id}/certificate",
    response={200: None, **ERRORS},
    summary="The signed PDF certificate of a completed course",
)
def certificate(request, enrolment_id: int):
    e = training.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
    if not e.certificate_pdf:
        raise DomainError("learning.certificate", _("Chưa hoàn thành khoá học."), field="enrolment")
    response = HttpResponse(bytes(e.certificate_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{e.certificate_reference}.pdf"'
    return response
