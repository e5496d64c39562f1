"""Content fixtures: the District of tests/factories.py, with the repository's people —
an uploading teacher, a principal, commune and province officers — and small helpers."""

import io
import zipfile

import pytest

from edudx.accounts.models import Role
from edudx.content import services
from edudx.content.models import Topic
from edudx.content.services import ResourceData, Upload
from edudx.records.models import Subject

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="bai.pdf", data=PDF_BYTES) -> Upload:
    return Upload(file=io.BytesIO(data), size=len(data), name=name)


def zip_bytes(entries: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            z.writestr(info, "/etc/passwd")
    return buf.getvalue()


@pytest.fixture
def toan():
    return Subject.objects.get(code="toan")


@pytest.fixture
def ngu_van():
    return Subject.objects.get(code="ngu_van")


@pytest.fixture
def teacher(district):
    return district.teacher_user()


@pytest.fixture
def teacher_b(district):
    return district.teacher_user(district.teacher_b)


@pytest.fixture
def principal(district):
    return district.user(Role.PRINCIPAL, district.school_a)


@pytest.fixture
def commune_officer(district):
    return district.user(Role.COMMUNE_OFFICER, district.commune_a)


@pytest.fixture
def province_officer(district):
    return district.user(Role.PROVINCE_OFFICER, district.province)


def data(subject, grade=6, topics=(), **kw) -> ResourceData:
    values = {
        "title": "Phân số và các phép tính",
        "type": "document",
        "subject_id": subject.pk,
        "grade": grade,
        "licence": "cc-by-sa",
        "author": "Lê Thị Hoa",
        "topic_ids": [t.pk for t in topics],
    }
    values.update(kw)
    return ResourceData(**values)


def topic(subject, code, grade=6) -> Topic:
    return Topic.objects.get(subject=subject, grade=grade, code=code)


def publish(resource, reviewer, scope="school"):
    services.resource_review(actor=reviewer, resource=resource, approve=True)
    return services.resource_publish(actor=reviewer, resource=resource, scope=scope)


@pytest.fixture
def make_resource(teacher, toan):
    def make(actor=None, upload="pdf", **kw):
        kw.setdefault("subject", toan)
        subject = kw.pop("subject")
        return services.resource_create(
            actor=actor or teacher,
            data=data(subject, **kw),
            upload=pdf_upload() if upload == "pdf" else upload,
        )

    return make


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
