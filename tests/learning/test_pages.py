"""Online-class pages: the teacher sets work, a student submits from a phone form, the
teacher grades; another class's student gets 404."""

import datetime as dt
import re

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edudx.accounts.models import Role
from edudx.learning import services
from edudx.learning.models import Assignment, Submission
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50


@pytest.fixture
def colleague(district):
    """Another teacher of school A (Ngữ văn in the tests that use her)."""
    from edudx.people import services as people_services  # noqa: PLC0415
    from tests.factories import person_data  # noqa: PLC0415

    return people_services.staff_create(
        actor=None,
        data=person_data("Hà Thị Thu", dt.date(1988, 4, 4), "F"),
        unit=district.school_a,
        kind="teacher",
    )


def test_teacher_opens_class_and_sets_work(client, teacher, district, toan):
    otp_login(client, teacher)
    index = client.get(reverse("learning:index")).content.decode()
    assert "Toán – 6A1" in index  # offered to open
    r = client.post(reverse("learning:index"), {"class": district.class_a.pk, "subject": toan.pk})
    oc_url = r["Location"]
    r = client.post(
        oc_url,
        {
            "action": "assignment",
            "title": "Bài tập số nguyên",
            "due_date": "2030-05-01",
            "due_time": "20:00",
            "attachments": [SimpleUploadedFile("de.pdf", b"%PDF-1.4 x")],
        },
    )
    a = Assignment.objects.get()
    assert (a.title, a.attachments.count()) == ("Bài tập số nguyên", 1)
    assert a.due_at == dt.datetime(2030, 5, 1, 13, 0, tzinfo=dt.UTC)  # 20:00 in Hanoi
    client.post(
        oc_url,
        {
            "action": "live",
            "url": "https://meet.vn/x",
            "date": "2025-10-06",
            "periods": "2",
            "attendees": [district.student_a1.pk],
        },
    )
    assert "2 tiết" in client.get(oc_url).content.decode()


def test_student_submits_and_teacher_grades(client, teacher, online_class, student_a1, student_b1):
    a = services.assignment_create(
        actor=teacher,
        online_class=online_class,
        title="Bài 1",
        due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),  # already past: late
    )
    client.force_login(student_a1)
    url = reverse("learning:assignment", args=[a.pk])
    assert "Quá hạn, chưa nộp" in client.get(url).content.decode()
    # A file of the wrong kind: the work typed comes back with the error at the file field.
    bad = client.post(
        url,
        {"action": "submit", "text": "Em làm bài 1", "file": SimpleUploadedFile("a.exe", b"MZ")},
    )
    page = bad.content.decode()
    assert bad.status_code == 400
    assert ">Em làm bài 1</textarea>" in page
    assert re.search(
        r'id="sb-file" [^>]*aria-invalid="true" aria-describedby="e-submit_file"', page
    )
    assert '<p class="field-error" id="e-submit_file" role="alert">Tệp: ' in page
    assert not Submission.objects.exists()
    client.post(
        url, {"action": "submit", "text": "Em làm", "file": SimpleUploadedFile("a.jpg", JPEG)}
    )
    s = Submission.objects.get()
    assert (s.late, s.mime) == (True, "image/jpeg")
    page = client.get(url).content.decode()
    assert "Nộp muộn" in page
    client.force_login(student_b1)
    assert client.get(url).status_code == 404
    assert client.get(reverse("learning:submission_file", args=[s.pk])).status_code == 404
    otp_login(client, teacher)
    bad = client.post(url, {"action": "grade", "submission": s.pk, "score": "11", "comment": "Tốt"})
    page = bad.content.decode()
    assert bad.status_code == 400
    assert re.search(
        rf'id="g-{s.pk}" name="score" value="11" [^>]*aria-describedby="e-grade_score" autofocus',
        page,
    )
    assert f'id="c-{s.pk}" name="comment" value="Tốt">' in page
    s.refresh_from_db()
    assert s.score is None
    client.post(url, {"action": "grade", "submission": s.pk, "score": "8,5", "comment": "Khá"})
    s.refresh_from_db()
    assert (str(s.score), s.teacher_comment) == ("8.5", "Khá")
    f = client.get(reverse("learning:submission_file", args=[s.pk]))
    assert f.status_code == 200 and f["Content-Type"] == "image/jpeg"


def test_a_teachers_own_online_classes_come_first(client, teacher, district, toan, colleague):
    """A class's other subjects (another teacher's) follow the teacher's own, under their
    own heading; a student sees one list."""
    from edudx.records import services as records_services  # noqa: PLC0415
    from edudx.records.models import Subject  # noqa: PLC0415

    van = Subject.objects.get(code="ngu_van")
    records_services.subject_assign(
        actor=None, staff=colleague, subject=van, class_group=district.class_a
    )
    services.online_class_create(
        actor=district.teacher_user(colleague), class_group=district.class_a, subject=van
    )
    services.online_class_create(actor=teacher, class_group=district.class_a, subject=toan)
    otp_login(client, teacher)
    doc = lxml.html.fromstring(client.get(reverse("learning:index")).content)
    assert [h.text_content() for h in doc.xpath("//main//h2")] == [
        "Lớp tôi dạy",
        "Các môn khác ở lớp của tôi",
    ]
    assert doc.xpath('//ul[@id="mine"]//a/text()') == ["Toán – 6A1"]
    assert doc.xpath('//ul[@id="others"]//a/text()') == ["Ngữ văn – 6A1"]
    client.force_login(district.user(Role.STUDENT, None, person=district.student_a1.person))
    doc = lxml.html.fromstring(client.get(reverse("learning:index")).content)
    assert doc.xpath('//ul[@id="mine"]') == []
    assert doc.xpath('//ul[@id="others"]//h2/a/text()') == ["Toán – 6A1", "Ngữ văn – 6A1"]


def _titles(doc) -> list[str]:
    return [a.text_content() for a in doc.xpath('//ul[@id="others"]//a')]


def test_a_principal_pages_and_searches_every_online_class(
    client, teacher, district, toan, colleague
):
    """60 online classes (30 classes × Toán, Ngữ văn): the principal gets 50 and a second
    page, and finds them by class, subject or teacher typed without diacritics; a teacher
    sees all of their own and the colleague's in one page, with no search box."""
    from edudx.org import services as org_services  # noqa: PLC0415
    from edudx.records import services as records_services  # noqa: PLC0415
    from edudx.records.models import Subject  # noqa: PLC0415

    van = Subject.objects.get(code="ngu_van")
    colleague_user = district.teacher_user(colleague)
    classes = [district.class_a] + [
        org_services.class_create(
            actor=None,
            school=district.school_a,
            school_year_code="2025-2026",
            name=f"6A{i}",
            grade_number=6,
        )
        for i in range(2, 31)
    ]
    pairs = ((district.teacher_a, teacher, toan), (colleague, colleague_user, van))
    for c in classes:
        for staff, _user, subject in pairs:
            records_services.subject_assign(actor=None, staff=staff, subject=subject, class_group=c)
    for c in classes:
        for _staff, user, subject in pairs:
            # A fresh user object: the scope read before the assignments is cached on it.
            fresh = type(user).objects.get(pk=user.pk)
            services.online_class_create(actor=fresh, class_group=c, subject=subject)
    every = [f"{s} – {c}" for c in sorted(c.name for c in classes) for s in ("Toán", "Ngữ văn")]

    otp_login(client, district.user(Role.PRINCIPAL, district.school_a))
    url = reverse("learning:index")
    first = lxml.html.fromstring(client.get(url).content)
    second = lxml.html.fromstring(client.get(url, {"page": 2}).content)
    assert _titles(first) + _titles(second) == every
    assert len(_titles(first)) == 50
    assert (
        " ".join(first.xpath('//p[@class="count-line"]/text()')[0].split()) == "60 lớp · trang 1/2"
    )
    assert first.xpath('//input[@name="q"]')  # more than one page: a search box

    def found(q):
        return _titles(lxml.html.fromstring(client.get(url, {"q": q}).content))

    assert found("ngu van") == [t for t in every if t.startswith("Ngữ văn")]
    assert found("HA THI") == [t for t in every if t.startswith("Ngữ văn")]  # the teacher
    assert found("6a2") == [t for t in every if t.split(" – ")[1].startswith("6A2")]
    assert len(found("6a2")) == 22  # 6A2, 6A20–6A29
    empty = lxml.html.fromstring(client.get(url, {"q": "zzz"}).content)
    assert _titles(empty) == []
    assert "Không có lớp trực tuyến nào khớp với “zzz”." in empty.text_content()
    client.cookies["django_language"] = "en"
    english = lxml.html.fromstring(client.get(url, {"q": "zzz"}).content).text_content()
    assert "No online class matches “zzz”." in english
    assert "Search by class, subject or teacher" in english
    del client.cookies["django_language"]

    otp_login(client, teacher)
    doc = lxml.html.fromstring(client.get(url).content)
    assert len(doc.xpath('//ul[@id="mine"]//a')) == 30
    assert _titles(doc) == [t for t in every if t.startswith("Ngữ văn")]
    assert doc.xpath('//input[@name="q"]') == []  # one page: nothing to search
    assert "Mở lớp trực tuyến" not in doc.text_content()  # every class of theirs is open


def test_an_officer_sees_each_online_class_with_its_school(client, teacher, district, toan):
    """Above one school the list names each class's school, orders by school, and finds a
    school by its name without diacritics; a principal's list names none."""
    from edudx.records import services as records_services  # noqa: PLC0415

    records_services.subject_assign(
        actor=None, staff=district.teacher_b, subject=toan, class_group=district.class_b
    )
    services.online_class_create(
        actor=district.teacher_user(district.teacher_b), class_group=district.class_b, subject=toan
    )
    services.online_class_create(actor=teacher, class_group=district.class_a, subject=toan)
    url = reverse("learning:index")

    def cards(**params):
        doc = lxml.html.fromstring(client.get(url, params).content)
        return [
            (li.xpath(".//a")[0].text_content(), li.xpath('.//p[@class="muted"]')[0].text_content())
            for li in doc.xpath('//ul[@id="others"]/li')
        ]

    otp_login(client, district.user(Role.PROVINCE_OFFICER, district.province))
    assert cards() == [
        ("Toán – 6A1", "Trường THCS Lê Lợi · Lê Thị Hoa"),
        ("Toán – 6B1", "Trường THCS Nguyễn Du · Phạm Văn Nam"),
    ]
    assert cards(q="nguyen du") == [("Toán – 6B1", "Trường THCS Nguyễn Du · Phạm Văn Nam")]
    otp_login(client, district.user(Role.PRINCIPAL, district.school_a))
    assert cards() == [("Toán – 6A1", "Lê Thị Hoa")]
