"""An e-services world on top of the test district: the catalogue, primary schools in both
communes, next year's school year, a commune officer per commune, a guardian of student a1."""

import datetime as dt

import pytest
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.eservices import admissions
from edudx.eservices.catalogue import catalogue_load
from edudx.eservices.models import Procedure
from edudx.org import services as org_services
from edudx.people import services as people_services
from tests.factories import make_personal_id, person_data

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n" + b"0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


class World:
    def __init__(self, d):
        catalogue_load()
        self.d = d
        self.primary_a = org_services.school_create(
            actor=None,
            name="Trường Tiểu học Kim Đồng",
            code="67000201",
            parent=d.commune_a,
            level="primary",
        ).unit
        self.primary_b = org_services.school_create(
            actor=None,
            name="Trường Tiểu học Võ Thị Sáu",
            code="67000202",
            parent=d.commune_b,
            level="primary",
        ).unit
        self.next_year = org_services.school_year_create(
            actor=None,
            code="2026-2027",
            start_date=dt.date(2026, 9, 5),
            end_date=dt.date(2027, 5, 31),
        )
        self.officer_a = d.user(Role.COMMUNE_OFFICER, d.commune_a)
        self.officer_b = d.user(Role.COMMUNE_OFFICER, d.commune_b)
        self.principal_a = d.user(Role.PRINCIPAL, d.school_a)
        self.principal_b = d.user(Role.PRINCIPAL, d.school_b)
        self.guardian_person = people_services.person_create(
            actor=None,
            data=person_data(
                "Nguyễn Văn Hải", dt.date(1985, 1, 2), commune_id=d.commune_a.pk, phone="0912000111"
            ),
        )
        people_services.guardian_link(
            actor=None,
            guardian=self.guardian_person,
            student=d.student_a1,
            relationship="father",
        )
        self.guardian = d.user(Role.GUARDIAN, None, person=self.guardian_person)
        self.citizen = d.user(Role.CITIZEN, None)

    def procedure(self, code: str) -> Procedure:
        return Procedure.objects.get(code=code)

    def grade1_round(
        self, *, quota_a=2, quota_b=2, opens=None, closes=None, seed="2026-tuyen-sinh"
    ):
        now = timezone.now()
        return admissions.round_create(
            actor=None,
            procedure=self.procedure("admission_grade1"),
            unit=self.d.district,
            school_year=self.next_year,
            name="Tuyển sinh lớp 1 năm học 2026-2027",
            opens_at=opens or now - dt.timedelta(hours=1),
            closes_at=closes or now + dt.timedelta(hours=1),
            seed=seed,
            schools=[(self.primary_a, quota_a), (self.primary_b, quota_b)],
            zones=[
                (self.primary_a, self.d.commune_a, ""),
                (self.primary_b, self.d.commune_b, ""),
            ],
        )


@pytest.fixture
def world(district):
    return World(district)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and the round cache live in process memory; start clean."""
    from django.core.cache import cache

    cache.clear()
    admissions._config_cache.clear()
    yield


@pytest.fixture
def preschool_round(world):
    world.kindergarten = org_services.school_create(
        actor=None,
        name="Trường Mầm non Hoa Sen",
        code="67000301",
        parent=world.d.commune_a,
        level="preschool",
    ).unit
    now = timezone.now()
    return admissions.round_create(
        actor=None,
        procedure=world.procedure("admission_preschool"),
        unit=world.d.commune_a,
        school_year=world.next_year,  # 2026-2027
        name="Tuyển sinh mẫu giáo năm học 2026-2027",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
        seed="mam-non-2026",
        schools=[(world.kindergarten, {3: 2, 4: 1, 5: 3})],
        zones=[(world.kindergarten, world.d.commune_a, "")],
    )


def child(world, dob, sex="F", name="Phạm Ngọc Anh"):
    return {
        "child_personal_id": make_personal_id(dob, sex),
        "child_name": name,
        "date_of_birth": dob.strftime("%d/%m/%Y"),
        "sex": sex,
        "commune": str(world.d.commune_a.pk),
        "school": str(world.kindergarten.pk),
        "applicant_name": "Phạm Văn Long",
        "phone": "0905111222",
    }
