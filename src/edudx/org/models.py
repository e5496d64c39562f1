"""One tree of organisation units with a materialised path.

`OrgUnit.path` is the concatenation of zero-padded 7-digit ids from the root. Digits only,
so string order is the same under every collation (SQLite BINARY, PostgreSQL's default
locale), and "everything under X" is one range scan on the `org_unit_path` index:
`path >= X.path AND path < next(X.path)`. History lives in `OrgPlacement`: one row per
period a unit sat under a parent, with the path it had then, so `as_of(date)` is the same
range query on `org_place_path_valid`."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from edudx.core.models import ExchangeModel

SEGMENT = 7


def path_upper(path: str) -> str:
    """The smallest digit string greater than every descendant's path."""
    return str(int(path) + 1).zfill(len(path))


def ancestor_paths(path: str) -> list[str]:
    """The paths of the unit at `path` and of every unit above it, root first: a
    `path__in` filter for "this unit or any above it"."""
    return [path[:i] for i in range(SEGMENT, len(path) + 1, SEGMENT)]


class UnitKind(models.TextChoices):
    MINISTRY = "ministry", _("Bộ")
    PROVINCE = "province", _("Tỉnh/Thành phố")
    DISTRICT = "district", _("Huyện")
    COMMUNE = "commune", _("Xã/Phường/Thị trấn")
    DEPARTMENT = "department", _("Sở GDĐT")
    DISTRICT_OFFICE = "district_office", _("Phòng GDĐT")
    COMMUNE_OFFICE = "commune_office", _("Phòng Văn hóa - Xã hội")
    SCHOOL = "school", _("Trường")


ADMIN_KINDS = {UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE}
AGENCY_KINDS = {UnitKind.DEPARTMENT, UnitKind.DISTRICT_OFFICE, UnitKind.COMMUNE_OFFICE}


class OrgUnit(ExchangeModel):
    kind = models.CharField(max_length=20, choices=UnitKind.choices)
    code = models.CharField(max_length=20, blank=True)
    name = models.CharField(max_length=255)
    search_name = models.CharField(max_length=255, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(default=0)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["path"], name="org_unit_path"),
            models.Index(fields=["kind", "code"], name="org_unit_kind_code"),
        ]
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def path_end(self) -> str:
        return path_upper(self.path)

    def is_active_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class OrgPlacement(models.Model):
    """Where a unit sat in the tree during [valid_from, valid_to)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="placements")
    parent = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField(default=0)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["path", "valid_from"], name="org_place_path_valid"),
            models.Index(fields=["unit", "valid_from"], name="org_place_unit"),
        ]
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.unit_id}@{self.path}"


class SchoolLevel(models.TextChoices):
    PRESCHOOL = "preschool", _("Mầm non")
    PRIMARY = "primary", _("Tiểu học")
    LOWER_SECONDARY = "lower_secondary", _("Trung học cơ sở")
    UPPER_SECONDARY = "upper_secondary", _("Trung học phổ thông")
    MULTI_LEVEL = "multi_level", _("Liên cấp")
    CONTINUING = "continuing", _("Giáo dục thường xuyên")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Công lập")
    PRIVATE = "private", _("Tư thục")
    PEOPLE_FOUNDED = "people_founded", _("Dân lập")


class School(ExchangeModel):
    unit = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="school")
    level = models.CharField(max_length=20, choices=SchoolLevel.choices)
    ownership = models.CharField(max_length=20, choices=Ownership.choices, default=Ownership.PUBLIC)
    commune = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="schools_located"
    )
    address = models.CharField(max_length=255, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)

    def __str__(self) -> str:
        return self.unit.name


class SchoolYear(ExchangeModel):
    code = models.CharField(max_length=9, unique=True)  # "2024-2025"
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return self.code

    def contains(self, day) -> bool:
        return self.start_date <= day <= self.end_date

    def nearest(self, day):
        """`day` if the year contains it, else the year's first or last day."""
        return min(max(day, self.start_date), self.end_date)


class Term(models.Model):
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school_year", "number"], name="uniq_term")]
        ordering = ["school_year", "number"]

    def __str__(self) -> str:
        return f"HK{self.number} {self.school_year}"


class Grade(models.Model):
    """Khối: 0 for preschool age groups is not used; 1–12 for general education."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class ClassGroup(ExchangeModel):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="class_groups")
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="class_groups"
    )
    grade = models.ForeignKey(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="class_groups"
    )
    name = models.CharField(max_length=50)
    capacity = models.PositiveSmallIntegerField(default=45)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="uniq_class_name"
            )
        ]
        ordering = ["school_year", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"

    @property
    def has_mark_book(self) -> bool:
        """Whether the class is marked by subject: a class of a grade. Preschool age groups
        have no grade (Grade), no subjects and no marks."""
        return self.grade_id is not None
