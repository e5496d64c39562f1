"""The school–family contact book: notices with read receipts, guardian–teacher message
threads, teachers' comments on a student, per-unit settings (quiet hours, feedback response
time) and the feedback channel. Attendance, marks and leave requests stay in `records`."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edudx.org.models import ClassGroup, Grade, OrgUnit, SchoolYear
from edudx.people.models import Student


class UnitContactSettings(models.Model):
    """Per school (quiet hours) or per school / office (feedback response time). A unit
    without a row uses the defaults below."""

    unit = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="contact_settings")
    quiet_from = models.TimeField(_("giờ yên lặng từ"), default=dt.time(21, 0))
    quiet_to = models.TimeField(_("giờ yên lặng đến"), default=dt.time(6, 30))
    feedback_response_hours = models.PositiveSmallIntegerField(
        _("thời hạn trả lời phản hồi (giờ)"), default=72
    )

    def __str__(self) -> str:
        return (
            f"{self.unit_id}: {self.quiet_from}–{self.quiet_to}, {self.feedback_response_hours} h"
        )


class Audience(models.TextChoices):
    CLASS = "class", _("Một lớp")
    GRADE = "grade", _("Một khối")
    SCHOOL = "school", _("Toàn trường")


class Notice(models.Model):
    source_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="notices")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    class_group = models.ForeignKey(
        ClassGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.PROTECT)
    title = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["school", "school_year", "audience"], name="notice_school"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class NoticeRead(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="uniq_notice_read")]

    def __str__(self) -> str:
        return f"{self.notice_id}←{self.user_id}"


class Thread(models.Model):
    """A conversation about one student between one guardian and one of the student's
    teachers (homeroom or subject)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "guardian", "teacher"], name="uniq_contact_thread"
            )
        ]
        indexes = [
            models.Index(fields=["guardian", "-last_message_at"], name="thread_guardian"),
            models.Index(fields=["teacher", "-last_message_at"], name="thread_teacher"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.guardian_id}↔{self.teacher_id}"


class Message(models.Model):
    source_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Sent during the school's quiet hours: in the inbox at once, other channels after.
    quiet = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="message_thread")]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"


class TeacherComment(models.Model):
    """A teacher's comment on a student in the contact book (nhận xét)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    body = models.CharField(_("nhận xét"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["student", "-created_at"], name="comment_student")]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.body[:30]}"


class FeedbackKind(models.TextChoices):
    FEEDBACK = "feedback", _("Góp ý")
    COMPLAINT = "complaint", _("Khiếu nại")
    QUESTION = "question", _("Hỏi đáp")


class FeedbackStatus(models.TextChoices):
    NEW = "new", _("Mới tiếp nhận")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    CLOSED = "closed", _("Đã đóng")


OPEN_FEEDBACK = (FeedbackStatus.NEW, FeedbackStatus.IN_PROGRESS)


class Feedback(models.Model):
    """Feedback or a complaint to a school or an education office (kênh phản hồi). The
    sender has an account, or follows it with the tracking code and their phone number."""

    source_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tracking_code = models.CharField(max_length=12, unique=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="feedback")
    kind = models.CharField(max_length=12, choices=FeedbackKind.choices)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=12, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "status", "due_at"], name="feedback_unit_status"),
            models.Index(fields=["sender", "-created_at"], name="feedback_sender"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_1_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.subject}"
