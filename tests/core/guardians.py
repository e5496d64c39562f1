"""A guardian with two children for the home page's tests (tests/core/test_home.py and the
360 px check in tests/browser/test_layout.py), through the real services."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

from edudx.accounts.models import Role
from edudx.contact import services as contact_services
from edudx.fees import services as fees_services
from edudx.fees.models import FeeKind
from edudx.people import services as people_services
from edudx.records import services as records_services
from edudx.records.services import MarkIn
from tests.factories import person_data

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


def guardian_world(district):
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
    return SimpleNamespace(d=d, mai=mai, lan=lan, teacher=teacher, clerk_a=clerk_a)
