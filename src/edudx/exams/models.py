"""Question bank, exam matrices and papers, online tests and attempts.

A `Question` is the bank's entry (subject, grade, topic/outcome codes, cognitive level,
sharing); its content lives in immutable `QuestionVersion`s. Editing a question whose
current version was already put on a paper creates a new version, so past attempts keep
the exact text and key they were graded against.

Topic and outcome are plain reference codes (strings): the curriculum framework
(`content`) can fill them later without a migration here.

An online `ExamTest` creates every student's `Attempt` when it is scheduled (paper version
dealt round-robin), so "start" only binds a device and stamps the time. Each answer is one
`AttemptAnswer` row keyed (attempt, position) and written by a single upsert guarded by the
client's sequence number (`services.answer_save`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import ClassGroup, OrgUnit, Term
from edudx.people.models import Student
from edudx.records.models import Subject


class Kind(models.TextChoices):
    SINGLE = "single", _("Một lựa chọn")
    MULTIPLE = "multiple", _("Nhiều lựa chọn")
    TRUE_FALSE4 = "tf4", _("Đúng/sai (4 ý)")
    SHORT = "short", _("Trả lời ngắn")
    MATCHING = "matching", _("Ghép đôi")
    CLOZE = "cloze", _("Điền khuyết")
    ESSAY = "essay", _("Tự luận")


OBJECTIVE_KINDS = frozenset(
    {Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE4, Kind.SHORT, Kind.MATCHING, Kind.CLOZE}
)


class Level(models.TextChoices):
    # The four levels of the Vietnamese exam specification (bản đặc tả).
    RECALL = "nb", _("Nhận biết")
    UNDERSTAND = "th", _("Thông hiểu")
    APPLY = "vd", _("Vận dụng")
    APPLY_HIGH = "vdc", _("Vận dụng cao")


class Sharing(models.TextChoices):
    PRIVATE = "private", _("Chỉ mình tôi")
    SCHOOL = "school", _("Trong trường")
    COMMUNE = "commune", _("Trong xã/phòng")
    PROVINCE = "province", _("Trong tỉnh")


class Asset(models.Model):
    """An image used by questions, stored once by content hash (served by the exams app)."""

    sha256 = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    mime = models.CharField(max_length=100)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Question(ExchangeModel):
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField()
    topic_code = models.CharField(max_length=60, blank=True)
    outcome_code = models.CharField(max_length=60, blank=True)
    level = models.CharField(max_length=3, choices=Level.choices, default=Level.RECALL)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The unit the question belongs to (the author's school); `sharing` widens it up the tree.
    unit = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, blank=True)
    sharing = models.CharField(max_length=10, choices=Sharing.choices, default=Sharing.SCHOOL)
    # The path prefix that may see the question (school, commune or province path).
    shared_path = models.CharField(max_length=255, blank=True, db_index=True)
    current = models.ForeignKey(
        "QuestionVersion", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Folded stem + answers of the current version (core.text.fold) for duplicate detection.
    text_key = models.CharField(max_length=64, db_index=True)
    search_text = models.TextField(blank=True)
    archived = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "grade", "topic_code", "level"], name="question_cell")
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Q{self.pk}"


class QuestionVersion(models.Model):
    """Immutable content of a question: `stem` (LaTeX between $…$ allowed), `data` the
    kind's options and key (see grading.py), `points` the default weight. `used` is set
    once a paper includes it; then an edit makes a new version."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200, blank=True)
    stem = models.TextField()
    data = models.JSONField(default=dict)
    feedback = models.TextField(blank=True)
    points = models.DecimalField(max_digits=5, decimal_places=2, default=1)
    used = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The latest item analysis (analysis.py) and flags; per-test rows in ItemStatistic.
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="uniq_question_version")
        ]
        ordering = ["question_id", "number"]

    def __str__(self) -> str:
        return f"Q{self.question_id}v{self.number}"


class Matrix(ExchangeModel):
    """Ma trận đề: cells [{topic, level, count, points}] (points per question in the cell)."""

    name = models.CharField(max_length=200)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField()
    cells = models.JSONField(default=list)
    unit = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.name


class Paper(ExchangeModel):
    """A generated exam paper: the same questions in every version (mã đề), shuffled."""

    title = models.CharField(max_length=200)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField()
    matrix = models.ForeignKey(Matrix, null=True, on_delete=models.SET_NULL, related_name="papers")
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    seed = models.BigIntegerField(default=0)
    unit = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.title


class PaperVersion(models.Model):
    """One mã đề. `items`: [{qv: version id, points: "0.25", order: [option ids shown in
    order] | null}] in the order printed; `key`: the answer key per position."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    code = models.CharField(max_length=10)
    items = models.JSONField(default=list)
    key = models.JSONField(default=list)
    # What a student's page shows (questions rendered to HTML/MathML, no keys): rendered
    # once when the paper is generated so that starting an attempt is a plain read.
    rendered = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "code"], name="uniq_paper_version")]
        ordering = ["paper_id", "code"]

    def __str__(self) -> str:
        return f"{self.paper_id}/{self.code}"


class ExamTest(ExchangeModel):
    """An online test of a paper for a class, open in [opens_at, closes_at]; each student
    has `duration_minutes` from their start, never past `closes_at`."""

    title = models.CharField(max_length=200)
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="tests")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="+")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    # The gradebook column the results go to (records.MarkKind) and the term.
    mark_kind = models.CharField(max_length=10, blank=True)
    term = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    results_pushed_at = models.DateTimeField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    reliability = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return self.title


class AttemptStatus(models.TextChoices):
    READY = "ready", _("Chưa làm")
    STARTED = "started", _("Đang làm")
    SUBMITTED = "submitted", _("Đã nộp")


class Attempt(models.Model):
    test = models.ForeignKey(ExamTest, on_delete=models.CASCADE, related_name="attempts")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    person_id = models.BigIntegerField()  # the student's person: ownership check, no join
    version = models.ForeignKey(PaperVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.READY
    )
    device_token = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    auto_submitted = models.BooleanField(default=False)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    needs_grading = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["test", "student"], name="uniq_attempt_student")
        ]
        indexes = [models.Index(fields=["person_id", "status"], name="attempt_person")]

    def __str__(self) -> str:
        return f"A{self.pk}"


class AttemptAnswer(models.Model):
    """One answer; `position` is the 0-based place of the question in the attempt's version.
    `seq` is the client's sequence number: a replay with a lower or equal seq changes
    nothing (unique (attempt, position) is the upsert's conflict target)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField()
    response = models.JSONField(null=True)
    seq = models.BigIntegerField()
    saved_at = models.DateTimeField()
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="uniq_attempt_answer")
        ]

    def __str__(self) -> str:
        return f"A{self.attempt_id}#{self.position}"


class ItemStatistic(models.Model):
    """Item analysis of one question version in one test (analysis.py)."""

    test = models.ForeignKey(ExamTest, on_delete=models.CASCADE, related_name="item_stats")
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="+")
    n = models.PositiveIntegerField()
    facility = models.FloatField(null=True)
    discrimination = models.FloatField(null=True)
    point_biserial = models.FloatField(null=True)
    distractors = models.JSONField(default=dict)
    flags = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["test", "version"], name="uniq_item_statistic")
        ]

    def __str__(self) -> str:
        return f"{self.test_id}:{self.version_id}"
