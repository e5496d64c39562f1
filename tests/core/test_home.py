"""The home page: a guardian's card per child says what needs them (fees owed, absences this
school year, what is unread in the contact book), each line a link; other homes unchanged."""

import datetime as dt
import re
import zoneinfo

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edudx.accounts.models import Role
from edudx.contact import selectors as contact_selectors
from edudx.contact import services as contact_services
from edudx.fees import selectors as fees_selectors
from edudx.fees import services as fees_services
from edudx.fees.models import FeeKind
from edudx.people import services as people_services
from edudx.records import selectors as records_selectors
from edudx.records import services as records_services
from edudx.records.services import MarkIn
from tests.factories import person_data
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MON, TUE, WED = dt.date(2025, 10, 6), dt.date(2025, 10, 7), dt.date(2025, 10, 8)


def parent(district, name: str, *students):
    person = people_services.person_create(
        actor=None, data=person_data(name, dt.date(1985, 1, 2), "F")
    )
    for s in students:
        people_services.guardian_link(actor=None, guardian=person, student=s, relationship="mother")
    return district.user(Role.GUARDIAN, None, person=person)


def invoice_each(district, school, amount: int) -> dict:
    """One HK1 invoice of `amount` đồng for every student of `school`, by student id."""
    fees_services.fee_item_create(
        actor=None,
        school=school,
        school_year=district.year,
        kind=FeeKind.INSURANCE,
        name="Bảo hiểm y tế",
        amount=amount,
    )
    result = fees_services.invoices_generate(
        actor=None, school=school, school_year=district.year, period="HK1", title="Học kỳ I"
    )
    return {i.student_id: i for i in result.invoices}


def absent(teacher, cls, day, session="am", **statuses):
    marks = [MarkIn(int(k[1:]), v) for k, v in statuses.items()]
    records_services.attendance_save(
        actor=teacher, class_group=cls, day=day, session=session, marks=marks
    )


@pytest.fixture
def world(district):
    """Mai, mother of An (6A1, school A) and Cường (6B1, school B); Lan, mother of Bình (6A1).

    An owes 540.900 đ (680.400 billed, 139.500 paid), was absent twice this year (one
    excused, one unexcused; late once, which is no absence), has one unread class notice (a
    second one Mai read) and one unread message from her teacher. Cường's invoice is paid in
    full. Bình owes 680.400 đ and was absent three times: none of it is Mai's."""
    d = district
    mai = parent(d, "Đỗ Thị Mai", d.student_a1, d.student_b1)
    lan = parent(d, "Vũ Thị Lan", d.student_a2)
    teacher = d.teacher_user(d.teacher_a)
    clerk_a = d.user(Role.CLERK, d.school_a)
    clerk_b = d.user(Role.CLERK, d.school_b)

    a = invoice_each(d, d.school_a, 680_400)
    fees_services.payment_record_cash(actor=clerk_a, invoice=a[d.student_a1.pk], amount=139_500)
    b = invoice_each(d, d.school_b, 500_000)
    fees_services.payment_record_cash(actor=clerk_b, invoice=b[d.student_b1.pk], amount=500_000)

    an, binh = f"s{d.student_a1.pk}", f"s{d.student_a2.pk}"
    absent(teacher, d.class_a, MON, **{an: "excused", binh: "unexcused"})
    absent(teacher, d.class_a, TUE, **{an: "unexcused", binh: "unexcused"})
    absent(teacher, d.class_a, WED, **{an: "late", binh: "excused"})

    read = contact_services.notice_post(
        actor=teacher, audience="class", title="Lịch kiểm tra", body="…", class_group=d.class_a
    )
    contact_services.notice_mark_read(actor=mai, notice=read)
    contact_services.notice_post(
        actor=teacher, audience="class", title="Họp phụ huynh", body="…", class_group=d.class_a
    )
    thread = contact_services.thread_open(actor=mai, student=d.student_a1, other=teacher)
    at_ten = dt.datetime(2026, 3, 2, 10, tzinfo=VN)
    contact_services.message_send(actor=teacher, thread=thread, body="Xem lịch họp.", now=at_ten)
    return d, mai, lan, teacher, clerk_a


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
            (
                "Vắng 2 buổi trong năm học (1 có phép, 1 không phép)",
                f"/contact/students/{an}/#h-att",
            ),
            ("1 thông báo chưa đọc", "/contact/"),
            ("1 tin nhắn chưa đọc", "/contact/messages/"),
        ],
        "Nguyễn Văn Cường": [
            ("Đã nộp đủ", "/fees/"),
            ("Chưa vắng buổi nào trong năm học", f"/contact/students/{cuong}/#h-att"),
            ("Sổ liên lạc: không có gì mới", "/contact/"),
        ],
    }
    # The other mother's child, and what she owes, appear nowhere.
    assert "Trần Thị Bình" not in page.content.decode()
    assert "680.400" not in page.content.decode()


def test_guardian_cards_in_english(client, world):
    _, mai, *_ = world
    client = otp_login(client, mai)
    client.cookies["django_language"] = "en"
    lines = [line for rows in cards(client.get("/").content).values() for line, _ in rows]
    assert lines == [
        "Still due: 540.900\u00a0đ",
        "Absent 2 half-days this school year (1 excused, 1 unexcused)",
        "1 unread notice",
        "1 unread message",
        "Paid in full",
        "No absences this school year",
        "Contact book: nothing new",
    ]


def test_a_child_without_invoice_has_no_fees_line(client, district):
    mai = parent(district, "Đỗ Thị Mai", district.student_a1)
    page = otp_login(client, mai).get("/")
    assert [line for line, _ in cards(page.content)["Nguyễn Văn An"]] == [
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
