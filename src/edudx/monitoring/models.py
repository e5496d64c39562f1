from django.db import models
from django.utils.translation import gettext_lazy as _

from edudx.core.notes import in_language, note_text
from edudx.org.models import OrgUnit


class SchoolHeadcount(models.Model):
    """Summary table for dashboards: current students, staff and classes per school.

    Kept up to date by outbox handlers (monitoring.handlers) whenever people change, so a
    province dashboard sums ~1,000 rows instead of counting 300,000 students on page load."""

    school = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="headcount")
    students = models.PositiveIntegerField(default=0)
    staff = models.PositiveIntegerField(default=0)
    classes = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.school_id}: {self.students}/{self.staff}"


# --- indicators ------------------------------------------------------------------------------


class Provenance(models.TextChoices):
    COMPUTED = "computed", _("Tính từ dữ liệu")
    SELF_REPORTED = "self_reported", _("Tự báo cáo")
    MIXED = "mixed", _("Tổng hợp (dữ liệu và tự báo cáo)")
    MISSING = "missing", _("Chưa có số liệu")


class Indicator(models.Model):
    """One target of the plan (T01–T26) as data: loaded from data/indicators.json by
    `services.indicators_sync`. `query` is the dotted name of the function that computes it
    per school (registered with `@indicator(code)`); when that module does not exist yet the
    value comes from the yearly self-report field `self_report_field`."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    numerator = models.CharField(max_length=255)
    numerator_en = models.CharField(max_length=255, blank=True)
    denominator = models.CharField(max_length=255)
    denominator_en = models.CharField(max_length=255, blank=True)
    unit = models.CharField(max_length=50)
    unit_en = models.CharField(max_length=50, blank=True)
    kind = models.CharField(max_length=10, default="percent")
    target_2025 = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    target_2030 = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    target_note = models.CharField(max_length=255, blank=True)
    target_note_en = models.CharField(max_length=255, blank=True)
    query = models.CharField(max_length=200, blank=True)
    self_report_field = models.CharField(max_length=50, blank=True)
    levels = models.JSONField(default=list)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def label(self) -> str:
        """The name in the page's language: the English one on an English page (where the
        data has it), the Vietnamese otherwise."""
        return in_language(self.name, self.name_en)

    @property
    def numerator_label(self) -> str:
        return in_language(self.numerator, self.numerator_en)

    @property
    def denominator_label(self) -> str:
        return in_language(self.denominator, self.denominator_en)

    @property
    def unit_label(self) -> str:
        return in_language(self.unit, self.unit_en)

    @property
    def target_note_label(self) -> str:
        return in_language(self.target_note, self.target_note_en)

    def target_for(self, year: int):
        """The target in force for a report year: 2025's until 2025, then 2030's."""
        if year <= 2025 or self.target_2030 is None:
            return self.target_2025
        return self.target_2030


class IndicatorValue(models.Model):
    """Summary table: an indicator's value for a unit and a report year, computed per school
    and summed up the tree as it stood on `as_of`."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    as_of = models.DateField()
    numerator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    provenance = models.CharField(max_length=15, choices=Provenance.choices)
    schools = models.PositiveIntegerField(default=0)  # schools behind an aggregate
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year"], name="monitoring_value_uniq"
            )
        ]
        indexes = [models.Index(fields=["unit", "year"], name="monitoring_value_unit")]

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.unit_id}/{self.year}={self.value}"


# --- yearly report cycle ---------------------------------------------------------------------


# A yes/no fact is stored as "1" (yes) or "0" (no).
FIBRE_FACT = {"key": "internet_fibre", "title": "Trường kết nối Internet bằng cáp quang",
              "kind": "yesno", "unit": ""}  # fmt: skip


def default_facts() -> list[dict]:
    """The facts a school reports each year that are no indicator's ratio: its infrastructure
    ([{key, title, kind: integer|decimal|yesno, unit}]). The school's figure counts; a
    register may suggest one (`fact_prefill.FACT_SOURCES`)."""
    return [
        {"key": "computers_teaching", "title": "Số máy tính dùng được cho dạy học",
         "kind": "integer", "unit": "máy"},
        {"key": "internet_mbps", "title": "Băng thông Internet của trường",
         "kind": "decimal", "unit": "Mbps"},
        dict(FIBRE_FACT),
    ]  # fmt: skip


class ReportTemplate(models.Model):
    """What a year's report asks: indicators (all that apply to the unit's level), narrative
    sections and attachments ([{key, title}]), a school's facts (`default_facts`), and the
    two deadlines of the plan (VI)."""

    year = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=255)
    sections = models.JSONField(default=list)
    attachments = models.JSONField(default=list)
    facts = models.JSONField(default=default_facts)
    school_due = models.DateField()
    office_due = models.DateField()
    as_of = models.DateField()  # the tree the report is consolidated on

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã nộp")
    RETURNED = "returned", _("Trả lại để bổ sung")
    ACCEPTED = "accepted", _("Đã tiếp nhận")


class YearlyReport(models.Model):
    """A unit's report for a year (a school's, or an office's consolidated one). The working
    copy lives in `values`/`sections`; each submission freezes a new `ReportVersion`."""

    template = models.ForeignKey(ReportTemplate, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    sections = models.JSONField(default=dict)
    facts = models.JSONField(default=dict)  # {key: "number"} of the template's facts
    version = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "unit"], name="monitoring_report_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.template_id} v{self.version}"


class ReportValue(models.Model):
    report = models.ForeignKey(YearlyReport, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    numerator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="monitoring_rv_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.indicator_id}"


class ReportAttachment(models.Model):
    report = models.ForeignKey(YearlyReport, on_delete=models.CASCADE, related_name="files")
    key = models.CharField(max_length=50)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ReportVersion(models.Model):
    """A submission, frozen: every value, section and attachment hash as submitted."""

    report = models.ForeignKey(YearlyReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    late = models.BooleanField(default=False)
    payload = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="monitoring_rver_uniq")
        ]
        ordering = ["report", "number"]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


# --- DX index (QĐ 4725/QĐ-BGDĐT, QĐ 3806/QĐ-BGDĐT) ----------------------------------------


class DxFramework(models.Model):
    code = models.CharField(max_length=30, unique=True)  # "QD4725-2022"
    decision = models.CharField(max_length=100)
    title = models.CharField(max_length=255)
    title_en = models.CharField(max_length=255, blank=True)
    applies_to = models.CharField(max_length=10)  # "school" | "office"
    valid_from = models.DateField()
    verified = models.TextField(blank=True)  # what of the data is checked against the text
    # Where levels are taken: "group" (each group, the unit at its lowest; QĐ 4725) or
    # "total" (the groups' sum, 100 points; QĐ 3806 of 2024).
    level_on = models.CharField(max_length=10, default="group")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """The title in the page's language (the English where the data has it)."""
        return in_language(self.title, self.title_en)


class DxGroup(models.Model):
    framework = models.ForeignKey(DxFramework, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    max_points = models.DecimalField(max_digits=6, decimal_places=2)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="monitoring_dxg_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def label(self) -> str:
        """The name in the page's language (the English where the data has it)."""
        return in_language(self.name, self.name_en)


class DxCriterion(models.Model):
    group = models.ForeignKey(DxGroup, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(max_length=20)
    text = models.TextField()
    text_en = models.TextField(blank=True)
    max_points = models.DecimalField(max_digits=6, decimal_places=2)
    mandatory = models.BooleanField(default=False)
    evidence = models.CharField(max_length=255, blank=True)
    evidence_en = models.CharField(max_length=255, blank=True)
    prefill = models.CharField(max_length=100, blank=True)  # a registered pre-fill rule
    # The criterion as a source gives it (True), ours / a placeholder (False), not stated (None).
    verified = models.BooleanField(null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group__sort_order", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="monitoring_dxc_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.code}"

    @property
    def label(self) -> str:
        """The criterion's text in the page's language (the English where the data has it)."""
        return in_language(self.text, self.text_en)

    @property
    def evidence_label(self) -> str:
        """The evidence asked for, in the page's language."""
        return in_language(self.evidence, self.evidence_en)


class DxStatus(models.TextChoices):
    DRAFT = "draft", _("Đang tự đánh giá")
    SUBMITTED = "submitted", _("Đã gửi")
    RETURNED = "returned", _("Yêu cầu bổ sung")
    PUBLISHED = "published", _("Đã công bố")


class DxAssessment(models.Model):
    framework = models.ForeignKey(DxFramework, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=DxStatus.choices, default=DxStatus.DRAFT)
    scores = models.JSONField(default=dict)  # {group code: {"points", "level", "mandatory_ok"}}
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "unit", "year"], name="monitoring_dxa_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year} {self.status}"


class DxAnswer(models.Model):
    assessment = models.ForeignKey(DxAssessment, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(DxCriterion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    met = models.BooleanField(default=False)
    data_points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    # What the platform's data says, written by dx.prefill as a msgid and its parameters
    # (core.notes) that `note` renders in the reader's language; data_note is its
    # Vietnamese text (and what an answer pre-filled before msgids shows).
    data_note = models.CharField(max_length=255, blank=True)
    data_msgid = models.CharField(max_length=255, blank=True)
    data_params = models.JSONField(default=dict, blank=True)
    flagged = models.BooleanField(default=False)
    link = models.URLField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="monitoring_dxan_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.criterion_id}"

    @property
    def note(self) -> str:
        return note_text(self.data_msgid, self.data_params, self.data_note)


class DxEvidence(models.Model):
    answer = models.ForeignKey(DxAnswer, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


# --- alerts ----------------------------------------------------------------------------------


class AlertRule(models.Model):
    """A rule as data (data/alert_rules.json): `kind` names an evaluator in alerts.py,
    `params` its thresholds."""

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=255)
    params = models.JSONField(default=dict)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.code


class Alert(models.Model):
    """Shown in the reader's language: `msgid` (Vietnamese source text) and `params` are
    rendered at read time by `alerts.alert_text`; `message` is the Vietnamese text, kept
    for search and shown as is by alerts stored before msgids (empty `msgid`)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)  # what it is about, unique per rule and unit
    message = models.CharField(max_length=500)
    msgid = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "unit", "key"], name="monitoring_alert_uniq")
        ]
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.message


# --- forecasts -------------------------------------------------------------------------------


class GradeCount(models.Model):
    """Summary table: enrolments per school, school year and grade (the history the cohort-
    survival forecast reads). `synthetic` marks rows the demo back-filled."""

    school = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()  # the school year's first calendar year
    grade = models.PositiveSmallIntegerField()
    students = models.PositiveIntegerField()
    synthetic = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "grade"], name="monitoring_gradecount_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.year}/{self.grade}: {self.students}"


class RiskScore(models.Model):
    """Summary table: a student's dropout-risk score for a school year (risk.py) and the
    features that pushed it up most."""

    student = models.ForeignKey("people.Student", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "year"], name="monitoring_risk_uniq")
        ]
        indexes = [models.Index(fields=["school", "year", "score"], name="monitoring_risk_school")]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.year}: {self.score:.2f}"
