import datetime as dt

from edudx.core import events
from edudx.monitoring.alerts import alerts_evaluate, alerts_for
from edudx.monitoring.models import Alert
from edudx.monitoring.reports import template_ensure
from edudx.monitoring.services import indicators_recompute
from edudx.records import services as records


def open_alerts():
    return sorted(
        Alert.objects.filter(resolved_at__isnull=True).values_list(
            "rule__code", "unit__name", "key"
        )
    )


def test_rules_as_data_raise_and_resolve(reform, officer, principal):
    template_ensure(2025)
    indicators_recompute(year=2025)
    counts = alerts_evaluate(today=dt.date(2025, 12, 11))
    assert counts["report_overdue"] == 2  # both schools, on the tree of 10/12/2025
    assert counts["pupil_teacher"] == 0  # 3 students for 2 staff, 1 for 1
    got = open_alerts()
    assert ("report_overdue", "Trường THCS Lê Lợi", "report:2025") in got
    # Off track: T10 of Lâm Đồng is 50% against 100% (below 80% of the target).
    assert ("off_track", "Tỉnh Lâm Đồng", "T10:2025") in got
    assert ("off_track", "Xã Nam Bình", "T10:2025") in got
    assert alerts_evaluate(today=dt.date(2025, 12, 11)) == counts  # idempotent
    assert Alert.objects.count() == len(got)

    # The officer of Lâm Đồng sees school A's alerts, not school B's (old province).
    seen = {a.unit.name for a in alerts_for(officer)}
    assert "Trường THCS Lê Lợi" in seen and "Trường THCS Nguyễn Du" not in seen

    # A tighter threshold is data: the pupil-teacher rule now fires for school A (3 > 1).
    from edudx.monitoring.models import AlertRule

    AlertRule.objects.filter(code="pupil_teacher").update(params={"max": 1})
    alerts_evaluate(today=dt.date(2025, 12, 11))
    a = Alert.objects.get(rule__code="pupil_teacher", resolved_at__isnull=True)
    assert a.message == "3 học sinh, 2 cán bộ: vượt ngưỡng 1 học sinh/cán bộ."

    # The school submits: its overdue alert is resolved on the next run.
    from edudx.monitoring import reports

    r = reports.report_get(actor=principal, unit=reform.school_a, year=2025)
    reports.report_submit(actor=principal, report=r)
    alerts_evaluate(today=dt.date(2025, 12, 12))
    assert not Alert.objects.filter(
        rule__code="report_overdue", unit=reform.school_a, resolved_at__isnull=True
    ).exists()


def test_consecutive_absences_raise_an_alert_at_the_school(reform):
    from edudx.records.sessions import absence_streak

    teacher = reform.teacher_user()
    a1 = reform.student_a1
    n = absence_streak()
    day = dt.date(2025, 10, 6)
    for i in range(n):
        d = day + dt.timedelta(days=i)
        records.attendance_save(
            actor=teacher, class_group=reform.class_a, day=d, session="am",
            marks=[records.MarkIn(a1.pk, "unexcused")],
        )  # fmt: skip
    events.deliver_pending()
    alert = Alert.objects.get(rule__code="absence_streak")
    assert alert.unit == reform.school_a
    assert alert.url == f"/records/students/{a1.pk}/attendance/"
    assert f"nghỉ {n} buổi liên tiếp" in alert.message


def test_reminder_a_week_before_the_deadline_notifies_principals(reform, principal):
    from edudx.notify.models import Notification

    template_ensure(2025)
    assert alerts_evaluate(today=dt.date(2025, 12, 1))["report_reminder"] == 0  # 9 days
    assert alerts_evaluate(today=dt.date(2025, 12, 3))["report_reminder"] == 2
    alerts_evaluate(today=dt.date(2025, 12, 4))  # again: no second notification
    n = Notification.objects.get(recipient=principal)
    assert n.title == "Nhắc: báo cáo năm 2025 hạn nộp 10/12/2025."
    assert n.url == f"/monitoring/report/?unit={reform.school_a.pk}&year=2025"
    # After the deadline the reminder is resolved and the overdue alert takes over.
    counts = alerts_evaluate(today=dt.date(2025, 12, 11))
    assert (counts["report_reminder"], counts["report_overdue"]) == (0, 2)
