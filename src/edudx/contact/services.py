"""Every contact-book write: validation, permission, audit, notifications (`notify`), in
one transaction each. Guardians and teachers reach each other only about a student the
teacher teaches; messages and notices sent in a school's quiet hours reach the inbox at
once and the other channels (e-mail, push, SMS, Zalo) when the quiet hours end."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import Role
from edudx.audit.services import audit_record
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.codes import new_code
from edudx.core.errors import DomainError, ErrorCollector
from edudx.core.phones import normalise_phone
from edudx.core.scope import scope_of
from edudx.notify.services import Address, mark_read, notify, notify_many
from edudx.org.models import ClassGroup, Grade, OrgUnit, UnitKind
from edudx.org.selectors import school_year_current
from edudx.people.models import Student
from edudx.records import services as records_services

from . import selectors
from .models import (
    OPEN_FEEDBACK,
    Audience,
    Feedback,
    FeedbackKind,
    FeedbackStatus,
    Message,
    Notice,
    NoticeRead,
    TeacherComment,
    Thread,
)

MESSAGE_MAX = 2000
NOTICE_POSTED = "contact.notice_posted"
NOTICE_MAX = 5000


def _clean(text: str) -> str:
    return (text or "").strip()


# --- quiet hours ------------------------------------------------------------------------------


def quiet_until(unit: OrgUnit | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the unit's quiet hours end, if `now` falls inside them; None otherwise."""
    if unit is None:
        return None
    s = selectors.unit_settings(unit)
    start, end = s.quiet_from, s.quiet_to
    if start == end:
        return None
    local = timezone.localtime(now or timezone.now())
    t = local.time()
    tz = local.tzinfo
    if start > end:  # overnight, e.g. 21:00–06:30
        if t >= start:
            day = local.date() + dt.timedelta(days=1)
        elif t < end:
            day = local.date()
        else:
            return None
    else:
        if not (start <= t < end):
            return None
        day = local.date()
    return dt.datetime.combine(day, end, tzinfo=tz)


# --- notices ----------------------------------------------------------------------------------


def notice_post(
    *,
    actor,
    audience: str,
    title: str,
    body: str,
    class_group: ClassGroup | None = None,
    school: OrgUnit | None = None,
    grade: Grade | None = None,
    now: dt.datetime | None = None,
) -> Notice:
    """A teacher posts to a class they teach; the principal or a clerk to a class, a grade
    or the whole school. Every guardian of the audience is notified."""
    title, body = _clean(title), _clean(body)
    errors = ErrorCollector()
    if not title:
        errors.add("notice.title", _("Hãy nhập tiêu đề thông báo."), "title")
    elif len(title) > 200:
        errors.add("notice.title", _("Tiêu đề dài tối đa 200 ký tự."), "title")
    if not body:
        errors.add("notice.body", _("Hãy nhập nội dung thông báo."), "body")
    elif len(body) > NOTICE_MAX:
        errors.add("notice.body", _("Nội dung dài tối đa 5000 ký tự."), "body")
    if audience not in Audience.values:
        errors.add(
            "notice.audience", _("Hãy chọn gửi cho một lớp, một khối hay toàn trường."), "audience"
        )
    errors.raise_if_any()
    if audience == Audience.CLASS:
        if class_group is None:
            raise DomainError("notice.class", _("Hãy chọn lớp."), field="class_id")
        school, year, grade = class_group.school, class_group.school_year, None
        allowed = class_group.pk in scope_of(actor).class_ids or selectors.is_school_staff(
            actor, school
        )
        if not allowed:
            raise Forbidden(
                "notice.forbidden_class",
                _("Bạn chỉ gửi thông báo được cho lớp mình dạy."),
                field="class_id",
            )
    else:
        if school is None or school.kind != UnitKind.SCHOOL:
            raise DomainError("notice.school", _("Hãy chọn trường."), field="school_id")
        if audience == Audience.GRADE and grade is None:
            raise DomainError("notice.grade", _("Hãy chọn khối."), field="grade")
        if not selectors.is_school_staff(actor, school):
            raise Forbidden(
                "notice.forbidden_school",
                _("Chỉ hiệu trưởng hoặc văn thư gửi được thông báo cho cả khối hoặc toàn trường."),
                field="audience",
            )
        year = school_year_current()
        if year is None:
            raise DomainError("notice.year", _("Chưa có năm học."), field=None)
        class_group = None
        if audience == Audience.SCHOOL:
            grade = None
    with transaction.atomic():
        notice = Notice.objects.create(
            school=school,
            school_year=year,
            audience=audience,
            class_group=class_group,
            grade=grade,
            title=title,
            body=body,
            author=actor,
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="contact.notice",
            object_id=notice.pk,
            object_repr=title,
            changes={"audience": audience, "class": getattr(class_group, "pk", None)},
        )
        # Fan-out after commit (outbox, handlers.notify_notice_audience): a school-wide
        # notice reaches a thousand guardians without holding the teacher's request.
        after = quiet_until(school, now)
        events.emit(
            NOTICE_POSTED,
            {"notice": notice.pk, "deliver_after": after.isoformat() if after else ""},
        )
    return notice


def notice_mark_read(*, actor, notice: Notice) -> NoticeRead:
    """Record that the actor read the notice (the first time only); its notification in
    the actor's inbox is read too."""
    mark_read(actor=actor, keys=[f"contact.notice:{notice.pk}:user:{actor.pk}"])
    existing = NoticeRead.objects.filter(notice=notice, user=actor).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return NoticeRead.objects.create(notice=notice, user=actor, read_at=timezone.now())
    except IntegrityError:
        return NoticeRead.objects.get(notice=notice, user=actor)


# --- messages ---------------------------------------------------------------------------------


def thread_open(*, actor, student: Student, other) -> Thread:
    """The thread between the actor and `other` about `student`, created if needed. One of
    them must be the student's guardian and the other a teacher of the student's class;
    anything else (guardian to guardian, a teacher of another class) is refused."""
    if selectors.is_guardian_of(actor, student):
        guardian, teacher = actor, other
        teacher_ids = {t["user"].pk for t in selectors.teacher_users(student)}
        if teacher is None or teacher.pk not in teacher_ids:
            raise Forbidden(
                "message.not_teacher",
                _(
                    "Chỉ nhắn tin được cho giáo viên chủ nhiệm hoặc giáo viên bộ môn "
                    "đang dạy lớp của con."
                ),
                field="teacher_id",
            )
    elif selectors.teaches(actor, student):
        guardian, teacher = other, actor
        if guardian is None or guardian.pk not in {
            g.pk for g in selectors.guardian_users([student.pk])
        }:
            raise Forbidden(
                "message.not_guardian",
                _("Người nhận không phải phụ huynh của học sinh này."),
                field="guardian_id",
            )
    else:
        raise Forbidden(
            "message.other_class",
            _("Bạn chỉ nhắn tin được với phụ huynh của học sinh lớp mình dạy."),
            field="student_id",
        )
    thread = Thread.objects.filter(student=student, guardian=guardian, teacher=teacher).first()
    if thread is None:
        try:
            with transaction.atomic():
                thread = Thread.objects.create(student=student, guardian=guardian, teacher=teacher)
        except IntegrityError:
            thread = Thread.objects.get(student=student, guardian=guardian, teacher=teacher)
    return thread


def message_send(*, actor, thread: Thread, body: str, now: dt.datetime | None = None) -> Message:
    """Send in a thread the actor takes part in. The teacher must still teach the class and
    the guardian still be the student's guardian (a moved class closes the conversation)."""
    body = _clean(body)
    if not body:
        raise DomainError("message.body", _("Hãy nhập nội dung tin nhắn."), field="body")
    if len(body) > MESSAGE_MAX:
        raise DomainError("message.body", _("Tin nhắn dài tối đa 2000 ký tự."), field="body")
    if actor.pk not in (thread.guardian_id, thread.teacher_id):
        raise Forbidden(
            "message.not_participant", _("Bạn không tham gia cuộc trao đổi này."), field=None
        )
    student = thread.student
    teacher_ids = {t["user"].pk for t in selectors.teacher_users(student)}
    guardian_ids = {g.pk for g in selectors.guardian_users([student.pk])}
    if thread.teacher_id not in teacher_ids or thread.guardian_id not in guardian_ids:
        raise Forbidden(
            "message.other_class",
            _("Giáo viên không còn dạy lớp của học sinh này; không gửi được tin nhắn."),
            field=None,
        )
    now = now or timezone.now()
    after = quiet_until(student.current_school, now)
    recipient = thread.teacher if actor.pk == thread.guardian_id else thread.guardian
    with transaction.atomic():
        msg = Message.objects.create(
            thread=thread, sender=actor, body=body, quiet=after is not None
        )
        Thread.objects.filter(pk=thread.pk).update(last_message_at=msg.created_at)
        audit_record(
            actor=actor,
            action="create",
            object_type="contact.message",
            object_id=msg.pk,
            object_repr=f"thread {thread.pk} → user {recipient.pk}",
        )
        notify(
            recipient,
            "contact.message",
            {"thread": thread.pk, "message": msg.pk},
            key=f"contact.message:{msg.pk}",
            title=lambda: (
                _("Tin nhắn mới từ %(n)s về %(s)s")
                % {"n": actor.display_name, "s": student.person.full_name}
            ),
            body=body[:300],
            url=reverse("contact:thread", args=[thread.pk]),
            deliver_after=after,
        )
    return msg


def thread_mark_read(*, actor, thread: Thread) -> int:
    """The messages to the actor in the thread are read, and their notifications."""
    unread = Message.objects.filter(thread=thread, read_at__isnull=True).exclude(sender=actor)
    ids = list(unread.values_list("pk", flat=True))
    if not ids:
        return 0
    mark_read(actor=actor, keys=[f"contact.message:{pk}" for pk in ids])
    return Message.objects.filter(pk__in=ids).update(read_at=timezone.now())


# --- teachers' comments and leave -----------------------------------------------------------


def comment_add(*, actor, student: Student, body: str) -> TeacherComment:
    body = _clean(body)
    if not body:
        raise DomainError("comment.body", _("Hãy nhập nhận xét."), field="body")
    if len(body) > 1000:
        raise DomainError("comment.body", _("Nhận xét dài tối đa 1000 ký tự."), field="body")
    if not (
        selectors.teaches(actor, student)
        or (student.current_school and selectors.is_school_staff(actor, student.current_school))
    ):
        raise Forbidden(
            "comment.forbidden", _("Bạn chỉ nhận xét được học sinh lớp mình dạy."), field=None
        )
    if not student.current_class_id:
        raise DomainError("comment.class", _("Học sinh hiện không thuộc lớp nào."), field=None)
    with transaction.atomic():
        comment = TeacherComment.objects.create(
            student=student, class_group_id=student.current_class_id, author=actor, body=body
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="contact.comment",
            object_id=comment.pk,
            object_repr=student.person.full_name,
        )
        for user in selectors.guardian_users([student.pk]):
            notify(
                user,
                "contact.comment",
                {"comment": comment.pk, "student": student.pk},
                key=f"contact.comment:{comment.pk}:user:{user.pk}",
                title=lambda: _("Nhận xét mới về %(s)s") % {"s": student.person.full_name},
                body=body[:300],
                url=reverse("contact:student", args=[student.pk]),
                deliver_after=quiet_until(student.current_school),
            )
    return comment


def leave_request(
    *,
    actor,
    student: Student,
    from_date: dt.date,
    to_date: dt.date,
    reason: str,
    today: dt.date | None = None,
):
    """A guardian's leave request from the contact book: records' own service (which
    refuses leave for a month already over, notifies nobody and turns absences excused
    when the homeroom teacher accepts)."""
    return records_services.leave_request_create(
        actor=actor,
        student=student,
        from_date=from_date,
        to_date=to_date,
        reason=reason,
        today=today,
    )


# --- feedback ---------------------------------------------------------------------------------


def feedback_submit(
    *,
    actor,
    unit: OrgUnit,
    kind: str,
    subject: str,
    body: str,
    sender_name: str = "",
    phone: str = "",
    email: str = "",
    now: dt.datetime | None = None,
    tracking_code: str | None = None,
) -> Feedback:
    """Anyone sends feedback to a school or an education office; without an account a
    phone number is required (with the tracking code it is how they follow it). Routed to
    the unit's officers, due within the unit's response time."""
    signed_in = getattr(actor, "is_authenticated", False)
    subject, body, phone = _clean(subject), _clean(body), normalise_phone(phone)
    errors = ErrorCollector()
    if unit.kind not in selectors.FEEDBACK_KINDS:
        errors.add(
            "feedback.unit",
            _("Chỉ gửi phản hồi được cho trường học hoặc cơ quan quản lý giáo dục."),
            "unit_id",
        )
    if kind not in FeedbackKind.values:
        errors.add("feedback.kind", _("Hãy chọn loại phản hồi."), "kind")
    if not subject:
        errors.add("feedback.subject", _("Hãy nhập tiêu đề."), "subject")
    elif len(subject) > 200:
        errors.add("feedback.subject", _("Tiêu đề dài tối đa 200 ký tự."), "subject")
    if not body:
        errors.add("feedback.body", _("Hãy nhập nội dung."), "body")
    elif len(body) > NOTICE_MAX:
        errors.add("feedback.body", _("Nội dung dài tối đa 5000 ký tự."), "body")
    if phone and not (phone.isdigit() and 9 <= len(phone) <= 11):
        errors.add("feedback.phone", _("Số điện thoại không hợp lệ."), "phone")
    if not signed_in and not phone:
        errors.add(
            "feedback.phone",
            _("Hãy nhập số điện thoại để theo dõi phản hồi bằng mã tra cứu."),
            "phone",
        )
    errors.raise_if_any()
    now = now or timezone.now()
    hours = selectors.unit_settings(unit).feedback_response_hours
    if signed_in and not sender_name:
        sender_name = actor.display_name
    with transaction.atomic():
        fb = Feedback.objects.create(
            tracking_code=tracking_code or new_code("PH"),
            unit=unit,
            kind=kind,
            subject=subject,
            body=body,
            sender=actor if signed_in else None,
            sender_name=_clean(sender_name)[:200],
            phone=phone,
            email=_clean(email)[:254],
            created_at=now,
            due_at=now + dt.timedelta(hours=hours),
        )
        audit_record(
            actor=actor if signed_in else None,
            action="create",
            object_type="contact.feedback",
            object_id=fb.pk,
            object_repr=f"{fb.tracking_code} → {unit.name}",
        )
        for officer in selectors.unit_officers(unit):
            notify(
                officer,
                "contact.feedback_new",
                {"feedback": fb.pk},
                key=f"contact.feedback:{fb.pk}:new:user:{officer.pk}",
                title=lambda: _("Phản hồi mới gửi %(u)s: %(s)s") % {"u": unit.name, "s": subject},
                body=body[:300],
                url=reverse("contact:feedback_handle", args=[fb.pk]),
            )
    return fb


def feedback_start(*, actor, feedback: Feedback) -> Feedback:
    if feedback.status != FeedbackStatus.NEW:
        return feedback
    Feedback.objects.filter(pk=feedback.pk, status=FeedbackStatus.NEW).update(
        status=FeedbackStatus.IN_PROGRESS
    )
    feedback.status = FeedbackStatus.IN_PROGRESS
    return feedback


def feedback_answer(
    *, actor, feedback: Feedback, answer: str, now: dt.datetime | None = None
) -> Feedback:
    """An officer of the unit answers; the sender is notified (account, or phone/e-mail)."""
    answer = _clean(answer)
    if not answer:
        raise DomainError("feedback.answer", _("Hãy nhập nội dung trả lời."), field="answer")
    if not selectors.feedback_inbox(actor=actor).filter(pk=feedback.pk).exists():
        raise Forbidden(
            "feedback.forbidden", _("Bạn không phụ trách đơn vị nhận phản hồi này."), field=None
        )
    now = now or timezone.now()
    with transaction.atomic():
        updated = Feedback.objects.filter(pk=feedback.pk, status__in=OPEN_FEEDBACK).update(
            status=FeedbackStatus.ANSWERED, answer=answer, answered_at=now, answered_by=actor
        )
        if not updated:
            raise DomainError("feedback.closed", _("Phản hồi này đã được trả lời."), field="status")
        feedback.refresh_from_db()
        audit_record(
            actor=actor,
            action="update",
            object_type="contact.feedback",
            object_id=feedback.pk,
            object_repr=feedback.tracking_code,
            changes={"status": ["open", FeedbackStatus.ANSWERED]},
        )
        recipient = feedback.sender or (
            Address(phone=feedback.phone, email=feedback.email)
            if (feedback.phone or feedback.email)
            else None
        )
        if recipient is not None:
            notify(
                recipient,
                "contact.feedback_answered",
                {"feedback": feedback.pk},
                key=f"contact.feedback:{feedback.pk}:answered",
                title=lambda: _("Phản hồi %(c)s đã được trả lời") % {"c": feedback.tracking_code},
                body=answer[:300],
                url=reverse("contact:feedback_track") + f"?code={feedback.tracking_code}",
            )
    return feedback


def feedback_rate(
    *, feedback: Feedback, rating: int, comment: str = "", now: dt.datetime | None = None
) -> Feedback:
    """The sender rates the answer (1–5), which closes the feedback. The caller has found
    the feedback as its sender (account, or tracking code and phone)."""
    if rating not in (1, 2, 3, 4, 5):
        raise DomainError("feedback.rating", _("Hãy chấm từ 1 đến 5 sao."), field="rating")
    if feedback.status != FeedbackStatus.ANSWERED:
        raise DomainError(
            "feedback.not_answered",
            _("Chỉ đánh giá được khi phản hồi đã được trả lời và chưa đóng."),
            field="status",
        )
    now = now or timezone.now()
    with transaction.atomic():
        updated = Feedback.objects.filter(pk=feedback.pk, status=FeedbackStatus.ANSWERED).update(
            status=FeedbackStatus.CLOSED,
            rating=rating,
            rating_comment=_clean(comment)[:500],
            closed_at=now,
        )
        if not updated:
            raise DomainError("feedback.closed", _("Phản hồi này đã đóng."), field="status")
        feedback.refresh_from_db()
        audit_record(
            actor=None,
            action="update",
            object_type="contact.feedback",
            object_id=feedback.pk,
            object_repr=feedback.tracking_code,
            changes={"status": [FeedbackStatus.ANSWERED, FeedbackStatus.CLOSED], "rating": rating},
        )
    return feedback


def guardian_role(user) -> bool:
    return Role.GUARDIAN in user.roles


def unit_settings_update(
    *,
    actor,
    unit: OrgUnit,
    quiet_from: dt.time | None,
    quiet_to: dt.time | None,
    feedback_response_hours: int,
):
    """The unit's principal or clerk (a school) or officers (an office) set its quiet hours
    and how long it takes to answer feedback. A time None (not a valid hh:mm where it was
    typed) is an error at its field, reported with the others."""
    from .models import UnitContactSettings  # noqa: PLC0415

    if (
        not any(
            unit.path.startswith(p) for p in selectors.staff_paths(actor, selectors.OFFICER_ROLES)
        )
        and not scope_of(actor).everything
    ):
        raise Forbidden(
            "contact.settings_forbidden",
            _("Chỉ lãnh đạo, văn thư của đơn vị mới đổi được cài đặt này."),
            field=None,
        )
    found = ErrorCollector()
    for name, value in (("quiet_from", quiet_from), ("quiet_to", quiet_to)):
        if value is None:
            found.add("contact.quiet_time", _("Giờ không hợp lệ (hh:mm)."), name)
    if not 1 <= feedback_response_hours <= 720:
        found.add(
            "contact.response_hours",
            _("Thời hạn trả lời phản hồi từ 1 đến 720 giờ."),
            "feedback_response_hours",
        )
    found.raise_if_any()
    with transaction.atomic():
        row, _created = UnitContactSettings.objects.update_or_create(
            unit=unit,
            defaults={
                "quiet_from": quiet_from,
                "quiet_to": quiet_to,
                "feedback_response_hours": feedback_response_hours,
            },
        )
        audit_record(
            actor=actor,
            action="update",
            object_type="contact.unit_settings",
            object_id=unit.pk,
            object_repr=unit.name,
            changes={
                "quiet": [quiet_from.isoformat(), quiet_to.isoformat()],
                "feedback_response_hours": feedback_response_hours,
            },
        )
    return row


def notice_fan_out(notice: Notice, *, deliver_after: dt.datetime | None = None) -> int:
    """Notify every guardian (with an account) of the notice's audience; idempotent per
    (notice, user). Returns how many guardians the notice reaches."""
    users = list(selectors.guardian_users(selectors.audience_students(notice).values("pk")))
    notify_many(
        users,
        "contact.notice",
        {"notice": notice.pk},
        key=f"contact.notice:{notice.pk}",
        title=lambda: (
            _("Thông báo của %(s)s: %(t)s") % {"s": notice.school.name, "t": notice.title}
        ),
        body=notice.body[:300],
        url=reverse("contact:notice", args=[notice.pk]),
        deliver_after=deliver_after,
    )
    return len(users)
