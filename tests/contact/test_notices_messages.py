"""Notices with read receipts; two-way messages and who may write to whom; quiet hours."""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail

from edudx.contact import selectors, services
from edudx.contact.models import Message, NoticeRead, UnitContactSettings
from edudx.core import events
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainErrors
from edudx.notify import channels
from edudx.notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def test_class_notice_reaches_its_guardians_with_read_receipts(
    district, guardian, guardian_b, teacher, as_user
):
    notice = services.notice_post(
        actor=teacher,
        audience="class",
        title="Họp phụ huynh",
        body="Thứ Bảy 8 giờ tại phòng 6A1.",
        class_group=district.class_a,
    )
    assert Notification.objects.count() == 0  # fanned out after commit, by the outbox
    events.deliver_pending()
    events.deliver_pending()  # a second sweep notifies nobody twice
    # Notified: the guardian of 6A1, not the guardian of 6B1.
    assert list(Notification.objects.values_list("recipient", "event", "url")) == [
        (guardian.pk, "contact.notice", f"/contact/notices/{notice.pk}/")
    ]
    receipts = selectors.notice_receipts(actor=teacher, notice_id=notice.pk)
    assert (receipts["recipients"], receipts["read"]) == (1, 0)
    page = as_user(guardian).get(f"/contact/notices/{notice.pk}/")
    assert page.status_code == 200 and "Thứ Bảy 8 giờ" in page.content.decode()
    as_user(guardian).get(f"/contact/notices/{notice.pk}/")  # twice: still one receipt
    assert Notification.objects.get(recipient=guardian).read_at is not None  # inbox too
    assert NoticeRead.objects.filter(notice=notice, user=guardian).count() == 1
    receipts = selectors.notice_receipts(actor=teacher, notice_id=notice.pk)
    assert (receipts["recipients"], receipts["read"]) == (1, 1)
    teacher_page = as_user(teacher).get(f"/contact/notices/{notice.pk}/").content.decode()
    assert "1/1 phụ huynh đã đọc" in teacher_page
    with pytest.raises(Forbidden):
        selectors.notice_receipts(actor=guardian, notice_id=notice.pk)


def test_a_notice_reaches_each_guardian_in_their_language(district, guardian, teacher):
    guardian.language = "en"
    guardian.save(update_fields=["language"])
    notice = services.notice_post(
        actor=teacher,
        audience="class",
        title="Họp phụ huynh",
        body="Thứ Bảy 8 giờ tại phòng 6A1.",
        class_group=district.class_a,
    )
    events.deliver_pending()
    n = Notification.objects.get(recipient=guardian)
    assert n.title == f"Notice from {notice.school.name}: Họp phụ huynh"
    assert n.body == "Thứ Bảy 8 giờ tại phòng 6A1."  # the teacher's own words stay as written


def test_school_and_grade_notices_by_the_principal_only(
    district, guardian, guardian_b, teacher, principal
):
    from edudx.org.models import Grade

    with pytest.raises(Forbidden) as exc:
        services.notice_post(
            actor=teacher, audience="school", title="T", body="B", school=district.school_a
        )
    assert exc.value.code == "notice.forbidden_school"
    n = services.notice_post(
        actor=principal,
        audience="grade",
        title="Khối 6 tham quan",
        body="Thứ Sáu",
        school=district.school_a,
        grade=Grade.objects.get(number=6),
    )
    assert n.school_year_id == district.year.pk
    assert [x.pk for x in selectors.notice_list(guardian)] == [n.pk]
    assert list(selectors.notice_list(guardian_b)) == []
    assert selectors.notice_receipts(actor=principal, notice_id=n.pk)["recipients"] == 1


def test_teacher_cannot_post_to_another_class(district, teacher_b):
    with pytest.raises(Forbidden):
        services.notice_post(
            actor=teacher_b, audience="class", title="T", body="B", class_group=district.class_a
        )


def test_empty_notice_is_refused_naming_the_fields(district, teacher):
    with pytest.raises(DomainErrors) as exc:
        services.notice_post(
            actor=teacher, audience="class", title=" ", body="", class_group=district.class_a
        )
    assert [e["field"] for e in exc.value.as_list()] == ["title", "body"]


def test_guardian_and_homeroom_teacher_write_to_each_other(district, guardian, teacher):
    thread = services.thread_open(actor=guardian, student=district.student_a1, other=teacher)
    msg = services.message_send(
        actor=guardian,
        thread=thread,
        body="Cháu bị sốt, xin cô cho nghỉ.",
        now=dt.datetime(2026, 3, 2, 10, 0, tzinfo=VN),
    )
    assert msg.quiet is False
    n = Notification.objects.get(recipient=teacher)
    assert (n.event, n.url) == ("contact.message", f"/contact/messages/{thread.pk}/")
    # The teacher answers in the same thread (opening it again finds it).
    assert (
        services.thread_open(actor=teacher, student=district.student_a1, other=guardian) == thread
    )
    services.message_send(actor=teacher, thread=thread, body="Cô đã nhận.")
    assert list(Message.objects.values_list("sender", "body")) == [
        (guardian.pk, "Cháu bị sốt, xin cô cho nghỉ."),
        (teacher.pk, "Cô đã nhận."),
    ]
    assert Notification.objects.get(recipient=teacher).read_at is None
    assert services.thread_mark_read(actor=teacher, thread=thread) == 1
    assert Notification.objects.get(recipient=teacher).read_at is not None


def test_no_guardian_to_guardian_and_no_teacher_of_another_class(
    district, guardian, guardian_b, teacher, teacher_b
):
    a1 = district.student_a1
    with pytest.raises(Forbidden) as exc:
        services.thread_open(actor=guardian, student=a1, other=guardian_b)
    assert exc.value.code == "message.not_teacher"
    with pytest.raises(Forbidden) as exc:
        services.thread_open(actor=guardian, student=a1, other=teacher_b)
    assert exc.value.code == "message.not_teacher"
    # A message to a guardian of another class.
    with pytest.raises(Forbidden) as exc:
        services.thread_open(actor=teacher_b, student=a1, other=guardian)
    assert exc.value.code == "message.other_class"
    assert "lớp mình dạy" in str(exc.value)
    with pytest.raises(Forbidden) as exc:
        services.thread_open(actor=teacher, student=a1, other=guardian_b)
    assert exc.value.code == "message.not_guardian"


def test_quiet_until(district):
    unit = district.school_a  # no settings row: the defaults
    default = UnitContactSettings()  # 21:00–06:30
    assert (default.quiet_from, default.quiet_to) == (dt.time(21, 0), dt.time(6, 30))
    at = lambda h, m=0, d=2: dt.datetime(2026, 3, d, h, m, tzinfo=VN)  # noqa: E731
    assert services.quiet_until(unit, at(12)) is None
    assert services.quiet_until(unit, at(20, 59)) is None
    assert services.quiet_until(unit, at(21)) == at(6, 30, d=3)
    assert services.quiet_until(unit, at(23, 30)) == at(6, 30, d=3)
    assert services.quiet_until(unit, at(5)) == at(6, 30)
    assert services.quiet_until(unit, at(6, 30)) is None


def test_message_in_quiet_hours_is_in_the_inbox_at_once_and_emailed_after(
    district, guardian, teacher
):
    UnitContactSettings.objects.create(
        unit=district.school_a, quiet_from=dt.time(21, 0), quiet_to=dt.time(6, 30)
    )
    teacher.email = "hoa@truong.vn"
    teacher.save(update_fields=["email"])
    thread = services.thread_open(actor=guardian, student=district.student_a1, other=teacher)
    late = dt.datetime(2026, 3, 2, 22, 15, tzinfo=VN)
    msg = services.message_send(
        actor=guardian, thread=thread, body="Xin lỗi cô vì nhắn muộn.", now=late
    )
    assert msg.quiet is True
    n = Notification.objects.get(recipient=teacher)  # in the inbox now
    delivery = Delivery.objects.get(notification=n)
    assert delivery.channel == "email"
    assert delivery.next_attempt_at == dt.datetime(2026, 3, 3, 6, 30, tzinfo=VN)
    assert channels.send_due(now=late + dt.timedelta(minutes=5)) == 0
    assert mail.outbox == []
    assert channels.send_due(now=dt.datetime(2026, 3, 3, 6, 31, tzinfo=VN)) == 1
    assert [m.to for m in mail.outbox] == [["hoa@truong.vn"]]


def test_notice_posted_in_quiet_hours_waits_for_morning_outside_the_inbox(
    district, guardian, teacher
):
    notice = services.notice_post(
        actor=teacher,
        audience="class",
        title="Mai mang áo mưa",
        body="Dự báo mưa to.",
        class_group=district.class_a,
        now=dt.datetime(2026, 3, 2, 22, 15, tzinfo=VN),
    )
    events.deliver_pending()
    n = Notification.objects.get(recipient=guardian)
    assert n.url == f"/contact/notices/{notice.pk}/"
    assert list(
        Delivery.objects.filter(notification=n).values_list("channel", "next_attempt_at")
    ) == [("email", dt.datetime(2026, 3, 3, 6, 30, tzinfo=VN))]
