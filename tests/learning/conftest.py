"""Learning fixtures: the District's class 6A1 with Toán taught by teacher_a (through records'
subject assignment), an online class for it, and student logins."""

import pytest

from edudx.accounts.models import Role
from edudx.learning import services
from edudx.records import services as records_services
from edudx.records.models import Subject


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def toan():
    return Subject.objects.get(code="toan")


@pytest.fixture
def teacher(district, toan):
    records_services.subject_assign(
        actor=None, staff=district.teacher_a, subject=toan, class_group=district.class_a
    )
    return district.teacher_user()


@pytest.fixture
def online_class(teacher, district, toan):
    return services.online_class_create(actor=teacher, class_group=district.class_a, subject=toan)


@pytest.fixture
def student_a1(district):
    return district.user(Role.STUDENT, None, person=district.student_a1.person)


@pytest.fixture
def student_a2(district):
    return district.user(Role.STUDENT, None, person=district.student_a2.person)


@pytest.fixture
def student_b1(district):
    return district.user(Role.STUDENT, None, person=district.student_b1.person)
