"""IoT ingest: school gateways uploading batches of sensor readings.

D classroom sensors each send 4 metrics (temperature, humidity, CO2, PM2.5) once a minute
for M minutes, uploaded in batches of B minutes per device (a gateway's upload), so
D x M x 4 readings in D x M / B batches. About one classroom in five has CO2 above
1500 ppm for half an hour, so incidents open and close along the way.

Side A is the platform's path, one call per batch: `iot.services.readings_ingest` (the
HTTP and MQTT handlers' service): parse and validate every reading, skip those already
stored, insert, keep the device's latest values and last-seen time, and evaluate the rules
of the metrics that got new readings (open/close incidents, outbox events), one
transaction per batch. Side B, the baseline, is the hand-written minimum for the same
durability: per batch, one transaction with one executemany `INSERT … ON CONFLICT DO
NOTHING` of the already-typed rows into the same table. Then A replays every batch (QoS 1
redelivery): nothing new may be stored. Each repeat starts from empty tables; medians.

    .venv/bin/python benchmarks/iot_ingest.py                     # SQLite in a temp folder
    EDUDX_DATABASE_URL=postgres://postgres@127.0.0.1:5432/edudx \\
        .venv/bin/python benchmarks/iot_ingest.py                 # PostgreSQL

With a PostgreSQL URL the script works in a scratch database next to it
(`<name>_bench_iot`, dropped at the end). No target is set by an issue; the ratio A/B is
what to watch."""

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
TMP = tempfile.TemporaryDirectory(prefix="edudx-bench-iot-")
os.environ["EDUDX_VAR_DIR"] = TMP.name
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
os.environ.setdefault("EDUDX_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

TARGET_URL = os.environ.get("EDUDX_DATABASE_URL", "")
SCRATCH_PG = None
if TARGET_URL.startswith(("postgres://", "postgresql://")):
    parts = urlsplit(TARGET_URL)
    SCRATCH_PG = (parts.path.lstrip("/") or "edudx") + "_bench_iot"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    import psycopg  # noqa: E402

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_PG}"')
        conn.execute(f'CREATE DATABASE "{SCRATCH_PG}"')
    os.environ["EDUDX_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{SCRATCH_PG}"))
else:
    os.environ["EDUDX_DATABASE_URL"] = f"sqlite:///{TMP.name}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from edudx.iot import services  # noqa: E402
from edudx.iot.models import Device, Incident, Reading  # noqa: E402
from edudx.org import services as org_services  # noqa: E402
from edudx.org.models import UnitKind  # noqa: E402

METRICS = ("temperature_c", "humidity_pct", "co2_ppm", "pm25_ugm3")
T0 = dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.UTC)  # 07:00 in Asia/Ho_Chi_Minh


def build(devices_n: int) -> list[Device]:
    ministry = org_services.unit_create(actor=None, kind=UnitKind.MINISTRY, name="Bộ GDĐT")
    province = org_services.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh Lâm Đồng", code="68", parent=ministry
    )
    commune = org_services.unit_create(
        actor=None, kind=UnitKind.COMMUNE, name="Xã Đức An", code="24001", parent=province
    )
    devices = []
    for s in range(max(1, devices_n // 10)):
        school = org_services.school_create(
            actor=None,
            name=f"Trường THCS số {s + 1}",
            code=f"680{s + 1:05d}",
            parent=commune,
            level="lower_secondary",
        ).unit
        for c in range(10):
            if len(devices) == devices_n:
                break
            device, _secret = services.device_register(
                actor=None, school=school, device_id=f"S{s:03d}-C{c}", name=f"Phòng {c + 1}",
                kind="classroom_env",
            )  # fmt: skip
            devices.append(device)
    return devices


def value(metric: str, d: int, minute: int) -> float:
    if metric == "co2_ppm":
        # One classroom in five: above 1500 ppm from minute 20 to 50 of each hour.
        stuffy = d % 5 == 0 and 20 <= minute % 60 < 50
        return 1600.0 + (minute % 7) * 10 if stuffy else 650.0 + (minute % 11) * 20
    return {"temperature_c": 27.5, "humidity_pct": 70.0, "pm25_ugm3": 18.0}[metric] + (
        (d + minute) % 5
    ) * 0.1


def batches(devices, minutes: int, per_batch: int):
    """[(device, items, rows)]: the JSON-shaped items side A receives and the typed rows
    side B inserts, for the same readings."""
    out = []
    for start in range(0, minutes, per_batch):
        for d, device in enumerate(devices):
            items, rows = [], []
            for minute in range(start, min(start + per_batch, minutes)):
                stamp = T0 + dt.timedelta(minutes=minute)
                for metric in METRICS:
                    v = value(metric, d, minute)
                    items.append({"metric": metric, "value": v, "ts": stamp.isoformat()})
                    rows.append((device.pk, metric, stamp, v))
            out.append((device, items, rows))
    return out


def reset() -> None:
    Incident.objects.all().delete()
    Reading.objects.all().delete()
    Device.objects.update(latest={}, last_seen_at=None)


def side_a(work, now) -> tuple[float, int, int]:
    t = time.perf_counter()
    accepted = opened = 0
    for device, items, _rows in work:
        r = services.readings_ingest(device=device, items=items, now=now)
        accepted += r.accepted
    opened = Incident.objects.count()
    return time.perf_counter() - t, accepted, opened


def side_b(work) -> float:
    table = Reading._meta.db_table
    sql = (
        f"INSERT INTO {table} (device_id, metric, measured_at, value) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING"
    )
    t = time.perf_counter()
    for _device, _items, rows in work:
        with transaction.atomic(), connection.cursor() as c:
            c.executemany(sql, rows)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--minutes", type=int, default=120)
    ap.add_argument("--batch-minutes", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    call_command("migrate", verbosity=0)
    try:
        devices = build(args.devices)
        work = batches(devices, args.minutes, args.batch_minutes)
        n = sum(len(rows) for _d, _i, rows in work)
        now = T0 + dt.timedelta(minutes=args.minutes)
        print(
            f"{connection.vendor}: {len(devices)} devices x {args.minutes} min x "
            f"{len(METRICS)} metrics = {n:,} readings in {len(work):,} batches"
        )
        a_times, b_times, replay_times = [], [], []
        for i in range(args.repeat):
            reset()
            b = side_b(work)
            reset()
            a, accepted, incidents = side_a(work, now)
            assert accepted == n and Reading.objects.count() == n, (accepted, n)
            replay, again, _ = side_a(work, now)
            assert again == 0 and Reading.objects.count() == n  # redelivery stores nothing
            a_times.append(a)
            b_times.append(b)
            replay_times.append(replay)
            print(
                f"  run {i + 1}: A {a:.2f} s ({n / a:,.0f} readings/s, {incidents} incidents), "
                f"B {b:.2f} s ({n / b:,.0f}/s), A replay {replay:.2f} s"
            )
        a, b, r = (statistics.median(x) for x in (a_times, b_times, replay_times))
        print(f"median A (platform ingest): {a:.2f} s = {n / a:,.0f} readings/s")
        print(f"median B (raw INSERT per batch): {b:.2f} s = {n / b:,.0f} readings/s")
        print(f"median A replay (all duplicates): {r:.2f} s = {n / r:,.0f} readings/s")
        print(f"ratio A/B time: {a / b:.2f}x   (A reaches {b / a:.0%} of B's rate)")
    finally:
        if SCRATCH_PG:
            connection.close()
            import psycopg  # noqa: PLC0415

            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_PG}"')


if __name__ == "__main__":
    main()
