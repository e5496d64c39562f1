"""IMS Common Cartridge 1.3: a lesson exported and imported back, and hostile packages."""

import hashlib
import io
import zipfile

import pytest
from defusedxml import ElementTree as SafeET

from edudx.accounts.models import Role
from edudx.content import services as content_services
from edudx.core.errors import DomainError
from edudx.learning import cartridge, services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% bai giang\n%%EOF\n"


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


def test_round_trip(lesson, teacher, online_class):
    data = cartridge.export_lesson(lesson)
    z = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(z.namelist()) == [
        "imsmanifest.xml",
        "lesson.html",
        "resources/1/phan-so.pdf",
        "weblinks/2.xml",
    ]
    manifest = SafeET.fromstring(z.read("imsmanifest.xml"))
    ns = {"cp": cartridge.CP}
    assert manifest.find("cp:metadata/cp:schemaversion", ns).text == "1.3.0"
    assert [r.get("type") for r in manifest.iter(f"{{{cartridge.CP}}}resource")] == [
        "webcontent",
        "webcontent",
        "imswl_xmlv1p3",
    ]

    new, created = cartridge.import_lesson(actor=teacher, online_class=online_class, data=data)
    assert (new.title, new.text) == ("Bài 3. Phân số <bằng nhau>", "Đọc SGK trang 10 & làm bài 1.")
    got = [(r.title, r.type, r.licence, r.external_url, r.sha256, r.status) for r in created]
    assert got == [
        (
            "Phân số – bài giảng",
            "document",
            "cc-by-sa",
            "",
            hashlib.sha256(PDF).hexdigest(),
            "submitted",
        ),
        (
            "Video phân số",
            "link",
            "cc-by",
            "https://example.edu.vn/video?id=1&t=2",
            "",
            "submitted",
        ),
    ]


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in entries.items():
            z.writestr(k, v)
    return buf.getvalue()


@pytest.mark.parametrize(
    "entries",
    [
        {"lesson.html": b"x"},  # no manifest
        {"imsmanifest.xml": b"<not xml"},
        {
            "imsmanifest.xml": b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;">]><manifest>&b;</manifest>'
        },
        {"imsmanifest.xml": b"<manifest/>", "../evil.html": b"x"},
    ],
    ids=["no-manifest", "broken-xml", "entities", "traversal"],
)
def test_hostile_packages_are_refused(teacher, online_class, entries):
    with pytest.raises(DomainError) as exc:
        cartridge.import_lesson(actor=teacher, online_class=online_class, data=_zip(entries))
    assert exc.value.field == "file"
    assert online_class.lessons.count() == 0


def test_api_export_and_import(lesson, teacher, online_class, student_b1):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.conftest import API, token_client

    t = token_client(teacher)
    r = t.get(f"{API}/lessons/{lesson.pk}/cartridge")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    data = r.content
    imp = t.post(
        f"{API}/online-classes/{online_class.pk}/cartridge",
        {"file": SimpleUploadedFile("bai.imscc", data)},
    )
    assert imp.status_code == 201, imp.content
    assert imp.json()["title"] == "Bài 3. Phân số <bằng nhau>"
    assert token_client(student_b1).get(f"{API}/lessons/{lesson.pk}/cartridge").status_code == 404
