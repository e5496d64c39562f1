"""Learning fixtures: the District's class 6A1 with Toán taught by teacher_a (through records'
subject assignment), an online class for it, and student logins."""

import io

import pytest

from edudx.accounts.models import Role
from edudx.content import services as content_services
from edudx.learning import services
from edudx.records import services as records_services
from edudx.records.models import Subject

PDF = b"%PDF-1.4\n% bai giang\n%%EOF\n"


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


@pytest.fixture
def lesson(district, teacher, online_class, toan):
    principal = district.user(Role.PRINCIPAL, district.school_a)

    def publish(r):
        content_services.resource_review(actor=principal, resource=r, approve=True)
        content_services.resource_publish(actor=principal, resource=r, scope="school")
        return r

    base = {"subject_id": toan.pk, "grade": 6, "author": "Lê Thị Hoa", "language": "vi"}
    pdf = publish(
        content_services.resource_create(
            actor=teacher,
            data=content_services.ResourceData(
                title="Phân số – bài giảng", type="document", licence="cc-by-sa", **base
            ),
            upload=content_services.Upload(io.BytesIO(PDF), len(PDF), "phan-so.pdf"),
        )
    )
    link = publish(
        content_services.resource_create(
            actor=teacher,
            data=content_services.ResourceData(
                title="Video phân số",
                type="link",
                licence="cc-by",
                external_url="https://example.edu.vn/video?id=1&t=2",
                **base,
            ),
        )
    )
    return services.lesson_create(
        actor=teacher,
        online_class=online_class,
        title="Bài 3. Phân số <bằng nhau>",
        text="Đọc SGK trang 10 & làm bài 1.",
        resource_ids=[pdf.pk, link.pk],
    )
