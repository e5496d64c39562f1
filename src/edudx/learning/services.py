"""Every write of online classes. Callers fetch the class, assignment or submission through
`learning.selectors` (scoped; 404 outside) and pass it in; services check who may do what:
the subject's teacher in the class group (or the school's principal/clerk) manages the
class; a student of the class submits their own work."""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from edudx.accounts.models import User
from edudx.audit.services import audit_record
from edudx.content import files as content_files
from edudx.content import selectors as content_selectors
from edudx.content.models import ResourceStatus, Topic
from edudx.content.services import Upload
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError
from edudx.notify.services import Text, notify_many
from edudx.org.models import ClassGroup
from edudx.people.models import GuardianLink, StaffMember
from edudx.records import selectors as records_selectors
from edudx.records import services as records_services
from edudx.records.models import REGULAR_KINDS, Subject

from . import selectors
from .models import Assignment, Attachment, Lesson, LiveSession, OnlineClass, Submission

SUBMITTED = "learning.submitted"
# What a student may hand in from a phone: photos, PDF, Word, a voice recording.
SUBMISSION_TYPES = {
    content_files.PDF,
    content_files.DOCX,
    *content_files.IMAGES,
    content_files.MP3,
    content_files.M4A,
    content_files.OGG,
}
ATTACHMENT_TYPES = SUBMISSION_TYPES | {content_files.PPTX, content_files.XLSX}
MAX_SUBMISSION_BYTES = 20 * content_files.MB


def require_teacher(actor, oc: OnlineClass) -> None:
    if not selectors.is_teacher(actor, oc):
        raise Forbidden(
            "learning.forbidden",
            _("Chỉ giáo viên dạy môn %(s)s của lớp %(c)s mới làm được việc này.")
            % {"s": oc.subject.name, "c": oc.class_group.name},
        )


def _store(upload: Upload, allowed: set[str], limit: int) -> dict:
    if upload.size > limit:
        raise content_files.bad_upload(
            "too_large",
            _("Tệp lớn %(n)s MB, vượt giới hạn %(max)s MB.")
            % {"n": round(upload.size / content_files.MB, 1), "max": limit // content_files.MB},
        )
    if upload.size <= 0:
        raise content_files.bad_upload("empty", _("Tệp rỗng."))
    upload.file.seek(0)
    mime = content_files.sniff(upload.file.read(64), upload.file)
    upload.file.seek(0)
    if mime not in allowed:
        raise content_files.bad_upload(
            "type",
            _("Chỉ nhận ảnh, PDF, Word hoặc ghi âm (nhận diện: %(got)s).")
            % {"got": content_files.EXTENSIONS.get(mime, _("không xác định"))},
        )
    if mime in content_files.OFFICE:
        content_files.zip_check(upload.file)
    name = f"learning/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{content_files.EXTENSIONS[mime]}"
    stored = default_storage.save(name, File(upload.file))
    client = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:255]
    return {"file": stored, "file_name": client or stored.rsplit("/", 1)[-1], "mime": mime}


def published_resources(actor, ids) -> list:
    ids = set(ids or ())
    found = list(
        content_selectors.resources(actor).filter(pk__in=ids, status=ResourceStatus.PUBLISHED)
    )
    if len(found) != len(ids):
        raise DomainError(
            "learning.resource",
            _("Có học liệu không tồn tại hoặc chưa xuất bản."),
            field="resources",
        )
    return found


def _topic(oc: OnlineClass, topic_id: int | None) -> Topic | None:
    """The curriculum topic `topic_id` of the class's subject (None for none)."""
    if not topic_id:
        return None
    topic = Topic.objects.filter(pk=topic_id, subject=oc.subject).first()
    if topic is None:
        raise DomainError("learning.topic", _("Chủ đề không thuộc môn của lớp."), field="topic")
    return topic


def resources_keeping(actor, current, ids) -> list[int]:
    """The resource ids for an edited lesson or course: those it already has (`current`,
    its related manager) may stay even while they wait for review (material imported from a
    cartridge); new ones must be published ones the actor can see (`published_resources`)."""
    wanted = set(ids)
    kept = set(current.filter(pk__in=wanted).values_list("pk", flat=True))
    return sorted([*(r.pk for r in published_resources(actor, wanted - kept)), *kept])


def _title(value: str, field: str = "title") -> str:
    value = " ".join((value or "").split())
    if not value:
        raise DomainError("learning.title", _("Thiếu tiêu đề."), field=field)
    return value[:200]


def online_class_create(
    *, actor, class_group: ClassGroup, subject: Subject, title: str = ""
) -> OnlineClass:
    """The subject's teacher opens the online class of a class group (one per subject)."""
    if not records_selectors.may_enter_marks(
        actor=actor, class_id=class_group.pk, subject_id=subject.pk
    ):
        raise Forbidden(
            "learning.forbidden",
            _("Bạn không dạy môn %(s)s ở lớp %(c)s.") % {"s": subject.name, "c": class_group.name},
        )
    staff = StaffMember.objects.filter(
        person_id=getattr(actor, "person_id", None), unit=class_group.school, end_date__isnull=True
    ).first()
    if staff is None:
        raise Forbidden("learning.not_staff", _("Bạn không phải cán bộ của trường có lớp này."))
    if OnlineClass.objects.filter(class_group=class_group, subject=subject).exists():
        raise Conflict(
            "learning.class_exists",
            _("Lớp %(c)s đã có lớp trực tuyến môn %(s)s.")
            % {"c": class_group.name, "s": subject.name},
            field="subject",
        )
    with transaction.atomic():
        oc = OnlineClass.objects.create(
            class_group=class_group,
            subject=subject,
            teacher=staff,
            title=" ".join((title or "").split())[:200] or f"{subject.name} – {class_group.name}",
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="learning.online_class",
            object_id=oc.pk,
            object_repr=oc.title,
        )
    return oc


def lesson_create(
    *,
    actor,
    online_class: OnlineClass,
    title: str,
    text: str = "",
    resource_ids=(),
    topic_id: int | None = None,
) -> Lesson:
    require_teacher(actor, online_class)
    title = _title(title)
    resources = published_resources(actor, resource_ids)
    topic = _topic(online_class, topic_id)
    with transaction.atomic():
        lesson = Lesson.objects.create(
            online_class=online_class, title=title, text=text or "", topic=topic, created_by=actor
        )
        lesson.resources.set(resources)
    return lesson


def lesson_update(
    *,
    actor,
    lesson: Lesson,
    title: str | None = None,
    text: str | None = None,
    resource_ids=None,
    topic_id: int | None | object = ...,
) -> Lesson:
    """The class's teacher corrects a lesson: what is given changes (None/... = keep).
    Resources must be published, except those the lesson already has (material imported
    from a cartridge that still waits for review stays attached)."""
    oc = lesson.online_class
    require_teacher(actor, oc)
    if title is not None:
        lesson.title = _title(title)
    if text is not None:
        lesson.text = text
    resources = None
    if resource_ids is not None:
        resources = resources_keeping(actor, lesson.resources, resource_ids)
    if topic_id is not ...:
        lesson.topic = _topic(oc, topic_id)
    with transaction.atomic():
        lesson.save()
        if resources is not None:
            lesson.resources.set(resources)
    return lesson


def lesson_delete(*, actor, lesson: Lesson) -> None:
    """The class's teacher removes a lesson (the resources stay in the repository)."""
    require_teacher(actor, lesson.online_class)
    lesson.delete()


def assignment_create(
    *,
    actor,
    online_class: OnlineClass,
    title: str,
    due_at: dt.datetime,
    instructions: str = "",
    resource_ids=(),
    attachments: list[Upload] = (),
) -> Assignment:
    require_teacher(actor, online_class)
    title = _title(title)
    if due_at is None:
        raise DomainError("learning.due_at", _("Thiếu hạn nộp."), field="due_at")
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    resources = published_resources(actor, resource_ids)
    stored = [
        (_store(u, ATTACHMENT_TYPES, content_files.MAX_UPLOAD_BYTES), u.size) for u in attachments
    ]
    try:
        with transaction.atomic():
            a = Assignment.objects.create(
                online_class=online_class,
                title=title,
                instructions=instructions or "",
                due_at=due_at,
                created_by=actor,
            )
            a.resources.set(resources)
            Attachment.objects.bulk_create(
                [Attachment(assignment=a, size=size, **s) for s, size in stored]
            )
            _notify_students(
                a,
                key=f"learning.assignment:{a.pk}:new",
                title=lambda: _("Bài tập mới: %(t)s") % {"t": a.title},
                body=lambda: (
                    _("%(c)s · hạn nộp %(d)s") % {"c": online_class.title, "d": _when(due_at)}
                ),
            )
    except Exception:
        for s, _size in stored:
            default_storage.delete(s["file"])
        raise
    return a


def assignment_update(
    *,
    actor,
    assignment: Assignment,
    title: str | None = None,
    instructions: str | None = None,
    due_at: dt.datetime | None = None,
) -> Assignment:
    """The class's teacher corrects an assignment or moves its due time (None = keep).
    Work already handed in is re-marked against the new due time: late when submitted after
    it, on time otherwise (extending the deadline clears "late" for those who made it);
    audited with the old and new due time."""
    require_teacher(actor, assignment.online_class)
    changes = {}
    if title is not None:
        assignment.title = _title(title)
    if instructions is not None:
        assignment.instructions = instructions
    if due_at is not None:
        if timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at)
        if due_at != assignment.due_at:
            changes["due_at"] = [assignment.due_at.isoformat(), due_at.isoformat()]
        assignment.due_at = due_at
    with transaction.atomic():
        assignment.save()
        if changes:
            subs = Submission.objects.filter(assignment=assignment)
            subs.filter(submitted_at__gt=due_at, late=False).update(late=True)
            subs.filter(submitted_at__lte=due_at, late=True).update(late=False)
            audit_record(
                actor=actor,
                action="update",
                object_type="learning.assignment",
                object_id=assignment.pk,
                object_repr=assignment.title,
                changes=changes,
            )
            _notify_students(
                assignment,
                key=f"learning.assignment:{assignment.pk}:due:{due_at.isoformat()}",
                title=lambda: _("Đổi hạn nộp: %(t)s") % {"t": assignment.title},
                body=lambda: (
                    _("Hạn nộp mới %(d)s (trước đây %(o)s).")
                    % {
                        "d": _when(due_at),
                        "o": _when(dt.datetime.fromisoformat(changes["due_at"][0])),
                    }
                ),
            )
    return assignment


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def _notify_students(assignment: Assignment, *, key: str, title: Text, body: Text) -> None:
    """Tell the class's students who have an account, and their guardians who have one
    (parents follow a young pupil's homework), in-app then their channels, in the caller's
    transaction; the key makes a repeat tell nobody twice."""
    roster = selectors.roster(assignment.online_class)
    guardians = GuardianLink.objects.filter(student__in=roster).values("guardian_id")
    users = User.objects.filter(
        Q(person_id__in=roster.values("person_id")) | Q(person_id__in=guardians),
        is_active=True,
    ).order_by("pk")
    notify_many(
        users,
        "learning.assignment",
        {"assignment": assignment.pk, "due_at": assignment.due_at.isoformat()},
        key=key,
        title=title,
        body=body,
        url=reverse("learning:assignment", args=[assignment.pk]),
    )


def live_session_record(
    *,
    actor,
    online_class: OnlineClass,
    url: str,
    date: dt.date,
    periods: int,
    attendee_ids=(),
    topic_id: int | None = None,
) -> LiveSession:
    """Record a live lesson held online: its link, date, the periods it counts for (T06/T07)
    and who attended."""
    require_teacher(actor, online_class)
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")) or " " in url or len(url) > 500:
        raise DomainError(
            "learning.url", _("Liên kết phải là địa chỉ http(s):// hợp lệ."), field="url"
        )
    if not isinstance(periods, int) or not 1 <= periods <= 10:
        raise DomainError("learning.periods", _("Số tiết phải từ 1 đến 10."), field="periods")
    year = online_class.class_group.school_year
    if date is None or not year.contains(date):
        raise DomainError(
            "learning.date",
            _("Ngày phải nằm trong năm học %(y)s.") % {"y": year.code},
            field="date",
        )
    roster = set(selectors.roster(online_class).values_list("pk", flat=True))
    wanted = set(attendee_ids or ())
    if wanted - roster:
        raise DomainError(
            "learning.attendee",
            _("Học sinh mã số %(ids)s không thuộc lớp.")
            % {"ids": ", ".join(str(i) for i in sorted(wanted - roster))},
            field="attendees",
        )
    topic = _topic(online_class, topic_id)
    with transaction.atomic():
        s = LiveSession.objects.create(
            online_class=online_class, url=url, date=date, periods=periods, topic=topic
        )
        s.attendees.set(wanted)
        audit_record(
            actor=actor,
            action="create",
            object_type="learning.live_session",
            object_id=s.pk,
            object_repr=f"{online_class.title} {date:%d/%m/%Y}",
            changes={"periods": [None, periods], "attendees": [None, len(wanted)]},
        )
    return s


def submission_submit(
    *, actor, assignment: Assignment, text: str = "", upload: Upload | None = None, now=None
) -> Submission:
    """A student hands in (or replaces, until graded) their work; after the due time it is
    accepted and marked late."""
    student = selectors.own_student(actor, assignment.online_class)
    if student is None:
        raise Forbidden("learning.not_student", _("Chỉ học sinh của lớp mới nộp bài."))
    text = (text or "").strip()
    if not text and upload is None:
        raise DomainError("learning.empty", _("Hãy viết bài làm hoặc chọn tệp."), field="text")
    existing = Submission.objects.filter(assignment=assignment, student=student).first()
    if existing is not None and existing.graded_at is not None:
        raise Conflict(
            "learning.graded", _("Bài đã được chấm, không nộp lại được."), field="submission"
        )
    stored = _store(upload, SUBMISSION_TYPES, MAX_SUBMISSION_BYTES) if upload else {}
    now = now or timezone.now()
    late = now > assignment.due_at
    old_file = existing.file.name if existing is not None and stored and existing.file else None
    try:
        with transaction.atomic():
            values = {"text": text, "submitted_at": now, "late": late}
            if stored:
                values.update(stored, size=upload.size)
            s, created = Submission.objects.update_or_create(
                assignment=assignment, student=student, defaults=values
            )
            audit_record(
                actor=actor,
                action="create" if created else "update",
                object_type="learning.submission",
                object_id=s.pk,
                object_repr=f"{assignment.title} · {student.person.full_name}",
                changes={"late": [None, late]},
            )
            events.emit(SUBMITTED, {"submission": s.pk, "assignment": assignment.pk, "late": late})
    except Exception:
        if stored:
            default_storage.delete(stored["file"])
        raise
    if old_file:
        transaction.on_commit(lambda: default_storage.delete(old_file))
    return s


def _score(value) -> Decimal:
    try:
        d = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        d = None
    if (
        d is None
        or not d.is_finite()
        or not Decimal(0) <= d <= Decimal(10)
        or d != d.quantize(Decimal("0.1"))
    ):
        raise DomainError(
            "learning.score", _("Điểm phải từ 0 đến 10, một chữ số thập phân."), field="score"
        )
    return d.quantize(Decimal("0.1"))


def submission_grade(*, actor, submission: Submission, score, comment: str = "") -> Submission:
    oc = submission.assignment.online_class
    require_teacher(actor, oc)
    value = _score(score)
    with transaction.atomic():
        old = submission.score
        submission.score = value
        submission.teacher_comment = (comment or "").strip()
        submission.graded_at = timezone.now()
        submission.graded_by = actor
        submission.save()
        audit_record(
            actor=actor,
            action="update",
            object_type="learning.submission",
            object_id=submission.pk,
            object_repr=f"{submission.assignment.title} · {submission.student_id}",
            changes={"score": [None if old is None else str(old), str(value)]},
        )
    return submission


@dataclass
class GradebookResult:
    sent: int
    created: int
    updated: int


def assignment_send_to_gradebook(
    *, actor, assignment: Assignment, term_number: int, kind: str
) -> GradebookResult:
    """Write the graded scores of an assignment to records' gradebook as a regular
    assessment (ĐĐGtx column `kind`) through `records.services.marks_save`, which checks
    that the actor teaches the subject, the column exists for the subject, and the term is
    not locked (a locked term is a 409 and nothing is written)."""
    oc = assignment.online_class
    require_teacher(actor, oc)
    if kind not in REGULAR_KINDS:
        raise DomainError(
            "learning.gradebook.kind",
            _("Chỉ gửi vào cột đánh giá thường xuyên (ĐĐGtx1–4)."),
            field="kind",
        )
    term = records_selectors.term_get(oc.class_group, term_number)
    graded = list(
        Submission.objects.filter(assignment=assignment, score__isnull=False).order_by("id")
    )
    if not graded:
        raise DomainError(
            "learning.gradebook.empty", _("Chưa có bài nào được chấm."), field="assignment"
        )
    entries = [
        records_services.MarkEntry(student_id=s.student_id, kind=kind, text=s.score) for s in graded
    ]
    with transaction.atomic():
        result = records_services.marks_save(
            actor=actor, class_group=oc.class_group, subject=oc.subject, term=term, entries=entries
        )
        Submission.objects.filter(pk__in=[s.pk for s in graded]).update(sent_to_gradebook=kind)
    return GradebookResult(sent=len(graded), created=result.created, updated=result.updated)
