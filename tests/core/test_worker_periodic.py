"""The worker's periodic jobs (core.periodic, settings.PERIODIC_JOBS): a notification whose
sending task was lost is sent by the sweep, once, however often the sweep runs; an online
test attempt left open past its time is submitted by the sweep; `worker --once` ends."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from edudx.accounts.models import User
from edudx.core import periodic
from edudx.core.models import OutboxEvent
from edudx.exams import services as exam_services
from edudx.exams.models import AttemptStatus
from edudx.notify import channels
from edudx.notify.models import Delivery
from edudx.notify.services import notify
from edudx.people.models import Person
from tests.exams.conftest import T0, _fresh_cache, maths, student_user, teacher  # noqa: F401
from tests.exams.test_flow import attempt_of, paper, test  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent():
    person = Person.objects.create(
        full_name="Đỗ Thị Mai",
        search_name="do thi mai",
        date_of_birth=dt.date(1985, 1, 2),
        sex="F",
        email="mai@example.vn",
    )
    return User.objects.create_user("me_mai", password="x", person=person)


def lost_notification(user, key="fees.payment:1:user:1", minutes=5):
    """notify() committed, but the task that was to send it never ran: its outbox event is
    delivered (the task was queued) and the queue lost it; due for `minutes`."""
    n = notify(user, "fees.payment_recorded", key=key, title="Đã nhận 500.000 đ")
    OutboxEvent.objects.filter(delivered_at__isnull=True).update(delivered_at=timezone.now())
    Delivery.objects.filter(notification=n).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=minutes)
    )
    return n


def test_registry_is_data_in_settings(settings):
    settings.PERIODIC_EVERY = 30
    settings.PERIODIC_JOBS = [
        {"name": "a", "call": "edudx.notify.channels.requeue_lost"},
        {"name": "b", "call": "edudx.exams.services.attempts_close_expired", "every": 5},
    ]
    assert [(j.name, j.every) for j in periodic.jobs()] == [("a", 30.0), ("b", 5.0)]


def test_scheduler_runs_each_job_at_its_interval_and_survives_a_failure(settings):
    calls = []
    settings.PERIODIC_JOBS = []
    now = [100.0]
    registry = [
        periodic.Job("boom", "tests.core.test_worker_periodic.boom", 10),
        periodic.Job("count", "tests.core.test_worker_periodic.count", 10),
    ]
    count.calls = calls
    scheduler = periodic.Scheduler(registry, clock=lambda: now[0])
    first = scheduler.run_due()
    assert isinstance(first["boom"], RuntimeError) and first["count"] == 1
    now[0] += 9
    assert scheduler.run_due() == {}
    now[0] += 1
    assert list(scheduler.run_due()) == ["boom", "count"]
    assert calls == [1, 1]


def boom():
    raise RuntimeError("gateway down")


def count():
    count.calls.append(1)
    return 1


def test_lost_delivery_is_sent_once_by_the_sweep(parent):
    n = lost_notification(parent)
    assert mail.outbox == []
    call_command("worker", "--once", "--interval", "0")
    assert [m.to for m in mail.outbox] == [["mai@example.vn"]]
    assert list(Delivery.objects.filter(notification=n).values_list("channel", "status")) == [
        ("email", "sent")
    ]
    call_command("worker", "--once", "--interval", "0")
    assert channels.requeue_lost() == 0
    assert len(mail.outbox) == 1


def test_a_delivery_due_just_now_is_left_to_its_own_task(parent):
    lost_notification(parent, minutes=0)
    assert channels.requeue_lost() == 0
    assert mail.outbox == []


def test_two_sweeps_before_the_queue_runs_still_send_once(parent, settings, monkeypatch):
    """With the worker's database queue, two sweeps (two workers) queue the task twice;
    the delivery's claim lets only one of them send."""
    from django_tasks_db.management.commands import db_worker  # noqa: PLC0415
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    lost_notification(parent)
    assert (channels.requeue_lost(), channels.requeue_lost()) == (1, 1)
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    call_command("worker", "--once", "--no-periodic", "--interval", "0")
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert [m.to for m in mail.outbox] == [["mai@example.vn"]]
    assert Delivery.objects.get().status == "sent"


def test_expired_attempt_is_submitted_by_the_sweep(test, student_user):  # noqa: F811
    a = attempt_of(test, student_user)
    exam_services.attempt_start(
        actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0
    )
    a.refresh_from_db()
    assert a.status == AttemptStatus.STARTED
    call_command("worker", "--once", "--interval", "0")
    a.refresh_from_db()
    assert (a.status, a.auto_submitted) == (AttemptStatus.SUBMITTED, True)


def test_no_periodic_leaves_the_attempt_open(test, student_user):  # noqa: F811
    a = attempt_of(test, student_user)
    exam_services.attempt_start(
        actor=student_user, attempt_id=a.pk, device_token="dev-one-123", now=T0
    )
    call_command("worker", "--once", "--no-periodic", "--interval", "0")
    a.refresh_from_db()
    assert a.status == AttemptStatus.STARTED
