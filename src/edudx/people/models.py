"""One `Person` per human; students, staff and guardians are roles of a person. A transfer
is a new `Enrolment`, never a new person."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edudx.core.ethnicity import ETHNICITY_CHOICES
from edudx.core.models import ExchangeModel
from edudx.org.models import ClassGroup, OrgUnit, SchoolYear


class Sex(models.TextChoices):
    MALE = "M", _("Nam")
    FEMALE = "F", _("Nữ")


class Person(ExchangeModel):
    full_name = models.CharField(max_length=200)
    # Diacritic-folded lower-case name: the duplicate and search key. Index person_dup_key
    # (search_name, date_of_birth) serves look-ups by name alone too, so the column has no
    # index of its own (one index less to maintain on every insert of a bulk import).
    search_name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(max_length=2, choices=ETHNICITY_CHOICES, default="01")
    commune = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="residents"
    )
    address = models.CharField(max_length=255, blank=True)
    # Unique through Meta.constraints rather than unique=True: the same unique index, without
    # the varchar_pattern_ops (LIKE) index Django adds on PostgreSQL for unique text fields;
    # IDs are only ever looked up whole.
    personal_id = models.CharField(max_length=12, null=True, blank=True)
    moet_id = models.CharField(max_length=10, null=True, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    # Almost always NULL: partial index person_merged_into (merged records only) serves
    # merged_from and the PROTECT check instead of a full FK index.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        db_index=False,
    )

    class Meta:
        indexes = [
            models.Index(fields=["search_name", "date_of_birth"], name="person_dup_key"),
            models.Index(
                fields=["merged_into"],
                name="person_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["personal_id"], name="person_personal_id_uniq"),
            models.UniqueConstraint(fields=["moet_id"], name="person_moet_id_uniq"),
        ]

    def __str__(self) -> str:
        return self.full_name


class StudentStatus(models.TextChoices):
    STUDYING = "studying", _("Đang học")
    TRANSFERRED = "transferred", _("Đã chuyển trường")
    GRADUATED = "graduated", _("Đã tốt nghiệp")
    DROPPED = "dropped", _("Đã thôi học")


class Student(ExchangeModel):
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="student")
    student_code = models.CharField(max_length=30, blank=True)
    status = models.CharField(
        max_length=20, choices=StudentStatus.choices, default=StudentStatus.STUDYING
    )
    # Denormalised from the open enrolment, maintained by people.services: the scoped
    # list joins these instead of scanning enrolment history.
    # No index of its own: student_school_name (current_school, search_name) starts with it.
    current_school = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    current_class = models.ForeignKey(
        ClassGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_name = models.CharField(max_length=200)
    # ExchangeModel's own index on updated_at would repeat the start of student_changed.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["current_school", "search_name"], name="student_school_name"),
            models.Index(fields=["search_name"], name="student_search_name"),
            # The change feed (selectors.student_changes) walks this in order; services keep
            # `updated_at` at or after the person's (a change of either moves it).
            models.Index(fields=["updated_at", "id"], name="student_changed"),
        ]

    def __str__(self) -> str:
        return self.person.full_name


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Đang học")
    TRANSFERRED_OUT = "transferred_out", _("Chuyển đi")
    COMPLETED = "completed", _("Hoàn thành")
    WITHDRAWN = "withdrawn", _("Thôi học")


class Enrolment(ExchangeModel):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="enrolments")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="enrolments")
    # No index of its own: enrol_class_status (class_group, status) starts with it.
    class_group = models.ForeignKey(
        ClassGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
        db_index=False,
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    updated_at = models.DateTimeField(auto_now=True)  # indexed by enrol_changed

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [
            models.Index(fields=["class_group", "status"], name="enrol_class_status"),
            models.Index(fields=["updated_at", "id"], name="enrol_changed"),  # the change feed
        ]

    def __str__(self) -> str:
        return f"{self.student_id}@{self.school_id}"


class StaffKind(models.TextChoices):
    TEACHER = "teacher", _("Giáo viên")
    MANAGER = "manager", _("Cán bộ quản lý")
    EMPLOYEE = "employee", _("Nhân viên")


class StaffMember(ExchangeModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="staff_roles")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="staff")
    kind = models.CharField(max_length=20, choices=StaffKind.choices)
    position = models.CharField(max_length=100, blank=True)
    qualification = models.CharField(max_length=100, blank=True)
    main_subject = models.CharField(max_length=100, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    search_name = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)  # indexed by staff_changed

    class Meta:
        indexes = [
            models.Index(fields=["unit", "search_name"], name="staff_unit_name"),
            models.Index(fields=["updated_at", "id"], name="staff_changed"),  # as Student's
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name} ({self.get_kind_display()})"


class TeachingAssignment(ExchangeModel):
    """A teacher teaches a class (a subject, or as homeroom teacher) in a school year."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="assignments")
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="assignments"
    )
    subject = models.CharField(max_length=100, blank=True)
    is_homeroom = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "class_group", "subject"], name="uniq_teaching_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_id}→{self.class_group_id} {self.subject}"


class Relationship(models.TextChoices):
    FATHER = "father", _("Cha")
    MOTHER = "mother", _("Mẹ")
    GUARDIAN = "guardian", _("Người giám hộ")


class GuardianLink(ExchangeModel):
    guardian = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="wards")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardians")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="uniq_guardian_link")
        ]

    def __str__(self) -> str:
        return f"{self.guardian_id}→{self.student_id}"
