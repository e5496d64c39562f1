"""Online public services: the procedure catalogue (data), dossiers with their SLA, the
working-day calendar's extra days, admissions rounds and satisfaction ratings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel
from edudx.org.models import ClassGroup, OrgUnit, SchoolYear
from edudx.people.models import Person, Student


class ServiceLevel(models.TextChoices):
    # Decree 42/2022/NĐ-CP, Art. 11: full ("toàn trình") or partial ("một phần").
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")


class ProcedureKind(models.TextChoices):
    GENERIC = "generic", _("Thủ tục chung")
    TRANSFER = "transfer", _("Chuyển trường")
    ADMISSION = "admission", _("Tuyển sinh đầu cấp")


class Procedure(models.Model):
    """One administrative procedure; loaded from data/procedures.json, never coded."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(_("tên thủ tục"), max_length=255)
    kind = models.CharField(max_length=20, choices=ProcedureKind.choices)
    level = models.CharField(_("mức độ"), max_length=10, choices=ServiceLevel.choices)
    online_eligible = models.BooleanField(default=True)
    # "learner": a service to learners and parents (T16); "public": to anyone (T17 only).
    audience = models.CharField(max_length=10, default="public")
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    # The kind of org unit that resolves it (commune/province since 1 July 2025).
    unit_kind = models.CharField(max_length=20)
    school_levels = models.JSONField(default=list)
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    fee = models.PositiveIntegerField(_("lệ phí (đồng)"), default=0)
    processing_days = models.PositiveSmallIntegerField(_("thời hạn giải quyết (ngày làm việc)"))
    fields = models.JSONField(default=list)
    attachments = models.JSONField(default=list)
    steps = models.JSONField(default=list)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A day off or a make-up working day added after release: national (`unit` empty —
    the Government's yearly notice) or for one unit and everything under it (a province's
    or commune's own announcement). data/holidays.json holds the shipped table."""

    date = models.DateField()
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200)
    is_holiday = models.BooleanField(default=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"], condition=Q(unit__isnull=True), name="uniq_calendar_day_national"
            ),
            models.UniqueConstraint(fields=["date", "unit"], name="uniq_calendar_day_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SUBMITTED = "submitted", _("Đã nộp")
    RECEIVED = "received", _("Đã tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT = "supplement", _("Yêu cầu bổ sung")
    APPROVED = "approved", _("Đã phê duyệt")
    REJECTED = "rejected", _("Từ chối")
    RETURNED = "returned", _("Đã trả kết quả")


class Dossier(ExchangeModel):
    code = models.CharField(_("mã hồ sơ"), max_length=20, unique=True)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="dossiers")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="dossiers")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
    )
    applicant_name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20)
    email = models.EmailField(blank=True)
    data = models.JSONField(default=dict)
    online = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=DossierStatus.choices)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    paused_on = models.DateField(null=True, blank=True)
    # Supplement pauses already answered, [[requested on, answered on], ...] (ISO dates):
    # with received_on they let a calendar change recompute the due date.
    pauses = models.JSONField(default=list, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolved_on_time = models.BooleanField(null=True)
    # School transfer: the student and both schools; release/acceptance dates.
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_school = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_school = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    result_reference = models.CharField(max_length=40, blank=True)
    result_pdf = models.BinaryField(null=True, blank=True)
    # The fee (procedure.fee > 0), issued on submit: a fees invoice payable to `unit`.
    invoice = models.OneToOneField(
        "fees.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["unit", "status"], name="dossier_unit_status"),
            models.Index(fields=["applicant", "-created_at"], name="dossier_applicant"),
        ]

    def __str__(self) -> str:
        return self.code


class DossierEvent(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=DossierStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.action}"


class Attachment(models.Model):
    """Uploaded on its own (before the form is posted); claimed by a dossier on submit."""

    token = models.UUIDField(unique=True)
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    kind = models.CharField(max_length=50)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class Rating(models.Model):
    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_5")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.score}"


# --- admissions -------------------------------------------------------------------------------


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Đang nhận hồ sơ")
    ALLOCATED = "allocated", _("Đã xét tuyển")


class AdmissionRound(ExchangeModel):
    """One intake (grade 1, grade 6…) for a school year, organised by a unit; windows are
    staggered by giving each level its own opens_at/closes_at."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="rounds")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="admission_rounds")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    confirm_until = models.DateField(null=True, blank=True)
    # Published before the window opens; the lottery is a pure function of it.
    seed = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=RoundStatus.choices, default="open")
    allocated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class AdmissionSchool(models.Model):
    round = models.ForeignKey(AdmissionRound, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveIntegerField()  # a preschool round: the sum of group_quotas
    # A preschool round: places per age group by birth year, {"3": n, "4": n, "5": n};
    # empty for grade-1 and grade-6 rounds (one quota).
    group_quotas = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "school"], name="uniq_admission_school")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.school_id}={self.quota}"


class AdmissionZone(models.Model):
    """A commune (or one village of it, when `village` is set) served by a school."""

    round = models.ForeignKey(AdmissionRound, on_delete=models.CASCADE, related_name="zones")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    village = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.school_id}←{self.commune_id} {self.village}"


class PriorityCategory(models.Model):
    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=255)
    rank = models.PositiveSmallIntegerField()  # 1 = highest

    class Meta:
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Đã đăng ký")
    ADMITTED = "admitted", _("Trúng tuyển")
    NOT_ADMITTED = "not_admitted", _("Không trúng tuyển")
    CONFIRMED = "confirmed", _("Đã xác nhận nhập học")


class AdmissionApplication(models.Model):
    """One application per child per round. Indexes: only what is looked up — by round
    (the unique (round, child) index leads with it), round and school, code, and the
    nullable links where set (partial) — because every index is written by each
    submission of the opening-day spike (migration 0007: 12 indexes → 8, 4 of them
    partial and not written for an anonymous submission)."""

    round = models.ForeignKey(
        AdmissionRound, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    code = models.CharField(max_length=20)
    child_personal_id = models.CharField(max_length=12)
    child_name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1)
    commune = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", db_index=False)
    village = models.CharField(max_length=100, blank=True)
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", db_index=False)
    in_zone = models.BooleanField()
    priority_rank = models.PositiveSmallIntegerField(default=99)
    priorities = models.JSONField(default=list)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="admission_applications",
        db_index=False,
    )
    applicant_name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20)
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    allocated_school = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    lottery_key = models.CharField(max_length=64, blank=True)
    class_group = models.ForeignKey(
        ClassGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One application per child per round: the spike's duplicate guard.
            models.UniqueConstraint(
                fields=["round", "child_personal_id"], name="uniq_application_child"
            ),
            models.UniqueConstraint(fields=["code"], name="uniq_application_code"),
        ]
        indexes = [
            models.Index(fields=["round", "school"], name="application_round_school"),
            *(
                models.Index(
                    fields=[name],
                    name=f"application_{name}",
                    condition=Q(**{f"{name}__isnull": False}),
                )
                for name in ("person", "applicant", "allocated_school", "class_group")
            ),
        ]

    def __str__(self) -> str:
        return self.code


class BenchRow(models.Model):
    """The benchmark's floor: one INSERT (only routed when EDUDX_ESERVICES_BENCH=1)."""

    value = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.value
