"""Demo IoT: in the demo principal's school and four other schools (three in its commune,
which the demo commune officer oversees), two classroom environment sensors and an
electricity meter each, with a reading every 15 minutes over the last two days (bulk
inserts, ~8,600 rows), deterministic from `seed`; and one open incident — the CO2 of the
demo school's first classroom has been above 1500 ppm for the last 45 minutes, opened by
the rule engine itself (so the principal is notified)."""

import datetime as dt
import hashlib
import math
import random

from django.utils import timezone

from edudx.org.models import OrgUnit, UnitKind

from . import services
from .models import Device, DeviceKind, Reading

STEP = dt.timedelta(minutes=15)
POINTS = 2 * 24 * 4
ROOMS = ("6A1", "7A2")


def demo_secret(seed: int, device_id: str) -> str:
    """The demo devices' secrets are derived, so docs can show a working publish command."""
    return hashlib.sha256(f"edudx-demo-iot:{seed}:{device_id}".encode()).hexdigest()[:32]


def _occupied(local: dt.datetime) -> bool:
    return local.weekday() < 6 and (7 <= local.hour < 11 or 13 <= local.hour < 17)


def _env(rng: random.Random, local: dt.datetime) -> dict[str, float]:
    phase = math.sin((local.hour + local.minute / 60 - 9) / 24 * 2 * math.pi)
    busy = _occupied(local)
    return {
        "temperature_c": round(25 + 4.5 * phase + rng.uniform(-0.6, 0.6), 1),
        "humidity_pct": round(74 - 9 * phase + rng.uniform(-2, 2), 1),
        "co2_ppm": round((950 + rng.uniform(0, 350)) if busy else (430 + rng.uniform(0, 40))),
        "pm25_ugm3": round(18 + 8 * phase + rng.uniform(-3, 3), 1),
    }


def build_demo(summary, users, *, seed: int, log=print) -> None:
    rng = random.Random(f"{seed}:iot")  # noqa: S311 — demo data, not secrets
    principal = next((u for u in users if u.username == "hieu_truong"), None)
    home = principal.role_assignments.get().unit if principal else None
    others = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, valid_to__isnull=True).exclude(
        pk=getattr(home, "pk", None)
    )
    # Three neighbours in the demo commune (phong_gddt's summary) and one school elsewhere.
    near = []
    if home is not None and home.parent_id:
        near = list(others.filter(path__startswith=home.parent.path).order_by("pk")[:3])
    far = list(others.exclude(pk__in=[s.pk for s in near]).order_by("pk")[: 4 - len(near)])
    schools = ([home] if home is not None else []) + near + far
    end = timezone.now().replace(second=0, microsecond=0)
    end -= dt.timedelta(minutes=end.minute % 15)
    stamps = [end - STEP * i for i in range(POINTS - 1, -1, -1)]
    local = [timezone.localtime(t) for t in stamps]
    devices, readings = [], []
    for school in schools:
        code = school.code or str(school.pk)
        specs = [
            (f"{code}-{room}", f"Cảm biến phòng {room}", f"Phòng {room}", DeviceKind.CLASSROOM)
            for room in ROOMS
        ] + [(f"{code}-dien", "Công tơ điện tổng", "Tủ điện tầng 1", DeviceKind.METER)]
        for device_id, name, location, kind in specs:
            device = Device(
                school=school,
                device_id=device_id,
                name=name,
                location=location,
                kind=kind,
                secret_hash=hashlib.sha256(demo_secret(seed, device_id).encode()).hexdigest(),
                last_seen_at=end,
            )
            values = []
            for t, lt in zip(stamps, local, strict=True):
                if kind == DeviceKind.METER:
                    kw = (9 + rng.uniform(0, 5)) if _occupied(lt) else (1.2 + rng.uniform(0, 0.6))
                    row = {"power_kw": round(kw, 2)}
                else:
                    row = _env(rng, lt)
                values.append((t, row))
            if school == home and device_id.endswith(ROOMS[0]):
                # The window stuck shut: CO2 above the built-in 1500 ppm for the last 45 min.
                for _t, row in values[-4:]:
                    row["co2_ppm"] = 1650 + round(rng.uniform(0, 200))
            device.latest = {m: [values[-1][0].isoformat(), v] for m, v in values[-1][1].items()}
            devices.append(device)
            readings.extend((device, t, row) for t, row in values)
    Device.objects.bulk_create(devices, batch_size=500)
    Reading.objects.bulk_create(
        (
            Reading(device=d, metric=m, measured_at=t, value=v)
            for d, t, row in readings
            for m, v in row.items()
        ),
        batch_size=2000,
    )
    opened = 0
    if home is not None:
        first = next(d for d in devices if d.school == home)
        evaluated = services.rules_evaluate(device=first, metrics={"co2_ppm": stamps[-8]})
        opened = len(evaluated.opened)
    log(
        f"iot.demo: {len(devices)} devices in {len(schools)} schools, "
        f"{Reading.objects.count()} readings, {opened} open incident"
    )
