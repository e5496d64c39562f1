"""Rules evaluated on ingest: an incident opens only once the condition has held for the
sustained time, closes when readings are back to normal, and is never opened twice."""

import datetime as dt
import itertools

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edudx.core import events
from edudx.core.models import OutboxEvent
from edudx.iot import services
from edudx.iot.models import Incident, Rule
from edudx.iot.rules import builtin_rules_ensure, episodes
from edudx.notify.models import Notification

from .conftest import T0, co2

NOW = T0 + dt.timedelta(hours=2)


def ingest(device, readings):
    return services.readings_ingest(device=device, items=readings, now=NOW)


def minutes(t: dt.datetime) -> float:
    return (t - T0).total_seconds() / 60


def at_dt(m: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=m)


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
    assert note.body == "CO₂ trong phòng vượt 1500 ppm quá 15 phút: mở cửa, bật quạt thông gió."
    assert note.url == f"/iot/devices/{sensor.pk}/"


@pytest.mark.django_db
def test_a_principal_who_reads_english_is_told_in_english(sensor, principal):
    principal.language = "en"
    principal.save(update_fields=["language"])
    ingest(sensor, co2((0, 1600), (15, 1650)))
    events.deliver_pending()
    note = Notification.objects.get(event="iot.incident_opened")
    assert (note.title, note.body) == (
        "Device incident: Cảm biến phòng 6A1 (Phòng 6A1)",
        "Room CO₂ above 1500 ppm for over 15 minutes: open the doors and windows, switch on "
        "the fans.",
    )


@pytest.mark.django_db
def test_the_migrations_give_the_builtins_clear_levels_and_english_messages():
    rows = Rule.objects.filter(unit=None).order_by("metric")
    assert [(r.metric, r.threshold, r.clear_level, r.message_en[:24]) for r in rows] == [
        ("co2_ppm", 1500, 1200, "Room CO₂ above 1500 ppm "),
        ("humidity_pct", 85, 80, "Humidity above 85% for a"),
        ("pm25_ugm3", 55.4, 35.4, "Fine dust PM2.5 above 55"),
        ("temperature_c", 35, 33, "Room temperature above 3"),
    ]


@pytest.mark.django_db
def test_builtin_rules_ensure_fills_in_only_builtins_left_at_their_defaults(sensor):
    Rule.objects.filter(unit=None).update(clear_level=None, message_en="")
    Rule.objects.filter(unit=None, metric="temperature_c").update(threshold=36)
    Rule.objects.filter(unit=None, metric="humidity_pct").update(message="Độ ẩm cao.")
    builtin_rules_ensure(Rule)
    rows = Rule.objects.filter(unit=None).order_by("metric")
    assert [(r.metric, r.clear_level, bool(r.message_en)) for r in rows] == [
        ("co2_ppm", 1200, True),
        ("humidity_pct", 80, False),  # its Vietnamese message was changed
        ("pm25_ugm3", 35.4, True),
        ("temperature_c", None, True),  # its threshold was changed
    ]


@pytest.mark.django_db
def test_a_reading_at_the_clear_level_restarts_the_sustained_time(sensor):
    ingest(sensor, co2((0, 1600), (10, 1600), (12, 1200), (14, 1600), (25, 1600)))
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


@pytest.mark.django_db
def test_a_value_hovering_at_the_threshold_keeps_one_incident_until_the_clear_level(sensor):
    # Built-in CO2 rule: opens above 1500 ppm after 15 minutes, clears at 1200 ppm.
    hovering = co2((0, 1600), (5, 1450), (10, 1600), (15, 1550), (20, 1450), (25, 1600),
                   (30, 1400), (35, 1250))  # fmt: skip
    for reading in hovering:
        ingest(sensor, [reading])
    incident = Incident.objects.get()
    assert (minutes(incident.opened_at), incident.closed_at, incident.peak_value) == (
        15,
        None,
        1600,
    )
    r = ingest(sensor, co2((40, 1200)))
    assert r.closed == [incident.pk]
    incident.refresh_from_db()
    assert minutes(incident.closed_at) == 40
    assert list(
        OutboxEvent.objects.filter(topic__startswith="iot.").values_list("topic", flat=True)
    ) == ["iot.incident_opened", "iot.incident_closed"]


# Two episodes: 5–40 (opened at 20, peak 1700) and 45– (opened at 60, peak 1800, open);
# the readings between 1200 and 1500 neither begin nor end them (test_rules.MIXED).
MIXED = [(0, 1300), (5, 1600), (10, 1450), (15, 1700), (20, 1550), (25, 1400), (30, 1350),
         (35, 1600), (40, 1150), (45, 1510), (50, 1480), (55, 1250), (60, 1520), (65, 1450),
         (70, 1800), (75, 1300)]  # fmt: skip


@pytest.mark.parametrize(
    "batches",
    [
        [[p] for p in MIXED],
        [MIXED],
        # Live until 25, then a backlog that begins under the threshold inside the open
        # incident's run: the replay must start at 0 (before it), not at 25.
        [*([p] for p in MIXED[:6]), MIXED[6:]],
        [MIXED[:10], MIXED[10:]],
    ],
    ids=["live", "backlog", "live-then-backlog", "two-batches"],
)
def test_live_and_backlog_ingest_give_identical_incidents(sensor, batches):
    opened = closed = 0
    for batch in batches:
        r = ingest(sensor, co2(*batch))
        opened, closed = opened + len(r.opened), closed + len(r.closed)
    got = [
        (minutes(i.opened_at), i.closed_at and minutes(i.closed_at), i.peak_value)
        for i in Incident.objects.order_by("opened_at")
    ]
    assert got == [(20, 40, 1700), (60, None, 1800)]
    assert (opened, closed) == (2, 1)
    topics = list(
        OutboxEvent.objects.filter(topic__startswith="iot.").values_list("topic", flat=True)
    )
    assert sorted(topics) == ["iot.incident_closed", "iot.incident_opened", "iot.incident_opened"]


# --- the calm path: rules whose readings all clear are not evaluated ------------------------

LEVELS = st.sampled_from([900, 1200, 1350, 1500, 1501, 1700])  # clears … breaks (1500/1200)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(LEVELS, min_size=1, max_size=24), cuts=st.sets(st.integers(1, 23)))
def test_ingest_in_batches_gives_the_incidents_of_the_whole_series(sensor, values, cuts):
    """Readings 5 minutes apart, in batches cut anywhere: the incidents are the episodes
    of the whole series (rules.episodes), whichever rules were skipped as calm."""
    with transaction.atomic():
        series = [(5 * i, v) for i, v in enumerate(values)]
        edges = [0, *sorted(c for c in cuts if c < len(series)), len(series)]
        for a, b in itertools.pairwise(edges):
            ingest(sensor, co2(*series[a:b]))
        expected = [
            (minutes(e.opened_at), e.closed_at and minutes(e.closed_at), e.peak)
            for e in episodes([(at_dt(m), v) for m, v in series], "gt", 1500, 15, clear=1200)
        ]
        got = [
            (minutes(i.opened_at), i.closed_at and minutes(i.closed_at), i.peak_value)
            for i in Incident.objects.filter(device=sensor).order_by("opened_at")
        ]
        assert got == expected
        transaction.set_rollback(True)


def window_reads(ctx) -> list[str]:
    """The rule evaluation's reads of stored readings (the duplicate check has no order)."""
    return [q["sql"] for q in ctx.captured_queries if 'FROM "iot_reading"' in q["sql"]
            and "ORDER BY" in q["sql"]]  # fmt: skip


def test_a_calm_batch_reads_no_window(sensor):
    """Readings that clear after one that cleared: one query for the open incidents instead
    of three per rule; a batch after a breaking reading is evaluated in full."""
    ingest(sensor, co2((0, 900)))
    with CaptureQueriesContext(connection) as calm:
        ingest(sensor, co2((5, 950), (10, 1000)))
    assert window_reads(calm) == []
    ingest(sensor, co2((15, 1600)))
    with CaptureQueriesContext(connection) as full:
        ingest(sensor, co2((20, 950)))
    assert len(window_reads(full)) == 2  # the rule's anchor, then its window
    assert not Incident.objects.exists()  # 15 → 20 was not sustained for 15 minutes


def test_an_open_incident_is_evaluated_even_when_its_readings_now_clear(sensor):
    """The rule changed under an open incident so that its readings now clear it: the next
    calm batch still takes the full evaluation, which closes the incident."""
    ingest(sensor, co2((0, 1600), (5, 1600), (10, 1600), (15, 1600)))
    incident = Incident.objects.get(closed_at__isnull=True)
    Rule.objects.filter(pk=incident.rule_id).update(threshold=2000, clear_level=1700)
    r = ingest(sensor, co2((20, 1000)))
    assert r.closed == [incident.pk]
    incident.refresh_from_db()
    assert minutes(incident.closed_at) == 20  # no reading after it opened (15) cleared before
