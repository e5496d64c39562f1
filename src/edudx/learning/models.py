"""Online classes: a teacher's class for a class group and subject, with lessons (repository
resources plus text), assignments with due dates and attachments, live sessions (link, date,
periods counted, attendance) and students' submissions, graded with comments and sent to
records' gradebook as a regular assessment.

Periods delivered online (T06/T07) are the periods of live sessions; a student is active on
the platform (T04) when they submitted work or attended a live session (learning.selectors
`online_periods`, `active_students`; docs/content.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edudx.content.models import Resource, Topic
from edudx.core.models import ExchangeModel
from edudx.org.models import ClassGroup
from edudx.people.models import StaffMember, Student
from edudx.records.models import Subject


class OnlineClass(ExchangeModel):
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="online_classes"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="online_classes")
    teacher = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["class_group", "subject"], name="uniq_online_class_subject"
            )
        ]
        ordering = ["class_group__name", "subject__sort_order"]

    def __str__(self) -> str:
        return self.title


class Lesson(ExchangeModel):
    online_class = models.ForeignKey(OnlineClass, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    resources = models.ManyToManyField(Resource, blank=True, related_name="lessons")
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Assignment(ExchangeModel):
    online_class = models.ForeignKey(
        OnlineClass, on_delete=models.CASCADE, related_name="assignments"
    )
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    due_at = models.DateTimeField()
    resources = models.ManyToManyField(Resource, blank=True, related_name="assignments")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-due_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file the teacher attaches to an assignment."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="learning/%Y/%m/", max_length=300)
    file_name = models.CharField(max_length=255)
    mime = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return self.file_name


class LiveSession(ExchangeModel):
    online_class = models.ForeignKey(
        OnlineClass, on_delete=models.CASCADE, related_name="live_sessions"
    )
    url = models.URLField(max_length=500)
    date = models.DateField()
    periods = models.PositiveSmallIntegerField()
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendees = models.ManyToManyField(Student, blank=True, related_name="live_sessions")

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date"], name="live_session_date")]

    def __str__(self) -> str:
        return f"{self.online_class_id} {self.date} ({self.periods})"


class Submission(ExchangeModel):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="submissions")
    text = models.TextField(blank=True)
    file = models.FileField(upload_to="learning/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    mime = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    submitted_at = models.DateTimeField()
    late = models.BooleanField(default=False)
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    teacher_comment = models.TextField(blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_to_gradebook = models.CharField(max_length=10, blank=True)  # records MarkKind

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "student"], name="uniq_submission")
        ]
        indexes = [models.Index(fields=["student", "submitted_at"], name="submission_student")]
        ordering = ["student__person__full_name", "id"]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.student_id}"


class Status(models.TextChoices):
    """What a student sees for an assignment."""

    OPEN = "open", _("Chưa nộp")
    SUBMITTED = "submitted", _("Đã nộp")
    LATE = "late", _("Nộp muộn")
    GRADED = "graded", _("Đã chấm")
    MISSING = "missing", _("Quá hạn, chưa nộp")


# --- teacher professional development (T20/T21) ---------------------------------------------


class CompetenceLevel(models.TextChoices):
    BASIC = "basic", _("Cơ bản")
    INTERMEDIATE = "intermediate", _("Trung bình")
    ADVANCED = "advanced", _("Nâng cao")


class TrainingProfile(ExchangeModel):
    """A staff member's self-training profile (T21: a teacher with a profile and account)."""

    staff = models.OneToOneField(
        StaffMember, on_delete=models.CASCADE, related_name="training_profile"
    )
    digital_competence = models.CharField(
        max_length=15, choices=CompetenceLevel.choices, default=CompetenceLevel.BASIC
    )
    goals = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.staff_id} {self.digital_competence}"


class Course(ExchangeModel):
    """A professional-development course: repository resources and a multiple-choice
    assessment (`questions`: [{"text", "options": [...], "answer": index}]); completed at
    `pass_percent` or above. `digital_competence` courses count for T20."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    provider = models.ForeignKey(
        "org.OrgUnit", on_delete=models.PROTECT, related_name="training_courses"
    )
    resources = models.ManyToManyField(Resource, blank=True, related_name="courses")
    questions = models.JSONField(default=list)
    pass_percent = models.PositiveSmallIntegerField(default=70)
    digital_competence = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Withdrawn by its unit: offered to nobody new; who took it keeps it (training.py).
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class CourseEnrolment(ExchangeModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="course_enrolments"
    )
    best_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    certificate_reference = models.CharField(max_length=40, blank=True)
    certificate_pdf = models.BinaryField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "staff"], name="uniq_course_enrolment")
        ]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.staff_id}"
