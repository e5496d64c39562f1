import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edudx.audit.models import AuditEvent
from edudx.core.api_errors import Forbidden
from edudx.core.errors import DomainError, NotFound
from edudx.core.models import OutboxEvent
from edudx.records import selectors, services
from edudx.records.models import AttendanceMark, AttendanceSession, LeaveRequest
from edudx.records.services import MarkIn

from .conftest import DAY, school_days, take

pytestmark = pytest.mark.django_db


def marks(cls=None):
    qs = AttendanceMark.objects.order_by("student_id")
    if cls is not None:
        qs = qs.filter(session__class_group=cls)
    return [(m.student_id, m.status) for m in qs]


def test_save_records_only_the_students_not_present(district, teacher):
    a1, a2 = district.student_a1.pk, district.student_a2.pk
    result = take(teacher, district.class_a, DAY, **{f"s{a1}": "unexcused", f"s{a2}": "present"})
    assert result.created is True
    assert marks() == [(a1, "unexcused")]
    session = AttendanceSession.objects.get()
    assert (session.date, session.session, session.taken_by_id) == (DAY, "am", teacher.pk)


def test_retried_submission_replaces_never_duplicates(district, teacher):
    a1, a2 = district.student_a1.pk, district.student_a2.pk
    take(teacher, district.class_a, DAY, **{f"s{a1}": "unexcused"})
    again = take(teacher, district.class_a, DAY, **{f"s{a1}": "unexcused"})
    assert (again.created, again.changed) == (False, 0)
    assert AttendanceSession.objects.count() == 1
    assert marks() == [(a1, "unexcused")]
    corrected = take(teacher, district.class_a, DAY, **{f"s{a2}": "late"})
    assert corrected.changed == 2
    assert marks() == [(a2, "late")]


def test_session_aliases_share_one_row(district, teacher):
    take(teacher, district.class_a, DAY, session="morning")
    take(teacher, district.class_a, DAY, session="am")
    take(teacher, district.class_a, DAY, session="3")
    assert sorted(AttendanceSession.objects.values_list("session", flat=True)) == ["am", "p3"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"session": "evening"}, "attendance.session"),
        ({"day": dt.date(2025, 8, 1)}, "attendance.date_outside_year"),
        ({"status": "sick"}, "attendance.status"),
        ({"student": "other_class"}, "attendance.student"),
    ],
    ids=["bad-session", "outside-year", "bad-status", "student-of-another-class"],
)
def test_invalid_saves_write_nothing(district, teacher, kwargs, code):
    student = district.student_b1 if kwargs.get("student") else district.student_a1
    with pytest.raises(DomainError) as exc:
        services.attendance_save(
            actor=teacher,
            class_group=district.class_a,
            day=kwargs.get("day", DAY),
            session=kwargs.get("session", "am"),
            marks=[MarkIn(student.pk, kwargs.get("status", "unexcused"))],
        )
    assert exc.value.code == code
    assert AttendanceSession.objects.count() == 0


def test_future_date_refused(district, teacher, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: dt.date(2025, 10, 1))
    with pytest.raises(DomainError) as exc:
        take(teacher, district.class_a, dt.date(2025, 10, 2))
    assert exc.value.code == "attendance.future"


def test_writes_are_audited(district, teacher):
    a1 = district.student_a1.pk
    before = AuditEvent.objects.count()
    take(teacher, district.class_a, DAY, **{f"s{a1}": "excused"})
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.object_type, e.action) for e in events] == [
        ("records.attendance_session", "create"),
        ("records.attendance_mark", "update"),
    ]
    assert events[1].changes["status"] == ["present", "excused"]
    assert events[1].actor_id == teacher.pk


def _big_class(district, n):
    for i in range(n - 2):
        district.student(f"Học Sinh {i:02d}", district.school_a, district.class_a)
    return list(selectors.roster(district.class_a).values_list("id", flat=True))


def _save_queries(teacher, cls, day, statuses: dict[int, str]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.attendance_save(
            actor=teacher,
            class_group=cls,
            day=day,
            session="am",
            marks=[MarkIn(sid, st) for sid, st in statuses.items()],
        )
    return len(ctx.captured_queries)


def test_saving_a_40_student_class_takes_constant_queries(district, teacher):
    ids = _big_class(district, 40)
    assert len(ids) == 40
    days = school_days(DAY, 3)
    # Everyone present; then 20 absent (first save of the day); then a retried save.
    q_none = _save_queries(teacher, district.class_a, days[0], {})
    q_many = _save_queries(teacher, district.class_a, days[1], dict.fromkeys(ids[:20], "late"))
    q_few = _save_queries(teacher, district.class_a, days[2], dict.fromkeys(ids[:2], "late"))
    q_edit = _save_queries(teacher, district.class_a, days[1], dict.fromkeys(ids[20:], "late"))
    assert q_many == q_few
    assert q_edit <= q_many + 2  # + delete of the replaced marks, + bulk update
    assert max(q_none, q_many, q_edit) <= 18  # 16-17 measured on SQLite and PostgreSQL
    assert AttendanceMark.objects.filter(session__date=days[1]).count() == 20


def test_leave_accepted_turns_recorded_absences_excused(district, teacher, guardian):
    a1 = district.student_a1.pk
    take(teacher, district.class_a, DAY, **{f"s{a1}": "unexcused"})
    take(teacher, district.class_a, DAY, session="pm", **{f"s{a1}": "late"})
    leave = services.leave_request_create(
        actor=guardian,
        student=district.student_a1,
        from_date=DAY,
        to_date=DAY + dt.timedelta(days=1),
        reason="Ốm, sốt cao",
        today=DAY,
    )
    assert leave.status == "pending"
    services.leave_request_decide(actor=teacher, leave=leave, accept=True)
    assert sorted(AttendanceMark.objects.values_list("status", flat=True)) == ["excused", "late"]
    # The next day: the sheet defaults the student to excused, and an unexcused entry is
    # recorded as excused.
    nxt = DAY + dt.timedelta(days=1)
    sheet = selectors.attendance_sheet(
        actor=teacher, class_id=district.class_a.pk, day=nxt, session="am"
    )
    by_student = {r["student"].pk: r["status"] for r in sheet["rows"]}
    assert by_student[a1] == "excused"
    assert by_student[district.student_a2.pk] == "present"
    take(teacher, district.class_a, nxt, **{f"s{a1}": "unexcused"})
    mark = AttendanceMark.objects.get(session__date=nxt)
    assert (mark.status, mark.leave_request_id) == ("excused", leave.pk)


def test_refused_leave_changes_nothing(district, teacher, guardian):
    a1 = district.student_a1.pk
    take(teacher, district.class_a, DAY, **{f"s{a1}": "unexcused"})
    leave = services.leave_request_create(
        actor=guardian,
        student=district.student_a1,
        from_date=DAY,
        to_date=DAY,
        reason="Việc nhà",
        today=DAY,
    )
    services.leave_request_decide(actor=teacher, leave=leave, accept=False)
    assert marks() == [(a1, "unexcused")]
    with pytest.raises(DomainError) as exc:
        services.leave_request_decide(actor=teacher, leave=leave, accept=True)
    assert exc.value.code == "leave.decided"


def test_only_a_guardian_files_leave(district, teacher, guardian):
    with pytest.raises(Forbidden):
        services.leave_request_create(
            actor=teacher,
            student=district.student_a1,
            from_date=DAY,
            to_date=DAY,
            reason="x",
            today=DAY,
        )
    with pytest.raises(Forbidden):  # not their child
        services.leave_request_create(
            actor=guardian,
            student=district.student_a2,
            from_date=DAY,
            to_date=DAY,
            reason="x",
            today=DAY,
        )


def test_only_the_homeroom_teacher_decides(district, guardian):
    leave = services.leave_request_create(
        actor=guardian,
        student=district.student_a1,
        from_date=DAY,
        to_date=DAY,
        reason="Ốm",
        today=DAY,
    )
    with pytest.raises(Forbidden):
        services.leave_request_decide(actor=guardian, leave=leave, accept=True)
    subject_teacher = district.teacher_user(district.teacher_b)
    with pytest.raises(Forbidden):
        services.leave_request_decide(actor=subject_teacher, leave=leave, accept=True)


def test_leave_request_validation_reports_every_field(district, guardian):
    with pytest.raises(DomainError) as exc:
        services.leave_request_create(
            actor=guardian,
            student=district.student_a1,
            from_date=DAY,
            to_date=DAY - dt.timedelta(days=1),
            reason="  ",
            today=DAY,
        )
    assert [e["field"] for e in exc.value.as_list()] == ["reason", "to_date"]


# --- summaries and flags -------------------------------------------------------------------


def _absent_half_days(teacher, cls, student, n, start=DAY, status="unexcused"):
    """n consecutive absent half-days (am, pm, am, …) for `student`."""
    for i in range(n):
        day = school_days(start, i // 2 + 1)[-1]
        take(teacher, cls, day, session=("am", "pm")[i % 2], **{f"s{student.pk}": status})


def flagged(kind):
    return [
        (e.payload["student"], e.payload["count"])
        for e in OutboxEvent.objects.filter(topic="records.absence_flagged").order_by("id")
        if e.payload["kind"] == kind
    ]


@pytest.mark.parametrize(("absences", "over"), [(45, False), (46, True)], ids=["45", "46"])
def test_the_45_session_limit(district, teacher, settings, absences, over):
    settings.ABSENCE_STREAK = 1000  # keep the streak flag out of this test
    a1 = district.student_a1
    _absent_half_days(teacher, district.class_a, a1, absences, start=dt.date(2025, 9, 8))
    end = dt.date(2026, 5, 31)
    summary = selectors.attendance_summary(
        actor=teacher, class_id=district.class_a.pk, start=dt.date(2025, 9, 5), end=end
    )
    row = next(r for r in summary["rows"] if r["student"].pk == a1.pk)
    assert (row["unexcused"], row["year_absent"], row["over_limit"]) == (
        absences,
        absences,
        over,
    )
    assert summary["sessions_held"] == absences
    assert flagged("over_limit") == ([(a1.pk, 46)] if over else [])


def test_excused_and_unexcused_both_count_towards_the_limit(district, teacher, settings):
    settings.ABSENCE_STREAK = 1000
    a1 = district.student_a1
    _absent_half_days(teacher, district.class_a, a1, 40, start=dt.date(2025, 9, 8))
    _absent_half_days(
        teacher, district.class_a, a1, 6, start=dt.date(2025, 12, 1), status="excused"
    )
    assert flagged("over_limit") == [(a1.pk, 46)]


def test_streak_flag_at_n_consecutive_absences(district, teacher, settings):
    settings.ABSENCE_STREAK = 3
    a1, a2 = district.student_a1, district.student_a2
    days = school_days(DAY, 3)
    take(teacher, district.class_a, days[0], "am", **{f"s{a1.pk}": "unexcused"})
    take(teacher, district.class_a, days[0], "pm", **{f"s{a1.pk}": "excused"})
    assert flagged("streak") == []
    take(
        teacher,
        district.class_a,
        days[1],
        "am",
        **{f"s{a1.pk}": "unexcused", f"s{a2.pk}": "unexcused"},
    )
    assert flagged("streak") == [(a1.pk, 3)]
    # A retried save and a fourth absence raise nothing new.
    take(
        teacher,
        district.class_a,
        days[1],
        "am",
        **{f"s{a1.pk}": "unexcused", f"s{a2.pk}": "unexcused"},
    )
    take(teacher, district.class_a, days[1], "pm", **{f"s{a1.pk}": "unexcused"})
    assert flagged("streak") == [(a1.pk, 3)]
    summary = selectors.attendance_summary(
        actor=teacher, class_id=district.class_a.pk, start=days[0], end=days[2]
    )
    rows = {r["student"].pk: r for r in summary["rows"]}
    assert (rows[a1.pk]["streak"], rows[a1.pk]["streak_flag"]) == (4, True)
    assert (rows[a2.pk]["streak"], rows[a2.pk]["streak_flag"]) == (0, False)
    # Present at the next session: the run is over.
    take(teacher, district.class_a, days[2], "am")
    summary = selectors.attendance_summary(
        actor=teacher, class_id=district.class_a.pk, start=days[0], end=days[2]
    )
    assert {r["student"].pk: r["streak"] for r in summary["rows"]}[a1.pk] == 0


def test_late_breaks_no_streak_and_counts_apart(district, teacher, settings):
    settings.ABSENCE_STREAK = 2
    a1 = district.student_a1
    take(teacher, district.class_a, DAY, "am", **{f"s{a1.pk}": "late"})
    take(teacher, district.class_a, DAY, "pm", **{f"s{a1.pk}": "late"})
    assert flagged("streak") == []


def test_monthly_and_term_summaries(district, teacher):
    a1, a2 = district.student_a1.pk, district.student_a2.pk
    take(teacher, district.class_a, dt.date(2025, 10, 6), **{f"s{a1}": "excused"})
    take(
        teacher, district.class_a, dt.date(2025, 10, 7), **{f"s{a1}": "late", f"s{a2}": "unexcused"}
    )
    take(teacher, district.class_a, dt.date(2025, 11, 3), **{f"s{a1}": "unexcused"})
    take(teacher, district.class_a, dt.date(2025, 10, 8), "p2", **{f"s{a1}": "unexcused"})
    october = selectors.attendance_summary(
        actor=teacher,
        class_id=district.class_a.pk,
        start=dt.date(2025, 10, 1),
        end=dt.date(2025, 10, 31),
    )
    got = {
        r["student"].pk: (r["excused"], r["unexcused"], r["late"], r["year_absent"])
        for r in october["rows"]
    }
    assert got == {a1: (1, 0, 1, 1), a2: (0, 1, 0, 1)}
    assert october["sessions_held"] == 2  # the period-2 session is not a half-day
    start, end = selectors.term_range(district.class_a, 1)
    term = selectors.attendance_summary(
        actor=teacher, class_id=district.class_a.pk, start=start, end=end
    )
    got = {r["student"].pk: (r["excused"], r["unexcused"], r["absent"]) for r in term["rows"]}
    assert got == {a1: (1, 1, 2), a2: (0, 1, 1)}


def test_summary_query_count_does_not_grow_with_students(district, teacher):
    take(teacher, district.class_a, DAY, **{f"s{district.student_a1.pk}": "excused"})

    def count():
        with CaptureQueriesContext(connection) as ctx:
            selectors.attendance_summary(
                actor=teacher, class_id=district.class_a.pk, start=DAY, end=DAY
            )
        return len(ctx.captured_queries)

    small = count()
    for i in range(10):
        district.student(f"Học Sinh {i:02d}", district.school_a, district.class_a)
    teacher.__dict__.pop("scope", None)
    assert count() == small


# --- scope ---------------------------------------------------------------------------------


def test_teacher_of_another_class_gets_404(district):
    other = district.teacher_user(district.teacher_b)
    with pytest.raises(NotFound):
        selectors.class_for_attendance(actor=other, class_id=district.class_a.pk)
    with pytest.raises(NotFound):
        selectors.attendance_summary(actor=other, class_id=district.class_a.pk, start=DAY, end=DAY)


def test_school_staff_may_take_attendance_officers_only_read(district):
    from edudx.accounts.models import Role

    principal = district.user(Role.PRINCIPAL, district.school_a)
    assert selectors.class_for_attendance(actor=principal, class_id=district.class_a.pk)
    officer = district.user(Role.PROVINCE_OFFICER, district.province)
    assert selectors.class_get(actor=officer, class_id=district.class_a.pk)
    with pytest.raises(Forbidden):
        selectors.class_for_attendance(actor=officer, class_id=district.class_a.pk)


def test_guardian_reads_own_child_only(district, teacher, guardian):
    a1 = district.student_a1.pk
    take(teacher, district.class_a, DAY, **{f"s{a1}": "unexcused"})
    mine = selectors.student_attendance(actor=guardian, student_id=a1)
    assert [(m.session.date, m.status) for m in mine["marks"]] == [(DAY, "unexcused")]
    assert (mine["totals"]["unexcused"], mine["year_absent"]) == (1, 1)
    with pytest.raises(NotFound):
        selectors.student_attendance(actor=guardian, student_id=district.student_a2.pk)
    with pytest.raises(NotFound):
        selectors.class_get(actor=guardian, class_id=district.class_a.pk)


def test_student_reads_own_attendance(district, teacher):
    from edudx.accounts.models import Role

    me = district.user(Role.STUDENT, None, person=district.student_a2.person)
    assert selectors.student_attendance(actor=me, student_id=district.student_a2.pk)["marks"] == []
    with pytest.raises(NotFound):
        selectors.student_attendance(actor=me, student_id=district.student_a1.pk)


def test_leave_for_a_month_already_over_is_refused(district, guardian):
    with pytest.raises(DomainError) as exc:
        services.leave_request_create(
            actor=guardian,
            student=district.student_a1,
            from_date=dt.date(2025, 9, 30),
            to_date=DAY,
            reason="Ốm",
            today=DAY,
        )
    assert [(e["code"], e["field"]) for e in exc.value.as_list()] == [
        ("leave.past_month", "from_date")
    ]
    assert "30/09/2025" in str(exc.value)
    assert LeaveRequest.objects.count() == 0
