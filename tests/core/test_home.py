"""The home page: a guardian's card per child says what needs them (fees owed, absences this
school year, what is unread in the contact book), each line a link; a teacher's card per
class leads to today's attendance and to their subjects' marks."""

import datetime as dt
import re

import lxml.html
import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edudx.accounts.models import Role
from edudx.contact import selectors as contact_selectors
from edudx.contact import services as contact_services
from edudx.fees import selectors as fees_selectors
from edudx.org.models import Grade
from edudx.people import services as people_services
from edudx.records import selectors as records_selectors
from edudx.records import services as records_services
from edudx.records.models import Subject
from tests.core.guardians import guardian_world, parent
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(district):
    w = guardian_world(district)
    return w.d, w.mai, w.lan, w.teacher, w.clerk_a


def cards(html: bytes) -> dict[str, list[tuple[str, str]]]:
    """{child's name: [(line text, link)]} from the home page's "Con của tôi" cards."""
    doc = lxml.html.fromstring(html)
    out = {}
    for card in doc.xpath('//li[contains(@class, "child-card")]'):
        name = card.xpath(".//h3")[0].text_content().strip()
        out[name] = [
            (re.sub(r"[ \n]+", " ", li.text_content()).strip(), li.xpath("a/@href")[0])
            for li in card.xpath('ul[@class="glance"]/li')
        ]
    return out


def test_guardian_sees_a_card_per_child_with_what_needs_them(client, world):
    d, mai, *_ = world
    page = otp_login(client, mai).get("/")
    assert page.status_code == 200
    an, cuong = d.student_a1.pk, d.student_b1.pk
    assert cards(page.content) == {
        "Nguyễn Văn An": [
            ("Còn phải nộp 540.900\u00a0đ", "/fees/"),
            ("Điểm và kết quả học tập", f"/records/students/{an}/marks/"),
            (
                "Vắng 2 buổi trong năm học (1 có phép, 1 không phép)",
                f"/contact/students/{an}/#h-att",
            ),
            ("1 thông báo chưa đọc", "/contact/"),
            ("1 tin nhắn chưa đọc", "/contact/messages/"),
        ],
        "Nguyễn Văn Cường": [
            ("Đã nộp đủ", "/fees/"),
            ("Điểm và kết quả học tập", f"/records/students/{cuong}/marks/"),
            ("Chưa vắng buổi nào trong năm học", f"/contact/students/{cuong}/#h-att"),
            ("Sổ liên lạc: không có gì mới", "/contact/"),
        ],
    }
    # The other mother's child, and what she owes, appear nowhere.
    assert "Trần Thị Bình" not in page.content.decode()
    assert "680.400" not in page.content.decode()
    # Every line leads to a page the mother may open.
    links = {href.split("#")[0] for rows in cards(page.content).values() for _, href in rows}
    assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)


def test_guardian_cards_in_english(client, world):
    _, mai, *_ = world
    client = otp_login(client, mai)
    client.cookies["django_language"] = "en"
    lines = [line for rows in cards(client.get("/").content).values() for line, _ in rows]
    assert lines == [
        "Still due: 540.900\u00a0đ",
        "Marks and results",
        "Absent 2 half-days this school year (1 excused, 1 unexcused)",
        "1 unread notice",
        "1 unread message",
        "Paid in full",
        "Marks and results",
        "No absences this school year",
        "Contact book: nothing new",
    ]


def test_a_child_without_invoice_has_no_fees_line(client, district):
    mai = parent(district, "Đỗ Thị Mai", district.student_a1)
    page = otp_login(client, mai).get("/")
    assert [line for line, _ in cards(page.content)["Nguyễn Văn An"]] == [
        "Điểm và kết quả học tập",
        "Chưa vắng buổi nào trong năm học",
        "Sổ liên lạc: không có gì mới",
    ]


def test_selectors_never_count_another_guardians_child(world):
    d, mai, lan, *_ = world
    binh = d.student_a2
    assert fees_selectors.owed_by_student(actor=mai, student_ids=[binh.pk]) == {}
    assert records_selectors.absences_by_student(actor=mai, student_ids=[binh.pk]) == {}
    assert contact_selectors.unread_by_student(mai, [binh]) == {}
    # Her own mother sees them.
    assert fees_selectors.owed_by_student(actor=lan, student_ids=[binh.pk]) == {binh.pk: 680_400}
    assert records_selectors.absences_by_student(actor=lan, student_ids=[binh.pk]) == {
        binh.pk: {"excused": 1, "unexcused": 2, "total": 3}
    }
    assert contact_selectors.unread_by_student(lan, [binh]) == {
        binh.pk: {"notices": 2, "messages": 0}
    }


def test_home_queries_do_not_grow_with_children(client, world, django_assert_max_num_queries):
    """Two children: 14 queries (the session, user, device and roles; the children; one
    each for fees owed, absences, unread notices with their scope, unread messages; the
    header's inbox count and name). A third child costs none."""
    d, mai, *_ = world
    otp_login(client, mai)
    with django_assert_max_num_queries(14), CaptureQueriesContext(connection) as two:
        client.get("/")
    third = d.student("Lê Văn Dũng", d.school_a, d.class_a)
    people_services.guardian_link(
        actor=None, guardian=mai.person, student=third, relationship="mother"
    )
    with CaptureQueriesContext(connection) as three:
        page = client.get("/")
    assert len(cards(page.content)) == 3
    assert len(three.captured_queries) == len(two.captured_queries)


@pytest.mark.parametrize("role", ["teacher", "clerk"])
def test_staff_home_has_no_child_cards(client, world, role):
    d, _, _, teacher, clerk_a = world
    user = {"teacher": teacher, "clerk": clerk_a}[role]
    page = otp_login(client, user).get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert cards(page.content) == {}
    assert "Con của tôi" not in html
    heading = {"teacher": "Lớp tôi dạy", "clerk": "Phạm vi quản lý"}[role]
    assert heading in html


def test_unread_notices_count_for_each_child_they_reach(district):
    """A school-wide notice of school A reaches An only; a grade-6 notice of school B reaches
    Cường only; a grade-7 notice of school B reaches no one of Mai's."""
    d = district
    mai = parent(d, "Đỗ Thị Mai", d.student_a1, d.student_b1)
    principal_a = d.user(Role.PRINCIPAL, d.school_a)
    principal_b = d.user(Role.PRINCIPAL, d.school_b)
    grade_7 = Grade.objects.get(number=7)
    for actor, audience, school, grade in (
        (principal_a, "school", d.school_a, None),
        (principal_b, "grade", d.school_b, d.class_b.grade),
        (principal_b, "grade", d.school_b, grade_7),
    ):
        contact_services.notice_post(
            actor=actor, audience=audience, title="Thông báo", body="…", school=school, grade=grade
        )
    children = [d.student_a1, d.student_b1]
    assert contact_selectors.unread_by_student(mai, children) == {
        d.student_a1.pk: {"notices": 1, "messages": 0},
        d.student_b1.pk: {"notices": 1, "messages": 0},
    }


def test_favicon_points_at_the_site_icon(client):
    # Asked for by browsers on a PDF or JSON document; a 404 there is noise in the log.
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/edudx/icon.svg")
    assert client.get(response["Location"]).status_code == 200


def test_teacher_s_class_cards_link_today_s_attendance_and_their_marks(client, district):
    """Each class card of a teacher's home leads, in one tap, to today's attendance (and
    says which sessions are already taken) and to the marks of each subject they teach
    there, in the term of the day (term II from 15/01)."""
    d = district
    maths = Subject.objects.get(code="toan")
    literature = Subject.objects.get(code="ngu_van")
    for subject in (literature, maths):
        records_services.subject_assign(
            actor=None, staff=d.teacher_a, subject=subject, class_group=d.class_a
        )
    teacher = d.teacher_user()
    with time_machine.travel(dt.datetime(2026, 2, 3, 2, 0, tzinfo=dt.UTC), tick=False):
        records_services.attendance_save(
            actor=teacher, class_group=d.class_a, day=dt.date(2026, 2, 3), session="am", marks=[]
        )
        page = otp_login(client, teacher).get("/")
    doc = lxml.html.fromstring(page.content)
    (links,) = doc.xpath('//ul[@class="card-links"]')
    items = [" ".join(li.text_content().split()) for li in links.xpath("li")]
    assert items == [
        "Điểm danh hôm nay Đã điểm danh: Buổi sáng",
        "Nhập điểm Ngữ văn",
        "Nhập điểm Toán",
    ]
    c = d.class_a.pk
    assert links.xpath("li/a/@href") == [
        f"/records/attendance/?class={c}",
        f"/records/marks/?class={c}&subject={literature.pk}&term=2",
        f"/records/marks/?class={c}&subject={maths.pk}&term=2",
    ]


def test_teaching_on_before_any_term_and_for_another_teacher(district):
    d = district

    records_services.subject_assign(
        actor=None,
        staff=d.teacher_a,
        subject=Subject.objects.get(code="toan"),
        class_group=d.class_a,
    )
    summer = records_selectors.teaching_on(
        actor=d.teacher_user(), class_ids=[d.class_a.pk], day=dt.date(2025, 8, 20)
    )
    assert summer == {
        d.class_a.pk: {"subjects": [Subject.objects.get(code="toan")], "term": 1, "taken": []}
    }
    clerk = d.user(Role.CLERK, d.school_a)  # no person: assigned nothing
    assert records_selectors.teaching_on(
        actor=clerk, class_ids=[d.class_a.pk], day=dt.date(2025, 10, 1)
    ) == {d.class_a.pk: {"subjects": [], "term": 1, "taken": []}}


def tasks(client, user, language: str = "vi") -> list[tuple[str, str]]:
    """The home page's "Việc cần xử lý" lines as (text, link)."""
    client.logout()
    otp_login(client, user)
    client.cookies["django_language"] = language
    doc = lxml.html.fromstring(client.get("/").content)
    return [(a.text_content(), a.get("href")) for a in doc.xpath('//ul[@class="glance tasks"]//a')]


def test_leave_requests_wait_for_the_homeroom_teacher_and_the_school(client, district):
    d = district
    mai = parent(d, "Đỗ Thị Mai", d.student_a1, d.student_b1)
    for student in (d.student_a1, d.student_b1):
        records_services.leave_request_create(
            actor=mai,
            student=student,
            from_date=dt.date(2026, 12, 1),
            to_date=dt.date(2026, 12, 2),
            reason="Ốm",
            today=dt.date(2026, 11, 30),
        )
    line = [("1 đơn xin nghỉ chờ duyệt", "/records/leave/")]
    homeroom = d.teacher_user()  # Lê Thị Hoa, homeroom teacher of 6A1
    assert tasks(client, homeroom) == line
    assert tasks(client, d.user(Role.PRINCIPAL, d.school_a)) == line
    assert tasks(client, d.user(Role.CLERK, d.school_b)) == line
    assert tasks(client, d.teacher_user(d.teacher_b)) == []  # not 6B1's homeroom teacher
    assert tasks(client, mai) == []
    assert tasks(client, homeroom, "en") == [
        ("1 leave request waiting for a decision", "/records/leave/")
    ]
    leave = records_selectors.leave_list(actor=homeroom).get()
    records_services.leave_request_decide(actor=homeroom, leave=leave, accept=True)
    assert tasks(client, homeroom) == []


def test_feedback_waits_for_the_unit_s_officers_overdue_first(client, district):
    d = district

    def send(subject, now):
        return contact_services.feedback_submit(
            actor=AnonymousUser(),
            unit=d.school_a,
            kind="feedback",
            subject=subject,
            body="…",
            phone="0912345678",
            now=now,
        )

    send("Cũ", dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC))  # due long ago
    send("Mới", dt.datetime(2099, 1, 5, 1, 0, tzinfo=dt.UTC))
    answered = send("Đã trả lời", dt.datetime(2099, 1, 6, 1, 0, tzinfo=dt.UTC))
    principal = d.user(Role.PRINCIPAL, d.school_a)
    contact_services.feedback_answer(actor=principal, feedback=answered, answer="Đã xử lý.")
    inbox = "/contact/feedback/inbox/"
    assert tasks(client, principal) == [
        ("1 phản ánh, kiến nghị quá hạn trả lời", f"{inbox}?overdue=1"),
        ("2 phản ánh, kiến nghị chờ trả lời", f"{inbox}?status=open"),
    ]
    listed = lxml.html.fromstring(client.get(f"{inbox}?status=open").content)
    assert [s.text_content() for s in listed.xpath("//ul[@class='cards']/li/a/strong")] == [
        "Cũ",
        "Mới",
    ]
    assert tasks(client, d.user(Role.PRINCIPAL, d.school_b)) == []
    assert tasks(client, d.teacher_user()) == []  # not an officer
    assert [t for t, _ in tasks(client, d.user(Role.CLERK, d.school_a), "en")] == [
        "1 piece of feedback past its answer deadline",
        "2 pieces of feedback waiting for an answer",
    ]


def test_a_student_s_own_card_links_their_marks_and_attendance(client, district):
    from edudx.accounts.models import Role

    an = district.student_a1
    student = district.user(Role.STUDENT, district.school_a, person=an.person)
    client.force_login(student)
    doc = lxml.html.fromstring(client.get("/").content)
    card = doc.xpath('//section[@aria-labelledby="h-own"]//li[@class="card"]')
    assert len(card) == 1
    links = [(a.text_content(), a.get("href")) for a in card[0].xpath(".//a")]
    assert links == [
        ("Nguyễn Văn An", f"/people/students/{an.pk}/"),
        ("Điểm và kết quả học tập", f"/records/students/{an.pk}/marks/"),
        ("Chuyên cần", f"/records/students/{an.pk}/attendance/"),
    ]
    assert [client.get(href).status_code for _, href in links[1:]] == [200, 200]
    other = district.student_a2.pk
    assert client.get(f"/records/students/{other}/marks/").status_code == 404


def test_a_preschool_child_has_no_marks_line(client, district):
    """A preschool class has no grade and no subjects: no mark book to point to. The marks
    page, opened anyway (a bookmark), says why and leads to the contact book."""
    from edudx.org import services as org_services  # noqa: PLC0415

    kindergarten = district.school(
        "Trường Mầm non Hoa Mai", "67000199", district.commune_a, level="preschool"
    )
    group = org_services.class_create(
        actor=None, school=kindergarten, school_year_code="2025-2026", name="Mầm 1"
    )
    child = district.student("Lò Văn Tí", kindergarten, group, dob=dt.date(2021, 3, 4))
    mai = parent(district, "Đỗ Thị Mai", district.student_a1, child)
    client = otp_login(client, mai)
    found = cards(client.get("/").content)
    assert [line for line, _ in found["Lò Văn Tí"]] == [
        "Chưa vắng buổi nào trong năm học",
        "Sổ liên lạc: không có gì mới",
    ]
    assert found["Nguyễn Văn An"][0] == (
        "Điểm và kết quả học tập",
        f"/records/students/{district.student_a1.pk}/marks/",
    )
    doc = lxml.html.fromstring(client.get(f"/records/students/{child.pk}/marks/").content)
    assert doc.xpath("//table") == []
    assert " ".join(doc.xpath('//p[@class="empty"]')[0].text_content().split()) == (
        "Trẻ mầm non không học theo môn nên không có bảng điểm. Việc học và sinh hoạt của "
        "trẻ được trao đổi qua sổ liên lạc; ngày đi học, ngày nghỉ xem ở mục chuyên cần."
    )
    assert f"/contact/students/{child.pk}/" in doc.xpath("//main//a/@href")
