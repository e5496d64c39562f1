"""Rules evaluated on ingest: an incident opens only once the condition has held for the
sustained time, closes when readings are back to normal, and is never opened twice."""

import datetime as dt

import pytest

from edudx.core import events
from edudx.core.models import OutboxEvent
from edudx.iot import services
from edudx.iot.models import Incident, Rule
from edudx.notify.models import Notification

from .conftest import T0, co2

NOW = T0 + dt.timedelta(hours=2)


def ingest(device, readings):
    return services.readings_ingest(device=device, items=readings, now=NOW)


def minutes(t: dt.datetime) -> float:
    return (t - T0).total_seconds() / 60


@pytest.mark.django_db
def test_opens_after_15_minutes_then_closes_and_tells_the_principal(sensor, principal):
    # Built-in rule: CO2 > 1500 ppm for 15 minutes.
    r = ingest(sensor, co2((0, 1600), (5, 1650), (10, 1700)))
    assert (r.accepted, r.opened) == (3, [])
    assert Incident.objects.count() == 0
    r = ingest(sensor, co2((15, 1620)))
    assert len(r.opened) == 1
    incident = Incident.objects.get()
    assert (minutes(incident.opened_at), incident.peak_value, incident.closed_at) == (
        15,
        1700,
        None,
    )
    assert incident.rule.message.startswith("CO₂ trong phòng vượt 1500 ppm")
    # Still above: the same incident, its peak follows.
    r = ingest(sensor, co2((20, 1900)))
    assert r.opened == []
    incident.refresh_from_db()
    assert (Incident.objects.count(), incident.peak_value) == (1, 1900)
    # Back to normal: closed at the first normal reading.
    r = ingest(sensor, co2((25, 900)))
    assert r.closed == [incident.pk]
    incident.refresh_from_db()
    assert minutes(incident.closed_at) == 25
    assert list(
        OutboxEvent.objects.filter(topic__startswith="iot.").values_list("topic", flat=True)
    ) == [
        "iot.incident_opened",
        "iot.incident_closed",
    ]
    events.deliver_pending()
    note = Notification.objects.get(event="iot.incident_opened")
    assert note.recipient == principal
    assert note.title == "Sự cố thiết bị Cảm biến phòng 6A1 (Phòng 6A1)"
    assert note.url == f"/iot/devices/{sensor.pk}/"


@pytest.mark.django_db
def test_a_normal_reading_restarts_the_sustained_time(sensor):
    ingest(sensor, co2((0, 1600), (10, 1600), (12, 1400), (14, 1600), (25, 1600)))
    assert Incident.objects.count() == 0  # the run began at 14: 11 minutes
    ingest(sensor, co2((29, 1600)))
    assert minutes(Incident.objects.get().opened_at) == 29


@pytest.mark.django_db
def test_one_batch_of_half_an_hour_opens_at_the_right_reading(sensor):
    r = ingest(sensor, co2(*[(m, 1600 + m) for m in range(0, 35, 5)]))
    assert (r.accepted, len(r.opened)) == (7, 1)
    incident = Incident.objects.get()
    assert (minutes(incident.opened_at), incident.peak_value) == (15, 1630)


@pytest.mark.django_db
def test_a_backlog_in_one_batch_opens_and_closes_its_incidents(sensor):
    # A school offline all morning uploads it at once: two episodes, the second still on.
    r = ingest(sensor, co2((0, 1600), (15, 1600), (20, 1000), (30, 1700), (45, 1800), (50, 900),
                           (60, 1600), (80, 1650)))  # fmt: skip
    assert (r.accepted, len(r.opened), len(r.closed)) == (8, 3, 2)
    got = [
        (minutes(i.opened_at), i.closed_at and minutes(i.closed_at), i.peak_value)
        for i in Incident.objects.order_by("opened_at")
    ]
    assert got == [(15, 20, 1600), (45, 50, 1800), (75 + 5, None, 1650)]
    topics = list(
        OutboxEvent.objects.filter(topic__startswith="iot.").values_list("topic", flat=True)
    )
    assert topics.count("iot.incident_opened") == 3 and topics.count("iot.incident_closed") == 2


@pytest.mark.django_db
def test_a_late_reading_does_not_reopen_a_closed_incident(sensor):
    ingest(sensor, co2((0, 1600), (15, 1600), (20, 1000)))
    r = ingest(sensor, co2((17, 1900)))  # arrives late, inside the closed episode
    assert (r.opened, r.closed) == ([], [])
    incident = Incident.objects.get()
    assert (minutes(incident.opened_at), minutes(incident.closed_at), incident.peak_value) == (
        15,
        20,
        1900,
    )


@pytest.mark.django_db
def test_a_long_run_older_than_the_lookback_keeps_its_incident(sensor):
    ingest(sensor, co2((0, 1600), (15, 1600)))
    assert Incident.objects.count() == 1
    # Still above 26 hours later (the window no longer reaches the run's start).
    later = T0 + dt.timedelta(hours=26)
    services.readings_ingest(
        device=sensor, items=co2((26 * 60, 1700)), now=later + dt.timedelta(minutes=1)
    )
    incident = Incident.objects.get()
    assert (incident.closed_at, incident.peak_value) == (None, 1700)
    services.readings_ingest(
        device=sensor, items=co2((26 * 60 + 5, 800)), now=later + dt.timedelta(minutes=6)
    )
    incident.refresh_from_db()
    assert minutes(incident.closed_at) == 26 * 60 + 5


@pytest.mark.django_db
def test_never_two_open_incidents_for_one_rule_and_device(sensor):
    ingest(sensor, co2((0, 1600), (15, 1600)))
    for m in (20, 40, 60):
        ingest(sensor, co2((m, 1800)))
    assert Incident.objects.filter(closed_at__isnull=True).count() == 1
    rule = Rule.objects.get(unit=None, metric="co2_ppm")
    with pytest.raises(Exception):  # noqa: B017, PT011 — the partial unique index itself
        Incident.objects.create(rule=rule, device=sensor, opened_at=NOW, peak_value=1)


@pytest.mark.django_db
def test_a_new_run_after_closing_opens_a_new_incident(sensor):
    for reading in co2((0, 1600), (15, 1600), (20, 1000), (30, 1600), (40, 1600)):
        ingest(sensor, [reading])
    assert Incident.objects.count() == 1  # run 30–40: 10 minutes
    ingest(sensor, co2((45, 1600)))
    first, second = Incident.objects.order_by("opened_at")
    assert (minutes(first.opened_at), minutes(first.closed_at)) == (15, 20)
    assert (minutes(second.opened_at), second.closed_at) == (45, None)


@pytest.mark.django_db
def test_a_school_rule_replaces_the_builtin(sensor, district, principal):
    services.rule_save(
        actor=principal,
        unit=district.school_a,
        metric="co2_ppm",
        comparison="gt",
        threshold=1000,
        sustained_minutes=0,
        severity="warning",
        message="Lớp học cần thông gió.",
    )
    ingest(sensor, co2((0, 1200)))
    incident = Incident.objects.get()
    assert (incident.rule.threshold, minutes(incident.opened_at)) == (1000, 0)
    assert incident.rule.unit == district.school_a
