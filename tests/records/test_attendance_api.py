import datetime as dt

import pytest
from django.utils import timezone

from edudx.accounts.models import Role
from edudx.records.models import AttendanceMark, AttendanceSession, LeaveRequest
from tests.api.conftest import API, token_client

from .conftest import DAY

pytestmark = pytest.mark.django_db

URL = API + "/attendance/classes/{cls}/{day}/{session}"


def sheet_url(cls, day=DAY, session="am"):
    return URL.format(cls=cls.pk, day=day.isoformat(), session=session)


@pytest.fixture
def api(teacher):
    return token_client(teacher)


def test_get_sheet_defaults_everyone_present(district, api):
    r = api.get(sheet_url(district.class_a))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["taken"] is False
    assert [(s["full_name"], s["status"]) for s in body["students"]] == [
        ("Nguyễn Văn An", "present"),
        ("Trần Thị Bình", "present"),
    ]


def test_put_twice_is_one_session(district, api):
    a1 = district.student_a1.pk
    body = {"marks": [{"student_id": a1, "status": "unexcused", "note": "không báo"}]}
    for _ in range(2):
        r = api.put(sheet_url(district.class_a), body, content_type="application/json")
        assert r.status_code == 200, r.content
    assert AttendanceSession.objects.count() == 1
    assert list(AttendanceMark.objects.values_list("student_id", "status", "note")) == [
        (a1, "unexcused", "không báo")
    ]
    got = {s["student_id"]: s["status"] for s in r.json()["students"]}
    assert got == {a1: "unexcused", district.student_a2.pk: "present"}
    assert r.json()["taken"] is True


def test_put_bad_rows_named(district, api):
    body = {
        "marks": [
            {"student_id": district.student_b1.pk, "status": "excused"},
            {"student_id": district.student_a1.pk, "status": "late"},
        ]
    }
    r = api.put(sheet_url(district.class_a), body, content_type="application/json")
    assert r.status_code == 400
    assert (r.json()["code"], r.json()["row"], r.json()["field"]) == (
        "attendance.student",
        1,
        "student_id",
    )
    assert AttendanceSession.objects.count() == 0


def test_bad_session_is_400(district, api):
    r = api.get(sheet_url(district.class_a, session="evening"))
    assert (r.status_code, r.json()["code"]) == (400, "attendance.session")


def test_teacher_of_another_class_gets_404(district):
    other = token_client(district.teacher_user(district.teacher_b))
    assert other.get(sheet_url(district.class_a)).status_code == 404
    r = other.put(sheet_url(district.class_a), {"marks": []}, content_type="application/json")
    assert r.status_code == 404
    assert other.get(API + f"/attendance/classes/{district.class_a.pk}/summary").status_code == 404
    assert AttendanceSession.objects.count() == 0


def test_officer_reads_but_may_not_write(district):
    officer = token_client(district.user(Role.PROVINCE_OFFICER, district.province))
    assert officer.get(sheet_url(district.class_a)).status_code == 200
    r = officer.put(sheet_url(district.class_a), {"marks": []}, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (403, "attendance.forbidden")


def test_read_only_token_may_not_put(district, teacher):
    ro = token_client(teacher, scopes=("read",))
    r = ro.put(sheet_url(district.class_a), {"marks": []}, content_type="application/json")
    assert r.status_code == 403


def test_summary_for_a_month(district, api):
    a1 = district.student_a1.pk
    api.put(
        sheet_url(district.class_a),
        {"marks": [{"student_id": a1, "status": "excused"}]},
        content_type="application/json",
    )
    r = api.get(API + f"/attendance/classes/{district.class_a.pk}/summary?month=2025-10")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["start"], body["end"], body["sessions_held"], body["limit"]) == (
        "2025-10-01",
        "2025-10-31",
        1,
        45,
    )
    row = next(s for s in body["students"] if s["student_id"] == a1)
    assert (row["excused"], row["absent"], row["year_absent"], row["over_limit"]) == (
        1,
        1,
        1,
        False,
    )
    r = api.get(API + f"/attendance/classes/{district.class_a.pk}/summary?term=1")
    assert (r.json()["start"], r.json()["end"]) == ("2025-09-05", "2026-01-14")
    r = api.get(API + f"/attendance/classes/{district.class_a.pk}/summary?month=10-2025")
    assert (r.status_code, r.json()["code"]) == (400, "attendance.month")


def test_guardian_reads_own_child_read_only(district, api, guardian):
    a1 = district.student_a1.pk
    api.put(
        sheet_url(district.class_a),
        {"marks": [{"student_id": a1, "status": "unexcused"}]},
        content_type="application/json",
    )
    g = token_client(guardian)
    r = g.get(API + f"/students/{a1}/attendance")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["unexcused"], body["year_absent"]) == (1, 1)
    assert body["marks"] == [
        {
            "date": "2025-10-06",
            "session": "am",
            "class_id": district.class_a.pk,
            "status": "unexcused",
            "note": "",
        }
    ]
    assert g.get(API + f"/students/{district.student_a2.pk}/attendance").status_code == 404
    assert g.get(sheet_url(district.class_a)).status_code == 404
    r = g.put(sheet_url(district.class_a), {"marks": []}, content_type="application/json")
    assert r.status_code == 404


def test_leave_request_flow(district, api, guardian, on_day):
    a1 = district.student_a1.pk
    api.put(
        sheet_url(district.class_a),
        {"marks": [{"student_id": a1, "status": "unexcused"}]},
        content_type="application/json",
    )
    g = token_client(guardian, **{"Idempotency-Key": "leave-1"})
    body = {"student_id": a1, "from_date": "2025-10-06", "to_date": "2025-10-07", "reason": "Ốm"}
    r1 = g.post(API + "/leave-requests", body, content_type="application/json")
    r2 = g.post(API + "/leave-requests", body, content_type="application/json")
    assert (r1.status_code, r2.status_code) == (201, 201), r1.content
    assert r2.headers["Idempotent-Replayed"] == "true"
    assert LeaveRequest.objects.count() == 1
    leave_id = r1.json()["id"]
    assert [i["id"] for i in g.get(API + "/leave-requests").json()["items"]] == [leave_id]
    assert [i["id"] for i in api.get(API + "/leave-requests?status=pending").json()["items"]] == [
        leave_id
    ]
    # A guardian cannot decide; the homeroom teacher can.
    r = g.post(
        API + f"/leave-requests/{leave_id}/decision",
        {"decision": "accept"},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = api.post(
        API + f"/leave-requests/{leave_id}/decision",
        {"decision": "accept", "note": "Đã gọi điện"},
        content_type="application/json",
    )
    assert (r.status_code, r.json()["status"]) == (200, "accepted")
    assert list(AttendanceMark.objects.values_list("status", flat=True)) == ["excused"]
    nxt = api.get(sheet_url(district.class_a, day=dt.date(2025, 10, 7))).json()
    assert {s["student_id"]: (s["status"], s["on_leave"]) for s in nxt["students"]}[a1] == (
        "excused",
        True,
    )


def test_leave_for_someone_elses_child_is_404(district, guardian):
    g = token_client(guardian)
    body = {
        "student_id": district.student_b1.pk,
        "from_date": "2025-10-06",
        "to_date": "2025-10-06",
        "reason": "Ốm",
    }
    assert g.post(API + "/leave-requests", body, content_type="application/json").status_code == 404


def test_subjects_of_a_grade(district, api):
    r = api.get(API + "/subjects?grade=6")
    assert r.status_code == 200
    got = {s["code"]: (s["periods_per_year"], s["assessed_by"]) for s in r.json()}
    assert got["toan"] == (140, "score")
    assert got["giao_duc_the_chat"] == (70, "comment")
    assert len(got) == 14


def test_leave_api_refuses_a_month_already_over(district, guardian):
    today = timezone.localdate()
    past = today.replace(day=1) - dt.timedelta(days=1)
    body = {
        "student_id": district.student_a1.pk,
        "from_date": past.isoformat(),
        "to_date": today.isoformat(),
        "reason": "Ốm",
    }
    r = token_client(guardian, **{"Accept-Language": "en"}).post(
        API + "/leave-requests", body, content_type="application/json"
    )
    assert r.status_code == 400
    errors = r.json()["errors"] if "errors" in r.json() else [r.json()]
    assert [(e["code"], e["field"]) for e in errors] == [("leave.past_month", "from_date")]
    assert LeaveRequest.objects.count() == 0
