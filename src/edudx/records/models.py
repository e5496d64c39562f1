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


# --- marks and results (Circular 22/2021; Circular 27/2020 for primary) -------------------


class MarkKind(models.TextChoices):
    """The column of a mark in the "Bảng điểm": regular assessments (ĐĐGtx), midterm (ĐĐGgk),
    final (ĐĐGck); `rating` is a primary subject's end-of-term rating (T/H/C)."""

    TX1 = "tx1", _("ĐĐGtx1")
    TX2 = "tx2", _("ĐĐGtx2")
    TX3 = "tx3", _("ĐĐGtx3")
    TX4 = "tx4", _("ĐĐGtx4")
    GK = "gk", _("ĐĐGgk")
    CK = "ck", _("ĐĐGck")
    RATING = "rating", _("Mức đạt được")


REGULAR_KINDS = (MarkKind.TX1, MarkKind.TX2, MarkKind.TX3, MarkKind.TX4)


class Mark(ExchangeModel):
    """One assessment of a student in a subject and term. A score subject stores `value`
    (0–10, one decimal; whole numbers for primary periodic tests); a comment-only subject
    stores `comment` ("dat" / "chua_dat"; primary ratings "T" / "H" / "C")."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="marks")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="marks")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="marks")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="marks")
    kind = models.CharField(max_length=10, choices=MarkKind.choices)
    value = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    comment = models.CharField(max_length=10, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "subject", "term", "kind"], name="uniq_mark")
        ]
        # The grid and the recompute read one class's marks for a term.
        indexes = [models.Index(fields=["class_group", "term", "subject"], name="mark_class_term")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject_id} HK{self.term_id} {self.kind}"


class TermLock(ExchangeModel):
    """Approval of a class's marks for a term: the homeroom teacher first, then the
    principal; the principal's approval locks the marks (`locked_at`)."""

    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="term_locks")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="locks")
    homeroom_approved_at = models.DateTimeField(null=True, blank=True)
    homeroom_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    principal_approved_at = models.DateTimeField(null=True, blank=True)
    principal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["class_group", "term"], name="uniq_term_lock")
        ]

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    def __str__(self) -> str:
        return f"{self.class_group_id} HK{self.term_id} {'locked' if self.locked else 'open'}"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Chờ duyệt")
    APPROVED = "approved", _("Đã duyệt")
    REFUSED = "refused", _("Không duyệt")


class MarkChangeRequest(ExchangeModel):
    """A change to a locked mark: applied only when the principal approves it."""

    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="mark_changes"
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="mark_changes")
    kind = models.CharField(max_length=10, choices=MarkKind.choices)
    old_value = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    old_comment = models.CharField(max_length=10, blank=True)
    new_value = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    new_comment = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["class_group", "status"], name="mark_change_class")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject_id} {self.kind} {self.status}"


class ConductRating(ExchangeModel):
    """A student's conduct (rèn luyện) for a term, judged by the homeroom teacher against
    Circular 22/2021, Art. 8(2); stored as a Level code (tot/kha/dat/chua_dat)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="conduct")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "term"], name="uniq_conduct_rating")
        ]

    def __str__(self) -> str:
        return f"{self.student_id} HK{self.term_id} {self.level}"


class QualityCheckpoint(models.TextChoices):
    """When in a term qualities and competencies are rated (Circular 27/2020/TT-BGDĐT,
    Art. 6(2)): mid-term I, end of term I, mid-term II and end of the year."""

    MIDTERM = "gk", _("Giữa kì")
    END = "ck", _("Cuối kì")


class QualityRating(ExchangeModel):
    """A primary pupil's qualities and competencies at one of the four periodic checkpoints
    of Circular 27/2020/TT-BGDĐT, Art. 6(2) (term 1 mid-term / end: giữa và cuối học kì I;
    term 2 mid-term / end: giữa học kì II và cuối năm học), rated by the homeroom teacher:
    Art. 7(2)(a), levels Tốt / Đạt / Cần cố gắng (codes "t" / "d" / "c").

    `ratings` maps each code of `rules.QUALITIES` and `rules.COMPETENCIES` to a level code;
    one row per pupil, term and checkpoint (15 ratings read and written together). Only the
    end-of-year row enters the year-end result (Art. 9(2)). `outstanding` and
    `class_recognised` are the teacher's year-end judgement for the Học sinh Tiêu biểu
    commendation (Art. 13(1)(a)): an outstanding achievement in a subject or clear progress
    in a quality or competency, recognised by the class; only end-of-year rows carry them."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="qualities")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    checkpoint = models.CharField(
        max_length=2, choices=QualityCheckpoint.choices, default=QualityCheckpoint.END
    )
    ratings = models.JSONField(default=dict)
    outstanding = models.BooleanField(default=False)
    class_recognised = models.BooleanField(default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "term", "checkpoint"], name="uniq_quality_rating"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} HK{self.term_id} {self.checkpoint} {self.ratings}"


# Period of a result row: a term number (1, 2) or the whole year.
YEAR = 0


class SubjectResult(models.Model):
    """Summary table: a subject's term average (ĐTBmhk) or year average (ĐTBmcn), or the
    Đạt / Chưa đạt of a comment-only subject. Rebuilt by `services.results_recompute`;
    `complete` is False while marks are missing (then `average` / `comment` are empty).

    Derived data, so its relations are the ORM's only (`db_constraint=False`; the ORM
    still cascades and protects): the database's foreign-key checks of the millions of rows
    a province's year end writes cost more than computing them (docs/decisions.md). For
    the same reason no index per relation, and no surrogate id: the primary key is the
    natural key (student, school year, period, subject), the one index every read uses
    (student first) and the only one a year end's millions of rows maintain (decision 18);
    a subject, school year or class is deleted rarely enough for its check to scan."""

    pk = models.CompositePrimaryKey("student_id", "school_year_id", "period", "subject_id")
    student = models.ForeignKey(
        Student,
        on_delete=models.CASCADE,
        related_name="subject_results",
        db_constraint=False,
        db_index=False,
    )
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    school_year = models.ForeignKey(
        "org.SchoolYear",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    period = models.PositiveSmallIntegerField()  # 1, 2 or YEAR (0)
    average = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    comment = models.CharField(max_length=10, blank=True)
    complete = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject_id} P{self.period} {self.average or self.comment}"


class StudentResult(models.Model):
    """Summary table: a student's term or year result. Secondary: `learning` and `conduct`
    are Level codes; `status` a YearEndStatus name and `title` a Title name (year rows only).
    Primary (year row only): `learning` is the YearResult code (htxs / htt / ht / cht),
    `status` "completed" / "not_completed" (the grade's programme, Circular 27/2020,
    Art. 11), `title` a Commendation name (excellent / exemplary), `conduct` empty.
    `absences` the half-days absent in the term or year. Derived data: relations without
    database constraints or per-relation indexes, as `SubjectResult`."""

    student = models.ForeignKey(
        Student,
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    school_year = models.ForeignKey(
        "org.SchoolYear",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    period = models.PositiveSmallIntegerField()
    learning = models.CharField(max_length=10, blank=True)
    learning_adjusted_for = models.CharField(max_length=40, blank=True)
    conduct = models.CharField(max_length=10, blank=True)
    absences = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=20, blank=True)
    complete = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_year", "period"], name="uniq_student_result"
            )
        ]
        indexes = [models.Index(fields=["class_group", "period"], name="student_result_class")]

    def __str__(self) -> str:
        return f"{self.student_id} P{self.period} {self.learning}/{self.conduct}"


from .models_transcripts import *  # noqa: F403,E402
