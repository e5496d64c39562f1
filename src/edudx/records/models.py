"""School records: the national curriculum's subjects, who teaches what, and attendance.

Subjects and periods per year are data (CT GDPT 2018, loaded from data/curriculum_2018.csv,
see docs/curriculum.md), never code. Teaching assignments by subject live here; the class
scope (`core.scope.Scope.class_ids`) still comes from `people.TeachingAssignment`, which
`records.services.subject_assign` keeps in step through `people.services.teaching_assign`.

Attendance stores only the exceptions: a taken `AttendanceSession` with no mark for a
student means the student was present. A 40-student class with two absences writes one
session row and two marks, and every summary counts the marks that exist."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import ClassGroup, Term
from edudx.people.models import Person, StaffMember, Student


class AssessedBy(models.TextChoices):
    # Circular 22/2021, Art. 5(1); Circular 27/2020, Art. 7 (primary).
    SCORE = "score", _("Nhận xét kết hợp điểm số")
    COMMENT = "comment", _("Chỉ nhận xét")


class SubjectKind(models.TextChoices):
    COMPULSORY = "compulsory", _("Bắt buộc")
    ELECTIVE = "elective", _("Lựa chọn")
    OPTIONAL = "optional", _("Tự chọn")


class Subject(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    assessed_by = models.CharField(max_length=10, choices=AssessedBy.choices)
    # The grades the curriculum offers the subject in (from CurriculumSubject rows).
    grade_from = models.PositiveSmallIntegerField()
    grade_to = models.PositiveSmallIntegerField()
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class CurriculumSubject(models.Model):
    """A subject in a grade's curriculum with its periods per school year (35 weeks)."""

    grade = models.PositiveSmallIntegerField()
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="curriculum")
    periods_per_year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=SubjectKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grade", "subject"], name="uniq_curriculum_subject")
        ]
        ordering = ["grade", "subject__sort_order"]

    def __str__(self) -> str:
        return f"{self.grade}: {self.subject_id} {self.periods_per_year}"


class SubjectAssignment(ExchangeModel):
    """A teacher teaches a subject to a class for a term, or the whole year (term null)."""

    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="subject_assignments"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="assignments")
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="subject_assignments"
    )
    term = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.PROTECT, related_name="subject_assignments"
    )

    class Meta:
        # Two partial constraints rather than one with a nullable column: NULLs are distinct
        # in a unique index on both engines, so "whole year" needs its own.
        constraints = [
            models.UniqueConstraint(
                fields=["class_group", "subject", "staff", "term"],
                condition=Q(term__isnull=False),
                name="uniq_subject_assignment_term",
            ),
            models.UniqueConstraint(
                fields=["class_group", "subject", "staff"],
                condition=Q(term__isnull=True),
                name="uniq_subject_assignment_year",
            ),
        ]
        indexes = [models.Index(fields=["staff", "class_group"], name="subj_assign_staff_class")]

    def __str__(self) -> str:
        return f"{self.staff_id}→{self.class_group_id} {self.subject_id}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Có mặt")
    EXCUSED = "excused", _("Vắng có phép")
    UNEXCUSED = "unexcused", _("Vắng không phép")
    LATE = "late", _("Đi muộn")


ABSENT = (AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED)


class AttendanceSession(ExchangeModel):
    """Attendance taken for a class on a day, for a half-day (`morning`, `afternoon`: the
    "buổi" that Circular 22/2021 counts) or for one period ("1"…"10")."""

    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="attendance_sessions"
    )
    date = models.DateField()
    session = models.CharField(max_length=10)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            # A retried submission finds this row and replaces its marks.
            models.UniqueConstraint(
                fields=["class_group", "date", "session"], name="uniq_attendance_session"
            )
        ]
        ordering = ["date", "session"]

    def __str__(self) -> str:
        return f"{self.class_group_id} {self.date} {self.session}"


class AttendanceMark(models.Model):
    """A student who was not simply present in a session (no row = present)."""

    session = models.ForeignKey(AttendanceSession, on_delete=models.CASCADE, related_name="marks")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    note = models.CharField(max_length=255, blank=True)
    leave_request = models.ForeignKey(
        "LeaveRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="marks"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="uniq_attendance_mark")
        ]
        # Per-student summaries and the 45-session count scan a student's marks.
        indexes = [models.Index(fields=["student", "status"], name="attendance_student_status")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.student_id} {self.status}"


class LeaveStatus(models.TextChoices):
    PENDING = "pending", _("Chờ duyệt")
    ACCEPTED = "accepted", _("Đã chấp thuận")
    REFUSED = "refused", _("Không chấp thuận")


class LeaveRequest(ExchangeModel):
    """A guardian asks for a student's leave on [from_date, to_date] (whole days)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="leave_requests")
    guardian = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_date = models.DateField()
    to_date = models.DateField()
    reason = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["student", "status", "from_date"], name="leave_student_status")
        ]
        ordering = ["-from_date", "-id"]

    def __str__(self) -> str:
        return f"{self.student_id} {self.from_date}–{self.to_date} {self.status}"
