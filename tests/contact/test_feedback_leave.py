"""Feedback channel: routing to the unit's officers, response time per unit, overdue,
answer, rating on closure, the publishable summary. Leave requests from the contact book:
refused for a past month; the homeroom teacher's acceptance excuses the absences."""

import datetime as dt

import pytest
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.contact import selectors, services
from edudx.contact.models import Feedback, UnitContactSettings
from edudx.core import events
from edudx.core.errors import DomainError, DomainErrors
from edudx.notify.models import Notification
from edudx.records import services as records_services
from edudx.records.models import AttendanceMark, LeaveRequest
from edudx.records.services import MarkIn

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)


def _anon():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_feedback_is_routed_to_the_units_officers_and_due_by_its_response_time(
    district, principal, client
):
    principal_b = district.user(Role.PRINCIPAL, district.school_b)
    UnitContactSettings.objects.create(unit=district.school_a, feedback_response_hours=24)
    response = client.post(
        f"/contact/feedback/?unit={district.school_a.pk}",
        {
            "unit": district.school_a.pk,
            "kind": "complaint",
            "subject": "Căng tin bán đồ ăn vặt",
            "body": "Đề nghị nhà trường kiểm tra.",
            "phone": "0912 345 678",
        },
    )
    assert response.status_code == 200
    fb = Feedback.objects.get()
    assert fb.tracking_code in response.content.decode()
    assert (fb.phone, fb.sender, fb.status) == ("0912345678", None, "new")
    assert fb.due_at - fb.created_at == dt.timedelta(hours=24)
    assert list(Notification.objects.values_list("recipient", "event")) == [
        (principal.pk, "contact.feedback_new")
    ]
    assert [f.pk for f in selectors.feedback_inbox(actor=principal)] == [fb.pk]
    assert list(selectors.feedback_inbox(actor=principal_b)) == []


def test_anonymous_feedback_needs_a_phone(district):
    with pytest.raises(DomainErrors) as exc:
        services.feedback_submit(
            actor=_anon(), unit=district.school_a, kind="feedback", subject="", body="x"
        )
    assert [e["field"] for e in exc.value.as_list()] == ["subject", "phone"]


def test_feedback_only_to_schools_and_offices(district):
    with pytest.raises(DomainErrors) as exc:
        services.feedback_submit(
            actor=_anon(),
            unit=district.commune_a,
            kind="feedback",
            subject="S",
            body="B",
            phone="0912345678",
        )
    assert exc.value.as_list()[0]["code"] == "feedback.unit"


def test_overdue_answer_rating_and_summary(district, principal, guardian, as_user):
    fb1 = services.feedback_submit(
        actor=_anon(),
        unit=district.school_a,
        kind="feedback",
        subject="Đường vào trường ngập",
        body="Khi mưa to.",
        phone="0912345678",
        now=T0,
        tracking_code="PHAAAA2222",
    )
    fb2 = services.feedback_submit(
        actor=guardian,
        unit=district.school_a,
        kind="question",
        subject="Lịch học bơi",
        body="Khi nào?",
        now=T0,
    )
    fb3 = services.feedback_submit(
        actor=guardian,
        unit=district.school_a,
        kind="complaint",
        subject="Xe đưa đón trễ",
        body="Nhiều lần.",
        now=T0,
    )
    late = T0 + dt.timedelta(hours=73)  # past the default 72 h
    assert [f.pk for f in selectors.feedback_inbox(actor=principal, overdue=True, now=late)] == [
        fb1.pk,
        fb2.pk,
        fb3.pk,
    ]
    # Officers see overdue items on their page too.
    page = as_user(principal).get("/contact/feedback/inbox/?overdue=1").content.decode()
    assert page.count("overdue-flag") == 3
    services.feedback_answer(
        actor=principal, feedback=fb1, answer="Đã báo xã.", now=T0 + dt.timedelta(hours=5)
    )
    services.feedback_answer(actor=principal, feedback=fb2, answer="Tháng 6.", now=late)
    with pytest.raises(DomainError) as exc:
        services.feedback_answer(actor=principal, feedback=fb2, answer="Lần nữa")
    assert exc.value.code == "feedback.closed"
    # The senders are told: the anonymous one by SMS (address), the guardian in the inbox.
    answered = Notification.objects.filter(event="contact.feedback_answered")
    assert {(n.recipient_id, n.phone) for n in answered} == {
        (None, "0912345678"),
        (guardian.pk, ""),
    }
    # The anonymous sender follows it by code + phone and rates it.
    tracked = selectors.feedback_track(code="phaaaa2222", phone="0912-345-678")
    assert tracked.pk == fb1.pk
    with pytest.raises(DomainError):
        selectors.feedback_track(code="PHAAAA2222", phone="0900000000")
    services.feedback_rate(feedback=tracked, rating=5)
    services.feedback_rate(feedback=fb2, rating=2, comment="Trả lời muộn")
    with pytest.raises(DomainError) as exc:
        services.feedback_rate(feedback=fb3, rating=4)  # not answered yet
    assert exc.value.code == "feedback.not_answered"
    with pytest.raises(DomainError):
        services.feedback_rate(feedback=Feedback.objects.get(pk=fb1.pk), rating=1)  # closed
    summary = selectors.feedback_summary(unit_path=district.school_a.path, now=late)
    assert summary.as_dict() == {
        "received": 3,
        "open": 1,
        "answered": 2,
        "answered_on_time": 1,
        "overdue": 1,
        "rated": 2,
        "mean_rating": 3.5,
        "satisfied_share": 0.5,
    }
    assert selectors.feedback_summary(unit_path=district.school_b.path).received == 0
    assert selectors.feedback_summary(start=dt.date(2026, 3, 3)).received == 0


def test_sender_rates_on_the_tracking_page(district, principal, client):
    fb = services.feedback_submit(
        actor=_anon(),
        unit=district.school_a,
        kind="feedback",
        subject="S",
        body="B",
        phone="0912345678",
    )
    services.feedback_answer(actor=principal, feedback=fb, answer="Cảm ơn.")
    page = client.get(f"/contact/feedback/track/?code={fb.tracking_code}&phone=0912345678")
    assert "Cảm ơn." in page.content.decode() and "Đã trả lời" in page.content.decode()
    client.post(
        "/contact/feedback/track/",
        {"action": "rate", "code": fb.tracking_code, "phone": "0912345678", "rating": "4"},
    )
    fb.refresh_from_db()
    assert (fb.status, fb.rating) == ("closed", 4)


def test_officer_of_another_school_cannot_open_or_answer(district, principal, as_user):
    fb = services.feedback_submit(
        actor=_anon(),
        unit=district.school_a,
        kind="feedback",
        subject="S",
        body="B",
        phone="0912345678",
    )
    other = district.user(Role.PRINCIPAL, district.school_b)
    client = as_user(other)
    assert client.get(f"/contact/feedback/inbox/{fb.pk}/").status_code == 404
    assert client.post(f"/contact/feedback/inbox/{fb.pk}/", {"answer": "x"}).status_code == 404
    assert Feedback.objects.get(pk=fb.pk).status == "new"


# --- leave ------------------------------------------------------------------------------------


def test_leave_request_for_a_past_month_is_refused(district, guardian):
    with pytest.raises(DomainError) as exc:
        services.leave_request(
            actor=guardian,
            student=district.student_a1,
            from_date=dt.date(2026, 2, 27),
            to_date=dt.date(2026, 3, 2),
            reason="Ốm",
            today=dt.date(2026, 3, 2),
        )
    assert (exc.value.code, exc.value.field) == ("leave.past_month", "from_date")
    assert "27/02/2026" in str(exc.value)
    assert LeaveRequest.objects.count() == 0


def test_leave_request_page_refuses_a_past_month_with_its_reason(district, guardian, as_user):
    today = timezone.localdate()
    past = (today.replace(day=1) - dt.timedelta(days=3)).isoformat()
    client = as_user(guardian)
    response = client.post(
        f"/contact/students/{district.student_a1.pk}/",
        {"action": "leave", "from_date": past, "to_date": past, "reason": "Ốm"},
    )
    page = response.content.decode()
    assert response.status_code == 400  # the page again, the request as typed
    assert "Không thể xin nghỉ cho tháng đã qua" in page
    assert "<details open><summary>Gửi đơn xin nghỉ</summary>" in page
    assert (
        f'name="from_date" required value="{past}" aria-invalid="true" '
        'aria-describedby="e-leave_from_date" autofocus>'
    ) in page
    assert '<p class="field-error" id="e-leave_from_date" role="alert">Từ ngày: Không thể' in page
    assert 'name="reason" maxlength="500" required value="Ốm">' in page
    assert LeaveRequest.objects.count() == 0


def test_accepted_leave_excuses_the_absence_and_both_sides_are_notified(
    district, guardian, teacher
):
    day = dt.date(2026, 3, 2)
    records_services.attendance_save(
        actor=teacher,
        class_group=district.class_a,
        day=day,
        session="am",
        marks=[MarkIn(district.student_a1.pk, "unexcused")],
    )
    leave = services.leave_request(
        actor=guardian,
        student=district.student_a1,
        from_date=day,
        to_date=day,
        reason="Ốm sốt",
        today=day,
    )
    events.deliver_pending()  # the worker's outbox sweep
    assert list(Notification.objects.values_list("recipient", "event")) == [
        (teacher.pk, "records.leave_requested")
    ]
    records_services.leave_request_decide(actor=teacher, leave=leave, accept=True)
    events.deliver_pending()
    events.deliver_pending()  # a second sweep notifies nobody twice
    assert list(
        Notification.objects.filter(event="records.leave_decided").values_list("recipient", "title")
    ) == [(guardian.pk, "Đơn xin nghỉ của Nguyễn Văn An đã được chấp thuận")]
    mark = AttendanceMark.objects.get(student=district.student_a1)
    assert (mark.status, mark.leave_request_id) == ("excused", leave.pk)


def test_contact_book_tabs_only_for_those_who_have_one(district, client):
    """A citizen or a visitor sending feedback sees no contact-book tabs (notices,
    messages: nothing of theirs); a parent does."""
    import lxml.html  # noqa: PLC0415

    from tests.core.guardians import parent  # noqa: PLC0415

    def tabs():
        doc = lxml.html.fromstring(client.get("/contact/feedback/").content)
        return doc.xpath('//nav[@class="contact-tabs"]/a/text()')

    assert tabs() == []  # a visitor
    client.force_login(district.user(Role.CITIZEN))
    assert tabs() == []
    client.force_login(parent(district, "Đỗ Thị Mai", district.student_a1))
    assert tabs() == ["Sổ liên lạc", "Thông báo", "Tin nhắn", "Phản hồi"]


def test_an_answer_refused_comes_back_as_typed(district, principal, as_user):
    """A colleague answered first: the answer typed is kept under the refusal (400)."""
    fb = services.feedback_submit(
        actor=_anon(),
        unit=district.school_a,
        kind="feedback",
        subject="Sân trường ngập",
        body="B",
        phone="0912345678",
    )
    services.feedback_answer(actor=principal, feedback=fb, answer="Đã xử lý.")
    client = as_user(principal)
    r = client.post(f"/contact/feedback/inbox/{fb.pk}/", {"answer": "Nhà trường sẽ thoát nước"})
    html = r.content.decode()
    assert r.status_code == 400
    assert "Phản hồi này đã được trả lời." in html
    # The form is gone (answered), the text typed is shown to copy.
    assert "<h2>Trả lời bạn đã viết (chưa gửi)</h2>" in html
    assert '<div class="unsent"><p>Nhà trường sẽ thoát nước</p></div>' in html
    other = services.feedback_submit(
        actor=_anon(), unit=district.school_a, kind="feedback", subject="S", body="B",
        phone="0912345678",
    )  # fmt: skip
    r = client.post(f"/contact/feedback/inbox/{other.pk}/", {"answer": "  "})
    assert (
        'name="answer" rows="5" required aria-invalid="true" aria-describedby="e-answer" '
        "autofocus>  </textarea>"
    ) in r.content.decode()
    assert 'id="e-answer" role="alert">Trả lời: Hãy nhập nội dung trả lời.</p>' in (
        r.content.decode()
    )
    assert Feedback.objects.get(pk=fb.pk).answer == "Đã xử lý."
