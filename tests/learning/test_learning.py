"""Online classes: lessons, assignments, submissions (late marking), grading, the gradebook,
live sessions and the T04/T06/T07 selectors."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.audit.models import AuditEvent
from edudx.content.services import Upload
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, NotFound
from edudx.learning import selectors, services
from edudx.learning.models import Submission
from edudx.notify.models import Notification
from edudx.people import services as people_services
from edudx.records.models import Mark, TermLock
from tests.api.conftest import API, token_client
from tests.factories import person_data
from tests.pages.conftest import otp_login

pytestmark = pytest.mark.django_db

DUE = dt.datetime(2025, 10, 10, 17, 0, tzinfo=dt.UTC)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100


@pytest.fixture
def assignment(teacher, online_class):
    return services.assignment_create(
        actor=teacher,
        online_class=online_class,
        title="Bài tập phân số",
        instructions="Làm bài 1–5 trang 20.",
        due_at=DUE,
        attachments=[Upload(io.BytesIO(b"%PDF-1.4 de bai"), 15, "de-bai.pdf")],
    )


def test_only_the_subject_teacher_opens_a_class(district, toan, student_a1):
    other = district.teacher_user(district.teacher_b)
    with pytest.raises(Forbidden):
        services.online_class_create(actor=other, class_group=district.class_a, subject=toan)


def test_duplicate_online_class(teacher, online_class, district, toan):
    with pytest.raises(Conflict):
        services.online_class_create(actor=teacher, class_group=district.class_a, subject=toan)
    assert online_class.title == "Toán – 6A1"


def test_assignment_with_attachment(assignment):
    att = assignment.attachments.get()
    assert (att.file_name, att.mime, att.size) == ("de-bai.pdf", "application/pdf", 15)


def test_submission_on_time_and_late(assignment, student_a1, student_a2, district):
    on_time = services.submission_submit(
        actor=student_a1,
        assignment=assignment,
        upload=Upload(io.BytesIO(JPEG), len(JPEG), "IMG_0001.jpg"),
        now=DUE - dt.timedelta(minutes=1),
    )
    late = services.submission_submit(
        actor=student_a2,
        assignment=assignment,
        text="Bài 1: 3/4 = 6/8",
        now=DUE + dt.timedelta(seconds=1),
    )
    assert (on_time.late, on_time.mime, on_time.student_id) == (
        False,
        "image/jpeg",
        district.student_a1.pk,
    )
    assert (late.late, late.text) == (True, "Bài 1: 3/4 = 6/8")
    # Submitting again replaces the work (and re-marks lateness); still one row.
    again = services.submission_submit(
        actor=student_a1, assignment=assignment, text="sửa", now=DUE + dt.timedelta(hours=1)
    )
    assert again.pk == on_time.pk and again.late is True
    assert Submission.objects.filter(assignment=assignment).count() == 2


def test_submission_bytes_are_checked(assignment, student_a1):
    with pytest.raises(DomainError) as exc:
        services.submission_submit(
            actor=student_a1,
            assignment=assignment,
            upload=Upload(io.BytesIO(b"<script>alert(1)</script>"), 25, "bai.jpg"),
        )
    assert exc.value.code == "content.upload.type"
    assert Submission.objects.count() == 0


def test_student_of_another_class_gets_404(assignment, student_b1, student_a1):
    with pytest.raises(NotFound):
        selectors.assignment_get(actor=student_b1, assignment_id=assignment.pk)
    assert selectors.assignment_get(actor=student_a1, assignment_id=assignment.pk) == assignment
    with pytest.raises(NotFound):
        selectors.online_class_get(actor=student_b1, class_id=assignment.online_class_id)


def test_teacher_cannot_submit_and_student_cannot_grade(assignment, teacher, student_a1):
    with pytest.raises(Forbidden):
        services.submission_submit(actor=teacher, assignment=assignment, text="x")
    s = services.submission_submit(actor=student_a1, assignment=assignment, text="x")
    with pytest.raises(Forbidden):
        services.submission_grade(actor=student_a1, submission=s, score=10)


def test_grade_then_send_to_gradebook(assignment, teacher, student_a1, student_a2, district, toan):
    s1 = services.submission_submit(actor=student_a1, assignment=assignment, text="a")
    s2 = services.submission_submit(actor=student_a2, assignment=assignment, text="b")
    # The teacher's home page: "2 bài nộp chờ chấm".
    assert selectors.to_grade(actor=teacher) == {assignment.pk: 2}
    services.submission_grade(actor=teacher, submission=s1, score="8,5", comment="Tốt")
    services.submission_grade(actor=teacher, submission=s2, score=7)
    assert selectors.to_grade(actor=teacher) == {}
    with pytest.raises(DomainError):
        services.submission_grade(actor=teacher, submission=s2, score="10.25")
    with pytest.raises(Conflict):  # graded work is not replaced
        services.submission_submit(actor=student_a1, assignment=assignment, text="c")
    result = services.assignment_send_to_gradebook(
        actor=teacher, assignment=assignment, term_number=1, kind="tx2"
    )
    assert (result.sent, result.created, result.updated) == (2, 2, 0)
    marks = {
        (m.student_id, m.kind): m.value
        for m in Mark.objects.filter(subject=toan, class_group=district.class_a)
    }
    assert marks == {
        (district.student_a1.pk, "tx2"): Decimal("8.5"),
        (district.student_a2.pk, "tx2"): Decimal("7.0"),
    }
    assert set(Submission.objects.values_list("sent_to_gradebook", flat=True)) == {"tx2"}


def test_gradebook_respects_the_term_lock(assignment, teacher, student_a1, district):
    s = services.submission_submit(actor=student_a1, assignment=assignment, text="a")
    services.submission_grade(actor=teacher, submission=s, score=9)
    term = district.class_a.school_year.terms.get(number=1)
    TermLock.objects.create(class_group=district.class_a, term=term, locked_at=timezone.now())
    with pytest.raises(Conflict) as exc:
        services.assignment_send_to_gradebook(
            actor=teacher, assignment=assignment, term_number=1, kind="tx1"
        )
    assert exc.value.code == "records.marks.locked"
    assert Mark.objects.count() == 0
    assert Submission.objects.get().sent_to_gradebook == ""


def test_gradebook_only_regular_columns(assignment, teacher):
    with pytest.raises(DomainError) as exc:
        services.assignment_send_to_gradebook(
            actor=teacher, assignment=assignment, term_number=1, kind="ck"
        )
    assert exc.value.field == "kind"


def test_live_sessions_and_monitoring(online_class, teacher, district, student_a1):
    services.live_session_record(
        actor=teacher,
        online_class=online_class,
        url="https://meet.example.vn/abc",
        date=dt.date(2025, 10, 6),
        periods=2,
        attendee_ids=[district.student_a1.pk],
    )
    services.live_session_record(
        actor=teacher,
        online_class=online_class,
        url="https://meet.example.vn/def",
        date=dt.date(2025, 10, 13),
        periods=1,
    )
    with pytest.raises(DomainError) as exc:
        services.live_session_record(
            actor=teacher,
            online_class=online_class,
            url="https://meet.example.vn/x",
            date=dt.date(2025, 10, 13),
            periods=1,
            attendee_ids=[district.student_b1.pk],
        )
    assert exc.value.field == "attendees"
    # T07: 3 online periods; 2 grade-6 classes × 1015 compulsory periods planned.
    assert selectors.online_periods(unit=district.province, school_year=district.year) == (
        3,
        2030,
    )
    assert selectors.online_periods(unit=district.school_b, school_year=district.year) == (
        0,
        1015,
    )
    # T06 (primary grades): no primary classes in this district.
    assert selectors.online_periods(
        unit=district.province, school_year=district.year, grades=selectors.PRIMARY
    ) == (0, 0)
    # T04: student_a1 attended; 3 students studying in the district.
    assert selectors.active_students(
        unit=district.province, start=dt.date(2025, 9, 5), end=dt.date(2026, 5, 31)
    ) == (1, 3)
    assert selectors.active_students(
        unit=district.school_a, start=dt.date(2025, 10, 7), end=dt.date(2025, 10, 31)
    ) == (0, 2)


def test_lesson_with_resources_must_be_published(online_class, teacher):
    lesson = services.lesson_create(
        actor=teacher, online_class=online_class, title="Bài 1. Phân số", text="Đọc SGK trang 5."
    )
    assert lesson.resources.count() == 0
    with pytest.raises(DomainError) as exc:
        services.lesson_create(
            actor=teacher, online_class=online_class, title="Bài 2", resource_ids=[999999]
        )
    assert exc.value.field == "resources"


def test_moving_the_due_time_re_marks_late_work(assignment, teacher, student_a1, student_a2):
    early = services.submission_submit(
        actor=student_a1, assignment=assignment, text="a", now=DUE - dt.timedelta(hours=1)
    )
    late = services.submission_submit(
        actor=student_a2, assignment=assignment, text="b", now=DUE + dt.timedelta(hours=2)
    )
    services.assignment_update(
        actor=teacher, assignment=assignment, due_at=DUE + dt.timedelta(days=1)
    )
    assert sorted(Submission.objects.values_list("pk", "late")) == [
        (early.pk, False),
        (late.pk, False),
    ]
    services.assignment_update(
        actor=teacher, assignment=assignment, due_at=DUE - dt.timedelta(hours=2)
    )
    assert sorted(Submission.objects.values_list("pk", "late")) == [
        (early.pk, True),
        (late.pk, True),
    ]
    trail = AuditEvent.objects.filter(object_type="learning.assignment", action="update")
    assert [e.changes["due_at"] for e in trail.order_by("pk")] == [
        [DUE.isoformat(), (DUE + dt.timedelta(days=1)).isoformat()],
        [(DUE + dt.timedelta(days=1)).isoformat(), (DUE - dt.timedelta(hours=2)).isoformat()],
    ]
    # Only the title changed: no re-marking, no audit entry.
    services.assignment_update(actor=teacher, assignment=assignment, title="Bài tập phân số (2)")
    assert trail.count() == 2


def test_only_the_class_teacher_edits_an_assignment(assignment, district, student_a1, teacher):
    for actor in (student_a1, district.teacher_user(district.teacher_b)):
        with pytest.raises(Forbidden):
            services.assignment_update(actor=actor, assignment=assignment, title="x")
    with pytest.raises(DomainError) as exc:
        services.assignment_update(actor=teacher, assignment=assignment, title=" ")
    assert exc.value.field == "title"
    assignment.refresh_from_db()
    assert (assignment.title, assignment.due_at) == ("Bài tập phân số", DUE)


def test_assignment_patch_api_and_page(assignment, teacher, student_a1):
    path = f"{API}/assignments/{assignment.pk}"
    r = token_client(teacher).patch(
        path, {"due_at": "2025-10-12T17:00:00+07:00"}, content_type="application/json"
    )
    assert (r.status_code, r.json()["due_at"], r.json()["title"]) == (
        200,
        "2025-10-12T17:00:00+07:00",
        "Bài tập phân số",
    )
    assert (
        token_client(student_a1)
        .patch(path, {"title": "x"}, content_type="application/json")
        .status_code
    ) == 403
    client = otp_login(Client(), teacher)
    page = client.get(f"/learning/a/{assignment.pk}/").content.decode()
    assert 'name="action" value="edit"' in page and 'value="2025-10-12"' in page
    r = client.post(
        f"/learning/a/{assignment.pk}/",
        {
            "action": "edit",
            "title": "Bài tập phân số",
            "instructions": "Làm bài 1–6 trang 20.",
            "due_date": "2025-10-15",
            "due_time": "21:00",
        },
        follow=True,
    )
    assert "Đã lưu bài tập." in r.content.decode()
    assignment.refresh_from_db()
    assert (assignment.instructions, timezone.localtime(assignment.due_at).isoformat()) == (
        "Làm bài 1–6 trang 20.",
        "2025-10-15T21:00:00+07:00",
    )
    s = Client()
    s.force_login(student_a1)
    assert 'value="edit"' not in s.get(f"/learning/a/{assignment.pk}/").content.decode()


def test_students_are_told_of_a_new_assignment_and_a_moved_due_time(
    student_a1, student_a2, student_b1, teacher, online_class, district
):
    mother = people_services.person_create(
        actor=None, data=person_data("Đỗ Thị Mai", dt.date(1988, 1, 2), "F")
    )
    people_services.guardian_link(
        actor=None, guardian=mother, student=district.student_a1, relationship="mother"
    )
    guardian = district.user(Role.GUARDIAN, None, person=mother)
    father_of_b1 = people_services.person_create(
        actor=None, data=person_data("Nguyễn Văn Tư", dt.date(1985, 3, 4), "M")
    )
    people_services.guardian_link(
        actor=None, guardian=father_of_b1, student=district.student_b1, relationship="father"
    )
    other_guardian = district.user(Role.GUARDIAN, None, person=father_of_b1)
    a = services.assignment_create(
        actor=teacher, online_class=online_class, title="Bài tập 2", due_at=DUE
    )
    services.assignment_update(actor=teacher, assignment=a, due_at=DUE + dt.timedelta(days=2))
    # Saving the same due time again tells nobody twice.
    services.assignment_update(actor=teacher, assignment=a, due_at=DUE + dt.timedelta(days=2))
    notes = Notification.objects.filter(event="learning.assignment").order_by("recipient", "pk")
    assert list(notes.values_list("recipient", "title", "body", "url")) == [
        (u.pk, title, body, f"/learning/a/{a.pk}/")
        for u in sorted((student_a1, student_a2, guardian), key=lambda u: u.pk)
        for title, body in (
            ("Bài tập mới: Bài tập 2", "Toán – 6A1 · hạn nộp 00:00 11/10/2025"),
            (
                "Đổi hạn nộp: Bài tập 2",
                "Hạn nộp mới 00:00 13/10/2025 (trước đây 00:00 11/10/2025).",
            ),
        )
    ]
    assert not Notification.objects.filter(recipient__in=[student_b1, other_guardian]).exists()


def test_the_teacher_s_home_says_what_to_grade(client, assignment, teacher, student_a1):
    services.submission_submit(actor=student_a1, assignment=assignment, text="a")
    otp_login(client, teacher)
    page = client.get("/").content.decode()
    # One assignment to grade: the line leads to it.
    assert f'<a href="/learning/a/{assignment.pk}/">1 bài nộp chờ chấm</a>' in page
    otp_login(client, student_a1)
    assert "chờ chấm" not in client.get("/").content.decode()
    second = services.assignment_create(
        actor=teacher,
        online_class=assignment.online_class,
        title="Bài tập hỗn số",
        instructions="Bài 6–8.",
        due_at=DUE,
        attachments=[],
    )
    services.submission_submit(actor=student_a1, assignment=second, text="b")
    otp_login(client, teacher)
    # Two assignments: the teacher's online classes.
    assert '<a href="/learning/">2 bài nộp chờ chấm</a>' in client.get("/").content.decode()
