"""Alerts: rules as data (data/alert_rules.json), each naming an evaluator here by `kind`
and carrying its thresholds in `params`. `alerts_evaluate` runs every active rule (the task
`monitoring.tasks.alerts_evaluate_task`, or `edudx monitoring_alerts` from cron): it raises
an Alert per (rule, unit, key) that holds, and resolves the ones that no longer hold, so
running it twice changes nothing. Absence alerts come from records' outbox event
`records.absence_flagged` (handlers.py) as they happen.

An alert hangs on the unit where its cause lies (a school, a commune…) and links to it;
everyone whose scope covers that unit sees it (the school, its commune, its province).

An alert is shown in its reader's language, whoever evaluated it: it stores its message's
Vietnamese msgid (one of MESSAGES) and parameters, and `alert_text` renders them at read
time — the mechanism of core.notes, which the DX pre-fill notes use too. A parameter that
depends on the language is stored in both (`both`: an IoT rule's message, an indicator's
name), a number as a number (`number`: formatted with the reader's decimal separator);
dates are dd/mm/yyyy in every language. `message` keeps the Vietnamese text (search, and
what an alert stored before msgids shows)."""

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import NamedTuple

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from edudx.core.notes import Note, both, note_text, number
from edudx.core.scope import scope_of
from edudx.org.selectors import subtree_q

from .models import Alert, AlertRule, IndicatorValue, ReportVersion, SchoolHeadcount
from .services import DATA

log = logging.getLogger(__name__)

# Every alert message, Vietnamese source text; each has its English in locale/en (checked
# in tests/monitoring/test_alerts.py).
MESSAGES = {
    "report_overdue": gettext_noop("Chưa nộp báo cáo năm %(y)s (hạn %(d)s)."),
    "report_reminder": gettext_noop("Nhắc: báo cáo năm %(y)s hạn nộp %(d)s."),
    "pupil_teacher": gettext_noop(
        "%(s)s học sinh, %(t)s cán bộ: vượt ngưỡng %(m)s học sinh/cán bộ."
    ),
    "no_computer": gettext_noop(
        "%(s)s học sinh, không có máy tính dùng cho dạy học (báo cáo năm %(y)s)."
    ),
    "computer_pupil": gettext_noop(
        "%(s)s học sinh, %(c)s máy tính dạy học (báo cáo năm %(y)s): "
        "%(r)s học sinh/máy, vượt ngưỡng %(m)s."
    ),
    "iot_incident": gettext_noop(
        "%(n)s sự cố thiết bị IoT đang mở; sớm nhất từ %(t)s tại %(d)s: %(m)s"
    ),
    "iot_silent": gettext_noop("%(n)s thiết bị IoT không gửi dữ liệu quá %(h)s giờ: %(d)s"),
    "dossier_overdue": gettext_noop(
        "%(n)s hồ sơ dịch vụ công quá hạn giải quyết (hạn sớm nhất %(d)s)."
    ),
    "off_track": gettext_noop("%(c)s (%(n)s) năm %(y)s: %(v)s%%, mục tiêu %(t)s%%."),
    "absence_limit": gettext_noop("%(n)s nghỉ %(c)s buổi trong năm học (quá 45)."),
    "absence_streak": gettext_noop("%(n)s nghỉ %(c)s buổi liên tiếp đến ngày %(d)s."),
}


class Raised(NamedTuple):
    """What an evaluator found for a (unit, key): the message's msgid and parameters (JSON:
    str, int, float, `both`, `number`), and the link."""

    msgid: str
    params: dict
    url: str


Found = dict[tuple[int, str], Raised]  # (unit, key) -> what holds there
_evaluators: dict[str, Callable[[AlertRule, object], Found]] = {}


def alert_text(msgid: str, params: dict, message: str = "") -> str:
    """An alert's message in the active language (core.notes); an alert stored before
    msgids, or whose parameters no longer fit its msgid, shows its stored `message`."""
    return note_text(msgid, params, message)


def _vietnamese(raised: Raised) -> str:
    return Note(raised.msgid, **raised.params).vietnamese(500)


def _date(day) -> str:
    return day.strftime("%d/%m/%Y")


def evaluator(kind: str):
    def decorator(func):
        _evaluators[kind] = func
        return func

    return decorator


def rules_sync(path=None) -> int:
    """Add the rules of the data file that the database does not have yet; thresholds an
    administrator changed in the database are kept."""
    data = json.loads((path or DATA / "alert_rules.json").read_text(encoding="utf-8"))
    n = 0
    for row in data["rules"]:
        _rule, created = AlertRule.objects.get_or_create(
            code=row["code"],
            defaults={"kind": row["kind"], "title": row["title"], "params": row["params"]},
        )
        n += created
    return n


@evaluator("report_overdue")
def _report_overdue(rule: AlertRule, today) -> Found:
    """Schools past 10 December (offices past 20 December) with no submitted report."""
    from edudx.org.models import OrgUnit, UnitKind  # noqa: PLC0415

    from .models import ReportTemplate  # noqa: PLC0415
    from .selectors import schools_under_on  # noqa: PLC0415

    found: Found = {}
    for template in ReportTemplate.objects.filter(school_due__lt=today):
        submitted = set(
            ReportVersion.objects.filter(report__template=template).values_list(
                "report__unit_id", flat=True
            )
        )
        roots = OrgUnit.objects.filter(kind=UnitKind.MINISTRY)
        url = reverse("monitoring:report")
        for root in roots:
            for sid, _path in schools_under_on(root, template.as_of):
                if sid not in submitted:
                    found[(sid, f"report:{template.year}")] = Raised(
                        MESSAGES["report_overdue"],
                        {"y": template.year, "d": _date(template.school_due)},
                        f"{url}?unit={sid}&year={template.year}",
                    )
    return found


@evaluator("report_reminder")
def _report_reminder(rule: AlertRule, today) -> Found:
    """`days` before 10 December: schools that have not submitted are reminded — an alert,
    and a notification to the school's principals (once per school and year)."""
    from edudx.accounts.models import Role, RoleAssignment  # noqa: PLC0415
    from edudx.notify.services import notify  # noqa: PLC0415
    from edudx.org.models import OrgUnit, UnitKind  # noqa: PLC0415

    from .models import ReportTemplate  # noqa: PLC0415
    from .selectors import schools_under_on  # noqa: PLC0415

    days = rule.params.get("days", 7)
    found: Found = {}
    url = reverse("monitoring:report")
    for template in ReportTemplate.objects.filter(school_due__gte=today):
        if (template.school_due - today).days > days:
            continue
        submitted = set(
            ReportVersion.objects.filter(report__template=template).values_list(
                "report__unit_id", flat=True
            )
        )
        values = {"y": template.year, "d": _date(template.school_due)}
        for root in OrgUnit.objects.filter(kind=UnitKind.MINISTRY):
            for sid, _path in schools_under_on(root, template.as_of):
                if sid in submitted:
                    continue
                raised = Raised(
                    MESSAGES["report_reminder"], values, f"{url}?unit={sid}&year={template.year}"
                )
                found[(sid, f"reminder:{template.year}")] = raised
                for ra in RoleAssignment.objects.filter(
                    unit_id=sid, role=Role.PRINCIPAL
                ).select_related("user"):
                    # The alert's own text, built in the principal's language.
                    notify(
                        ra.user, "monitoring.report_reminder", {"year": template.year},
                        key=f"monitoring:reminder:{template.year}:{sid}:{ra.user_id}",
                        title=lambda r=raised: alert_text(r.msgid, r.params),
                        url=raised.url,
                    )  # fmt: skip
    return found


@evaluator("pupil_teacher")
def _pupil_teacher(rule: AlertRule, today) -> Found:
    """Schools whose students per staff member exceed `max` (from SchoolHeadcount)."""
    limit = rule.params.get("max", 25)
    url = reverse("monitoring:dashboard")
    found: Found = {}
    for h in SchoolHeadcount.objects.filter(school__valid_to__isnull=True, students__gt=0):
        ratio = h.students / h.staff if h.staff else None
        if ratio is None or ratio > limit:
            found[(h.school_id, "ratio")] = Raised(
                MESSAGES["pupil_teacher"],
                {"s": h.students, "t": h.staff, "m": limit},
                f"{url}?unit={h.school_id}",
            )
    return found


@evaluator("computer_pupil")
def _computer_pupil(rule: AlertRule, today) -> Found:
    """Schools whose students (SchoolHeadcount) per computer usable for teaching (the fact
    `computers_teaching` of their latest submitted yearly report) exceed `max`, or that
    report none; a school that never reported its computers is not judged."""
    from .reports import reported_fact  # noqa: PLC0415

    limit = rule.params.get("max", 40)
    computers = reported_fact("computers_teaching")
    url = reverse("monitoring:report")
    found: Found = {}
    rows = SchoolHeadcount.objects.filter(
        school__valid_to__isnull=True, students__gt=0, school_id__in=list(computers)
    )
    for h in rows:
        n, year = computers[h.school_id]
        link = f"{url}?unit={h.school_id}&year={year}"
        if n == 0:
            found[(h.school_id, "computers")] = Raised(
                MESSAGES["no_computer"], {"s": h.students, "y": year}, link
            )
        elif h.students / n > limit:
            found[(h.school_id, "computers")] = Raised(
                MESSAGES["computer_pupil"],
                {
                    "s": h.students,
                    "c": number(n, -2),
                    "y": year,
                    "r": number(h.students / n, -1),
                    "m": limit,
                },  # fmt: skip
                link,
            )
    return found


@evaluator("iot_incident")
def _iot_incident(rule: AlertRule, today) -> Found:
    """Schools with at least `min` open IoT incidents (iot: a rule's condition held for its
    sustained time and has not cleared), one alert per school naming the count and the
    oldest incident's device and rule; acknowledged incidents count until they close."""
    from django.utils.timezone import localtime  # noqa: PLC0415

    from edudx.iot.models import Incident  # noqa: PLC0415

    least = rule.params.get("min", 1)
    by_school: dict[int, list] = {}
    rows = (
        Incident.objects.filter(closed_at__isnull=True)
        .select_related("device", "rule")
        .order_by("opened_at", "pk")
    )
    for i in rows:
        by_school.setdefault(i.device.school_id, []).append(i)
    found: Found = {}
    for school_id, incidents in by_school.items():
        if len(incidents) < least:
            continue
        first = incidents[0]
        found[(school_id, "iot:incidents")] = Raised(
            MESSAGES["iot_incident"],
            {
                "n": len(incidents),
                "t": localtime(first.opened_at).strftime("%H:%M %d/%m/%Y"),
                "d": first.device.name,
                "m": both(first.rule.message, first.rule.message_en),
            },
            reverse("iot:school", args=[school_id]),
        )
    return found


@evaluator("iot_silent")
def _iot_silent(rule: AlertRule, today) -> Found:
    """Schools with active IoT devices that sent nothing for more than `hours` (never, for
    a device registered longer ago than that): a broken sensor or a lost connection that
    would otherwise hide the very incidents the sensors are there for."""
    from django.db.models import Q  # noqa: PLC0415

    from edudx.iot.models import Device  # noqa: PLC0415

    hours = rule.params.get("hours", 6)
    since = timezone.now() - dt.timedelta(hours=hours)
    silent = Device.objects.filter(active=True).filter(
        Q(last_seen_at__lt=since) | Q(last_seen_at__isnull=True, created_at__lt=since)
    )
    by_school: dict[int, list[str]] = {}
    for school_id, name in silent.order_by("name", "pk").values_list("school_id", "name"):
        by_school.setdefault(school_id, []).append(name)
    return {
        (school_id, "iot:silent"): Raised(
            MESSAGES["iot_silent"],
            {"n": len(names), "h": hours, "d": ", ".join(names[:5])},
            reverse("iot:school", args=[school_id]),
        )
        for school_id, names in by_school.items()
    }


@evaluator("dossier_overdue")
def _dossier_overdue(rule: AlertRule, today) -> Found:
    """Units (school or office) holding at least `min` public-service dossiers past their
    due date and still running (eservices: received or processing, `due_date` < today —
    its `is_overdue`), one alert per unit naming the count and the oldest due date."""
    from django.db.models import Count, Min  # noqa: PLC0415

    from edudx.eservices.models import Dossier  # noqa: PLC0415
    from edudx.eservices.selectors import RUNNING  # noqa: PLC0415

    least = rule.params.get("min", 1)
    url = reverse("eservices:queue") + "?overdue=1"
    rows = (
        Dossier.objects.filter(status__in=RUNNING, due_date__lt=today)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"), oldest=Min("due_date"))
    )
    found: Found = {}
    for r in rows:
        if r["n"] >= least:
            found[(r["unit_id"], "dossiers")] = Raised(
                MESSAGES["dossier_overdue"], {"n": r["n"], "d": _date(r["oldest"])}, url
            )
    return found


@evaluator("indicator_off_track")
def _off_track(rule: AlertRule, today) -> Found:
    """Units whose latest value is below `ratio` × the target in force; the message names
    the indicator in the reader's language."""
    ratio = rule.params.get("ratio", 0.8)
    kinds = rule.params.get("kinds", ["commune", "province"])
    year = IndicatorValue.objects.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return {}
    url = reverse("monitoring:dashboard")
    found: Found = {}
    rows = IndicatorValue.objects.filter(
        year=year, value__isnull=False, unit__kind__in=kinds
    ).select_related("indicator")
    for v in rows:
        target = v.indicator.target_for(year)
        if target is not None and float(v.value) < float(target) * ratio:
            found[(v.unit_id, f"{v.indicator.code}:{year}")] = Raised(
                MESSAGES["off_track"],
                {
                    "c": v.indicator.code,
                    "n": both(v.indicator.name, v.indicator.name_en),
                    "y": year,
                    "v": number(v.value, -2),
                    "t": number(target, -2),
                },
                f"{url}?unit={v.unit_id}&year={year}&indicator={v.indicator.code}",
            )
    return found


def alerts_evaluate(today=None) -> dict[str, int]:
    """Run every active rule with an evaluator; returns {rule: open alerts}. An open alert
    found again with the same msgid, parameters, message and link is not written at all;
    one whose stored data changed (a count, or only how it is stored: an alert from before
    msgids) is updated in place and keeps its `raised_at`, the time the situation arose. A
    resolved alert that holds again is reopened on its row with `raised_at` now."""
    rules_sync()
    today = today or timezone.localdate()
    now = timezone.now()
    out = {}
    for rule in AlertRule.objects.filter(active=True):
        func = _evaluators.get(rule.kind)
        if func is None:
            continue
        found = func(rule, today)
        with transaction.atomic():
            open_ = {
                (a.unit_id, a.key): a
                for a in Alert.objects.filter(rule=rule, resolved_at__isnull=True)
            }
            for (unit_id, key), a in open_.items():
                if (unit_id, key) not in found:
                    a.resolved_at = now
                    a.save(update_fields=["resolved_at"])
            for (unit_id, key), raised in found.items():
                fields = {
                    "msgid": raised.msgid,
                    "params": raised.params,
                    "message": _vietnamese(raised),
                    "url": raised.url,
                }
                alert = open_.get((unit_id, key))
                if alert is not None:
                    changed = [f for f, value in fields.items() if getattr(alert, f) != value]
                    for f in changed:
                        setattr(alert, f, fields[f])
                    if changed:
                        alert.save(update_fields=changed)
                    continue
                # New, or resolved and holding again: the situation arose (again) now.
                Alert.objects.update_or_create(
                    rule=rule, unit_id=unit_id, key=key,
                    defaults={**fields, "resolved_at": None, "raised_at": now},
                )  # fmt: skip
        out[rule.code] = len(found)
    return out


def absence_alert(payload: dict) -> Alert | None:
    """Raise the alert of a `records.absence_flagged` event (idempotent on its key)."""
    rules_sync()
    code = "absence_limit" if payload["kind"] == "over_limit" else "absence_streak"
    rule = AlertRule.objects.filter(code=code, active=True).first()
    if rule is None:
        return None
    from edudx.people.models import Student  # noqa: PLC0415

    student = Student.objects.select_related("person").filter(pk=payload["student"]).first()
    name = student.person.full_name if student else str(payload["student"])
    if payload["kind"] == "over_limit":
        msgid, params = MESSAGES["absence_limit"], {"n": name, "c": payload["count"]}
    else:
        day = _date(dt.date.fromisoformat(payload["date"]))
        msgid, params = MESSAGES["absence_streak"], {"n": name, "c": payload["count"], "d": day}
    raised = Raised(msgid, params, reverse("records:student_attendance", args=[payload["student"]]))
    alert, _created = Alert.objects.get_or_create(
        rule=rule,
        unit_id=payload["school"],
        key=f"{payload['student']}:{payload['school_year']}:{payload['kind']}",
        defaults={
            "msgid": raised.msgid,
            "params": raised.params,
            "message": _vietnamese(raised),
            "url": raised.url,
            "raised_at": timezone.now(),
        },
    )
    return alert


def alerts_for(actor):
    """Open alerts on units in the actor's scope, newest first."""
    scope = scope_of(actor)
    qs = Alert.objects.filter(resolved_at__isnull=True).select_related("rule", "unit")
    if scope.everything:
        return qs
    if not scope.unit_paths:
        return qs.none()
    return qs.filter(subtree_q(scope.unit_paths, "unit__path"))
