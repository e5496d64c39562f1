"""IMS Common Cartridge 1.3: a lesson exported and imported back, and hostile packages."""

import hashlib
import io
import zipfile

import pytest
from defusedxml import ElementTree as SafeET

from edudx.core.errors import DomainError
from edudx.learning import cartridge, services

from .conftest import PDF

pytestmark = pytest.mark.django_db


NS = {"cp": cartridge.CP}


def _opened(data: bytes):
    """A package's entry names (sorted) and its manifest, whose schema version is 1.3.0."""
    z = zipfile.ZipFile(io.BytesIO(data))
    manifest = SafeET.fromstring(z.read("imsmanifest.xml"))
    assert manifest.find("cp:metadata/cp:schemaversion", NS).text == "1.3.0"
    return sorted(z.namelist()), manifest


def test_round_trip(lesson, teacher, online_class):
    data = cartridge.export_lesson(lesson)
    names, manifest = _opened(data)
    assert names == ["imsmanifest.xml", "lesson.html", "resources/1/phan-so.pdf", "weblinks/2.xml"]
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


def _lessons(online_class, since=0):
    return [
        (
            lesson.title,
            lesson.text,
            [
                (r.title, r.type, r.licence, r.author, r.external_url, r.sha256)
                for r in lesson.resources.order_by("id")
            ],
        )
        for lesson in online_class.lessons.all()[since:]
    ]


@pytest.fixture
def course(lesson, teacher, online_class):
    """Two lessons: the fixture's (a PDF and a link) and one with a link only."""
    link = lesson.resources.get(type="link")
    services.lesson_create(
        actor=teacher,
        online_class=online_class,
        title="Bài 4. So sánh phân số",
        text="Xem video rồi làm bài 2.",
        resource_ids=[link.pk],
    )
    return online_class


def test_course_round_trip(course, teacher):
    data = cartridge.export_class(course, course.lessons.prefetch_related("resources"))
    names, manifest = _opened(data)
    assert names == [
        "imsmanifest.xml",
        "lessons/1/lesson.html",
        "lessons/1/resources/1/phan-so.pdf",
        "lessons/1/weblinks/2.xml",
        "lessons/2/lesson.html",
        "lessons/2/weblinks/1.xml",
    ]
    root = manifest.find("cp:organizations/cp:organization/cp:item", NS)
    assert [i.find("cp:title", NS).text for i in root.findall("cp:item", NS)] == [
        "Bài 3. Phân số <bằng nhau>",
        "Bài 4. So sánh phân số",
    ]
    before = _lessons(course)
    done = cartridge.import_cartridge(actor=teacher, online_class=course, data=data)
    assert [len(created) for _lesson, created in done] == [2, 1]
    assert _lessons(course, since=2) == before
    assert before == [
        (
            "Bài 3. Phân số <bằng nhau>",
            "Đọc SGK trang 10 & làm bài 1.",
            [
                ("Phân số – bài giảng", "document", "cc-by-sa", "Lê Thị Hoa", "",
                 hashlib.sha256(PDF).hexdigest()),
                ("Video phân số", "link", "cc-by", "Lê Thị Hoa",
                 "https://example.edu.vn/video?id=1&t=2", ""),
            ],
        ),
        (
            "Bài 4. So sánh phân số",
            "Xem video rồi làm bài 2.",
            [("Video phân số", "link", "cc-by", "Lê Thị Hoa",
              "https://example.edu.vn/video?id=1&t=2", "")],
        ),
    ]  # fmt: skip
    # Imported material goes to review, like any upload.
    assert {r.status for _l, created in done for r in created} == {"submitted"}


def test_lesson_package_still_imports_and_course_package_needs_the_course_import(
    course, lesson, teacher
):
    one = cartridge.import_cartridge(
        actor=teacher, online_class=course, data=cartridge.export_lesson(lesson)
    )
    assert [(x.title, len(created)) for x, created in one] == [("Bài 3. Phân số <bằng nhau>", 2)]
    whole = cartridge.export_class(course, course.lessons.all())
    with pytest.raises(DomainError) as exc:
        cartridge.import_lesson(actor=teacher, online_class=course, data=whole)
    assert exc.value.item.message == "Gói có 3 bài học; hãy nhập gói này như một khoá học."


# A course written by hand after the IMS CC 1.3 specification (as another platform would
# write it): modules as folder items, an HTML page, a PDF, a web link, and a discussion
# topic (a type we do not import) in the second module.
HAND_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="cctd0001"
  xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
  xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
  xmlns:lom="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1 http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd">
  <metadata>
    <schema>IMS Common Cartridge</schema>
    <schemaversion>1.3.0</schemaversion>
    <lomimscc:lom><lomimscc:general><lomimscc:title>
      <lomimscc:string language="vi">Toán 6 – Số nguyên</lomimscc:string>
    </lomimscc:title></lomimscc:general></lomimscc:lom>
  </metadata>
  <organizations>
    <organization identifier="O_1" structure="rooted-hierarchy">
      <item identifier="I_ROOT">
        <item identifier="M_1">
          <title>Chủ đề 1. Tập hợp số nguyên</title>
          <item identifier="I_1_1" identifierref="R_PAGE1"><title>Giới thiệu</title></item>
          <item identifier="I_1_2" identifierref="R_PDF"><title>Phiếu học tập</title></item>
        </item>
        <item identifier="M_2">
          <title>Chủ đề 2. Phép cộng số nguyên</title>
          <item identifier="I_2_1" identifierref="R_LINK"><title>Video bài giảng</title></item>
          <item identifier="I_2_2" identifierref="R_TOPIC"><title>Thảo luận</title></item>
        </item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R_PAGE1" type="webcontent" href="module1/gioi-thieu.html">
      <file href="module1/gioi-thieu.html"/>
    </resource>
    <resource identifier="R_PDF" type="webcontent" href="web_resources/phieu.pdf">
      <metadata><lom:lom>
        <lom:general><lom:title><lom:string>Phiếu học tập số nguyên</lom:string></lom:title>
        </lom:general>
        <lom:rights><lom:description><lom:string>cc-by</lom:string></lom:description>
        </lom:rights>
      </lom:lom></metadata>
      <file href="web_resources/phieu.pdf"/>
    </resource>
    <resource identifier="R_LINK" type="imswl_xmlv1p3">
      <file href="links/video.xml"/>
    </resource>
    <resource identifier="R_TOPIC" type="imsdt_xmlv1p3">
      <file href="topics/thao-luan.xml"/>
    </resource>
  </resources>
</manifest>"""

HAND_LINK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3">'
    b"<title>Video c\xe1\xbb\x99ng s\xe1\xbb\x91 nguy\xc3\xaan</title>"
    b'<url href="https://hoc.edu.vn/video/cong-so-nguyen" target="_blank"/></webLink>'
)


def hand_made(**changes) -> dict[str, bytes]:
    entries = {
        "imsmanifest.xml": HAND_MANIFEST.encode(),
        "module1/gioi-thieu.html": (
            "<html><head><title>Giới thiệu</title></head><body><p>Số nguyên gồm số nguyên "
            "dương, số 0 và số nguyên &quot;âm&quot;.</p></body></html>"
        ).encode(),
        "web_resources/phieu.pdf": PDF,
        "links/video.xml": HAND_LINK,
        "topics/thao-luan.xml": b"<topic/>",
    }
    return entries | changes


def test_hand_written_cartridge_with_two_lessons(teacher, online_class):
    done = cartridge.import_cartridge(
        actor=teacher, online_class=online_class, data=_zip(hand_made())
    )
    got = [
        (x.title, x.text, [(r.title, r.type, r.licence, r.external_url) for r in created])
        for x, created in done
    ]
    assert got == [
        (
            "Chủ đề 1. Tập hợp số nguyên",
            'Số nguyên gồm số nguyên dương, số 0 và số nguyên "âm".',
            [("Phiếu học tập số nguyên", "document", "cc-by", "")],
        ),
        (
            "Chủ đề 2. Phép cộng số nguyên",
            "",
            [("Video bài giảng", "link", "all-rights-reserved",
              "https://hoc.edu.vn/video/cong-so-nguyen")],
        ),
    ]  # fmt: skip
    assert [list(x.resources.all()) for x, _c in done] == [c for _x, c in done]


def _nothing_written(online_class, settings):
    from edudx.content.models import Resource

    media = settings.MEDIA_ROOT
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    return (online_class.lessons.count(), Resource.objects.count(), files)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            hand_made(**{"../evil.html": b"x"}),
            "Đường dẫn “../evil.html” trong tệp nén không an toàn "
            "(tuyệt đối hoặc ra ngoài thư mục).",
        ),
        (
            {k: v for k, v in hand_made().items() if k != "imsmanifest.xml"},
            "Gói thiếu imsmanifest.xml.",
        ),
        (
            hand_made(
                **{
                    "imsmanifest.xml": HAND_MANIFEST.replace(
                        'href="web_resources/phieu.pdf"/>', 'href="../../etc/passwd"/>'
                    ).encode()
                }
            ),
            "Gói tham chiếu tệp không có: ../../etc/passwd.",
        ),
        (
            # The second lesson's link is bad: the first lesson (already created, its PDF
            # stored) is rolled back with it.
            hand_made(**{"links/video.xml": HAND_LINK.replace(b"https://", b"javascript://")}),
            "Bài 2 “Chủ đề 2. Phép cộng số nguyên”, học liệu “Video bài giảng”: "
            "Liên kết phải là địa chỉ http(s):// hợp lệ.",
        ),
    ],
    ids=["path-escaping", "no-manifest", "href-escaping", "bad-part-rolls-back"],
)
def test_bad_course_packages_are_refused_whole(teacher, online_class, settings, entries, message):
    with pytest.raises(DomainError) as exc:
        cartridge.import_cartridge(actor=teacher, online_class=online_class, data=_zip(entries))
    assert (exc.value.field, str(exc.value.item.message)) == ("file", message)
    assert _nothing_written(online_class, settings) == (0, 0, [])


def test_course_cartridge_api_and_page(course, teacher, student_a1, student_b1, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.api.conftest import API, token_client
    from tests.pages.conftest import otp_login

    t = token_client(teacher)
    r = t.get(f"{API}/online-classes/{course.pk}/cartridge")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    imp = t.post(
        f"{API}/online-classes/{course.pk}/course-cartridge",
        {"file": SimpleUploadedFile("lop.imscc", r.content)},
        headers={"Idempotency-Key": "cc-1"},
    )
    assert imp.status_code == 201, imp.content
    body = imp.json()
    assert ([x["title"] for x in body["lessons"]], body["resources_submitted"]) == (
        ["Bài 3. Phân số <bằng nhau>", "Bài 4. So sánh phân số"],
        3,
    )
    again = t.post(
        f"{API}/online-classes/{course.pk}/course-cartridge",
        {"file": SimpleUploadedFile("lop.imscc", r.content)},
        headers={"Idempotency-Key": "cc-1"},
    )
    assert again["Idempotent-Replayed"] == "true" and course.lessons.count() == 4
    bad = t.post(
        f"{API}/online-classes/{course.pk}/course-cartridge",
        {"file": SimpleUploadedFile("x.imscc", _zip({"lesson.html": b"x"}))},
    )
    assert (bad.status_code, bad.json()["message"]) == (400, "Gói thiếu imsmanifest.xml.")
    # A student of the class exports only published material; another class's: 404.
    s = token_client(student_a1)
    z = zipfile.ZipFile(io.BytesIO(s.get(f"{API}/online-classes/{course.pk}/cartridge").content))
    assert len([n for n in z.namelist() if n.endswith("lesson.html")]) == 4
    assert len([n for n in z.namelist() if "/resources/" in n]) == 1  # the published PDF
    assert len(s.get(f"{API}/online-classes/{course.pk}/lessons").json()[2]["resource_ids"]) == 0
    assert token_client(student_b1).get(
        f"{API}/online-classes/{course.pk}/cartridge"
    ).status_code == 404  # fmt: skip
    assert s.post(
        f"{API}/online-classes/{course.pk}/course-cartridge",
        {"file": SimpleUploadedFile("lop.imscc", r.content)},
    ).status_code == 403  # fmt: skip

    # The page: an export button and an import form for the teacher.
    otp_login(client, teacher)
    url = reverse("learning:class", args=[course.pk])
    export = reverse("learning:class_cartridge", args=[course.pk])
    assert f'href="{export}"' in client.get(url).content.decode()
    assert (
        client.get(export)["Content-Disposition"]
        == f'attachment; filename="class-{course.pk}.imscc"'
    )
    done = client.post(
        url,
        {"action": "cartridge", "file": SimpleUploadedFile("chu-de.imscc", _zip(hand_made()))},
        follow=True,
    )
    assert "Đã nhập 2 bài học và 2 học liệu (học liệu chờ duyệt)." in done.content.decode()
    assert course.lessons.count() == 6
    refused = client.post(
        url,
        {"action": "cartridge", "file": SimpleUploadedFile("x.imscc", _zip({"a.txt": b"x"}))},
        follow=True,
    )
    assert "Gói thiếu imsmanifest.xml." in refused.content.decode()
    assert course.lessons.count() == 6
