"""Mark-change requests across classes (/records/marks/changes/): the principal finds the
pending ones from the home page and decides them in one place; a teacher follows their own;
nobody sees or decides another school's (pages and API)."""

import re
from decimal import Decimal

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from edudx.accounts.models import Role
from edudx.notify.models import Notification
from edudx.people import services as people_services
from edudx.records import selectors, services
from edudx.records.models import ChangeStatus, Mark, MarkChangeRequest, Subject
from tests.api.conftest import API, token_client
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

URL = reverse("records:mark_changes")


def _locked_with_request(district, staff, cls, student, value: str, reason: str):
    """Maths of `cls` taught by `staff`, one mark entered, the term approved and locked,
    then `staff` asks to change that mark to `value`."""
    maths = Subject.objects.get(code="toan")
    services.subject_assign(actor=None, staff=staff, subject=maths, class_group=cls)
    teacher = district.teacher_user(staff)
    term = selectors.term_get(cls, 1)
    services.marks_save(
        actor=teacher,
        class_group=cls,
        subject=maths,
        term=term,
        entries=[services.MarkEntry(student.pk, "gk", "6")],
    )
    principal = district.user(Role.PRINCIPAL, cls.school)
    services.term_approve(actor=teacher, class_group=cls, term=term, as_role="homeroom")
    services.term_approve(actor=principal, class_group=cls, term=term, as_role="principal")
    services.mark_change_request(
        actor=teacher,
        class_group=cls,
        subject=maths,
        term=term,
        student_id=student.pk,
        kind="gk",
        text=value,
        reason=reason,
    )
    return teacher, principal


@pytest.fixture
def two_schools(district):
    d = district
    # 6B1 gets a homeroom teacher (the fixture's has none) so its term can be locked.
    people_services.teaching_assign(
        actor=None, staff=d.teacher_b, class_group=d.class_b, subject="Toán", is_homeroom=True
    )
    teacher_a, principal_a = _locked_with_request(
        d, d.teacher_a, d.class_a, d.student_a1, "7,5", "Phúc khảo"
    )
    teacher_b, principal_b = _locked_with_request(
        d, d.teacher_b, d.class_b, d.student_b1, "8", "Nhập nhầm"
    )
    return teacher_a, principal_a, teacher_b, principal_b


def login(user, language="vi") -> Client:
    client = otp_login(Client(), user)
    client.cookies["django_language"] = language
    return client


def cards(response) -> list[dict]:
    """Each card: its text (spaces collapsed) and whether it offers a decision."""
    doc = lxml.html.fromstring(response.content)
    return [
        {
            "text": re.sub(r"\s+", " ", li.text_content()).strip(),
            "decide": bool(li.xpath('.//button[@value="approve"]')),
        }
        for li in doc.xpath('//ul[@class="cards"]/li')
    ]


def home_tasks(client) -> list[tuple[str, str]]:
    doc = lxml.html.fromstring(client.get("/").content)
    return [(a.text_content(), a.get("href")) for a in doc.xpath('//ul[@class="glance tasks"]//a')]


def test_principal_finds_pending_requests_from_home_and_approves_them(district, two_schools):
    teacher_a, principal_a, _teacher_b, _principal_b = two_schools
    client = login(principal_a)
    line = ("1 đề nghị sửa điểm chờ duyệt", "/records/marks/changes/?status=pending")
    assert line in home_tasks(client)
    page = client.get(line[1])
    assert page.status_code == 200
    got = cards(page)
    assert len(got) == 1 and got[0]["decide"] is True
    assert got[0]["text"].startswith(
        "Nguyễn Văn An · 6A1 · Trường THCS Lê Lợi Chờ duyệt Toán · Học kỳ I · ĐĐGgk: 6 → 7,5 "
        "Lý do: Phúc khảo Đề nghị của Lê Thị Hoa lúc "
    )
    change = MarkChangeRequest.objects.get(class_group=district.class_a)
    r = client.post(f"{URL}?status=pending", {"change": change.pk, "action": "approve"})
    assert (r.status_code, r["Location"]) == (302, "/records/marks/changes/?status=pending")
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (ChangeStatus.APPROVED, principal_a)
    assert Mark.objects.get(student=district.student_a1, kind="gk").value == Decimal("7.5")
    after = client.get(r["Location"]).content.decode()
    assert "Đã duyệt đề nghị sửa điểm: Nguyễn Văn An, Toán." in after
    assert "Không có đề nghị sửa điểm nào chờ duyệt." in after
    assert line not in home_tasks(client)
    twice = client.post(f"{URL}?status=pending", {"change": change.pk, "action": "refuse"})
    assert twice.status_code == 409  # a second click, or another principal: nothing changes
    assert "Đề nghị này đã được xử lý." in twice.content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    decided = cards(client.get(f"{URL}?status=approved"))
    assert len(decided) == 1 and decided[0]["decide"] is False
    assert "Đã duyệt" in decided[0]["text"] and "xử lý bởi " in decided[0]["text"]


def test_refused_request_leaves_the_mark_and_english_home_line(district, two_schools):
    _ta, _pa, _teacher_b, principal_b = two_schools
    client = login(principal_b, "en")
    assert home_tasks(client) == [
        ("1 mark change request waiting for a decision", "/records/marks/changes/?status=pending")
    ]
    change = MarkChangeRequest.objects.get(class_group=district.class_b)
    r = client.post(URL, {"change": change.pk, "action": "refuse"})
    assert (r.status_code, r["Location"]) == (302, "/records/marks/changes/")
    change.refresh_from_db()
    assert change.status == ChangeStatus.REFUSED
    assert Mark.objects.get(student=district.student_b1, kind="gk").value == Decimal("6")
    assert "Mark change request refused: Nguyễn Văn Cường, Toán." in (
        client.get(URL).content.decode()
    )


def test_each_sees_only_their_school_or_their_own(district, two_schools):
    teacher_a, principal_a, teacher_b, principal_b = two_schools
    a_names = [c["text"].split(" · ")[0] for c in cards(login(principal_a).get(URL))]
    b_names = [c["text"].split(" · ")[0] for c in cards(login(principal_b).get(URL))]
    assert (a_names, b_names) == (["Nguyễn Văn An"], ["Nguyễn Văn Cường"])
    mine = cards(login(teacher_b).get(URL))
    assert [(c["text"].split(" · ")[0], c["decide"]) for c in mine] == [("Nguyễn Văn Cường", False)]
    assert home_tasks(login(teacher_a)) == []  # a teacher decides nothing
    other = MarkChangeRequest.objects.get(class_group=district.class_a)
    # Another school's request: as if it did not exist; a teacher's own: refused, kept.
    assert (
        login(principal_b).post(URL, {"change": other.pk, "action": "approve"}).status_code == 404
    )
    r = login(teacher_a).post(URL, {"change": other.pk, "action": "approve"})
    assert r.status_code == 403
    assert "Chỉ hiệu trưởng mới duyệt sửa điểm." in r.content.decode()
    other.refresh_from_db()
    assert other.status == ChangeStatus.PENDING
    assert login(principal_a).post(URL, {"change": other.pk, "action": "drop"}).status_code == 409
    assert login(principal_a).post(URL, {"change": "x", "action": "approve"}).status_code == 404


def test_api_lists_the_same_requests(district, two_schools):
    teacher_a, principal_a, _teacher_b, principal_b = two_schools
    url = f"{API}/marks/change-requests"
    r = token_client(principal_a).get(url, {"status": "pending"})
    assert r.status_code == 200, r.content
    body = r.json()
    change = MarkChangeRequest.objects.get(class_group=district.class_a)
    assert (body["count"], body["page"]) == (1, 1)
    item = body["items"][0]
    assert (item["id"], item["class_id"], item["student_id"], item["term"]) == (
        change.pk,
        district.class_a.pk,
        district.student_a1.pk,
        1,
    )
    assert (item["kind"], item["old_value"], item["new_value"], item["status"]) == (
        "gk",
        "6",
        "7,5",
        "pending",
    )
    assert [i["student_id"] for i in token_client(principal_b).get(url).json()["items"]] == [
        district.student_b1.pk
    ]
    assert token_client(teacher_a).get(url).json()["count"] == 1  # their own
    assert token_client(principal_a).get(url, {"status": "approved"}).json()["count"] == 0
    bad = token_client(principal_a).get(url, {"status": "done"})
    assert bad.status_code == 422


def test_the_principal_is_told_of_a_request_and_the_teacher_of_the_decision(district, two_schools):
    teacher_a, principal_a, teacher_b, principal_b = two_schools
    change = MarkChangeRequest.objects.get(class_group=district.class_a)

    def told(user):
        return list(Notification.objects.filter(recipient=user).values_list("title", "url"))

    assert told(principal_a) == [
        (
            "Đề nghị sửa điểm: Nguyễn Văn An, môn Toán, lớp 6A1",
            "/records/marks/changes/?status=pending",
        )
    ]
    assert told(principal_b) == [
        (
            "Đề nghị sửa điểm: Nguyễn Văn Cường, môn Toán, lớp 6B1",
            "/records/marks/changes/?status=pending",
        )
    ]
    assert told(teacher_a) == []
    teacher_a.language = "en"
    teacher_a.save(update_fields=["language"])
    services.mark_change_decide(actor=principal_a, change=change, approve=False)
    assert told(teacher_a) == [
        ("The principal refused the mark change: Nguyễn Văn An, Toán", "/records/marks/changes/")
    ]
    assert told(teacher_b) == []
