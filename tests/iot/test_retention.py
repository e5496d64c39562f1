"""Retention (services.readings_compact): readings of the whole days older than the raw
retention become hourly rollups with exact count, min, max and mean and are deleted;
younger ones and the day the cutoff falls in stay raw; a re-run, a run stopped between
batches and a reading arriving in a rolled-up hour count nothing twice; the readings API
serves rollup points."""

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from edudx.core.periodic import Scheduler, jobs
from edudx.iot import services
from edudx.iot.models import Reading, ReadingRollup

pytestmark = pytest.mark.django_db

H = dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.UTC)  # a day boundary, long gone
# now - 90 days = day 1 00:30: day 0 is wholly older, day 1 (the cutoff's day) is not.
NOW = H + dt.timedelta(days=91, minutes=30)


def at(day: int, hours: int, minutes: int = 0) -> dt.datetime:
    return H + dt.timedelta(days=day, hours=hours, minutes=minutes)


@pytest.fixture
def readings(sensor):
    items = [
        {"metric": m, "value": v, "ts": t.isoformat()}
        for m, t, v in [
            ("co2_ppm", at(0, 0, 0), 800),
            ("co2_ppm", at(0, 0, 20), 900),
            ("co2_ppm", at(0, 0, 40), 1000),
            ("co2_ppm", at(0, 1, 10), 700),
            ("co2_ppm", at(0, 1, 50), 1100),
            ("temperature_c", at(0, 0, 30), 28.5),
            ("co2_ppm", at(1, 0, 5), 600),  # older than now - 90 days, on the cutoff's day
            ("co2_ppm", at(1, 0, 45), 650),
            ("co2_ppm", at(2, 0, 10), 640),
        ]
    ]
    services.readings_ingest(device=sensor, items=items, now=at(2, 0, 15))
    return sensor


def rollups() -> list[tuple]:
    return [
        (r.metric, r.bucket_start, r.bucket_seconds, r.count, r.min_value, r.max_value, r.mean)
        for r in ReadingRollup.objects.order_by("metric", "bucket_start")
    ]


def raw() -> list[tuple]:
    return list(Reading.objects.order_by("measured_at").values_list("metric", "measured_at"))


ROLLED = [
    ("co2_ppm", at(0, 0), 3600, 3, 800.0, 1000.0, 900.0),
    ("co2_ppm", at(0, 1), 3600, 2, 700.0, 1100.0, 900.0),
    ("temperature_c", at(0, 0), 3600, 1, 28.5, 28.5, 28.5),
]
KEPT = [("co2_ppm", at(1, 0, 5)), ("co2_ppm", at(1, 0, 45)), ("co2_ppm", at(2, 0, 10))]


def test_whole_old_days_are_rolled_up_by_hour_exactly_and_their_readings_deleted(readings):
    res = services.readings_compact(now=NOW)
    assert (res.cutoff, res.readings, res.buckets, res.series, res.batches, res.done) == (
        at(1, 0), 6, 3, 2, 2, True,
    )  # fmt: skip
    assert rollups() == ROLLED
    assert raw() == KEPT
    # Again: nothing to do, nothing changed.
    again = services.readings_compact(now=NOW)
    assert (again.readings, again.buckets, again.batches, again.done) == (0, 0, 0, True)
    assert rollups() == ROLLED
    # A day later the cutoff's day is wholly older than the retention.
    later = services.readings_compact(now=NOW + dt.timedelta(days=1))
    assert (later.cutoff, later.readings, later.buckets) == (at(2, 0), 2, 1)
    assert rollups()[2] == ("co2_ppm", at(1, 0), 3600, 2, 600.0, 650.0, 625.0)
    assert raw() == [("co2_ppm", at(2, 0, 10))]


def test_a_run_stopped_between_batches_resumes_without_counting_twice(readings):
    # batch_size 2: temperature is one batch, the 3 CO₂ readings of hour H one all the same
    # (an hour is never split between batches), hour H+1 a third.
    first = services.readings_compact(now=NOW, batch_size=2, max_batches=2)
    assert (first.readings, first.buckets, first.batches, first.done) == (4, 2, 2, False)
    assert rollups() == [ROLLED[0], ROLLED[2]]
    rest = services.readings_compact(now=NOW, batch_size=2)
    assert (rest.readings, rest.buckets, rest.batches, rest.done) == (2, 1, 1, True)
    assert rollups() == ROLLED
    assert raw() == KEPT


def test_a_reading_in_a_rolled_up_hour_is_merged_into_its_rollup(readings):
    services.readings_compact(now=NOW)
    Reading.objects.create(device=readings, metric="co2_ppm", measured_at=at(0, 0, 50), value=500)
    res = services.readings_compact(now=NOW)
    assert (res.readings, res.buckets) == (1, 1)
    assert rollups()[0] == ("co2_ppm", at(0, 0), 3600, 4, 500.0, 1000.0, 800.0)
    assert raw() == KEPT


def test_dry_run_counts_what_a_run_does_and_writes_nothing(readings):
    dry = services.readings_compact(now=NOW, dry_run=True, batch_size=2)
    assert (dry.readings, dry.buckets, dry.series, dry.batches, dry.done) == (6, 3, 2, 3, True)
    assert (rollups(), len(raw())) == ([], 9)
    real = services.readings_compact(now=NOW, batch_size=2)
    assert (real.readings, real.buckets, real.series, real.batches) == (6, 3, 2, 3)


def test_retention_shorter_than_what_rule_evaluation_reads_is_refused(settings, readings):
    settings.IOT_RAW_RETENTION_DAYS = 31
    with pytest.raises(ImproperlyConfigured, match="at least 32 days"):
        services.readings_compact(now=NOW)
    assert len(raw()) == 9


def test_api_serves_rollups_where_readings_were_compacted(as_user, principal, readings):
    services.readings_compact(now=NOW)
    res = as_user(principal).get(
        f"/api/v1/iot/devices/{readings.pk}/readings",
        {"metric": "co2_ppm", "since": H.isoformat(), "until": at(1, 1).isoformat()},
    )
    assert res.status_code == 200
    assert res.json()["points"] == [
        {"measured_at": "2026-06-01T00:00:00Z", "value": 900.0, "rollup": True, "count": 3,
         "min": 800.0, "max": 1000.0},
        {"measured_at": "2026-06-01T01:00:00Z", "value": 900.0, "rollup": True, "count": 2,
         "min": 700.0, "max": 1100.0},
        {"measured_at": "2026-06-02T00:05:00Z", "value": 600.0, "rollup": False},
        {"measured_at": "2026-06-02T00:45:00Z", "value": 650.0, "rollup": False},
    ]  # fmt: skip


def test_the_command_and_the_workers_job(readings):
    # By the real clock all of June 2026 is older than 90 days: every reading goes.
    out = io.StringIO()
    call_command("iot_compact", "--dry-run", stdout=out)
    said = re.sub(r"before \S+ ", "before <cutoff> ", out.getvalue().strip())
    assert said == (
        "iot_compact: would roll up 9 readings before <cutoff> of 2 series into 5 hourly "
        "rollups in 2 batches"
    )
    assert len(raw()) == 9
    job = next(j for j in jobs() if j.name == "iot.compact")
    assert (job.call, job.every) == ("edudx.iot.services.readings_compact_job", 300.0)
    res = Scheduler([job]).run_due()["iot.compact"]
    assert (res.readings, res.buckets, res.done, raw()) == (9, 5, True, [])
