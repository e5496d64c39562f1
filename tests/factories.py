"""factory_boy factories shared by the test packages, plus a tiny district builder that goes
through the real services (so tests exercise validation, paths and audit)."""

import datetime as dt
import itertools

import factory

from edudx.accounts.models import Role, RoleAssignment, User
from edudx.core import events
from edudx.core.validators import personal_id_digit
from edudx.org import services as org_services
from edudx.org.models import UnitKind
from edudx.people import services as people_services
from edudx.people.services import PersonData

from . import snapshots

_serial = itertools.count(1)


def make_personal_id(dob: dt.date, sex: str, province: str = "067") -> str:
    """A structurally valid 12-digit ID for a birth date and sex."""
    return f"{province}{personal_id_digit(dob.year, sex)}{dob.year % 100:02d}{next(_serial):06d}"


def person_data(
    full_name: str,
    dob: dt.date = dt.date(2013, 5, 4),
    sex: str = "M",
    with_id: bool = True,
    commune_id: int | None = None,
    **kw,
) -> PersonData:
    return PersonData(
        full_name=full_name,
        date_of_birth=dob,
        sex=sex,
        commune_id=commune_id,
        personal_id=make_personal_id(dob, sex) if with_id else None,
        **kw,
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("mat-khau-dai-123")


def grant(user: User, role: str, unit=None) -> RoleAssignment:
    ra = RoleAssignment.objects.create(user=user, role=role, unit=unit)
    user.__dict__.pop("scope", None)
    user.__dict__.pop("roles", None)
    return ra


class District:
    """Province 67 → district 665 → two communes → one lower-secondary school in each, a
    school year, a class per school, a teacher per class, three students."""

    _recording: "snapshots.Recording | None" = None  # this process's first build

    @classmethod
    def fresh(cls) -> "District":
        """A District as `District()` builds it: replayed from this process's recording of
        a build where that gives the same rows (tests/snapshots.py), else built through the
        services — and recorded, when built from the migrated database."""
        if not snapshots.baseline():
            return cls()
        if cls._recording is not None and cls._recording.fits():
            district = cls.__new__(cls)
            vars(district).update(cls._recording.replay())
            return district
        district, rec = snapshots.record(cls)
        if rec is not None:
            cls._recording = rec
        return district

    def __init__(self):
        self.ministry = org_services.unit_create(
            actor=None, kind=UnitKind.MINISTRY, name="Bộ Giáo dục và Đào tạo"
        )
        self.province = org_services.unit_create(
            actor=None,
            kind=UnitKind.PROVINCE,
            name="Tỉnh Đắk Nông",
            code="67",
            parent=self.ministry,
        )
        self.district = org_services.unit_create(
            actor=None,
            kind=UnitKind.DISTRICT,
            name="Huyện Đắk Song",
            code="665",
            parent=self.province,
        )
        self.commune_a = org_services.unit_create(
            actor=None,
            kind=UnitKind.COMMUNE,
            name="Xã Nam Bình",
            code="24730",
            parent=self.district,
        )
        self.commune_b = org_services.unit_create(
            actor=None,
            kind=UnitKind.COMMUNE,
            name="Xã Thuận Hà",
            code="24736",
            parent=self.district,
        )
        self.school_a = self.school("Trường THCS Lê Lợi", "67000101", self.commune_a)
        self.school_b = self.school("Trường THCS Nguyễn Du", "67000102", self.commune_b)
        self.year = org_services.school_year_create(
            actor=None,
            code="2025-2026",
            start_date=dt.date(2025, 9, 5),
            end_date=dt.date(2026, 5, 31),
        )
        self.class_a = org_services.class_create(
            actor=None,
            school=self.school_a,
            school_year_code="2025-2026",
            name="6A1",
            grade_number=6,
        )
        self.class_b = org_services.class_create(
            actor=None,
            school=self.school_b,
            school_year_code="2025-2026",
            name="6B1",
            grade_number=6,
        )
        self.student_a1 = self.student("Nguyễn Văn An", self.school_a, self.class_a)
        self.student_a2 = self.student("Trần Thị Bình", self.school_a, self.class_a, sex="F")
        self.student_b1 = self.student("Nguyễn Văn Cường", self.school_b, self.class_b)
        self.teacher_a = people_services.staff_create(
            actor=None,
            data=person_data("Lê Thị Hoa", dt.date(1985, 3, 2), "F"),
            unit=self.school_a,
            kind="teacher",
        )
        people_services.teaching_assign(
            actor=None,
            staff=self.teacher_a,
            class_group=self.class_a,
            subject="Toán",
            is_homeroom=True,
        )
        self.teacher_b = people_services.staff_create(
            actor=None,
            data=person_data("Phạm Văn Nam", dt.date(1980, 7, 9), "M"),
            unit=self.school_b,
            kind="teacher",
        )
        people_services.teaching_assign(
            actor=None, staff=self.teacher_b, class_group=self.class_b, subject="Ngữ văn"
        )
        # The worker's sweep: deliver the outbox (summary tables) as production would after
        # commit; the test transaction never commits, so on_commit delivery does not run.
        events.deliver_pending()

    @staticmethod
    def school(name: str, code: str, commune, level: str = "lower_secondary"):
        """A school's org unit under `commune`, through the service."""
        return org_services.school_create(
            actor=None, name=name, code=code, parent=commune, level=level
        ).unit

    def student(self, name, school, cls, sex="M", dob=dt.date(2013, 5, 4)):
        return people_services.student_create(
            actor=None,
            data=person_data(name, dob, sex),
            school=school,
            school_year=self.year,
            class_group=cls,
            start_date=self.year.start_date,
        )

    def user(self, role: str, unit=None, person=None, username: str | None = None) -> User:
        user = UserFactory(username=username or f"{role}{next(_serial)}", person=person)
        grant(user, role, unit)
        return user

    def teacher_user(self, staff=None) -> User:
        staff = staff or self.teacher_a
        return self.user(Role.TEACHER, staff.unit, person=staff.person)
