import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.records.models import AttendanceMark, AttendanceSession, LeaveRequest
from tests.pages.conftest import otp_login

from .conftest import DAY, take

pytestmark = pytest.mark.django_db

URL = reverse("records:attendance")


def sheet_query(cls, session="am"):
    return f"{URL}?class={cls.pk}&date={DAY.isoformat()}&session={session}"


@pytest.fixture
def tc(client, teacher):
    return otp_login(client, teacher)


def test_picker_lists_only_my_classes(district, tc):
    page = tc.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<option value="{district.class_a.pk}"' in html
    assert f'<option value="{district.class_b.pk}"' not in html


def test_sheet_lists_everyone_present_by_default(district, tc):
    page = tc.get(sheet_query(district.class_a))
    assert page.status_code == 200
    html = page.content.decode()
    for s in (district.student_a1, district.student_a2):
        assert f'id="st-{s.pk}-present" name="status-{s.pk}" value="present" checked' in html
    assert "<script" not in html.split("</head>")[1]  # works without JavaScript
    assert ' style="' not in html  # CSP: no inline styles


def _post(c, cls, statuses, notes=None):
    data = {"class": cls.pk, "date": DAY.isoformat(), "session": "am", "student": []}
    for sid, st in statuses.items():
        data["student"].append(sid)
        data[f"status-{sid}"] = st
    for sid, note in (notes or {}).items():
        data[f"note-{sid}"] = note
    return c.post(URL, data)


def test_one_save_for_the_class_and_a_retry_does_not_duplicate(district, tc):
    a1, a2 = district.student_a1.pk, district.student_a2.pk
    for _ in range(2):
        r = _post(tc, district.class_a, {a1: "unexcused", a2: "present"}, {a1: "không báo"})
        assert r.status_code == 302
    assert AttendanceSession.objects.count() == 1
    assert list(AttendanceMark.objects.values_list("student_id", "status", "note")) == [
        (a1, "unexcused", "không báo")
    ]
    page = tc.get(r.url)
    html = page.content.decode()
    assert "Đã lưu điểm danh lớp 6A1" in html
    assert f'id="st-{a1}-unexcused" name="status-{a1}" value="unexcused" checked' in html


def test_teacher_of_another_class_gets_404(district, client):
    otp_login(client, district.teacher_user(district.teacher_b))
    assert client.get(sheet_query(district.class_a)).status_code == 404
    r = _post(client, district.class_a, {district.student_a1.pk: "unexcused"})
    assert r.status_code == 404
    assert client.get(reverse("records:summary", args=[district.class_a.pk])).status_code == 404
    assert AttendanceSession.objects.count() == 0


def test_officer_may_not_save(district, client):
    otp_login(client, district.user(Role.PROVINCE_OFFICER, district.province))
    assert client.get(sheet_query(district.class_a)).status_code == 200
    assert _post(client, district.class_a, {}).status_code == 403


def test_summary_page_shows_flags(district, tc, teacher, settings):
    settings.ABSENCE_STREAK = 2
    a1 = district.student_a1.pk
    take(teacher, district.class_a, DAY, "am", **{f"s{a1}": "unexcused"})
    take(teacher, district.class_a, DAY, "pm", **{f"s{a1}": "excused"})
    page = tc.get(reverse("records:summary", args=[district.class_a.pk]) + "?month=2025-10")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 buổi liên tiếp" in html
    assert "Từ 01/10/2025 đến 31/10/2025: 2 buổi đã điểm danh." in html


@pytest.mark.parametrize("month", ["10/2025", "2025-10", " 10/2025 "])
def test_summary_month_as_people_write_it(district, tc, teacher, month):
    take(teacher, district.class_a, DAY, "am")
    html = tc.get(
        reverse("records:summary", args=[district.class_a.pk]), {"month": month}
    ).content.decode()
    assert "Từ 01/10/2025 đến 31/10/2025: 1 buổi đã điểm danh." in html
    assert 'placeholder="10/2025"' in html


@pytest.mark.parametrize("month", ["13/2025", "10-2025", "tháng 10", "10/25/2025"])
def test_summary_bad_month_says_how_to_write_it(district, tc, month):
    html = tc.get(
        reverse("records:summary", args=[district.class_a.pk]), {"month": month}
    ).content.decode()
    assert "Tháng không hợp lệ; dùng định dạng mm/yyyy (ví dụ 10/2025)." in html


def test_summary_in_english(district, tc, settings):
    tc.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = tc.get(reverse("records:summary", args=[district.class_a.pk]))
    assert "Attendance of class 6A1 (2025-2026)" in page.content.decode()


def test_guardian_sees_own_child_read_only(district, teacher, guardian):
    a1 = district.student_a1.pk
    take(teacher, district.class_a, DAY, **{f"s{a1}": "unexcused"})
    c = Client()
    c.force_login(guardian)
    page = c.get(reverse("records:student_attendance", args=[a1]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "06/10/2025" in html and "Vắng không phép" in html
    assert "<form" not in html.split('id="main"')[1]  # nothing to edit
    assert (
        c.get(reverse("records:student_attendance", args=[district.student_a2.pk])).status_code
        == 404
    )
    assert c.get(sheet_query(district.class_a)).status_code == 404
    detail = c.get(reverse("people:student_detail", args=[a1]))
    assert reverse("records:student_attendance", args=[a1]) in detail.content.decode()


def test_leave_request_pages(district, teacher, guardian, client, on_day):
    g = Client()
    g.force_login(guardian)
    r = g.post(
        reverse("records:leave"),
        {
            "action": "create",
            "student": district.student_a1.pk,
            "from_date": DAY.isoformat(),
            "to_date": DAY.isoformat(),
            "reason": "Ốm",
        },
    )
    assert r.status_code == 302
    leave = LeaveRequest.objects.get()
    otp_login(client, teacher)
    page = client.get(reverse("records:leave")).content.decode()
    assert 'value="accept"' in page
    r = client.post(reverse("records:leave"), {"action": "accept", "leave": leave.pk})
    assert r.status_code == 302
    leave.refresh_from_db()
    assert leave.status == "accepted"
    # The guardian cannot decide (no button, and a forged post changes nothing).
    assert 'value="accept"' not in g.get(reverse("records:leave")).content.decode()


def test_leave_page_refuses_a_month_already_over(district, guardian):
    g = Client()
    g.force_login(guardian)
    today = timezone.localdate()
    past = today.replace(day=1) - dt.timedelta(days=1)
    r = g.post(
        reverse("records:leave"),
        {
            "action": "create",
            "student": district.student_a1.pk,
            "from_date": past.isoformat(),
            "to_date": today.isoformat(),
            "reason": "Ốm",
        },
    )
    assert r.status_code == 400
    assert f"Không thể xin nghỉ cho tháng đã qua (ngày {past:%d/%m/%Y})" in r.content.decode()
    assert LeaveRequest.objects.count() == 0


def test_a_day_outside_the_school_year_is_refused_before_filling_in(district, tc):
    """Summer after the 2025-2026 year: the sheet says why, offers no Save, and the class
    opens on its year's last day by default; a future day is refused the same way."""
    cls = district.class_a
    with time_machine.travel(dt.datetime(2026, 7, 15, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        html = tc.get(f"{URL}?class={cls.pk}&date=2026-07-15").content.decode()
        assert "Ngày 15/07/2026 nằm ngoài năm học 2025-2026 (05/09/2025 – 31/05/2026)." in html
        assert "Lưu điểm danh" not in html
        assert "Chưa điểm danh." in html
        default = tc.get(f"{URL}?class={cls.pk}").content.decode()
        assert "Lớp 6A1 · Buổi sáng · 31/05/2026" in default
        assert "Lưu điểm danh" in default and "nằm ngoài năm học" not in default
        tc.cookies["django_language"] = "en"
        english = tc.get(f"{URL}?class={cls.pk}&date=2026-07-15").content.decode()
        assert "15/07/2026 is outside the school year 2025-2026 (05/09/2025 – 31/05/2026)." in (
            english
        )
    with time_machine.travel(dt.datetime(2025, 10, 6, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        tc.cookies["django_language"] = "vi"
        future = tc.get(f"{URL}?class={cls.pk}&date=2025-10-07").content.decode()
        assert "Không thể điểm danh cho ngày trong tương lai." in future
        assert "Lưu điểm danh" not in future
        today = tc.get(f"{URL}?class={cls.pk}").content.decode()
        assert "Lớp 6A1 · Buổi sáng · 06/10/2025" in today and "Lưu điểm danh" in today
    assert AttendanceSession.objects.count() == 0


def test_leave_page_puts_waiting_requests_first_and_pages(district, teacher, client):
    """55 requests: the one still waiting (the oldest) heads the list with its buttons,
    the decided ones follow latest first, 50 to a page (a waiting request sank below the
    decided ones, and past 100 out of sight)."""
    start = dt.date(2025, 9, 8)
    for i in range(55):
        day = start + dt.timedelta(days=i)
        LeaveRequest.objects.create(
            student=district.student_a1,
            from_date=day,
            to_date=day,
            reason=f"Lý do {i:02d}",
            status="pending" if i == 0 else "accepted",
        )
    otp_login(client, teacher)
    first = client.get(reverse("records:leave")).content.decode()
    second = client.get(reverse("records:leave"), {"page": 2}).content.decode()
    reasons = [f"Lý do {i:02d}" for i in (0, *range(54, 0, -1))]
    assert [r for r in reasons if r in first] == reasons[:50]
    assert [r for r in reasons if r in second] == reasons[50:]
    assert first.count('value="accept"') == 1
    assert first.index("Lý do 00") < first.index("Lý do 54")
    assert "55 đơn · trang 1/2" in " ".join(first.split())


def test_a_refused_sheet_comes_back_as_typed_naming_who_moved(district, tc):
    """A student transferred while the teacher marked the class: the save is refused
    with the student named, and every mark typed for the others is still on the sheet."""
    from edudx.people.services import student_transfer

    a1, a2 = district.student_a1.pk, district.student_a2.pk
    student_transfer(
        actor=None,
        student=district.student_a2,
        to_school=district.school_b,
        school_year=district.year,
        class_group=district.class_b,
        effective=DAY,
    )
    r = _post(tc, district.class_a, {a1: "late", a2: "unexcused"}, {a1: "xe hỏng"})
    assert r.status_code == 400
    html = r.content.decode()
    assert (
        f"Trần Thị Bình (mã số {a2}) không còn trong lớp này (đã chuyển lớp hoặc chuyển "
        "trường). Mở lại danh sách lớp rồi lưu."
    ) in html
    assert f'id="st-{a1}-late" name="status-{a1}" value="late" checked' in html
    assert f'name="note-{a1}" value="xe hỏng"' in html
    assert f"status-{a2}" not in html  # no longer on the class's sheet
    assert AttendanceSession.objects.count() == 0
    # An id the class never had names no one.
    r = _post(tc, district.class_a, {a1: "late", district.student_b1.pk: "late"})
    assert r.status_code == 400
    assert f"Học sinh mã số {district.student_b1.pk} không thuộc lớp này." in r.content.decode()
    assert "Nguyễn Văn Cường" not in r.content.decode()
