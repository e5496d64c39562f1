"""Scoping of every contact-book page: a guardian sees their own child and nobody else's
(404); a teacher the students of the classes they teach; a thread only its two people."""

import pytest

from edudx.audit.models import AuditEvent
from edudx.contact import services
from edudx.contact.models import Message, NoticeRead, TeacherComment, Thread

pytestmark = pytest.mark.django_db


def test_guardian_sees_the_contact_book_of_their_child(district, guardian, teacher, as_user):
    client = as_user(guardian)
    a1 = district.student_a1
    response = client.get(f"/contact/students/{a1.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nguyễn Văn An" in body and "6A1" in body
    assert "Lê Thị Hoa" in body  # the homeroom teacher to write to
    assert "Không có khoản phải nộp." in body  # fees installed, no invoice issued yet
    assert AuditEvent.objects.filter(
        object_type="contact.contact_book", object_id=str(a1.pk), actor=guardian
    ).exists()
    home = client.get("/contact/")
    assert home.status_code == 200
    assert f"/contact/students/{a1.pk}/" in home.content.decode()


def test_guardian_of_another_class_gets_404_everywhere(
    district, guardian, guardian_b, teacher, as_user
):
    notice = services.notice_post(
        actor=teacher,
        audience="class",
        title="Họp phụ huynh",
        body="Thứ Bảy 8 giờ",
        class_group=district.class_a,
    )
    thread = services.thread_open(actor=guardian, student=district.student_a1, other=teacher)
    client = as_user(guardian_b)
    assert client.get(f"/contact/students/{district.student_a1.pk}/").status_code == 404
    assert client.get(f"/contact/students/{district.student_a2.pk}/").status_code == 404
    assert client.get(f"/contact/notices/{notice.pk}/").status_code == 404
    assert client.get(f"/contact/messages/{thread.pk}/").status_code == 404
    response = client.post(f"/contact/messages/{thread.pk}/", {"body": "xin chào"})
    assert response.status_code == 404
    assert Message.objects.count() == 0
    assert NoticeRead.objects.count() == 0
    assert "Họp phụ huynh" not in client.get("/contact/notices/").content.decode()
    # The guardian's own child's page is fine.
    assert client.get(f"/contact/students/{district.student_b1.pk}/").status_code == 200


def test_teacher_sees_their_class_and_not_another(district, teacher, teacher_b, as_user):
    client = as_user(teacher)
    assert client.get(f"/contact/students/{district.student_a1.pk}/").status_code == 200
    assert client.get(f"/contact/classes/{district.class_a.pk}/").status_code == 200
    assert client.get(f"/contact/students/{district.student_b1.pk}/").status_code == 404
    assert client.get(f"/contact/classes/{district.class_b.pk}/").status_code == 404
    other = as_user(teacher_b)
    assert other.get(f"/contact/students/{district.student_a1.pk}/").status_code == 404


def test_teacher_of_another_class_is_refused_a_message_to_a_guardian(
    district, guardian, teacher_b, as_user
):
    client = as_user(teacher_b)
    response = client.post(
        "/contact/messages/new/",
        {"student": district.student_a1.pk, "to": guardian.pk, "body": "Chào chị"},
    )
    assert response.status_code == 403
    assert "phụ huynh của học sinh lớp mình dạy" in response.content.decode()
    assert Thread.objects.count() == 0 and Message.objects.count() == 0


def test_teacher_comment_reaches_the_guardian_page(district, guardian, teacher, as_user):
    client = as_user(teacher)
    a1 = district.student_a1
    response = client.post(
        f"/contact/students/{a1.pk}/", {"action": "comment", "body": "Em tiến bộ môn Toán."}
    )
    assert response.status_code == 302
    assert list(TeacherComment.objects.values_list("body", "author")) == [
        ("Em tiến bộ môn Toán.", teacher.pk)
    ]
    page = as_user(guardian).get(f"/contact/students/{a1.pk}/").content.decode()
    assert "Em tiến bộ môn Toán." in page


def test_a_guardian_cannot_comment(district, guardian, as_user):
    client = as_user(guardian)
    response = client.post(
        f"/contact/students/{district.student_a1.pk}/", {"action": "comment", "body": "x"}
    )
    assert response.status_code == 403
    assert TeacherComment.objects.count() == 0


def test_anonymous_is_sent_to_login_for_the_contact_book(client, district):
    response = client.get(f"/contact/students/{district.student_a1.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # The feedback form is public.
    assert client.get("/contact/feedback/").status_code == 200


def test_principal_sets_quiet_hours_and_response_time(district, principal, teacher, as_user):
    from edudx.contact.models import UnitContactSettings

    client = as_user(principal)
    assert client.get("/contact/settings/").status_code == 200
    response = client.post(
        "/contact/settings/",
        {"unit": district.school_a.pk, "quiet_from": "20:30", "quiet_to": "07:00", "hours": "48"},
    )
    assert response.status_code == 302
    s = UnitContactSettings.objects.get(unit=district.school_a)
    assert (s.quiet_from.isoformat(), s.quiet_to.isoformat(), s.feedback_response_hours) == (
        "20:30:00",
        "07:00:00",
        48,
    )
    assert as_user(teacher).get("/contact/settings/").status_code == 403


def test_refused_settings_come_back_as_typed_with_each_error_at_its_field(
    district, principal, as_user
):
    from edudx.contact.models import UnitContactSettings

    client = as_user(principal)
    unit = district.school_a.pk
    response = client.post(
        "/contact/settings/",
        {"unit": unit, "quiet_from": "25:00", "quiet_to": "07:00", "hours": "900"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        f'name="quiet_from" value="25:00" required aria-invalid="true" '
        f'aria-describedby="e-u{unit}_quiet_from" autofocus>'
    ) in html
    assert f'<p class="field-error" id="e-u{unit}_quiet_from" role="alert">' in html
    assert "Giờ yên lặng từ: Giờ không hợp lệ (hh:mm).</p>" in html
    # The other time is kept and not marked; the hours' range error is at the hours.
    assert 'name="quiet_to" value="07:00" required>' in html
    assert (
        f'name="hours" min="1" max="720" value="900" required aria-invalid="true" '
        f'aria-describedby="e-u{unit}_hours">'
    ) in html
    assert "Thời hạn trả lời phản hồi từ 1 đến 720 giờ.</p>" in html
    assert not UnitContactSettings.objects.filter(unit=district.school_a).exists()
    # Valid times with the hours still wrong: only the hours are refused and focused.
    response = client.post(
        "/contact/settings/",
        {"unit": unit, "quiet_from": "21:00", "quiet_to": "06:30", "hours": "abc"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'name="quiet_from" value="21:00" required>' in html
    assert f'aria-describedby="e-u{unit}_hours" autofocus>' in html


def test_lists_show_only_ones_own(district, guardian, guardian_b, teacher, teacher_b, as_user):
    mine = services.thread_open(actor=guardian, student=district.student_a1, other=teacher)
    services.message_send(actor=guardian, thread=mine, body="Chào cô")
    listed = as_user(guardian).get("/contact/messages/").content.decode()
    assert "Lê Thị Hoa" in listed
    assert '<p class="count-line">1 mục · trang 1/1</p>' in listed
    other_list = as_user(guardian_b).get("/contact/messages/").content.decode()
    assert f"/contact/messages/{mine.pk}/" not in other_list
    assert as_user(teacher_b).get(f"/contact/messages/{mine.pk}/").status_code == 404
    # Only teachers and school leadership may post notices.
    assert as_user(guardian).get("/contact/notices/new/").status_code == 403
    assert as_user(teacher).get("/contact/notices/new/").status_code == 200
    # A refused notice comes back as typed (400), each error at its field.
    r = as_user(teacher).post(
        "/contact/notices/new/",
        {"audience": "class", "class_id": str(district.class_a.pk), "title": "", "body": "Họp"},
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert (
        'name="title" maxlength="200" value="" required aria-invalid="true" '
        'aria-describedby="e-title" autofocus>'
    ) in html
    assert 'id="e-title" role="alert">Tiêu đề: Hãy nhập tiêu đề thông báo.</p>' in html
    assert f'<option value="{district.class_a.pk}" selected>' in html
    assert "required>Họp</textarea>" in html
    # The feedback inbox of a guardian is empty; handling someone's feedback is a 404.
    from django.contrib.auth.models import AnonymousUser

    fb = services.feedback_submit(
        actor=AnonymousUser(),
        unit=district.school_a,
        kind="feedback",
        subject="S",
        body="B",
        phone="0912345678",
    )
    assert "S</strong>" not in as_user(guardian).get("/contact/feedback/inbox/").content.decode()
    assert as_user(guardian).get(f"/contact/feedback/inbox/{fb.pk}/").status_code == 404
    assert as_user(guardian).get(f"/contact/feedback/track/?id={fb.pk}").status_code == 200
    assert "Không tìm thấy phản hồi" in (
        as_user(guardian).get(f"/contact/feedback/track/?id={fb.pk}").content.decode()
    )


def test_a_refused_reply_comes_back_as_typed(district, guardian, teacher, as_user):
    thread = services.thread_open(actor=guardian, student=district.student_a1, other=teacher)
    client = as_user(guardian)
    long = "Cô ơi, " + "x" * 2000  # past the 2,000 characters a message may hold
    r = client.post(f"/contact/messages/{thread.pk}/", {"body": long})
    page = r.content.decode()
    assert r.status_code == 400
    assert "Tin nhắn dài tối đa 2000 ký tự." in page
    assert f">{long}</textarea>" in page
    assert not Message.objects.filter(thread=thread).exists()
    ok = client.post(f"/contact/messages/{thread.pk}/", {"body": "Cô ơi, cháu xin nghỉ."})
    assert ok.status_code == 302
    assert list(Message.objects.values_list("body", flat=True)) == ["Cô ơi, cháu xin nghỉ."]


def test_a_refused_first_message_comes_back_as_typed_and_opens_nothing(
    district, guardian, teacher, as_user
):
    client = as_user(guardian)
    long = "Thưa cô, " + "x" * 2000
    sent = {"student": district.student_a1.pk, "to": teacher.pk, "body": long, "action": "message"}
    r = client.post("/contact/messages/new/", sent)
    page = r.content.decode()
    assert r.status_code == 400
    assert "Tin nhắn dài tối đa 2000 ký tự." in page
    assert (  # in the message form, as typed, focused, with its error under it
        'required aria-invalid="true" aria-describedby="e-message_body" '
        f'autofocus>{long}</textarea>\n  <p class="field-error" id="e-message_body" '
        'role="alert">Tin nhắn dài tối đa 2000 ký tự.</p>'
    ) in page
    assert f'<option value="{teacher.pk}" selected>' in page  # to the same teacher
    assert (Thread.objects.count(), Message.objects.count()) == (0, 0)  # nothing opened
    ok = client.post("/contact/messages/new/", {**sent, "body": "Thưa cô, cháu xin nghỉ."})
    thread = Thread.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/contact/messages/{thread.pk}/"
    assert list(Message.objects.values_list("body", flat=True)) == ["Thưa cô, cháu xin nghỉ."]


def test_a_refused_comment_comes_back_as_typed(district, teacher, as_user):
    long = "Em chăm chỉ. " + "x" * 1000
    r = as_user(teacher).post(
        f"/contact/students/{district.student_a1.pk}/", {"action": "comment", "body": long}
    )
    page = r.content.decode()
    assert r.status_code == 400
    assert (
        'required aria-invalid="true" aria-describedby="e-comment_body" '
        f"autofocus>{long}</textarea>"
    ) in page
    assert "Nhận xét dài tối đa 1000 ký tự." in page
    assert TeacherComment.objects.count() == 0
