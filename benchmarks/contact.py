"""Notice fan-out and channel sending, on a fresh SQLite database.

Side A is the platform's path for a school-wide notice: `contact.services.notice_fan_out`
(the guardians of the audience with an account; `notify_many`: the idempotency look-up of
every key, the inbox rows, the recipients' preferences, addresses and push subscriptions,
one Delivery row per channel), in one transaction. Side B, the baseline, writes the same
rows with two bulk_create calls and nothing else (no idempotency, no preferences). Side A2
sends the SMS deliveries through `notify.channels.send_due` (per delivery a conditional
claim, the file backend, the record); B2 writes the same JSON lines to a file and marks
every row sent with one UPDATE. Medians of --runs runs; one process, so rates are per core.

    .venv/bin/python benchmarks/contact.py --guardians 1000 --runs 3
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
TMP = tempfile.TemporaryDirectory(prefix="edudx-bench-contact-")
os.environ["EDUDX_VAR_DIR"] = TMP.name
os.environ["EDUDX_DATABASE_URL"] = f"sqlite:///{TMP.name}/bench.sqlite3"
os.environ["EDUDX_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from edudx.accounts.models import Role, RoleAssignment, User  # noqa: E402
from edudx.contact import services  # noqa: E402
from edudx.contact.models import Audience, Notice  # noqa: E402
from edudx.notify import channels  # noqa: E402
from edudx.notify.models import Delivery, Notification, Preference  # noqa: E402
from edudx.org import services as org_services  # noqa: E402
from edudx.org.models import UnitKind  # noqa: E402
from edudx.people.models import GuardianLink, Person, Student  # noqa: E402


def build(n: int):
    root = org_services.unit_create(actor=None, kind=UnitKind.MINISTRY, name="Bộ GDĐT")
    province = org_services.unit_create(
        actor=None, kind=UnitKind.PROVINCE, name="Tỉnh", code="67", parent=root
    )
    school = org_services.school_create(
        actor=None,
        name="Trường THCS Bench",
        code="67999901",
        parent=province,
        level="lower_secondary",
    ).unit
    year = org_services.school_year_create(
        actor=None, code="2025-2026", start_date=dt.date(2025, 9, 5), end_date=dt.date(2026, 5, 31)
    )
    classes = [
        org_services.class_create(
            actor=None, school=school, school_year_code="2025-2026", name=f"6A{i}", grade_number=6
        )
        for i in range(1, 1 + max(1, n // 40))
    ]
    dob = dt.date(2013, 5, 4)
    kids = Person.objects.bulk_create(
        Person(full_name=f"Học Sinh {i}", search_name=f"hoc sinh {i}", date_of_birth=dob, sex="M")
        for i in range(n)
    )
    parents = Person.objects.bulk_create(
        Person(
            full_name=f"Phụ Huynh {i}",
            search_name=f"phu huynh {i}",
            date_of_birth=dt.date(1985, 1, 1),
            sex="F",
            phone=f"09{i:08d}",
            email=f"ph{i}@example.vn",
        )
        for i in range(n)
    )
    students = Student.objects.bulk_create(
        Student(
            person=p,
            search_name=p.search_name,
            current_school=school,
            current_class=classes[i % len(classes)],
        )
        for i, p in enumerate(kids)
    )
    GuardianLink.objects.bulk_create(
        GuardianLink(guardian=g, student=s, relationship="mother")
        for g, s in zip(parents, students, strict=True)
    )
    users = User.objects.bulk_create(
        User(username=f"ph{i}", person=p, password="!")  # noqa: S106
        for i, p in enumerate(parents)
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(user=u, role=Role.GUARDIAN) for u in users)
    Preference.objects.bulk_create(Preference(user=u, email=True, sms=True) for u in users)
    return school, year


def notice(school, year, i) -> Notice:
    return Notice.objects.create(
        school=school, school_year=year, audience=Audience.SCHOOL, title=f"Thông báo {i}", body="…"
    )


def clear():
    Delivery.objects.all().delete()
    Notification.objects.all().delete()


def side_a(school, year, i) -> float:
    n = notice(school, year, i)
    start = time.perf_counter()
    with transaction.atomic():
        services.notice_fan_out(n)
    return time.perf_counter() - start


def side_b(school, year, i) -> float:
    n = notice(school, year, i)
    start = time.perf_counter()
    with transaction.atomic():
        users = list(
            User.objects.filter(role_assignments__role=Role.GUARDIAN).values_list("pk", flat=True)
        )
        rows = Notification.objects.bulk_create(
            Notification(
                recipient_id=u,
                event="contact.notice",
                key=f"b:{n.pk}:{u}",
                title=n.title,
                body=n.body,
                url=f"/contact/notices/{n.pk}/",
            )
            for u in users
        )
        now = timezone.now()
        Delivery.objects.bulk_create(
            Delivery(notification=r, channel=c, next_attempt_at=now)
            for r in rows
            for c in ("email", "sms")
        )
    return time.perf_counter() - start


def side_a2() -> float:
    start = time.perf_counter()
    channels.send_due(limit=10**9)
    return time.perf_counter() - start


def side_b2() -> float:
    start = time.perf_counter()
    rows = list(
        Delivery.objects.filter(status="pending", channel="sms").values_list(
            "pk", "notification__title", "notification__recipient__person__phone"
        )
    )
    with (Path(TMP.name) / "baseline.jsonl").open("a", encoding="utf-8") as fh:
        for pk, title, phone in rows:
            fh.write(json.dumps({"delivery": pk, "to": phone, "title": title}) + "\n")
    Delivery.objects.filter(pk__in=[r[0] for r in rows]).update(
        status="sent", sent_at=timezone.now()
    )
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guardians", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    call_command("migrate", verbosity=0)
    from django.urls import reverse

    reverse("contact:home")  # load the URL conf outside the timings
    t = time.perf_counter()
    school, year = build(args.guardians)
    print(f"setup: {args.guardians} guardians with accounts in {time.perf_counter() - t:.1f} s")
    from django.conf import settings

    settings.NOTIFY_BACKENDS = {
        "email": "edudx.notify.backends.FileBackend",
        "sms": "edudx.notify.backends.FileBackend",
    }
    a, b, a2, b2 = [], [], [], []
    for i in range(args.runs):
        clear()
        a.append(side_a(school, year, i))
        Delivery.objects.exclude(channel="sms").delete()
        a2.append(side_a2())
        clear()
        b.append(side_b(school, year, i))
        b2.append(side_b2())
    n = args.guardians
    ma, mb = statistics.median(a), statistics.median(b)
    ma2, mb2 = statistics.median(a2), statistics.median(b2)
    print(f"fan-out   platform: {ma:.3f} s ({n / ma:,.0f} guardians/s)")
    print(f"fan-out   baseline: {mb:.3f} s ({n / mb:,.0f} guardians/s)   ratio {ma / mb:.1f}x")
    print(f"SMS send  platform: {ma2:.3f} s ({n / ma2:,.0f} deliveries/s)")
    print(f"SMS send  baseline: {mb2:.3f} s ({n / mb2:,.0f} deliveries/s)   ratio {ma2 / mb2:.1f}x")


if __name__ == "__main__":
    main()
