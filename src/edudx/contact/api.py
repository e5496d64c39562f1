"""/api/v1/contact: the contact book, notices (with read receipts), guardian–teacher
messages and the feedback channel, scoped to the caller exactly like the pages: a student,
notice or thread outside the caller's scope is a 404; an action they may not take (a
message to the guardian of another class) a 403 with its reason. POSTs take an
Idempotency-Key. Sending feedback and following it by tracking code + phone need no
account (auth=None); everything else does."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from edudx.accounts.models import User
from edudx.accounts.tokens import actor_key
from edudx.core.errors import DomainError, NotFound
from edudx.core.idempotency import idempotent
from edudx.core.phones import normalise_phone
from edudx.org.api import ERRORS, IDEMPOTENT, PageParams, create_response, paginate
from edudx.org.models import ClassGroup, Grade, OrgUnit
from edudx.people.models import Student
from edudx.people.selectors import student_get

from . import selectors, services, throttle
from .models import Audience, FeedbackKind, FeedbackStatus

router = Router(tags=["contact"])


# --- contact book ----------------------------------------------------------------------------


class ChildOut(Schema):
    student_id: int
    full_name: str
    school: str | None
    class_name: str | None


@router.get(
    "/contact/children",
    response={200: list[ChildOut], **ERRORS},
    summary="The caller's children (guardian links), in every school",
)
def list_children(request):
    return [
        {
            "student_id": s.pk,
            "full_name": s.person.full_name,
            "school": s.current_school.name if s.current_school_id else None,
            "class_name": s.current_class.name if s.current_class_id else None,
        }
        for s in selectors.children(request.user)
    ]


class TeacherOut(Schema):
    user_id: int
    name: str
    homeroom: bool
    subjects: list[str]


class SubjectMarksOut(Schema):
    subject: str
    term1: list[str]
    term1_result: str | None
    term2: list[str]
    term2_result: str | None
    year: str | None


class LeaveOut(Schema):
    id: int
    from_date: dt.date
    to_date: dt.date
    reason: str
    status: str


class CommentOut(Schema):
    body: str
    author: str | None
    created_at: dt.datetime


class NoticeBrief(Schema):
    id: int
    title: str
    created_at: dt.datetime
    read: bool


class ContactBookOut(Schema):
    student_id: int
    full_name: str
    school: str | None
    class_name: str | None
    attendance: dict = Field(
        ..., description="Half-days: excused, unexcused, late; year_absent in the school year."
    )
    marks: list[SubjectMarksOut]
    comments: list[CommentOut]
    notices: list[NoticeBrief]
    leave_requests: list[LeaveOut]
    teachers: list[TeacherOut]
    fees: list | None = Field(
        None, description="Invoices from the fees module; null while it is not installed."
    )


def _person_name(user) -> str | None:
    if user is None:
        return None
    return user.person.full_name if user.person_id else user.username


@router.get(
    "/contact/students/{student_id}",
    response={200: ContactBookOut, **ERRORS},
    summary="The contact book of one student (read-only)",
)
def get_contact_book(request, student_id: int):
    b = selectors.contact_book(actor=request.user, student_id=student_id)
    s = b["student"]
    totals = b["attendance"]["totals"]
    return {
        "student_id": s.pk,
        "full_name": s.person.full_name,
        "school": s.current_school.name if s.current_school_id else None,
        "class_name": s.current_class.name if s.current_class_id else None,
        "attendance": {
            "excused": totals.get("excused", 0),
            "unexcused": totals.get("unexcused", 0),
            "late": totals.get("late", 0),
            "year_absent": b["attendance"]["year_absent"],
        },
        "marks": [
            {
                "subject": m["subject"].name,
                "term1": [t for _k, t in m["terms"][0]["marks"]],
                "term1_result": m["terms"][0]["result"],
                "term2": [t for _k, t in m["terms"][1]["marks"]],
                "term2_result": m["terms"][1]["result"],
                "year": m["year"],
            }
            for m in b["marks"]["subjects"]
        ],
        "comments": [
            {"body": c.body, "author": _person_name(c.author), "created_at": c.created_at}
            for c in b["comments"]
        ],
        "notices": [
            {"id": n.pk, "title": n.title, "created_at": n.created_at, "read": bool(n.read_by_me)}
            for n in b["notices"]
        ],
        "leave_requests": [
            {
                "id": lv.pk,
                "from_date": lv.from_date,
                "to_date": lv.to_date,
                "reason": lv.reason,
                "status": lv.status,
            }
            for lv in b["leave_requests"]
        ],
        "teachers": [
            {
                "user_id": t["user"].pk,
                "name": t["name"],
                "homeroom": t["homeroom"],
                "subjects": t["subjects"],
            }
            for t in b["teachers"]
        ],
        "fees": b["fees"],
    }


class LeaveIn(Schema):
    from_date: dt.date
    to_date: dt.date
    reason: str = Field(..., max_length=500)


@router.post(
    "/contact/students/{student_id}/leave-requests",
    response={201: LeaveOut, **ERRORS},
    summary="A guardian asks for leave from the contact book (not for a past month)",
    description="The homeroom teacher accepts it in records (/leave-requests/{id}/decision); "
    "acceptance turns the absences of those days excused.",
    openapi_extra=IDEMPOTENT,
)
def create_leave(request, student_id: int, payload: LeaveIn):
    student = student_get(actor=request.user, student_id=student_id)

    def create() -> dict:
        lv = services.leave_request(
            actor=request.user,
            student=student,
            from_date=payload.from_date,
            to_date=payload.to_date,
            reason=payload.reason,
        )
        return {
            "id": lv.pk,
            "from_date": lv.from_date,
            "to_date": lv.to_date,
            "reason": lv.reason,
            "status": lv.status,
        }

    return create_response(request, LeaveOut, create, {})


# --- notices ---------------------------------------------------------------------------------


class NoticeOut(Schema):
    id: int
    school_id: int
    school: str
    audience: Audience
    class_id: int | None
    grade: int | None
    title: str
    body: str
    author: str | None
    created_at: dt.datetime
    read: bool


def render_notice(n) -> dict:
    return {
        "id": n.pk,
        "school_id": n.school_id,
        "school": n.school.name,
        "audience": n.audience,
        "class_id": n.class_group_id,
        "grade": n.grade.number if n.grade_id else None,
        "title": n.title,
        "body": n.body,
        "author": _person_name(n.author),
        "created_at": n.created_at,
        "read": bool(getattr(n, "read_by_me", 0)),
    }


class NoticePage(Schema):
    items: list[NoticeOut]
    count: int
    page: int
    page_size: int


class NoticeFilters(PageParams):
    student_id: int | None = Field(None, description="Only notices that reach this student.")


@router.get(
    "/contact/notices",
    response={200: NoticePage, **ERRORS},
    summary="Notices the caller may read, newest first",
)
def list_notices(request, filters: Query[NoticeFilters]):
    student = None
    if filters.student_id:
        student = student_get(actor=request.user, student_id=filters.student_id)
    return paginate(selectors.notice_list(request.user, student=student), filters, render_notice)


class NoticeIn(Schema):
    audience: Audience
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=5000)
    class_id: int | None = Field(None, description="For audience=class.")
    school_id: int | None = Field(None, description="For audience=grade or school.")
    grade: int | None = Field(None, ge=1, le=12, description="For audience=grade.")


@router.post(
    "/contact/notices",
    response={201: NoticeOut, **ERRORS},
    summary="Post a notice to a class (its teachers), a grade or a school (principal, clerk)",
    openapi_extra=IDEMPOTENT,
)
def create_notice(request, payload: NoticeIn):
    cls = school = grade = None
    if payload.class_id:
        cls = (
            ClassGroup.objects.select_related("school", "school_year")
            .filter(pk=payload.class_id)
            .first()
        )
        if cls is None:
            raise NotFound("class.not_found", _("Không tìm thấy lớp."))
    if payload.school_id:
        school = OrgUnit.objects.filter(pk=payload.school_id).first()
    if payload.grade:
        grade = Grade.objects.filter(number=payload.grade).first()

    def create() -> dict:
        n = services.notice_post(
            actor=request.user,
            audience=payload.audience,
            title=payload.title,
            body=payload.body,
            class_group=cls,
            school=school,
            grade=grade,
        )
        return render_notice(selectors.notice_get(actor=request.user, notice_id=n.pk))

    return create_response(request, NoticeOut, create, {})


@router.get(
    "/contact/notices/{notice_id}",
    response={200: NoticeOut, **ERRORS},
    summary="One notice (reading it through the API does not mark it read)",
)
def get_notice(request, notice_id: int):
    return render_notice(selectors.notice_get(actor=request.user, notice_id=notice_id))


class ReadOut(Schema):
    notice_id: int
    read_at: dt.datetime


@router.post(
    "/contact/notices/{notice_id}/read",
    response={200: ReadOut, **ERRORS},
    summary="Confirm the caller has read a notice (first confirmation kept)",
)
def read_notice(request, notice_id: int):
    notice = selectors.notice_get(actor=request.user, notice_id=notice_id)
    r = services.notice_mark_read(actor=request.user, notice=notice)
    return {"notice_id": notice.pk, "read_at": r.read_at}


class ReceiptRow(Schema):
    user_id: int
    name: str
    read_at: dt.datetime | None


class ReceiptsOut(Schema):
    notice_id: int
    recipients: int
    read: int
    rows: list[ReceiptRow]


@router.get(
    "/contact/notices/{notice_id}/receipts",
    response={200: ReceiptsOut, **ERRORS},
    summary="Read receipts: which guardians of the audience read it (author, school staff)",
)
def notice_receipts(request, notice_id: int):
    r = selectors.notice_receipts(actor=request.user, notice_id=notice_id)
    return {
        "notice_id": notice_id,
        "recipients": r["recipients"],
        "read": r["read"],
        "rows": [
            {"user_id": x["user"].pk, "name": _person_name(x["user"]), "read_at": x["read_at"]}
            for x in r["rows"]
        ],
    }


# --- messages --------------------------------------------------------------------------------


class ThreadOut(Schema):
    id: int
    student_id: int
    student: str
    guardian_id: int
    guardian: str | None
    teacher_id: int
    teacher: str | None
    last_message_at: dt.datetime | None
    unread: int


def render_thread(t) -> dict:
    return {
        "id": t.pk,
        "student_id": t.student_id,
        "student": t.student.person.full_name,
        "guardian_id": t.guardian_id,
        "guardian": _person_name(t.guardian),
        "teacher_id": t.teacher_id,
        "teacher": _person_name(t.teacher),
        "last_message_at": t.last_message_at,
        "unread": getattr(t, "unread", 0),
    }


class MessageOut(Schema):
    id: int
    thread_id: int
    sender_id: int
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    quiet: bool = Field(..., description="Sent in the school's quiet hours: other channels wait.")


def render_message(m) -> dict:
    return {
        "id": m.pk,
        "thread_id": m.thread_id,
        "sender_id": m.sender_id,
        "body": m.body,
        "created_at": m.created_at,
        "read_at": m.read_at,
        "quiet": m.quiet,
    }


class ThreadPage(Schema):
    items: list[ThreadOut]
    count: int
    page: int
    page_size: int


@router.get(
    "/contact/threads",
    response={200: ThreadPage, **ERRORS},
    summary="The caller's conversations, latest first",
)
def list_threads(request, filters: Query[PageParams]):
    return paginate(selectors.threads(request.user), filters, render_thread)


class ThreadDetail(ThreadOut):
    messages: list[MessageOut]


@router.get(
    "/contact/threads/{thread_id}",
    response={200: ThreadDetail, **ERRORS},
    summary="A conversation with its messages (marks those to the caller read)",
)
def get_thread(request, thread_id: int):
    t = selectors.thread_get(actor=request.user, thread_id=thread_id, unread=True)
    services.thread_mark_read(actor=request.user, thread=t)
    return {**render_thread(t), "messages": [render_message(m) for m in t.messages.all()]}


class MessageIn(Schema):
    student_id: int
    to_user_id: int = Field(
        ...,
        description="A teacher of the student (for a guardian), or a "
        "guardian of the student (for their teacher).",
    )
    body: str = Field(..., max_length=2000)


@router.post(
    "/contact/messages",
    response={201: MessageOut, **ERRORS},
    summary="Send a message about a student (opens the conversation if needed)",
    description="Guardian → a teacher of the child's class, or teacher → a guardian of a "
    "student they teach. Anything else (guardian to guardian, another class) is a 403.",
    openapi_extra=IDEMPOTENT,
)
def send_message(request, payload: MessageIn):
    # Not the scoped student_get: a teacher writing about a student of another class is
    # refused with its reason (403), not told the student does not exist.
    student = (
        Student.objects.select_related("person", "current_school")
        .filter(pk=payload.student_id)
        .first()
    )
    if student is None:
        raise NotFound("student.not_found", _("Không tìm thấy học sinh."))
    other = User.objects.filter(pk=payload.to_user_id).first()

    def create() -> dict:
        thread = services.thread_open(actor=request.user, student=student, other=other)
        return render_message(
            services.message_send(actor=request.user, thread=thread, body=payload.body)
        )

    return create_response(request, MessageOut, create, {})


class ReplyIn(Schema):
    body: str = Field(..., max_length=2000)


@router.post(
    "/contact/threads/{thread_id}/messages",
    response={201: MessageOut, **ERRORS},
    summary="Reply in a conversation",
    openapi_extra=IDEMPOTENT,
)
def reply(request, thread_id: int, payload: ReplyIn):
    thread = selectors.thread_get(actor=request.user, thread_id=thread_id)
    return create_response(
        request,
        MessageOut,
        lambda: render_message(
            services.message_send(actor=request.user, thread=thread, body=payload.body)
        ),
        {},
    )


# --- feedback --------------------------------------------------------------------------------


class FeedbackIn(Schema):
    unit_id: int = Field(..., description="A school or an education office.")
    kind: FeedbackKind
    subject: str = Field(..., max_length=200)
    body: str = Field(..., max_length=5000)
    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=20, description="Required without an account.")
    email: str = Field("", max_length=254)


class FeedbackOut(Schema):
    id: int
    tracking_code: str
    unit_id: int
    unit: str
    kind: FeedbackKind
    subject: str
    body: str
    status: FeedbackStatus
    created_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    answer: str
    answered_at: dt.datetime | None
    rating: int | None


def render_feedback(f) -> dict:
    return {
        "id": f.pk,
        "tracking_code": f.tracking_code,
        "unit_id": f.unit_id,
        "unit": f.unit.name,
        "kind": f.kind,
        "subject": f.subject,
        "body": f.body,
        "status": f.status,
        "created_at": f.created_at,
        "due_at": f.due_at,
        "overdue": selectors.is_overdue(f),
        "answer": f.answer,
        "answered_at": f.answered_at,
        "rating": f.rating,
    }


def _feedback_actor_key(request, phone: str) -> str:
    if getattr(request.user, "is_authenticated", False):
        return actor_key(request)
    return f"anon:{normalise_phone(phone)}"


@router.post(
    "/contact/feedback",
    response={201: FeedbackOut, **ERRORS},
    auth=None,
    summary="Send feedback or a complaint to a school or an office (no account needed)",
    description="Without an account a phone number is required; the answer's tracking_code "
    "and that phone follow it (GET /contact/feedback/track).",
    openapi_extra=IDEMPOTENT,
)
def create_feedback(request, payload: FeedbackIn):
    unit = OrgUnit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise NotFound("unit.not_found", _("Không tìm thấy đơn vị."))

    throttle.feedback_allowed(request)

    def run() -> dict:
        fb = services.feedback_submit(
            actor=request.user,
            unit=unit,
            kind=payload.kind,
            subject=payload.subject,
            body=payload.body,
            sender_name=payload.name,
            phone=payload.phone,
            email=payload.email,
        )
        from edudx.org.api import json_body  # noqa: PLC0415

        return json_body(FeedbackOut, render_feedback(fb))

    return idempotent(request, actor_key=_feedback_actor_key(request, payload.phone), run=run)


class TrackParams(Schema):
    code: str = Field(..., max_length=12)
    phone: str = Field(..., max_length=20)


@router.get(
    "/contact/feedback/track",
    response={200: FeedbackOut, **ERRORS},
    auth=None,
    summary="Follow feedback by tracking code and phone",
)
def track_feedback(request, params: Query[TrackParams]):
    return render_feedback(selectors.feedback_track(code=params.code, phone=params.phone))


class RatingIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)
    code: str | None = Field(None, description="Without an account: tracking code …")
    phone: str | None = Field(None, description="… and phone.")


@router.post(
    "/contact/feedback/{feedback_id}/rating",
    response={200: FeedbackOut, **ERRORS},
    auth=None,
    summary="The sender rates the answer (1–5), which closes the feedback",
)
def rate_feedback(request, feedback_id: int, payload: RatingIn):
    if payload.code:
        fb = selectors.feedback_track(code=payload.code, phone=payload.phone or "")
        if fb.pk != feedback_id:
            raise NotFound("feedback.not_found", _("Không tìm thấy phản hồi."))
    else:
        fb = selectors.feedback_sender_get(actor=request.user, feedback_id=feedback_id)
    return render_feedback(
        services.feedback_rate(feedback=fb, rating=payload.rating, comment=payload.comment)
    )


class FeedbackPage(Schema):
    items: list[FeedbackOut]
    count: int
    page: int
    page_size: int


class InboxFilters(PageParams):
    status: FeedbackStatus | None = None
    overdue: bool = False
    mine: bool = Field(False, description="Feedback the caller sent, instead of the inbox.")


@router.get(
    "/contact/feedback",
    response={200: FeedbackPage, **ERRORS},
    summary="Officers: feedback to their units (overdue filter); or the caller's own (mine)",
)
def list_feedback(request, filters: Query[InboxFilters]):
    if filters.mine:
        qs = selectors.feedback_mine(actor=request.user)
    else:
        qs = selectors.feedback_inbox(
            actor=request.user, status=filters.status, overdue=filters.overdue
        )
    return paginate(qs, filters, render_feedback)


class AnswerIn(Schema):
    answer: str = Field(..., max_length=5000)


@router.post(
    "/contact/feedback/{feedback_id}/answer",
    response={200: FeedbackOut, **ERRORS},
    summary="An officer of the unit answers (the sender is notified)",
    openapi_extra=IDEMPOTENT,
)
def answer_feedback(request, feedback_id: int, payload: AnswerIn):
    fb = selectors.feedback_get_officer(actor=request.user, feedback_id=feedback_id)

    def run() -> dict:
        from edudx.org.api import json_body  # noqa: PLC0415

        return json_body(
            FeedbackOut,
            render_feedback(
                services.feedback_answer(actor=request.user, feedback=fb, answer=payload.answer)
            ),
        )

    return idempotent(request, actor_key=actor_key(request), run=run, status=200)


class SummaryOut(Schema):
    received: int
    open: int
    answered: int
    answered_on_time: int
    overdue: int
    rated: int
    mean_rating: float | None
    satisfied_share: float | None


class SummaryParams(Schema):
    unit_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@router.get(
    "/contact/feedback/summary",
    response={200: SummaryOut, **ERRORS},
    summary="Publishable summary of the feedback channel (counts, mean rating, share satisfied)",
)
def feedback_summary(request, params: Query[SummaryParams]):
    path = None
    if params.unit_id:
        unit = OrgUnit.objects.filter(pk=params.unit_id).first()
        if unit is None:
            raise NotFound("unit.not_found", _("Không tìm thấy đơn vị."))
        path = unit.path
    if params.start and params.end and params.end < params.start:
        raise DomainError(
            "summary.dates", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."), field="end"
        )
    return selectors.feedback_summary(unit_path=path, start=params.start, end=params.end).as_dict()
