"""The operations centre's alerts from IoT (monitoring.alerts evaluators `iot_incident`,
`iot_silent`, rules in monitoring/data/alert_rules.json): raised on the school, seen by
whoever's scope covers it, resolved when the cause is gone."""

import datetime as dt

import pytest
from django.utils import timezone

from edudx.iot.models import Device, Incident, Rule
from edudx.monitoring.alerts import alerts_evaluate, alerts_for
from edudx.monitoring.models import Alert
from tests.api.conftest import API, token_client

from .test_pages_api import feed

pytestmark = pytest.mark.django_db


def open_iot_alerts():
    return sorted(
        Alert.objects.filter(resolved_at__isnull=True, rule__code__startswith="iot_").values_list(
            "rule__code", "unit_id", "key", "url"
        )
    )


def incident_messages(api) -> list[str]:
    rows = api.get(f"{API}/monitoring/alerts").json()["items"]
    return [r["message"] for r in rows if r["rule"] == "iot_incident"]


def test_an_open_incident_is_an_alert_until_it_closes(district, sensor, sensor_b, officer):
    Device.objects.filter(pk=sensor_b.pk).update(last_seen_at=timezone.now())
    feed(sensor, [(40, 1700), (30, 1750), (20, 1800), (0, 1600)])  # > 1500 ppm for 40 min
    counts = alerts_evaluate()
    assert (counts["iot_incident"], counts["iot_silent"]) == (1, 0)
    a = district.school_a.pk
    assert open_iot_alerts() == [("iot_incident", a, "iot:incidents", f"/iot/schools/{a}/")]
    alert = Alert.objects.get(rule__code="iot_incident")
    # Opened when the condition had held 15 minutes: at the reading 20 minutes ago.
    opened = timezone.localtime(Incident.objects.get().opened_at)
    assert timezone.now() - dt.timedelta(minutes=21) < opened < timezone.now()
    assert alert.message == (
        f"1 sự cố thiết bị IoT đang mở; sớm nhất từ {opened:%H:%M %d/%m/%Y} tại Cảm biến "
        "phòng 6A1: CO₂ trong phòng vượt 1500 ppm quá 15 phút: mở cửa, bật quạt thông gió."
    )
    assert alert in alerts_for(officer)  # the commune's officer sees the school's alert
    assert alerts_evaluate() == counts  # idempotent

    # Read in English (Accept-Language), the rule's English message; a rule without one
    # falls back to its Vietnamese message — the alert's raised_at stays.
    english = token_client(officer, **{"Accept-Language": "en"})
    head = (
        f"1 open IoT incident(s); the oldest since {opened:%H:%M %d/%m/%Y} at Cảm biến phòng 6A1: "
    )
    assert incident_messages(english) == [
        head + "Room CO₂ above 1500 ppm for over 15 minutes: open the doors and windows, "
        "switch on the fans."
    ]
    assert incident_messages(token_client(officer)) == [alert.message]
    Rule.objects.filter(pk=Incident.objects.get().rule_id).update(message_en="")
    alerts_evaluate()
    assert incident_messages(english) == [
        head + "CO₂ trong phòng vượt 1500 ppm quá 15 phút: mở cửa, bật quạt thông gió."
    ]
    assert Alert.objects.get(rule__code="iot_incident").raised_at == alert.raised_at

    feed(sensor, [(-1, 900)])  # back to normal: the incident closes, the alert resolves
    counts = alerts_evaluate()
    assert counts["iot_incident"] == 0
    assert open_iot_alerts() == []
    assert Alert.objects.get(rule__code="iot_incident").resolved_at is not None


def test_a_device_silent_for_hours_is_an_alert(district, sensor, sensor_b, principal_b):
    now = timezone.now()
    Device.objects.filter(pk=sensor.pk).update(last_seen_at=now - dt.timedelta(hours=7))
    # Registered 7 hours ago and never heard from.
    Device.objects.filter(pk=sensor_b.pk).update(created_at=now - dt.timedelta(hours=7))
    counts = alerts_evaluate()
    assert counts["iot_silent"] == 2
    b = district.school_b.pk
    assert ("iot_silent", b, "iot:silent", f"/iot/schools/{b}/") in open_iot_alerts()
    message = Alert.objects.get(rule__code="iot_silent", unit_id=b).message
    assert message == "1 thiết bị IoT không gửi dữ liệu quá 6 giờ: Cảm biến phòng 6B1"
    # School B's principal sees their own school's alert, not school A's.
    assert {x.unit_id for x in alerts_for(principal_b) if x.rule.code == "iot_silent"} == {b}
    # Inactive devices are not expected to report.
    Device.objects.filter(pk=sensor_b.pk).update(active=False)
    assert alerts_evaluate()["iot_silent"] == 1
